"""Normalisation: batch, layer, group, instance, RMS and local response norm.

Batch, layer, group and instance norm share one fused kernel. Each views its
input as a 3-D array ``(A, B, L)`` whose statistics are taken per ``B`` over
axes 0 and 2:

- batch norm:    ``(N, C, rest)``       statistics per channel
- layer norm:    ``(1, rows, features)`` statistics per row
- group norm:    ``(1, N*G, rest)``      statistics per (sample, group)
- instance norm: ``(1, N*C, rest)``      statistics per (sample, channel)

The affine weight and bias are either one per ``B`` (``(1, B, 1)``) or one
per ``L`` (``(1, 1, L)``), so each pass over memory does as much as it can.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ...autograd.function import Function
from ...backend import array_module
from ...dtypes import SCALAR_TYPE_NAMES
from ...kernels import sum_axes
from ...ops.shape import _pad_zeros
from ...tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm"]


def _sum02(a, b=None):
    """Per-``B`` sums over axes 0 and 2 of ``a`` (or of ``a * b``) without a temporary."""
    if b is None:
        return sum_axes(a, (0, 2))
    return array_module(a).einsum("abl,abl->b", a, b)


def _col(v):
    """A per-``B`` vector shaped to broadcast against ``(A, B, L)``."""
    return v[:, None]


class _FusedNorm(Function):
    """Normalise over axes (0, 2) of an ``(A, B, L)`` view, then scale and shift.

    Forward arguments: ``x, weight, bias`` (arrays or None), ``shape3`` the
    3-D view, ``per_b`` whether weight/bias hold one value per ``B`` (else
    one per ``L``), ``eps`` and ``stats`` (a list that receives the batch
    mean and biased variance, or None).
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, w, b, shape3, per_b, eps, stats):
        return _fused_forward(ctx, x, w, b, shape3, per_b, eps, stats, False)

    @staticmethod
    def backward(ctx, dy):
        x, w = ctx.saved_tensors
        return _norm_backward_graph(ctx, x, w, dy)

    @staticmethod
    def backward_arrays(ctx, dy):
        x, w = ctx.saved_tensors
        return _norm_backward_fast(ctx, x, w, dy)


def _fused_forward(ctx, x, w, b, shape3, per_b, eps, stats, overflow_nan):
    """The forward of :class:`_FusedNorm`; ``overflow_nan``: rows whose variance
    overflows the dtype (e.g. 3e38 in float32) give nan, as torch's layer and
    group norm kernels do (its batch norm gives 0 there, as invstd = 0 does)."""
    xp = array_module(x)
    # float16 statistics accumulate in float32 (as torch's kernels): x**2 overflows float16 from 256 on
    x3 = (x.astype(np.float32) if x.dtype == np.float16 else x).reshape(shape3)
    m = shape3[0] * shape3[2]
    mean = _sum02(x3) / m
    y = x3 - _col(mean)
    var = _sum02(y, y) / m
    invstd = 1.0 / xp.sqrt(var + eps)
    if overflow_nan and xp.isinf(var).any():
        invstd = xp.where(xp.isinf(var), xp.nan, invstd).astype(invstd.dtype, copy=False)
    if per_b and w is not None and not bool(xp.isfinite(w).all()):
        # an infinite weight: torch's kernel forms x * alpha + beta (alpha = invstd * weight,
        # beta = bias - mean * alpha), whose inf/NaN pattern differs from (x - mean) * alpha + bias
        alpha = invstd * w
        beta = -mean * alpha if b is None else b - mean * alpha
        with np.errstate(invalid="ignore", over="ignore"):
            xp.multiply(x3, _col(alpha.astype(x3.dtype, copy=False)), out=y)
            xp.add(y, _col(beta.astype(x3.dtype, copy=False)), out=y)
    else:
        if w is not None and per_b:
            xp.multiply(y, _col(invstd * w), out=y)
        else:
            xp.multiply(y, _col(invstd), out=y)
            if w is not None:
                xp.multiply(y, w.reshape(1, 1, -1), out=y)
        if b is not None:
            xp.add(y, _col(b) if per_b else b.reshape(1, 1, -1), out=y)
    if stats is not None:
        stats.extend((mean, var))
    ctx.save_for_backward(x, w)
    ctx.mean, ctx.invstd = mean, invstd
    ctx.shape3, ctx.per_b, ctx.eps = shape3, per_b, eps
    ctx.b_shape = None if b is None else b.shape
    return y.reshape(x.shape).astype(x.dtype, copy=False)


def _norm_backward_fast(ctx, x, w, dy):
    """The closed-form gradient on arrays (used when no graph is being built).

    With ``g = dy * weight`` and ``xhat = (x - mean) * invstd``:
    ``dx = invstd * (g - mean(g) - xhat * mean(g * xhat))``, which is an
    affine function of ``dy`` and ``x`` with one coefficient per ``B``.
    """
    xp = array_module(x)
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    shape3, per_b = ctx.shape3, ctx.per_b
    mean, invstd = ctx.mean, ctx.invstd
    m = shape3[0] * shape3[2]
    x3 = x.reshape(shape3)
    dy3 = dy.reshape(shape3)
    g = dy3 if (w is None or per_b) else dy3 * w.reshape(1, 1, -1)
    sg = _sum02(g)
    sgxhat = invstd * (_sum02(g, x3) - mean * sg)
    dx = dw = db = None
    if need_x:
        k, cg, cgx = invstd, sg, sgxhat
        if w is not None and per_b:
            k, cg, cgx = invstd * w, sg * w, sgxhat * w
        kx = -invstd * invstd * cgx / m
        kc = -invstd * cg / m - kx * mean
        dx = xp.multiply(g, _col(k), out=g) if g is not dy3 else g * _col(k)
        dx += x3 * _col(kx)
        dx += _col(kc)
        dx = dx.reshape(x.shape)
    if need_w:
        if per_b:
            dwa = sgxhat
        else:
            # sum over rows of dy * (x - mean) * invstd, as two matrix-vector products
            dy2 = dy3.reshape(-1, shape3[2])
            rows = xp.tile(invstd, shape3[0])
            dwa = rows @ (dy2 * x3.reshape(-1, shape3[2])) - (xp.tile(mean, shape3[0]) * rows) @ dy2
        dw = dwa.reshape(w.shape)
    if need_b:
        dba = (sg if g is dy3 else _sum02(dy3)) if per_b else dy3.sum(axis=(0, 1))
        db = dba.reshape(ctx.b_shape)
    return dx, dw, db, None, None, None, None


def _norm_backward_graph(ctx, x, w, dy):
    """The same gradient in Tensor ops, with the statistics recomputed from ``x``
    so that the result can be differentiated again (double backward)."""
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    shape3, per_b = ctx.shape3, ctx.per_b
    pshape = (1, shape3[1], 1) if per_b else (1, 1, shape3[2])
    x3 = x.reshape(shape3)
    dy3 = dy.reshape(shape3)
    mean = x3.mean((0, 2), keepdim=True)
    xc = x3 - mean
    invstd = ((xc * xc).mean((0, 2), keepdim=True) + ctx.eps).rsqrt()
    xhat = xc * invstd
    dx = dw = db = None
    if need_x:
        g = dy3 if w is None else dy3 * w.reshape(pshape)
        dx = invstd * (g - g.mean((0, 2), keepdim=True) - xhat * (g * xhat).mean((0, 2), keepdim=True))
        dx = dx.reshape(x.shape)
    if need_w:
        dw = (dy3 * xhat).sum_to_size(pshape).reshape(w.shape)
    if need_b:
        db = dy3.sum_to_size(pshape).reshape(ctx.b_shape)
    return dx, dw, db, None, None, None, None


class _BatchNorm(_FusedNorm):
    node_name = "NativeBatchNormBackward0"


class _LayerNorm(_FusedNorm):
    node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, shape3, per_b, eps, stats):
        return _fused_forward(ctx, x, w, b, shape3, per_b, eps, stats, True)


class _GroupNorm(_FusedNorm):
    node_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, shape3, per_b, eps, stats):
        return _fused_forward(ctx, x, w, b, shape3, per_b, eps, stats, True)


def _numel(t) -> int:
    return 0 if t is None else int(t._data.size)


def _check_param(name, t, channels):
    if t is not None and t._data.size != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t._data.size}")


def _update_running(running, value, momentum) -> None:
    """``running = (1 - momentum) * running + momentum * value``, in place."""
    arr = running._data
    arr *= 1.0 - momentum
    arr += momentum * value.astype(arr.dtype, copy=False)
    running._version[0] += 1


def _check_batch_norm(input, running_mean, running_var, weight, bias, training) -> None:
    """torch's checks of batch norm's arguments, run before any state changes."""
    shape = input._data.shape
    channels = shape[1] if input._data.ndim > 1 else 0
    _check_param("running_mean", running_mean, channels)
    _check_param("running_var", running_var, channels)
    _check_param("weight", weight, channels)
    _check_param("bias", bias, channels)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(
            f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    if input.ndim < 2:  # the channels are dim 1 (the parameters were checked against none)
        raise IndexError("Dimension specified as 1 but tensor has no dimensions" if input.ndim == 0 else
                         "Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    dt = input.dtype.name
    if not input.is_floating_point():
        raise NotImplementedError(f'"batch_norm" not implemented for \'{SCALAR_TYPE_NAMES[dt]}\'')
    # CPU kernels take parameters of the input's dtype (a float16 input also float32 ones)
    allowed = (dt, "float32") if dt == "float16" else (dt,)
    for t in (weight, bias, running_mean, running_var):
        if t is not None and t.dtype.name not in allowed:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{SCALAR_TYPE_NAMES[allowed[-1]]}")


def _check_batch_norm_args(input: Tensor, training: bool, eps: float) -> None:
    """torch's functional-layer checks: one value per channel in training, and eps."""
    shape = input._data.shape
    if training and not shape:
        raise IndexError("tuple index out of range")  # torch's Python check reads size(0)
    if training and shape[0] * math.prod(shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")


def _empty_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """torch's result for an input with no elements: a copy, scaled and shifted by the first weight and bias
    (which must then hold an element)."""
    out = input.clone()
    for t, op in ((weight, "mul"), (bias, "add")):
        if t is not None:
            if t.numel() == 0:
                raise IndexError(f"select(): index 0 out of range for tensor of size {list(t.shape)} at dimension 0")
            out = getattr(out, op)(t.reshape(-1)[0])
    return out


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over every dim but dim 1 (the channels).

    In training mode the batch statistics normalise the input and update
    ``running_mean`` / ``running_var`` (the latter with the unbiased
    variance); otherwise the running statistics are used.
    """
    _check_batch_norm_args(input, training, eps)
    if input._data.size == 0:
        return _empty_norm(input, weight, bias)
    _check_batch_norm(input, running_mean, running_var, weight, bias, training)
    shape = input._data.shape
    channels = shape[1] if input._data.ndim > 1 else 0
    if training:
        count = input._data.size // max(channels, 1)
        rest = count // shape[0]
        stats = [] if running_mean is not None or running_var is not None else None
        out = _BatchNorm.apply(input, weight, bias, (shape[0], channels, rest), True, eps, stats)
        if stats:
            if running_mean is not None:
                _update_running(running_mean, stats[0], momentum)
            if running_var is not None:
                _update_running(running_var, stats[1] * (count / (count - 1)), momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError(
            f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    # evaluation: a per-channel affine map with the running statistics
    view = (1, channels) + (1,) * (input._data.ndim - 2)
    scale = (running_var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(view) + shift.reshape(view)


def _shape_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift."""
    norm = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    shape = input._data.shape
    k = len(norm)
    if k == 0 or tuple(shape[len(shape) - k:]) != norm or k > len(shape):
        raise RuntimeError(
            f"Given normalized_shape={_shape_list(norm)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in norm)}], but got input of size{_shape_list(shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != norm:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{_shape_list(t._data.shape)} and normalized_shape = {_shape_list(norm)}")
    feat = int(np.prod(norm))  # host: shape arithmetic
    rows = input._data.size // feat if feat else 0
    return _LayerNorm.apply(input, weight, bias, (1, rows, feat), False, eps, None)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each group of ``C // num_groups`` channels of each sample."""
    shape = input._data.shape
    if input._data.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input._data.ndim}")
    n, c = shape[0], shape[1]
    if num_groups == 0:
        raise ZeroDivisionError("integer division or modulo by zero")  # as torch's own Python check
    grouped = [n * c // num_groups, num_groups] + list(shape[2:])  # torch's check, in training or not
    if grouped[0] * math.prod(shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {grouped}")
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{_shape_list(shape)} and num_groups={num_groups}")
    _check_param("weight", weight, c)
    _check_param("bias", bias, c)
    rest = input._data.size // (n * c) if n * c else 0
    out = _GroupNorm.apply(input, None, None, (1, n * num_groups, (c // num_groups) * rest), True, eps, None)
    view = (1, c) + (1,) * (input._data.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(view)
    if bias is not None:
        out = out + bias.reshape(view)
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims."""
    shape = input._data.shape
    if use_input_stats and len(shape) < 2:  # torch's check of the spatial size comes first
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    n, c = shape[0], shape[1]
    if use_input_stats and math.prod(shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {input.shape}")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    rest = input._data.size // (n * c) if n * c else 0
    if input._data.size == 0:  # torch's batch norm of the (1, n * c, ...) view, with the weight repeated n times
        return _empty_norm(input, weight.repeat(n) if weight is not None else None,
                           bias.repeat(n) if bias is not None else None)
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_param(name, t, c)
    stats = [] if running_mean is not None or running_var is not None else None
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    out = _FusedNorm.apply(input, w, b, (1, n * c, rest), True, eps, stats)
    if stats:
        # torch averages the per-sample statistics of each channel into the running buffers
        if running_mean is not None:
            _update_running(running_mean, stats[0].reshape(n, c).mean(0), momentum)
        if running_var is not None:
            unbiased = stats[1] * (rest / (rest - 1))
            _update_running(running_var, unbiased.reshape(n, c).mean(0), momentum)
    return out


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last dims (eps None: the dtype's epsilon)."""
    norm = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    shape = input._data.shape
    k = len(norm)
    if not k:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {list(norm)}")
    if k > len(shape) or tuple(shape[len(shape) - k:]) != norm:
        raise RuntimeError(
            f"Given normalized_shape={_shape_list(norm)}, expected input with shape "
            f"[*{', '.join(str(s) for s in norm)}], but got input of size{_shape_list(shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"rms_norm" not implemented for \'{input.dtype.name}\'')
    # the result has the input's dtype, whatever the weight's; torch computes half in float32
    # (its epsilon too) and rounds once at the end
    x = input.float() if input._data.dtype == np.float16 else input
    w = weight.to(x.dtype) if weight is not None and weight.dtype != x.dtype else weight
    if eps is None:
        eps = float(np.finfo(x._data.dtype).eps)
    dims = tuple(range(len(shape) - k, len(shape)))
    out = x * ((x * x).mean(dims, keepdim=True) + eps).rsqrt()
    if w is not None:
        out = out * w
    return out if x is input else out.to(input.dtype)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Divide each value by a power of the mean square over ``size`` neighbouring channels."""
    nd = input._data.ndim
    if nd < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality                          input (got {nd} dimensions)")
    if input._data.size == 0:
        return input
    if size <= 0:  # torch averages over the channel window with a (size, 1[, 1]) pooling kernel
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {size} kH: 1 kW: 1"
                           if nd > 3 else f"kernel size should be greater than zero, but got kH: {size} kW: 1")
    sq = input * input
    pad = [(0, 0)] * nd
    pad[1] = (size // 2, (size - 1) // 2)
    padded = _pad_zeros(sq, pad)
    c = input._data.shape[1]
    window = padded.narrow(1, 0, c)
    for i in range(1, size):
        window = window + padded.narrow(1, i, c)
    if input._data.dtype.kind in "iub":  # torch's average pooling of integers truncates the mean
        div = (window.div(size, rounding_mode="trunc") * alpha + k) ** beta
    else:
        div = (window * (alpha / size) + k) ** beta
    return input / div
