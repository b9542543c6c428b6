"""Masks and flat picks: masked_fill, masked_select, masked_scatter, nonzero,
take, take_along_dim."""

from __future__ import annotations

import numpy as np

from ...backend import array_module
from .._util import Tensor, broadcast_shape, wrap_dim
from ..creation import fitted
from ._common import _Op
from .checks import (
    check_bool_mask_fill,
    check_fill_value,
    check_mask_fill_broadcast,
    check_masked_scatter_count,
    check_masked_scatter_dtype,
    check_masked_scatter_mask,
    check_masked_select,
    check_take_along_dim,
    check_take_flat,
)
from .gather import gather
from .getset import IndexPut, getitem
from .plan import _plan


class MaskedFill(_Op):
    """``value`` where ``mask``; the gradient skips the filled places (and sums there for a tensor value)."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        xp = array_module(x)
        return xp.where(mask, xp.asarray(value, x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        gv = None
        if ctx.needs_input_grad[2]:
            gv = grad.masked_fill(~mask, 0.0).sum()
        return grad.masked_fill(mask, 0.0), None, gv


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` is True, else ``input`` (mask broadcasts)."""
    check_bool_mask_fill(mask)
    if isinstance(value, Tensor):
        check_fill_value(value)
        value = value._cast(input.dtype) if value._requires_grad else value._data.item()
    value = fitted(value, input.dtype)  # checked; a negative int wraps into an unsigned dtype, as in torch
    check_mask_fill_broadcast(input, mask)
    return MaskedFill.apply(input, mask, value)


class MaskedSelect(_Op):
    """The elements where ``mask`` (broadcast together), as a 1-D copy."""

    @staticmethod
    def forward(ctx, x, mask):
        xp = array_module(x)
        shape = np.broadcast_shapes(x.shape, mask.shape)
        m = xp.broadcast_to(mask, shape)
        ctx.mask, ctx.shape = m, shape
        return xp.broadcast_to(x, shape)[m]

    @staticmethod
    def backward(ctx, grad):
        return _MaskedPlace.apply(grad, ctx.shape, ctx.mask), None


class _MaskedPlace(_Op):
    """Zeros of ``shape`` with ``g`` laid out where ``mask`` is True (masked_select's backward)."""

    node_name = "MaskedScatterBackward0"

    @staticmethod
    def forward(ctx, g, shape, mask):
        ctx.mask = mask
        out = array_module(g).zeros(shape, g.dtype)
        out[mask] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaskedSelect.apply(grad, ctx.mask), None, None


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` is True, as a 1-D tensor (input and mask broadcast)."""
    check_masked_select(input, mask)
    return MaskedSelect.apply(input, mask)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the first elements of ``source`` written where ``mask`` is True."""
    check_masked_scatter_dtype(input, source)
    check_masked_scatter_mask(mask)
    shape = broadcast_shape(input._data.shape, mask._data.shape)
    m = mask.expand(shape)
    n = int(m._data.sum())
    check_masked_scatter_count(source, n)
    vals = source.reshape(-1)[:n]
    return IndexPut.apply(input.expand(shape), vals._cast(input.dtype),
                          _plan(shape, m, array_module(input._data)), False)


class _NonZero(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x):
        return array_module(x).argwhere(x).astype(np.int64)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an (N, ndim) tensor, or one tensor per dim."""
    out = _NonZero.apply(input)
    if as_tuple:
        if input._data.ndim == 0:
            n = int(bool(input._data))
            return (Tensor._make(array_module(input._data).zeros(n, np.int64), False, None, 0),)
        return tuple(Tensor._make(out._data[:, i].copy(), False, None, 0) for i in range(input._data.ndim))
    return out


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


def take(input: Tensor, index: Tensor) -> Tensor:
    return getitem(input.reshape(-1), index)


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    if dim is None:
        check_take_flat(input, indices._data)
        return take(input, indices.reshape(-1))
    d = wrap_dim(dim, input._data.ndim)
    check_take_along_dim(input, indices, dim)
    # every dim but ``d`` broadcasts; negative indices count from the end, as in torch
    a, b = list(input._data.shape), list(indices._data.shape)
    a[d] = b[d] = 1
    common = list(broadcast_shape(tuple(a), tuple(b)))
    x = input.expand(common[:d] + [input._data.shape[d]] + common[d + 1:])
    idx = indices.expand(common[:d] + [indices._data.shape[d]] + common[d + 1:])
    if (idx._data < 0).any():
        data = idx._data
        idx = Tensor._make(array_module(data).where(data < 0, data + input._data.shape[d], data), False, None, 0)
    return gather(x, d, idx)
