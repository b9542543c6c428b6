"""Spread and size: var, std (and with the mean), the vector p-norm."""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from ...backend import array_module
from .._util import Tensor, write_out
from ._common import _count, _keep, _Op, _reduce_dims, _reduced_shape, _t
from .checks import check_norm_dtype, check_norm_input, check_norm_order, check_norm_p, check_var_dtype
from .extremes import _even_share
from .matrix_norms import _matrix_norm_input, _singular_value_norm
from .sums import Mean


def _var_forward(x, dims, correction, keepdim, root=False, wide=False):
    """``wide``: accumulate in float64, as torch's var_mean/std_mean (a Welford pass in double)
    do: huge float32 values then give a finite variance and mean."""
    n = _count(x.shape, dims)
    denom = builtins.max(0, n - correction)
    if denom <= 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=4)
    xp = array_module(x)
    out_dtype = x.dtype
    if wide:
        x = x.astype(np.float64)
    elif x.dtype == np.float16:  # torch accumulates half in float32: squares overflow half early
        x = x.astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = xp.sum(x, axis=dims, keepdims=True) / x.dtype.type(builtins.max(n, 1))
        v = xp.sum((x - m) ** 2, axis=dims, keepdims=keepdim) / x.dtype.type(denom)
        return (xp.sqrt(v) if root else v).astype(out_dtype), denom


class Var(_Op):
    """Variance with ``correction`` (1 = unbiased); d/dx = 2 (x - mean) / (N - c)."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, wide=False):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        out, ctx.denom = _var_forward(x, dims, correction, keepdim, wide=wide)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g = _keep(grad, x.shape, ctx.dims, ctx.keepdim)
        centred = x - x.mean(ctx.dims, keepdim=True)
        return g * centred * (2.0 / ctx.denom if ctx.denom else float("inf")), None, None, None, None


class Std(_Op):
    """Standard deviation; d/dx = (x - mean) / ((N - c) std), zero where std is zero."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, wide=False):
        out, ctx.denom = _var_forward(x, dims, correction, keepdim, root=True, wide=wide)
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
        return scale * centred / (ctx.denom if ctx.denom else 0.0), None, None, None, None


class WelfordMean(Mean):
    """The mean of var_mean/std_mean: torch's running (Welford) mean in float64. With an
    infinity in the input it is that infinity only when it is the last element reduced and
    the only non-finite one (a later element gives inf - inf); otherwise NaN."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        count = _count(x.shape, dims)
        ctx.shape, ctx.dims, ctx.keepdim, ctx.count = x.shape, dims, keepdim, count
        xp = array_module(x)
        wide = x.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            m = xp.sum(wide, axis=dims, keepdims=keepdim) / np.float64(count)
            if count and not xp.isfinite(m).all():  # an inf or NaN among the inputs
                rest = [d for d in range(x.ndim) if d not in dims]
                run = xp.transpose(wide, rest + list(dims)).reshape(tuple(x.shape[d] for d in rest) + (count,))
                odd = (~xp.isfinite(run)).sum(axis=-1)
                last = run[..., -1]
                welford = xp.where((odd == 1) & xp.isinf(last), last, np.nan)
                m = m.reshape(welford.shape)
                m = xp.where(xp.isfinite(m) | (odd == 0), m, welford)
                m = m.reshape(_reduced_shape(x.shape, dims, keepdim))
        return xp.asarray(m, dtype=x.dtype)


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_args(input, dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, False): the old positional ``unbiased``
        dim, unbiased = None, dim
    check_var_dtype(input)
    return _reduce_dims(input, dim, in_order=True), _correction(unbiased, correction)


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
    dims, c = _var_args(input, dim, unbiased, correction)
    return Var.apply(input, dims, c, keepdim, True), WelfordMean.apply(input, dims, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    dims, c = _var_args(input, dim, unbiased, correction)
    return Std.apply(input, dims, c, keepdim, True), WelfordMean.apply(input, dims, keepdim)


def _p_norm(x, p, dims, keepdim):
    """(sum |x|^p)^(1/p) over ``dims``, with inf, -inf and 0 as their limits."""
    xp = array_module(x)
    if x.dtype == np.float16:  # torch accumulates half in float32: squares overflow half from 256 on
        x = x.astype(np.float32)
    a = xp.abs(x)
    if p == float("inf"):
        return xp.max(a, axis=dims, keepdims=keepdim)
    if p == -float("inf"):
        return xp.min(a, axis=dims, keepdims=keepdim)
    if p == 0:
        return xp.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    if p == 1:
        return xp.sum(a, axis=dims, keepdims=keepdim)
    if p == 2:
        return xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim))
    return xp.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)


class Norm(_Op):
    """Vector p-norm over ``dims``: (sum |x|^p)^(1/p), with inf/-inf/0 as their limits."""

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        out = array_module(x).asarray(_p_norm(x, p, dims, keepdim), dtype=x.dtype)
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
    """The vector p-norm over ``dim`` (all elements when None); ``'fro'`` is the 2-norm,
    ``'nuc'`` the nuclear norm of the matrices over ``dim`` (a pair; every dim when None)."""
    if isinstance(p, str) and p == "nuc":  # torch hands it to the matrix norm, with the dims as given
        dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
        x, dims = _matrix_norm_input(input, "nuc", dims, dtype)
        result = _singular_value_norm(x, "nuc", dims, keepdim)
        return result if out is None else write_out("norm", out, result, (input,), "expected")
    if isinstance(p, str) and p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        _matrix_norm_input(input, "fro", dim, dtype)  # torch hands this to the matrix norm, whose checks refuse it
    check_norm_input(input)
    if dtype is not None:
        converted = input.to(dtype)
        check_norm_dtype(input, converted)
        input = converted
    if p is None or p == "fro":
        p = 2
    check_norm_p(p)
    dims = _reduce_dims(input, dim, in_order=True)
    p = float(p)
    check_norm_order(input, p, dims if isinstance(dim, int) or (dim is not None and len(dim)) else None)
    result = Norm.apply(input, p, dims, keepdim)
    return result if out is None else write_out("norm", out, result, (input,), "expected")
