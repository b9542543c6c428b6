"""Small helpers the op families share: dims, dtypes, operand promotion."""

from __future__ import annotations

import functools
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..backend import array_module, from_numpy, is_device_array
from ..tensor import Tensor, _type_name, _wrap_dim

__all__ = ["Tensor", "wrap_dim", "dims_tuple", "promote", "as_float", "to_tensor_operand", "broadcast_shape",
           "write_out", "accepts_out"]

wrap_dim = _wrap_dim


def dims_tuple(dim, ndim: int, in_order: bool = False) -> tuple:
    """``dim`` (None, an int, or a sequence) as a sorted tuple of non-negative dims.

    Most ops wrap every dim before they look for repeats; ``in_order`` checks each dim in
    turn instead (flip), so a repeat is reported before a later dim out of range.
    """
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    wrapped = dim if in_order else [_wrap_dim(int(d), ndim) for d in dim]
    seen = []
    for d in wrapped:
        w = _wrap_dim(int(d), ndim) if in_order else d
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.append(w)
    return tuple(sorted(seen))


def to_tensor_operand(x):
    """Accept Tensors and Python scalars as they are; NumPy values become one or the other."""
    if isinstance(x, Tensor):
        return x
    t = type(x)
    if t is float or t is int or t is bool:
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return Tensor._make(from_numpy(x), False, None, 0)
    if is_device_array(x):
        return Tensor._make(x, False, None, 0)
    if isinstance(x, (list, tuple)):
        raise TypeError(f"expected Tensor as element 1 in argument 0, but got {type(x).__name__}")
    raise TypeError(f"unsupported operand type(s) for Tensor operation: '{type(x).__name__}'")


def broadcast_shape(sa: tuple, sb: tuple) -> tuple:
    """The broadcast of two shapes, or torch's RuntimeError naming the first clash from the right."""
    try:
        return np.broadcast_shapes(sa, sb)
    except ValueError:
        pass
    n = max(len(sa), len(sb))
    for i in range(1, n + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                f"dimension {n - i}"
            )
    raise AssertionError("unreachable")


_INT_RANGE = {np.dtype(t): (np.iinfo(t).min, np.iinfo(t).max)
              for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}


def _wrap_int(s: int, np_dtype):
    """An int scalar outside an integer tensor's range wraps around, as torch casts it."""
    lo, hi = _INT_RANGE[np_dtype]
    if lo <= s <= hi:
        return s
    return np.array(s, dtype=np.int64).astype(np_dtype)[()]  # host: a Python int


def promote(a, b, *, to_float: bool = False):
    """Cast the operands of a binary op to their common dtype, as torch promotes.

    Python scalars stay Python scalars (NumPy 2 treats them as weak, like
    torch), unless their kind is higher than the tensor's: ``int_tensor + 0.5``
    first makes the tensor float. ``to_float`` forces a floating result
    (true division).
    """
    a = to_tensor_operand(a)
    b = to_tensor_operand(b)
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        if a._data.shape != b._data.shape:
            broadcast_shape(a._data.shape, b._data.shape)
        if a._data.dtype == b._data.dtype:
            if to_float and a._data.dtype.kind not in "fc":
                d = _dt.get_default_dtype()
                return a._cast(d), b._cast(d)
            return a, b
        target = _dt.result_type(a, b)
        if to_float and target.kind < _dt._FLOAT:
            target = _dt.get_default_dtype()
        return a._cast(target), b._cast(target)
    t = a if ta else b
    s = b if ta else a
    kind = t._data.dtype.kind
    if (type(s) is float or to_float) and kind not in "fc":
        t = t._cast(_dt.get_default_dtype())
    elif type(s) is int:
        if kind == "b":
            t = t._cast(_dt.int64)
        elif kind not in "fc":
            s = _wrap_int(s, t._data.dtype)
    return (t, s) if ta else (s, t)


def as_float(x: Tensor) -> Tensor:
    """Integer and bool tensors become the default float dtype (for exp, sqrt, ...)."""
    if x._data.dtype.kind != "f":
        if x._data.dtype.kind == "c":
            raise NotImplementedError(
                f"glasstorch supports {x.dtype} tensors only in the ops listed in docs/compat.md "
                "(fft, real, imag, abs, angle, conj, arithmetic); view_as_real gives a real tensor for the others")
        return x._cast(_dt.get_default_dtype())
    return x


def write_out(name: str, out, result: Tensor, inputs, exact: str | None = None, cast_error=None) -> Tensor:
    """torch's ``out=``: ``result`` written into ``out``, which is returned.

    As in torch, no gradient flows through ``out=``, a result may be cast
    only as torch casts (not float into int, not complex into real, not a
    number into bool), and an ``out`` of another shape is resized. Some ops
    take no cast at all: ``exact`` names the message torch gives them when
    the dtypes differ ("found": the rounding ops and clamp, "expected": the
    matrix ops, "factory": the factories given a ``dtype``). ``cast_error(dtype)``:
    the exception for a cast torch refuses, where it is not its usual RuntimeError.
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if exact is not None:
        check_out_dtype(out, _dt.from_numpy_dtype(result._data.dtype), exact)
    flat = [t for x in (*inputs, out) for t in (x if isinstance(x, (list, tuple)) else (x,))]  # cat, stack
    if _gm._tls.grad and any(isinstance(t, Tensor) and t._requires_grad for t in flat):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    src, dst = result._data, out._data
    if not can_cast_out(src.dtype, dst.dtype):
        if cast_error is not None:
            raise cast_error(_dt.from_numpy_dtype(dst.dtype))
        raise RuntimeError(
            f"result type {_type_name(src.dtype)[6:-6]} can't be cast to the desired output type "
            f"{_type_name(dst.dtype)[6:-6]}"
        )
    if dst.shape != src.shape:
        if dst.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(dst.shape)}, "
                f"which does not match the required output shape {list(src.shape)}.",
                UserWarning, stacklevel=3,
            )
        out._data = array_module(src).array(src, dtype=dst.dtype)
    else:
        array_module(dst).copyto(dst, src, casting="unsafe")
    out._version[0] += 1
    return out


def can_cast_out(src, dst) -> bool:
    """torch's rule for writing a ``src`` result into a ``dst`` output: any cast within
    numbers except float into integer, complex into real, and a number into bool
    (NumPy's "same_kind" also refuses int64 into uint8, which torch allows)."""
    src, dst = np.dtype(src).kind, np.dtype(dst).kind
    if src == "c":
        return dst == "c"
    if src == "f":
        return dst in "fc"
    return src == "b" or dst != "b"


def _n(dt) -> str:
    return _dt.SCALAR_TYPE_NAMES[dt.name]


def _c(dt) -> str:
    return _dt.OVERFLOW_TYPE_NAMES.get(dt.name, "bool" if dt.name == "bool" else _n(dt))


_EXACT = {
    "found": lambda out, want: f"Found dtype {_n(out)} but expected {_n(want)}",
    "expected": lambda out, want: f"Expected out tensor to have dtype {_c(want)}, but got {_c(out)} instead",
    "factory": lambda out, want: f"dtype {_n(want)} does not match dtype of out parameter ({_n(out)})",
}


def check_out_dtype(out: Tensor, dtype, exact: str) -> None:
    """``out`` must hold ``dtype`` itself: torch's error for the ``exact`` kind of op (see :func:`write_out`)."""
    if out.dtype != dtype:
        raise RuntimeError(_EXACT[exact](out.dtype, dtype))


def accepts_out(fn=None, *, exact: str | None = None, cast_error=None):
    """Give an op function torch's keyword ``out=`` (see :func:`write_out`);
    ``@accepts_out(exact="found")`` for ops that take no cast into ``out``."""
    if fn is None:
        return functools.partial(accepts_out, exact=exact, cast_error=cast_error)

    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        return write_out(fn.__name__, out, fn(*args, **kwargs), (*args, *kwargs.values()), exact, cast_error)

    return with_out
