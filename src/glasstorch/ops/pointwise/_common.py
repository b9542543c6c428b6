"""What every elementwise op shares: the base class, quiet forwards, zeros, conjugates."""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function
from ...backend import array_module
from .._util import Tensor


class _Op(Function):
    array_io = True


def _quiet(forward):
    """A forward that may make inf or NaN (log 0, x / 0) without NumPy's warnings, as torch does."""

    def run(ctx, *args):
        with np.errstate(all="ignore"):
            return forward(ctx, *args)

    run.__qualname__ = forward.__qualname__  # profiles name the op, not this wrapper
    return staticmethod(run)


def _is_array(v) -> bool:
    """Whether an operand is an array of some device (Python and NumPy scalars are not)."""
    return hasattr(v, "shape") and not isinstance(v, np.generic)


def _module_of(a, b=None):
    """The array module of whichever operand is an array (a binary op may get one number)."""
    return array_module(a if _is_array(a) else b)


def _zeros(like: Tensor, grad: Tensor) -> Tensor:
    """A constant zero gradient shaped like ``like`` (``grad * 0`` would turn inf into nan)."""
    xp = array_module(grad._data)
    return Tensor._make(xp.zeros(like._data.shape, grad._data.dtype), False, None, 0)


def _conj(x):
    """The conjugate of an array, Tensor or scalar operand (itself when real)."""
    if isinstance(x, Tensor):
        from ..fft import conj

        return conj(x)
    return x.conjugate() if isinstance(x, complex) or _is_array(x) else x
