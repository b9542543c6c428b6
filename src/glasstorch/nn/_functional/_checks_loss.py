"""Argument checks of the losses: torch's errors (and warnings), raised before any work.

Each ``check_*`` takes the loss's arguments and raises what torch raises; it returns nothing.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...dtypes import SCALAR_TYPE_NAMES
from ...ops._util import broadcast_shape
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
        _check_target_dtype(target)  # before the size, for a 1-D input
        if target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    elif input.ndim == 2:
        batch = target.shape[0] if target.ndim else 0  # torch reads a 0-d target's batch as 0 here
        if batch != input.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({batch}).")
        if target.ndim == 0:  # an empty batch and a 0-d target: torch then asks the target for its dim 0
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if target.ndim != 1:
            raise RuntimeError(
                "0D or 1D target tensor expected, multi-target not supported "
                f"(input of shape {list(input.shape)}, target of shape {list(target.shape)})")
    else:
        _check_spatial_target(input, target)
    _check_target_dtype(target)
    if input.ndim > 2 and target._data.dtype != np.int64:  # torch's spatial kernel takes Long targets only
        raise RuntimeError("expected scalar type Long but found Byte")
    check_class_weight(weight, n_classes)


def _check_target_dtype(target: Tensor) -> None:
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {SCALAR_TYPE_NAMES[target.dtype.name]}")


def _check_spatial_target(input: Tensor, target: Tensor) -> None:
    """An (N, C, d1, ...) input's target is (N, d1, ...). torch runs 3-D and 5-D+ inputs through
    its 4-D kernel, viewed as (N, C, 1, -1); with no classes the view is (N, 0, 0, 0), which no
    target with elements matches, and a 0-d target with an empty batch fails where it is viewed."""
    n = input.shape[0]
    if target.ndim == 0:
        if n != 0:
            raise ValueError(f"Expected input batch_size ({n}) to match target batch_size (0).")
        if input.ndim == 4:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               "dimension: 0")
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    if target.shape[0] != n:
        raise ValueError(f"Expected input batch_size ({n}) to match target batch_size ({target.shape[0]}).")
    expected = [n] + list(input.shape[2:])
    if list(target.shape) != expected:
        raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    if input.ndim != 4 and input.shape[1] == 0 and target.numel() > 0:
        raise RuntimeError(f"size mismatch (got input: [{n}, 0, 0, 0] , target: [{n}, 1, {target.numel() // n}]")


def check_class_weight(weight, n_classes: int, prefix: str = "") -> None:
    """A class weight has one entry per class (``prefix``: the op, where torch's message names it)."""
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(
            f"{prefix}weight tensor should be defined either for all {n_classes} classes or no classes but got "
            f"weight tensor of shape: {list(weight.shape)}")


def check_in_range(t: np.ndarray, n_classes: int, ignore_index: int) -> None:
    """Every target but ``ignore_index`` names a class."""
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].reshape(-1)[0]} is out of bounds.")


def _name(dt) -> str:
    return SCALAR_TYPE_NAMES[dt.name]


def check_into_input(input: Tensor, result, what: str = "") -> None:
    """Losses torch writes into a tensor of the input's dtype: the ``result`` dtype must cast to it.
    ``what``: the kernel's name when an integer input has no kernel (torch's NotImplementedError)."""
    from ...dtypes import can_cast

    if not can_cast(result, input.dtype):
        raise RuntimeError(f"result type {_name(result)} can't be cast to the desired output type "
                           f"{_name(input.dtype)}")
    if what and not input.is_floating_point():
        raise NotImplementedError(f'"{what}" not implemented for \'{_name(result)}\'')


def check_broadcast_into(out: tuple, other: tuple) -> None:
    """An in-place op on an ``out``-shaped tensor: ``other`` must broadcast to exactly ``out``."""
    n = max(len(out), len(other))
    a, b = (1,) * (n - len(out)) + out, (1,) * (n - len(other)) + other
    for i in range(n - 1, -1, -1):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                               f"non-singleton dimension {i}")
    full = [max(x, y) if min(x, y) else 0 for x, y in zip(a, b)]
    if tuple(full) != out:
        raise RuntimeError(f"output with shape {list(out)} doesn't match the broadcast shape {full}")


_BOOL_SUB = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
             "mask, use the `~` or `logical_not()` operator instead.")


def check_bce_with_logits(input: Tensor, target: Tensor, weight, pos_weight) -> None:
    """torch's kernel, step by step: log_sigmoid(input) [* (1 + (pos_weight - 1) * target)] is kept in the
    input's dtype; (1 - target) * input - that, [* weight], in a tensor of the target's dtype and shape."""
    from ...dtypes import result_type

    if not input.is_floating_point():
        raise NotImplementedError(f'"log_sigmoid_cpu" not implemented for \'{_name(input.dtype)}\'')
    if pos_weight is not None:
        if pos_weight.dtype.name == "bool":
            raise RuntimeError(_BOOL_SUB)
        log_weight = broadcast_shape(tuple(pos_weight.shape), tuple(target.shape))
        check_broadcast_into(tuple(input.shape), log_weight)
    if target.dtype.name == "bool":  # torch's 1 - target: the 1 is read as a bool too
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if not target.is_floating_point():
        raise RuntimeError(f"result type {_name(result_type(target, input))} can't be cast to the desired output "
                           f"type {_name(target.dtype)}")
    if weight is not None:
        check_broadcast_into(tuple(target.shape), tuple(weight.shape))


def check_float_logits(input: Tensor, step: str) -> None:
    """torch has no integer kernel for log_softmax (an empty input skips it and fails in nll_loss)."""
    if input.is_floating_point():
        return
    if input._data.size == 0 or step == "nll_loss":
        kernel = "nll_loss_out_frame" if input.ndim <= 2 else "nll_loss2d_forward_out_frame"
    else:
        kernel = "log_softmax_lastdim_kernel_impl" if input.ndim <= 2 else "log_softmax_kernel_impl"
    raise NotImplementedError(f'"{kernel}" not implemented for \'{SCALAR_TYPE_NAMES[input.dtype.name]}\'')


def check_multi_margin(input: Tensor, target: Tensor, weight) -> None:
    """multi_margin_loss: a non-empty (C) or (N, C) input, one class index per row, a weight per class."""
    if not ((input.ndim <= 1 and input.numel()) or (input.ndim == 2 and input.shape[1])):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    nframe = input.shape[0] if input.ndim == 2 else 1
    if target.ndim > 1 or target.numel() != nframe:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch "
            f"size). Expected target size [{nframe}], but got {list(target.shape)}. Input has shape "
            f"{list(input.shape)}.")
    c = input.shape[-1] if input.ndim else 1
    if weight is not None and (weight.ndim > 1 or weight.numel() != c):
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    if target.dtype.name != "int64":
        raise RuntimeError(f"expected scalar type Long but found {SCALAR_TYPE_NAMES[target.dtype.name]}")
    t = target._data
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
