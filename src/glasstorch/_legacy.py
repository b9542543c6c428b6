"""torch's legacy tensor types: ``torch.FloatTensor(2, 3)``, ``torch.LongTensor([1, 2])``,
``isinstance(t, torch.FloatTensor)``.

Each is a class over one dtype: called with sizes it makes a tensor of that
shape (zeros, as glasstorch's ``empty``), with a sequence it makes a tensor of
those values; ``isinstance`` asks whether a tensor has that dtype.
"""

from __future__ import annotations

from . import dtypes as _dt
from .tensor import Size, Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
           "CharTensor", "ByteTensor", "BoolTensor"]


class _LegacyType(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args):
        from .ops.creation import tensor, zeros

        if len(args) == 1 and isinstance(args[0], (Size, tuple)) and all(type(n) is int for n in args[0]):
            args = tuple(args[0])
        if all(type(n) is int for n in args):  # sizes (none: an empty tensor)
            return zeros(*args, dtype=cls.dtype) if args else zeros(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {args[0].dtype})")
            return args[0]
        if len(args) == 1 and isinstance(args[0], (list, tuple)) or hasattr(args[0], "__array__"):
            return tensor(args[0], dtype=cls.dtype)
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _make(name: str, dtype) -> type:
    return _LegacyType(name, (), {"dtype": dtype, "__doc__": f"Tensors of dtype {dtype} (torch's legacy type)."})


FloatTensor = _make("FloatTensor", _dt.float32)
DoubleTensor = _make("DoubleTensor", _dt.float64)
HalfTensor = _make("HalfTensor", _dt.float16)
LongTensor = _make("LongTensor", _dt.int64)
IntTensor = _make("IntTensor", _dt.int32)
ShortTensor = _make("ShortTensor", _dt.int16)
CharTensor = _make("CharTensor", _dt.int8)
ByteTensor = _make("ByteTensor", _dt.uint8)
BoolTensor = _make("BoolTensor", _dt.bool)
