"""Order statistics: sort, argsort, topk, median, kthvalue.

Each finds indices with a stable argsort and hands them to a picking op
(:class:`.extremes._Pick`), which gathers the values and scatters the gradient back.
"""

from __future__ import annotations

import numpy as np

from ...backend import array_module
from .._util import Tensor
from ._common import _as_1d, _one_dim, _Op
from .checks import check_kthvalue, check_nonempty, check_topk_dtype, check_topk_k
from .extremes import Kthvalue, MaxAll, MedianDim, Sort, Topk, _pick


def _stable_argsort(a, axis, descending=False):
    """Stable order along ``axis``; NaN counts as the largest value, as in torch."""
    xp = array_module(a)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    # descending and still stable: sort the reversed array, reverse the answer
    n = a.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(a, axis), axis=axis, kind="stable"), axis)
    return (n - 1) - rev


def _median_index(a, axis):
    """Index of the lower median along ``axis`` (of the first NaN where there is one), keepdims."""
    xp = array_module(a)
    n = a.shape[axis]
    order = _stable_argsort(a, axis)
    idx = xp.take(order, xp.asarray([(n - 1) // 2]), axis=axis)
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        has = nan.any(axis=axis, keepdims=True)
        idx = xp.where(has, xp.argmax(nan, axis=axis, keepdims=True), idx)
    return idx


class MedianAll(_Op):
    """median() of all elements: ties with the median share the gradient, as in torch."""

    node_name = "MedianBackward0"

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        out = array_module(x).asarray(flat[_median_index(flat, 0)[0]])
        ctx.save_for_backward(x, out)
        return out

    backward = MaxAll.backward


def _empty_median(input: Tensor) -> Tensor:
    """The median of no elements: NaN, or for integers the dtype's minimum (torch's fill)."""
    dtype = input._data.dtype
    empty = np.nan if dtype.kind == "f" else np.iinfo(dtype).min if dtype.kind in "iu" else False
    return Tensor._make(array_module(input._data).array(empty, dtype), False, None, 0)


def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of all elements, or ``(values, indices)`` along ``dim``."""
    if dim is None:
        if input._data.size == 0:
            return _empty_median(input)
        return MedianAll.apply(input)
    d = _one_dim(input, dim)
    check_nonempty(input, (d,) if input._data.ndim else (), "median")
    return _pick(MedianDim, "median", input, d, keepdim, _median_index(_as_1d(input), d))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest element along ``dim`` (1-based), with its index."""
    d = _one_dim(input, dim)
    check_nonempty(input, (d,) if input._data.ndim else (), "kthvalue")
    a = _as_1d(input)
    check_kthvalue(k, d, a.shape[d])
    xp = array_module(a)
    idx = xp.take(_stable_argsort(a, d), xp.asarray([k - 1]), axis=d)
    return _pick(Kthvalue, "kthvalue", input, d, keepdim, idx)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """``(values, indices)`` sorted along ``dim``; ties keep their order (always stable)."""
    d = _one_dim(input, dim)
    return _pick(Sort, "sort", input, d, True, _stable_argsort(_as_1d(input), d, descending))


class _ArgSort(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, descending):
        if x.ndim == 0:
            return array_module(x).zeros((), np.int64)
        return _stable_argsort(x, dim, descending).astype(np.int64)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stable)."""
    return _ArgSort.apply(input, _one_dim(input, dim), descending)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices."""
    d = _one_dim(input, dim)
    a = _as_1d(input)
    check_topk_k(k, a.shape[d])
    check_topk_dtype(input)  # after the dim and k, as torch
    if input._data.ndim == 0:
        k = 1  # torch hands back the element itself, even for k=0
    xp = array_module(a)
    idx = xp.take(_stable_argsort(a, d, largest), xp.arange(k), axis=d)
    return _pick(Topk, "topk", input, d, True, idx)
