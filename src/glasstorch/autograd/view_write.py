"""An in-place write into a view rewrites its base's history too.

``v = b[:2]; v.mul_(3)`` changes ``b``'s values, so ``b``'s gradient must
pass through the ``mul``. After the view takes the op's node (as any tensor
written in place does), its base takes a ``CopySlices`` node: the gradient
of the base flows unchanged to the base's old history outside the view's
elements and, for those elements, to the op's result.

Which elements of the base the view covers is read off the two arrays'
memory layout (pointer and strides), so any chain of view ops works. That
geometry is worked out on the host; the positions then move to the device.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..backend import array_module, from_numpy
from ..tensor import Tensor, _address
from .function import Function

__all__ = ["rebase_after_view_write"]


def _positions(base: np.ndarray, view: np.ndarray) -> np.ndarray | None:
    """For each element of ``view``, the flat (C-order) index of the ``base`` element it is.

    None when the layout cannot be read this way (negative strides, a view
    that does not sit on whole elements of the base).
    """
    item = base.itemsize
    strides = base.strides + view.strides
    if view.itemsize != item or any(s < 0 or s % item for s in strides) or base.size == 0:
        return None
    offset = _address(view) - _address(base)
    if offset < 0 or offset % item:
        return None
    span = 1 + sum((n - 1) * s for n, s in zip(base.shape, base.strides)) // item
    # a buffer laid out like the base's memory, holding each element's flat index
    index = np.full(span, -1, np.int64)  # host: layout of the view in its base
    as_strided(index, base.shape, [s // item * 8 for s in base.strides])[...] = (
        np.arange(base.size).reshape(base.shape))  # host: flat indices of the base
    start = offset // item
    extent = start + 1 + sum((n - 1) * s for n, s in zip(view.shape, view.strides)) // item
    if view.size and extent > span:
        return None
    pos = as_strided(index[start:], view.shape, [s // item * 8 for s in view.strides]).copy()
    return None if (pos < 0).any() else pos


class _WriteIntoBase(Function):
    """The base after a write into its view: its values are already in place."""

    array_io = True
    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, written, positions):
        ctx.positions = positions
        return base

    @staticmethod
    def backward(ctx, grad):
        pos = ctx.positions
        g_base = g_written = None
        if ctx.needs_input_grad[0]:
            keep = array_module(grad._data).ones(grad.shape, grad._data.dtype)
            keep.reshape(-1)[pos.reshape(-1)] = 0  # overwritten elements: no gradient to the old values
            g_base = grad * Tensor._make(keep, False, None, 0)
        if ctx.needs_input_grad[1]:
            g_written = grad.reshape(-1)[Tensor._make(pos, False, None, 0)]
        return g_base, g_written, None


def rebase_after_view_write(base, view, written) -> None:
    """Give ``base`` the history of the write of ``written`` into its ``view``."""
    pos = _positions(base._data, view._data)
    if pos is None:
        raise RuntimeError(
            "an in-place operation on this view cannot be recorded: its elements cannot be located in "
            "its base's memory (call .clone() on the view first)")
    old = Tensor._make(base._data, base._requires_grad, base.grad_fn, base._out_nr)
    old._accum = base._accum
    out = _WriteIntoBase.apply(old, written, from_numpy(pos))
    base.grad_fn, base._out_nr, base._requires_grad = out.grad_fn, out._out_nr, out._requires_grad
