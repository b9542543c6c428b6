"""The array module behind each device, and the explicit ways across devices.

A tensor's data is an array owned by the array module of its device: NumPy's
``ndarray`` for ``"cpu"``. Op code asks :func:`array_module` which module owns
its input arrays and computes with that module's functions and the arrays' own
methods, so a device whose module has NumPy's API (CuPy for ``"cuda"``) can be
added with :func:`register_device` without touching the ops. New data that does
not derive from an input comes from :func:`device_module`.

Data crosses to NumPy only on purpose, through :func:`to_numpy` (``.numpy()``,
``tolist()``, printing, saving), and comes from NumPy through :func:`from_numpy`.
Calls that only touch dtypes, shapes or Python numbers (``np.dtype``,
``np.result_type``, ``np.finfo``) stay NumPy: they are not data.

Only ``"cpu"`` is available to users today. The tests prove the contract with
:func:`cpu_module_replaced`, which puts a strict stand-in module behind
``"cpu"`` whose arrays refuse implicit conversion to NumPy, as CuPy's do.
:data:`xp` is NumPy itself, for the few places that only ever run on the host.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator

import numpy

xp = numpy  # NumPy, for host-only code; op code asks array_module(data) instead

# Which array module owns an array, by the array's type, and which module stands
# behind each device type. register_device fills both.
_MODULE_OF_TYPE: dict[type, object] = {numpy.ndarray: numpy}
_MODULE_OF_DEVICE: dict[str, object] = {"cpu": numpy}


def register_device(device_type: str, module, array_type: type) -> None:
    """Put ``module`` (NumPy's API; arrays of ``array_type``) behind ``device_type``.

    The module must also offer ``asnumpy(array)`` (a host copy) and
    ``asarray(ndarray)`` (a device copy of a NumPy array), as CuPy does.
    """
    _MODULE_OF_TYPE[array_type] = module
    _MODULE_OF_DEVICE[device_type] = module


def array_module(array):
    """The array module that owns ``array`` (NumPy for CPU data).

    Ops call this on their input arrays instead of naming NumPy, so the same op
    code runs on any device whose array module has NumPy's API. Anything that is
    not a device array (a Python or NumPy scalar) belongs to the ``"cpu"`` module.
    """
    return _MODULE_OF_TYPE.get(type(array)) or _MODULE_OF_DEVICE["cpu"]


def device_available(device_type: str) -> bool:
    """Whether an array module stands behind ``device_type`` in this process."""
    return device_type in _MODULE_OF_DEVICE


def device_module(device_type: str = "cpu"):
    """The array module behind a device type, for creating new data on it."""
    return _MODULE_OF_DEVICE[device_type]


def is_device_array(obj) -> bool:
    """Whether ``obj`` is an array of a registered device (NumPy's included)."""
    return type(obj) in _MODULE_OF_TYPE


def to_numpy(array) -> numpy.ndarray:
    """A NumPy array with the values of ``array``: the explicit host copy.

    NumPy arrays (and scalars) come back as they are, without a copy; a device
    array is copied to the host by its own module's ``asnumpy``.
    """
    if isinstance(array, (numpy.ndarray, numpy.generic)):
        return numpy.asarray(array)
    module = _MODULE_OF_TYPE.get(type(array))
    if module is None:
        return numpy.asarray(array)  # Python scalars and nested lists
    return module.asnumpy(array)


def from_numpy(array, device_type: str = "cpu"):
    """``array`` (NumPy, or anything NumPy reads) as an array of ``device_type``.

    On a NumPy device this is ``numpy.asarray`` (no copy); elsewhere the
    device module copies the host array over.
    """
    module = _MODULE_OF_DEVICE[device_type]
    if module is numpy:
        return numpy.asarray(array)
    if type(array) in _MODULE_OF_TYPE and _MODULE_OF_TYPE[type(array)] is module:
        return array
    return module.asarray(numpy.asarray(array))


def scalar_state(array) -> float:
    """The Python number in a 0-d array of optimizer state (a step count, ``mu_product``).

    A host read, like ``array.item()``; an array type may answer with a number
    that remembers where it came from (``glasstorch.compile`` records such reads
    so that its replay recomputes the bias corrections at every step).
    """
    read = getattr(type(array), "scalar_state", None)
    return read(array) if read is not None else array.item()


@contextlib.contextmanager
def cpu_module_replaced(module, array_type: type) -> Iterator[None]:
    """The ``"cpu"`` device uses ``module`` (arrays of ``array_type``) inside: the tests'
    strict stand-in device, and ``glasstorch.compile``'s recording module.

    Tensors made inside hold ``array_type`` arrays; NumPy is put back on exit.
    """
    # restored entry by entry (each dict write is atomic): a thread running eagerly meanwhile
    # never finds the tables empty
    missing = object()
    saved_type, saved_cpu = _MODULE_OF_TYPE.get(array_type, missing), _MODULE_OF_DEVICE["cpu"]
    register_device("cpu", module, array_type)
    try:
        yield
    finally:
        _MODULE_OF_DEVICE["cpu"] = saved_cpu
        if saved_type is missing:
            _MODULE_OF_TYPE.pop(array_type, None)
        else:
            _MODULE_OF_TYPE[array_type] = saved_type


def tune_malloc() -> bool:
    """Keep freed array buffers in the heap instead of returning them to the OS.

    A training step allocates and frees the same few-megabyte temporaries
    every step. glibc serves blocks above its mmap threshold with fresh
    ``mmap`` pages, which the kernel must fault in and zero on first touch:
    measured on a 2-core machine, that took LeNet-5 from 14 to 26 ms per
    step (``docs/performance.md``). Raising the mmap threshold to 32 MiB and
    the trim threshold to 256 MiB lets those buffers be reused; peak memory
    is unchanged.

    It changes a process-wide setting, so importing glasstorch does not do
    it: call this once (the benchmarks and ``make demo`` do), or set
    ``GLASSTORCH_MALLOPT=1`` to have ``import glasstorch`` call it. Returns
    whether malloc was tuned (False off Linux/glibc); :data:`MALLOC_TUNED`
    records it.
    """
    global MALLOC_TUNED
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): nothing to tune
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's parameter numbers
    tuned = bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 256 << 20))
    MALLOC_TUNED = MALLOC_TUNED or tuned
    return tuned


MALLOC_TUNED = False  # whether tune_malloc() has changed this process's malloc settings
if os.environ.get("GLASSTORCH_MALLOPT", "0") == "1":  # asked for in the environment
    tune_malloc()


class device:
    """Where a tensor's data lives. glasstorch has one: ``device("cpu")``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                f"Expected one of cpu, cuda, mps, meta device type at start of device string: {type}"
            )
        self.type = name
        self.index = int(idx) if idx else index

    def __repr__(self) -> str:
        suffix = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{suffix})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(d) -> device:
    """Return the device ``d`` names, raising if it is not one glasstorch can use."""
    if d is None:
        return CPU
    d = device(d)
    if d.type != "cpu":
        raise RuntimeError(
            f"glasstorch has no '{d.type}' backend: only the 'cpu' device is available"
        )
    return CPU
