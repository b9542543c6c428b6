"""Making tensors: from data, filled with a value, ranges, and identity."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend
from .. import dtypes as _dt
from ..backend import array_module, check_device, device_module
from ..tensor import Tensor, _to_array
from ._util import check_out_dtype, write_out

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
    "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range", "linspace",
    "logspace", "eye", "scalar_tensor", "complex_unsupported",
]


def _new(arr, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr, False, None, 0)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data: Any, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays)."""
    check_device(device)
    arr = _to_array(data, dtype)
    if arr is data or (isinstance(data, Tensor) and arr is data._data) or (
        isinstance(data, np.ndarray) and isinstance(arr, np.ndarray) and np.shares_memory(arr, data)  # host: NumPy input
    ):
        arr = arr.copy()
    return _new(arr, requires_grad)


def as_tensor(data: Any, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor`, but shares memory with ``data`` where it can."""
    check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return _new(_to_array(data, dtype), False)


def asarray(obj: Any, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    if isinstance(obj, np.generic):  # read through NumPy's array protocol: no per-number checks
        obj = np.asarray(obj)  # host: a NumPy scalar
    t = tensor(obj, dtype=dtype) if copy else as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares memory with ``ndarray`` (no copy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(backend.from_numpy(ndarray), False, None, 0)


def _size(size, name: str = "zeros") -> tuple:
    """A shape given as varargs ``(2, 3)`` or one sequence ``((2, 3),)``, checked."""
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"{name}(): argument 'size' must be tuple of ints, but found element of type "
                f"{type(s).__name__}"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _varargs_size(size, name: str) -> tuple:
    if not size:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    return _size(size, name)


def _float_or(dtype):
    return (_dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)).np


def _filled(name, fill, size, dtype, device, requires_grad, out) -> Tensor:
    """zeros/ones/empty: ``fill`` ("zeros" or "ones") of ``size`` on ``device``; with
    ``out=``, in ``out``'s dtype unless ``dtype`` says otherwise, written into ``out``."""
    xp = device_module(check_device(device).type)
    given, dtype = _out_dtype(dtype, out)
    result = _new(getattr(xp, fill)(_varargs_size(size, name), _float_or(dtype)), requires_grad)
    return _into_out(name, out, result, given)


def _out_dtype(dtype, out):
    """A factory's dtype: the one given, else ``out``'s (as torch); and whether one was given."""
    return dtype is not None, (out.dtype if dtype is None and isinstance(out, Tensor) else dtype)


def _no_bool_range(name: str, dtype) -> None:
    if dtype is not None and _dt.to_dtype(dtype) == _dt.bool:
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')


def _into_out(name: str, out, result: Tensor, dtype_given: bool, keep_shape: bool = False) -> Tensor:
    """A factory's result written into ``out`` (returned as is without one); a ``dtype`` that
    differs from ``out``'s is torch's error, not a cast. ``keep_shape``: a range (arange,
    linspace) fills an ``out`` with as many elements in the shape it has."""
    if out is None:
        return result
    if keep_shape and isinstance(out, Tensor) and out.numel() == result.numel():
        result = result.reshape(out.shape)
    return write_out(name, out, result, (), "factory" if dtype_given else None)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None, layout=None) -> Tensor:
    """A tensor filled with 0 (the default dtype unless ``dtype`` says otherwise)."""
    return _filled("zeros", "zeros", size, dtype, device, requires_grad, out)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, out=None, layout=None) -> Tensor:
    """A tensor filled with 1."""
    return _filled("ones", "ones", size, dtype, device, requires_grad, out)


def empty(*size, dtype=None, device=None, requires_grad: bool = False, out=None, layout=None,
          memory_format=None, pin_memory=False) -> Tensor:
    """An uninitialised tensor (glasstorch fills it with zeros)."""
    return _filled("empty", "zeros", size, dtype, device, requires_grad, out)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False, out=None,
         layout=None) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value's kind."""
    xp = device_module(check_device(device).type)
    given, dtype = _out_dtype(dtype, out)
    if dtype is None:
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        dtype = _dt.scalar_dtype(fill_value)
    fill_value = fitted(fill_value, _dt.to_dtype(dtype))
    result = _new(xp.full(_size((size,) if isinstance(size, int) else tuple(size)), fill_value,
                          _dt.to_dtype(dtype).np), requires_grad)
    return _into_out("full", out, result, given)


_C_NAMES = {k: v for k, v in _dt.OVERFLOW_TYPE_NAMES.items() if k[0] in "iu"}  # integer types only


def check_fits(value, dtype) -> None:
    """torch refuses to write a Python number an integer dtype cannot hold (NaN, inf, overflow)."""
    if dtype.name not in _C_NAMES or isinstance(value, Tensor) or type(value) is bool:
        return
    info = np.iinfo(dtype.np)
    # an unsigned type takes negative integers down to -max as well: they wrap around, as in C
    lo = -info.max if info.min == 0 and isinstance(value, (int, np.integer)) else info.min
    if not (math.isfinite(value) and lo <= value <= info.max):
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES[dtype.name]} without overflow")


def fitted(value, dtype):
    """``value`` checked against ``dtype`` (:func:`check_fits`); a negative int for an unsigned
    dtype comes back wrapped around, as torch casts it (-1 is 255 in uint8)."""
    check_fits(value, dtype)
    if type(value) is int and value < 0 and dtype.np.kind == "u":
        return int(np.array(value).astype(dtype.np))  # host: a Python int
    return value


def _like(x: Tensor, dtype):
    return x._data.dtype if dtype is None else _dt.to_dtype(dtype).np


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None, layout=None) -> Tensor:
    return _new(array_module(input._data).zeros(input._data.shape, _like(input, dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None, layout=None) -> Tensor:
    return _new(array_module(input._data).ones(input._data.shape, _like(input, dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None, layout=None) -> Tensor:
    return _new(array_module(input._data).zeros(input._data.shape, _like(input, dtype)), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None, layout=None) -> Tensor:
    np_dtype = _like(input, dtype)
    fill_value = fitted(fill_value, _dt.from_numpy_dtype(np.dtype(np_dtype)))
    return _new(array_module(input._data).full(input._data.shape, fill_value, np_dtype), requires_grad)


def zeros_for(meta) -> Tensor:
    """Zeros of a recorded (shape, np dtype) pair; the engine uses it for unused outputs."""
    shape, np_dtype = meta
    return Tensor._make(device_module("cpu").zeros(shape, np_dtype), False, None, 0)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False,
           out=None, layout=None) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``."""
    xp = device_module(check_device(device).type)
    given, dtype = _out_dtype(dtype, out)
    if given and isinstance(out, Tensor):
        check_out_dtype(out, _dt.to_dtype(dtype), "factory")
    _no_bool_range("arange", dtype)  # before the range is read, as torch
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    return _into_out("arange", out, _arange(xp, start, end, step, dtype, requires_grad), given, keep_shape=True)


def _arange(xp, start, end, step, dtype, requires_grad: bool) -> Tensor:
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dt.get_default_dtype() if is_float else _dt.int64
    d = _dt.to_dtype(dtype)
    if d.is_floating_point:
        n = builtins.max(0, math.ceil((end - start) / step))
        return _new((start + step * xp.arange(n, dtype=np.float64)).astype(d.np), requires_grad)
    # integers: the values step from the truncated start by the truncated step; int64 counts them in
    # integers too (arange(2.5) has 2), the other dtypes in floats (arange(0.5, dtype=int16) has 1)
    xs, xe, xst = int(start), int(end), int(step)
    if d == _dt.int64:
        if xst == 0:
            raise ValueError("step must be nonzero")
        span = xe - xs + xst - (xst > 0) + (xst < 0)
        n = abs(span) // abs(xst) * (1 if (span >= 0) == (xst > 0) else -1)  # C's truncating division
    else:
        n = math.ceil((end - start) / step)
    arr = xs + xst * xp.arange(builtins.max(0, n), dtype=np.int64)
    return _new(arr.astype(d.np), requires_grad)


def range(start, end, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A001
    """Deprecated in torch: like arange but includes ``end``; float by default."""
    d = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if np.dtype(d.np).kind in "iu":  # checked as given, then counted on the bounds and step cast to the dtype
        start, end, step = int(_num(start)), int(_num(end)), int(_num(step))
        if step == 0:  # a step below 1 truncates to 0 (torch's own kernel divides by it)
            raise RuntimeError("step must be nonzero")
    n = int(math.floor((end - start) / step)) + 1
    xp = device_module(check_device(device).type)
    return _new((start + step * xp.arange(n, dtype=np.float64)).astype(d.np), requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False,
             out=None, layout=None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    xp = device_module(check_device(device).type)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    given, dtype = _out_dtype(dtype, out)
    if steps > 1:  # one step is its start, written without the kernel
        _no_bool_range("linspace", dtype)
    dt = np.dtype(_float_or(dtype))
    if dt.kind in "iu":
        result = _new(_int_linspace(xp, _num(start), _num(end), steps, dt), requires_grad)
    else:
        result = _new(xp.linspace(_num(start), _num(end), steps, dtype=np.float64).astype(dt), requires_grad)
    return _into_out("linspace", out, result, given, keep_shape=True)


def _int_linspace(xp, start, end, steps: int, out):
    """An integer linspace as torch builds it: the ends cast to the dtype first (wrapping around), a
    float64 step, the first half counted from ``start`` and the second from ``end``, truncated."""
    return xp.trunc(_int_points(xp, start, end, steps, out)).astype(out)


def _int_points(xp, start, end, steps: int, out):
    """The float64 points of an integer linspace, before truncation (see :func:`_int_linspace`)."""
    bits = out.itemsize * 8
    info = np.iinfo(out)

    def wrap(v):
        # torch's overflow check: an unsigned type takes negative ints down to -max (they wrap
        # around), but no negative float
        low = info.min if out.kind == "i" or isinstance(v, float) else -int(info.max)
        if not low <= v <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_C_NAMES[out.name]} without overflow")
        v = int(v) % (1 << bits)  # a fractional end truncates toward zero, as a C cast does
        return v - (1 << bits) if out.kind == "i" and v >= 1 << (bits - 1) else v

    lo = wrap(start) if steps else 0
    hi = wrap(end) if steps > 1 else lo  # torch reads end only when there is a step
    i = xp.arange(steps, dtype=np.float64)
    step = (hi - lo) / (steps - 1) if steps > 1 else 0.0
    return xp.where((i < steps // 2) | (steps == 1), lo + i * step, hi - (steps - 1 - i) * step)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    xp = device_module(check_device(device).type)
    out = np.dtype(_float_or(dtype))
    if out.kind in "iu":
        if steps == 1:  # the one value is base ** start, cast as a scalar (checked for overflow)
            with np.errstate(all="ignore"):
                return _new(_int_linspace(xp, float(np.float64(base) ** _num(start)), 0, 1, out), requires_grad)
        # else the exponents are an integer linspace's points (its ends cast first), the powers truncated
        with np.errstate(all="ignore"):
            return _new(xp.trunc(base ** _int_points(xp, _num(start), _num(end), steps, out)).astype(out),
                        requires_grad)
    arr = base ** xp.linspace(_num(start), _num(end), steps, dtype=np.float64)
    return _new(arr.astype(out), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False,
        out=None, layout=None) -> Tensor:
    """A 2-D tensor with ones on the diagonal."""
    xp = device_module(check_device(device).type)
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    given, dtype = _out_dtype(dtype, out)
    return _into_out("eye", out, _new(xp.eye(n, n if m is None else m, dtype=_float_or(dtype)), requires_grad), given)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (float32 unless ``dtype`` says otherwise)."""
    out = np.dtype(_float_or(dtype))
    s = fitted(s, _dt.from_numpy_dtype(out))  # an integer dtype: torch's overflow check (NaN too)
    return _new(backend.from_numpy(np.array(s, dtype=out)), requires_grad)  # host: a Python number


def complex_unsupported(*args, **kwargs):
    raise TypeError("complex tensors are not supported by glasstorch")


def _shape_arg(shape: Sequence) -> tuple:
    return _size(shape)
