"""Rearranging copies: flip, roll, rot90, repeat, tile, repeat_interleave,
tril/triu, and the diagonal ops."""

from __future__ import annotations

import builtins

import numpy as np

from ...backend import array_module
from ...tensor import _writable
from .._util import Tensor, dims_tuple, wrap_dim
from ._common import _Op, _shape_args, _View
from .checks import (
    check_at_least_1d,
    check_diag,
    check_diagonal_dims,
    check_flip_dims,
    check_min_dims,
    check_repeat,
    check_repeats,
    check_rot90,
    roll_args,
)
from .views import movedim


class Flip(_Op):
    """Reverse along ``dims`` (a copy, as in torch); the gradient flips back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return array_module(x).flip(x, dims).copy() if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims), None


def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along ``dims``."""
    check_flip_dims(dims)
    return Flip.apply(input, dims_tuple(dims, input._data.ndim, in_order=True))


def fliplr(input: Tensor) -> Tensor:
    check_min_dims(input, 2, "Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    check_min_dims(input, 1, "Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(_Op):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return array_module(x).roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return grad.roll(back, ctx.dims), None, None


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims`` (over the flattened tensor when None)."""
    shifts, dims = roll_args(shifts, dims, input._data.ndim)
    return Roll.apply(input, shifts, dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    d0, d1 = check_rot90(dims, input._data.ndim)
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


class Repeat(_Op):
    """Tile the tensor; the gradient sums over the copies."""

    @staticmethod
    def forward(ctx, x, reps):
        lead = len(reps) - x.ndim
        ctx.shape = (1,) * lead + x.shape
        ctx.reps, ctx.orig = reps, x.shape
        return array_module(x).tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        split = []
        for r, s in zip(ctx.reps, ctx.shape):
            split += [r, s]
        g = grad.reshape(split).sum(tuple(range(0, len(split), 2)))
        return g.reshape(ctx.orig), None


def repeat(input: Tensor, *sizes) -> Tensor:
    """Repeat the tensor ``sizes[i]`` times along dim ``i``."""
    sizes = _shape_args(sizes)
    check_repeat(sizes, input._data.ndim)
    return Repeat.apply(input, sizes)


def tile(input: Tensor, *dims) -> Tensor:
    """Repeat the tensor; ``dims`` shorter than the tensor's rank is padded with ones in front."""
    dims = _shape_args(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input: Tensor, repeats, dim=None, *, output_size=None) -> Tensor:
    # at call time: indexing.gather imports shape.join, so a top-level import here
    # would depend on which family package is loaded first
    from ..indexing.gather import index_select

    is_array = isinstance(repeats, (Tensor, np.ndarray))
    if not is_array and repeats < 0:  # reported after a dim out of range, before a 0-d input
        if dim is not None:
            wrap_dim(dim, input._data.ndim)
        check_repeats(repeats, 0, 0, False)
    if dim is None:
        input = input.flatten()
        dim = 0
    d = wrap_dim(dim, input._data.ndim)
    check_at_least_1d(input, f"Dimension specified as {dim} but tensor has no dimensions", IndexError)
    n = input._data.shape[d]
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    check_repeats(reps, n, dim, is_array)  # the message names dim as given, as torch
    xp = array_module(input._data)
    idx = xp.repeat(xp.arange(n), reps)
    return index_select(input, d, Tensor._make(idx, False, None, 0))


class Tril(_Op):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return array_module(x).tril(x, k)

    @staticmethod
    def backward(ctx, grad):
        return grad.tril(ctx.k), None


class Triu(_Op):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return array_module(x).triu(x, k)

    @staticmethod
    def backward(ctx, grad):
        return grad.triu(ctx.k), None


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero everything above the ``diagonal``-th diagonal of the last two dims."""
    check_min_dims(input, 2, "tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero everything below the ``diagonal``-th diagonal of the last two dims."""
    check_min_dims(input, 2, "triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, int(diagonal))


class Diagonal(_View):
    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        out = array_module(x).diagonal(x, offset, d1, d2)
        if type(out) is np.ndarray and _writable(x):  # NumPy's diagonals are read-only; torch's (and CuPy's) are not
            out.flags.writeable = True
        return out

    @staticmethod
    def backward(ctx, grad):
        return _DiagonalBackward.apply(grad, ctx.shape, *ctx.args), None, None, None


class _DiagonalBackward(_Op):
    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        xp = array_module(g)
        out = xp.zeros(shape, g.dtype)
        # the diagonal's positions, written through a transposed view (writable everywhere,
        # unlike NumPy's diagonal); g has the diagonal as its last dim, as diagonal() gives it
        n = g.shape[-1]
        rows, cols = xp.arange(n) + max(-offset, 0), xp.arange(n) + max(offset, 0)
        xp.moveaxis(out, (d1, d2), (-2, -1))[..., rows, cols] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.diagonal(*ctx.args), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the matrices in dims ``dim1``, ``dim2`` (as the last dim; a view)."""
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    check_diagonal_dims(d1, d2, dim1, dim2)
    return Diagonal.apply(input, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    check_diag(input._data.ndim)
    if input._data.ndim == 1:
        n = input._data.shape[0] + builtins.abs(diagonal)
        return _DiagonalBackward.apply(input, (n, n), diagonal, 0, 1)
    return Diagonal.apply(input, diagonal, 0, 1)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    d1, d2 = wrap_dim(dim1, input._data.ndim + 1), wrap_dim(dim2, input._data.ndim + 1)
    check_diagonal_dims(d1, d2, dim1, dim2)
    n = input._data.shape[-1] + builtins.abs(offset) if input._data.ndim else 1 + builtins.abs(offset)
    shape = input._data.shape[:-1] + (n, n)
    out = _DiagonalBackward.apply(input.reshape(1) if input._data.ndim == 0 else input, shape, offset,
                                  len(shape) - 2, len(shape) - 1)
    if (d1, d2) == (len(shape) - 2, len(shape) - 1):
        return out
    return movedim(out, (len(shape) - 2, len(shape) - 1), (d1, d2))
