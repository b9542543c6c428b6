"""Image transforms with torchvision's names, on PIL images, NumPy arrays and tensors.

Images are PIL images (``glasstorch.vision`` datasets hand them out, as
torchvision's do), NumPy ``uint8`` arrays (H, W) or (H, W, C) (``glasstorch.datasets``
hands these out: no PIL needed), or tensors (..., C, H, W) after :class:`ToTensor`.
Pillow is needed only where a PIL image goes in or comes out
(``pip install glasstorch[vision]``).

Transforms work on the host, as data loading does: a tensor's data is read with
``backend.to_numpy`` and the result handed back with ``backend.from_numpy``
(:class:`Normalize` alone computes with the tensor's own array module).
"""

# host module: image transforms run on host arrays
from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop",
           "Pad", "CenterCrop", "Resize", "Grayscale", "ToPILImage", "PILToTensor", "InterpolationMode"]


def _host(t: Tensor) -> np.ndarray:
    """A tensor's data as a NumPy array (no copy on a NumPy device)."""
    return backend.to_numpy(t._data)


def _tensor(arr: np.ndarray) -> Tensor:
    """A tensor holding the host array ``arr`` (moved to the device's array module)."""
    return Tensor._make(backend.from_numpy(arr), False, None, 0)


def _pil():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("PIL images need Pillow: pip install glasstorch[vision]  (or: pip install Pillow)") from e
    return Image


def _is_pil(img) -> bool:
    import sys

    mod = sys.modules.get("PIL.Image")
    return mod is not None and isinstance(img, mod.Image)


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
        if _is_pil(pic) and pic.mode == "1":
            pic = pic.convert("L")  # torchvision turns a bilevel image into 0/255 bytes first
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise TypeError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        out = arr.transpose(2, 0, 1)
        out = out.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else out.astype(np.float32)
        return _tensor(np.ascontiguousarray(out))

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
        out = (tensor._data - backend.from_numpy(mean)) / backend.from_numpy(std)
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
            if _is_pil(img):
                return img.transpose(_pil().Transpose.FLIP_LEFT_RIGHT)
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
    if _is_pil(img):
        return _pil().fromarray(_pad(np.asarray(img), (left, top, right, bottom), fill, mode))
    is_t = isinstance(img, Tensor)
    arr = _host(img) if is_t else np.asarray(img)
    h_ax, w_ax = _hw_axes(img)
    widths = [(0, 0)] * arr.ndim
    widths[h_ax] = (top, bottom)
    widths[w_ax] = (left, right)
    kw = {"constant_values": fill} if mode == "constant" else {}
    out = np.pad(arr, widths, mode={"constant": "constant", "edge": "edge", "reflect": "reflect",
                                    "symmetric": "symmetric"}[mode], **kw)
    return _tensor(out) if is_t else out


class Pad:
    def __init__(self, padding, fill=0, padding_mode="constant") -> None:
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return _pad(img, self.padding, self.fill, self.padding_mode)


def _size_hw(img) -> tuple[int, int]:
    """(height, width) of a PIL image, array (H, W[, C]) or tensor (..., H, W)."""
    if _is_pil(img):
        return img.height, img.width
    h_ax, w_ax = _hw_axes(img)
    return img.shape[h_ax], img.shape[w_ax]


def _crop(img, top, left, h, w):
    if _is_pil(img):
        return img.crop((left, top, left + w, top + h))
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
        H, W = _size_hw(img)
        th, tw = self.size
        if self.pad_if_needed and (H < th or W < tw):
            img = _pad(img, (max(0, tw - W), max(0, th - H)), self.fill, self.padding_mode)
            H, W = _size_hw(img)
        if H < th or W < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(H, W)}")
        rng = _rand()
        top = int(rng.integers(0, H - th + 1))
        left = int(rng.integers(0, W - tw + 1))
        return _crop(img, top, left, th, tw)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class CenterCrop:
    """Crop the central ``size`` window (torchvision rounds the offset, and pads a too-small image with 0)."""

    def __init__(self, size) -> None:
        self.size = (size, size) if isinstance(size, int) else (tuple(size) * 2 if len(size) == 1 else tuple(size))

    def __call__(self, img):
        H, W = _size_hw(img)
        th, tw = self.size
        if th > H or tw > W:
            pad = ((tw - W) // 2 if tw > W else 0, (th - H) // 2 if th > H else 0,
                   (tw - W + 1) // 2 if tw > W else 0, (th - H + 1) // 2 if th > H else 0)
            img = _pad(img, pad, 0)
            H, W = _size_hw(img)
            if H == th and W == tw:
                return img
        return _crop(img, int(round((H - th) / 2.0)), int(round((W - tw) / 2.0)), th, tw)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class InterpolationMode:
    """torchvision's interpolation names (the values are its strings)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def _resized_size(h: int, w: int, size, max_size) -> tuple[int, int]:
    """torchvision's rule: an int (or [int]) sets the shorter edge, keeping the aspect ratio."""
    if isinstance(size, int) or len(size) == 1:
        target = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = target, int(target * long / short)
        if max_size is not None:
            if max_size <= target:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for "
                                 f"the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    return int(size[0]), int(size[1])


def _aa_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of antialiased bilinear resampling (a triangle filter widened by the
    downscale factor, PIL's and torch's ``antialias=True`` scheme); plain bilinear when upscaling."""
    scale = n_in / n_out
    ss = max(scale, 1.0)
    centers = (np.arange(n_out) + 0.5) * scale
    lo = np.maximum((centers - ss + 0.5).astype(np.int64), 0)
    hi = np.minimum((centers + ss + 0.5).astype(np.int64), n_in)
    j = np.arange(n_in)
    w = np.maximum(0.0, 1.0 - np.abs((j[None, :] - centers[:, None] + 0.5) / ss))
    w *= (j[None, :] >= lo[:, None]) & (j[None, :] < hi[:, None])
    return w / w.sum(axis=1, keepdims=True)


def _resize_array(arr: np.ndarray, h_ax: int, w_ax: int, out_h: int, out_w: int, mode: str) -> np.ndarray:
    in_h, in_w = arr.shape[h_ax], arr.shape[w_ax]
    if mode in ("nearest", "nearest-exact"):
        off = 0.5 if mode == "nearest-exact" else 0.0
        rows = np.minimum(((np.arange(out_h) + off) * (in_h / out_h)).astype(np.int64), in_h - 1)
        cols = np.minimum(((np.arange(out_w) + off) * (in_w / out_w)).astype(np.int64), in_w - 1)
        return np.take(np.take(arr, rows, axis=h_ax), cols, axis=w_ax)
    if mode != "bilinear":
        raise NotImplementedError(f"Resize of tensors and arrays supports nearest, nearest-exact and bilinear; "
                                  f"got {mode} (resize a PIL image for the other filters)")
    work = arr.astype(np.float64 if arr.dtype == np.float64 else np.float32)
    work = np.moveaxis(work, (h_ax, w_ax), (-2, -1))
    wh = _aa_weights(in_h, out_h).astype(work.dtype)
    ww = _aa_weights(in_w, out_w).astype(work.dtype)
    out = np.matmul(np.matmul(wh, work), ww.T)
    out = np.moveaxis(out, (-2, -1), (h_ax, w_ax))
    if arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    return np.ascontiguousarray(out.astype(arr.dtype))


class Resize:
    """Resize to ``size``: (h, w), or an int for the shorter edge keeping the aspect ratio.

    PIL images go through Pillow's filters; tensors (..., H, W) and arrays
    (H, W[, C]) through antialiased bilinear (or nearest) resampling, as
    torchvision's default ``antialias=True`` does.
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias: bool = True) -> None:
        if not isinstance(size, (int, list, tuple)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        if isinstance(interpolation, int):
            interpolation = {v: k for k, v in _PIL_FILTERS.items()}[interpolation]
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def __call__(self, img):
        H, W = _size_hw(img)
        out_h, out_w = _resized_size(H, W, self.size, self.max_size)
        mode = getattr(self.interpolation, "value", self.interpolation)
        if _is_pil(img):
            if (out_h, out_w) == (H, W):
                return img
            return img.resize((out_w, out_h), _PIL_FILTERS[mode])
        if isinstance(img, Tensor):
            return _tensor(_resize_array(_host(img), -2, -1, out_h, out_w, mode))
        return _resize_array(np.asarray(img), 0, 1, out_h, out_w, mode)

    def __repr__(self) -> str:
        return (f"Resize(size={self.size}, interpolation={self.interpolation}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


class Grayscale:
    """RGB -> luma (0.2989 R + 0.587 G + 0.114 B), as 1 or 3 identical channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3):
            raise ValueError("num_output_channels should be either 1 or 3")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        if _is_pil(img):
            gray = img.convert("L")
            return gray if self.num_output_channels == 1 else _pil().merge("RGB", [gray, gray, gray])
        is_t = isinstance(img, Tensor)
        arr = _host(img) if is_t else np.asarray(img)
        c_ax = -3 if is_t else -1
        if not is_t and arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim < 3:
            raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {arr.ndim}")
        if arr.shape[c_ax] == 1:
            gray = arr
        elif arr.shape[c_ax] == 3:
            work = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float32)  # torch computes in float32
            r, g, b = (np.take(arr, i, axis=c_ax).astype(work) for i in range(3))
            gray = np.expand_dims((0.2989 * r + 0.587 * g + 0.114 * b).astype(arr.dtype), c_ax)
        else:
            raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {arr.shape[c_ax]}")
        if self.num_output_channels == 3:
            gray = np.repeat(gray, 3, axis=c_ax)
        return _tensor(np.ascontiguousarray(gray)) if is_t else gray

    def __repr__(self) -> str:
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class ToPILImage:
    """Tensor (C, H, W) or array (H, W[, C]) -> PIL image; float tensors are scaled by 255 first."""

    _MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic):
        Image = _pil()
        if isinstance(pic, Tensor):
            arr = _host(pic)
            if arr.ndim == 2:
                arr = arr[None]
            if arr.ndim != 3:
                raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
            if arr.dtype.kind == "f" and self.mode != "F":
                arr = (arr * 255).astype(np.uint8)  # torch's byte(): truncation
            arr = arr.transpose(1, 2, 0)
        elif isinstance(pic, np.ndarray):
            arr = pic if pic.ndim == 3 else (pic[:, :, None] if pic.ndim == 2 else None)
            if arr is None:
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        else:
            raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
        channels = arr.shape[2]
        if channels == 1:
            arr = arr[:, :, 0]
            if arr.dtype == np.float32:
                return Image.fromarray(arr.astype(np.float32), mode="F") if self.mode == "F" else \
                    Image.fromarray(arr)
            if arr.dtype != np.uint8:
                raise TypeError(f"Input type {arr.dtype} is not supported")
            img = Image.fromarray(arr)
            return img if self.mode in (None, "L") else img.convert(self.mode)
        if channels not in self._MODES or arr.dtype != np.uint8:
            raise TypeError(f"Input type {arr.dtype} with {channels} channels is not supported")
        img = Image.fromarray(np.ascontiguousarray(arr))
        return img if self.mode in (None, img.mode) else img.convert(self.mode)

    def __repr__(self) -> str:
        return "ToPILImage()" if self.mode is None else f"ToPILImage(mode={self.mode})"


class PILToTensor:
    """PIL image -> tensor (C, H, W) of its own dtype (uint8 for L/RGB), not rescaled."""

    def __call__(self, pic):
        if not _is_pil(pic):
            raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
        arr = np.array(pic, copy=True)
        if pic.mode == "1":
            arr = arr.astype(np.uint8) * 255
        if arr.ndim == 2:
            arr = arr[:, :, None]
        return _tensor(np.ascontiguousarray(arr.transpose(2, 0, 1)))

    def __repr__(self) -> str:
        return "PILToTensor()"
