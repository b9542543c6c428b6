"""Tensor: an array, its dtype, and its place in the autograd graph.

A Tensor wraps one array (``_data``). If it was made by an op while
recording, ``grad_fn`` is the graph node of that op; if it is a leaf that
requires grad, ``backward()`` leaves the gradient in ``.grad``.

This module is the tensor layer: it imports nothing above it (neither the
autograd package nor the ops), so every layer above imports it without an
import circle. The methods that need those layers are written there and
attached to the class when ``glasstorch`` is imported:

- ``autograd/tensor_methods.py``: ``backward``, ``register_hook``,
  ``retain_grad`` and the in-place path ``_inplace`` (they reach the engine
  or make graph nodes);
- ``_operators.py``: Python's operators (``+``, ``==``, ``x[i]``, ...) and
  ``_cast``, the recorded dtype cast behind ``float()``, ``to()`` and type
  promotion;
- ``_methods.py``: the ops as methods (``x.exp()`` is ``glasstorch.exp(x)``).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import dtypes as _dt
from ._formatting import tensor_repr
from ._grad_state import _tls
from .backend import CPU, array_module, check_device, from_numpy, is_device_array, to_numpy
from .dtypes import CPP_TYPE_NAMES as _C_NAMES
from .dtypes import SCALAR_TYPE_NAMES as _KIND_NAMES
from .dtypes import TENSOR_TYPE_NAMES as _TYPE_NAMES


def _type_name(np_dtype) -> str:
    """torch's legacy type name, e.g. ``torch.FloatTensor``, used in messages."""
    return "torch." + _TYPE_NAMES.get(np.dtype(np_dtype).name, "Tensor")


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation."""

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_out_nr", "_version",
                 "_accum", "_hooks", "_retains_grad", "_view_base", "__weakref__", "__dict__")

    # NumPy should hand binary operators over to us (np.float32(2) * t).
    __array_priority__ = 1000
    __array_ufunc__ = None
    __hash__ = object.__hash__  # by identity, though ``==`` (from _operators.py) compares values

    def __init__(self, data: Any = None, *, requires_grad: bool = False) -> None:
        arr = _to_array([] if data is None else data, None)
        self._init(arr, requires_grad)

    def _init(self, arr, requires_grad=False):
        self._data = arr
        self._requires_grad = False
        self._grad = None
        self.grad_fn = None
        self._out_nr = 0
        self._version = [0]
        self._accum = None
        self._hooks = None
        self._retains_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, arr, requires_grad, grad_fn, out_nr):
        """Fast constructor used by every op: no checks, no copies.

        ``autograd.function._apply_arrays_fast`` sets these same fields inline.
        """
        t = object.__new__(Tensor)
        if type(arr) is not np.ndarray and not is_device_array(arr):
            arr = np.asarray(arr)  # host: a NumPy scalar; a NumPy scalar from a reduction becomes a 0-d array
        t._data = arr
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._out_nr = out_nr
        t._version = [0]
        t._accum = None
        t._hooks = None
        t._retains_grad = False
        return t

    # -- basic properties ---------------------------------------------------
    @property
    def dtype(self) -> _dt.dtype:
        return _dt._FROM_NP[self._data.dtype]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if self.grad_fn is None:
            self.requires_grad_(value)

    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph and free of version checks."""
        return Tensor._make(self._data, False, None, 0)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else from_numpy(value)

    @property
    def _base(self):
        return None

    @property
    def grad(self) -> Tensor | None:
        """The gradient that backward() accumulated into this tensor (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # torch's checks, before anything is assigned
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_NAMES[value._data.dtype.name]}' to a "
                    f"tensor with grad_dtype '{_KIND_NAMES[self._data.dtype.name]}'. The gradient must match "
                    "the tensor's grad_dtype (defaults to the tensor's dtype).")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor of "
                    f"size '{list(self._data.shape)}'. Please ensure that the gradient and the tensor are "
                    "the same size")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def is_floating_point_(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        if dim is not None and self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def data_ptr(self) -> int:
        return _address(self._data)

    def get_device(self) -> int:
        return -1

    @property
    def T(self) -> Tensor:
        if self._data.ndim > 2:
            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                          "shape is deprecated.", UserWarning, stacklevel=2)
        return self.permute(*reversed(range(self._data.ndim)))

    @property
    def mT(self) -> Tensor:
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:
        return self.T

    @property
    def mH(self) -> Tensor:
        return self.mT

    # -- conversion -------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``."""
        if self._requires_grad and _tls.grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return to_numpy(self._data)  # the same array on the CPU; a host copy from another device

    def __array__(self, dtype=None, copy=None):
        a = to_numpy(self._data)
        return a if dtype is None else a.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return to_numpy(self._data).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self._data.size > 1 else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element) -> bool:
        other = element._data if isinstance(element, Tensor) else element
        return bool((self._data == other).any())

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self) if not spec else format(repr(self), spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
            )
        new = type(self).__new__(type(self))
        Tensor._init(new, self._data.copy())
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        if hasattr(self, "__dict__"):
            for k, v in self.__dict__.items():
                setattr(new, k, copy.deepcopy(v, memo))
        memo[id(self)] = new
        return new

    # -- dtype and device -----------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other)``."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (_dt.dtype, type)) and not isinstance(a, str):
                dtype = _dt.to_dtype(a)
            elif a is not None:
                dev = a
        if dev is not None:
            check_device(dev)
        out = self if dtype is None else self._cast(_dt.to_dtype(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is None:
            return _type_name(self._data.dtype)
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            inv = {v: k for k, v in _TYPE_NAMES.items()}
            dtype = _dt._NAMES[inv[dtype.split(".")[-1]]]
        return self._cast(_dt.to_dtype(dtype))

    def type_as(self, other: Tensor) -> Tensor:
        return self._cast(other.dtype)

    def float(self) -> Tensor:
        return self._cast(_dt.float32)

    def double(self) -> Tensor:
        return self._cast(_dt.float64)

    def half(self) -> Tensor:
        return self._cast(_dt.float16)

    def long(self) -> Tensor:
        return self._cast(_dt.int64)

    def int(self) -> Tensor:
        return self._cast(_dt.int32)

    def short(self) -> Tensor:
        return self._cast(_dt.int16)

    def char(self) -> Tensor:
        return self._cast(_dt.int8)

    def byte(self) -> Tensor:
        return self._cast(_dt.uint8)

    def bool(self) -> Tensor:
        return self._cast(_dt.bool)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args, **kwargs) -> Tensor:
        check_device("cuda")
        return self

    def pin_memory(self) -> Tensor:
        return self

    def is_pinned(self) -> bool:
        return False

    def share_memory_(self) -> Tensor:
        return self

    # -- autograd -------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether autograd records ops on this (leaf) tensor; returns self."""
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor with the same data (shared) that is not part of the graph."""
        t = Tensor._make(self._data, False, None, 0)
        t._version = self._version
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def _accumulate_(self, arr) -> None:
        d = self._data
        if d.shape == arr.shape and _writable(d):
            array_module(d).add(d, arr, out=d, casting="unsafe")
        else:
            self._data = d + arr
        self._version[0] += 1

    def _copy_detached(self) -> Tensor:
        return Tensor._make(array_module(self._data).array(self._data, copy=True), False, None, 0)

    def _clone_if_shared(self) -> Tensor:
        return self._copy_detached()

    def _has_nan(self) -> bool:
        return self._data.dtype.kind == "f" and bool(array_module(self._data).isnan(self._data).any())

    @property
    def _version_counter(self) -> int:
        return self._version[0]

    def _write(self, arr, result_dtype) -> None:
        d = self._data
        _check_write(self, arr.shape, result_dtype)
        if not _writable(d):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation."
            )
        array_module(d).copyto(d, arr, casting="unsafe")


def _check_write(t: Tensor, shape, result_dtype) -> None:
    """torch's checks of an in-place result: the broadcast shape first, then the dtype."""
    d = t._data
    if shape != d.shape:
        try:
            ok = np.broadcast_shapes(shape, d.shape) == d.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"output with shape {list(d.shape)} doesn't match the broadcast shape "
                f"{list(np.broadcast_shapes(shape, d.shape)) if _broadcastable(shape, d.shape) else list(shape)}"
            )
    if not _dt.can_cast(result_dtype, t.dtype):
        raise RuntimeError(
            f"result type {_KIND_NAMES[result_dtype.name]} can't be cast to the desired output "
            f"type {_KIND_NAMES[t.dtype.name]}"
        )


def _writable(arr) -> bool:
    """Whether ``arr`` may be written in place. NumPy has read-only arrays (broadcast
    views, a shared constant); CuPy has none, and its ``flags`` lack ``writeable``."""
    return arr.flags.writeable if type(arr) is np.ndarray else getattr(arr.flags, "writeable", True)


def _address(arr) -> int:
    """The memory address of an array's first element: NumPy's array interface, or a
    device array's data pointer (``arr.data.ptr``, as CuPy's arrays give it)."""
    if isinstance(arr, np.ndarray):
        return arr.__array_interface__["data"][0]
    return arr.data.ptr


def _broadcastable(a, b) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def _to_array(data: Any, dtype):
    """Convert nested lists, scalars, arrays or tensors into a device array of the right dtype.

    Host data is read by NumPy, typed, then moved to the device.
    """
    python_values = False  # numbers torch reads one by one, checking each fits an integer dtype
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (np.ndarray, np.generic)):  # a NumPy scalar keeps its dtype too
        arr = np.asarray(data)  # host: NumPy input
        python_values = isinstance(data, np.generic)
    elif is_device_array(data):
        arr = data
    else:
        if isinstance(data, (list, tuple)) and _has_tensor(data):
            data = _untensor(data)
        try:
            arr = np.array(data)  # host: Python data
        except ValueError:  # ragged nesting
            raise ValueError(f"expected a sequence of equal lengths at every depth, got {data!r:.80}") from None
        python_values = True
        if dtype is None:
            k = arr.dtype.kind
            if k == "f":
                with np.errstate(over="ignore"):  # 1e300 in float32 is inf, quietly, as in torch
                    arr = arr.astype(_dt.get_default_dtype().np, copy=False)
            elif k in "iu":
                arr = arr.astype(np.int64, copy=False)
            elif k == "c":
                raise TypeError("complex tensors are not supported by glasstorch")
            elif k not in "b":
                raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is not None:
        if python_values:
            _check_values_fit(arr, _dt.to_dtype(dtype), data)
            if arr.dtype.kind == "f" and _dt.to_dtype(dtype).np.kind == "u":
                arr = arr.astype(np.int64)  # negative numbers wrap around through a signed integer
        with np.errstate(over="ignore"):
            arr = arr.astype(_dt.to_dtype(dtype).np, copy=False)
    else:
        _dt.from_numpy_dtype(arr.dtype)  # raises for unsupported dtypes
    return from_numpy(arr) if isinstance(arr, np.ndarray) else arr


def _check_values_fit(arr, dtype, data) -> None:
    """Python (or NumPy scalar) numbers given an integer or bool dtype: torch takes NumPy's float32
    and float16 scalars for no integer, and no number outside the integer dtype's range (an
    integer down to -max may wrap into an unsigned dtype)."""
    target = dtype.np
    if target.kind not in "iub" or arr.size == 0:
        return
    if arr.dtype in (np.float16, np.float32):
        raise TypeError(f"'numpy.{arr.dtype.name}' object cannot be interpreted as an integer")
    if arr.dtype == np.bool_ and target.kind in "iu" and _has_numpy_bool(data):
        raise TypeError("'numpy.bool' object cannot be interpreted as an integer")
    if target.kind == "b" or arr.dtype.kind not in "iuf":
        return
    info = np.iinfo(target)
    lo = -info.max if info.min == 0 and arr.dtype.kind in "iu" else info.min
    with np.errstate(invalid="ignore"):
        fits = bool(np.isfinite(arr).all()) and arr.min() >= lo and arr.max() <= info.max  # host: Python numbers
    if not fits and info.min == 0 and arr.dtype.kind == "f":
        # ints and floats mixed: each number is checked by its own type (-3 wraps, -3.0 does not)
        fits = all(math.isfinite(v) and (-info.max if isinstance(v, (int, np.integer)) else 0) <= v <= info.max
                   for v in _numbers(data))
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")


def _numbers(data):
    """The numbers of nested lists, in order."""
    if isinstance(data, (list, tuple)):
        for x in data:
            yield from _numbers(x)
    else:
        yield data


def _has_numpy_bool(data) -> bool:
    if isinstance(data, np.bool_):
        return True
    return isinstance(data, (list, tuple)) and any(_has_numpy_bool(x) for x in data)


def _has_tensor(seq) -> bool:
    for x in seq:
        if isinstance(x, Tensor):
            return True
        if isinstance(x, (list, tuple)) and _has_tensor(x):
            return True
    return False


def _untensor(seq):
    return [
        to_numpy(x._data) if isinstance(x, Tensor) else (_untensor(x) if isinstance(x, (list, tuple)) else x)
        for x in seq
    ]


def _rebuild(arr, requires_grad):
    t = Tensor._make(arr, False, None, 0)
    t._requires_grad = requires_grad
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    """A dim in ``[-ndim, ndim)`` as a non-negative index, or torch's IndexError."""
    n = max(ndim, 1)
    try:
        inside = -n <= dim < n
    except TypeError:
        raise TypeError(f"argument 'dim' must be int, not {type(dim).__name__}") from None
    if not inside:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim


class Size(tuple):
    """The shape of a tensor: a tuple of ints (``torch.Size``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


