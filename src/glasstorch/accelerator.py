"""``glasstorch.accelerator``: the device-agnostic question "is there an accelerator?".

glasstorch computes on the CPU, which torch does not count as an accelerator:
:func:`is_available` is False and :func:`current_accelerator` is None, so a
script's ``device = torch.accelerator.current_accelerator() if ... else
torch.device("cpu")`` picks the CPU.
"""

from __future__ import annotations

from . import cuda as _cuda
from .backend import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]


def is_available(check_available: bool = False) -> bool:
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    return _device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    return _cuda.device_count()


def _no_accelerator() -> RuntimeError:
    return RuntimeError("No accelerator is available: glasstorch computes on the CPU")


def current_device_index() -> int:
    if not _cuda.is_available():
        raise _no_accelerator()
    return _cuda.current_device()


def set_device_index(device) -> None:
    if not _cuda.is_available():
        raise _no_accelerator()
    _cuda.set_device(device)


def synchronize(device=None) -> None:
    if not _cuda.is_available():
        raise _no_accelerator()
    _cuda.synchronize(device)
