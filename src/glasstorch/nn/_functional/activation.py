"""Activation functions, each one fused op with its derivative written beside it.

Forwards work on arrays; backwards are Tensor expressions (so they can be
differentiated again). The derivative at a kink follows torch's choice
(e.g. ``leaky_relu'(0) = negative_slope``, ``hardtanh'(±1) = 0``).
"""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ...autograd.function import Function
from ...backend import array_module
from ...dtypes import OVERFLOW_TYPE_NAMES, SCALAR_TYPE_NAMES, get_default_dtype
from ...kernels import gelu_and_derivative
from ...ops._util import wrap_dim
from ...tensor import Tensor

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_",
    "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_",
    "hardsigmoid", "hardswish", "softplus", "softsign", "tanhshrink", "threshold", "threshold_",
    "softmax", "log_softmax", "softmin", "glu", "logsigmoid", "hardshrink", "softshrink",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_C = math.sqrt(2.0 / math.pi)
_TANH_K = 0.044715


class _Act(Function):
    array_io = True


def _sigmoid_np(x):
    xp = array_module(x)
    # exp of a non-positive number only: no overflow for large |x|
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _sigmoid_exact(x: Tensor) -> Tensor:
    """sigmoid(x), but exactly 0 where e^-x overflows, as torch's: the sigmoid op keeps
    a floor of about 1e-39 (float32) there, which x * sigmoid(x) turns into -1.8 at -3e38."""
    floor = _SIGMOID_ZERO_BELOW[x._data.dtype.char]
    return ops.where(x < floor, ops.zeros_like(x), x.sigmoid())


# below these, e^-x is past the dtype's largest number and torch's sigmoid is 0
_SIGMOID_ZERO_BELOW = {"e": -11.09, "f": -88.72, "d": -709.78}


def _mask(cond: Tensor, dtype) -> Tensor:
    return cond._cast_np(dtype)


class _OfInput(_Act):
    """An activation of ``x`` and constant arguments that saves ``x``: ``compute(xp, x, *args)``
    gives the output (``xp``, the array module of ``x``) and ``derivative(grad, x, *args)`` the
    gradient of ``x``, in Tensor ops so that it differentiates again."""

    @classmethod
    def forward(cls, ctx, x, *args):
        ctx.save_for_backward(x)
        ctx.args = args
        if x.dtype == np.float16:  # computed in float32 and rounded once, as torch's CPU kernels do
            return cls.compute(array_module(x), x.astype(np.float32), *args).astype(np.float16)
        return cls.compute(array_module(x), x, *args)

    @classmethod
    def backward(cls, ctx, grad):
        (x,) = ctx.saved_tensors
        return (cls.derivative(grad, x, *ctx.args),) + (None,) * len(ctx.args)


# ---------------------------------------------------------------- piecewise linear
class LeakyRelu(_OfInput):
    """x if x > 0 else slope * x."""

    @staticmethod
    def compute(xp, x, slope):
        return xp.where(x > 0, x, x * slope)

    @staticmethod
    def derivative(grad, x, slope):
        return ops.where(x > 0, grad, grad * slope)


class Hardtanh(_OfInput):
    """clamp(x, lo, hi); gradient 1 strictly inside (lo, hi)."""

    @staticmethod
    def compute(xp, x, lo, hi):
        return xp.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x, lo, hi):
        inside = (x > lo) & (x < hi)
        return grad * _mask(inside, grad._data.dtype)


class Threshold(_OfInput):
    """value if x <= threshold else x (a NaN, or a NaN threshold, keeps x, as in torch)."""

    @staticmethod
    def compute(xp, x, threshold, value):
        with np.errstate(over="ignore"):  # a float16 input's threshold may lie beyond float16's range
            return xp.where(x <= threshold, xp.asarray(value, x.dtype), x)

    @staticmethod
    def derivative(grad, x, threshold, value):
        return grad * _mask(~(x <= threshold), grad._data.dtype)


class Hardshrink(_OfInput):
    """0 where -lambd <= x <= lambd, else x (NaN passes through)."""

    @staticmethod
    def compute(xp, x, lambd):
        return xp.where(xp.abs(x) <= lambd, 0, x).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x, lambd):
        return grad * _mask(~(x.abs() <= lambd), grad._data.dtype)


class Softshrink(_OfInput):
    """x - lambd above lambd, x + lambd below -lambd, else 0."""

    @staticmethod
    def compute(xp, x, lambd):
        # x * 0 keeps a NaN a NaN (torch propagates it)
        return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0)).astype(x.dtype)

    @staticmethod
    def derivative(grad, x, lambd):
        return grad * _mask(x.abs() > lambd, grad._data.dtype)


class Hardsigmoid(_OfInput):
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3)."""

    @staticmethod
    def compute(xp, x):
        return (xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x):
        # torch scales by 1/6 rounded to float32, in every dtype
        return grad * _mask((x > -3) & (x < 3), grad._data.dtype) * float(np.float32(1.0 / 6.0))


class Hardswish(_OfInput):
    """x * relu6(x + 3) / 6."""

    @staticmethod
    def compute(xp, x):
        return (x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x):
        # chosen, not multiplied by masks: 0 * (inf / 3) would turn the slope at +-inf into nan
        # (a nan input falls through both tests and keeps its nan)
        slope = ops.where(x >= 3, ops.ones_like(x), x / 3 + 0.5)
        return grad * ops.where(x <= -3, ops.zeros_like(x), slope)


class Prelu(_Act):
    """x if x > 0 else w * x, with w broadcast along the channel dim."""

    node_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx, x, w):
        xp = array_module(x)
        ctx.save_for_backward(x, w)
        return xp.where(x > 0, x, w * x)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        pos = x > 0
        gx = ops.where(pos, grad, grad * w) if ctx.needs_input_grad[0] else None
        gw = ops.where(pos, 0.0, grad * x) if ctx.needs_input_grad[1] else None
        return gx, gw


class RreluWithNoise(_Act):
    """x * noise, where noise is 1 for x > 0 and a slope (random in training) otherwise."""

    @staticmethod
    def forward(ctx, x, noise):
        ctx.save_for_backward(noise)
        return x * noise

    @staticmethod
    def backward(ctx, grad):
        (noise,) = ctx.saved_tensors
        return grad * noise, None


# ---------------------------------------------------------------- exponential family
class Elu(_OfInput):
    """scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)): ELU, SELU and CELU."""

    @staticmethod
    def compute(xp, x, alpha, scale, input_scale):
        neg = alpha * xp.expm1(xp.minimum(x, 0) * input_scale)
        # a zero input gives zero even for an infinite or NaN alpha (torch's kernel)
        return (scale * xp.where(x >= 0, x, neg)).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x, a, s, k):
        neg = (ops.minimum(x, ops.zeros_like(x)) * k).exp() * (a * s * k)
        return ops.where(x > 0, grad * s, grad * neg)


class Celu(Elu):
    pass


class Softplus(_OfInput):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""

    @staticmethod
    def compute(xp, x, beta, threshold):
        bx = x * beta
        return xp.where(bx > threshold, x, xp.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x, beta, threshold):
        bx = x * beta
        return ops.where(bx > threshold, grad, grad * bx.sigmoid())


class LogSigmoid(_OfInput):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)); d/dx = sigmoid(-x)."""

    @staticmethod
    def compute(xp, x):
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x):
        return grad * (-x).sigmoid()


class Silu(_OfInput):
    """x * sigmoid(x); d/dx = s (1 + x (1 - s))."""

    @staticmethod
    def compute(xp, x):
        return x * _sigmoid_np(x)

    @staticmethod
    def derivative(grad, x):
        s = _sigmoid_exact(x)  # so the slope is 0 far below zero, and nan at +-inf as in torch
        return grad * (s * (1 + x * (1 - s)))


class Mish(_OfInput):
    """x * tanh(softplus(x)); d/dx = t + x sigmoid(x) (1 - t^2)."""

    @staticmethod
    def compute(xp, x):
        return (x * xp.tanh(xp.logaddexp(0, x))).astype(x.dtype, copy=False)

    @staticmethod
    def derivative(grad, x):
        t = softplus(x).tanh()
        return grad * (t + x * _sigmoid_exact(x) * (1 - t * t))


class Gelu(_Act):
    """x Phi(x) (exact) or its tanh approximation."""

    @staticmethod
    def forward(ctx, x, approximate):
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        # the derivative is kept only where a backward may need it (a node records
        # which inputs need grad; a forward that records nothing has none)
        want_d = bool(ctx.needs_input_grad)
        if approximate == "tanh":
            t = xp.tanh(_TANH_C * (x + _TANH_K * x * x * x))
            if want_d:
                d_inner = (x * x * (3 * _TANH_K) + 1) * _TANH_C
                ctx.deriv = ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * d_inner).astype(x.dtype, copy=False)
            return (0.5 * x * (1 + t)).astype(x.dtype, copy=False)
        out, ctx.deriv = gelu_and_derivative(x, want_d)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = ((x + x * x * x * _TANH_K) * _TANH_C).tanh()
            d_inner = (x * x * (3 * _TANH_K) + 1) * _TANH_C
            return grad * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * d_inner), None
        cdf = ((x / _SQRT_2).erf() + 1) * 0.5
        pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return grad * (cdf + x * pdf), None

    @staticmethod
    def backward_arrays(ctx, grad):
        """No graph to build: the derivative the forward kept."""
        return grad * ctx.deriv, None


class Softsign(_OfInput):
    """x / (1 + |x|); d/dx = 1 / (1 + |x|)^2."""

    node_name = "DivBackward0"

    @staticmethod
    def compute(xp, x):
        return x / (1 + xp.abs(x))

    @staticmethod
    def derivative(grad, x):
        # torch's composite x / (1 + |x|) differentiated term by term (not 1 / d^2):
        # the same rounding, and nan at +-inf (inf / inf) as torch gives
        d = x.abs() + 1
        return grad / d + (-grad * ((x / d) / d)) * x.sign()


class Tanhshrink(_OfInput):
    """x - tanh(x); d/dx = tanh(x)^2."""

    node_name = "SubBackward0"

    @staticmethod
    def compute(xp, x):
        return x - xp.tanh(x)

    @staticmethod
    def derivative(grad, x):
        t = x.tanh()
        return grad * t * t


class Glu(_Act):
    """a * sigmoid(b), where (a, b) are the two halves of ``dim``."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
        a, b = xp.split(x, 2, axis=dim)
        ctx.save_for_backward(x)
        ctx.dim = dim
        return a * _sigmoid_np(b)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        a, b = x.chunk(2, ctx.dim)
        s = b.sigmoid()
        return ops.cat([grad * s, grad * a * s * (1 - s)], ctx.dim), None


# ---------------------------------------------------------------- public functions
def _float(input: Tensor, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_KIND[input._data.dtype.name]}\'')
    return input


_KIND = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _maybe_inplace(input: Tensor, inplace: bool, fn, *args) -> Tensor:
    if inplace:
        return input._inplace(lambda x: fn.apply(x, *args))
    return fn.apply(input, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return input.relu_() if inplace else ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _hardtanh(input: Tensor, min_val: float, max_val: float, inplace: bool) -> Tensor:
    """clamp(x, min_val, max_val) in the input's dtype (an integer input truncates the limits, as torch)."""
    if input.dtype.name == "bool":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if not input.is_floating_point():
        info = np.iinfo(input._data.dtype)
        for v in (min_val, max_val):
            if not (math.isfinite(v) and info.min - 1 < v < info.max + 1):
                raise RuntimeError(f"value cannot be converted to type {OVERFLOW_TYPE_NAMES[input.dtype.name]} "
                                   "without overflow")
        min_val, max_val = math.trunc(min_val), math.trunc(max_val)
        if input.dtype.name == "uint8" and (min_val < 0 or max_val < 0):
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    return _maybe_inplace(input, inplace, Hardtanh, min_val, max_val)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh(input, min_val, max_val, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place hardtanh; limits in the wrong order clamp everything to ``max_val`` (torch's clamp)."""
    return _hardtanh(input, min_val, max_val, True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _maybe_inplace(_float(input, "leaky_relu"), inplace, LeakyRelu, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """leaky_relu with a learnt slope per channel (dim 1), or one shared slope."""
    if input.ndim == 0 and weight.numel() != 1:  # a 0-d input takes one shared slope
        raise RuntimeError("Not allow zero-dim input tensor.")
    channels = input.shape[1] if input.ndim >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {channels}.")
    if n == 1:
        w = weight.reshape(())
    else:
        w = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    return Prelu.apply(input, w)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) in training, (lower+upper)/2 in eval."""
    from ...random import _rng

    x = _float(input, "rrelu")
    d = x._data
    xp = array_module(d)
    if training:  # drawn on the host
        slope = xp.asarray(_rng(None).uniform(lower, upper, d.shape).astype(d.dtype))
    else:
        slope = xp.asarray((lower + upper) / 2, d.dtype)
    noise = Tensor._make(xp.where(d > 0, xp.asarray(1, d.dtype), slope).astype(d.dtype, copy=False),
                         False, None, 0)
    return _maybe_inplace(x, inplace, RreluWithNoise, noise)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _maybe_inplace(_float(input, "elu"), inplace, Elu, alpha, 1.0, 1.0)


def elu_(input: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """In-place ``scale * elu(x * input_scale, alpha)`` (torch's elu_ takes the SELU/CELU scales too)."""
    return _maybe_inplace(_float(input, "elu"), True, Elu, alpha, scale, input_scale)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _maybe_inplace(_float(input, "selu"), inplace, Elu, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input: Tensor) -> Tensor:
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _maybe_inplace(_float(input, "celu"), inplace, Celu, alpha, 1.0, 1.0 / alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (``approximate='tanh'``: the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(_float(input, "GeluKernelImpl"), approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (swish)."""
    return _maybe_inplace(_float(input, "silu"), inplace, Silu)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _maybe_inplace(_float(input, "mish"), inplace, Mish)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return ops.tanh(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _maybe_inplace(_float(input, "hardsigmoid"), inplace, Hardsigmoid)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(_float(input, "hardswish"), inplace, Hardswish)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    return Softplus.apply(_float(input, "softplus"), beta, threshold)


def _as_float(input: Tensor) -> Tensor:
    """An integer input in the default float dtype: torch composes these from float ops (tanh, division)."""
    return input if input.is_floating_point() else input.to(get_default_dtype())


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    if input.dtype.name == "bool":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    if not input.is_floating_point():
        return input / (input.abs() + 1)  # torch's composition: |x| + 1 wraps in the integer type
    return Softsign.apply(_float(_as_float(input), "softsign"))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    if input.dtype.name == "bool":
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Tanhshrink.apply(_float(_as_float(input), "tanhshrink"))


def _check_threshold(input: Tensor, threshold: float, value: float) -> None:
    """torch converts both scalars to the input's type (the threshold of a float16 input to float32)
    and refuses one that overflows it."""
    name = input.dtype.name
    if name == "bool":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    for orig, kind in ((threshold, "float32" if name == "float16" else name), (value, name)):
        v = float(orig)
        if input.is_floating_point():
            bad = math.isfinite(v) and abs(v) > float(np.finfo(kind).max)
        else:
            info = np.iinfo(kind)
            if isinstance(orig, (int, np.integer)):  # an integer may wrap into uint8 from below
                low = -info.max - 1 if info.min == 0 else info.min
                bad = not low <= int(orig) <= info.max
            else:
                bad = not math.isfinite(v) or not info.min <= v <= info.max
        if bad:
            raise RuntimeError(f"value cannot be converted to type {OVERFLOW_TYPE_NAMES[name]} without overflow")


def _threshold_args(input: Tensor, threshold: float, value: float) -> tuple:
    """The scalars as the input's type holds them (an integer type truncates and wraps, as torch's cast)."""
    _check_threshold(input, threshold, value)
    if input.is_floating_point():
        return threshold, value
    dt = input._data.dtype
    return tuple(int(np.array(math.trunc(float(v)), np.int64).astype(dt)) for v in (threshold, value))  # host: a Python number cast


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    threshold, value = _threshold_args(input, threshold, value)
    return _maybe_inplace(input, inplace, Threshold, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    threshold, value = _threshold_args(input, threshold, value)
    return _maybe_inplace(input, True, Threshold, threshold, value)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), finite for any x."""
    return LogSigmoid.apply(_float(input, "log_sigmoid_forward"))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return Hardshrink.apply(_float(input, "hardshrink"), lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink towards 0 by lambd (0 inside [-lambd, lambd])."""
    x = _float(input, "softshrink")
    top = float(np.finfo(x._data.dtype).max)
    if not 0 <= lambd <= top:
        kind = SCALAR_TYPE_NAMES[x.dtype.name]
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {kind}, but found {lambd:g}")
    return Softshrink.apply(x, lambd)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return Glu.apply(_float(input, "glu"), d)


def _empty_of(input: Tensor, dim, dtype) -> Tensor | None:
    """torch's softmax kernels return an empty input as it is, in any dtype (no kernel needed)."""
    out_dtype = dtype if dtype is not None else input.dtype
    if input._data.size or out_dtype.is_floating_point:
        return None
    if dim is not None:
        wrap_dim(dim, input.ndim)
    return Tensor._make(array_module(input._data).empty(input._data.shape, out_dtype.np), False, None, 0)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    if dim is not None:
        wrap_dim(dim, input.ndim)
    empty = _empty_of(input, dim, dtype)
    return ops.softmax(input, dim, dtype=dtype) if empty is None else empty


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim``: finite for any logits."""
    if dim is not None:
        wrap_dim(dim, input.ndim)
    empty = _empty_of(input, dim, dtype)
    return ops.log_softmax(input, dim, dtype=dtype) if empty is None else empty


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    neg = -input
    if dim is not None:
        wrap_dim(dim, input.ndim)
    empty = _empty_of(neg, dim, dtype)
    return ops.softmax(neg, dim, dtype=dtype) if empty is None else empty
