"""``pad``: constant, reflect, replicate and circular padding of the trailing dims."""

from __future__ import annotations

import numpy as np

from ...ops.conv import ConstantPad, take_along
from ...tensor import Tensor

__all__ = ["pad"]

_SUPPORTED = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def _source_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:  # host: index geometry from sizes
    """For each output position along one dim, the input position it copies."""
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        i = np.abs(i)
        return np.where(i > n - 1, 2 * (n - 1) - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    # circular: negative amounts crop first, then the kept part wraps around
    kept = np.arange(max(-lo, 0), n - max(-hi, 0))
    return kept[np.mod(np.arange(-max(lo, 0), len(kept) + max(hi, 0)), len(kept))]


def _check_crop(shape: tuple, pairs: list) -> None:
    """Constant padding crops negative amounts first (torch narrows the input): nothing may be left over."""
    for i, (lo, hi) in enumerate(pairs):
        n = shape[len(shape) - 1 - i]
        if lo < 0 and n + lo < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        if hi < 0 and n + min(lo, 0) + hi < 0:
            raise RuntimeError("narrow(): length must be non-negative.")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, front, back)``,
    starting from the last dim. Negative amounts crop."""
    pad = tuple(int(p) for p in pad)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    npairs = len(pad) // 2
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(npairs)]  # last dim first
    if npairs > nd:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {nd}"
        )
    shape = tuple(input.shape)
    if mode == "constant":
        _check_crop(shape, pairs)
        full = [(0, 0)] * (nd - npairs) + pairs[::-1]
        return ConstantPad.apply(input, tuple(full), 0.0 if value is None else float(value))
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if npairs not in (1, 2, 3) or nd not in (npairs + 1, npairs + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
                                  + _SUPPORTED)
    batched = nd == npairs + 2
    out_sp = [shape[nd - 1 - i] + lo + hi for i, (lo, hi) in enumerate(pairs)]  # last dim first
    if mode == "circular":
        if any(o < 0 for o in out_sp):
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    else:
        if any(n == 0 for n in shape[int(batched):]):
            dims = f"{npairs + 1}D or {npairs + 2}D"
            raise RuntimeError(
                f"Expected {dims} (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
                f"for input, but got: {list(shape)}")
        if npairs == 1 and out_sp[0] <= 0:
            raise RuntimeError(f"input (W: {shape[-1]}) is too small. Calculated output W: {out_sp[0]}")
        if any(o < 0 for o in out_sp):
            full = list(shape[:nd - npairs]) + out_sp[::-1]
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(out_sp)}: {full}")
    out = input
    for i, (lo, hi) in enumerate(pairs):
        dim = nd - 1 - i
        n = shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({lo}, {hi}) at dimension {dim} of input {list(shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo == 0 and hi == 0:
            continue
        out = take_along(out, dim, _source_index(n, lo, hi, mode))
    return out if out is not input else input.clone()
