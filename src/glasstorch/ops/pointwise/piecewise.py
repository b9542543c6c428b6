"""Piecewise ops: relu, abs, sign and rounding (flat almost everywhere)."""

from __future__ import annotations

import numpy as np

from ...backend import array_module
from .._util import Tensor, write_out
from . import checks
from ._common import _Op, _zeros

__all__ = ["Relu", "Abs", "Sign", "Floor", "Ceil", "Round", "Trunc", "Frac", "relu", "abs", "absolute", "sign",
           "floor", "ceil", "trunc", "fix", "round", "frac"]


class Relu(_Op):
    """max(x, 0); the gradient at 0 is 0, as in torch."""

    node_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        out = array_module(x).maximum(x, 0)
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
        xp = array_module(out)
        keep = xp.less_equal(out, 0, out=xp.empty(out.shape, bool))  # out=: an array even when 0-d
        xp.logical_not(keep, out=keep)
        mask = keep.astype(grad.dtype)
        return xp.multiply(grad, mask, out=mask)


class Abs(_Op):
    """|x|; the gradient at 0 is 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return array_module(x).abs(x)

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
        xp = array_module(x)
        out = xp.sign(x)
        if x.dtype.kind == "f":
            nan = xp.isnan(out)
            if nan.any():
                out = xp.where(nan, 0, out).astype(x.dtype, copy=False)  # torch: sign(nan) = 0
        return out


class Floor(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).floor(x)


class Ceil(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).ceil(x)


class Round(_Piecewise):
    @staticmethod
    def forward(ctx, x, decimals=0):
        xp = array_module(x)
        if decimals and x.dtype == np.float16:  # torch scales and rounds in float32, then casts once
            with np.errstate(over="ignore"):
                return xp.round(x.astype(np.float32), decimals).astype(np.float16)
        return xp.round(x, decimals)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad, grad), None


class Trunc(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return array_module(x).trunc(x)


class Frac(_Op):
    """x - trunc(x); d/dx = 1."""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return x - array_module(x).trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def relu(input: Tensor) -> Tensor:
    """max(x, 0)."""
    checks.check_relu(input)
    return Relu.apply(input)


def abs(input: Tensor) -> Tensor:  # noqa: A001
    """Absolute value, elementwise."""
    checks.check_not_bool("abs_cpu", input)
    if input._data.dtype.kind == "c":
        from ..fft import complex_abs

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

    def fn(input: Tensor, *, out=None) -> Tensor:
        if isinstance(out, Tensor) and out.dtype != input.dtype:  # no cast into out, checked first (as torch)
            raise RuntimeError(f"Found dtype {checks.kind_name(out)} but expected {checks.kind_name(input)}")
        if input._data.dtype.kind != "f":
            checks.check_not_bool(f"{name}_vml_cpu", input)
            result = input.clone()
        else:
            result = cls.apply(input)
        return result if out is None else write_out(name, out, result, (input,))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}; integer tensors are returned unchanged (as a copy)."
    return fn


floor = _keep_ints(Floor)
ceil = _keep_ints(Ceil)
trunc = fix = _keep_ints(Trunc)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` decimal places."""
    if input._data.dtype.kind != "f":
        checks.check_not_bool("round_vml_cpu", input)
        return input.clone()
    return Round.apply(input, decimals)


def frac(input: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)``, with the sign of x."""
    if input._data.dtype.kind != "f":
        raise checks.not_implemented("frac_cpu", input)
    return Frac.apply(input)
