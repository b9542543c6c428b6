"""Python's operators on Tensor (``+``, ``*``, ``==``, ``x[i]``, ``x += y``, ...).

This is the one place the operator methods are defined. They live in the
methods layer, above ``glasstorch.ops``, because each runs an op (``x + y``
is ``glasstorch.add(x, y)``, ``x[i]`` is indexing's ``getitem``), and
``tensor.py``, a layer below the ops, cannot import them without an import
circle. ``glasstorch`` imports this module, which attaches every function
below whose name is a dunder to :class:`Tensor`, with ``_cast``: the
recorded dtype cast that ``Tensor.float()``, ``Tensor.to()`` and every op's
type promotion call.
"""

from __future__ import annotations

from types import FunctionType

from . import dtypes as _dt
from . import ops as _ops
from ._grad_state import _tls
from .ops import indexing as _indexing
from .ops.pointwise import Add as _Add
from .ops.pointwise import Cast as _Cast
from .ops.pointwise import Div as _Div
from .ops.pointwise import Mul as _Mul
from .ops.pointwise import Rsub as _Rsub
from .ops.pointwise import Sub as _Sub
from .tensor import Tensor

__all__: list[str] = []  # attaches methods to Tensor; exports nothing


def _cast(self, d: _dt.dtype) -> Tensor:
    """This tensor as dtype ``d``, recorded (the gradient is cast back); itself if already ``d``."""
    if self._data.dtype == d.np:
        return self
    return _Cast.apply(self, d.np)


def _cast_np(self, np_dtype) -> Tensor:
    """:func:`_cast` to a NumPy dtype, always a new tensor."""
    return _Cast.apply(self, np_dtype)


def __setitem__(self, key, value) -> None:
    _indexing.index_put_(self, key, value)


def __getitem__(self, key) -> Tensor:
    return _indexing.getitem(self, key)


# The arithmetic operators take a shortcut when both operands are already of
# one float dtype and shape (the common case, and the whole of most backward
# formulas): straight to the op's Function, skipping promotion, or, when
# nothing is recorded, straight to the arrays. Anything else goes through
# the op's function in glasstorch.ops.
def __add__(self, other):
    if _needs_no_promotion(self, other):
        if not _tls.grad:  # nothing to record (no_grad, or a backward formula)
            a, b = self._data, other._data if isinstance(other, Tensor) else other
            return Tensor._make(a + b, False, None, 0)
        return _Add.apply(self, other)
    return _ops.add(self, other)


def __radd__(self, other):
    if _needs_no_promotion(self, other):
        if not _tls.grad:  # nothing to record (no_grad, or a backward formula)
            a, b = self._data, other._data if isinstance(other, Tensor) else other
            return Tensor._make(b + a, False, None, 0)
        return _Add.apply(self, other)
    return _ops.add(other, self)


def __sub__(self, other):
    if _needs_no_promotion(self, other):
        if not _tls.grad:  # nothing to record (no_grad, or a backward formula)
            a, b = self._data, other._data if isinstance(other, Tensor) else other
            return Tensor._make(a - b, False, None, 0)
        return _Sub.apply(self, other)
    return _ops.sub(self, other)


def __rsub__(self, other):
    if _needs_no_promotion(self, other) and not isinstance(other, Tensor):
        if not _tls.grad:
            return Tensor._make(other - self._data, False, None, 0)
        return _Rsub.apply(other, self)
    return _ops.sub(other, self)


def __mul__(self, other):
    if _needs_no_promotion(self, other):
        if not _tls.grad:  # nothing to record (no_grad, or a backward formula)
            a, b = self._data, other._data if isinstance(other, Tensor) else other
            return Tensor._make(a * b, False, None, 0)
        return _Mul.apply(self, other)
    return _ops.mul(self, other)


def __rmul__(self, other):
    if _needs_no_promotion(self, other):
        if not _tls.grad:  # nothing to record (no_grad, or a backward formula)
            a, b = self._data, other._data if isinstance(other, Tensor) else other
            return Tensor._make(b * a, False, None, 0)
        return _Mul.apply(self, other)
    return _ops.mul(other, self)


def __truediv__(self, other):
    if _needs_no_promotion(self, other):
        if not _tls.grad:  # nothing to record (no_grad, or a backward formula)
            a, b = self._data, other._data if isinstance(other, Tensor) else other
            return Tensor._make(a / b, False, None, 0)
        return _Div.apply(self, other)
    return _ops.div(self, other)


def __rtruediv__(self, other):
    return _ops.div(other, self)


def __floordiv__(self, other):
    return _ops.floor_divide(self, other)


def __rfloordiv__(self, other):
    return _ops.floor_divide(other, self)


def __mod__(self, other):
    return _ops.remainder(self, other)


def __rmod__(self, other):
    return _ops.remainder(other, self)


def __pow__(self, other):
    return _ops.pow(self, other)


def __rpow__(self, other):
    return _ops.pow(other, self)


def __matmul__(self, other):
    return _ops.matmul(self, other)


def __rmatmul__(self, other):
    return _ops.matmul(other, self)


def __neg__(self):
    return _ops.neg(self)


def __pos__(self):
    return self


def __abs__(self):
    return _ops.abs(self)


def __invert__(self):
    return _ops.pointwise._invert(self)


def __and__(self, other):
    return _ops.bitwise_and(self, other)


__rand__ = __and__


def __or__(self, other):
    return _ops.bitwise_or(self, other)


__ror__ = __or__


def __xor__(self, other):
    return _ops.bitwise_xor(self, other)


__rxor__ = __xor__


def __eq__(self, other):
    return _ops.eq(self, other)


def __ne__(self, other):
    return _ops.ne(self, other)


def __lt__(self, other):
    return _ops.lt(self, other)


def __le__(self, other):
    return _ops.le(self, other)


def __gt__(self, other):
    return _ops.gt(self, other)


def __ge__(self, other):
    return _ops.ge(self, other)


def __iadd__(self, other):
    return self.add_(other)


def __isub__(self, other):
    return self.sub_(other)


def __imul__(self, other):
    return self.mul_(other)


def __itruediv__(self, other):
    return self.div_(other)


def __ifloordiv__(self, other):
    return self._inplace(_ops.floor_divide, other)


def __imod__(self, other):
    return self._inplace(_ops.remainder, other)


def __ipow__(self, other):
    return self.pow_(other)


def __iand__(self, other):
    return self._inplace(_ops.bitwise_and, other)


def __ior__(self, other):
    return self._inplace(_ops.bitwise_or, other)


def __ixor__(self, other):
    return self._inplace(_ops.bitwise_xor, other)


def _needs_no_promotion(t, other) -> bool:
    """Whether ``t <op> other`` can skip promotion: a float tensor with a float
    tensor of the same dtype and shape, or with a Python int or float."""
    d = t._data.dtype
    if d.kind != "f":
        return False
    k = type(other)
    if k is float or k is int:
        return True
    return isinstance(other, Tensor) and other._data.dtype == d and other._data.shape == t._data.shape


# Attach: every function above named like a dunder is the Tensor method of that name.
for _name, _method in list(globals().items()):
    if _name.startswith("__") and isinstance(_method, FunctionType):
        if _method.__name__ == _name:  # not an alias such as __rand__ = __and__
            _method.__qualname__ = f"Tensor.{_name}"
        setattr(Tensor, _name, _method)
Tensor._cast = _cast
Tensor._cast_np = _cast_np
