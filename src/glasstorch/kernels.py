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

import numpy as np

from .backend import array_module

# ---------------------------------------------------------------- sums over leading / trailing axes
#
# NumPy reduces over the short contiguous rows of a C-ordered array with a
# loop per row, and over axis 0 one narrow row at a time; a BLAS matrix-vector
# product with a vector of ones reads the memory once, vectorised. The product
# adds in a different order than NumPy's pairwise summation, so the two agree
# to rounding (a few ulps times the log of the count), not bit for bit; inf
# and NaN propagate the same way, and a sum of -0.0 terms is +0.0 in both
# (and in torch). Torch's own CPU sums are not bitwise NumPy's either.
#
# When it pays was measured with
#     PYTHONPATH=src OPENBLAS_NUM_THREADS=1 python benchmarks/sum_kernel.py
# and again with OPENBLAS_NUM_THREADS=2 (the script forces the product on and
# prints the CPU time of both ways; 2 shared cores, OpenBLAS, NumPy 2.4). The
# product loses below about 8K elements (its set-up, ~7 us, against NumPy's
# 4-7 us) and wins from 16K elements while NumPy's inner loop is short: rows
# of up to 256 summed elements, columns up to 256 wide (wider columns: 0.8-0.95x).
# Above 256K elements OpenBLAS splits the product across threads: on one
# thread it still wins (2.3-2.6x at 4M elements), on two threads of a busy
# machine it lost 3-50x in spin-waiting; NumPy's loop is the safe choice there.
SUM_BY_PRODUCT_MIN_SIZE = 16384
SUM_BY_PRODUCT_MAX_SIZE = 262144
SUM_BY_PRODUCT_MAX_RUN = 256


def sum_axes_plain(a, axes, keepdims: bool = False):
    """``a.sum(axes)``: the reference :func:`sum_axes` stands in for."""
    return array_module(a).sum(a, axis=axes, keepdims=keepdims)


def _lead_trail(a, axes):
    """How many leading and trailing axes ``axes`` covers, when it is exactly
    a leading block plus a trailing block of a C-contiguous float32/64 array
    large enough for the product to pay; else None."""
    if (a.dtype.char not in "fd" or not SUM_BY_PRODUCT_MIN_SIZE <= a.size <= SUM_BY_PRODUCT_MAX_SIZE
            or not a.flags.c_contiguous):
        return None
    nd = a.ndim
    if axes is None:
        return None  # a sum of everything: NumPy's own is as fast
    axes = tuple(axes) if isinstance(axes, (tuple, list)) else (axes,)
    if not all(-nd <= d < nd for d in axes) or len({d % nd for d in axes}) != len(axes):
        return None  # let NumPy name the bad or repeated axis
    dims = sorted(d % nd for d in axes)
    lead = 0
    while lead < len(dims) and dims[lead] == lead:
        lead += 1
    trail = len(dims) - lead
    if dims[lead:] != list(range(nd - trail, nd)) or lead + trail == 0 or lead + trail == nd:
        return None  # a middle axis, nothing to sum, or a sum of everything (NumPy's own is as fast)
    # NumPy's inner loop runs along the last axes: the summed ones (rows), else the kept ones (columns)
    run = math.prod(a.shape[nd - trail:] if trail else a.shape[lead:])
    return (lead, trail) if run <= SUM_BY_PRODUCT_MAX_RUN else None


def sum_axes(a, axes, keepdims: bool = False):
    """``a.sum(axes)`` for ``axes`` a leading and/or trailing block of dims
    (``-1``; ``0``; ``(0, 2)`` of a 3-D array), as one or two matrix-vector
    products with vectors of ones; any other case is :func:`sum_axes_plain`.

    Buys (float32, CPU time, one or two BLAS threads; command above): row
    sums of (16, 4, 64, 64) 4.5-4.9x, (1024, 64) 2.7-2.9x, (256, 64) 1.3x;
    column sums of (1024, 64) 1.8-2x; axes-(0, 2) sums of (1, 1024, 128) 2x.
    """
    split = _lead_trail(a, axes)
    if split is None:
        return sum_axes_plain(a, axes, keepdims)
    xp = array_module(a)
    lead, trail = split
    shape = a.shape
    kept = shape[lead:a.ndim - trail]
    m, k, n = math.prod(shape[:lead]), math.prod(kept), math.prod(shape[a.ndim - trail:])
    out = a.reshape(m * k, n) @ xp.ones(n, a.dtype) if trail else a.reshape(m, k)
    if lead:
        out = xp.ones(m, a.dtype) @ out.reshape(m, k)
    if keepdims:
        return out.reshape((1,) * lead + kept + (1,) * trail)
    return out.reshape(kept)


# ---------------------------------------------------------------- maximum along the last axis
#
# NumPy's max over the short contiguous rows of a C-ordered array runs a
# reduction loop per row. Taking the larger of each row's two halves, again
# and again, does the same work in log2(n) whole-array passes. Maximum is
# exact, so the two agree bit for bit, NaN included (np.maximum propagates
# NaN as max does); a row holding both 0.0 and -0.0 may come back with either
# zero (NumPy's own reductions do not promise which). Measured with
# ``PYTHONPATH=src python benchmarks/sum_kernel.py`` (the ``max rows``
# lines) and by hand for rows of 4-32: it pays only for very short rows, as a
# classifier's logits over a handful of classes: (2048, 10) 2.3x, (4096, 4)
# 6x, (65536, 10) 1.3x; rows of 16-32 tie, and from 64 on NumPy's SIMD max is
# 1.6-5x faster (softmax over (16, 4, 64, 64): halving 0.63x).
MAX_BY_HALVING_MIN_SIZE = 16384
MAX_BY_HALVING_MAX_RUN = 16


def max_axis_plain(a, axis):
    """``a.max(axis, keepdims=True)``: the reference :func:`max_axis` stands in for."""
    return array_module(a).max(a, axis=axis, keepdims=True)


def _max_by_halving_pays(a, axis) -> bool:
    return (axis is not None and a.ndim > 0 and axis in (-1, a.ndim - 1)
            and 1 < a.shape[-1] <= MAX_BY_HALVING_MAX_RUN and a.size >= MAX_BY_HALVING_MIN_SIZE
            and a.dtype.char in "fd" and a.flags.c_contiguous)


def max_axis(a, axis):
    """``a.max(axis, keepdims=True)``; along the last axis of a large C-contiguous
    float array, by repeatedly taking the larger of each row's two halves, with
    the odd column out folded into column 0.

    Buys 1.3-6x on rows of at most 16 elements, 16K elements in all (the note
    above has the figures and the command).
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


# ------------------------------------------------------------ max-pool argmax
# first_match: about 2.6x faster than first_match_plain on LeNet's first pooling, 2x2
# windows of (64, 6, 28, 28) float32 (1.0-1.5 ms against 2.8-3.9 ms), measured with
#   PYTHONPATH=src python benchmarks/pool_argmax.py

# _LOWEST_BIT[c]: the index of the lowest set bit of c (0 for c == 0); c & -c
# isolates that bit, and log2 of a power of two is exact
_LOWEST_BIT = np.zeros(2**16, np.int8)
_LOWEST_BIT[1:] = np.log2(np.arange(1, 2**16) & -np.arange(1, 2**16)).astype(np.int8)
_LOWEST_BIT_ON: dict = {}  # the table copied to each array module that asked for it


def first_match_plain(views, best):
    """For each position, the first window offset q with ``views[q] == best`` (0 if none).

    Walks the offsets backwards with masked copies, so the first match is written last.
    """
    xp = array_module(best)
    k = len(views)
    arg = xp.zeros(best.shape, np.int16 if k < 2**15 else np.int64)
    for q in range(k - 1, -1, -1):
        xp.copyto(arg, q, where=views[q] == best)
    return arg


def first_match(views, best):
    """:func:`first_match_plain`, branch-free for windows of up to 16 offsets.

    Bit q of a code is set where offset q matches (one compare and one OR per
    offset) and a table gives the lowest set bit.
    """
    k = len(views)
    if k > 16:
        return first_match_plain(views, best)
    xp = array_module(best)
    code_t = np.uint8 if k <= 8 else np.uint16
    code = xp.zeros(best.shape, code_t)
    eq = xp.empty(best.shape, bool)
    for q, v in enumerate(views):
        xp.equal(v, best, out=eq)
        code |= eq.view(np.uint8).astype(code_t, copy=False) << code_t(q)
    table = _LOWEST_BIT_ON.get(xp)
    if table is None:
        table = _LOWEST_BIT_ON[xp] = xp.asarray(_LOWEST_BIT)
    return table[code]


# ------------------------------------------------------------ a scalar seen as an array of a shape
# broadcast_scalar: a 0-d gradient spread over the input's shape (the backward of a
# sum of everything). On NumPy, a stride-0 ndarray built straight on the value's
# buffer skips np.broadcast_to's Python-level argument handling (~1.5 us of ~2.5 us
# per call, measured with ``python -m timeit`` on a 0-d float32 array and shape
# (10,)); the result is the same read-only view. Other modules take the plain way.


def broadcast_scalar_plain(value, shape):
    """``value`` (0-d) broadcast to ``shape``: a read-only view, no copy."""
    xp = array_module(value)
    return xp.broadcast_to(xp.asarray(value), shape)


def broadcast_scalar(value, shape):
    """:func:`broadcast_scalar_plain`, built directly on the buffer of a NumPy value."""
    if type(value) is not np.ndarray:
        return broadcast_scalar_plain(value, shape)
    out = np.ndarray(shape, value.dtype, value, 0, (0,) * len(shape))
    out.flags.writeable = False
    return out
