"""What the reduction ops share: dims, kept dims for backward, accumulation dtypes."""

from __future__ import annotations

import numpy as np

from ... import dtypes as _dt
from ...autograd.function import Function
from .._util import Tensor, dims_tuple, wrap_dim


class _Op(Function):
    array_io = True


def _t(arr) -> Tensor:
    """A constant (non-recorded) tensor around an array."""
    return Tensor._make(arr, False, None, 0)


def _reduce_dims(input: Tensor, dim, in_order: bool = False) -> tuple:
    """``dim`` as sorted non-negative dims; None or ``()`` mean every dim; () for 0-d.

    ``in_order``: the dims are checked one by one, as torch's var/std/norm/nansum do (a
    repeat is reported before a later dim out of range); sum, mean, amax... wrap all first.
    """
    nd = input._data.ndim
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(nd))
    dims = dims_tuple(dim, nd, in_order)
    return dims if nd else ()


def _one_dim(input: Tensor, dim: int) -> int:
    """A single dim, checked; 0-d tensors accept 0 and -1 and use dim 0 of a 1-element view."""
    d = wrap_dim(dim, input._data.ndim)  # checked on a 0-d tensor too: torch's IndexError
    return d if input._data.ndim else 0


def _as_1d(input: Tensor):
    """The input's array, a 0-d one seen as one element along dim 0."""
    return input._data.reshape(1) if input._data.ndim == 0 else input._data


def _keep(grad: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient so it broadcasts against the input again."""
    if keepdim or not dims:
        return grad
    kept = list(shape)
    for d in dims:
        kept[d] = 1
    return grad.reshape(kept)


def _reduced_shape(shape, dims, keepdim):
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _count(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _int_to_long(x: Tensor, dtype):
    """The accumulation dtype torch uses: integers and bools add up in int64."""
    if dtype is not None:
        return _dt.to_dtype(dtype).np
    if x._data.dtype.kind in "bui":
        return np.int64
    return x._data.dtype
