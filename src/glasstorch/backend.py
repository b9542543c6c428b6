"""The array module behind each device.

Every op reaches NumPy through :data:`xp`, so a GPU array module with the
same API (CuPy) can stand behind a ``"cuda"`` device later without touching
the ops. Only ``"cpu"`` is available today.
"""

from __future__ import annotations

import numpy

xp = numpy


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
