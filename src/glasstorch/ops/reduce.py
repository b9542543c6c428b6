"""Reductions and scans: sum, mean, prod, max/min, var/std, norm, softmax, sort, cumsum, ...

A reduction's backward broadcasts the output gradient back over the reduced
dims (``_keep`` restores them when ``keepdim=False``). Ops that pick elements
(max along a dim, sort, topk, median, kthvalue, cummax) share one class
shape: NumPy finds the indices, forward gathers the values, backward
scatters the gradient back to those indices.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import xp
from ._util import Tensor, as_float, dims_tuple, wrap_dim, write_out


class _Op(Function):
    array_io = True


def _t(arr) -> Tensor:
    """A constant (non-recorded) tensor around a NumPy array."""
    return Tensor._make(arr, False, None, 0)


def _reduce_dims(input: Tensor, dim) -> tuple:
    """``dim`` as sorted non-negative dims; None or ``()`` mean every dim; () for 0-d."""
    nd = input._data.ndim
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(nd))
    dims = dims_tuple(dim, nd)
    return dims if nd else ()


def _one_dim(input: Tensor, dim: int) -> int:
    """A single dim, checked; 0-d tensors accept 0 and -1 and use dim 0 of a 1-element view."""
    return wrap_dim(dim, input._data.ndim) if input._data.ndim else 0


def _keep(grad: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient so it broadcasts against the input again."""
    if keepdim or not dims:
        return grad
    kept = list(shape)
    for d in dims:
        kept[d] = 1
    return grad.reshape(kept)


def _reduced_shape(shape, dims, keepdim):
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _count(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _kind(t) -> str:
    from ..dtypes import SCALAR_TYPE_NAMES as _KIND_NAMES

    return _KIND_NAMES[t.dtype.name]


def _int_to_long(x: Tensor, dtype):
    """The accumulation dtype torch uses: integers and bools add up in int64."""
    if dtype is not None:
        return _dt.to_dtype(dtype).np
    if x._data.dtype.kind in "bui":
        return np.int64
    return x._data.dtype


# ---------------------------------------------------------------- sum / mean / prod
def _expanded(value, shape):
    """0-d ``value`` seen as a read-only array of ``shape`` (every stride 0, no copy):
    np.broadcast_to's result, without its Python-level argument handling."""
    value = xp.asarray(value)
    out = xp.ndarray(shape, value.dtype, value, 0, (0,) * len(shape))
    out.flags.writeable = False
    return out


class Sum(_Op):
    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return xp.sum(x, axis=dims, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return _keep(grad, ctx.shape, ctx.dims, ctx.keepdim).expand(ctx.shape), None, None, None


class SumAll(_Op):
    node_name = "SumBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.shape = x.shape
        # the ufunc's own reduce (what np.sum calls, same pairwise summation)
        # without np.sum's Python wrapper, which costs more than a small sum
        return xp.asarray(xp.add.reduce(x, axis=None, dtype=np_dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape), None

    @staticmethod
    def backward_arrays(ctx, grad):
        return _expanded(grad, ctx.shape), None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (an int or a tuple; all dims when None). Integers sum in int64."""
    np_dtype = _int_to_long(input, dtype)
    if dim is None and not keepdim:
        return SumAll.apply(input, np_dtype)
    return Sum.apply(input, _reduce_dims(input, dim), keepdim, np_dtype)


class SumToSize(_Op):
    """Sum a broadcast gradient back to a shape; its backward expands again."""

    node_name = "SumToSizeBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1
        )
        # integers and bools sum as int64, as torch's sum does
        out = xp.sum(x, axis=axes, keepdims=True, dtype=np.int64 if x.dtype.kind in "iub" else None) if axes else x
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape), None


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` down to ``size``, which it must broadcast from."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    if tuple(input._data.shape) == shape:
        return input
    try:
        ok = np.broadcast_shapes(shape, input._data.shape) == input._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(input.shape)}}}.")
    return SumToSize.apply(input, shape)


class Mean(_Op):
    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        count = _count(x.shape, dims)
        ctx.shape, ctx.dims, ctx.keepdim, ctx.count = x.shape, dims, keepdim, count
        with np.errstate(invalid="ignore", divide="ignore"):
            return (xp.sum(x, axis=dims, keepdims=keepdim) / x.dtype.type(count)).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        g = _keep(grad, ctx.shape, ctx.dims, ctx.keepdim) / builtins.max(ctx.count, 1)
        return g.expand(ctx.shape), None, None


class MeanAll(Mean):
    node_name = "MeanBackward0"


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim`` (all dims when None)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_kind(input)}"
        )
    cls = MeanAll if dim is None and not keepdim else Mean
    return cls.apply(input, _reduce_dims(input, dim), keepdim)


def _others_product(x: Tensor, d: int) -> Tensor:
    """For each element, the product of the other elements along ``d`` (exact with zeros).

    Builds n copies of ``x`` with the k-th element set to one, so it costs
    n times the input; only used when the input holds zeros.
    """
    n = x.shape[d]
    eye = np.eye(n, dtype=bool).reshape((n,) + (1,) * d + (n,) + (1,) * (x.ndim - d - 1))
    filled = x.unsqueeze(0).masked_fill(_t(eye), 1.0)
    return filled.prod(d + 1, keepdim=True).movedim(0, d + 1).squeeze(d)


class Prod(_Op):
    """Product along one dim; d/dx_k = product of the others (zeros handled exactly)."""

    node_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, x, dim, keepdim, np_dtype):
        out = xp.prod(x, axis=dim, keepdims=keepdim, dtype=np_dtype)
        ctx.save_for_backward(x, out)
        ctx.dim, ctx.keepdim = dim, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = _keep(grad, x.shape, (ctx.dim,), ctx.keepdim)
        if not (x._data == 0).any():
            return g * _keep(out, x.shape, (ctx.dim,), ctx.keepdim) / x, None, None, None
        return g * _others_product(x, ctx.dim), None, None, None


class ProdAll(_Op):
    node_name = "ProdBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        out = xp.prod(x, dtype=np_dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if not (x._data == 0).any():
            return grad * out / x, None
        return grad * _others_product(x.reshape(-1), 0).reshape(x.shape), None


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product of all elements, or along one ``dim``. Integers multiply in int64."""
    np_dtype = _int_to_long(input, dtype)
    if dim is None:
        return ProdAll.apply(input, np_dtype)
    if input._data.ndim == 0:
        wrap_dim(dim, 0)
        return Prod.apply(input.reshape(1), 0, False, np_dtype).reshape(())
    return Prod.apply(input, wrap_dim(dim, input._data.ndim), keepdim, np_dtype)


# ---------------------------------------------------------------- var / std
def _var_forward(x, dims, correction, keepdim, root=False):
    n = _count(x.shape, dims)
    denom = builtins.max(0, n - correction)
    if denom <= 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=4)
    out_dtype = x.dtype
    if x.dtype == np.float16:  # torch accumulates half in float32: squares overflow half early
        x = x.astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = xp.sum(x, axis=dims, keepdims=True) / x.dtype.type(builtins.max(n, 1))
        v = xp.sum((x - m) ** 2, axis=dims, keepdims=keepdim) / x.dtype.type(denom)
        return (xp.sqrt(v) if root else v).astype(out_dtype), denom


class Var(_Op):
    """Variance with ``correction`` (1 = unbiased); d/dx = 2 (x - mean) / (N - c)."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        out, ctx.denom = _var_forward(x, dims, correction, keepdim)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g = _keep(grad, x.shape, ctx.dims, ctx.keepdim)
        centred = x - x.mean(ctx.dims, keepdim=True)
        return g * centred * (2.0 / ctx.denom if ctx.denom else float("inf")), None, None, None


class Std(_Op):
    """Standard deviation; d/dx = (x - mean) / ((N - c) std), zero where std is zero."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        out, ctx.denom = _var_forward(x, dims, correction, keepdim, root=True)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = _keep(grad, x.shape, ctx.dims, ctx.keepdim)
        o = _keep(out, x.shape, ctx.dims, ctx.keepdim)
        scale = (g / o).masked_fill(_t(o._data == 0), 0.0)
        centred = x - x.mean(ctx.dims, keepdim=True)
        return scale * centred / (ctx.denom if ctx.denom else 0.0), None, None, None


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_args(input, dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, False): the old positional ``unbiased``
        dim, unbiased = None, dim
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return _reduce_dims(input, dim), _correction(unbiased, correction)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over ``dim``; ``correction=1`` (the default) divides by N - 1."""
    dims, c = _var_args(input, dim, unbiased, correction)
    return Var.apply(input, dims, c, keepdim)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation over ``dim``: the square root of :func:`var`."""
    dims, c = _var_args(input, dim, unbiased, correction)
    return Std.apply(input, dims, c, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# ---------------------------------------------------------------- max / min
def _even_share(grad: Tensor, x: Tensor, out: Tensor, dims, keepdim) -> Tensor:
    """The gradient of an extreme value, split evenly among the elements equal to it."""
    g = _keep(grad, x.shape, dims, keepdim)
    o = _keep(out, x.shape, dims, keepdim)
    mask = _t(x._data == o._data)
    hits = _t(np.sum(mask._data, axis=dims, keepdims=True).astype(x._data.dtype))
    return (g / hits).masked_fill(~mask, 0.0)


class Amax(_Op):
    """amax over dims: the gradient is shared evenly among tied maxima."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        out = xp.max(x, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _even_share(grad, x, out, ctx.dims, ctx.keepdim), None, None


class Amin(_Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        out = xp.min(x, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    backward = Amax.backward


def _check_nonempty(input, dims, name, dim_given=True):
    shape = input._data.shape
    if input._data.size == 0:
        if not dim_given:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        for d in dims:
            if shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (all dims when empty); ties share the gradient."""
    dims = _reduce_dims(input, dim)
    _check_nonempty(input, dims, "amax", dim not in ((), None, []))
    return Amax.apply(input, dims, keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (all dims when empty); ties share the gradient."""
    dims = _reduce_dims(input, dim)
    _check_nonempty(input, dims, "amin", dim not in ((), None, []))
    return Amin.apply(input, dims, keepdim)


class Aminmax(_Op):
    """``(min, max)`` together; each gradient is shared among its ties."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        lo = xp.min(x, axis=dims, keepdims=keepdim)
        hi = xp.max(x, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, lo, hi)
        ctx.dims, ctx.keepdim = dims, keepdim
        return lo, hi

    @staticmethod
    def backward(ctx, g_lo, g_hi):
        x, lo, hi = ctx.saved_tensors
        return (_even_share(g_lo, x, lo, ctx.dims, ctx.keepdim)
                + _even_share(g_hi, x, hi, ctx.dims, ctx.keepdim)), None, None


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over all elements, or along ``dim``."""
    from ..return_types import named

    dims = _reduce_dims(input, dim)
    if input._data.size == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                               "has no identity.")
        for d in dims:
            if input._data.shape[d] == 0:
                raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    return named("aminmax", *Aminmax.apply(input, dims, keepdim))


class MaxAll(_Op):
    """max() of all elements: like torch, ties share the gradient evenly."""

    node_name = "MaxBackward1"

    @staticmethod
    def forward(ctx, x):
        out = xp.asarray(xp.max(x))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _even_share(grad, x, out, tuple(range(x.ndim)), True)


class MinAll(MaxAll):
    node_name = "MinBackward1"

    @staticmethod
    def forward(ctx, x):
        out = xp.asarray(xp.min(x))
        ctx.save_for_backward(x, out)
        return out


class _Pick(_Op):
    """Values at precomputed ``idx`` along ``dim`` (idx has keepdim shape), and idx itself.

    The gradient goes to exactly the picked elements (adding up where an index repeats).
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim, idx):
        values = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.idx = x.shape, dim, keepdim, idx
        ctx.mark_non_differentiable(idx)
        return values, idx

    @staticmethod
    def backward(ctx, grad, grad_idx):
        from .indexing import scatter_zeros

        idx = _t(ctx.idx)
        if not ctx.keepdim:
            grad, idx = grad.unsqueeze(ctx.dim), idx.unsqueeze(ctx.dim)
        return scatter_zeros(grad, ctx.shape, ctx.dim, idx, accumulate=True), None, None, None


class MaxDim(_Pick):
    node_name = "MaxBackward0"


class MinDim(_Pick):
    node_name = "MinBackward0"


class MedianDim(_Pick):
    node_name = "MedianBackward1"


class Kthvalue(_Pick):
    pass


class Sort(_Pick):
    pass


class Topk(_Pick):
    pass


class Cummax(_Pick):
    pass


class Cummin(_Pick):
    pass


def _pick(cls, name, input, d, keepdim, idx):
    """Run a picking op; a 0-d input works on a 1-element view and comes back 0-d."""
    from ..return_types import named

    if input._data.ndim == 0:
        v, i = cls.apply(input.reshape(1), 0, keepdim, idx.reshape(1))
        return named(name, v.reshape(()), i.reshape(()))
    return named(name, *cls.apply(input, d, keepdim, idx))


def _max_min(input, dim, keepdim, is_max, name):
    if dim is None:
        _check_nonempty(input, (), name, False)
        return (MaxAll if is_max else MinAll).apply(input)
    if isinstance(dim, Tensor):  # max(a, b): the elementwise form
        from .pointwise import maximum, minimum

        return (maximum if is_max else minimum)(input, dim)
    d = _one_dim(input, dim)
    _check_nonempty(input, (d,) if input._data.ndim else (), name)
    a = input._data.reshape(1) if input._data.ndim == 0 else input._data
    idx = (xp.argmax if is_max else xp.argmin)(a, axis=d, keepdims=True)
    return _pick(MaxDim if is_max else MinDim, name, input, d, keepdim, idx)


def max(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """The largest element, or ``(values, indices)`` along ``dim``, or ``maximum(input, other)``."""
    return _max_min(input, dim, keepdim, True, "max")


def min(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """The smallest element, or ``(values, indices)`` along ``dim``, or ``minimum(input, other)``."""
    return _max_min(input, dim, keepdim, False, "min")


class _Arg(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_max):
        fn = xp.argmax if is_max else xp.argmin
        if dim is None:
            out = np.int64(fn(x.reshape(-1)))
            return xp.asarray(out).reshape((1,) * x.ndim) if keepdim else xp.asarray(out)
        if x.ndim == 0:
            return xp.zeros((), np.int64)
        return fn(x, axis=dim, keepdims=keepdim).astype(np.int64)


def _arg(input, dim, keepdim, is_max, name):
    if input._data.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return _Arg.apply(input, None, keepdim, is_max)
    d = _one_dim(input, dim)
    _check_nonempty(input, (d,) if input._data.ndim else (), name)
    return _Arg.apply(input, d, keepdim, is_max)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return _arg(input, dim, keepdim, True, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return _arg(input, dim, keepdim, False, "argmin")


# ---------------------------------------------------------------- median / kthvalue
def _stable_argsort(a, axis, descending=False):
    """Stable order along ``axis``; NaN counts as the largest value, as in torch."""
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    # descending and still stable: sort the reversed array, reverse the answer
    n = a.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(a, axis), axis=axis, kind="stable"), axis)
    return (n - 1) - rev


def _median_index(a, axis):
    """Index of the lower median along ``axis`` (of the first NaN where there is one), keepdims."""
    n = a.shape[axis]
    order = _stable_argsort(a, axis)
    idx = xp.take(order, [(n - 1) // 2], axis=axis)
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
        out = xp.asarray(flat[_median_index(flat, 0)[0]])
        ctx.save_for_backward(x, out)
        return out

    backward = MaxAll.backward


def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of all elements, or ``(values, indices)`` along ``dim``."""
    if dim is None:
        if input._data.size == 0:  # NaN, or for integers the dtype's minimum (torch's fill)
            empty = np.nan if input._data.dtype.kind == "f" else np.iinfo(input._data.dtype).min \
                if input._data.dtype.kind in "iu" else False
            return Tensor._make(np.array(empty, input._data.dtype), False, None, 0)
        return MedianAll.apply(input)
    d = _one_dim(input, dim)
    _check_nonempty(input, (d,) if input._data.ndim else (), "median")
    a = input._data.reshape(1) if input._data.ndim == 0 else input._data
    return _pick(MedianDim, "median", input, d, keepdim, _median_index(a, d))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest element along ``dim`` (1-based), with its index."""
    d = _one_dim(input, dim)
    _check_nonempty(input, (d,) if input._data.ndim else (), "kthvalue")
    a = input._data.reshape(1) if input._data.ndim == 0 else input._data
    if not 1 <= k <= a.shape[d]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    idx = xp.take(_stable_argsort(a, d), [k - 1], axis=d)
    return _pick(Kthvalue, "kthvalue", input, d, keepdim, idx)


# ---------------------------------------------------------------- sort / topk
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """``(values, indices)`` sorted along ``dim``; ties keep their order (always stable)."""
    d = _one_dim(input, dim)
    a = input._data.reshape(1) if input._data.ndim == 0 else input._data
    return _pick(Sort, "sort", input, d, True, _stable_argsort(a, d, descending))


class _ArgSort(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, descending):
        if x.ndim == 0:
            return xp.zeros((), np.int64)
        return _stable_argsort(x, dim, descending).astype(np.int64)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stable)."""
    return _ArgSort.apply(input, _one_dim(input, dim), descending)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = _one_dim(input, dim)
    a = input._data.reshape(1) if input._data.ndim == 0 else input._data
    if not 0 <= k <= a.shape[d]:
        raise RuntimeError("selected index k out of range")
    if input._data.ndim == 0:
        k = 1  # torch hands back the element itself, even for k=0
    idx = xp.take(_stable_argsort(a, d, largest), np.arange(k), axis=d)
    return _pick(Topk, "topk", input, d, True, idx)


# ---------------------------------------------------------------- scans
class Cumsum(_Op):
    """Running sum; the gradient is the running sum of the gradient from the end."""

    @staticmethod
    def forward(ctx, x, dim, np_dtype):
        ctx.dim = dim
        return xp.cumsum(x, axis=dim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        d = ctx.dim
        return grad.flip(d).cumsum(d).flip(d), None, None


class Cumprod(_Op):
    """Running product; exact gradient with zeros in the input (quadratic cost only then)."""

    @staticmethod
    def forward(ctx, x, dim, np_dtype):
        out = xp.cumprod(x, axis=dim, dtype=np_dtype)
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
        n = x.shape[d]
        ones_at = (n,) + (1,) * d + (n,) + (1,) * (x.ndim - d - 1)
        eye = np.eye(n, dtype=bool).reshape(ones_at)
        later = (np.arange(n)[:, None] > np.arange(n)[None, :]).reshape(ones_at)  # [k, i]: i < k
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
    d = _one_dim(input, dim)
    a = input._data.reshape(1) if input._data.ndim == 0 else input._data
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


# ---------------------------------------------------------------- logical / counting
class _All(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_all):
        out = (xp.all if is_all else xp.any)(x, axis=dims, keepdims=keepdim)
        return out.astype(np.uint8) if x.dtype == np.uint8 else out


def _all_any(input, dim, keepdim, is_all):
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dims = ()
    else:
        dims = _reduce_dims(input, dim)
    return _All.apply(input, dims, keepdim, is_all)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether every element (along ``dim``) is non-zero."""
    return _all_any(input, dim, keepdim, True)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether some element (along ``dim``) is non-zero."""
    return _all_any(input, dim, keepdim, False)


class _CountNonzero(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dims):
        return xp.asarray(xp.count_nonzero(x, axis=dims)).astype(np.int64)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements (along ``dim``), as int64."""
    return _CountNonzero.apply(input, _reduce_dims(input, dim))


# ---------------------------------------------------------------- norm
class Norm(_Op):
    """Vector p-norm over ``dims``: (sum |x|^p)^(1/p), with inf/-inf/0 as their limits."""

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        a = xp.abs(x)
        if p == float("inf"):
            out = xp.max(a, axis=dims, keepdims=keepdim)
        elif p == -float("inf"):
            out = xp.min(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            out = xp.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        elif p == 1:
            out = xp.sum(a, axis=dims, keepdims=keepdim)
        elif p == 2:
            out = xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim))
        else:
            out = xp.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        out = xp.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        g = _keep(grad, x.shape, dims, ctx.keepdim)
        if p == 0:
            return g * 0.0 * x, None, None, None
        if p == 1:
            return g * x.sign(), None, None, None
        if p in (float("inf"), -float("inf")):
            return _even_share(grad, x.abs(), out, dims, ctx.keepdim) * x.sign(), None, None, None
        o = _keep(out, x.shape, dims, ctx.keepdim)
        zero = _t(o._data == 0)
        o = o.masked_fill(zero, 1.0)  # no division by a zero norm (its gradient is set to 0 below)
        if p == 2:
            return x * (g / o).masked_fill(zero, 0.0), None, None, None
        scale = (g / o.pow(p - 1)).masked_fill(zero, 0.0)
        return x * x.abs().pow(p - 2) * scale, None, None, None


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements when None); ``'fro'`` is the 2-norm."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_kind(input)}"
        )
    if dtype is not None:
        converted = input.to(dtype)
        if not converted.is_floating_point() or converted.element_size() < input.element_size():
            raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({_kind(input)}) should be convertible "
                               f"without narrowing to the specified dtype ({_kind(converted)})")
        input = converted
    if p is None or p == "fro":
        p = 2
    elif isinstance(p, str):
        raise NotImplementedError(f"norm(): p={p!r} is not supported (matrix norms live in linalg)")
    dims = _reduce_dims(input, dim)
    p = float(p)
    if input._data.size == 0 and (p < 0 or p == float("inf")):
        shown = int(p) if p.is_integer() else p
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {shown} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    result = Norm.apply(input, p, dims, keepdim)
    return result if out is None else write_out("norm", out, result, (input,))


# ---------------------------------------------------------------- softmax family
class Softmax(_Op):
    """exp(x - max) / sum: stable for any logits; d/dx = s * (g - sum(g * s))."""

    @staticmethod
    def forward(ctx, x, dim):
        if x.size:
            e = xp.subtract(x, _max_along(x, dim), out=xp.empty_like(x))  # out=: an array even when 0-d
            xp.exp(e, out=e)
            e *= xp.reciprocal(_sum_along(e, dim))  # a product pass is cheaper than a division pass
        else:
            e = x.copy()
        ctx.save_for_backward(e)
        ctx.dim = dim
        return e

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None

    @staticmethod
    def backward_arrays(ctx, grad):
        (out,) = ctx.saved_tensors
        g = xp.multiply(grad, out, out=xp.empty_like(out))
        xp.subtract(grad, _sum_along(g, ctx.dim), out=g)
        g *= out
        return g, None


class LogSoftmax(_Op):
    """x - logsumexp(x); d/dx = g - softmax * sum(g)."""

    @staticmethod
    def forward(ctx, x, dim):
        if x.ndim == 0:  # one element: log(1) = 0, NaN for inf and NaN as in torch
            with np.errstate(invalid="ignore"):
                out = xp.asarray(x - x)
        elif x.size:
            out = xp.subtract(x, _max_along(x, dim), out=xp.empty_like(x))
            lse = _sum_along(xp.exp(out), dim)
            out -= xp.log(lse, out=lse)
        else:
            out = x.copy()
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None

    @staticmethod
    def backward_arrays(ctx, grad):
        (out,) = ctx.saved_tensors
        g = xp.exp(out, out=xp.empty_like(out))
        g *= _sum_along(grad, ctx.dim)
        xp.subtract(grad, g, out=g)
        return g, None


def _along_last_rows(a, dim) -> bool:
    """Whether ``dim`` is the last axis of a large C-contiguous float array,
    where NumPy's reductions over the short contiguous rows are slow."""
    return (dim is not None and dim == a.ndim - 1 and a.shape[-1] > 1 and a.size >= 4096
            and a.dtype.char in "fd" and a.flags.c_contiguous)


def _sum_along(a, dim):
    """``a.sum(dim, keepdims=True)``; along contiguous rows, one BLAS product with
    a vector of ones, several times faster than NumPy's row reduction."""
    if _along_last_rows(a, dim):
        n = a.shape[-1]
        return (a.reshape(-1, n) @ xp.ones(n, a.dtype)).reshape(a.shape[:-1] + (1,))
    return xp.sum(a, axis=dim, keepdims=True)


def _max_along(a, dim):
    """``a.max(dim, keepdims=True)``; along contiguous rows, by repeatedly taking
    the larger of each row's two halves (whole-array passes instead of a
    per-row reduction loop), with the odd column out folded into column 0."""
    if not _along_last_rows(a, dim):
        return xp.max(a, axis=dim, keepdims=True)
    m, n = a, a.shape[-1]
    while n > 1:
        h = n // 2
        half = xp.maximum(m[..., :h], m[..., h:2 * h])
        if n % 2:
            xp.maximum(half[..., :1], m[..., n - 1:n], out=half[..., :1])
        m, n = half, h
    return m


def _softmax_dim(input, dim, name):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                      "Change the call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if input._data.ndim in (0, 1, 3) else 1
    # a 0-d tensor reduces over "all" of itself: axis None keeps NumPy happy
    return wrap_dim(dim, input._data.ndim) if input._data.ndim else None


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return Softmax.apply(as_float(input), _softmax_dim(input, dim, "softmax"))


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return LogSoftmax.apply(as_float(input), _softmax_dim(input, dim, "log_softmax"))


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    return softmax(-input, dim, dtype=dtype)


class Logsumexp(_Op):
    """log(sum(exp(x))) computed stably; d/dx = exp(x - out), the softmax."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        m = xp.max(x, axis=dims, keepdims=True, initial=-np.inf)
        m = xp.where(xp.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            out = xp.log(xp.sum(xp.exp(x - m), axis=dims, keepdims=True)) + m
        if not keepdim:
            out = out.reshape(_reduced_shape(x.shape, dims, False))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = _keep(grad, x.shape, ctx.dims, ctx.keepdim)
        return g * (x - _keep(out, x.shape, ctx.dims, ctx.keepdim)).exp(), None, None



def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, without overflow."""
    return Logsumexp.apply(as_float(input), _reduce_dims(input, dim), keepdim)
