"""Argument checks of the affine maps: torch's errors, raised before any work.

Each ``check_*`` takes the op's arguments and raises what torch raises; it returns nothing.
"""

from __future__ import annotations

import numpy as np

from ...dtypes import SCALAR_TYPE_NAMES
from ...tensor import Tensor


def _type_name(x) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """What torch refuses in ``linear``; a 1-D weight is checked again as the (1, in) matrix it becomes."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        name, pos, bad = ("input", 1, input) if not isinstance(input, Tensor) else ("weight", 2, weight)
        raise TypeError(f"linear(): argument '{name}' (position {pos}) must be Tensor, not {_type_name(bad)}")
    xd, wd = input.ndim, weight.ndim
    if xd == 0 or wd == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {xd}D and {wd}D")
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {SCALAR_TYPE_NAMES[input.dtype.name]} and "
            f"{SCALAR_TYPE_NAMES[weight.dtype.name]}")
    if wd == 1:
        if bias is not None:  # torch then adds through addmm, which wants a matrix
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        return
    if wd != 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {wd}D")
    n_out, n_in = weight.shape
    if input.shape[-1] != n_in:
        rows = input.numel() // input.shape[-1] if input.shape[-1] else 0
        rows = rows if xd > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and {n_in}x{n_out})")
    if bias is not None:
        target = tuple(input.shape[:-1]) + (n_out,)
        try:
            ok = np.broadcast_shapes(tuple(bias.shape), target) == target
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"The expanded size of the tensor ({n_out}) must match the existing size "
                f"({bias.shape[-1] if bias.ndim else 1}) at non-singleton dimension {len(target) - 1}.  "
                f"Target sizes: {list(target)}.  Tensor sizes: {list(bias.shape)}")


def check_bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """What torch refuses in ``bilinear``: ranks, batch dims and feature sizes that disagree."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {d}: got {input1.shape[d]} and "
                f"{input2.shape[d]}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, but got {weight.ndim}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected "
            f"{weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected "
            f"{weight.shape[2]}")
    if bias is not None and bias.numel() != weight.shape[0]:
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but expected "
            f"{weight.shape[0]}")
