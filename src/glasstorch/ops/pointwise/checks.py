"""Argument checks of the elementwise ops: torch's exception types and messages.

Each check raises before anything is computed, so the ops read "check, then
compute". The dtype names in messages are torch's (``Float``, ``Long``, ...).
"""

from __future__ import annotations

import numpy as np

from ... import dtypes as _dt
from ...dtypes import CPP_TYPE_NAMES
from ...dtypes import SCALAR_TYPE_NAMES as _KIND_NAMES
from .._util import Tensor, broadcast_shape, to_tensor_operand
from ..creation import check_fits
from ._common import _is_array


def kind_name(t) -> str:
    """A tensor's dtype as torch names it in messages (``Float``, ``Long``, ``Bool``)."""
    return _KIND_NAMES[t.dtype.name]


def not_implemented(op: str, t: Tensor) -> NotImplementedError:
    """torch's error for a kernel that has no version for this dtype."""
    return NotImplementedError(f'"{op}" not implemented for \'{kind_name(t)}\'')


def cpp_dtype_name(t) -> str:
    """A dtype as torch's C++ messages spell it."""
    return CPP_TYPE_NAMES[t.dtype.name]


def not_a_tensor(name: str, input, arg: str = "input", pos: int = 1) -> TypeError:
    """torch's error for a non-Tensor where its signature wants a Tensor."""
    return TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(input).__name__}")


def check_tensor(name: str, input, arg: str = "input", pos: int = 1) -> None:
    """A Tensor where torch's signature wants one."""
    if not isinstance(input, Tensor):
        raise not_a_tensor(name, input, arg, pos)


def check_both_tensors(name: str, input, other) -> None:
    check_tensor(name, input)
    check_tensor(name, other, "other", 2)


def check_broadcast(a: Tensor, b: Tensor) -> None:
    """The two shapes broadcast, or torch's message naming the clash."""
    if a._data.shape != b._data.shape:
        broadcast_shape(a._data.shape, b._data.shape)


def _is_bool(x) -> bool:
    return x._data.dtype.kind == "b" if isinstance(x, Tensor) else type(x) is bool


def check_no_bool_subtraction(input, other) -> None:
    """torch refuses ``-`` on bools and points to the operator meant instead."""
    ib, ob = _is_bool(input), _is_bool(other)
    if ib and ob:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if ib or ob:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def check_no_bool_negation(input: Tensor) -> None:
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )


def alpha_dtype(input, other, alpha, negated: bool = False) -> _dt.dtype:
    """The dtype ``alpha * other`` is computed in (the result's), once alpha is checked against it."""
    out = _dt.result_type(to_tensor_operand(input), to_tensor_operand(other))
    if isinstance(alpha, bool) and out is not _dt.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and not out.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if type(alpha) is int:
        value = -alpha if negated else alpha
        if negated and value == 2 ** 63:  # torch negates alpha as an int64: -(-2^63) wraps around to itself
            value = -(2 ** 63)
        check_fits(value, out)
    return out


def check_rounding_mode(rounding_mode) -> None:
    if rounding_mode not in (None, "floor", "trunc"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )


def check_int_divisor(b, a=None) -> None:
    """Integer division by zero is an error in torch (NumPy would return 0 with a warning),
    unless the result is empty: torch's kernel then never runs."""
    if _is_array(a) and (a.size == 0 or a.dtype.kind == "f"):
        return
    if _is_array(b):
        if b.dtype.kind in "iub" and b.size and not b.all():
            raise RuntimeError("ZeroDivisionError")
    elif type(b) in (int, bool) and b == 0:
        raise RuntimeError("ZeroDivisionError")


def check_int_power(c) -> None:
    if isinstance(c, int) and c < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def check_int_exponent_fits(input: Tensor, exponent) -> None:
    """An integer tensor raised to a Python int: torch first converts the exponent to the tensor's dtype."""
    if input._data.dtype.kind in "iu" and isinstance(exponent, (int, np.integer)) and not isinstance(exponent, bool):
        check_fits(exponent, input.dtype)


def check_relu(input: Tensor) -> None:
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")


def check_not_bool(op: str, input: Tensor) -> None:
    """Kernels torch has for numbers but not for bools (abs, floor, round, ...)."""
    if input._data.dtype.kind == "b":
        raise not_implemented(op, input)


def check_not_float(op: str, *operands) -> None:
    """Bitwise kernels: integers and bools only."""
    for t in operands:
        if isinstance(t, Tensor) and t._data.dtype.kind == "f":
            raise not_implemented(op, t)


def check_invertible(input: Tensor) -> None:
    """The ``~`` operator's own message."""
    if input._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")


def check_clamp(input, min, max):  # noqa: A002
    """torch's two overloads: tensor bounds, or number bounds (a 0-d tensor passes for a number).
    Returns the bounds as the op takes them: a 0-d tensor beside a number becomes a number."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    check_tensor("clamp", input)
    if (isinstance(min, Tensor) and max is not None and not isinstance(max, Tensor)) or (
            isinstance(max, Tensor) and min is not None and not isinstance(min, Tensor)):
        if any(isinstance(b, Tensor) and b._data.ndim for b in (min, max)):
            got = ", ".join(type(v).__name__ if not isinstance(v, Tensor) else "Tensor" for v in (input, min, max))
            raise TypeError(f"clamp() received an invalid combination of arguments - got ({got}), but expected one "
                            "of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                            " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)")
        min, max = (b.item() if isinstance(b, Tensor) else b for b in (min, max))  # noqa: A001
    if input._data.dtype.kind in "iu":  # an int bound must fit the integer dtype
        for b in (min, max):
            if type(b) is int:
                check_fits(b, input.dtype)
    return min, max


def where_condition(condition) -> Tensor:
    """``where``'s condition as a bool tensor (uint8 is accepted, as in torch), or torch's error."""
    cond = to_tensor_operand(condition)
    if isinstance(cond, Tensor) and cond._data.dtype.kind == "b":
        return cond
    if isinstance(cond, Tensor) and cond._data.dtype == np.uint8:
        return cond.bool()
    raise RuntimeError(
        f"where expected condition to be a boolean tensor, but got a tensor with dtype "
        f"{kind_name(cond) if isinstance(cond, Tensor) else type(cond).__name__}"
    )


def check_lerp(input: Tensor, end: Tensor, weight) -> None:
    """Floating inputs of one dtype (a 0-d weight may differ), with shapes that broadcast."""
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype and (name == "end" or t._data.ndim):
            raise RuntimeError(f"expected dtype {cpp_dtype_name(input)} for `{name}` but got dtype "
                               f"{cpp_dtype_name(t)}")
    if input._data.dtype.kind != "f":
        raise not_implemented("lerp_kernel_scalar" if not isinstance(weight, Tensor) else "lerp_kernel_tensor",
                              input)
    check_broadcast(input, end)
    if isinstance(weight, Tensor):  # against the shape input and end broadcast to (torch's order)
        broadcast_shape(broadcast_shape(input._data.shape, end._data.shape), weight._data.shape)


def check_same_dtype(input: Tensor, other: Tensor) -> None:
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{kind_name(input)} did not match {kind_name(other)}")
