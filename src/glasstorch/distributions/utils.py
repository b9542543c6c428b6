"""Helpers shared by the distributions."""

from __future__ import annotations

import numbers

import numpy as np

import glasstorch as _gt

from .. import backend
from ..ops._util import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values):
    """Tensors (numbers become tensors of the default dtype) broadcast to one shape."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        like = next((v for v in values if isinstance(v, Tensor)), None)
        dtype = like.dtype if like is not None else _gt.get_default_dtype()
        values = [v if isinstance(v, Tensor) else _gt.tensor(v, dtype=dtype) for v in values]
    return _gt.broadcast_tensors(*values)


def _finfo(dtype):
    return np.finfo(dtype.np)


def clamp_probs(probs: Tensor) -> Tensor:
    eps = float(_finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    if is_binary:
        return _gt.sigmoid(logits)
    return _gt.softmax(logits, dim=-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    ps = clamp_probs(probs)
    if is_binary:
        return _gt.log(ps) - _gt.log1p(-ps)
    return _gt.log(ps)


class lazy_property:
    """A property computed once, on first access, then stored on the instance."""

    def __init__(self, fn) -> None:
        self.wrapped = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with _gt.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[: value.dim() - dim]) + (-1,)).sum(-1)


def _normal_array(shape, dtype):
    from ..random import _rng

    draw = _rng(None).standard_normal(tuple(shape)).astype(dtype.np)  # drawn on the host, then moved
    return Tensor._make(backend.from_numpy(draw), False, None, 0)


def _uniform_array(shape, dtype):
    from ..random import _rng

    draw = _rng(None).random(tuple(shape)).astype(dtype.np)  # drawn on the host, then moved
    return Tensor._make(backend.from_numpy(draw), False, None, 0)
