"""Image transforms with torchvision's names, working on NumPy arrays and tensors.

Images are NumPy ``uint8`` arrays (H, W) or (H, W, C), as datasets hand them
out, or tensors (C, H, W) after :class:`ToTensor`.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop",
           "Pad", "CenterCrop"]


def _rand():
    from ..random import default_generator

    return default_generator._rng


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms) -> None:
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """uint8 (H, W[, C]) in [0, 255] -> float32 tensor (C, H, W) in [0, 1]."""

    def __call__(self, pic):
        if isinstance(pic, Tensor):
            return pic
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise TypeError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        out = arr.transpose(2, 0, 1)
        out = out.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else out.astype(np.float32)
        return Tensor._make(np.ascontiguousarray(out), False, None, 0)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """(x - mean) / std per channel of a (C, H, W) tensor."""

    def __init__(self, mean, std, inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
        if tensor.ndim < 3:
            raise ValueError(
                f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tuple(tensor.shape)}"
            )
        dtype = tensor._data.dtype
        mean = np.asarray(self.mean, dtype=dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=dtype).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
        out = (tensor._data - mean) / std
        if self.inplace:
            tensor._data[...] = out
            return tensor
        return Tensor._make(out.astype(dtype, copy=False), False, None, 0)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return "Lambda()"


def _hw_axes(img):
    """Axes of height and width: last two for tensors (C, H, W), first two for arrays (H, W[, C])."""
    return (-2, -1) if isinstance(img, Tensor) else (0, 1)


class RandomHorizontalFlip:
    """Flip left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img):
        if _rand().random() < self.p:
            if isinstance(img, Tensor):
                return img.flip(-1)
            return np.ascontiguousarray(np.flip(img, axis=1))
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


def _pad(img, padding, fill=0, mode="constant"):
    if isinstance(padding, int):
        padding = (padding, padding, padding, padding)
    elif len(padding) == 2:
        padding = (padding[0], padding[1], padding[0], padding[1])
    left, top, right, bottom = padding
    is_t = isinstance(img, Tensor)
    arr = img._data if is_t else np.asarray(img)
    h_ax, w_ax = _hw_axes(img)
    widths = [(0, 0)] * arr.ndim
    widths[h_ax] = (top, bottom)
    widths[w_ax] = (left, right)
    kw = {"constant_values": fill} if mode == "constant" else {}
    out = np.pad(arr, widths, mode={"constant": "constant", "edge": "edge", "reflect": "reflect",
                                    "symmetric": "symmetric"}[mode], **kw)
    return Tensor._make(out, False, None, 0) if is_t else out


class Pad:
    def __init__(self, padding, fill=0, padding_mode="constant") -> None:
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return _pad(img, self.padding, self.fill, self.padding_mode)


def _crop(img, top, left, h, w):
    if isinstance(img, Tensor):
        return img[..., top:top + h, left:left + w]
    return img[top:top + h, left:left + w]


class RandomCrop:
    """Crop a random ``size`` window, after optional ``padding``."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant") -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    def __call__(self, img):
        if self.padding is not None:
            img = _pad(img, self.padding, self.fill, self.padding_mode)
        h_ax, w_ax = _hw_axes(img)
        shape = img.shape
        H, W = shape[h_ax], shape[w_ax]
        th, tw = self.size
        if self.pad_if_needed and (H < th or W < tw):
            img = _pad(img, (max(0, tw - W), max(0, th - H)), self.fill, self.padding_mode)
            shape = img.shape
            H, W = shape[h_ax], shape[w_ax]
        if H < th or W < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(H, W)}")
        rng = _rand()
        top = int(rng.integers(0, H - th + 1))
        left = int(rng.integers(0, W - tw + 1))
        return _crop(img, top, left, th, tw)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class CenterCrop:
    def __init__(self, size) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)

    def __call__(self, img):
        h_ax, w_ax = _hw_axes(img)
        H, W = img.shape[h_ax], img.shape[w_ax]
        th, tw = self.size
        return _crop(img, (H - th) // 2, (W - tw) // 2, th, tw)
