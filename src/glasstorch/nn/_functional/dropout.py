"""Dropout: zero random elements (or whole channels) while training.

Masks come from glasstorch's default generator, so ``manual_seed`` makes
them reproducible. The output is ``input * mask`` with the kept entries of
the mask scaled by ``1 / (1 - p)``: the gradient is ``grad * mask``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import random as _random
from ...backend import array_module
from ...dtypes import SCALAR_TYPE_NAMES
from ...tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

# -SELU's scale * alpha: the value SELU tends to for very negative inputs
_ALPHA = 1.7580993408473766


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p: float, np_dtype):
    """1 where an entry survives (probability ``1 - p``), else 0, in ``np_dtype``."""
    u = _random._rng(None).random(shape, dtype=np.float32 if np_dtype == np.float32 else np.float64)
    return (u >= p).astype(np_dtype)


def _mask_shape(shape, feature) -> tuple:
    """The mask's shape: per element, or one value per (sample, channel) for feature
    dropout (``"batched"``), or per channel of an input without a batch dim (``"unbatched"``)."""
    if not feature:
        return shape
    if feature == "unbatched" and len(shape) >= 1:
        return (shape[0],) + (1,) * (len(shape) - 1)
    if len(shape) < 2 + (feature == "unbatched"):  # 0-d unbatched: torch's added batch dim makes it 1-d
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return tuple(shape[:2]) + (1,) * (len(shape) - 2)


def _check_float(input: Tensor, result: str | None = None) -> None:
    """A random mask is a float: an integer or bool input cannot hold the scaled result."""
    name = input._data.dtype.name
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{result or SCALAR_TYPE_NAMES[name]}")


def _apply(input: Tensor, mask: np.ndarray, inplace: bool, shift=None) -> Tensor:
    """``input * mask (+ shift)``; the mask, drawn on the host, moves to the input's device."""
    xp = array_module(input._data)
    m = Tensor._make(xp.asarray(mask), False, None, 0)
    if shift is None:
        return input.mul_(m) if inplace else input * m
    s = Tensor._make(xp.asarray(shift), False, None, 0)
    if inplace:
        return input.mul_(m).add_(s)
    return input * m + s


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, feature=None) -> Tensor:
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    dt = input._data.dtype
    if p == 1.0:  # no mask drawn: every element is zeroed, whatever the rank
        return _apply(input, np.zeros(input._data.shape, dt), inplace)  # host: mask, moved by _apply
    _check_float(input)
    shape = _mask_shape(input._data.shape, feature)
    mask = _keep_mask(shape, p, dt)
    mask *= dt.type(1.0 / (1.0 - p))
    return _apply(input, mask, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``."""
    return _dropout(input, p, training, inplace, False)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` inputs."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an "
            "optional batch dimension (i.e. 2D or 3D inputs).")
    return _dropout(input, p, training, inplace, "batched" if nd == 3 else "unbatched")


def _warn_rank(nd: int, k: int) -> None:
    """torch's deprecation warning for a ``dropout{k}d`` input that is not (N, C, *k) or (C, *k)."""
    if nd not in (k + 1, k + 2):
        # stacklevel 3: the warning names the caller of dropout{k}d
        warnings.warn(
            f"dropout{k}d: Received a {nd}-D input to dropout{k}d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            f"instead. Note that dropout{k}d exists to provide channel-wise dropout on inputs with {k} spatial "
            f"dimensions, a channel dimension, and an optional batch dimension (i.e. {k + 1}D or {k + 2}D "
            "inputs).", UserWarning, stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` or ``(C, H, W)`` inputs."""
    _check_p(p)
    nd = input._data.ndim
    _warn_rank(nd, 2)
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.", UserWarning, stacklevel=2)
    return _dropout(input, p, training, inplace, "batched")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs."""
    _check_p(p)
    nd = input._data.ndim
    _warn_rank(nd, 3)
    return _dropout(input, p, training, inplace, "batched" if nd == 5 else "unbatched")


def _alpha(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    """Dropout for SELU networks: dropped entries take SELU's negative saturation value and
    an affine map ``a * x + b`` keeps the mean and variance of the input."""
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    dt = input._data.dtype
    if p == 1.0:  # no mask drawn: every element is zeroed, whatever the rank
        return _apply(input, np.zeros(input._data.shape, dt), inplace)  # host: mask, moved by _apply
    _check_float(input, "Long" if dt.kind == "b" else None)  # torch's alpha path turns bool into Long first
    shape = _mask_shape(input._data.shape, feature)
    keep = _keep_mask(shape, p, dt)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    shift = ((keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p).astype(dt)
    keep *= dt.type(a)
    return _apply(input, keep, inplace, shift)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout: keeps zero mean and unit variance of self-normalising activations."""
    return _alpha(input, p, training, inplace, False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout that drops whole channels."""
    return _alpha(input, p, training, inplace, "batched")
