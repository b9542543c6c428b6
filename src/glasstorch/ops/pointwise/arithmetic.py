"""Arithmetic: casts, + - * /, powers, integer division and remainders, atan2."""

from __future__ import annotations

import math

import numpy as np

from ... import dtypes as _dt
from ...backend import array_module
from .._util import Tensor, accepts_out, as_float, promote, to_tensor_operand, write_out
from . import checks
from ._common import _conj, _is_array, _module_of, _Op, _quiet, _zeros
from .compare import isinf, logical_and
from .piecewise import floor, trunc
from .selection import where
from .unary import log, reciprocal

__all__ = ["Cast", "Add", "Sub", "Rsub", "Mul", "Div", "Neg", "PowScalar", "Pow", "RPowScalar", "FloorDivide",
           "Remainder", "Fmod", "Atan2", "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide",
           "true_divide", "floor_divide", "remainder", "fmod", "neg", "negative", "pow", "float_power", "square",
           "atan2", "arctan2"]


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


# ---------------------------------------------------------------- + - * /
_CONSTS: dict = {}
_NUMBERS = (float, int, bool)


def _operand(b, a, wide: bool = False):
    """``b`` ready to combine with array ``a``. A Python number becomes a 0-d
    array of ``a``'s float dtype and array module (cached): NumPy combines an
    array with a 0-d array about twice as fast as with a Python float, which
    it converts on every call. The value is the same either way: the number is
    cast to the tensor's dtype, as in torch. ``wide``: with a half tensor the
    number is float32, as torch's product of half and a number is computed in
    float32 (rounded once by the caller). Zero is left alone so -0.0 keeps its sign."""
    if type(b) not in _NUMBERS or not b or a.dtype.kind != "f":
        return b
    key = (b, a.dtype.char, type(a), wide)
    c = _CONSTS.get(key)
    if c is None:
        if len(_CONSTS) > 256:
            _CONSTS.clear()
        c = _CONSTS[key] = array_module(a).asarray(b, np.float32 if wide and a.dtype == np.float16 else a.dtype)
        if isinstance(c, np.ndarray):
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
        c = _operand(b, a, True)
        out = a * c
        if out.dtype is not a.dtype:  # a half tensor times a number: the backward multiplies by the number
            ctx.save_for_backward(a, b)
            return out.astype(a.dtype)
        ctx.save_for_backward(a, c)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if grad.dtype.is_complex if isinstance(grad, Tensor) else grad.dtype.kind == "c":
            a, b = _conj(a), _conj(b)  # torch's convention for complex gradients: g * conj(other)
        need_a, need_b = ctx.needs_input_grad
        if need_a and type(b) in _NUMBERS and _is_array(grad) and grad.dtype == np.float16:
            return (grad * np.float32(b)).astype(grad.dtype), None  # in float32, as the forward
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(_Op):
    array_backward = True
    scalar_operands = True

    @_quiet
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if type(b) in _NUMBERS and a.dtype == np.float16:  # computed in float32, rounded once (torch)
            return (a / np.float32(b)).astype(a.dtype)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if grad.dtype.is_complex if isinstance(grad, Tensor) else grad.dtype.kind == "c":
            a, b = _conj(a), _conj(b)  # as Mul: the conjugates of the partial derivatives
        need_a, need_b = ctx.needs_input_grad
        if need_a and type(b) in _NUMBERS and _is_array(grad) and grad.dtype == np.float16:
            ga = (grad / np.float32(b)).astype(grad.dtype)  # in float32, as the forward
        else:
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


def _times_alpha(input, other, alpha, negated: bool = False):
    """``alpha * other`` in the dtype of the result (torch scales after promoting, so
    ``alpha=-1`` on a uint8 ``other`` added to a float tensor gives negatives). ``negated``:
    the caller subtracts, and torch checks ``-alpha`` against the result's type."""
    out = checks.alpha_dtype(input, other, alpha, negated)
    if out is _dt.bool:
        alpha = bool(alpha)
        if not isinstance(other, Tensor):  # a bool times a bool stays a bool (Python would make an int)
            return bool(other) and alpha
    if not isinstance(other, Tensor):
        if out is _dt.float16 and type(other) in (int, float):
            other = float(np.float16(other))  # torch casts the number to half before scaling it
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
    checks.check_no_bool_subtraction(input, other)
    if type(alpha) is not int or alpha != 1:
        other = _times_alpha(input, other, alpha, negated=True)
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
    checks.check_rounding_mode(rounding_mode)
    if rounding_mode is None:
        a, b = promote(input, other, to_float=True)
        if not isinstance(a, Tensor):
            return mul(reciprocal(b), a)
        return Div.apply(a, b)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    a, b = promote(input, other)
    if any(isinstance(t, Tensor) and t._data.dtype.kind == "f" for t in (a, b)):
        return trunc(div(a, b))
    return _TruncInt.apply(a, b)


divide = true_divide = div


def neg(input: Tensor) -> Tensor:
    checks.check_no_bool_negation(input)
    return Neg.apply(input)


negative = neg


# ---------------------------------------------------------------- integer division, remainders
class FloorDivide(_Op):
    differentiable = False

    @_quiet
    def forward(ctx, a, b):
        checks.check_int_divisor(b, a)
        return _module_of(a, b).floor_divide(a, b)


class _TruncInt(_Op):
    """Integer division rounding toward zero."""

    differentiable = False

    @_quiet
    def forward(ctx, a, b):
        checks.check_int_divisor(b, a)
        xp = _module_of(a, b)
        # floor division, one up where it rounded a negative inexact quotient down (no abs():
        # it overflows at the integer minimum)
        q = xp.floor_divide(a, b)
        inexact = q * b != a
        return xp.where(inexact & ((xp.asarray(a) < 0) ^ (xp.asarray(b) < 0)), q + 1, q).astype(xp.result_type(a, b))


class Remainder(_Op):
    """Python's ``%`` (sign of the divisor); d/da = 1, d/db = -floor(a/b)."""

    @_quiet
    def forward(ctx, a, b):
        if not (_is_array(a) and a.dtype.kind == "f"):
            checks.check_int_divisor(b, a)
        ctx.save_for_backward(a, b)
        return _module_of(a, b).remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * floor(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class Fmod(_Op):
    """C's fmod (sign of the dividend)."""

    @_quiet
    def forward(ctx, a, b):
        if not (_is_array(a) and a.dtype.kind == "f"):
            checks.check_int_divisor(b, a)
        ctx.save_for_backward(a, b)
        return _module_of(a, b).fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * trunc(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


def floor_divide(input, other) -> Tensor:
    a, b = promote(input, other)
    return FloorDivide.apply(a, b)


def remainder(input, other) -> Tensor:
    a, b = promote(input, other)
    return Remainder.apply(a, b)


def fmod(input, other) -> Tensor:
    a, b = promote(input, other)
    return Fmod.apply(a, b)


# ---------------------------------------------------------------- powers
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
        out = array_module(x).asarray(c, dtype=x.dtype) ** x
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


class _IntPow(_Op):
    """Integer powers (not differentiable)."""

    differentiable = False

    @_quiet
    def forward(ctx, a, b):
        xp = _module_of(a, b)
        if not (_is_array(b) and b.dtype.kind in "iu" and (b < 0).any()):
            return xp.power(a, b)
        # a negative integer power truncates toward zero: only 1 and -1 keep a magnitude
        neg = b < 0
        pos = xp.power(a, xp.where(neg, 0, b))
        small = xp.where(a == 1, 1, xp.where(a == -1, xp.where(b % 2 == 0, 1, -1), 0))
        return xp.where(neg, small, pos).astype(pos.dtype)


@accepts_out
def pow(input, exponent) -> Tensor:  # noqa: A001 - torch's name
    """``input ** exponent``; either may be a number."""
    input = to_tensor_operand(input)
    exponent = to_tensor_operand(exponent)
    if not isinstance(input, Tensor):
        base = input
        exponent = as_float(exponent) if isinstance(base, float) else exponent
        if exponent._data.dtype.kind != "f":
            xp = array_module(exponent._data)
            # a base the dtype cannot hold wraps around, as torch's conversion does (300 -> 44 in uint8)
            return _IntPow.apply(xp.asarray(base).astype(exponent._data.dtype), exponent)
        return RPowScalar.apply(base, exponent)
    if isinstance(exponent, Tensor):
        a, b = promote(input, exponent)
        if a._data.dtype.kind != "f":
            return _IntPow.apply(a, b)
        return Pow.apply(a, b)
    if input._data.dtype.kind == "b" and type(exponent) is bool:  # stays bool: x ** True = x, x ** False = 1
        xp = array_module(input._data)
        data = input._data.copy() if exponent else xp.ones_like(input._data)
        return Tensor._make(data, False, None, 0)
    if input._data.dtype.kind in "iub":  # before promotion wraps -1 into a uint8's range
        checks.check_int_power(exponent)
        checks.check_int_exponent_fits(input, exponent)
    x, c = promote(input, exponent)
    if x._data.dtype.kind != "f":
        checks.check_int_power(c)
        return _IntPow.apply(x, c)
    return PowScalar.apply(x, c)


def float_power(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` computed in float64."""
    operands = (input, exponent)
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    result = pow(input, exponent)
    if out is None:
        return result
    if isinstance(out, Tensor) and out.dtype != result.dtype:  # no cast into out, unlike pow
        raise RuntimeError(f"the output given to float_power has dtype {checks.kind_name(out)} but the "
                           f"operation's result requires dtype {checks.kind_name(result)}")
    return write_out("pow", out, result, operands)  # torch names pow in out='s messages


def square(input: Tensor) -> Tensor:
    """``input ** 2``."""
    return pow(input, 2)


# ---------------------------------------------------------------- atan2
class Atan2(_Op):
    """atan2(a, b): the angle of the point (b, a)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return array_module(a).arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        recip = reciprocal(a * a + b * b)
        recip = where(isinf(recip), 0.0, recip)  # at the origin the gradient is 0, as in torch
        need_a, need_b = ctx.needs_input_grad
        return (grad * b * recip if need_a else None), (-grad * a * recip if need_b else None)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input), in (-pi, pi]."""
    checks.check_both_tensors("atan2", input, other)
    a, b = promote(input, other, to_float=True)
    return Atan2.apply(a, b)


arctan2 = atan2
