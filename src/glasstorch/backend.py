"""The array module behind each device.

Every op reaches NumPy through :data:`xp`, so a GPU array module with the
same API (CuPy) can stand behind a ``"cuda"`` device later without touching
the ops. Only ``"cpu"`` is available today.
"""

from __future__ import annotations

import ctypes
import os
import sys

import numpy

xp = numpy  # the CPU device's array module (kept for code that only ever runs on the CPU)

# Which array module owns an array, by the array's type. A device registers its
# module here (CuPy for "cuda" one day; a strict stand-in in the tests).
_MODULE_OF_TYPE: dict[type, object] = {numpy.ndarray: numpy}
_MODULE_OF_DEVICE: dict[str, object] = {"cpu": numpy}


def array_module(array):
    """The array module that owns ``array`` (NumPy for CPU data).

    Ops call this on their input arrays instead of naming NumPy, so the same op
    code runs on any device whose array module has NumPy's API.
    """
    return _MODULE_OF_TYPE.get(type(array), numpy)


def device_available(device_type: str) -> bool:
    """Whether an array module stands behind ``device_type`` in this process."""
    return device_type in _MODULE_OF_DEVICE


def device_module(device_type: str = "cpu"):
    """The array module behind a device type, for creating new data on it."""
    return _MODULE_OF_DEVICE[device_type]


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
