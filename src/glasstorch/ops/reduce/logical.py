"""Logical and counting reductions: all, any, count_nonzero (no gradients)."""

from __future__ import annotations

import numpy as np

from ...backend import array_module
from .._util import Tensor
from ._common import _Op, _reduce_dims


class _All(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_all):
        xp = array_module(x)
        out = (xp.all if is_all else xp.any)(x, axis=dims, keepdims=keepdim)
        return out.astype(np.uint8) if x.dtype == np.uint8 else out


def _all_any(input, dim, keepdim, is_all):
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dims = ()
    else:
        dims = _reduce_dims(input, dim)
    return _All.apply(input, dims, keepdim, is_all)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether every element (along ``dim``) is non-zero."""
    return _all_any(input, dim, keepdim, True)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether some element (along ``dim``) is non-zero."""
    return _all_any(input, dim, keepdim, False)


class _CountNonzero(_Op):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dims):
        xp = array_module(x)
        return xp.asarray(xp.count_nonzero(x, axis=dims)).astype(np.int64)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements (along ``dim``), as int64."""
    return _CountNonzero.apply(input, _reduce_dims(input, dim))
