"""Joining and splitting: cat, stack and friends, narrow, split, chunk, unbind."""

from __future__ import annotations

import builtins

import numpy as np

from ...backend import array_module
from .._util import Tensor, wrap_dim, write_out
from ._common import _Op, _share_version, _View
from .checks import (
    check_at_least_1d,
    check_cat_list,
    check_cat_out,
    check_chunks,
    check_narrow,
    check_nonempty_list,
    check_sections,
    check_split_size,
    check_split_sizes,
    check_stack,
    checked_cat_dim,
)


def _is_legacy_empty(t: Tensor) -> bool:
    """torch lets legacy empty 1-d tensors of shape (0,) join anything."""
    return t._data.ndim == 1 and t._data.shape[0] == 0


class Cat(_Op):
    """Join along ``dim``; the gradient is split back into the pieces' sizes."""

    @staticmethod
    def forward(ctx, dim, *xs):
        legacy = [x.ndim == 1 and x.shape[0] == 0 for x in xs]
        kept = [x for x, skip in zip(xs, legacy) if not skip] or [xs[0]]
        ctx.dim, ctx.legacy = dim, legacy
        ctx.sizes = [x.shape[dim] for x in kept]
        return array_module(xs[0]).concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        if not builtins.any(ctx.legacy):
            return (None,) + tuple(grad.split(ctx.sizes, ctx.dim))
        pieces = iter(grad.split(ctx.sizes, ctx.dim))
        empty = Tensor._make(array_module(grad._data).zeros(0, grad._data.dtype), False, None, 0)
        return (None,) + tuple(empty if skip else next(pieces) for skip in ctx.legacy)


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along an existing dim (dtypes promote as torch does)."""
    tensors = list(tensors)
    check_cat_list(tensors)
    if out is not None:  # the dim, then the cast into out, then the shapes (torch's order)
        ref = next((t for t in tensors if not _is_legacy_empty(t)), None)
        if ref is not None:  # 1-D empty tensors alone take any dim
            wrap_dim(dim, ref._data.ndim)
        check_cat_out(_promoted_dtype(tensors), out)
    result = _cat(tensors, dim)
    return result if out is None else write_out("cat", out, result, (tensors,))


def _cat(tensors: list, dim: int) -> Tensor:
    if builtins.all(_is_legacy_empty(t) for t in tensors):
        first = _promoted(tensors)[0]  # still in the dtype all of them promote to
        return first.clone() if first is tensors[0] else first
    tensors = _promoted(tensors)
    ref = next(t for t in tensors if not _is_legacy_empty(t))
    return Cat.apply(checked_cat_dim(tensors, ref, dim), *tensors)


concat = concatenate = cat


class Stack(_Op):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return array_module(xs[0]).stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(grad.unbind(ctx.dim))


def _promoted_dtype(tensors):
    from ... import dtypes as _dt

    target = tensors[0].dtype
    for t in tensors[1:]:
        target = _dt.promote_types(target, t.dtype)
    return target


def _promoted(tensors):
    target = _promoted_dtype(tensors)
    return [t._cast(target) for t in tensors]


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along a new dim; all must have the same shape."""
    tensors = list(tensors)
    d = check_stack(tensors, dim)
    check_cat_out(_promoted_dtype(tensors), out)  # torch's stack writes through cat
    result = Stack.apply(d, *_promoted(tensors))
    return result if out is None else write_out("stack", out, result, (tensors,))


def _nonempty(tensors, name: str) -> list:
    tensors = list(tensors)
    check_nonempty_list(tensors, name)
    return tensors


def hstack(tensors) -> Tensor:
    tensors = [atleast_1d(t) for t in _nonempty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return cat([atleast_2d(t) for t in _nonempty(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    return cat([atleast_3d(t) for t in _nonempty(tensors, "dstack")], 2)


def column_stack(tensors) -> Tensor:
    return hstack([t.reshape(-1, 1) if t._data.ndim < 2 else t for t in _nonempty(tensors, "column_stack")])


def atleast_1d(t: Tensor) -> Tensor:
    return t.reshape(1) if t._data.ndim == 0 else t


def atleast_2d(t: Tensor) -> Tensor:
    return t.reshape(1, -1) if t._data.ndim < 2 else t


def atleast_3d(t: Tensor) -> Tensor:
    nd = t._data.ndim
    if nd == 0:
        return t.reshape(1, 1, 1)
    if nd == 1:
        return t.reshape(1, -1, 1)
    if nd == 2:
        return t.unsqueeze(-1)
    return t


class Narrow(_View):
    """A slice ``[start, start + length)`` along one dim."""

    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.shape, ctx.dim, ctx.start = x.shape, dim, start
        idx = [slice(None)] * x.ndim
        idx[dim] = slice(start, start + length)
        return x[tuple(idx)]

    @staticmethod
    def backward(ctx, grad):
        pad = [(0, 0)] * len(ctx.shape)
        pad[ctx.dim] = (ctx.start, ctx.shape[ctx.dim] - ctx.start - grad.shape[ctx.dim])
        return _pad_zeros(grad, pad), None, None, None


class PadZeros(_Op):
    """Place a gradient inside a zero tensor (the backward of slicing)."""

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pad):
        ctx.pad = pad
        return array_module(x).pad(x, pad)

    @staticmethod
    def backward(ctx, grad):
        idx = tuple(slice(lo, grad.shape[i] - hi) for i, (lo, hi) in enumerate(ctx.pad))
        return grad[idx], None


def _pad_zeros(x, pad):
    return PadZeros.apply(x, tuple(pad))


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """The ``length`` elements from ``start`` along ``dim`` (a view)."""
    check_at_least_1d(input, "narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    start = int(start)
    check_narrow(size, start, length)
    if start < 0:
        start += size
    return Narrow.apply(input, d, start, int(length))


class Split(_View):
    """Consecutive pieces along ``dim``: views; the gradient joins the pieces' gradients."""

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.dim = dim
        out, start = [], 0
        for n in sizes:
            key = (slice(None),) * dim + (slice(start, start + n),)
            out.append(x[key])
            start += n
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim), None, None


class SplitWithSizes(Split):
    pass


def split(tensor: Tensor, split_size_or_sections, dim: int = 0):
    """Split into chunks of a given size, or of the listed sizes (views)."""
    check_at_least_1d(tensor, "split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, (int, np.integer)) and split_size_or_sections < 0:
        check_split_size(int(split_size_or_sections), 0)  # torch checks the size before the dim
    d = wrap_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        check_split_size(step, size)
        sizes = [builtins.min(step, size - i) for i in range(0, size, step)] if size else [0]
        return _share_version(tensor, Split.apply(tensor, d, tuple(sizes)))
    sizes = [int(s) for s in split_size_or_sections]
    check_split_sizes(sizes, size, d)
    return _share_version(tensor, SplitWithSizes.apply(tensor, d, tuple(sizes)))


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    check_at_least_1d(input, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        check_sections(n)
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
        starts = [builtins.sum(sizes[:i]) for i in range(n)]
    else:
        # piece i is input[b_i:b_(i+1)] as a slice: indices that go down give an empty piece,
        # and the next piece starts back at the lower index
        cut = [int(i) for i in indices_or_sections]
        bounds = [0] + [builtins.min(builtins.max(i + size if i < 0 else i, 0), size) for i in cut] + [size]
        starts = bounds[:-1]
        sizes = [builtins.max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    return tuple(narrow(input, d, start, s) for start, s in zip(starts, sizes))


def chunk(input: Tensor, chunks: int, dim: int = 0):
    """Split into ``chunks`` pieces of equal size (the last may be smaller)."""
    check_chunks(chunks)
    check_at_least_1d(input, "chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if size == 0:  # torch hands back ``chunks`` empty pieces
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, -(-size // chunks), d)


class Unbind(_View):
    """Every slice along ``dim`` (views); the gradient stacks the slices' gradients."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        # the Ellipsis keeps a 1-d input's slices 0-d views (a bare index gives scalars, copies)
        return tuple(x[(slice(None),) * dim + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim), None


def unbind(input: Tensor, dim: int = 0):
    """All slices along ``dim``, each with that dim removed."""
    check_at_least_1d(input, "Dimension specified as 0 but tensor has no dimensions", IndexError)
    d = wrap_dim(dim, input._data.ndim)
    if input._data.shape[d] == 0:
        return ()
    return _share_version(input, Unbind.apply(input, d))
