"""Comparisons, logic, bitwise ops and predicates (isnan, isclose, ...): bool or integer
results, never part of the graph."""

from __future__ import annotations

import numpy as np

from ...backend import array_module
from ...tensor import _check_write
from .._util import Tensor, accepts_out, promote
from . import checks
from ._common import _module_of, _Op

__all__ = ["eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
           "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isclose",
           "allclose", "equal", "LogicalNot", "BitwiseNot", "IsNan", "IsInf", "IsFinite"]


class _Predicate(_Op):
    """Ops with bool (or integer) results: never part of the graph."""

    differentiable = False


def _binary_predicate(ufunc: str, name: str, doc: str | None):
    """The Function class of a two-operand predicate: the array module's ``ufunc``."""

    def forward(ctx, a, b):
        return getattr(_module_of(a, b), ufunc)(a, b)

    return type(name.capitalize(), (_Predicate,), {"forward": staticmethod(forward), "__doc__": doc,
                                                   "__module__": __name__})


def _compare(ufunc: str, name: str):
    doc = f"Elementwise ``{name}``; returns a bool tensor."
    cls = _binary_predicate(ufunc, name, doc)

    def fn(input, other) -> Tensor:
        a, b = promote(input, other)
        return cls.apply(a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return accepts_out(fn)


eq = _compare("equal", "eq")
ne = not_equal = _compare("not_equal", "ne")
lt = less = _compare("less", "lt")
le = less_equal = _compare("less_equal", "le")
gt = greater = _compare("greater", "gt")
ge = greater_equal = _compare("greater_equal", "ge")
logical_and = _compare("logical_and", "logical_and")
logical_or = _compare("logical_or", "logical_or")
logical_xor = _compare("logical_xor", "logical_xor")


def _bitwise(ufunc: str, name: str):
    cls = _binary_predicate(ufunc, name, None)

    def fn(input, other) -> Tensor:
        a, b = promote(input, other)
        checks.check_not_float(f"{name}_cpu", a, b)
        return cls.apply(a, b)

    fn.__name__ = fn.__qualname__ = name
    return fn


def check_bitwise_inplace(input: Tensor, other) -> None:
    """``x.bitwise_and_(y)`` with a float operand: torch refuses the output's shape or dtype
    before its kernel refuses the float."""
    if input._data.dtype.kind == "f" or type(other) is float or (
            isinstance(other, Tensor) and other._data.dtype.kind == "f"):
        a, b = promote(input, other)
        if isinstance(b, Tensor):
            try:
                shape = np.broadcast_shapes(a._data.shape, b._data.shape)
            except ValueError:
                return  # the op's own broadcasting error
        else:
            shape = a._data.shape
        _check_write(input, shape, a.dtype)


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")


class LogicalNot(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).logical_not(x)


class BitwiseNot(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).invert(x)


class IsNan(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).isnan(x)


class IsInf(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).isinf(x)


class IsFinite(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).isfinite(x)


def logical_not(input: Tensor) -> Tensor:
    return LogicalNot.apply(input)


def bitwise_not(input: Tensor) -> Tensor:
    """Bitwise NOT of an integer tensor; logical NOT of a bool tensor."""
    checks.check_not_float("bitwise_not_cpu", input)
    return BitwiseNot.apply(input)


def _invert(input: Tensor) -> Tensor:
    """The ``~`` operator."""
    checks.check_invertible(input)
    return BitwiseNot.apply(input)


def isnan(input: Tensor) -> Tensor:
    return IsNan.apply(input)


def isinf(input: Tensor) -> Tensor:
    return IsInf.apply(input)


def isfinite(input: Tensor) -> Tensor:
    return IsFinite.apply(input)


def isposinf(input: Tensor) -> Tensor:
    return logical_and(isinf(input), input > 0)


def isneginf(input: Tensor) -> Tensor:
    return logical_and(isinf(input), input < 0)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    checks.check_same_dtype(input, other)
    checks.check_broadcast(input, other)
    xp = array_module(input._data)
    return Tensor._make(xp.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan),
                        False, None, 0)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close: ``|a - b| <= atol + rtol * |b|``."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and the same values."""
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())
