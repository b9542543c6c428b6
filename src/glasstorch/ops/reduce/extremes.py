"""Extremes: amax/amin/aminmax, max/min (values and indices), argmax/argmin.

Ops that pick elements (max along a dim here; sort, topk, median, kthvalue
and cummax elsewhere in the family) share one class shape, :class:`_Pick`:
the array module finds the indices, forward gathers the values, backward
scatters the gradient back to those indices.
"""

from __future__ import annotations

import numpy as np

from ...backend import array_module
from .._util import Tensor
from ._common import _as_1d, _keep, _one_dim, _Op, _reduce_dims, _t
from .checks import check_aminmax, check_arg_input, check_empty_dims_in_order, check_nonempty


def _even_share(grad: Tensor, x: Tensor, out: Tensor, dims, keepdim) -> Tensor:
    """The gradient of an extreme value, split evenly among the elements equal to it."""
    g = _keep(grad, x.shape, dims, keepdim)
    o = _keep(out, x.shape, dims, keepdim)
    mask = _t(x._data == o._data)
    hits = _t(mask._data.sum(axis=dims, keepdims=True).astype(x._data.dtype))
    return (g / hits).masked_fill(~mask, 0.0)


class Amax(_Op):
    """amax over dims: the gradient is shared evenly among tied maxima."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        out = array_module(x).max(x, axis=dims, keepdims=keepdim)
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
        out = array_module(x).min(x, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    backward = Amax.backward


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (all dims when empty); ties share the gradient."""
    check_empty_dims_in_order(input, dim, "amax")
    dims = _reduce_dims(input, dim)
    check_nonempty(input, dims, "amax", dim not in ((), None, []))
    return Amax.apply(input, dims, keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (all dims when empty); ties share the gradient."""
    check_empty_dims_in_order(input, dim, "amin")
    dims = _reduce_dims(input, dim)
    check_nonempty(input, dims, "amin", dim not in ((), None, []))
    return Amin.apply(input, dims, keepdim)


class Aminmax(_Op):
    """``(min, max)`` together; each gradient is shared among its ties."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = array_module(x)
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
    from ...return_types import named

    dims = _reduce_dims(input, dim)
    check_aminmax(input, dims, dim)
    return named("aminmax", *Aminmax.apply(input, dims, keepdim))


class MaxAll(_Op):
    """max() of all elements: like torch, ties share the gradient evenly."""

    node_name = "MaxBackward1"

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
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
        xp = array_module(x)
        out = xp.asarray(xp.min(x))
        ctx.save_for_backward(x, out)
        return out


class _Pick(_Op):
    """Values at precomputed ``idx`` along ``dim`` (idx has keepdim shape), and idx itself.

    The gradient goes to exactly the picked elements (adding up where an index repeats).
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim, idx):
        values = array_module(x).take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.idx = x.shape, dim, keepdim, idx
        ctx.mark_non_differentiable(idx)
        return values, idx

    @staticmethod
    def backward(ctx, grad, grad_idx):
        from ..indexing import scatter_zeros

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
    from ...return_types import named

    if input._data.ndim == 0:
        v, i = cls.apply(input.reshape(1), 0, keepdim, idx.reshape(1))
        return named(name, v.reshape(()), i.reshape(()))
    return named(name, *cls.apply(input, d, keepdim, idx))


def _max_min(input, dim, keepdim, is_max, name):
    if dim is None:
        check_nonempty(input, (), name, False)
        return (MaxAll if is_max else MinAll).apply(input)
    if isinstance(dim, Tensor):  # max(a, b): the elementwise form
        from ..pointwise import maximum, minimum

        return (maximum if is_max else minimum)(input, dim)
    d = _one_dim(input, dim)
    check_nonempty(input, (d,) if input._data.ndim else (), name)
    a = _as_1d(input)
    xp = array_module(a)
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
        xp = array_module(x)
        fn = xp.argmax if is_max else xp.argmin
        if dim is None:
            out = xp.asarray(fn(x.reshape(-1))).astype(np.int64)
            return out.reshape((1,) * x.ndim) if keepdim else out
        if x.ndim == 0:
            return xp.zeros((), np.int64)
        return fn(x, axis=dim, keepdims=keepdim).astype(np.int64)


def _arg(input, dim, keepdim, is_max, name):
    check_arg_input(input, dim, name)
    if dim is None:
        return _Arg.apply(input, None, keepdim, is_max)
    d = _one_dim(input, dim)
    check_nonempty(input, (d,) if input._data.ndim else (), name)
    return _Arg.apply(input, d, keepdim, is_max)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return _arg(input, dim, keepdim, True, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return _arg(input, dim, keepdim, False, "argmin")
