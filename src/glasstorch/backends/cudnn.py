"""``glasstorch.backends.cudnn``: cuDNN is not available; its flags are kept so scripts can set them.

``benchmark``, ``deterministic``, ``enabled`` and ``allow_tf32`` are plain
module attributes with torch's defaults; setting them changes nothing about
how glasstorch computes (it is CPU-only and deterministic).
"""

from __future__ import annotations

enabled: bool = True
benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True
benchmark_limit: int = 10


def is_available() -> bool:
    return False


def version() -> int | None:
    """The cuDNN version: None, as torch reports without cuDNN."""
    return None


class flags:
    """Context manager setting the flags above for a block, then restoring them."""

    def __init__(self, enabled: bool = False, benchmark: bool = False, deterministic: bool = False,
                 allow_tf32: bool = True) -> None:
        self._new = {"enabled": enabled, "benchmark": benchmark, "deterministic": deterministic,
                     "allow_tf32": allow_tf32}

    def __enter__(self):
        g = globals()
        self._old = {k: g[k] for k in self._new}
        g.update(self._new)
        return self

    def __exit__(self, *exc) -> bool:
        globals().update(self._old)
        return False
