"""What the shape ops share: the Function bases and shape arguments."""

from __future__ import annotations

from ...autograd.function import Function


class _Op(Function):
    array_io = True


class _View(_Op):
    is_view = True


def _shape_args(shape) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` alike: the sizes as a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _share_version(input, outs):
    """Multi-output views share the input's version counter, like single-output ones."""
    for o in outs:
        o._version = input._version
    return outs
