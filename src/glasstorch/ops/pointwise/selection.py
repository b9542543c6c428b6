"""Ops that pick or blend values: clamp, where, maximum/minimum, lerp, nan_to_num."""

from __future__ import annotations

from ... import dtypes as _dt
from ...backend import array_module
from .._util import Tensor, _wrap_int, broadcast_shape, promote, to_tensor_operand, write_out
from . import checks
from ._common import _Op, _quiet
from .compare import isfinite, isnan, logical_and, logical_or

__all__ = ["Clamp", "Where", "Maximum", "Minimum", "Lerp", "NanToNum", "clamp", "clip", "clamp_min",
           "clamp_max", "where", "maximum", "minimum", "fmax", "fmin", "lerp", "nan_to_num"]


class Clamp(_Op):
    """Limit x to [lo, hi]; the gradient passes where x is inside the bounds."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = array_module(x)
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


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; both bounds are numbers or both tensors (or None)."""
    result = _clamp(input, min, max)
    if out is None:
        return result
    # torch casts into out only when a bound is a tensor
    exact = None if isinstance(min, Tensor) or isinstance(max, Tensor) else "found"
    return write_out("clamp", out, result, (input, min, max), exact)


def _clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    min, max = checks.check_clamp(input, min, max)  # noqa: A001
    x = input
    if isinstance(min, Tensor) and isinstance(max, Tensor):
        broadcast_shape(broadcast_shape(input._data.shape, min._data.shape), max._data.shape)
        x = input._cast(_dt.result_type(input, min, max))  # the three promote together (0-d tensors weaker)
    else:
        for bound in (min, max):
            if bound is not None:
                x, _ = promote(x, bound)
    return Clamp.apply(x, _bound(min, x), _bound(max, x))


def _bound(b, x):
    """A bound in the dtype of x (an int bound wraps into an integer tensor's range, as torch casts)."""
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
        return array_module(a).where(cond, a, b)

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
        from ..indexing import nonzero

        return nonzero(condition, as_tuple=True)
    cond = checks.where_condition(condition)
    xp = array_module(cond._data)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor._make(xp.asarray(input, _dt.result_type(input, other).np), False, None, 0)
    # a number that takes an integer tensor's dtype must fit it, as torch checks (-1 wraps into uint8)
    if isinstance(input, Tensor) and type(other) is int:
        checks.check_fits(other, input.dtype)
    elif isinstance(other, Tensor) and type(input) is int:
        checks.check_fits(input, other.dtype)
    a, b = promote(input, other)
    if not isinstance(a, Tensor):
        a = Tensor._make(xp.asarray(a, b._data.dtype), False, None, 0)
    if not isinstance(b, Tensor):
        b = Tensor._make(xp.asarray(b, a._data.dtype), False, None, 0)
    if not (cond._data.shape == a._data.shape == b._data.shape):  # torch's error, not NumPy's
        broadcast_shape(broadcast_shape(cond._data.shape, a._data.shape), b._data.shape)
    return Where.apply(cond, a, b)


class Maximum(_Op):
    """Elementwise max; on ties the gradient is split in half, as in torch."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return array_module(a).maximum(a, b)

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
        return array_module(a).minimum(a, b)

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


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum of two tensors (NaN propagates)."""
    checks.check_both_tensors("maximum", input, other)
    a, b = promote(input, other)
    return Maximum.apply(a, b)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum of two tensors (NaN propagates)."""
    checks.check_both_tensors("minimum", input, other)
    a, b = promote(input, other)
    return Minimum.apply(a, b)


def fmax(input, other) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    return where(isnan(other), input, where(isnan(input), other, maximum(input, other)))


def fmin(input, other) -> Tensor:
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    return where(isnan(other), input, where(isnan(input), other, minimum(input, other)))


class Lerp(_Op):
    """start + weight * (end - start)."""

    array_backward = True

    @_quiet
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        xp = array_module(start)
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
    checks.check_lerp(input, end, w)
    if isinstance(w, Tensor) and w._data.dtype != input._data.dtype:  # a 0-d weight of another dtype
        out = _dt.result_type(input, end, w)  # it promotes like a 0-d operand
        input, end, w = input._cast(out), end._cast(out), w._cast(out)
    return Lerp.apply(input, end, w)


class NanToNum(_Op):
    """Replace NaN and infinities by finite numbers; the gradient passes where x was finite."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return array_module(x).nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return where(isfinite(x), grad, 0.0), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """NaN becomes ``nan``, +-inf the given values (default: the dtype's largest finite values)."""
    if input._data.dtype.kind != "f":
        return input.clone()
    return NanToNum.apply(input, nan, posinf, neginf)
