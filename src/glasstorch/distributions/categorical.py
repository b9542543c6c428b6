"""The categorical distribution over ``0 .. K-1``, given ``probs`` or ``logits``."""

from __future__ import annotations

import numpy as np

import glasstorch as _gt

from ..backend import array_module
from ..ops._util import Tensor
from ..tensor import Size
from . import constraints
from .distribution import Distribution
from .utils import _finfo, _uniform_array, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


def _one_param(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class Categorical(Distribution):
    """Draws an index in ``0 .. K-1`` with the probabilities along the last dim.

    ``probs`` need not sum to one (it is normalised); ``logits`` are
    unnormalised log-probabilities.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True
    _expand_params = ("probs", "logits")

    def _param_event_dims(self, name: str) -> int:
        return 1

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        given = "probs" if self._param is self.__dict__.get("probs") else "logits"
        new._param = new.__dict__[given]
        new._num_events = self._num_events
        return new

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        _one_param(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return _gt.full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return _gt.full(tuple(self._extended_shape()), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape=Size()) -> Tensor:
        # inverse CDF: the index is the number of cumulative probabilities below a uniform draw
        shape = self._extended_shape(sample_shape)
        p = self.probs._data
        cdf = p.cumsum(axis=-1)
        u = _uniform_array(shape, self.probs.dtype)._data[..., None] * cdf[..., -1:]
        idx = array_module(p).minimum((cdf < u).sum(-1), self._num_events - 1)
        return Tensor._make(idx.astype(np.int64), False, None, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = _gt.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=float(_finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = _gt.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
