"""Padding layers: zero, constant, reflection, replication and circular, in 1, 2 and 3 dims."""

from __future__ import annotations

from ...tensor import Tensor
from .._functional.padding import pad
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    """``padding``: an int (every side) or a tuple (left, right[, top, bottom[, front, back]])."""

    _nd = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        n = 2 * self._nd
        if isinstance(padding, (tuple, list)):
            if len(padding) != n:
                raise ValueError(f"Padding must be an int or a tuple of {n} ints, but got {tuple(padding)}")
            self.padding = tuple(padding)
        else:
            self.padding = (padding,) * n

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""

    _nd = 3


class _ZeroPad:
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """Pad the last dim with zeros."""


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """Pad the last two dims with zeros."""


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """Pad the last three dims with zeros."""


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its mirror image (edge not repeated)."""

    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dims with their mirror image (edge not repeated)."""

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three dims with their mirror image."""

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge value."""

    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating their edge values."""

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating their edge values."""

    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around (periodic)."""

    _nd, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dims by wrapping around (periodic)."""

    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last three dims by wrapping around (periodic)."""

    _nd, _mode = 3, "circular"
