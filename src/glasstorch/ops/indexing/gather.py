"""Gather and scatter along a dim; index_select and index_add."""

from __future__ import annotations

import math

import numpy as np

from ...backend import array_module
from .._util import Tensor, _wrap_int, wrap_dim
from ..shape.join import _pad_zeros
from ._common import _Op
from .checks import (
    check_index,
    check_index_add,
    check_index_select,
    check_scatter_dtype,
    check_scatter_float_value,
    check_scatter_reduce,
    check_scatter_src,
    index_array,
)


def _along(dim, index):
    """Full index tuple that addresses ``index`` along ``dim`` (take_along_axis style)."""
    key = list(array_module(index).indices(index.shape, sparse=True))
    key[dim] = index
    return tuple(key)


class Gather(_Op):
    """out[i][j] = x[i][index[i][j]] (for dim=1); the gradient adds back at the index."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        if not index.size:  # an empty index may have any rank: it reads nothing
            return array_module(x).zeros(index.shape, x.dtype)
        return x[_along(dim, index)]

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return scatter_zeros(grad, ctx.shape, ctx.dim, index, accumulate=True), None, None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Pick values along ``dim`` at the positions in ``index``."""
    d = wrap_dim(dim, input._data.ndim)
    idx = index_array(index, "gather")
    if not idx.size:  # torch takes an empty index of any rank and returns its shape
        return input.reshape(-1)[:0].reshape(idx.shape)
    if input._data.ndim <= 1 and idx.ndim <= 1:  # a 0-d tensor (or index) counts as a 1-element vector
        flat = input.reshape(-1)
        check_index("gather", flat, 0, idx.reshape(-1))
        return Gather.apply(flat, 0, index.reshape(-1)).reshape(idx.shape)
    check_index("gather", input, d, idx)
    return Gather.apply(input, d, index)


class ScatterZeros(_Op):
    """zeros(shape) with ``g`` placed (or added) at ``index`` along ``dim``."""

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, g, shape, dim, index, accumulate):
        ctx.dim = dim
        ctx.save_for_backward(index)
        xp = array_module(g)
        out = xp.zeros(shape, g.dtype)
        if not index.size:
            return out
        key = _along(dim, index)
        if accumulate:
            xp.add.at(out, key, g)
        else:
            out[key] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return grad.gather(ctx.dim, index), None, None, None, None


def scatter_zeros(g: Tensor, shape, dim: int, index, accumulate: bool = False) -> Tensor:
    """zeros(shape) with ``g`` written (or added) at ``index`` along ``dim``, recorded."""
    if not isinstance(index, Tensor):
        index = Tensor._make(index, False, None, 0)
    return ScatterZeros.apply(g, shape, dim, index, accumulate)


class Scatter(_Op):
    """A copy of x with ``src`` written at ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.src_shape = dim, getattr(src, "shape", ())
        ctx.save_for_backward(index)
        out = x.copy()
        if index.size:  # an empty index writes nothing, whatever its rank
            part = src if getattr(src, "ndim", 0) == 0 else src[tuple(slice(0, s) for s in index.shape)]
            out[_along(dim, index)] = part
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = grad.scatter(ctx.dim, index, 0.0)
        if ctx.needs_input_grad[3]:
            gsrc = _src_grad(grad, ctx.dim, index, ctx.src_shape)
        return gx, None, None, gsrc


class ScatterValue(Scatter):
    node_name = "ScatterBackward1"


class ScatterAdd(_Op):
    """A copy of x with ``src`` added at ``index`` along ``dim`` (repeats add up)."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.src_shape = dim, src.shape
        ctx.save_for_backward(index)
        out = x.copy()
        if index.size:  # an empty index adds nothing, whatever its rank
            part = src if src.ndim == 0 else src[tuple(slice(0, s) for s in index.shape)]
            array_module(x).add.at(out, _along(dim, index), part)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = _src_grad(grad, ctx.dim, index, ctx.src_shape)
        return grad, None, None, gsrc


class ScatterMul(_Op):
    """A copy of x with the entries at ``index`` multiplied by ``src`` (repeats multiply);
    torch has no derivative for it."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        out = x.copy()
        if index.size:
            xp = array_module(x)
            if isinstance(src, (bool, int, float)):  # a number is cast to x's dtype first, as torch
                part = xp.asarray(src, x.dtype)
            else:
                part = src[tuple(slice(0, s) for s in index.shape)] if src.ndim else src
            xp.multiply.at(out, _along(dim, index), part)
        return out

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


def _src_grad(grad: Tensor, dim: int, index: Tensor, src_shape) -> Tensor:
    """The gradient of a scatter's ``src``: what was read at ``index``, zeros elsewhere."""
    if not index._data.size:  # nothing read (an empty index may have any rank)
        return grad.new_zeros(src_shape)
    if not src_shape:  # a 0-d src was read once (torch's checks allow one element per dim)
        return grad.gather(dim, index).reshape(())
    return _pad_to(grad.gather(dim, index), src_shape)


def _pad_to(g: Tensor, shape) -> Tensor:
    """``g`` in the top corner of zeros of ``shape`` (src may be larger than index)."""
    if tuple(g.shape) == tuple(shape):
        return g
    return _pad_zeros(g, tuple((0, s - n) for s, n in zip(shape, g.shape)))


def _scatter_args(name, input, dim, index, src):
    check_scatter_src(name, input, src)
    d = wrap_dim(dim, input._data.ndim)
    idx = index_array(index, name)
    if isinstance(src, Tensor):
        check_scatter_dtype(name, input, src)
        check_index(name, input, d, idx, src._data)
    else:
        check_index(name, input, d, idx)
    return d


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """Write ``src`` (a tensor, or a number ``value``) into a copy of ``input`` at ``index``."""
    if src is None:
        src = value
    d = _scatter_args("scatter", input, dim, index, src)
    if type(src) is int and input._data.dtype.kind in "iu":
        src = _int_value(src, input._data.dtype)
    check_scatter_float_value(input, src)
    if input._data.ndim == 0 or index._data.ndim == 0:
        return scatter(*_as_1d(input, d, index, src), reduce=reduce).reshape(input.shape)
    check_scatter_reduce(reduce)
    if reduce == "multiply":
        return ScatterMul.apply(input, d, index, src)
    if reduce == "add":
        if not isinstance(src, Tensor):
            src = Tensor._make(array_module(input._data).full(index._data.shape, src, input._data.dtype),
                               False, None, 0)
        return ScatterAdd.apply(input, d, index, src)
    if isinstance(src, Tensor):
        return Scatter.apply(input, d, index, src)
    return ScatterValue.apply(input, d, index, src)


def _int_value(v: int, np_dtype):
    """An int written into an integer tensor: torch's overflow check (an unsigned type takes
    negatives down to -max), then wrapped around as a C cast."""
    info = np.iinfo(np_dtype)
    if not (info.min if np_dtype.kind == "i" else -int(info.max)) <= v <= info.max:
        ctype = "int" if np_dtype == np.int32 else f"{np_dtype.name}_t"
        raise RuntimeError(f"value cannot be converted to type {ctype} without overflow")
    return _wrap_int(v, np_dtype)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add ``src`` into a copy of ``input`` at ``index`` (repeats add up)."""
    d = _scatter_args("scatter_add", input, dim, index, src)
    if input._data.ndim == 0 or index._data.ndim == 0:
        return scatter_add(*_as_1d(input, d, index, src)).reshape(input.shape)
    return ScatterAdd.apply(input, d, index, src)


def _as_1d(input, d, index, src):
    """A scatter with a 0-d operand as the same scatter with its 0-d tensors made 1-d."""
    one = (lambda t: t.reshape(1) if isinstance(t, Tensor) and t._data.ndim == 0 else t)
    return one(input), d, one(index), one(src)


class IndexSelect(_Op):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return array_module(x).take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return _IndexAdd.apply(grad, ctx.shape, ctx.dim, index), None, None


class _IndexAdd(_Op):
    node_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        ctx.dim = dim
        ctx.save_for_backward(index)
        xp = array_module(g)
        out = xp.zeros(shape, g.dtype)
        key = (slice(None),) * dim + (index,)
        xp.add.at(out, key, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return grad.index_select(ctx.dim, index), None, None, None


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices at ``index`` (a vector) along ``dim``."""
    d = wrap_dim(dim, input._data.ndim)
    idx = index._data if isinstance(index, Tensor) else array_module(input._data).asarray(index)
    check_index_select(input, d, idx)
    if not isinstance(index, Tensor):
        index = Tensor._make(idx, False, None, 0)
    if input._data.ndim == 0:
        return IndexSelect.apply(input.reshape(1), 0, index.reshape(-1)).reshape(())
    return IndexSelect.apply(input, d, index.reshape(-1))


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    d = wrap_dim(dim, input._data.ndim)
    check_index_add(input, d, index, source, alpha)
    if input._data.ndim == 0:
        return index_add(input.reshape(1), 0, index.reshape(-1), source.reshape(1), alpha=alpha).reshape(())
    if input._data.size == 0:  # nothing to add to, whatever the indices (torch does not look at them)
        return input + source.sum() * 0 if source.requires_grad else input.clone()
    if input._data.dtype.kind in "iu" and isinstance(alpha, float):
        # torch casts alpha to the integer dtype (an infinite one got here only with nothing to add)
        alpha = int(alpha) if math.isfinite(alpha) else 0
    src = source * alpha if alpha != 1 else source
    return input + _IndexAdd.apply(src._cast(input.dtype), input._data.shape, d, index.reshape(-1))
