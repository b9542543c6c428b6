"""The softmax family: softmax, log_softmax, softmin, logsumexp.

Row sums and maxima go through :mod:`glasstorch.kernels` (:func:`_sum_along`,
:func:`_max_along`): along the last axis those are the hot loop of every
classifier's loss and every attention layer.
"""

from __future__ import annotations

import warnings

import numpy as np

from ... import kernels
from ...backend import array_module
from .._util import Tensor, as_float, wrap_dim
from ._common import _keep, _Op, _reduce_dims, _reduced_shape


def _sum_along(a, dim):
    """``a.sum(dim, keepdims=True)`` (by :func:`glasstorch.kernels.sum_axes`)."""
    return kernels.sum_axes(a, dim, keepdims=True)


def _max_along(a, dim):
    """``a.max(dim, keepdims=True)`` (by :func:`glasstorch.kernels.max_axis`)."""
    return kernels.max_axis(a, dim)


class Softmax(_Op):
    """exp(x - max) / sum: stable for any logits; d/dx = s * (g - sum(g * s))."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
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
        xp = array_module(out)
        g = xp.multiply(grad, out, out=xp.empty_like(out))
        xp.subtract(grad, _sum_along(g, ctx.dim), out=g)
        g *= out
        return g, None


class LogSoftmax(_Op):
    """x - logsumexp(x); d/dx = g - softmax * sum(g)."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
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
        xp = array_module(out)
        g = xp.exp(out, out=xp.empty_like(out))
        g *= _sum_along(grad, ctx.dim)
        xp.subtract(grad, g, out=g)
        return g, None


def _softmax_dim(input, dim, name):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                      "Change the call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if input._data.ndim in (0, 1, 3) else 1
    dim = wrap_dim(dim, input._data.ndim)  # checked on a 0-d tensor too: only 0 and -1 fit
    # a 0-d tensor reduces over "all" of itself: axis None keeps NumPy happy
    return dim if input._data.ndim else None


def _softmax_args(input: Tensor, dim, dtype, name: str):
    """The input in ``dtype`` and the checked dim; and the result itself when there is nothing to
    compute (an empty integer tensor: torch runs no kernel, so its dtype stays), else None."""
    if dtype is not None:
        input = input.to(dtype)
    d = _softmax_dim(input, dim, name)
    if not input._data.size and input._data.dtype.kind in "iub":
        return input, d, Tensor._make(input._data.copy(), False, None, 0)
    return input, d, None


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    input, d, empty = _softmax_args(input, dim, dtype, "softmax")
    return empty if empty is not None else Softmax.apply(as_float(input), d)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    input, d, empty = _softmax_args(input, dim, dtype, "log_softmax")
    return empty if empty is not None else LogSoftmax.apply(as_float(input), d)


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    return softmax(-input, dim, dtype=dtype)


class Logsumexp(_Op):
    """log(sum(exp(x))) computed stably; d/dx = exp(x - out), the softmax."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = array_module(x)
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
    if isinstance(dim, (tuple, list)) and not dim and not keepdim and input._data.size and input._data.ndim:
        # torch reduces over every dim but writes into a 0-d output it cannot broadcast to
        ones = ", ".join(["1"] * input._data.ndim)
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape [{ones}]")
    if isinstance(dim, (tuple, list)):
        for d in dim:  # torch's logsumexp checks every dim's range before looking for repeats
            wrap_dim(d, input._data.ndim)
    return Logsumexp.apply(as_float(input), _reduce_dims(input, dim), keepdim)
