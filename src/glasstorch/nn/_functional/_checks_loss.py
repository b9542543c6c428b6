"""Argument checks of the losses: torch's errors (and warnings), raised before any work.

Each ``check_*`` takes the loss's arguments and raises what torch raises; it returns nothing.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...dtypes import SCALAR_TYPE_NAMES
from ...tensor import Tensor


def check_same_size(input: Tensor, target: Tensor, name: str) -> None:
    """torch warns (stacklevel: the loss's caller) when a target's shape differs from the input's."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
            "same size.", stacklevel=3)


def check_class_target(input: Tensor, target: Tensor, weight, n_classes: int) -> None:
    """Class-index targets: shape against the input's (see the module docstring of loss), dtype, weight size."""
    if input.ndim == 1:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif input.ndim == 2:
        if target.ndim != 1:
            raise RuntimeError(
                "0D or 1D target tensor expected, multi-target not supported "
                f"(input of shape {list(input.shape)}, target of shape {list(target.shape)})")
        if target.shape[0] != input.shape[0]:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]}).")
    else:
        if target.ndim == 0 or target.shape[0] != input.shape[0]:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                f"({target.shape[0] if target.ndim else 1}).")
        expected = [input.shape[0]] + list(input.shape[2:])
        if list(target.shape) != expected:
            raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {SCALAR_TYPE_NAMES[target.dtype.name]}")
    check_class_weight(weight, n_classes)


def check_class_weight(weight, n_classes: int) -> None:
    """A class weight has one entry per class."""
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but got "
            f"weight tensor of shape: {list(weight.shape)}")


def check_in_range(t: np.ndarray, n_classes: int, ignore_index: int) -> None:
    """Every target but ``ignore_index`` names a class."""
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].reshape(-1)[0]} is out of bounds.")
