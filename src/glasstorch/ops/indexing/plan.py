"""How torch reads an index: the key of ``x[key]`` turned into two array steps."""

from __future__ import annotations

import numpy as np

from .._util import Tensor
from .checks import (
    check_array_index,
    check_index_broadcast,
    check_index_count,
    check_index_dtype,
    check_int_index,
    check_mask_shape,
    check_slice_step,
    reject_index,
)


def _is_array(k) -> bool:
    """Whether an index entry (after :func:`_item`) is an integer or boolean array."""
    return hasattr(k, "ndim")


def _is_mask(k) -> bool:
    return _is_array(k) and k.dtype == np.bool_


def _item(k, xp):
    """One entry of an index, made ready for arrays of module ``xp``: ints, slices,
    None, Ellipsis or arrays (lists become arrays of ``xp``)."""
    if isinstance(k, Tensor):
        a = k._data
        check_index_dtype(a)
        if a.dtype == np.uint8 or a.dtype == np.bool_:
            return a.astype(bool)
        return int(a) if a.ndim == 0 else a.astype(np.int64, copy=False)
    if k is None or k is Ellipsis:
        return k
    if isinstance(k, (bool, np.bool_)):
        return xp.asarray(bool(k))
    if isinstance(k, (int, np.integer)):
        return int(k)
    if isinstance(k, slice):
        start, stop, step = (None if v is None else v.__index__() for v in (k.start, k.stop, k.step))
        check_slice_step(step)
        return slice(start, stop, step)
    if isinstance(k, (list, tuple)):
        a = xp.asarray([v._data if isinstance(v, Tensor) else v for v in k]) if k else xp.zeros(0, np.int64)
        check_index_dtype(a)
        return a if a.dtype == np.bool_ else a.astype(np.int64)
    if isinstance(k, np.ndarray):
        return _item(Tensor._make(k, False, None, 0), xp)
    reject_index(k)


class _Plan:
    """How torch reads an index, as two steps: ``x[basic][adv]``.

    Ints, slices and None are applied first (a view); integer and boolean
    arrays then index the result (a copy). Doing the ints first is what makes
    ``x[0, :, [1, 2]]`` keep torch's shape where NumPy would move dims.
    """

    __slots__ = ("basic", "adv", "kind", "view_write")

    def target(self, arr):
        """The basic-indexed view of ``arr`` (0-d views too, never scalars)."""
        return arr[self.basic] if self.basic else arr

    def take(self, arr):
        t = self.target(arr)
        return t[self.adv] if self.adv is not None else t


def _without_ellipsis(items: list, nd: int) -> list:
    """The entries with the Ellipsis spelled out as full slices (checking the count)."""
    used = 0
    for k in items:
        if _is_mask(k):
            used += k.ndim
        elif k is not None and k is not Ellipsis:
            used += 1
    check_index_count(used, nd)
    dots = [i for i, k in enumerate(items) if k is Ellipsis]
    if dots:  # torch accepts repeated ellipses; all but the first take no dims
        e = dots[0]
        items = items[:e] + [slice(None)] * (nd - used) + [k for k in items[e + 1:] if k is not Ellipsis]
    return items


def _split(items: list, shape) -> tuple:
    """Sort the entries into the basic and the advanced step, checking each against
    the dim it indexes. Returns ``(basic, adv, kind, view_write, has_array)``, where
    ``kind`` names the node torch records for a basic index."""
    basic, adv = [], []
    has_array, kind, view_write = False, "Alias", False
    dim = 0
    n_arrays = 0  # torch numbers the dims of tensor indices among the tensor indices only
    for k in items:
        if k is None:
            basic.append(None)
            adv.append(slice(None))
            kind, view_write = "Unsqueeze", True
        elif isinstance(k, int):
            check_int_index(k, shape[dim], dim)
            basic.append(k)
            kind, view_write = "Select", True
            dim += 1
        elif isinstance(k, slice):
            basic.append(k)
            adv.append(slice(None))
            if k != slice(None):
                kind, view_write = "Slice", True
            dim += 1
        elif k.dtype == np.bool_:
            has_array = True
            check_mask_shape(k, shape, dim)
            basic.extend([slice(None)] * k.ndim)
            adv.append(k)
            dim += k.ndim
            n_arrays += k.ndim
        else:
            has_array = True
            check_array_index(k, shape[dim], n_arrays)
            basic.append(slice(None))
            adv.append(k)
            dim += 1
            n_arrays += 1
    return basic, adv, kind, view_write, has_array


def _plan(shape, key, xp=np) -> _Plan:
    """Read ``key`` (for a tensor of ``shape`` whose data lives in module ``xp``) as a :class:`_Plan`."""
    items = [_item(k, xp) for k in (list(key) if isinstance(key, tuple) else [key])]
    basic, adv, kind, view_write, has_array = _split(_without_ellipsis(items, len(shape)), shape)
    if has_array:
        check_index_broadcast([a for a in adv if _is_array(a) and a.dtype != np.bool_])
        kind = "Index"
    if not isinstance(key, tuple) and isinstance(key, slice):
        kind = "Slice"  # x[:] is a slice in torch even when it takes everything
    trivial = all(b == slice(None) for b in basic if isinstance(b, slice)) and all(
        isinstance(b, slice) for b in basic)
    plan = _Plan()
    plan.basic = None if trivial else tuple(basic) + (Ellipsis,)
    plan.adv = tuple(adv) if has_array else None
    plan.kind = kind
    plan.view_write = view_write and not has_array
    return plan


def _indexed_shape(shape, plan, xp=np):
    """The shape ``x[key]`` would have, without touching data."""
    return plan.take(xp.broadcast_to(xp.empty((), np.int8), shape)).shape
