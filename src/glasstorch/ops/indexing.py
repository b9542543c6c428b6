"""Indexing: ``x[key]``, ``x[key] = v``, gather/scatter, index_select, masks.

``x[key]`` with ints, slices, None and Ellipsis is a view (basic indexing);
with integer or boolean tensors it copies (advanced indexing). Either way
the backward puts the gradient back where the elements came from, adding
up when an index repeats.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd.function import Function
from ..backend import xp
from ..dtypes import CPP_TYPE_NAMES as _SCALAR_NAMES
from ..dtypes import SCALAR_TYPE_NAMES as _KIND
from ._util import Tensor, broadcast_shape, wrap_dim
from .creation import check_fits


class _Op(Function):
    array_io = True


_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
              "valid indices (got {})")


def _item(k):
    """One entry of an index, made NumPy-ready: ints, slices, None, Ellipsis or arrays."""
    if isinstance(k, Tensor):
        a = k._data
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if a.dtype == np.uint8 or a.dtype == np.bool_:
            return a.astype(bool)
        return int(a) if a.ndim == 0 else a.astype(np.int64, copy=False)
    if k is None or k is Ellipsis:
        return k
    if isinstance(k, (bool, np.bool_)):
        return np.asarray(bool(k))
    if isinstance(k, (int, np.integer)):
        return int(k)
    if isinstance(k, slice):
        start, stop, step = (None if v is None else v.__index__() for v in (k.start, k.stop, k.step))
        if step is not None:
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
        return slice(start, stop, step)
    if isinstance(k, (list, tuple)):
        a = np.asarray([v._data if isinstance(v, Tensor) else v for v in k]) if k else np.zeros(0, np.int64)
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a if a.dtype == np.bool_ else a.astype(np.int64)
    if isinstance(k, np.ndarray):
        return _item(Tensor._make(k, False, None, 0))
    raise IndexError(_BAD_INDEX.format(type(k).__name__))


class _Plan:
    """How torch reads an index, as two NumPy steps: ``x[basic][adv]``.

    Ints, slices and None are applied first (a view); integer and boolean
    arrays then index the result (a copy). Doing the ints first is what makes
    ``x[0, :, [1, 2]]`` keep torch's shape where NumPy would move dims.
    """

    __slots__ = ("basic", "adv", "kind", "view_write")

    def target(self, arr):
        """The basic-indexed view of ``arr`` (0-d views too, never scalars)."""
        return arr[self.basic] if self.basic else arr

    def take(self, arr):
        t = self.target(arr)
        return t[self.adv] if self.adv is not None else t


def _plan(shape, key) -> _Plan:
    items = list(key) if isinstance(key, tuple) else [key]
    items = [_item(k) for k in items]
    nd = len(shape)
    used = 0
    for k in items:
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            used += k.ndim
        elif k is not None and k is not Ellipsis:
            used += 1
    if used > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    dots = [i for i, k in enumerate(items) if k is Ellipsis]
    if dots:  # torch accepts repeated ellipses; all but the first take no dims
        e = dots[0]
        items = items[:e] + [slice(None)] * (nd - used) + [k for k in items[e + 1:] if k is not Ellipsis]
    plan = _Plan()
    basic, adv = [], []
    has_array = False
    kind = "Alias"
    view_write = False
    dim = 0
    n_arrays = 0  # torch numbers the dims of tensor indices among the tensor indices only
    for k in items:
        if k is None:
            basic.append(None)
            adv.append(slice(None))
            kind, view_write = "Unsqueeze", True
        elif isinstance(k, int):
            size = shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            basic.append(k)
            kind, view_write = "Select", True
            dim += 1
        elif isinstance(k, slice):
            basic.append(k)
            adv.append(slice(None))
            if k != slice(None):
                kind, view_write = "Slice", True
            dim += 1
        elif k.dtype == np.bool_:
            has_array = True
            got, want = k.shape, shape[dim:dim + k.ndim]
            for j, (g, w) in enumerate(zip(got, want)):
                if g != w:
                    raise IndexError(
                        f"The shape of the mask {list(got)} at index {j} does not match the shape of the "
                        f"indexed tensor {list(shape)} at index {dim + j}")
            basic.extend([slice(None)] * k.ndim)
            adv.append(k)
            dim += k.ndim
            n_arrays += k.ndim
        else:
            has_array = True
            size = shape[dim]
            if k.size:
                hi, lo = int(k.max()), int(k.min())
                if hi >= size or lo < -size:
                    bad = hi if hi >= size else lo
                    raise IndexError(
                        f"index {bad} is out of bounds for dimension {n_arrays} with size {size}")
            basic.append(slice(None))
            adv.append(k)
            dim += 1
            n_arrays += 1
    if has_array:
        arrays = [a for a in adv if isinstance(a, np.ndarray) and a.dtype != np.bool_]
        try:
            np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            shapes = ", ".join(str(list(a.shape)) for a in arrays)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with "
                             f"shapes {shapes}") from None
        kind = "Index"
    if not isinstance(key, tuple) and isinstance(key, slice):
        kind = "Slice"  # x[:] is a slice in torch even when it takes everything
    trivial = all(b == slice(None) for b in basic if isinstance(b, slice)) and all(
        isinstance(b, slice) for b in basic)
    plan.basic = None if trivial else tuple(basic) + (Ellipsis,)
    plan.adv = tuple(adv) if has_array else None
    plan.kind = kind
    plan.view_write = view_write and not has_array
    return plan


class _Slice(_Op):
    """Basic indexing (ints, slices, None, Ellipsis): a view."""

    node_name = "SliceBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, plan):
        ctx.shape, ctx.plan = x.shape, plan
        return plan.target(x) if plan.basic else x.view()

    @staticmethod
    def backward(ctx, grad):
        return _Unindex.apply(grad, ctx.shape, ctx.plan), None


class _Select(_Slice):
    node_name = "SelectBackward0"


class _UnsqueezeIdx(_Slice):
    node_name = "UnsqueezeBackward0"


class _AliasIdx(_Slice):
    node_name = "AliasBackward0"


class _Index(_Op):
    """Advanced indexing with integer or boolean arrays: a copy."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, plan):
        ctx.shape, ctx.plan = x.shape, plan
        return plan.take(x)

    @staticmethod
    def backward(ctx, grad):
        return _Unindex.apply(grad, ctx.shape, ctx.plan), None


_GET = {"Slice": _Slice, "Select": _Select, "Unsqueeze": _UnsqueezeIdx, "Alias": _AliasIdx,
        "Index": _Index}


class _Unindex(_Op):
    """The gradient of indexing: zeros of the input's shape with ``g`` added where it came from."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, shape, plan):
        ctx.plan = plan
        out = xp.zeros(shape, g.dtype)
        t = plan.target(out)
        if plan.adv is None:
            t[...] = g
        else:
            xp.add.at(t, plan.adv, g)  # repeated indices add up
        return out

    @staticmethod
    def backward(ctx, grad):
        return _GET[ctx.plan.kind].apply(grad, ctx.plan), None, None


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]`` with torch's indexing rules."""
    if input._data.ndim == 0 and isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    plan = _plan(input._data.shape, key)
    return _GET[plan.kind].apply(input, plan)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dim removed (a view)."""
    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at "
            f"dimension {d}")
    return _Select.apply(input, _plan(input._data.shape, (slice(None),) * d + (index,)))


class CopySlices(_Op):
    """``out = x.clone(); out[key] = v``: the recorded form of ``x[key] = v``.

    The gradient of ``x`` is zero where it was overwritten; ``v`` gets the
    gradient of the places it was written to.
    """

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, v, plan, accumulate):
        ctx.plan, ctx.vshape, ctx.accumulate = plan, v.shape, accumulate
        out = x.copy()
        t = plan.target(out)
        if plan.adv is None:
            t[...] = v
        elif accumulate:
            xp.add.at(t, plan.adv, xp.broadcast_to(v, plan.take(out).shape))
        else:
            t[plan.adv] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = grad if ctx.accumulate else _MaskOut.apply(grad, ctx.plan)
        if ctx.needs_input_grad[1]:
            gv = _GET[ctx.plan.kind].apply(grad, ctx.plan)
            extra = len(ctx.vshape) - gv.ndim
            if extra > 0:  # a value with extra leading ones
                gv = gv.reshape((1,) * extra + tuple(gv.shape))
        return gx, gv, None, None


CopySlices._node_cls.name = lambda self: "torch::autograd::CopySlices"


class IndexPut(CopySlices):
    node_name = "IndexPutBackward0"


class _MaskOut(_Op):
    """The gradient with the overwritten positions set to zero."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, plan):
        ctx.plan = plan
        out = g.copy()
        t = plan.target(out)
        if plan.adv is None:
            t[...] = 0
        else:
            t[plan.adv] = 0
        return out

    @staticmethod
    def backward(ctx, grad):
        return _MaskOut.apply(grad, ctx.plan), None


def _indexed_shape(shape, plan):
    """The shape ``x[key]`` would have, without touching data."""
    return plan.take(np.broadcast_to(np.empty((), np.int8), shape)).shape


def _check_value_shape(vshape, target, plan):
    try:
        ok = np.broadcast_shapes(vshape, target) == tuple(target) or (
            len(vshape) > len(target) and all(s == 1 for s in vshape[:len(vshape) - len(target)])
            and np.broadcast_shapes(vshape[len(vshape) - len(target):], target) == tuple(target))
    except ValueError:
        ok = False
    if ok:
        return
    if plan.adv is not None:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}")
    lead = len(target) - len(vshape)
    for i, s in enumerate(vshape):
        want = target[i + lead] if i + lead >= 0 else 1
        if s != want and s != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({s}) at "
                f"non-singleton dimension {i + lead}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(vshape)}")
    raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
                       f"indexing result of shape {list(target)}")


def _put(input: Tensor, plan: _Plan, value, accumulate: bool) -> Tensor:
    from ..autograd import grad_mode

    if not isinstance(value, Tensor):
        value = Tensor._make(np.asarray(value, dtype=input._data.dtype), False, None, 0)
    _check_value_shape(value._data.shape, _indexed_shape(input._data.shape, plan), plan)
    enabled = grad_mode._tls.grad
    if enabled and input._requires_grad and input.grad_fn is None:
        raise RuntimeError(("a view of a leaf Variable" if plan.view_write else "a leaf Variable")
                           + " that requires grad is being used in an in-place operation.")
    if not (enabled and (input._requires_grad or value._requires_grad)):
        # nothing to record: write straight into the array (views see it too)
        t = plan.target(input._data)
        v = value._data
        if plan.adv is None:
            t[...] = v
        elif accumulate:
            xp.add.at(t, plan.adv, xp.broadcast_to(v, t[plan.adv].shape).astype(t.dtype))
        else:
            t[plan.adv] = v
        input._version[0] += 1
        return input
    cls = CopySlices if plan.adv is None else IndexPut
    return input._inplace(lambda x, v: cls.apply(x, v._cast(x.dtype), plan, accumulate), value)


def index_put_(input: Tensor, key, value, accumulate: bool = False) -> Tensor:
    """``input[key] = value`` in place (recorded when gradients are involved)."""
    return _put(input, _plan(input._data.shape, key), value, accumulate)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put (or added) at the index tensors ``indices``."""
    plan = _plan(input._data.shape, tuple(indices))
    values = values if isinstance(values, Tensor) else Tensor._make(
        np.asarray(values, dtype=input._data.dtype), False, None, 0)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_KIND[input.dtype.name]} for the destination and {_KIND[values.dtype.name]} for the source.")
    _check_value_shape(values._data.shape, _indexed_shape(input._data.shape, plan), plan)
    cls = CopySlices if plan.adv is None else IndexPut
    return cls.apply(input, values._cast(input.dtype), plan, accumulate)


# ---------------------------------------------------------------- gather / scatter
def _index_array(index, name: str):
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu" or index._data.dtype == np.uint8:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    return index._data


def _along(dim, index):
    """Full index tuple that addresses ``index`` along ``dim`` (take_along_axis style)."""
    key = list(np.indices(index.shape, sparse=True))
    key[dim] = index
    return tuple(key)


def _check_index(name, input, d, idx, src=None):
    shape = input._data.shape
    if idx.ndim != input._data.ndim and (idx.size or idx.ndim > builtins.max(input._data.ndim, 1)):
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           + ("input tensor" if name == "gather" else "self tensor"))
    if src is not None and np.ndim(src) != idx.ndim and idx.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if not idx.size:
        return
    for k in range(idx.ndim):
        too_big = k != d and idx.shape[k] > shape[k]
        too_big_src = src is not None and np.ndim(src) and idx.shape[k] > src.shape[k]
        if too_big or too_big_src:
            if name == "gather":
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index {list(idx.shape)} to be no "
                    f"larger than self {list(shape)} apart from dimension {d}")
            raise RuntimeError(
                f"Expected index {list(idx.shape)} to be no larger than self {list(shape)} apart from "
                f"dimension {d} and to be no larger size than src {list(np.shape(src))}")
    n = shape[d] if shape else 1  # a 0-d tensor indexes like one element
    hi, lo = int(idx.max()), int(idx.min())
    if hi >= n or lo < 0:
        raise RuntimeError(f"index {hi if hi >= n else lo} is out of bounds for dimension {d} with size {n}")


class Gather(_Op):
    """out[i][j] = x[i][index[i][j]] (for dim=1); the gradient adds back at the index."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return x[_along(dim, index)]

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return scatter_zeros(grad, ctx.shape, ctx.dim, index, accumulate=True), None, None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Pick values along ``dim`` at the positions in ``index``."""
    d = wrap_dim(dim, input._data.ndim)
    idx = _index_array(index, "gather")
    _check_index("gather", input, d, idx)
    if input._data.ndim == 0:
        return Gather.apply(input.reshape(1), 0, index.reshape(1)).reshape(())
    return Gather.apply(input, d, index)


class ScatterZeros(_Op):
    """zeros(shape) with ``g`` placed (or added) at ``index`` along ``dim``."""

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, g, shape, dim, index, accumulate):
        ctx.dim = dim
        ctx.save_for_backward(index)
        out = xp.zeros(shape, g.dtype)
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
        ctx.dim, ctx.src_shape = dim, np.shape(src)
        ctx.save_for_backward(index)
        out = x.copy()
        part = src if np.ndim(src) == 0 else src[tuple(slice(0, s) for s in index.shape)]
        out[_along(dim, index)] = part
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = grad.scatter(ctx.dim, index, 0.0)
        if ctx.needs_input_grad[3]:
            gsrc = _pad_to(grad.gather(ctx.dim, index), ctx.src_shape)
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
        xp.add.at(out, _along(dim, index), src[tuple(slice(0, s) for s in index.shape)])
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = _pad_to(grad.gather(ctx.dim, index), ctx.src_shape)
        return grad, None, None, gsrc


def _pad_to(g: Tensor, shape) -> Tensor:
    """``g`` in the top corner of zeros of ``shape`` (src may be larger than index)."""
    if tuple(g.shape) == tuple(shape):
        return g
    from .shape import _pad_zeros

    return _pad_zeros(g, tuple((0, s - n) for s, n in zip(shape, g.shape)))


def _scatter_args(name, input, dim, index, src):
    if name == "scatter_add" and not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 4) must be Tensor, not {type(src).__name__}")
    d = wrap_dim(dim, input._data.ndim)
    idx = _index_array(index, name)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        _check_index(name, input, d, idx, src._data)
    else:
        _check_index(name, input, d, idx)
    return d


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """Write ``src`` (a tensor, or a number ``value``) into a copy of ``input`` at ``index``."""
    if src is None:
        src = value
    d = _scatter_args("scatter", input, dim, index, src)
    if input._data.ndim == 0:
        return scatter(*_as_1d(input, index, src), reduce=reduce).reshape(())
    if reduce == "add":
        if not isinstance(src, Tensor):
            src = Tensor._make(np.full(index._data.shape, src, input._data.dtype), False, None, 0)
        return ScatterAdd.apply(input, d, index, src)
    if reduce == "multiply":
        raise NotImplementedError("scatter(reduce='multiply') is not supported")
    if reduce is not None:
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        return Scatter.apply(input, d, index, src)
    return ScatterValue.apply(input, d, index, src)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add ``src`` into a copy of ``input`` at ``index`` (repeats add up)."""
    d = _scatter_args("scatter_add", input, dim, index, src)
    if input._data.ndim == 0:
        return scatter_add(*_as_1d(input, index, src)).reshape(())
    return ScatterAdd.apply(input, d, index, src)


def _as_1d(input, index, src):
    """A 0-d scatter as the same scatter on one-element 1-d tensors."""
    one = (lambda t: t.reshape(1) if isinstance(t, Tensor) and t._data.ndim == 0 else t)
    return input.reshape(1), 0, one(index), one(src)


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
    """The slices at ``index`` (a vector) along ``dim``."""
    d = wrap_dim(dim, input._data.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu" or idx.dtype == np.uint8:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    size = input._data.shape[d] if input._data.ndim else 1
    if input._data.ndim == 0 and idx.size > 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    if idx.size and (idx.max() >= size or idx.min() < 0):
        if d == 0:
            raise IndexError("index out of range in self")
        bad = idx.reshape(-1)[(idx.reshape(-1) >= size) | (idx.reshape(-1) < 0)][0]
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    if not isinstance(index, Tensor):
        index = Tensor._make(idx, False, None, 0)
    if input._data.ndim == 0:
        return IndexSelect.apply(input.reshape(1), 0, index.reshape(-1)).reshape(())
    return IndexSelect.apply(input, d, index.reshape(-1))


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    d = wrap_dim(dim, input._data.ndim)
    _check_index_add(input, d, index, source)
    if input._data.ndim == 0:
        return index_add(input.reshape(1), 0, index.reshape(-1), source.reshape(1), alpha=alpha).reshape(())
    src = source * alpha if alpha != 1 else source
    return input + _IndexAdd.apply(src._cast(input.dtype), input._data.shape, d, index)


def _check_index_add(input: Tensor, d: int, index: Tensor, source: Tensor) -> None:
    idx = index._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {_KIND[index.dtype.name]}")
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"{_KIND[index.dtype.name]} and size: {list(idx.shape)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({_KIND[input.dtype.name]}) and source ({_KIND[source.dtype.name]}) "
                           "must have the same scalar type")
    xs, ss = input._data.shape, source._data.shape
    if ss and d >= len(ss):
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim {len(ss)}")
    if len(xs) != len(ss) and (xs or ss != (1,)) or any(a != b for k, (a, b) in enumerate(zip(xs, ss)) if k != d):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(xs)} source.shape = {list(ss)}")
    n_src = ss[d] if ss else 1
    if idx.size != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({n_src}), for dim: {d}")
    n = xs[d] if xs else 1
    if idx.size and (idx.max() >= n or idx.min() < 0):
        if len(xs) <= 1:  # torch's kernel for vectors words it differently
            raise IndexError("index out of range in self")
        bad = idx.max() if idx.max() >= n else idx.min()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")



class MaskedFill(_Op):
    """``value`` where ``mask``; the gradient skips the filled places (and sums there for a tensor value)."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return xp.where(mask, xp.asarray(value, x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        gv = None
        if ctx.needs_input_grad[2]:
            gv = grad.masked_fill(~mask, 0.0).sum()
        return grad.masked_fill(mask, 0.0), None, gv


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` is True, else ``input`` (mask broadcasts)."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = _SCALAR_NAMES.get(mask._data.dtype.name, mask._data.dtype.name) if isinstance(mask, Tensor) \
            else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        value = value._cast(input.dtype) if value._requires_grad else value._data.item()
    check_fits(value, input.dtype)
    try:
        np.broadcast_shapes(mask._data.shape, input._data.shape)
    except ValueError:
        a, b = input._data.shape, mask._data.shape
        k = next(i for i in range(1, builtins.min(len(a), len(b)) + 1) if a[-i] != b[-i] and 1 not in (a[-i], b[-i]))
        raise RuntimeError(
            f"The size of tensor a ({a[-k]}) must match the size of tensor b ({b[-k]}) at non-singleton "
            f"dimension {builtins.max(len(a), len(b)) - k}"
        ) from None
    return MaskedFill.apply(input, mask, value)


class MaskedSelect(_Op):
    """The elements where ``mask`` (broadcast together), as a 1-D copy."""

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        m = xp.broadcast_to(mask, shape)
        ctx.mask, ctx.shape = m, shape
        return xp.broadcast_to(x, shape)[m]

    @staticmethod
    def backward(ctx, grad):
        return _MaskedPlace.apply(grad, ctx.shape, ctx.mask), None


class _MaskedPlace(_Op):
    """Zeros of ``shape`` with ``g`` laid out where ``mask`` is True (masked_select's backward)."""

    node_name = "MaskedScatterBackward0"

    @staticmethod
    def forward(ctx, g, shape, mask):
        ctx.mask = mask
        out = xp.zeros(shape, g.dtype)
        out[mask] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaskedSelect.apply(grad, ctx.mask), None, None


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` is True, as a 1-D tensor (input and mask broadcast)."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        np.broadcast_shapes(input._data.shape, mask._data.shape)
    except ValueError:
        raise RuntimeError(f"shape mismatch: mask {list(mask._data.shape)} cannot be broadcast to input "
                           f"{list(input._data.shape)}") from None
    return MaskedSelect.apply(input, mask)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the first elements of ``source`` written where ``mask`` is True."""
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_KIND[input.dtype.name]} and {_KIND[source.dtype.name]}")
    shape = broadcast_shape(input._data.shape, mask._data.shape)
    m = mask.expand(shape)
    n = int(m._data.sum())
    if source._data.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    vals = source.reshape(-1)[:n]
    return IndexPut.apply(input.expand(shape), vals._cast(input.dtype), _plan(shape, m), False)


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
        flat = indices._data
        if flat.size and (flat.min() < 0 or flat.max() >= input._data.size):
            bad = flat.min() if flat.min() < 0 else flat.max()
            raise RuntimeError(f"index {bad} is out of bounds for dimension 0 with size {input._data.size}")
        return take(input, indices.reshape(-1))
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if indices._data.ndim != input._data.ndim:
        raise RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions for indices")
    # every dim but ``d`` broadcasts; negative indices count from the end, as in torch
    a, b = list(input._data.shape), list(indices._data.shape)
    a[d] = b[d] = 1
    common = list(broadcast_shape(tuple(a), tuple(b)))
    x = input.expand(common[:d] + [input._data.shape[d]] + common[d + 1:])
    idx = indices.expand(common[:d] + [indices._data.shape[d]] + common[d + 1:])
    if (idx._data < 0).any():
        idx = Tensor._make(np.where(idx._data < 0, idx._data + input._data.shape[d], idx._data), False, None, 0)
    return gather(x, d, idx)
