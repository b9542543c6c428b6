"""The beta distribution on [0, 1]."""

from __future__ import annotations

import numbers

import glasstorch as _gt

from ..ops._util import Tensor
from ..tensor import Size
from . import constraints
from ._special import digamma, lgamma
from .dirichlet import Dirichlet
from .distribution import Distribution
from .gamma import _standard_gamma, _xlogy
from .utils import broadcast_all

__all__ = ["Beta"]


class Beta(Distribution):
    """Beta(concentration1, concentration0): density x^(a-1) (1-x)^(b-1) / B(a, b)."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True
    _expand_params = ("concentration1", "concentration0")

    def __init__(self, concentration1, concentration0, validate_args=None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        scalar = isinstance(concentration1, numbers.Number) and isinstance(concentration0, numbers.Number)
        if validate_args is not False and (validate_args or self._validate_args):
            # checked as the Dirichlet of two it is, so bad values are reported as torch reports them
            Dirichlet(_gt.stack([self.concentration1, self.concentration0], -1), validate_args=True)
        super().__init__(Size() if scalar else self.concentration1.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        a1 = (self.concentration1 - 1).clamp(min=0.0)
        b1 = (self.concentration0 - 1).clamp(min=0.0)
        # both below one: the first corner of the Dirichlet of two, as torch picks it
        both_low = (self.concentration1 < 1) & (self.concentration0 < 1)
        return _gt.where(both_low, _gt.ones_like(a1), a1 / (a1 + b1))

    @property
    def variance(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        g1 = _standard_gamma(self.concentration1.expand(shape))
        g0 = _standard_gamma(self.concentration0.expand(shape))
        return g1 / (g1 + g0)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return (_xlogy(a - 1.0, value) + _xlogy(b - 1.0, 1.0 - value)
                + lgamma(a + b) - lgamma(a) - lgamma(b))

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return (lgamma(a) + lgamma(b) - lgamma(total) - (a - 1) * digamma(a) - (b - 1) * digamma(b)
                + (total - 2) * digamma(total))
