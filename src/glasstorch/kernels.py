"""Speed tricks, each beside the plain code it replaces.

The ops read as plain array code: ``x.sum(axis)``, ``x.max(axis)``. Where
another way to compute the same numbers is measurably faster, that way lives
here, as a function next to its ``*_plain`` twin (the obvious code it stands
in for), with a note of what it buys and the command that measured it.
``tests/test_kernels.py`` checks each pair agrees, special values (inf, NaN,
-0.0, empty and large inputs) included. An op calls the fast function; a
reader who wants the idea reads the plain one.

Every function here takes arrays and returns arrays of the same array module
(:func:`glasstorch.backend.array_module`), so the tricks hold on any device
whose module has NumPy's API.
"""

from __future__ import annotations

import math

from .backend import array_module

# ---------------------------------------------------------------- sums over leading / trailing axes
#
# NumPy reduces over the short contiguous rows of a C-ordered array with a
# loop per row, and over axis 0 with a strided pass; a BLAS matrix-vector
# product with a vector of ones reads the memory once, vectorised. The product
# adds in a different order than NumPy's pairwise summation, so the two agree
# to rounding (a few ulps times the log of the count), not bit for bit; inf
# and NaN propagate the same way. One difference in sign: a sum whose terms
# are all -0.0 is +0.0 by product (the accumulator starts at +0.0), -0.0 by
# NumPy. Torch's own CPU sums are not bitwise NumPy's either.
#
# Below SUM_BY_PRODUCT_MIN_SIZE elements the product's set-up costs more than
# it saves. Measured with
#     PYTHONPATH=src python benchmarks/sum_kernel.py
# (rows-sums, column-sums and batch-norm's axes-(0, 2) sums of float32 and
# float64 arrays from 256 to 4M elements, best of 7): the product is slower
# than NumPy below about 1-2 thousand elements and 1.5-6x faster from 4096 on.
SUM_BY_PRODUCT_MIN_SIZE = 4096


def sum_axes_plain(a, axes, keepdims: bool = False):
    """``a.sum(axes)``: the reference :func:`sum_axes` stands in for."""
    return array_module(a).sum(a, axis=axes, keepdims=keepdims)


def _lead_trail(a, axes):
    """How many leading and trailing axes ``axes`` covers, when it is exactly
    a leading block plus a trailing block of a C-contiguous float32/64 array
    large enough for the product to pay; else None."""
    if a.dtype.char not in "fd" or a.size < SUM_BY_PRODUCT_MIN_SIZE or not a.flags.c_contiguous:
        return None
    nd = a.ndim
    if axes is None:
        return None  # a sum of everything: NumPy's own is as fast
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    if not all(-nd <= d < nd for d in axes):
        return None  # let NumPy name the bad axis
    dims = sorted({d % nd for d in axes})
    lead = 0
    while lead < len(dims) and dims[lead] == lead:
        lead += 1
    trail = len(dims) - lead
    if dims[lead:] != list(range(nd - trail, nd)) or lead + trail == 0 or lead + trail == nd:
        return None  # a middle axis, nothing to sum, or a sum of everything (NumPy's own is as fast)
    return lead, trail


def sum_axes(a, axes, keepdims: bool = False):
    """``a.sum(axes)`` for ``axes`` a leading and/or trailing block of dims
    (``-1``; ``0``; ``(0, 2)`` of a 3-D array), as one or two matrix-vector
    products with vectors of ones; any other case is :func:`sum_axes_plain`.

    Buys, on float32 arrays of 64K-4M elements: row sums 2-6x, column sums
    1.3-2x, axes-(0, 2) sums 2-4x faster than ``a.sum(axes)`` (see the note
    above ``SUM_BY_PRODUCT_MIN_SIZE`` for the command).
    """
    split = _lead_trail(a, axes)
    if split is None:
        return sum_axes_plain(a, axes, keepdims)
    xp = array_module(a)
    lead, trail = split
    shape = a.shape
    m = math.prod(shape[:lead])
    n = math.prod(shape[a.ndim - trail:])
    kept = shape[lead:a.ndim - trail]
    out = a.reshape(-1, n) @ xp.ones(n, a.dtype) if trail else a.reshape(m, -1)
    if lead:
        out = xp.ones(m, a.dtype) @ out.reshape(m, -1)
    if keepdims:
        return out.reshape((1,) * lead + kept + (1,) * trail)
    return out.reshape(kept)


# ---------------------------------------------------------------- maximum along the last axis
#
# NumPy's max over the short contiguous rows of a C-ordered array runs a
# reduction loop per row. Taking the larger of each row's two halves, again
# and again, does the same work in log2(n) whole-array passes. Maximum is
# exact, so the two agree bit for bit, NaN included (np.maximum propagates
# NaN as max does); only the sign of a zero maximum may differ when a row
# holds both 0.0 and -0.0 (either is a maximum). Same size rule as the sums:
# measured with ``PYTHONPATH=src python benchmarks/sum_kernel.py`` (the
# ``max rows`` lines).


def max_axis_plain(a, axis):
    """``a.max(axis, keepdims=True)``: the reference :func:`max_axis` stands in for."""
    return array_module(a).max(a, axis=axis, keepdims=True)


def _max_by_halving_pays(a, axis) -> bool:
    return (axis is not None and axis in (-1, a.ndim - 1) and a.ndim > 0 and a.shape[-1] > 1
            and a.size >= SUM_BY_PRODUCT_MIN_SIZE and a.dtype.char in "fd" and a.flags.c_contiguous)


def max_axis(a, axis):
    """``a.max(axis, keepdims=True)``; along the last axis of a large C-contiguous
    float array, by repeatedly taking the larger of each row's two halves, with
    the odd column out folded into column 0.

    Buys 2-5x on softmax-shaped float32 rows of 64K elements and more (see the
    note above for the command).
    """
    if not _max_by_halving_pays(a, axis):
        return max_axis_plain(a, axis)
    xp = array_module(a)
    m, n = a, a.shape[-1]
    while n > 1:
        h = n // 2
        half = xp.maximum(m[..., :h], m[..., h:2 * h])
        if n % 2:
            xp.maximum(half[..., :1], m[..., n - 1:n], out=half[..., :1])
        m, n = half, h
    return m
