"""Tensor: an array, its dtype, and its place in the autograd graph.

A Tensor wraps one NumPy array (``_data``). If it was made by an op while
recording, ``grad_fn`` is the graph node of that op; if it is a leaf that
requires grad, ``backward()`` leaves the gradient in ``.grad``.

Every maths method here is a one-line delegation to a function in
``glasstorch.ops`` (attached at the end of this file), so an op's forward
and backward live in one place: ``ops/<family>.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import autograd as _autograd
from . import dtypes as _dt
from ._hooks import RemovableHandle
from .autograd import grad_mode as _gm
from .autograd.trace import _tracer
from .backend import CPU, check_device
from .dtypes import CPP_TYPE_NAMES as _C_NAMES
from .dtypes import SCALAR_TYPE_NAMES as _KIND_NAMES
from .dtypes import TENSOR_TYPE_NAMES as _TYPE_NAMES

_tls = _gm._tls

_NP_FLOAT_KINDS = "f"


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
    __hash__ = object.__hash__

    def __init__(self, data: Any = None, *, requires_grad: bool = False) -> None:
        from .ops.creation import _to_array

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
        """Fast constructor used by every op: no checks, no copies."""
        t = object.__new__(Tensor)
        if type(arr) is not np.ndarray:
            arr = np.asarray(arr)
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
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

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
        return self._data.__array_interface__["data"][0]

    def get_device(self) -> int:
        return -1

    @property
    def T(self) -> Tensor:
        if self._data.ndim > 2:
            import warnings

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
        if self._requires_grad and _gm._tls.grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._data
        return a if dtype is None else a.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

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
        from ._formatting import tensor_repr

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
            import copy

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

    def _cast(self, d: _dt.dtype) -> Tensor:
        if self._data.dtype == d.np:
            return self
        return _Cast.apply(self, d.np)

    def _cast_np(self, np_dtype) -> Tensor:
        return _Cast.apply(self, np_dtype)

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

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. graph leaves into their ``.grad``."""
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self.grad_fn._retain(self._out_nr, self)

    def register_hook(self, hook):
        """Run ``hook(grad)`` when this tensor's gradient is computed; it may return a new grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._out_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, item=hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Run ``hook(tensor)`` on this leaf after its ``.grad`` has been accumulated in backward.

        The hook returns nothing; it sees the updated ``.grad`` (data-parallel
        training starts reducing a gradient here, while backward goes on).
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = self.__dict__.setdefault("_post_accumulate_grad_hooks", [])
        hooks.append(hook)
        return RemovableHandle(hooks, item=hook)

    def detach(self) -> Tensor:
        """A tensor with the same data (shared) that is not part of the graph."""
        t = Tensor._make(self._data, False, None, 0)
        t._version = self._version
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def _accumulator(self):
        acc = self._accum
        if acc is None:
            acc = self._accum = _function.AccumulateGrad(self)
        return acc

    def _accumulate_(self, arr) -> None:
        d = self._data
        if d.flags.writeable and d.shape == arr.shape:
            np.add(d, arr, out=d, casting="unsafe")
        else:
            self._data = d + arr
        self._version[0] += 1

    def _copy_detached(self) -> Tensor:
        return Tensor._make(np.array(self._data, copy=True), False, None, 0)

    def _clone_if_shared(self) -> Tensor:
        return self._copy_detached()

    def _has_nan(self) -> bool:
        return self._data.dtype.kind == "f" and bool(np.isnan(self._data).any())

    @property
    def _version_counter(self) -> int:
        return self._version[0]

    # -- in place -------------------------------------------------------------
    def _check_inplace(self) -> None:
        if not (self._requires_grad and _gm._tls.grad):
            return
        node = self.grad_fn
        if node is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        first = node
        # A chain of view ops down to a leaf: writing here would write into the leaf.
        while node._fn is not None and node._fn.is_view and node._next:
            node = node._next[0][0]
            if node is None:
                return
            if type(node).__name__ == "AccumulateGrad":
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place operation."
                )
        if first._fn is not None and first._fn.is_view and first._out_metas is not None:
            raise RuntimeError(
                f"Output {self._out_nr} of {type(first).__name__.removesuffix('Backward0')} is a view and is "
                "being modified inplace. This view is the output of a function that returns multiple views. "
                "Such functions do not allow the output views to be modified inplace. You should replace the "
                "inplace operation by an out-of-place one.")

    def _inplace(self, op, *args) -> Tensor:
        """Run out-of-place ``op(self, *args)`` and write the result into ``self``.

        When the op is recorded, ``self`` takes over the new node as its
        ``grad_fn`` (as torch's in-place ops do); the op sees a twin of
        ``self`` holding the old values, so its backward is unaffected.
        """
        self._check_inplace()
        recording = _gm._tls.grad and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if recording:
            twin = Tensor._make(self._data, self._requires_grad, self.grad_fn, self._out_nr)
            twin._accum = self._accum
            r = op(twin, *args)
            node = r.grad_fn
            if node is not None and node._saved and any(
                type(s) is tuple and s[0] is twin for s in node._saved
            ):
                twin._data = self._data.copy()  # backward needs the values from before the write
            self._write(r._data, r.dtype)
            self.grad_fn, self._out_nr, self._requires_grad = node, r._out_nr, r._requires_grad
            base = getattr(self, "_view_base", None)  # a view: its base changed too
            if base is not None and r._requires_grad:
                from .autograd.view_write import rebase_after_view_write

                rebase_after_view_write(base, self, r)
        else:
            prev = _gm._tls.grad
            _gm._tls.grad = False
            try:
                r = op(self, *args)
            finally:
                _gm._tls.grad = prev
            self._write(r._data, r.dtype)
            if _tracer[0] is not None:  # an export: ``self`` now holds what ``r`` holds
                _tracer[0](None, (self,), r)
        self._version[0] += 1
        return self

    def _write(self, arr, result_dtype) -> None:
        d = self._data
        if not _dt.can_cast(result_dtype, self.dtype):
            raise RuntimeError(
                f"result type {_KIND_NAMES[result_dtype.name]} can't be cast to the desired output "
                f"type {_KIND_NAMES[self.dtype.name]}"
            )
        if arr.shape != d.shape:
            try:
                np.broadcast_shapes(arr.shape, d.shape)
                ok = np.broadcast_shapes(arr.shape, d.shape) == d.shape
            except ValueError:
                ok = False
            if not ok:
                raise RuntimeError(
                    f"output with shape {list(d.shape)} doesn't match the broadcast shape "
                    f"{list(np.broadcast_shapes(arr.shape, d.shape)) if _broadcastable(arr.shape, d.shape) else list(arr.shape)}"
                )
        if not d.flags.writeable:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation."
            )
        np.copyto(d, arr, casting="unsafe")

    def __setitem__(self, key, value) -> None:
        from .ops.indexing import index_put_

        index_put_(self, key, value)

    def __getitem__(self, key) -> Tensor:
        from .ops.indexing import getitem

        return getitem(self, key)

    # -- operators ------------------------------------------------------------
    # The arithmetic operators take a shortcut when both operands are already
    # of one float dtype and shape (the common case, and the whole of most
    # backward formulas): straight to the op, skipping promotion. Anything
    # else goes through the op's function in glasstorch.ops.
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


def _broadcastable(a, b) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


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


from .autograd import function as _function  # noqa: E402

_function._Tensor = Tensor
from . import ops as _ops  # noqa: E402  (ops import Tensor from this module)
from .ops.pointwise import Add as _Add  # noqa: E402
from .ops.pointwise import Cast as _Cast  # noqa: E402
from .ops.pointwise import Div as _Div  # noqa: E402
from .ops.pointwise import Mul as _Mul  # noqa: E402
from .ops.pointwise import Rsub as _Rsub  # noqa: E402
from .ops.pointwise import Sub as _Sub  # noqa: E402
