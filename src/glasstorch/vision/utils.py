"""``make_grid`` and ``save_image``: a batch of images tiled into one picture.

The tiling runs on the host: tensors are read with ``backend.to_numpy`` and the
grid comes back through ``backend.from_numpy``.
"""

# host module: tiles host copies of images

from __future__ import annotations

import math
import os

import numpy as np

from .. import backend
from ..datasets.transforms import _pil
from ..tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _as_array(tensor) -> np.ndarray:
    if isinstance(tensor, Tensor):
        return backend.to_numpy(tensor._data)
    if isinstance(tensor, (list, tuple)) and all(isinstance(t, Tensor) for t in tensor):
        return np.stack([backend.to_numpy(t._data) for t in tensor])
    raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Tile a batch (B, C, H, W) into one image (C, rows*(H+p)+p, cols*(W+p)+p), ``nrow`` per row.

    One-channel images become three (grey RGB), as in torchvision. With
    ``normalize`` the values are shifted and scaled to [0, 1] using
    ``value_range`` (default: the min and max, per image with ``scale_each``).
    """
    arr = _as_array(tensor)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        if arr.shape[0] == 1:
            arr = np.concatenate([arr] * 3, axis=0)
        arr = arr[None]
    if arr.ndim != 4:
        raise ValueError(f"make_grid expects a 2-, 3- or 4-dimensional tensor, got {arr.ndim} dimensions")
    if arr.shape[1] == 1:
        arr = np.concatenate([arr] * 3, axis=1)
    if normalize:
        arr = arr.astype(arr.dtype if arr.dtype.kind == "f" else np.float32, copy=True)
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if scale_each:
            for i in range(arr.shape[0]):  # one image at a time: each has its own range
                arr[i] = _normalized(arr[i], value_range)
        else:
            arr = _normalized(arr, value_range)
    if arr.shape[0] == 1:
        return Tensor._make(backend.from_numpy(np.ascontiguousarray(arr[0])), False, None, 0)
    n, c, h, w = arr.shape
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    hh, ww = h + padding, w + padding
    grid = np.full((c, hh * rows + padding, ww * cols + padding), pad_value, dtype=arr.dtype)
    # place all images at once: pad each to (h+p, w+p) cells, lay the cells out, trim to the grid
    cells = np.full((rows * cols, c, hh, ww), pad_value, dtype=arr.dtype)
    cells[:n, :, padding:, padding:] = arr
    tiled = cells.reshape(rows, cols, c, hh, ww).transpose(2, 0, 3, 1, 4).reshape(c, rows * hh, cols * ww)
    grid[:, :rows * hh, :cols * ww] = tiled
    return Tensor._make(backend.from_numpy(grid), False, None, 0)


def _normalized(x: np.ndarray, value_range) -> np.ndarray:
    low, high = (float(x.min()), float(x.max())) if value_range is None else value_range
    x = np.clip(x, low, high)
    return (x - low) / max(high - low, 1e-5)


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:  # noqa: A002
    """Write ``make_grid(tensor, **kwargs)`` as an image file (PNG, JPEG, ... by Pillow)."""
    grid = backend.to_numpy(make_grid(tensor, **kwargs)._data)
    # to bytes as torchvision does: round half up, clamp to [0, 255]
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if ndarr.shape[2] == 1:
        ndarr = ndarr[:, :, 0]
    img = _pil().fromarray(np.ascontiguousarray(ndarr))
    if isinstance(fp, (str, os.PathLike)):
        img.save(os.fspath(fp), format=format)
    else:
        img.save(fp, format=format)
