"""``glasstorch.cuda``: what a script asks about CUDA, answered truthfully.

glasstorch runs on the CPU, so there is no CUDA device: :func:`is_available`
is False and :func:`device_count` is 0, as torch says on a machine without
GPUs. The calls scripts make unconditionally (seeding, ``synchronize``-free
cache and memory queries) work and report nothing allocated; the calls that
need a device raise the error torch raises there.

Every answer goes through :func:`_backend`, the one place that knows whether
an array module for ``"cuda"`` exists. When a CuPy-backed device is added, it
fills in that function and the rest of this module starts telling about it.
"""

from __future__ import annotations

__all__ = ["is_available", "device_count", "is_initialized", "init", "current_device", "set_device",
           "get_device_name", "get_device_capability", "get_device_properties", "synchronize",
           "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "is_bf16_supported", "device", "amp"]

from ..backend import device_available, device_module


def _backend():
    """The CUDA array module, or None while glasstorch has none."""
    return device_module("cuda") if device_available("cuda") else None


def _require() -> None:
    if _backend() is None:
        # torch built without CUDA raises AssertionError with this text
        raise AssertionError("Torch not compiled with CUDA enabled")


def is_available() -> bool:
    """Whether a CUDA device can be used: never, in this CPU-only build."""
    return _backend() is not None


def device_count() -> int:
    return 0 if _backend() is None else _backend().device_count()


def is_initialized() -> bool:
    return False


def init() -> None:
    _require()


def current_device() -> int:
    _require()
    return 0


def set_device(device) -> None:
    _require()


def get_device_name(device=None) -> str:
    _require()
    return ""


def get_device_capability(device=None) -> tuple[int, int]:
    _require()
    return (0, 0)


def get_device_properties(device=None):
    _require()


def synchronize(device=None) -> None:
    _require()


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


# Memory queries: with no device nothing is allocated (torch answers 0 too).
def empty_cache() -> None:
    """Nothing is cached without a device."""


def memory_allocated(device=None) -> int:
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def max_memory_reserved(device=None) -> int:
    return 0


def reset_peak_memory_stats(device=None) -> None:
    """No peak to reset without a device."""


# Seeding: torch silently accepts these without CUDA so that scripts can seed
# every generator unconditionally.
def manual_seed(seed: int) -> None:
    """No CUDA generator exists; accepted, as torch does without CUDA."""


def manual_seed_all(seed: int) -> None:
    """No CUDA generator exists; accepted, as torch does without CUDA."""


def seed() -> None:
    pass


def seed_all() -> None:
    pass


class device:
    """Context manager selecting a CUDA device; without CUDA, ``device(None)``/-1 does nothing."""

    def __init__(self, device) -> None:
        self.idx = -1 if device is None else (device if isinstance(device, int) else getattr(device, "index", 0))

    def __enter__(self):
        if self.idx is not None and self.idx >= 0:
            _require()
        return self

    def __exit__(self, *exc) -> bool:
        return False


from . import amp  # noqa: E402  (``torch.cuda.amp``: deprecated in torch, still in scripts)
