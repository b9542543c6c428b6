"""Resampling: ``interpolate`` / ``upsample``, ``pixel_shuffle`` and ``pixel_unshuffle``.

Every interpolation mode is separable, so it runs one spatial dim at a time:
each output position reads a few input positions along that dim
(:func:`~glasstorch.ops.conv.take_along`) and mixes them with per-position
weights. The result is a chain of differentiable Tensor ops.
"""

from __future__ import annotations

import math

import numpy as np

from ...backend import array_module
from ...dtypes import SCALAR_TYPE_NAMES
from ...ops.conv import take_along
from ...tensor import Tensor
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_NEEDS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_CUBIC_A = -0.75


def _scale(in_size: int, out_size: int, scale, align_corners: bool, dtype):
    """How far apart, in input coordinates, two neighbouring output positions are."""
    if align_corners:
        return dtype.type((in_size - 1) / (out_size - 1) if out_size > 1 else 0.0)
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(in_size) / dtype.type(out_size)


def _nearest_index(in_size, out_size, scale, exact: bool) -> np.ndarray:  # host: indices from sizes
    dst = np.arange(out_size)
    if not exact and (scale is None or scale == out_size / in_size):  # shortcuts only where the scale is the sizes'
        if out_size == in_size:
            return dst
        if out_size == 2 * in_size:
            return dst >> 1
    s = _scale(in_size, out_size, scale, False, np.dtype(np.float32))
    pos = (dst.astype(np.float32) + np.float32(0.5)) * s if exact else dst.astype(np.float32) * s
    return np.minimum(np.floor(pos).astype(np.int64), in_size - 1)


def _source_coords(in_size, out_size, scale, align_corners, cubic, dtype):  # host: coordinates from sizes
    s = _scale(in_size, out_size, scale, align_corners, dtype)
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        src = dst * s
    else:
        # one rounding, as torch's fused multiply-add: s * (dst + 1/2) - 1/2 exactly, then cast
        src = (np.float64(s) * (dst.astype(np.float64) + 0.5) - 0.5).astype(dtype)
    return src if cubic else np.maximum(src, 0)


def _along(w: np.ndarray, dim: int, x: Tensor) -> Tensor:
    """Host weights ``w`` along ``dim``, as a tensor broadcastable against ``x`` on its device."""
    shape = [1] * x.dim()
    shape[dim] = w.shape[0]
    return Tensor._make(array_module(x._data).asarray(w.reshape(shape)), False, None, 0)


def _linear_1d(x: Tensor, dim: int, out_size: int, scale, align_corners: bool) -> Tensor:
    n = x.shape[dim]
    if n == out_size:
        # torch keeps a dim of unchanged size, whatever the scale, as both taps on the same
        # element with weights 1 and 0: x * 1 + x * 0, which is NaN at an infinity
        return x + x * 0
    dtype = x._data.dtype
    src = _source_coords(n, out_size, scale, align_corners, False, dtype)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)  # host: indices and weights from sizes
    i1 = np.minimum(i0 + 1, n - 1)  # host: indices
    lam = np.clip(src - i0, 0, 1).astype(dtype)  # host: weights
    a = take_along(x, dim, i0) * _along((1 - lam).astype(dtype), dim, x)
    return a + take_along(x, dim, i1) * _along(lam, dim, x)


def _cubic_weights(t: np.ndarray) -> list:
    A = _CUBIC_A
    x1, x2 = t + 1, 1 - t

    def near(v):  # |v| <= 1
        return ((A + 2) * v - (A + 3)) * v * v + 1

    def far(v):  # 1 < |v| < 2
        return ((A * v - 5 * A) * v + 8 * A) * v - 4 * A

    return [far(x1), near(t), near(x2), far(2 - t)]


def _cubic_1d(x: Tensor, dim: int, out_size: int, scale, align_corners: bool) -> Tensor:
    n = x.shape[dim]
    dtype = x._data.dtype
    src = _source_coords(n, out_size, scale, align_corners, True, dtype)
    i0 = np.floor(src).astype(np.int64)  # host: indices from sizes
    t = (src - i0).astype(dtype)
    out = None
    for k, w in enumerate(_cubic_weights(t)):
        idx = np.clip(i0 - 1 + k, 0, n - 1)  # host: indices
        term = take_along(x, dim, idx) * _along(w.astype(dtype), dim, x)
        out = term if out is None else out + term
    return out


def _check_integer_resize(input: Tensor, mode: str) -> None:
    """torch resizes integers only as uint8 images (bilinear, bicubic), with fixed-point
    weights that round as its own kernels do: glasstorch refuses those rather than give other
    numbers, and gives torch's error for the rest."""
    name = SCALAR_TYPE_NAMES[input.dtype.name]
    if name == "Byte" and mode in ("bilinear", "bicubic"):
        raise NotImplementedError(f"interpolate: uint8 input with mode='{mode}' is not supported by glasstorch "
                                  "(convert to float first)")
    kernel = {"bilinear": "upsample_bilinear2d_channels_last", "bicubic": "compute_indices_weights_cubic"}
    raise NotImplementedError(f'"{kernel.get(mode, "compute_indices_weights_linear")}" not implemented for \'{name}\'')


def _sizes(input, size, scale_factor, recompute_scale_factor):
    nd = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (tuple, list)):
            if len(size) != nd:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {list(input.shape[2:])} and output size of {size}. Please provide "
                    "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * nd
        return out, (None,) * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (tuple, list)):
        if len(scale_factor) != nd:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {scale_factor}. "
                "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                "(s1, s2, ...,sK) format.")
        scales = tuple(float(s) for s in scale_factor)
    else:
        scales = (float(scale_factor),) * nd
    out = tuple(math.floor(float(n) * s) for n, s in zip(input.shape[2:], scales))
    return out, ((None,) * nd if recompute_scale_factor else scales)


def _check_resize(input: Tensor, out_sizes: tuple) -> None:
    """torch's resampling kernels need non-empty spatial sizes in and out, and at least one channel."""
    in_sizes = tuple(input.shape[2:])
    if any(n <= 0 for n in in_sizes + out_sizes):
        names = ("D", "H", "W")[3 - len(in_sizes):]
        got = ", ".join(f"{a}: {n}" for a, n in zip(names, in_sizes))
        want = ", ".join(f"{a}: {n}" for a, n in zip(names, out_sizes))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({got}) "
                           f"{'and ' if len(in_sizes) == 1 else ''}output ({want})")
    if input.shape[1] == 0:
        raise RuntimeError(f"Non-empty {input.dim()}D data tensor expected but got a tensor with sizes "
                           f"{list(input.shape)}")


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *spatial) to ``size`` or by ``scale_factor``.

    ``mode``: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' / 'bicubic' (4-D),
    'trilinear' (5-D) or 'area' (adaptive average pooling).
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    out_sizes, scales = _sizes(input, size, scale_factor, recompute_scale_factor)  # torch checks these first
    dim = input.dim()
    if mode in _NEEDS and dim != _NEEDS[mode] + 2:
        raise NotImplementedError(f"Got {dim}D input, but {mode} mode needs {_NEEDS[mode] + 2}D input")
    if dim not in (3, 4, 5) or mode not in ("nearest", "nearest-exact", "area", *_NEEDS):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {dim}D) for the modes: {_MODES} "
            f"(got {mode})")
    if mode == "area":  # adaptive pooling has checks of its own
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 3]
        return pool(input, out_sizes)
    _check_resize(input, out_sizes)
    if mode in _NEEDS and input._data.dtype.kind in "biu":
        _check_integer_resize(input, mode)
    out = input
    for i, (o, s) in enumerate(zip(out_sizes, scales)):
        d = 2 + i
        n = input.shape[d]
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_index(n, o, s, mode == "nearest-exact")
            if o == n and np.array_equal(idx, np.arange(n)):  # host: indices
                continue
            out = take_along(out, d, idx)
        elif mode == "bicubic":
            out = _cubic_1d(out, d, o, s, align_corners)
        else:
            out = _linear_1d(out, d, o, s, align_corners)
    return out if out is not input else input.clone()


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Nearest-neighbour upsampling (deprecated alias of ``interpolate(mode='nearest')``)."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Bilinear upsampling with ``align_corners=True``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _shuffle_factor(fn: str, input: Tensor, factor: int, name: str) -> int:
    """The factor of pixel_shuffle / pixel_unshuffle as an int, after the checks they share."""
    r = int(factor)
    if input.dim() < 3:
        raise RuntimeError(f"{fn} expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{fn} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    r = _shuffle_factor("pixel_shuffle", input, upscale_factor, "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    perm = list(range(b)) + [b, b + 3, b + 1, b + 4, b + 2]
    return x.permute(*perm).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W); the inverse of :func:`pixel_shuffle`."""
    r = _shuffle_factor("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    if input._data.size == 0:  # torch hands back an empty input's copy unchanged in shape
        return input.clone()
    b = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    perm = list(range(b)) + [b, b + 2, b + 4, b + 1, b + 3]
    return x.permute(*perm).reshape(*lead, c * r * r, h // r, w // r)
