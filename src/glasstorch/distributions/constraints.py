"""Constraints: which values a parameter or a sample may take.

``constraint.check(value)`` answers with a bool tensor over the batch (the
last ``event_dim`` dims are reduced), as ``torch.distributions.constraints``.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..backend import array_module
from ..ops._util import Tensor

__all__ = ["Constraint", "boolean", "dependent", "dependent_property", "greater_than", "greater_than_eq",
           "half_open_interval", "independent", "integer_interval", "interval", "is_dependent",
           "less_than", "lower_cholesky", "lower_triangular", "nonnegative", "nonnegative_integer",
           "one_hot", "positive", "positive_definite", "positive_integer", "real", "real_vector",
           "simplex", "symmetric", "unit_interval"]


def _arr(value):
    """A tensor's data, or a Python value (a bound, a list) as an array on the device."""
    return value._data if isinstance(value, Tensor) else backend.from_numpy(np.asarray(value))  # host: Python values


def _bool(arr) -> Tensor:
    return Tensor._make(array_module(arr).asarray(arr, dtype=bool), False, None, 0)


class Constraint:
    """The base class: ``check`` says elementwise (per event) whether a value is allowed."""

    is_discrete = False
    event_dim = 0

    def check(self, value) -> Tensor:
        raise NotImplementedError

    def _check(self, a):  # on arrays; subclasses fill in this one
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.__class__.__name__.lstrip("_") + "()"


class _Elementwise(Constraint):
    def check(self, value) -> Tensor:
        return _bool(self._check(_arr(value)))


class _Dependent(Constraint):
    """A placeholder for a constraint that depends on other parameters (not checked)."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented) -> None:
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self):
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        return _Dependent(is_discrete=self._is_discrete if is_discrete is NotImplemented else is_discrete,
                          event_dim=self._event_dim if event_dim is NotImplemented else event_dim)

    def check(self, value):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint) -> bool:
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A property whose value is the constraint (e.g. a support that depends on the parameters)."""

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented) -> None:
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class _Real(_Elementwise):
    def _check(self, a):
        return a == a  # NaN is the only real-typed value that is not real


class _Boolean(_Elementwise):
    is_discrete = True

    def _check(self, a):
        return (a == 0) | (a == 1)


class _Bounded(_Elementwise):
    def __init__(self, lower_bound=None, upper_bound=None) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def __repr__(self) -> str:
        parts = []
        if self.lower_bound is not None:
            parts.append(f"lower_bound={self.lower_bound}")
        if self.upper_bound is not None:
            parts.append(f"upper_bound={self.upper_bound}")
        return f"{self.__class__.__name__.lstrip('_')}({', '.join(parts)})"


class _GreaterThan(_Bounded):
    def _check(self, a):
        return _arr(self.lower_bound) < a


class _GreaterThanEq(_Bounded):
    def _check(self, a):
        return _arr(self.lower_bound) <= a


class _LessThan(_Bounded):
    def __init__(self, upper_bound) -> None:
        super().__init__(None, upper_bound)

    def _check(self, a):
        return a < _arr(self.upper_bound)


class _Interval(_Bounded):
    def _check(self, a):
        return (_arr(self.lower_bound) <= a) & (a <= _arr(self.upper_bound))


class _HalfOpenInterval(_Bounded):
    def _check(self, a):
        return (_arr(self.lower_bound) <= a) & (a < _arr(self.upper_bound))


class _IntegerInterval(_Bounded):
    is_discrete = True

    def _check(self, a):
        return (a % 1 == 0) & (_arr(self.lower_bound) <= a) & (a <= _arr(self.upper_bound))


class _IntegerGreaterThan(_Bounded):
    is_discrete = True

    def _check(self, a):
        return (a % 1 == 0) & (a >= self.lower_bound)


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        a = _arr(value)
        return _bool((a >= 0).all(axis=-1) & (abs(a.sum(-1) - 1) < 1e-6))


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        a = _arr(value)
        return _bool(((a == 0) | (a == 1)).all(axis=-1) & (a.sum(-1) == 1))


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        a = _arr(value)
        return _bool((array_module(a).tril(a) == a).all(axis=(-2, -1)))


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        a = _arr(value)
        tri = (array_module(a).tril(a) == a).all(axis=(-2, -1))
        return _bool(tri & (a.diagonal(axis1=-2, axis2=-1) > 0).all(axis=-1))


class _Symmetric(Constraint):
    event_dim = 2

    def check(self, value):
        a = _arr(value)
        close = array_module(a).isclose(a, a.swapaxes(-1, -2), rtol=1e-5, atol=1e-6)
        return _bool(close.all(axis=(-2, -1)))


class _PositiveDefinite(_Symmetric):
    def check(self, value):
        a = _arr(value)
        xp = array_module(a)
        sym = super().check(value)._data
        with np.errstate(all="ignore"):
            # the smallest eigenvalue of the symmetric part, per matrix
            low = xp.linalg.eigvalsh(xp.nan_to_num(0.5 * (a + a.swapaxes(-1, -2)), nan=-1.0))[..., 0]
        return _bool(sym & (low > 0))


class _IndependentConstraint(Constraint):
    """Reinterpret the rightmost ``reinterpreted_batch_ndims`` batch dims of a constraint as event dims."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)._data
        n = self.reinterpreted_batch_ndims
        if result.ndim < n:
            expected = self.base_constraint.event_dim + n
            raise ValueError(f"Expected value.dim() >= {expected} but got {_arr(value).ndim}")
        return _bool(result.reshape(result.shape[:result.ndim - n] + (-1,)).all(-1))

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


# torch's public names
dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
symmetric = _Symmetric()
positive_definite = _PositiveDefinite()
