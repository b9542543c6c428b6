"""The Dirichlet distribution over the probability simplex."""

from __future__ import annotations

import glasstorch as _gt

from ..ops._util import Tensor
from ..tensor import Size
from . import constraints
from ._special import digamma, lgamma
from .distribution import Distribution
from .gamma import _standard_gamma, _xlogy

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """Dirichlet(concentration) over the last dim of ``concentration``."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True
    _expand_params = ("concentration",)

    def _param_event_dims(self, name: str) -> int:
        return 1

    def __init__(self, concentration: Tensor, validate_args=None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def rsample(self, sample_shape=Size()) -> Tensor:
        # normalised independent gammas, each reparameterised implicitly
        g = _standard_gamma(self.concentration.expand(tuple(self._extended_shape(sample_shape))))
        return g / g.sum(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return _xlogy(c - 1.0, value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        # every concentration below one: the mass piles on the largest one's corner
        from ..nn._functional.utility import one_hot

        corner = one_hot(cm1.argmax(-1), cm1.shape[-1]).to(mode.dtype)
        return _gt.where((self.concentration < 1).all(-1, keepdim=True), corner, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0.pow(2) * (c0 + 1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        a0 = c.sum(-1)
        return lgamma(c).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0) - ((c - 1.0) * digamma(c)).sum(-1)
