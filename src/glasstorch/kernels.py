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

import itertools
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
# (and again with OPENBLAS_NUM_THREADS=2; the script forces the product on and
# prints the CPU time of both ways). The product loses below about 4K elements
# (its set-up, ~7 us, against NumPy's 4-7 us) and wins above, by 2.3-2.6x at
# 4M elements on one thread. On a busy 2-core machine, two BLAS threads
# spin-waiting made it lose above 256K elements; capping it there made the
# residual CNN's and LeNet's training steps about 5% slower on a quiet one
# (GLASSTORCH_MALLOPT=1 python benchmarks/ab_trees.py OLD/src src 5, and
# benchmarks/run.py), so the product is used from 4K elements up, uncapped.
SUM_BY_PRODUCT_MIN_SIZE = 4096
SUM_BY_PRODUCT_MAX_SIZE = 1 << 62
SUM_BY_PRODUCT_MAX_RUN = 1 << 62


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


# ------------------------------------------------------------ GELU and its derivative
# gelu_and_derivative: GELU with its derivative, against gelu_and_derivative_plain,
# (64, 256, 256) float32 2.3-2.7x, (64, 512) float32 1.4x, float16 1.3x (both
# sizes), measured with
#   PYTHONPATH=src python benchmarks/kernels_extra.py gelu
# (CPU time, best of 5, 2 shared cores). float64 takes the plain way (exact erf).

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# Abramowitz & Stegun 7.1.26: erfc(z) ~ t p(t) e^(-z^2), t = 1/(1 + P z), |error| < 1.5e-7.
_AS_P = 0.3275911
_AS_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
# elements per block: a block's input, outputs and temporaries stay in the L2 cache
GELU_BLOCK = 32768


def gelu_and_derivative_plain(x, want_d: bool):
    """GELU ``x Phi(x)`` and, with ``want_d``, its derivative ``Phi(x) + x phi(x)`` (else None).

    float64 takes Phi from the exact erf; lower precisions from A&S 7.1.26 in
    their own dtype (error below 1e-7 in Phi, under float32's rounding of
    GELU's value): Phi(-|x|) = erfc(|x|/sqrt 2)/2, without cancellation, and
    Phi(x) = 1/2 + copysign(1/2 - Phi(-|x|), x).
    """
    xp = array_module(x)
    if x.dtype == np.float64:
        from .ops.pointwise.unary import _erf  # the ops import this module

        cdf = 0.5 * (1.0 + _erf(x / _SQRT_2))
    else:
        dt = x.dtype.type
        t = dt(1) / (dt(1) + dt(_AS_P / _SQRT_2) * xp.abs(x))
        poly = xp.zeros_like(x)
        for a in _AS_A:
            poly = (poly + dt(a)) * t
        tail = dt(0.5) * poly * xp.exp(dt(-0.5) * x * x)  # Phi(-|x|)
        cdf = dt(0.5) + xp.copysign(dt(0.5) - tail, x)
    d = cdf + x * (xp.exp(-0.5 * x * x) * _INV_SQRT_2PI).astype(x.dtype, copy=False) if want_d else None
    return x * cdf, d


def gelu_and_derivative(x, want_d: bool):
    """:func:`gelu_and_derivative_plain` for float32/16, block by block and in place.

    The A&S passes run on blocks of :data:`GELU_BLOCK` elements so that they
    read and write cache, not memory, and in place where they can: a NumPy
    binary ufunc into a third buffer takes about twice as long as one into its
    own operand. Past |x| = 10 the exponent is capped (see below). Agrees with
    the plain version to a few ulps (``tests/test_kernels.py`` says how many).
    """
    if x.dtype == np.float64:
        return gelu_and_derivative_plain(x, want_d)
    xp = array_module(x)
    dt = x.dtype.type
    flat = xp.ascontiguousarray(x).reshape(-1)
    n = flat.size
    out = xp.empty_like(flat)
    deriv = xp.empty_like(flat) if want_d else None
    m = min(GELU_BLOCK, n)
    t_, h_, e_ = (xp.empty(m, flat.dtype) for _ in range(3))
    # the sign bit through an unsigned view: np.copysign is several times slower
    bits = np.dtype(f"u{flat.dtype.itemsize}")
    sign_bit = bits.type(1 << (8 * flat.dtype.itemsize - 1))
    ubits = flat.view(bits)
    one, half, half_neg, k_pdf = dt(1), dt(0.5), dt(-0.5), dt(_INV_SQRT_2PI)
    # t = 1/(1 + p|x|) is formed as p t = 1/(1/p + |x|), one pass fewer, with the
    # powers of p folded into the coefficients, as is the 1/2 of Phi = erfc/2
    p = _AS_P / _SQRT_2
    inv_p = dt(1 / p)
    coef = [dt(0.5 * a / p**k) for a, k in zip(_AS_A, (5, 4, 3, 2, 1))]
    # x^2 capped at 100: past |x| = 10, Phi(-|x|) < 1e-23 is far below float32's
    # resolution of GELU's value, and the exact tail would run through
    # subnormal numbers, on which every pass is some 40 times slower. An array
    # operand: np.minimum against a scalar is not vectorised.
    cap = xp.full(m, 100, flat.dtype)
    for lo in range(0, n, GELU_BLOCK):
        hi = lo + GELU_BLOCK
        c = flat[lo:hi]
        k = c.size
        t, h, e = t_[:k], h_[:k], e_[:k]
        xp.square(c, out=e)
        # past the cap x phi(x) is 0 in float32, but x * e^-50 is not: those
        # elements' derivative is patched below (a reduction, not another pass)
        capped = want_d and not e.max() <= 100  # (a nan makes max nan: look then too)
        xp.minimum(e, cap[:k], out=e)
        e *= half_neg
        xp.exp(e, out=e)  # e^(-x^2/2)
        xp.abs(c, out=t)
        t += inv_p
        xp.divide(one, t, out=t)
        xp.multiply(t, coef[0], out=h)
        for ai in coef[1:]:
            h += ai
            h *= t
        h *= e  # Phi(-|x|), in [0, 1/2]
        # 1/2 - h >= 0, so or-ing in x's sign bit is the copysign; t's buffer,
        # spent, holds the sign bits. x * Phi(x) keeps inf -> inf, -inf -> nan.
        sign = t.view(bits)
        xp.bitwise_and(ubits[lo:hi], sign_bit, out=sign)
        xp.subtract(half, h, out=h)
        hb = h.view(bits)
        hb |= sign
        h += half  # Phi(x)
        xp.multiply(c, h, out=out[lo:hi])
        if want_d:
            e *= c
            e *= k_pdf
            xp.add(e, h, out=deriv[lo:hi])
            if capped:  # Phi(x) + 0 * x: 1 or 0 for large finite |x|, nan at +-inf (as torch)
                far = xp.abs(c) > 10
                deriv[lo:hi][far] = h[far] + c[far] * 0
    return out.reshape(x.shape), (None if deriv is None else deriv.reshape(x.shape))


# ------------------------------------------------------------ rows added into rows by index
# sum_rows_into: an embedding's weight gradient, against sum_rows_into_plain
# (np.add.at), float32: 4096 looked-up rows of 128 into 1000 rows 2.2-2.3x,
# 256 of 16 into 50 1.4x, 65536 of 64 into 10000 only 1.1-1.2x (the sort then
# dominates), measured with
#   PYTHONPATH=src python benchmarks/kernels_extra.py rows
# (CPU time, best of 5, 2 shared cores).


def sum_rows_into_plain(out, idx, g) -> None:
    """``out[idx[i]] += g[i]`` for every i, repeated indices summed (unbuffered ``add.at``)."""
    array_module(g).add.at(out, idx, g)


def sum_rows_into(out, idx, g) -> None:
    """:func:`sum_rows_into_plain` by sorting the indices and summing each run
    of equal ones with ``add.reduceat``; ``add.at`` handles one element at a time.
    The sums add in another order, so they agree to rounding, not bit for bit."""
    if idx.size == 0:
        return
    xp = array_module(g)
    order = xp.argsort(idx, kind="stable")
    s = idx[order]
    starts = xp.flatnonzero(xp.concatenate((xp.ones(1, bool), s[1:] != s[:-1])))
    out[s[starts]] += xp.add.reduceat(g[order], starts, axis=0)


# ------------------------------------------------------------ transposed convolution (col2im of a product)
# conv_transpose: the input gradient of a stride-1 3x3 convolution with padding 1,
# float32, against ops.conv._conv_transpose_plain: (32, 64, 32, 32) -> 64 channels 1.15x on
# one BLAS thread, 1.4x on two; LeNet's (64, 16, 14, 14) -> 6 1.5-1.8x;
# (8, 32, 16, 16) -> 32 1.7x on one thread, 4.7x on two; measured with
#   PYTHONPATH=src OPENBLAS_NUM_THREADS=1 python benchmarks/kernels_extra.py conv
# and again with OPENBLAS_NUM_THREADS=2 (CPU time, best of 5, 2 shared cores).
CONV_FLAT_BLOCK = 8192  # columns per block: the fastest of 2048, 8192 and 32768 measured


def conv_transpose(g, wmat, geom, C):
    """The stride-1 transposed convolution of ``g`` with ``wmat``, on the flattened padded grid.

    It stands in for ``glasstorch.ops.conv._conv_transpose_plain`` (one product
    giving every kernel offset's column, then col2im), which stays beside the
    convolution ops it belongs to and runs for any other stride.

    With stride 1, every kernel offset moves an output position by one fixed
    distance in the flattened (N, *padded) grid. So ``g`` is placed on that
    grid (zeros where no output exists), one product gives every offset's
    contribution, and each offset is added back as one long contiguous slice:
    far faster than adding short strided rows, for a few wasted columns.
    The product and the adds go block by block of columns, so each block's
    K-times-larger product is still in cache when it is added back (a third
    faster on the residual CNN's 32x32 layers than one product over all).
    """
    xp = array_module(g)
    O, N = g.shape[1], g.shape[0]
    G = geom.groups
    sp = geom.padded_sp
    grid = xp.zeros((O, N) + sp, dtype=g.dtype)
    grid[(slice(None), slice(None)) + tuple(slice(0, n) for n in geom.out_sp)] = g.swapaxes(0, 1)
    total = N * math.prod(sp)
    flat_strides = [math.prod(sp[i + 1:]) for i in range(len(sp))]
    shifts = [sum(o * d * st for o, d, st in zip(offs, geom.dilation, flat_strides))
              for offs in itertools.product(*[range(k) for k in geom.kernel])]
    span = total - shifts[-1]
    gmat = grid.reshape(O, total) if G == 1 else grid.reshape(G, O // G, total)
    wt = wmat.swapaxes(-1, -2)
    gpad = xp.zeros((C, total), dtype=g.dtype)
    for start in range(0, span, CONV_FLAT_BLOCK):
        stop = min(start + CONV_FLAT_BLOCK, span)
        dcols = xp.matmul(wt, gmat[..., start:stop]).reshape(C, geom.ksize, stop - start)
        for q, shift in enumerate(shifts):
            gpad[:, start + shift:stop + shift] += dcols[:, q]
    inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(geom.pads, geom.in_sp))
    return gpad.reshape((C, N) + sp)[(slice(None), slice(None)) + inner].swapaxes(0, 1)
