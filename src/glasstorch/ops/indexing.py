"""Indexing: ``x[key]``, ``x[key] = v``, gather/scatter, index_select, masks.

``x[key]`` with ints, slices, None and Ellipsis is a view (basic indexing);
with integer or boolean tensors it copies (advanced indexing). Either way
the backward puts the gradient back where the elements came from, adding
up when an index repeats.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import xp
from ._util import Tensor, wrap_dim


class _Op(Function):
    array_io = True


def _convert_key(key):
    """Tensors and lists in an index become arrays; the result is NumPy-ready."""
    if isinstance(key, tuple):
        return tuple(_convert_one(k) for k in key)
    return _convert_one(key)


def _convert_one(k):
    if isinstance(k, Tensor):
        a = k._data
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a.astype(bool) if a.dtype == np.uint8 else a
    if isinstance(k, list):
        return np.asarray([_convert_one(v) for v in k]) if k else np.asarray(k, dtype=np.int64)
    return k


def _is_basic(key) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    for k in items:
        if isinstance(k, np.ndarray) or (not isinstance(k, (int, np.integer, slice)) and k is not None and k is not Ellipsis):
            return False
    return True


def _check_bounds(shape, key):
    items = key if isinstance(key, tuple) else (key,)
    dim = 0
    n_real = sum(1 for k in items if k is not None and k is not Ellipsis)
    for k in items:
        if k is None:
            continue
        if k is Ellipsis:
            dim = len(shape) - (n_real - (items.index(Ellipsis) - sum(1 for j in items[:items.index(Ellipsis)] if j is None)))
            dim = max(dim, 0)
            continue
        if dim >= len(shape):
            raise IndexError(
                f"too many indices for tensor of dimension {len(shape)}"
            )
        if isinstance(k, (int, np.integer)):
            if not -shape[dim] <= k < shape[dim]:
                raise IndexError(
                    f"index {k} is out of bounds for dimension {dim} with size {shape[dim]}"
                )
        elif isinstance(k, np.ndarray) and k.dtype.kind in "iu" and k.size:
            hi, lo = int(k.max()), int(k.min())
            if hi >= shape[dim] or lo < -shape[dim]:
                bad = hi if hi >= shape[dim] else lo
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}"
                )
        dim += k.ndim if isinstance(k, np.ndarray) and k.dtype == bool else 1


class IndexPut(_Op):
    """Scatter a gradient back into zeros of the input's shape (adds on repeats)."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, shape, key, basic):
        ctx.key, ctx.basic = key, basic
        out = xp.zeros(shape, g.dtype)
        if basic:
            out[key] = g
        else:
            xp.add.at(out, key, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        return _Index.apply(grad, ctx.key) if not ctx.basic else _Slice.apply(grad, ctx.key), None, None, None


class _Slice(_Op):
    """Basic indexing (ints, slices, None, Ellipsis): a view."""

    node_name = "SliceBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        return IndexPut.apply(grad, ctx.shape, ctx.key, True), None


class _Select(_Slice):
    node_name = "SelectBackward0"


class _Index(_Op):
    """Advanced indexing with integer or boolean arrays: a copy."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        return IndexPut.apply(grad, ctx.shape, ctx.key, False), None


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]`` with torch's indexing rules."""
    key = _convert_key(key)
    shape = input._data.shape
    if isinstance(key, (int, np.integer)) or (type(key) is slice and False):
        if input._data.ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        if not -shape[0] <= key < shape[0]:
            raise IndexError(f"index {key} is out of range for dimension 0 with size {shape[0]}")
        return _Select.apply(input, key)
    _check_bounds(shape, key)
    if _is_basic(key):
        return _Slice.apply(input, key)
    return _Index.apply(input, key)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dim removed."""
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at dimension {d}"
        )
    return _Select.apply(input, (slice(None),) * d + (int(index),))


class IndexPutValues(_Op):
    """``out = x.clone(); out[key] = v``: the recorded form of ``x[key] = v``."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, v, key, accumulate):
        ctx.key, ctx.vshape, ctx.accumulate = key, np.shape(v), accumulate
        out = x.copy()
        if accumulate:
            xp.add.at(out, key, v)
        else:
            out[key] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = grad if ctx.accumulate else _MaskOut.apply(grad, ctx.key)
        if ctx.needs_input_grad[1]:
            picked = grad[_rekey(ctx.key)]
            gv = picked.sum_to_size(ctx.vshape) if picked.shape != ctx.vshape else picked
        return gx, gv, None, None


def _rekey(key):
    """Arrays inside a key become tensors again, so ``grad[key]`` is recorded."""
    if isinstance(key, tuple):
        return tuple(Tensor._make(k, False, None, 0) if isinstance(k, np.ndarray) else k for k in key)
    return Tensor._make(key, False, None, 0) if isinstance(key, np.ndarray) else key


class _MaskOut(_Op):
    """The gradient with the overwritten positions set to zero."""

    @staticmethod
    def forward(ctx, g, key):
        ctx.key = key
        out = g.copy()
        out[key] = 0
        return out

    @staticmethod
    def backward(ctx, grad):
        return _MaskOut.apply(grad, ctx.key), None


def index_put_(input: Tensor, key, value) -> Tensor:
    """``input[key] = value`` in place (recorded when gradients are involved)."""
    key = _convert_key(key)
    _check_bounds(input._data.shape, key)
    value = value if isinstance(value, Tensor) else Tensor._make(
        np.asarray(value, dtype=input._data.dtype), False, None, 0)

    def op(x, v):
        return IndexPutValues.apply(x, v._cast(x.dtype), key, False)

    return input._inplace(op, value)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    key = _convert_key(tuple(indices))
    return IndexPutValues.apply(input, values._cast(input.dtype), key, accumulate)


# ---------------------------------------------------------------- gather / scatter
def _index_array(index: Tensor, name: str):
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        got = index.dtype if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {got}")
    return index._data


def _along(dim, index, ndim):
    """Full index tuple that addresses ``index`` along ``dim`` (take_along_axis style)."""
    grids = np.indices(index.shape, sparse=True)
    key = list(grids)
    key[dim] = index
    return tuple(key)


class Gather(_Op):
    """out[i][j] = x[i][index[i][j]] (for dim=1)."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return x[_along(dim, index, x.ndim)]

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return scatter_zeros(grad, ctx.shape, ctx.dim, index, accumulate=True), None, None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Pick values along ``dim`` at the positions in ``index``."""
    d = wrap_dim(dim, input._data.ndim)
    idx = _index_array(index, "gather")
    if idx.ndim != input._data.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if idx.size and (idx.max() >= input._data.shape[d] or idx.min() < -input._data.shape[d]):
        raise RuntimeError(
            f"index {int(idx.max())} is out of bounds for dimension {d} with size {input._data.shape[d]}"
        )
    return Gather.apply(input, d, index)


class ScatterZeros(_Op):
    """zeros(shape) with ``g`` placed (or added) at ``index`` along ``dim``."""

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, g, shape, dim, index, accumulate):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = xp.zeros(shape, g.dtype)
        key = _along(dim, index, len(shape))
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
    if not isinstance(index, Tensor):
        index = Tensor._make(index, False, None, 0)
    return ScatterZeros.apply(g, shape, dim, index, accumulate)


class Scatter(_Op):
    """A copy of x with ``src`` written at ``index`` along ``dim`` (added with ``add``)."""

    @staticmethod
    def forward(ctx, x, dim, index, src, add):
        ctx.dim, ctx.add = dim, add
        ctx.save_for_backward(index)
        out = x.copy()
        key = _along(dim, index, x.ndim)
        src_vals = src if np.ndim(src) == 0 else src[tuple(slice(0, s) for s in index.shape)]
        if add:
            xp.add.at(out, key, src_vals)
        else:
            out[key] = src_vals
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        gx = grad if ctx.add else grad.scatter(ctx.dim, index, 0.0)
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = grad.gather(ctx.dim, index)
        return gx, None, None, gsrc, None


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """Write ``src`` (a tensor or a number) into a copy of ``input`` at ``index``."""
    if src is None:
        src = value
    d = wrap_dim(dim, input._data.ndim)
    _index_array(index, "scatter")
    if isinstance(src, Tensor):
        src = src._cast(input.dtype)
    if reduce == "add":
        return Scatter.apply(input, d, index, src, True)
    return Scatter.apply(input, d, index, src, False)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add ``src`` into a copy of ``input`` at ``index`` (repeats add up)."""
    d = wrap_dim(dim, input._data.ndim)
    _index_array(index, "scatter_add")
    return Scatter.apply(input, d, index, src._cast(input.dtype), True)


class IndexSelect(_Op):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return xp.take(x, index, axis=dim)

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
        out = xp.zeros(shape, g.dtype)
        key = (slice(None),) * dim + (index,)
        xp.add.at(out, key, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return grad.index_select(ctx.dim, index), None, None, None


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices at ``index`` (1-D) along ``dim``."""
    d = wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"index_select(): Expected dtype int32/int64 for index but got: {index.dtype}")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    size = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.max() >= size or idx.min() < -size):
        raise IndexError("index out of range in self")
    if not isinstance(index, Tensor):
        index = Tensor._make(idx, False, None, 0)
    if input._data.ndim == 0:
        return input.reshape(1).index_select(0, index).reshape(())
    return IndexSelect.apply(input, d, index)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    d = wrap_dim(dim, input._data.ndim)
    src = source * alpha if alpha != 1 else source
    return input + _IndexAdd.apply(src._cast(input.dtype), input._data.shape, d, index)


class MaskedFill(_Op):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return xp.where(mask, xp.asarray(value, x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        gv = None
        if ctx.needs_input_grad[2]:
            gv = (grad * mask).sum()
        return grad.masked_fill(mask, 0.0), None, gv


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` is True, else ``input``."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{mask.dtype if isinstance(mask, Tensor) else type(mask).__name__}"
        )
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        value = value._cast(input.dtype) if value._requires_grad else value._data.item()
    try:
        np.broadcast_shapes(mask._data.shape, input._data.shape)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({input._data.shape[-1]}) must match the size of tensor b "
            f"({mask._data.shape[-1]}) at non-singleton dimension {input._data.ndim - 1}"
        ) from None
    return MaskedFill.apply(input, mask, value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` is True, as a 1-D tensor."""
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    return getitem(input.expand(shape), mask.expand(shape))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    m = mask.expand(shape)
    n = int(m._data.sum())
    vals = source.reshape(-1)[:n]
    return IndexPutValues.apply(input.expand(shape), vals._cast(input.dtype), m._data, False)


class _NonZero(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x):
        return xp.argwhere(x).astype(np.int64)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an (N, ndim) tensor, or one tensor per dim."""
    out = _NonZero.apply(input)
    if as_tuple:
        if input._data.ndim == 0:
            return (Tensor._make(np.zeros(int(bool(input._data)), np.int64), False, None, 0),)
        return tuple(Tensor._make(out._data[:, i].copy(), False, None, 0) for i in range(input._data.ndim))
    return out


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


def take(input: Tensor, index: Tensor) -> Tensor:
    return getitem(input.reshape(-1), index)


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    if dim is None:
        return take(input, indices.reshape(-1))
    return gather(input, dim, indices)
