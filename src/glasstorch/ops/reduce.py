"""Reductions: sum, mean, max/min, var/std, softmax and friends."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import xp
from ._util import Tensor, as_float, dims_tuple, wrap_dim


class _Op(Function):
    array_io = True


def _keep(grad: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient so it broadcasts against the input again."""
    if keepdim or not dims:
        return grad
    kept = list(shape)
    for d in dims:
        kept[d] = 1
    return grad.reshape(kept)


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
        return xp.sum(x, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape), None


def _sum_dtype(x: Tensor, dtype):
    if dtype is not None:
        return _dt.to_dtype(dtype).np
    if x._data.dtype.kind in "bui":
        return np.int64  # torch sums integers and bools in int64
    return x._data.dtype


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or all dims when None)."""
    np_dtype = _sum_dtype(input, dtype)
    if dim is None:
        return SumAll.apply(input, np_dtype)
    dims = dims_tuple(dim, input._data.ndim)
    if input._data.ndim == 0:
        dims = ()
    return Sum.apply(input, dims, keepdim, np_dtype)


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
        out = xp.sum(x, axis=axes, keepdims=True) if axes else x
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape), None


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` down to ``size``, which it must broadcast from."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    if tuple(input._data.shape) == shape:
        return input
    if np.broadcast_shapes(shape, input._data.shape) != input._data.shape:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(input.shape)}}}.")
    return SumToSize.apply(input, shape)


class Mean(_Op):
    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = int(np.prod([x.shape[d] for d in dims])) if dims else x.size
        return xp.mean(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        g = _keep(grad, ctx.shape, ctx.dims, ctx.keepdim) / ctx.count
        return g.expand(ctx.shape), None, None


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim`` (all dims when None)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_kind(input)}"
        )
    dims = dims_tuple(dim, input._data.ndim) if input._data.ndim else ()
    if dim is None:
        dims = tuple(range(input._data.ndim))
    return Mean.apply(input, dims if dims else None, keepdim)


def _kind(t) -> str:
    from ..tensor import _KIND_NAMES

    return _KIND_NAMES[t.dtype.name]


class Var(_Op):
    """Variance with ``correction`` (1 = unbiased); d/dx = 2 (x - mean) / (N - c)."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.save_for_backward(x)
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        n = int(np.prod([x.shape[d] for d in dims])) if dims else 1
        ctx.n = n
        return xp.var(x, axis=dims, ddof=correction, keepdims=keepdim) if n - correction > 0 else \
            xp.full(xp.mean(x, axis=dims, keepdims=keepdim).shape, np.nan, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g = _keep(grad, x.shape, ctx.dims, ctx.keepdim)
        centred = x - x.mean(ctx.dims, keepdim=True)
        return g * centred * (2.0 / (ctx.n - ctx.correction)), None, None, None


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance; ``correction=1`` (the default) divides by N - 1."""
    if isinstance(dim, bool):  # var(x, False): the old positional ``unbiased``
        dim, unbiased = None, dim
    input = as_float(input)
    dims = dims_tuple(dim, input._data.ndim) if input._data.ndim else ()
    return Var.apply(input, dims, _correction(unbiased, correction), keepdim)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation: the square root of :func:`var`."""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# ---------------------------------------------------------------- max / min
class AmaxAmin(_Op):
    """amax/amin over dims: the gradient is shared evenly among tied maxima."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max):
        out = (xp.max if is_max else xp.min)(x, axis=dims, keepdims=True)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else out.reshape([s for i, s in enumerate(x.shape) if i not in dims])

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = _keep(grad, x.shape, ctx.dims, ctx.keepdim)
        mask = (x == out.detach()).to(grad.dtype)
        return g * mask / mask.sum(ctx.dims, keepdim=True), None, None, None


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (all dims when empty); ties share the gradient."""
    dims = dims_tuple(dim if dim != () else None, input._data.ndim) if input._data.ndim else ()
    _check_nonempty(input, dims, "amax")
    return AmaxAmin.apply(input, dims, keepdim, True)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    dims = dims_tuple(dim if dim != () else None, input._data.ndim) if input._data.ndim else ()
    _check_nonempty(input, dims, "amin")
    return AmaxAmin.apply(input, dims, keepdim, False)


def _check_nonempty(input, dims, name):
    if input._data.size == 0 and (not dims or any(input._data.shape[d] == 0 for d in dims)):
        raise IndexError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )


class MaxAll(_Op):
    """max()/min() of all elements: like torch, ties share the gradient evenly."""

    node_name = "MaxBackward1"

    @staticmethod
    def forward(ctx, x, is_max):
        out = xp.max(x) if is_max else xp.min(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        mask = (x == out.detach()).to(grad.dtype)
        return grad * mask / mask.sum(), None


class MaxDim(_Op):
    """max(dim)/min(dim): values and indices; the gradient goes to the index picked."""

    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_max):
        idx = (xp.argmax if is_max else xp.argmin)(x, axis=dim, keepdims=True)
        values = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        ctx.save_for_backward(idx)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.mark_non_differentiable(idx)
        return values, idx

    @staticmethod
    def backward(ctx, grad, grad_idx):
        (idx,) = ctx.saved_tensors
        if not ctx.keepdim:
            grad, idx = grad.unsqueeze(ctx.dim), idx.unsqueeze(ctx.dim)
        from .indexing import scatter_zeros

        return scatter_zeros(grad, ctx.shape, ctx.dim, idx), None, None, None


def _max_min(input, dim, keepdim, is_max, name):
    from ..return_types import named

    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return MaxAll.apply(input, is_max)
    if isinstance(dim, Tensor):  # max(a, b): the elementwise form
        from .pointwise import maximum, minimum

        return (maximum if is_max else minimum)(input, dim)
    d = wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    if input._data.ndim == 0:
        return named(name, input.clone(), Tensor._make(np.array(0), False, None, 0))
    if input._data.shape[d] == 0:
        raise IndexError(
            f"{name}(): Expected reduction dim {d} to have non-zero size."
        )
    values, idx = MaxDim.apply(input, d, keepdim, is_max)
    return named(name, values, idx)


def max(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """The largest element, or ``(values, indices)`` along ``dim``."""
    return _max_min(input, dim, keepdim, True, "max")


def min(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """The smallest element, or ``(values, indices)`` along ``dim``."""
    return _max_min(input, dim, keepdim, False, "min")


class _Arg(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_max):
        fn = xp.argmax if is_max else xp.argmin
        if dim is None:
            out = fn(x.reshape(-1))
            return xp.asarray(out).reshape((1,) * x.ndim) if keepdim else out
        return fn(x, axis=dim, keepdims=keepdim)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    d = None if dim is None else (wrap_dim(dim, input._data.ndim) if input._data.ndim else None)
    return _Arg.apply(input, d, keepdim, True)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    d = None if dim is None else (wrap_dim(dim, input._data.ndim) if input._data.ndim else None)
    return _Arg.apply(input, d, keepdim, False)


# ---------------------------------------------------------------- softmax family
class Softmax(_Op):
    """exp(x - max) / sum: stable for any logits; d/dx = s * (g - sum(g * s))."""

    @staticmethod
    def forward(ctx, x, dim):
        e = xp.exp(x - xp.max(x, axis=dim, keepdims=True))
        out = e / xp.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(_Op):
    """x - logsumexp(x); d/dx = g - softmax * sum(g)."""

    @staticmethod
    def forward(ctx, x, dim):
        shifted = x - xp.max(x, axis=dim, keepdims=True)
        out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None


def _softmax_dim(input, dim, name):
    if dim is None:
        import warnings

        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                      "Change the call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if input._data.ndim in (0, 1, 3) else 1
    return wrap_dim(dim, input._data.ndim) if input._data.ndim else 0


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    d = _softmax_dim(input, dim, "softmax")
    if input._data.ndim == 0:
        return Softmax.apply(input.reshape(1), 0).reshape(())
    return Softmax.apply(as_float(input), d)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    d = _softmax_dim(input, dim, "log_softmax")
    if input._data.ndim == 0:
        return LogSoftmax.apply(input.reshape(1), 0).reshape(())
    return LogSoftmax.apply(as_float(input), d)


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return softmax(-input, dim, dtype=dtype)


class LogSumExp(_Op):
    """log(sum(exp(x))) computed stably; d/dx = softmax(x)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        m = xp.max(x, axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.sum(xp.exp(x - m), axis=dims, keepdims=True)) + m
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else out.reshape([s for i, s in enumerate(x.shape) if i not in dims])

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = _keep(grad, x.shape, ctx.dims, ctx.keepdim)
        return g * (x - out).exp(), None, None


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, without overflow."""
    dims = dims_tuple(dim, input._data.ndim) if input._data.ndim else ()
    return LogSumExp.apply(as_float(input), dims, keepdim)
