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
from ._util import (
    Tensor,
    _wrap_int,
    accepts_out,
    as_float,
    broadcast_shape,
    promote,
    to_tensor_operand,
    write_out,
)

_SQRT_PI = math.sqrt(math.pi)


class _Op(Function):
    array_io = True


def _quiet(forward):
    """A forward that may make inf or NaN (log 0, x / 0) without NumPy's warnings, as torch does."""

    def run(ctx, *args):
        with np.errstate(all="ignore"):
            return forward(ctx, *args)

    return staticmethod(run)


def _zeros(like: Tensor, grad: Tensor) -> Tensor:
    """A constant zero gradient shaped like ``like`` (``grad * 0`` would turn inf into nan)."""
    return Tensor._make(xp.zeros(like._data.shape, grad._data.dtype), False, None, 0)


def _conj(x):
    """The conjugate of an array, Tensor or scalar operand (itself when real)."""
    if isinstance(x, Tensor):
        from .fft import conj

        return conj(x)
    return x.conjugate() if isinstance(x, (complex, np.ndarray)) else x


def _not_implemented(op: str, t: Tensor):
    from ..dtypes import SCALAR_TYPE_NAMES as _KIND_NAMES

    return NotImplementedError(f'"{op}" not implemented for \'{_KIND_NAMES[t.dtype.name]}\'')


# ---------------------------------------------------------------- casting
class Cast(_Op):
    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.src = x.dtype
        if x.dtype.kind == "c" and np.dtype(np_dtype).kind != "c":
            x = x.real  # complex to real keeps the real part (as torch), without NumPy's warning
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad._cast_np(ctx.src), None


# ---------------------------------------------------------------- arithmetic
_CONSTS: dict = {}
_NUMBERS = (float, int, bool)


def _operand(b, a):
    """``b`` ready to combine with array ``a``. A Python number becomes a 0-d
    array of ``a``'s float dtype (cached): NumPy combines an array with a 0-d
    array about twice as fast as with a Python float, which it converts on
    every call. The value is the same either way: the number is cast to the
    tensor's dtype, as in torch. Zero is left alone so -0.0 keeps its sign."""
    if type(b) not in _NUMBERS or not b or a.dtype.kind != "f":
        return b
    key = (b, a.dtype.char)
    c = _CONSTS.get(key)
    if c is None:
        if len(_CONSTS) > 256:
            _CONSTS.clear()
        c = _CONSTS[key] = np.array(b, a.dtype)
        c.flags.writeable = False  # shared by every op that uses this number
    return c


class Add(_Op):
    array_backward = True
    scalar_operands = True

    @staticmethod
    def forward(ctx, a, b):
        return a + _operand(b, a)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(_Op):
    array_backward = True
    scalar_operands = True

    @staticmethod
    def forward(ctx, a, b):
        return a - _operand(b, a)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Rsub(_Op):
    """``scalar - tensor``, torch's RsubBackward1."""

    array_backward = True
    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        return _operand(a, b) - b

    @staticmethod
    def backward(ctx, grad):
        return None, -grad


class Mul(_Op):
    array_backward = True
    scalar_operands = True

    @staticmethod
    def forward(ctx, a, b):
        b = _operand(b, a)
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if grad.dtype.is_complex if isinstance(grad, Tensor) else grad.dtype.kind == "c":
            a, b = _conj(a), _conj(b)  # torch's convention for complex gradients: g * conj(other)
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(_Op):
    array_backward = True
    scalar_operands = True

    @_quiet
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if grad.dtype.is_complex if isinstance(grad, Tensor) else grad.dtype.kind == "c":
            a, b = _conj(a), _conj(b)  # as Mul: the conjugates of the partial derivatives
        need_a, need_b = ctx.needs_input_grad
        ga = grad / b if need_a else None
        gb = -grad * a / (b * b) if need_b else None
        return ga, gb


class Neg(_Op):
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PowScalar(_Op):
    """``x ** c`` for a number c: d/dx = c * x**(c-1)."""

    node_name = "PowBackward0"

    @_quiet
    def forward(ctx, x, c):
        ctx.save_for_backward(x)
        ctx.c = c
        return x ** c

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        c = ctx.c
        if c == 0:
            return _zeros(x, grad), None
        return grad * c * x ** (c - 1), None


class Pow(_Op):
    """``a ** b`` with b a tensor: d/da = b a**(b-1), d/db = a**b log a."""

    node_name = "PowBackward1"

    @_quiet
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # An exponent of 0 gives a zero gradient even at base 0 (where b * a**(b-1) is 0 * inf).
        ga = where(b == 0, 0.0, grad * b * a ** (b - 1)) if need_a else None
        # At base 0 with b >= 0 the exponent's gradient is 0 (out * log 0 would be 0 * -inf).
        gb = where(logical_and(a == 0, b >= 0), 0.0, grad * out * log(a)) if need_b else None
        return ga, gb


class RPowScalar(_Op):
    """``c ** x`` for a number c: d/dx = c**x log c."""

    node_name = "PowBackward2"

    @_quiet
    def forward(ctx, c, x):
        out = np.asarray(c, dtype=x.dtype) ** x
        ctx.c = c
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        c = ctx.c
        if c == 0:
            # 0 ** x: flat for x >= 0; for x < 0 the value is inf and its slope is -inf
            return None, where(x >= 0, 0.0, grad * out * -math.inf)
        return None, grad * out * (math.log(c) if c > 0 else math.nan)


class FloorDivide(_Op):
    differentiable = False

    @_quiet
    def forward(ctx, a, b):
        _check_int_divisor(b)
        return xp.floor_divide(a, b)


def _check_int_divisor(b) -> None:
    """Integer division by zero is an error in torch (NumPy would return 0 with a warning)."""
    arr = b if isinstance(b, np.ndarray) else None
    if arr is not None and arr.dtype.kind in "iub" and not arr.all():
        raise RuntimeError("ZeroDivisionError")
    if arr is None and type(b) is int and b == 0:
        raise RuntimeError("ZeroDivisionError")


class Remainder(_Op):
    """Python's ``%`` (sign of the divisor); d/da = 1, d/db = -floor(a/b)."""

    @_quiet
    def forward(ctx, a, b):
        if not (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
            _check_int_divisor(b)
        ctx.save_for_backward(a, b)
        return xp.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * floor(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class Fmod(_Op):
    """C's fmod (sign of the dividend)."""

    @_quiet
    def forward(ctx, a, b):
        if not (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
            _check_int_divisor(b)
        ctx.save_for_backward(a, b)
        return xp.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * trunc(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


def _bool_subtraction(both: bool) -> RuntimeError:
    if both:
        return RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                            "Use the `^` or `logical_xor()` operator instead.")
    return RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                        "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _times_alpha(input, other, alpha):
    """``alpha * other`` in the dtype of the result (torch scales after promoting, so
    ``alpha=-1`` on a uint8 ``other`` added to a float tensor gives negatives)."""
    out = _dt.result_type(to_tensor_operand(input), to_tensor_operand(other))
    if isinstance(alpha, bool) and out is not _dt.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and not out.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if out is _dt.bool:
        alpha = bool(alpha)
    if not isinstance(other, Tensor):
        return other * alpha
    return mul(other._cast(out), alpha)


@accepts_out
def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other``, broadcasting and promoting dtypes as torch does."""
    if type(alpha) is not int or alpha != 1:
        other = _times_alpha(input, other, alpha)
    a, b = promote(input, other)
    if not isinstance(a, Tensor):  # scalar + tensor: addition commutes
        a, b = b, a
    return Add.apply(a, b)


@accepts_out
def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other``."""
    ib = input._data.dtype.kind == "b" if isinstance(input, Tensor) else type(input) is bool
    ob = other._data.dtype.kind == "b" if isinstance(other, Tensor) else type(other) is bool
    if ib or ob:
        raise _bool_subtraction(ib and ob)
    if type(alpha) is not int or alpha != 1:
        other = _times_alpha(input, other, alpha)
    a, b = promote(input, other)
    if not isinstance(a, Tensor):
        return Rsub.apply(a, b)
    return Sub.apply(a, b)


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    return sub(other, input, alpha=alpha)


@accepts_out
def mul(input, other) -> Tensor:
    """Elementwise product."""
    a, b = promote(input, other)
    if not isinstance(a, Tensor):
        a, b = b, a
    return Mul.apply(a, b)


multiply = mul


@accepts_out
def div(input, other, *, rounding_mode=None) -> Tensor:
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

    @_quiet
    def forward(ctx, a, b):
        _check_int_divisor(b)
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

    @_quiet
    def forward(ctx, a, b):
        if not (isinstance(b, np.ndarray) and b.dtype.kind in "iu" and (b < 0).any()):
            return np.power(a, b)
        # a negative integer power truncates toward zero: only 1 and -1 keep a magnitude
        neg = b < 0
        pos = np.power(a, np.where(neg, 0, b))
        small = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
        return np.where(neg, small, pos).astype(pos.dtype)


def float_power(input, exponent) -> Tensor:
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(input, exponent)


def square(input: Tensor) -> Tensor:
    return pow(input, 2)


# ---------------------------------------------------------------- unary maths
def _unary(cls):
    """The public function for a float-valued unary op: ints become floats first."""

    name = cls.__name__.lower()

    apply = cls.apply

    def fn(input: Tensor, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        result = apply(as_float(input))
        return result if out is None else write_out(name, out, result, (input,))

    fn.__name__ = name
    fn.__doc__ = cls.__doc__
    return fn


class Exp(_Op):
    """e ** x."""

    array_backward = True

    @_quiet
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

    array_backward = True

    @_quiet
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

    array_backward = True

    @_quiet
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

    array_backward = True

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log2(_Op):
    """Base-2 logarithm."""

    array_backward = True

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2.0))


class Log10(_Op):
    """Base-10 logarithm."""

    array_backward = True

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10.0))


class Log1p(_Op):
    """log(1 + x), accurate near 0."""

    array_backward = True

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Sqrt(_Op):
    """Square root."""

    array_backward = True

    @_quiet
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

    array_backward = True

    @_quiet
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

    array_backward = True

    @_quiet
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

    array_backward = True

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

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)


class Acos(_Op):
    """Inverse cosine."""

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * rsqrt(1 - x * x)


class Atan(_Op):
    """Inverse tangent."""

    array_backward = True

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
        recip = reciprocal(a * a + b * b)
        recip = where(isinf(recip), 0.0, recip)  # at the origin the gradient is 0, as in torch
        need_a, need_b = ctx.needs_input_grad
        return (grad * b * recip if need_a else None), (-grad * a * recip if need_b else None)


class Sinh(_Op):
    """Hyperbolic sine."""

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cosh(x)


class Cosh(_Op):
    """Hyperbolic cosine."""

    @_quiet
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sinh(x)


class Tanh(_Op):
    """Hyperbolic tangent; d/dx = 1 - tanh(x)**2."""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = xp.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


# (largest exponent e**t with t safely below overflow, 1) in each float dtype
_SIGMOID_CAP = {np.dtype(d).char: (np.dtype(d).type(cap), np.dtype(d).type(1))
                for d, cap in (("float16", 11.0), ("float32", 88.0), ("float64", 709.0))}


class Sigmoid(_Op):
    """1 / (1 + e**-x); d/dx = s(1 - s)."""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        # e**-x is capped just below the dtype's overflow: past it 1/(1+e) is 0
        # to within the smallest normal number anyway, and no warning is raised.
        # In place on one buffer: on small tensors each ufunc call is the cost.
        cap, one = _SIGMOID_CAP[x.dtype.char]
        out = xp.negative(x)
        if type(out) is not xp.ndarray:  # a 0-d input gives a NumPy scalar
            out = xp.asarray(out)
        xp.minimum(out, cap, out=out)
        xp.exp(out, out=out)
        xp.add(out, one, out=out)
        xp.reciprocal(out, out=out)
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
        # zero where out <= 0: a nan input passes its gradient on, as in torch
        (out,) = ctx.saved_tensors
        return grad * (out <= 0).logical_not()

    @staticmethod
    def backward_arrays(ctx, grad):
        # the mask cast to the gradient's dtype first: a ufunc given a float and
        # a bool array casts the bool in small buffered chunks (on 2M elements,
        # timeit: 1.6-2.0 ms this way against 2.0-2.4 ms for grad * mask)
        (out,) = ctx.saved_tensors
        keep = xp.less_equal(out, 0, out=xp.empty(out.shape, bool))  # out=: an array even when 0-d
        xp.logical_not(keep, out=keep)
        mask = keep.astype(grad.dtype)
        return xp.multiply(grad, mask, out=mask)


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


# Coefficients of erf(x) = 2/sqrt(pi) e^(-x^2) sum_n c_n x^(2n+1) with c_n = 2^n / (1*3*...*(2n+1)):
# every term is positive, so the sum has no cancellation.
_ERF_SERIES = [1.0]
for _n in range(1, 96):
    _ERF_SERIES.append(_ERF_SERIES[-1] * 2.0 / (2 * _n + 1))


def _erf_terms(m: float, tol: float) -> int:
    """How many series terms reach relative accuracy ``tol`` for every |x| <= m."""
    term = total = m
    n = 0
    while term > tol * total and n < len(_ERF_SERIES) - 1:
        term *= 2.0 * m * m / (2 * n + 3)
        total += term
        n += 1
    return n


def _erf(x):
    """erf in float64 to about 1e-15 relative error, vectorised, without SciPy.

    |x| < 2: the positive series above, by Horner's rule.
    2 <= |x| < 6: erf = 1 - erfc, with erfc from its continued fraction
    erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
    |x| >= 6: erfc(x) < 2e-17, below float64's resolution at 1, so erf = +-1.
    """
    tol = 1e-17 if x.dtype == np.float64 else 1e-9
    shape, x = x.shape, x.reshape(-1)  # 1-D, so that masks can index it even for 0-d input
    ax = np.abs(x.astype(np.float64, copy=False))
    out = np.where(ax >= 6.0, 1.0, np.nan)  # NaN stays NaN: it is in no range below
    for lo, hi in ((0.0, 1.0), (1.0, 2.0)):  # small arguments need fewer terms
        sel = (ax >= lo) & (ax < hi)
        v = ax[sel]
        if v.size == 0:
            continue
        v2 = v * v
        n = _erf_terms(float(v.max()), tol)
        p = np.full_like(v, _ERF_SERIES[n])
        for k in range(n - 1, -1, -1):
            p *= v2
            p += _ERF_SERIES[k]
        out[sel] = (2 / _SQRT_PI) * v * np.exp(-v2) * p
    sel = (ax >= 2.0) & (ax < 6.0)
    v = ax[sel]
    if v.size:
        f = v.copy()
        for k in range(50 if v.min() < 3.0 else 25, 0, -1):  # fewer terms suffice further out
            np.divide(0.5 * k, f, out=f)
            f += v
        out[sel] = 1.0 - np.exp(-v * v) / (_SQRT_PI * f)
    return np.copysign(out, x).astype(x.dtype, copy=False).reshape(shape)


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
        return _zeros(grad, grad)


class Sign(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        out = xp.sign(x)
        if x.dtype.kind == "f":
            nan = xp.isnan(out)
            if nan.any():
                out = xp.where(nan, 0, out).astype(x.dtype, copy=False)  # torch: sign(nan) = 0
        return out


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

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad, grad), None


class Trunc(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return xp.trunc(x)


class Frac(_Op):
    """x - trunc(x); d/dx = 1."""

    array_backward = True

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


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input), in (-pi, pi]."""
    _both_tensors("atan2", input, other)
    a, b = promote(input, other, to_float=True)
    return Atan2.apply(a, b)


arctan2 = atan2


def relu(input: Tensor) -> Tensor:
    """max(x, 0)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(input)


def abs(input: Tensor) -> Tensor:  # noqa: A001
    """Absolute value, elementwise."""
    if input._data.dtype.kind == "b":
        raise _not_implemented("abs_cpu", input)
    if input._data.dtype.kind == "c":
        from .fft import complex_abs

        return complex_abs(input)
    return Abs.apply(input)


absolute = abs


def sign(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "b":
        return input.clone()
    return Sign.apply(input)


def _keep_ints(cls):
    """Rounding ops: integers are already whole, so they come back as a copy."""
    name = cls.__name__.lower()

    def fn(input: Tensor) -> Tensor:
        kind = input._data.dtype.kind
        if kind != "f":
            if kind == "b":
                raise _not_implemented(f"{name}_vml_cpu", input)
            return input.clone()
        return cls.apply(input)

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}; integer tensors are returned unchanged (as a copy)."
    return accepts_out(fn)


floor = _keep_ints(Floor)
ceil = _keep_ints(Ceil)
trunc = fix = _keep_ints(Trunc)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` decimal places."""
    kind = input._data.dtype.kind
    if kind != "f":
        if kind == "b":
            raise _not_implemented("round_vml_cpu", input)
        return input.clone()
    return Round.apply(input, decimals)


def frac(input: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)``, with the sign of x."""
    if input._data.dtype.kind != "f":
        raise _not_implemented("frac_cpu", input)
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
        need_x, need_lo, need_hi = ctx.needs_input_grad
        gx = glo = ghi = None
        if need_x:
            # the boundary itself lets the gradient through, as in torch
            if lo is None:
                inside = x <= hi
            elif hi is None:
                inside = x >= lo
            else:
                inside = logical_and(x >= lo, x <= hi)
            gx = where(inside, grad, 0.0)
        # When lo > hi the result is hi everywhere, so hi takes the gradient.
        if need_lo:
            took_lo = x < lo if hi is None else logical_and(x < lo, lo < hi)
            glo = where(took_lo, grad, 0.0)
        if need_hi:
            took_hi = x > hi if lo is None else logical_or(x > hi, hi < lo)
            ghi = where(took_hi, grad, 0.0)
        return gx, glo, ghi


@accepts_out
def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; either bound may be a number or a tensor."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if not isinstance(input, Tensor):
        raise TypeError(f"clamp(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
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
    if type(b) is int and x._data.dtype.kind in "iu":
        return _wrap_int(b, x._data.dtype)
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
        ga = where(cond, grad, 0.0) if need_a else None
        gb = where(cond, 0.0, grad) if need_b else None
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
                f"{_kind_name(cond) if isinstance(cond, Tensor) else type(cond).__name__}"
            )
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        d = _dt.result_type(input, other)
        input = Tensor._make(np.asarray(input, d.np), False, None, 0)
    a, b = promote(input, other)
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
        need_a, need_b = ctx.needs_input_grad
        share = _tie_share(grad, a, b)
        return (where(a < b, 0.0, share) if need_a else None,
                where(a > b, 0.0, share) if need_b else None)


class Minimum(_Op):
    """Elementwise min; ties split the gradient."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        share = _tie_share(grad, a, b)
        return (where(a > b, 0.0, share) if need_a else None,
                where(a < b, 0.0, share) if need_b else None)


def _tie_share(grad, a, b):
    """The gradient each side of a max/min may take: half of it where a == b.

    The loser's share is then masked to 0; a NaN compares false both ways, so
    with a NaN both sides keep the whole gradient, as in torch.
    """
    return where(a == b, grad * 0.5, grad)


def _both_tensors(name: str, input, other) -> None:
    for pos, (arg, t) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(t).__name__}")


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum of two tensors (NaN propagates)."""
    _both_tensors("maximum", input, other)
    a, b = promote(input, other)
    return Maximum.apply(a, b)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum of two tensors (NaN propagates)."""
    _both_tensors("minimum", input, other)
    a, b = promote(input, other)
    return Minimum.apply(a, b)


def fmax(input, other) -> Tensor:
    return where(isnan(other), input, where(isnan(input), other, maximum(input, other)))


def fmin(input, other) -> Tensor:
    return where(isnan(other), input, where(isnan(input), other, minimum(input, other)))


class Lerp(_Op):
    """start + weight * (end - start)."""

    array_backward = True

    @_quiet
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        diff = end - start
        # Measured from the nearer end, so weight 1 gives exactly ``end``.
        return xp.where(xp.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        gw = grad * (end - start) if ctx.needs_input_grad[2] else None
        return grad * (1 - weight), grad * weight, gw


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``; weight is a number or a tensor."""
    w = to_tensor_operand(weight)
    if input._data.dtype.kind != "f":
        raise _not_implemented("lerp_kernel_scalar" if not isinstance(w, Tensor) else "lerp_kernel_tensor", input)
    for name, t in (("end", end), ("weight", w)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {_dn(input)} for `{name}` but got dtype {_dn(t)}")
    _broadcast_shape(input, end)
    if isinstance(w, Tensor):
        _broadcast_shape(input, w)
    return Lerp.apply(input, end, w)


def _dn(t) -> str:
    """A dtype as torch's C++ messages spell it."""
    return _dt.CPP_TYPE_NAMES[t.dtype.name]


def _broadcast_shape(a: Tensor, b: Tensor) -> None:
    if a._data.shape != b._data.shape:
        broadcast_shape(a._data.shape, b._data.shape)


class NanToNum(_Op):
    """Replace NaN and infinities by finite numbers; the gradient passes where x was finite."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return where(isfinite(x), grad, 0.0), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """NaN becomes ``nan``, +-inf the given values (default: the dtype's largest finite values)."""
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

    def fn(input, other) -> Tensor:
        a, b = promote(input, other)
        return cls.apply(a, b)

    fn.__name__ = name
    fn.__doc__ = cls.__doc__
    return accepts_out(fn)


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
                raise _not_implemented(f"{name}_cpu", t)
        return cls.apply(a, b)

    fn.__name__ = name
    return fn


def _kind_name(t) -> str:
    from ..dtypes import SCALAR_TYPE_NAMES as _KIND_NAMES

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
    """Bitwise NOT of an integer tensor; logical NOT of a bool tensor."""
    if input._data.dtype.kind == "f":
        raise _not_implemented("bitwise_not_cpu", input)
    return BitwiseNot.apply(input)


def _invert(input: Tensor) -> Tensor:
    """The ``~`` operator."""
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
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{_kind_name(input)} did not match {_kind_name(other)}")
    _broadcast_shape(input, other)
    return Tensor._make(np.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan),
                        False, None, 0)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close: ``|a - b| <= atol + rtol * |b|``."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and the same values."""
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())
