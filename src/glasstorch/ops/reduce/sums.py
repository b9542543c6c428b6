"""Sums and products: sum, sum_to_size, mean, prod."""

from __future__ import annotations

import builtins

import numpy as np

from ...backend import array_module
from ...kernels import broadcast_scalar
from .._util import Tensor, wrap_dim
from ._common import _count, _int_to_long, _keep, _Op, _reduce_dims, _t
from .checks import check_mean_dtype, check_size_given, check_sum_to_size


class Sum(_Op):
    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return array_module(x).sum(x, axis=dims, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return _keep(grad, ctx.shape, ctx.dims, ctx.keepdim).expand(ctx.shape), None, None, None


class SumAll(_Op):
    node_name = "SumBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.shape = x.shape
        xp = array_module(x)
        # the ufunc's own reduce (what np.sum calls, same pairwise summation)
        # without np.sum's Python wrapper, which costs more than a small sum
        return xp.asarray(xp.add.reduce(x, axis=None, dtype=np_dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape), None

    @staticmethod
    def backward_arrays(ctx, grad):
        return broadcast_scalar(grad, ctx.shape), None


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
        if not axes:
            return x.reshape(shape)
        # integers and bools sum as int64, as torch's sum does
        out = array_module(x).sum(x, axis=axes, keepdims=True, dtype=np.int64 if x.dtype.kind in "iub" else None)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape), None


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` down to ``size``, which it must broadcast from."""
    check_size_given(size)
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    if not shape:  # torch sums to a 0-d tensor, even a 0-d one (a bool becomes int64)
        return input.sum()
    if tuple(input._data.shape) == shape:
        return input
    check_sum_to_size(input, shape)
    return SumToSize.apply(input, shape)


class Mean(_Op):
    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        count = _count(x.shape, dims)
        ctx.shape, ctx.dims, ctx.keepdim, ctx.count = x.shape, dims, keepdim, count
        with np.errstate(invalid="ignore", divide="ignore"):
            return (array_module(x).sum(x, axis=dims, keepdims=keepdim) / x.dtype.type(count)).astype(x.dtype)

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
    check_mean_dtype(input)
    cls = MeanAll if dim is None and not keepdim else Mean
    return cls.apply(input, _reduce_dims(input, dim), keepdim)


def _others_product(x: Tensor, d: int) -> Tensor:
    """For each element, the product of the other elements along ``d`` (exact with zeros).

    Builds n copies of ``x`` with the k-th element set to one, so it costs
    n times the input; only used when the input holds zeros.
    """
    n = x.shape[d]
    eye = array_module(x._data).eye(n, dtype=bool).reshape((n,) + (1,) * d + (n,) + (1,) * (x.ndim - d - 1))
    filled = x.unsqueeze(0).masked_fill(_t(eye), 1.0)
    return filled.prod(d + 1, keepdim=True).movedim(0, d + 1).squeeze(d)


class Prod(_Op):
    """Product along one dim; d/dx_k = product of the others (zeros handled exactly)."""

    node_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, x, dim, keepdim, np_dtype):
        out = array_module(x).prod(x, axis=dim, keepdims=keepdim, dtype=np_dtype)
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
        out = array_module(x).prod(x, dtype=np_dtype)
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
