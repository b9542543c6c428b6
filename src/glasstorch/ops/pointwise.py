"""Elementwise ops: arithmetic, unary maths, comparisons and logic.

Each op is a Function whose forward works on arrays and whose backward is
written with Tensor operations (so it can be differentiated again).
Broadcasting is undone by the engine, not here: a backward may return a
gradient of the broadcast shape.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import xp
from ._util import Tensor, as_float, promote, to_tensor_operand

_SQRT_PI = math.sqrt(math.pi)


class _Op(Function):
    array_io = True


# ---------------------------------------------------------------- casting
class Cast(_Op):
    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.src = x.dtype
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad._cast_np(ctx.src), None


# ---------------------------------------------------------------- arithmetic
class Add(_Op):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(_Op):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Rsub(_Op):
    """``scalar - tensor``, torch's RsubBackward1."""

    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return None, -grad


class Mul(_Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(_Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = grad / b if need_a else None
        gb = -grad * a / (b * b) if need_b else None
        return ga, gb


class Neg(_Op):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PowScalar(_Op):
    """``x ** c`` for a number c: d/dx = c * x**(c-1)."""

    node_name = "PowBackward0"

    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(x)
        ctx.c = c
        return x ** c

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        c = ctx.c
        if c == 0:
            return grad * 0.0, None
        return grad * c * x ** (c - 1), None


class Pow(_Op):
    """``a ** b`` with b a tensor: d/da = b a**(b-1), d/db = a**b log a."""

    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = grad * b * a ** (b - 1) if need_a else None
        # torch defines the exponent's gradient as 0 where the base is 0
        gb = grad * out * where(a == 0, 0.0, log(where(a == 0, 1.0, a))) if need_b else None
        return ga, gb


class RPowScalar(_Op):
    """``c ** x`` for a number c: d/dx = c**x log c."""

    node_name = "PowBackward2"

    @staticmethod
    def forward(ctx, c, x):
        out = np.asarray(c, dtype=x.dtype) ** x
        ctx.save_for_backward(out)
        ctx.logc = math.log(c) if c > 0 else float("nan") if c < 0 else 0.0
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return None, grad * out * ctx.logc


class FloorDivide(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, a, b):
        return xp.floor_divide(a, b)


class Remainder(_Op):
    """Python's ``%`` (sign of the divisor); d/da = 1, d/db = -floor(a/b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * floor(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class Fmod(_Op):
    """C's fmod (sign of the dividend)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * trunc(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other``, broadcasting and promoting dtypes as torch does."""
    if alpha != 1:
        other = mul(other, alpha)
    a, b = promote(input, other)
    if not isinstance(a, Tensor):  # scalar + tensor: addition commutes
        a, b = b, a
    return Add.apply(a, b)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    a, b = promote(input, other)
    if isinstance(a, Tensor) and a._data.dtype.kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if not isinstance(a, Tensor):
        return Rsub.apply(a, b)
    return Sub.apply(a, b)


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None) -> Tensor:
    """Elementwise product."""
    a, b = promote(input, other)
    if not isinstance(a, Tensor):
        a, b = b, a
    return Mul.apply(a, b)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (always floating), or ``rounding_mode='trunc'|'floor'``."""
    if rounding_mode is None:
        a, b = promote(input, other, to_float=True)
        if not isinstance(a, Tensor):
            return mul(reciprocal(b), a)
        return Div.apply(a, b)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        a, b = promote(input, other)
        if isinstance(a, Tensor) and a._data.dtype.kind == "f" or isinstance(b, Tensor) and b._data.dtype.kind == "f":
            return trunc(div(a, b))
        return _Trunc_int.apply(a, b)
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
    )


divide = true_divide = div


class _Trunc_int(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, a, b):
        q = np.abs(a) // np.abs(b)
        return np.where((np.asarray(a) < 0) ^ (np.asarray(b) < 0), -q, q).astype(np.result_type(a, b))


def floor_divide(input, other) -> Tensor:
    a, b = promote(input, other)
    return FloorDivide.apply(a, b)


def remainder(input, other) -> Tensor:
    a, b = promote(input, other)
    return Remainder.apply(a, b)


def fmod(input, other) -> Tensor:
    a, b = promote(input, other)
    return Fmod.apply(a, b)


def neg(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


negative = neg


def pow(input, exponent) -> Tensor:  # noqa: A001 - torch's name
    """``input ** exponent``; either may be a number."""
    input = to_tensor_operand(input)
    exponent = to_tensor_operand(exponent)
    if not isinstance(input, Tensor):
        base = input
        exponent = as_float(exponent) if isinstance(base, float) else exponent
        if exponent._data.dtype.kind != "f":
            return _IntPow.apply(np.asarray(base, exponent._data.dtype), exponent)
        return RPowScalar.apply(base, exponent)
    if isinstance(exponent, Tensor):
        a, b = promote(input, exponent)
        if a._data.dtype.kind != "f":
            return _IntPow.apply(a, b)
        return Pow.apply(a, b)
    x, c = promote(input, exponent)
    if x._data.dtype.kind != "f":
        if isinstance(c, int) and c < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _IntPow.apply(x, c)
    return PowScalar.apply(x, c)


class _IntPow(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, a, b):
        return np.power(a, b)


def float_power(input, exponent) -> Tensor:
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(input, exponent)


def square(input: Tensor) -> Tensor:
    return pow(input, 2)


# ---------------------------------------------------------------- unary maths
def _unary(cls):
    """The public function for a float-valued unary op: ints become floats first."""

    def fn(input: Tensor, *, out=None) -> Tensor:
        return cls.apply(as_float(input))

    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = cls.__doc__
    return fn


class Exp(_Op):
    """e ** x."""

    @staticmethod
    def forward(ctx, x):
        out = xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Exp2(_Op):
    """2 ** x."""

    @staticmethod
    def forward(ctx, x):
        out = xp.exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * math.log(2.0)


class Expm1(_Op):
    """e ** x - 1, accurate near 0."""

    @staticmethod
    def forward(ctx, x):
        out = xp.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Log(_Op):
    """Natural logarithm."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log2(_Op):
    """Base-2 logarithm."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2.0))


class Log10(_Op):
    """Base-10 logarithm."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10.0))


class Log1p(_Op):
    """log(1 + x), accurate near 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Sqrt(_Op):
    """Square root."""

    @staticmethod
    def forward(ctx, x):
        out = xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (out * 2)


class Rsqrt(_Op):
    """1 / sqrt(x)."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * out * out * -0.5


class Reciprocal(_Op):
    """1 / x."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / x
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * out * out


class Sin(_Op):
    """Sine."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(_Op):
    """Cosine."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * sin(x)


class Tan(_Op):
    """Tangent; d/dx = 1 + tan(x)**2."""

    @staticmethod
    def forward(ctx, x):
        out = xp.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * out + 1)


class Asin(_Op):
    """Inverse sine."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)


class Acos(_Op):
    """Inverse cosine."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * rsqrt(1 - x * x)


class Atan(_Op):
    """Inverse tangent."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)


class Atan2(_Op):
    """atan2(a, b): the angle of the point (b, a)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        return grad * b / denom, -grad * a / denom


class Sinh(_Op):
    """Hyperbolic sine."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cosh(x)


class Cosh(_Op):
    """Hyperbolic cosine."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sinh(x)


class Tanh(_Op):
    """Hyperbolic tangent; d/dx = 1 - tanh(x)**2."""

    @staticmethod
    def forward(ctx, x):
        out = xp.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(_Op):
    """1 / (1 + e**-x); d/dx = s(1 - s)."""

    @staticmethod
    def forward(ctx, x):
        # Split by sign so exp never overflows.
        e = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Relu(_Op):
    """max(x, 0); the gradient at 0 is 0, as in torch."""

    node_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        out = xp.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


class Erf(_Op):
    """The error function; d/dx = 2/sqrt(pi) e**(-x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * exp(-(x * x)) * (2 / _SQRT_PI)


def _erf(x):
    """erf for arrays without SciPy: math.erf through np.vectorize is exact but slow,
    so use the Abramowitz-Stegun-free route of a high-accuracy rational fit in float64."""
    try:
        from scipy.special import erf as sp_erf  # optional, exact and fast

        return sp_erf(x).astype(x.dtype, copy=False)
    except ImportError:
        return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype, copy=False)


class Abs(_Op):
    """|x|; the gradient at 0 is 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign(x)


class _Piecewise(_Op):
    """Ops that are flat almost everywhere: the gradient is 0."""

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0


class Sign(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return xp.sign(x)


class Floor(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return xp.floor(x)


class Ceil(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return xp.ceil(x)


class Round(_Piecewise):
    @staticmethod
    def forward(ctx, x, decimals=0):
        return xp.round(x, decimals)


class Trunc(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return xp.trunc(x)


class Frac(_Op):
    """x - trunc(x); d/dx = 1."""

    @staticmethod
    def forward(ctx, x):
        return x - xp.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


exp = _unary(Exp)
exp2 = _unary(Exp2)
expm1 = _unary(Expm1)
log = _unary(Log)
log2 = _unary(Log2)
log10 = _unary(Log10)
log1p = _unary(Log1p)
sqrt = _unary(Sqrt)
rsqrt = _unary(Rsqrt)
reciprocal = _unary(Reciprocal)
sin = _unary(Sin)
cos = _unary(Cos)
tan = _unary(Tan)
asin = arcsin = _unary(Asin)
acos = arccos = _unary(Acos)
atan = arctan = _unary(Atan)
sinh = _unary(Sinh)
cosh = _unary(Cosh)
tanh = _unary(Tanh)
sigmoid = _unary(Sigmoid)
erf = _unary(Erf)


def atan2(input, other) -> Tensor:
    a, b = promote(input, other, to_float=True)
    return Atan2.apply(a, b)


arctan2 = atan2


def relu(input: Tensor) -> Tensor:
    """max(x, 0)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError('"clamp_min_cpu" not implemented for \'Bool\'')
    return Relu.apply(input)


def abs(input: Tensor) -> Tensor:  # noqa: A001
    if input._data.dtype.kind == "b":
        raise RuntimeError('"abs_cpu" not implemented for \'Bool\'')
    return Abs.apply(input)


absolute = abs


def sign(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "b":
        return input.clone()
    return Sign.apply(input)


def _keep_ints(cls):
    def fn(input: Tensor, *, out=None) -> Tensor:
        if input._data.dtype.kind != "f":
            return input.clone()
        return cls.apply(input)

    fn.__name__ = cls.__name__.lower()
    return fn


floor = _keep_ints(Floor)
ceil = _keep_ints(Ceil)
trunc = fix = _keep_ints(Trunc)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    if input._data.dtype.kind != "f":
        return input.clone()
    return Round.apply(input, decimals)


def frac(input: Tensor) -> Tensor:
    return Frac.apply(input)


# ---------------------------------------------------------------- clamp / where / min-max
class Clamp(_Op):
    """Limit x to [lo, hi]; the gradient passes where x is inside the bounds."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        out = x
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        ctx.save_for_backward(x, lo, hi)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        inside = None
        if lo is not None:
            inside = x >= lo
        if hi is not None:
            below = x <= hi
            inside = below if inside is None else logical_and(inside, below)
        gx = grad * inside if inside is not None else grad
        glo = ghi = None
        if isinstance(lo, Tensor) and ctx.needs_input_grad[1]:
            glo = grad * (x < lo)
        if isinstance(hi, Tensor) and ctx.needs_input_grad[2]:
            ghi = grad * logical_and(x > hi, x >= lo) if lo is not None else grad * (x > hi)
        return gx, glo, ghi


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; either bound may be a number or a tensor."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = input
    for bound in (min, max):
        if bound is not None:
            x, _ = promote(x, bound)
    lo = _bound(min, x)
    hi = _bound(max, x)
    return Clamp.apply(x, lo, hi)


def _bound(b, x):
    if b is None:
        return None
    b = to_tensor_operand(b)
    if isinstance(b, Tensor):
        return b._cast(x.dtype)
    return b


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    return clamp(input, max=max)


class Where(_Op):
    """Pick from a where cond is True, else from b."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[1], ctx.needs_input_grad[2]
        zero = grad * 0.0 if (need_a or need_b) else None
        ga = where(cond, grad, zero) if need_a else None
        gb = where(cond, zero, grad) if need_b else None
        return None, ga, gb


def where(condition, input=None, other=None) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``; one argument gives ``nonzero``."""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    cond = to_tensor_operand(condition)
    if not isinstance(cond, Tensor) or cond._data.dtype.kind != "b":
        if isinstance(cond, Tensor) and cond._data.dtype == np.uint8:
            cond = cond.bool()
        else:
            raise RuntimeError(
                f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                f"{cond.dtype if isinstance(cond, Tensor) else type(cond).__name__}"
            )
    a, b = promote(input, other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        d = _dt.result_type(a, b)
        a = Tensor._make(np.asarray(a, d.np), False, None, 0)
    if not isinstance(a, Tensor):
        a = Tensor._make(np.asarray(a, b._data.dtype), False, None, 0)
    if not isinstance(b, Tensor):
        b = Tensor._make(np.asarray(b, a._data.dtype), False, None, 0)
    return Where.apply(cond, a, b)


class Maximum(_Op):
    """Elementwise max; on ties the gradient is split in half, as in torch."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by(grad, a, b)


class Minimum(_Op):
    """Elementwise min; ties split the gradient."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_by(grad, b, a)


def _split_by(grad, hi, lo):
    """Gradient to whichever of hi/lo won (hi > lo), half each on a tie."""
    win = (hi > lo).to(grad.dtype)
    tie = (hi == lo).to(grad.dtype) * 0.5
    return grad * (win + tie), grad * (1 - win - tie)


def maximum(input, other) -> Tensor:
    a, b = promote(input, other)
    return Maximum.apply(a, b)


def minimum(input, other) -> Tensor:
    a, b = promote(input, other)
    return Minimum.apply(a, b)


def fmax(input, other) -> Tensor:
    return where(isnan(other), input, where(isnan(input), other, maximum(input, other)))


def fmin(input, other) -> Tensor:
    return where(isnan(other), input, where(isnan(input), other, minimum(input, other)))


class Lerp(_Op):
    """start + weight * (end - start)."""

    @staticmethod
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        return start + weight * (end - start)

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        gw = grad * (end - start) if ctx.needs_input_grad[2] else None
        return grad * (1 - weight), grad * weight, gw


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    a, b = promote(input, end)
    w = to_tensor_operand(weight)
    if isinstance(w, Tensor):
        w = w._cast(a.dtype)
    return Lerp.apply(a, b, w)


class NanToNum(_Op):
    """Replace NaN and infinities by finite numbers; the gradient passes where x was finite."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * isfinite(x), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    if input._data.dtype.kind != "f":
        return input.clone()
    return NanToNum.apply(input, nan, posinf, neginf)


# ---------------------------------------------------------------- comparisons and logic
class _Predicate(_Op):
    """Ops with bool (or integer) results: never part of the graph."""

    differentiable = False


def _compare(np_fn, name):
    cls = type(name.capitalize(), (_Predicate,), {
        "forward": staticmethod(lambda ctx, a, b: np_fn(a, b)),
        "__doc__": f"Elementwise ``{name}``; returns a bool tensor.",
    })

    def fn(input, other, *, out=None) -> Tensor:
        a, b = promote(input, other)
        return cls.apply(a, b)

    fn.__name__ = name
    fn.__doc__ = cls.__doc__
    return fn


eq = _compare(xp.equal, "eq")
ne = not_equal = _compare(xp.not_equal, "ne")
lt = less = _compare(xp.less, "lt")
le = less_equal = _compare(xp.less_equal, "le")
gt = greater = _compare(xp.greater, "gt")
ge = greater_equal = _compare(xp.greater_equal, "ge")
logical_and = _compare(xp.logical_and, "logical_and")
logical_or = _compare(xp.logical_or, "logical_or")
logical_xor = _compare(xp.logical_xor, "logical_xor")


def _bitwise(np_fn, name):
    cls = type(name.capitalize(), (_Predicate,), {"forward": staticmethod(lambda ctx, a, b: np_fn(a, b))})

    def fn(input, other) -> Tensor:
        a, b = promote(input, other)
        for t in (a, b):
            if isinstance(t, Tensor) and t._data.dtype.kind == "f":
                raise RuntimeError(f'"{name}_cpu" not implemented for \'{_kind_name(t)}\'')
        return cls.apply(a, b)

    fn.__name__ = name
    return fn


def _kind_name(t) -> str:
    from ..tensor import _KIND_NAMES

    return _KIND_NAMES[t.dtype.name]


bitwise_and = _bitwise(xp.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(xp.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(xp.bitwise_xor, "bitwise_xor")


class LogicalNot(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return xp.logical_not(x)


class BitwiseNot(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return xp.invert(x)


class IsNan(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return xp.isnan(x)


class IsInf(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return xp.isinf(x)


class IsFinite(_Predicate):
    @staticmethod
    def forward(ctx, x):
        return xp.isfinite(x)


def logical_not(input: Tensor) -> Tensor:
    return LogicalNot.apply(input)


def bitwise_not(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return BitwiseNot.apply(input)


def isnan(input: Tensor) -> Tensor:
    return IsNan.apply(input)


def isinf(input: Tensor) -> Tensor:
    return IsInf.apply(input)


def isfinite(input: Tensor) -> Tensor:
    return IsFinite.apply(input)


def isposinf(input: Tensor) -> Tensor:
    return logical_and(isinf(input), input > 0)


def isneginf(input: Tensor) -> Tensor:
    return logical_and(isinf(input), input < 0)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    a, b = promote(input, other)
    return Tensor._make(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan),
                        False, None, 0)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close: ``|a - b| <= atol + rtol * |b|``."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and the same values."""
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())
