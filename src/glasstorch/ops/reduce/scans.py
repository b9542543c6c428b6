"""Scans: running sum, product, maximum and minimum along a dim."""

from __future__ import annotations

import numpy as np

from ...backend import array_module
from .._util import Tensor, wrap_dim
from ._common import _as_1d, _int_to_long, _one_dim, _Op, _t
from .checks import check_scalar_scan_dim
from .extremes import Cummax, Cummin, _pick


class Cumsum(_Op):
    """Running sum; the gradient is the running sum of the gradient from the end."""

    @staticmethod
    def forward(ctx, x, dim, np_dtype):
        ctx.dim = dim
        return array_module(x).cumsum(x, axis=dim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        d = ctx.dim
        return grad.flip(d).cumsum(d).flip(d), None, None


class Cumprod(_Op):
    """Running product; exact gradient with zeros in the input (quadratic cost only then)."""

    @staticmethod
    def forward(ctx, x, dim, np_dtype):
        out = array_module(x).cumprod(x, axis=dim, dtype=np_dtype)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        d = ctx.dim
        if not (x._data == 0).any():
            return (grad * out).flip(d).cumsum(d).flip(d) / x, None, None
        # d out_i / d x_k = prod_{j <= i, j != k} x_j for i >= k: one running product per k
        xp = array_module(x._data)
        n = x.shape[d]
        ones_at = (n,) + (1,) * d + (n,) + (1,) * (x.ndim - d - 1)
        eye = xp.eye(n, dtype=bool).reshape(ones_at)
        later = (xp.arange(n)[:, None] > xp.arange(n)[None, :]).reshape(ones_at)  # [k, i]: i < k
        runs = x.unsqueeze(0).masked_fill(_t(eye), 1.0).cumprod(d + 1)
        parts = (grad.unsqueeze(0) * runs).masked_fill(_t(later), 0.0)
        return parts.sum(d + 1, keepdim=True).movedim(0, d + 1).squeeze(d), None, None


def _scan(cls, input, dim, dtype):
    np_dtype = _int_to_long(input, dtype)
    if input._data.ndim == 0:
        wrap_dim(dim, 0)
        return cls.apply(input.reshape(1), 0, np_dtype).reshape(())
    return cls.apply(input, wrap_dim(dim, input._data.ndim), np_dtype)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along ``dim``. Integers accumulate in int64."""
    return _scan(Cumsum, input, dim, dtype)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running product along ``dim``. Integers accumulate in int64."""
    return _scan(Cumprod, input, dim, dtype)


def _cum_extreme(input, dim, is_max, name):
    check_scalar_scan_dim(input, dim, name)
    # torch does not look at the dim of an empty tensor
    d = _one_dim(input, dim) if input._data.size else 0
    a = _as_1d(input)
    xp = array_module(a)
    ufunc = xp.maximum if is_max else xp.minimum
    run = ufunc.accumulate(a, axis=d) if a.size else a
    # torch takes the latest position that reached the running extreme (NaN sticks)
    hit = a == run
    if a.dtype.kind == "f":
        hit = hit | xp.isnan(a)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    pos = xp.where(hit, xp.arange(a.shape[d]).reshape(shape), 0)
    idx = xp.maximum.accumulate(pos, axis=d) if a.size else pos
    return _pick(Cummax if is_max else Cummin, name, input, d, True, idx.astype(np.int64))


def cummax(input: Tensor, dim: int):
    """Running maximum along ``dim`` and where each was reached."""
    return _cum_extreme(input, dim, True, "cummax")


def cummin(input: Tensor, dim: int):
    """Running minimum along ``dim`` and where each was reached."""
    return _cum_extreme(input, dim, False, "cummin")
