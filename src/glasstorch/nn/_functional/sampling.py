"""Sampling functions: ``gumbel_softmax``, ``grid_sample`` and ``affine_grid``.

``grid_sample`` is written with Tensor ops (index arithmetic, ``gather`` and
products of interpolation weights), so its gradients with respect to both the
input and the grid, and their derivatives again, come from those ops.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from ... import ops
from ... import random as _random
from ...autograd.function import Function
from ...backend import array_module, from_numpy
from ...dtypes import SCALAR_TYPE_NAMES
from ...ops._util import wrap_dim
from ...tensor import Tensor

__all__ = ["affine_grid", "grid_sample", "gumbel_softmax"]


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Softmax of ``(logits + Gumbel noise) / tau``: a differentiable, relaxed draw from
    ``Categorical(logits)``. With ``hard=True`` the value is one-hot and the gradient is
    the soft sample's (straight-through)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if not logits.is_floating_point() and logits.numel():  # torch draws the noise with exponential_ in the logits' dtype
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {SCALAR_TYPE_NAMES[logits.dtype.name]}")
    wrap_dim(dim, logits.ndim)
    e = _random._rng(None).exponential(1.0, logits._data.shape).astype(logits._data.dtype)
    gumbels = -Tensor._make(from_numpy(e), False, None, 0).log()  # drawn on the host
    y_soft = ops.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = ops.zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


class _ZeroGradTo(Function):
    """Passes ``x`` through; ``other`` joins the graph with a zero gradient."""

    array_io = True

    @staticmethod
    def forward(ctx, x, other):
        ctx.other_meta = (other.shape, other.dtype)
        return x

    @staticmethod
    def backward(ctx, grad):
        shape, dtype = ctx.other_meta
        return grad, Tensor._make(array_module(grad).zeros(shape, dtype), False, None, 0)


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    # [-1, 1] onto pixel indices: the corner pixels' centres, or their outer edges
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(coord: Tensor, size: int) -> Tensor:
    """Clamp to [0, size - 1]; the gradient passes only strictly inside, as in torch."""
    inside = (coord > 0) & (coord < size - 1)
    return ops.where(inside, coord, coord.detach().clamp(0, size - 1))


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Fold ``coord`` back into [twice_low / 2, twice_high / 2] by reflecting at the ends."""
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    shifted = coord - low
    dist = ops.where(shifted.detach() < 0, -shifted, shifted)  # |x| with slope +1 at 0, as torch
    extra = ops.fmod(dist, span)
    even = (ops.floor(dist.detach() / span) % 2) == 0
    return ops.where(even, extra + low, span - extra + low)


def _source_index(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    x = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        x = _clip(x, size)
    elif padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
        x = _clip(x, size)
    return x


def _check_grid_sample(input: Tensor, grid: Tensor, mode: str, padding_mode: str) -> None:
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if input.dim() not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.dim() != input.dim():
        raise RuntimeError("grid_sampler(): expected grid to have same number of dimensions as input, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but "
                           f"got grid with sizes {list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError("grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    for i in range(2, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {i} being empty")
    if mode == "bicubic" and input.dim() == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported by glasstorch")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the normalised locations in ``grid``
    (N, H', W', 2) or (N, D', H', W', 3); ``grid[..., 0]`` is x (width), then y, then z.

    ``mode``: ``"bilinear"`` (trilinear for 5-D) or ``"nearest"``; ``padding_mode``:
    ``"zeros"``, ``"border"`` or ``"reflection"``.
    """
    _check_grid_sample(input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    n, c = input.shape[0], input.shape[1]
    sizes = tuple(input.shape[2:])            # (H, W) or (D, H, W)
    out_sizes = tuple(grid.shape[1:-1])
    d = len(sizes)
    flat = input.reshape(n, c, -1)
    g = grid.reshape(n, -1, d)
    # per spatial dim (slowest first), the source coordinate; grid lists x first
    coords = [_source_index(g[..., d - 1 - k], sizes[k], padding_mode, align_corners) for k in range(d)]
    strides = [int(np.prod(sizes[k + 1:])) for k in range(d)]  # host: shape arithmetic

    def tap(corner):
        """Values at integer positions ``corner`` (one int tensor per dim), zero outside."""
        inside = None
        flat_index = None
        for k, pos in enumerate(corner):
            ok = (pos >= 0) & (pos < sizes[k])
            inside = ok if inside is None else inside & ok
            part = pos.clamp(0, sizes[k] - 1) * strides[k]
            flat_index = part if flat_index is None else flat_index + part
        values = flat.gather(2, flat_index.unsqueeze(1).expand(n, c, flat_index.shape[-1]))
        # a corner outside is skipped, not multiplied by 0 (an inf there must not give NaN)
        return values.masked_fill(~inside.unsqueeze(1), 0.0)

    if mode == "nearest":
        # the grid gets a zero gradient (not none), as in torch
        out = _ZeroGradTo.apply(tap([ops.round(x.detach()).long() for x in coords]), grid)
    else:
        lows = [ops.floor(x.detach()) for x in coords]
        frac = [x - lo for x, lo in zip(coords, lows)]   # weight of the upper neighbour
        out = None
        # corners in torch's order: x varies fastest, then y, then z
        for bits in itertools.product((0, 1), repeat=d):
            weight = None
            for k, b in enumerate(bits):
                w = frac[k] if b else 1 - frac[k]
                weight = w if weight is None else weight * w
            term = tap([(lo + b).long() for lo, b in zip(lows, bits)]) * weight.unsqueeze(1)
            out = term if out is None else out + term
    return out.reshape((n, c) + out_sizes)


def _base_coords(num: int, align_corners: bool, dtype) -> np.ndarray:  # host: grid coordinates from sizes
    if num <= 1:
        return np.zeros(num, dtype.np)
    steps = np.linspace(-1.0, 1.0, num)
    if not align_corners:
        steps = steps * (num - 1) / num  # pixel centres rather than corners
    return steps.astype(dtype.np)


def affine_grid(theta: Tensor, size: list, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta`` (N, 2, 3) or (N, 3, 4) for an output of
    ``size`` (N, C, H, W) or (N, C, D, H, W), to give to :func:`grid_sample`."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    # homogeneous coordinates (x, y[, z], 1) of every output location, x fastest
    axes = [_base_coords(s, align_corners, theta.dtype) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")          # host: grid from sizes; slowest dim first
    cols = [m.reshape(-1) for m in reversed(mesh)] + [np.ones(mesh[0].size, theta.dtype.np)]  # host: grid from sizes
    base = Tensor._make(array_module(theta._data).asarray(np.stack(cols, -1)), False, None, 0)  # host: grid from sizes; made on the host
    grid = base @ theta.mT                             # (N, L, d)
    return grid.reshape([size[0]] + list(spatial) + [len(spatial)])
