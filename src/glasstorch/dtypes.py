"""dtypes, the default dtype, and PyTorch's type-promotion rules.

A :class:`dtype` pairs a PyTorch name (``torch.float32``) with the NumPy
dtype that stores it. Promotion follows PyTorch, not NumPy: a Python scalar
never widens a tensor of its own kind, ``int64 + float16`` is ``float16``,
and a 0-dim tensor only decides the result when it is of a higher kind.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype", "float16", "float32", "float64", "half", "float", "double",
    "int8", "int16", "int32", "int64", "short", "int", "long", "uint8", "bool",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type",
    "can_cast", "complex64", "complex128", "cfloat", "cdouble",
]

# Kinds in promotion order: a higher kind always wins over a lower one.
_BOOL, _INT, _FLOAT = 0, 1, 2
_COMPLEX = 3  # the results of glasstorch.fft and the few ops on them (see docs/compat.md)


class dtype:
    """The data type of a tensor (``glasstorch.float32`` and friends)."""

    __slots__ = ("name", "np", "kind", "itemsize", "is_floating_point", "is_signed")

    def __init__(self, name: str, np_dtype, kind: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.kind = kind
        self.itemsize = self.np.itemsize
        self.is_floating_point = kind == _FLOAT
        self.is_signed = name != "uint8" and name != "bool"

    @property
    def is_complex(self) -> bool:
        return self.kind == _COMPLEX

    def to_real(self) -> dtype:
        return _REAL_OF.get(self.name, self)

    def to_complex(self) -> dtype:
        return complex128 if self.name == "float64" else complex64 if self.kind != _COMPLEX else self

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = half = dtype("float16", np.float16, _FLOAT)
float32 = float = dtype("float32", np.float32, _FLOAT)  # noqa: A001 - torch's alias
float64 = double = dtype("float64", np.float64, _FLOAT)
int8 = dtype("int8", np.int8, _INT)
int16 = short = dtype("int16", np.int16, _INT)
int32 = int = dtype("int32", np.int32, _INT)  # noqa: A001 - torch's alias
int64 = long = dtype("int64", np.int64, _INT)
uint8 = dtype("uint8", np.uint8, _INT)
bool = dtype("bool", np.bool_, _BOOL)  # noqa: A001 - torch's name
complex64 = cfloat = dtype("complex64", np.complex64, _COMPLEX)
complex128 = cdouble = dtype("complex128", np.complex128, _COMPLEX)
_REAL_OF = {"complex64": float32, "complex128": float64}

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool, complex64, complex128)
_FROM_NP = {d.np: d for d in _ALL}
_NAMES = {d.name: d for d in _ALL}

# torch's names for a dtype, as its messages and legacy APIs spell them, keyed by the
# dtype's name (which is also NumPy's name for the array's dtype).
# The scalar type (c10::ScalarType): "expected scalar type Float but found Double".
SCALAR_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                     "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool",
                     "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
# The C++ element type: "value cannot be converted to type float", "c10::Half".
CPP_TYPE_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "int8": "signed char",
                  "int16": "short int", "int32": "int", "int64": "long int", "uint8": "unsigned char",
                  "bool": "bool"}
# The type named by "value cannot be converted to type int8_t without overflow" (torch's
# checked scalar conversion, which spells integer types as <cstdint> names, int32 as int).
OVERFLOW_TYPE_NAMES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t", "uint8": "uint8_t",
                       "float16": "c10::Half", "float32": "float", "float64": "double"}
# The legacy tensor and storage types: torch.FloatTensor, torch.FloatStorage (real dtypes only).
TENSOR_TYPE_NAMES = {k: v + "Tensor" for k, v in SCALAR_TYPE_NAMES.items() if not k.startswith("complex")}
STORAGE_TYPE_NAMES = {k: v + "Storage" for k, v in SCALAR_TYPE_NAMES.items() if not k.startswith("complex")}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The glasstorch dtype that stores values as ``np_dtype``."""
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d) -> dtype:
    """Accept a glasstorch dtype, a NumPy dtype, or the Python types float/int/bool."""
    if isinstance(d, dtype):
        return d
    import builtins

    if d is builtins.float:
        return _default[0]
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    if isinstance(d, str):
        name = d[len("torch."):] if d.startswith("torch.") else d
        if name in _NAMES:
            return _NAMES[name]
        aliases = {"float": float32, "double": float64, "half": float16,
                   "long": int64, "int": int32, "short": int16}
        if name in aliases:
            return aliases[name]
    return from_numpy_dtype(d)


_default = [float32]


def get_default_dtype() -> dtype:
    """Return the floating-point dtype that new float tensors get (float32)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the floating-point dtype used for Python floats and new float tensors."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype that holds both ``a`` and ``b``, by PyTorch's table."""
    if a is b:
        return a
    if a.kind != b.kind:
        # The higher kind wins outright: int64 + float16 -> float16.
        hi, lo = (a, b) if a.kind > b.kind else (b, a)
        if hi.kind == _COMPLEX and lo is float64:  # complex64 + float64 -> complex128
            return complex128
        return hi
    if a.kind >= _FLOAT:
        return a if a.itemsize >= b.itemsize else b
    # Integers (and bools) promote exactly as NumPy does: uint8 + int8 -> int16.
    return _FROM_NP[np.promote_types(a.np, b.np)]


def result_type(*operands) -> dtype:
    """The dtype of an op on ``operands`` (tensors and Python scalars).

    Operands fall into three tiers: tensors with dimensions, 0-dim tensors and
    Python scalars. A lower tier only matters when it brings a higher kind
    (bool < integer < floating point); a float scalar then means the default dtype.
    """
    dim_t = zero_t = scalar_t = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
        else:
            s = scalar_dtype(x)
            scalar_t = s if scalar_t is None else promote_types(scalar_t, s)
    out = dim_t
    for lower in (zero_t, scalar_t):
        if lower is not None and (out is None or lower.kind > out.kind):
            out = lower
    return out


def scalar_dtype(x) -> dtype:
    """The dtype a Python (or NumPy) scalar takes on its own."""
    import builtins

    if isinstance(x, (builtins.bool, np.bool_)):
        return bool
    if isinstance(x, (builtins.int, np.integer)):
        return int64
    if isinstance(x, (builtins.float, np.floating)):
        return _default[0]
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's in-place ops may write a ``from_`` result into ``to``."""
    return from_.kind <= to.kind
