"""A strict stand-in device for the tests: NumPy underneath, CuPy's manners on top.

:class:`StrictArray` wraps (does not subclass) a NumPy ``ndarray`` and offers what
a CuPy array offers: shape and dtype attributes, operators, indexing and the usual
methods, each result wrapped again. Like a CuPy array it refuses implicit
conversion to NumPy (``np.asarray(a)`` raises ``TypeError``); stricter than CuPy,
it also refuses NumPy's functions and ufuncs (``np.exp(a)`` raises), so op code
must compute with the module that owns its data. :data:`module` is that module:
each function unwraps its arguments, calls NumPy's function of the same name and
wraps the arrays it returns.

Random numbers: glasstorch's generators draw on the host with NumPy and move the
draw to the device (``backend.from_numpy``), so a run on this device is bit for
bit the run on NumPy. The module has no ``random``, to keep it that way.

``GLASSTORCH_STRICT_DEVICE=1 pytest tests/ops tests/nn`` runs the tests with the
``"cpu"`` device switched to this module (see ``tests/conftest.py``);
``GLASSTORCH_STRICT_DEVICE=cupy`` with CuPy's leniency (:func:`allow_numpy_dispatch`).
"""

from __future__ import annotations

import numbers
import types
import typing

import numpy as np

REFUSED = ("Implicit conversion to a NumPy array is not allowed. "
           "Please use `.get()` to construct a NumPy array explicitly.")

# The ndarray methods and attributes a CuPy array has too; anything else is an AttributeError.
_METHODS = frozenset("""
    all any argmax argmin argpartition argsort astype choose clip compress conj conjugate copy
    cumprod cumsum diagonal dot fill flatten item max mean min nonzero partition prod put
    ravel repeat reshape round searchsorted sort squeeze std sum swapaxes take tobytes tolist
    trace transpose var view
""".split())
_ATTRIBUTES = frozenset("shape dtype ndim size strides itemsize nbytes T real imag base".split())


class Flags(typing.NamedTuple):
    """CuPy's array flags: only the layout and the ownership (every CuPy array is writable)."""

    c_contiguous: bool
    f_contiguous: bool
    owndata: bool

    def __getitem__(self, name):
        if isinstance(name, str):
            return getattr(self, name.lower())
        return tuple.__getitem__(self, name)


class _Pointer(typing.NamedTuple):
    """A device memory pointer: ``ptr`` is the address (as CuPy's ``MemoryPointer.ptr``)."""

    ptr: int


class StrictArray:
    """A device array: a NumPy array that will not be handed to NumPy implicitly."""

    __slots__ = ("_a", "__weakref__")  # CuPy arrays take weak references too
    __array_ufunc__ = None  # np.exp(a) raises; NumPy scalars' operators defer to ours
    __hash__ = None  # unhashable, as arrays are

    def __init__(self, array: np.ndarray) -> None:
        self._a = array

    def __array__(self, *args, **kwargs):
        raise TypeError(REFUSED)

    def __array_function__(self, func, types, args, kwargs):
        return NotImplemented  # np.sum(a), np.concatenate([a]) ... raise TypeError

    def __getattr__(self, name: str):
        if name in _ATTRIBUTES:
            return wrap(getattr(self._a, name))
        if name in _METHODS:
            return _wrapped_function(getattr(self._a, name), on_device=True)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def flags(self) -> Flags:
        f = self._a.flags
        return Flags(f.c_contiguous, f.f_contiguous, f.owndata)

    @property
    def data(self) -> _Pointer:
        """Where the array's first element lives (CuPy's ``ndarray.data``, a memory pointer)."""
        return _Pointer(self._a.__array_interface__["data"][0])

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _diagonal(self, offset, axis1, axis2)

    def get(self) -> np.ndarray:
        """A host copy (CuPy's ``ndarray.get``)."""
        return self._a.copy()

    def __getitem__(self, key):
        return wrap(self._a[_index(key)])

    def __setitem__(self, key, value) -> None:
        self._a[_index(key)] = _operand(value)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        return (wrap(row) for row in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __complex__(self) -> complex:
        return complex(self._a)

    def __repr__(self) -> str:
        return f"strict({self._a!r})"

    def __str__(self) -> str:
        return str(self._a)

    # wrap: on a 0-d array NumPy answers with a scalar, which must become a 0-d device array again
    def __neg__(self):
        return wrap(-self._a)  # a 0-d array's negation is a NumPy scalar: wrapped again

    def __pos__(self):
        return wrap(+self._a)

    def __abs__(self):
        return wrap(abs(self._a))

    def __invert__(self):
        return wrap(~self._a)


def _diagonal(a: StrictArray, offset=0, axis1=0, axis2=1) -> StrictArray:
    """CuPy's diagonal: a view that can be written, where NumPy's is read-only."""
    out = np.diagonal(a._a, offset, axis1, axis2)
    if a._a.flags.writeable:
        out.flags.writeable = True
    return StrictArray(out)


def _binary(op):
    def method(self, other):
        other = _operand(other, reflected=True)
        return NotImplemented if other is NotImplemented else wrap(op(self._a, other))
    return method


def _inplace(op):
    def method(self, other):
        other = _operand(other, reflected=True)
        if other is NotImplemented:
            return NotImplemented
        op(self._a, other)
        return self
    return method


for _name in ("add sub mul truediv floordiv mod pow matmul and or xor lshift rshift divmod "
              "lt le eq ne gt ge").split():
    _op = getattr(np.ndarray, f"__{_name}__")
    setattr(StrictArray, f"__{_name}__", _binary(_op))
    if _name not in ("lt", "le", "eq", "ne", "gt", "ge"):
        _rop = getattr(np.ndarray, f"__r{_name}__")
        setattr(StrictArray, f"__r{_name}__", _binary(_rop))
    if _name not in ("lt", "le", "eq", "ne", "gt", "ge", "divmod"):
        setattr(StrictArray, f"__i{_name}__", _inplace(getattr(np.ndarray, f"__i{_name}__")))


def _operand(x, reflected: bool = False):
    """The NumPy value of an operand: a StrictArray unwrapped, a scalar as it is."""
    if isinstance(x, StrictArray):
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError(f"Unsupported type {type(x)}")
    if isinstance(x, (numbers.Number, np.generic)):
        return x
    if reflected:
        return NotImplemented  # e.g. a Tensor: let its own operator answer
    raise TypeError(f"Unsupported type {type(x)}")


def _index(key):
    """An index with StrictArrays unwrapped; NumPy arrays are refused, as on a device."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    if isinstance(key, StrictArray):
        return key._a
    if isinstance(key, np.ndarray):
        raise TypeError(f"Unsupported index type {type(key)}")
    return key


def wrap(result, same=None):
    """Wrap NumPy arrays (and 0-d scalars) in ``result``, recursing into tuples and lists.

    ``same`` maps ``id`` of an unwrapped argument to its StrictArray, so that a
    function writing into ``out=a`` hands back ``a`` itself.
    """
    if isinstance(result, np.ndarray):
        if same and id(result) in same:
            return same[id(result)]
        return StrictArray(result)
    if isinstance(result, np.generic):
        return StrictArray(np.asarray(result))  # a device reduction gives a 0-d array
    if isinstance(result, list):
        return [wrap(r, same) for r in result]
    if isinstance(result, tuple):
        items = [wrap(r, same) for r in result]
        return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
    return result


def _unwrap(x, same: dict, host_ok: bool):
    if isinstance(x, StrictArray):
        same[id(x._a)] = x
        return x._a
    if isinstance(x, np.ndarray) and not host_ok:
        raise TypeError(f"Unsupported type {type(x)}: a host array passed to the device module")
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_unwrap(v, same, host_ok) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, same, host_ok) for k, v in x.items()}
    return x


# Functions that take host data on purpose: they copy it to the device.
_FROM_HOST = frozenset({"array", "asarray", "asanyarray", "ascontiguousarray"})


def _wrapped_function(fn, name: str = "", on_device: bool = False):
    """``fn`` with arrays unwrapped on the way in and wrapped on the way out.

    A NumPy scalar result becomes a 0-d device array when the call involved one
    (``on_device``: a method of a device array), as in CuPy.
    """
    host_ok = name in _FROM_HOST

    def call(*args, **kwargs):
        same: dict = {}
        args = _unwrap(args, same, host_ok)
        kwargs = _unwrap(kwargs, same, host_ok)
        got = fn(*args, **kwargs)
        if isinstance(got, np.generic) and not (same or on_device):
            return got  # a scalar from host-only arguments (xp.prod(shape))
        return wrap(got, same)

    call.__name__ = getattr(fn, "__name__", name)
    return call


class _Ufunc:
    """A NumPy ufunc seen through the device: calls and ``reduce``/``at``/... wrapped."""

    def __init__(self, ufunc: np.ufunc) -> None:
        self._u = ufunc
        self._call = _wrapped_function(ufunc)

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __getattr__(self, name: str):
        got = getattr(self._u, name)
        return _wrapped_function(got) if callable(got) else got


class StrictModule:
    """NumPy's namespace, with arrays going in unwrapped and coming out wrapped."""

    def __init__(self, numpy_module: types.ModuleType) -> None:
        self._np = numpy_module

    def __getattr__(self, name: str):
        if name == "random":
            raise AttributeError("the strict device has no random module: glasstorch draws on the host")
        got = getattr(self._np, name)
        if isinstance(got, types.ModuleType):
            got = StrictModule(got)
        elif isinstance(got, np.ufunc):
            got = _Ufunc(got)
        elif callable(got) and not isinstance(got, type):  # dtypes, errstate, finfo stay NumPy's
            got = _wrapped_function(got, name)
        setattr(self, name, got)  # look each name up once
        return got

    @staticmethod
    def diagonal(a, offset=0, axis1=0, axis2=1) -> StrictArray:
        """A writable diagonal view, as CuPy's."""
        return _diagonal(a, offset, axis1, axis2)

    @staticmethod
    def asnumpy(array) -> np.ndarray:
        """A host copy of a device array (CuPy's ``asnumpy``)."""
        return array._a.copy() if isinstance(array, StrictArray) else np.asarray(array)

    @staticmethod
    def asarray(array, dtype=None) -> StrictArray:
        """A device copy of host data (CuPy's ``asarray`` of a NumPy array)."""
        if isinstance(array, StrictArray):
            return array if dtype is None else array.astype(dtype, copy=False)
        host = np.asarray(array)
        order = "F" if host.ndim > 1 and host.flags.f_contiguous and not host.flags.c_contiguous else "C"
        return StrictArray(np.array(host, dtype=dtype, order=order, copy=True))  # CuPy's layout rule

    def __repr__(self) -> str:
        return f"<strict device module over {self._np.__name__}>"


module = StrictModule(np)


def _dispatch_ufunc(self, ufunc, method, *inputs, **kwargs):
    same: dict = {}
    inputs, kwargs = _unwrap(inputs, same, False), _unwrap(kwargs, same, False)
    return wrap(getattr(ufunc, method)(*inputs, **kwargs), same)


def _dispatch_function(self, func, types, args, kwargs):
    same: dict = {}
    return wrap(func(*_unwrap(args, same, False), **_unwrap(kwargs, same, False)), same)


def allow_numpy_dispatch() -> None:
    """CuPy's own leniency: NumPy's functions and ufuncs hand device arrays to the device
    (NEP 13/18) instead of refusing them; implicit conversion is still refused.

    ``GLASSTORCH_STRICT_DEVICE=cupy`` runs the tests so: what fails then would fail on
    CuPy too, while ``=1`` also finds the NumPy calls the contract forbids.
    """
    StrictArray.__array_ufunc__ = _dispatch_ufunc
    StrictArray.__array_function__ = _dispatch_function
