"""Convolution, pooling, padding and resampling ops.

Every op here works on ``(N, C, *spatial)`` arrays with any number of spatial
dims (1, 2 or 3). A convolution is lowered to one matrix product: the input
windows are copied into a column matrix ``cols`` of shape
``(C, K, N, *out)`` (``K`` = kernel offsets), one strided slice per kernel
offset, and ``weight (O, C*K) @ cols (C*K, N*out)`` gives the output in
``(O, N, *out)`` memory order. The result is handed back as an ``(N, O, ...)``
view of that memory, so the next convolution reads it without a copy.

The three linear maps of a convolution are three Functions whose backward
passes call each other, so any order of gradient is available:

- :class:`Convolution`      y  = conv(x, w)
- :class:`ConvTranspose`    gx = conv_transpose(gy, w)   (gradient of conv wrt x)
- :class:`ConvWeightGrad`   gw = correlate(x, gy)        (gradient of conv wrt w)
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..autograd.function import Function
from ..backend import array_module
from ..kernels import conv_transpose, first_match
from ._util import Tensor


class _Op(Function):
    array_io = True


# ------------------------------------------------------------------ geometry
class ConvGeometry:
    """Kernel, stride, padding ``(lo, hi)`` pairs, dilation, groups and the
    spatial sizes of a convolution's input and output."""

    __slots__ = ("kernel", "stride", "pads", "dilation", "groups", "in_sp", "out_sp")

    def __init__(self, kernel, stride, pads, dilation, groups, in_sp, out_sp=None):
        self.kernel, self.stride, self.pads = tuple(kernel), tuple(stride), tuple(pads)
        self.dilation, self.groups, self.in_sp = tuple(dilation), groups, tuple(in_sp)
        if out_sp is None:
            out_sp = tuple(
                (n + lo + hi - d * (k - 1) - 1) // s + 1
                for n, (lo, hi), d, k, s in zip(in_sp, self.pads, self.dilation, self.kernel, self.stride)
            )
        self.out_sp = tuple(out_sp)

    @property
    def padded_sp(self) -> tuple:
        return tuple(n + lo + hi for n, (lo, hi) in zip(self.in_sp, self.pads))

    def offsets(self):
        """(index, key) for each kernel offset: key slices the padded input at
        the positions that offset touches for every output position."""
        ranges = [range(k) for k in self.kernel]
        for q, offs in enumerate(itertools.product(*ranges)):
            key = tuple(
                slice(o * d, o * d + s * (n - 1) + 1, s)
                for o, d, s, n in zip(offs, self.dilation, self.stride, self.out_sp)
            )
            yield q, key

    @property
    def ksize(self) -> int:
        return math.prod(self.kernel)


def _to_cf(x):
    """(N, C, ...) -> (C, N, ...) view."""
    return x.swapaxes(0, 1)


def _pad_cf(x, geom, fill=0.0):
    """The input as a (C, N, *padded) array; a view when there is no padding."""
    xp = array_module(x)
    xc = _to_cf(x)
    if not any(lo or hi for lo, hi in geom.pads):
        return xc
    out = xp.full(xc.shape[:2] + geom.padded_sp, fill, dtype=x.dtype)
    inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(geom.pads, geom.in_sp))
    out[(slice(None), slice(None)) + inner] = xc
    return out


def _crop_nc(gpad, geom):
    """A (C, N, *padded) array cut back to the input and returned as (N, C, ...)."""
    inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(geom.pads, geom.in_sp))
    return _to_cf(gpad[(slice(None), slice(None)) + inner])


def im2col(x, geom, allow_view=True):
    """Windows of ``x`` (N, C, *in) as ``cols`` (C, K, N, *out); a 1x1 kernel with stride 1
    may give a view of ``x`` itself (``allow_view``)."""
    xp = array_module(x)
    xpad = _pad_cf(x, geom)
    C, N = xpad.shape[:2]
    if allow_view and geom.ksize == 1 and all(s == 1 for s in geom.stride) and xpad.shape[2:] == geom.out_sp:
        return xpad[:, None]
    cols = xp.empty((C, geom.ksize, N) + geom.out_sp, dtype=x.dtype)
    for q, key in geom.offsets():
        cols[:, q] = xpad[(slice(None), slice(None)) + key]
    return cols


def col2im(cols, geom):
    """Adjoint of :func:`im2col`: add the columns (C, K, N, *out) back into an (N, C, *in) array."""
    xp = array_module(cols)
    C, _, N = cols.shape[:3]
    gpad = xp.zeros((C, N) + geom.padded_sp, dtype=cols.dtype)
    for q, key in geom.offsets():
        gpad[(slice(None), slice(None)) + key] += cols[:, q]
    return _crop_nc(gpad, geom)


def _grouped(mat, groups, rows):
    """(R, M) -> (groups, R/groups, M), or the 2-D matrix itself for one group."""
    return mat.reshape(rows, -1) if groups == 1 else mat.reshape(groups, rows // groups, -1)


def _conv_forward(x, w, b, geom, cols=None):
    xp = array_module(x)
    N, O, G = x.shape[0], w.shape[0], geom.groups
    if cols is None:
        cols = im2col(x, geom)
    C = x.shape[1]
    cmat = cols.reshape(G, (C // G) * geom.ksize, -1) if G > 1 else cols.reshape(C * geom.ksize, -1)
    wmat = w.reshape(G, O // G, -1) if G > 1 else w.reshape(O, -1)
    out = xp.matmul(wmat, cmat)
    if b is not None:
        out = out.reshape(O, -1)
        out += b[:, None]
    return _to_cf(out.reshape((O, N) + geom.out_sp)), cols


def _grad_matrix(g, groups):
    """(N, O, *out) -> (O, N*out) (grouped)."""
    O = g.shape[1]
    return _grouped(_to_cf(g).reshape(O, -1), groups, O)


def _conv_transpose_plain(g, wmat, geom, C):
    """The transposed convolution of ``g`` (N, O, *out) with ``wmat`` ((G,) O/G, C/G * K):
    one product gives every kernel offset's column, and col2im adds the columns
    back into an (N, C, *in) array. ``kernels.conv_transpose`` is the faster
    stride-1 form of the same sum."""
    xp = array_module(g)
    dcols = xp.matmul(wmat.swapaxes(-1, -2), _grad_matrix(g, geom.groups))
    return col2im(dcols.reshape((C, geom.ksize, g.shape[0]) + geom.out_sp), geom)


def _conv_transpose_forward(g, w, geom):
    G = geom.groups
    O, Cg = w.shape[:2]
    wmat = w.reshape(G, O // G, -1) if G > 1 else w.reshape(O, -1)
    # the stride-1 kernel multiplies the weights by zeros where no input exists: exact only for finite weights
    # (0 * inf is NaN); the plain form touches real inputs only, as torch does
    if all(s == 1 for s in geom.stride) and bool(array_module(w).isfinite(w).all()):
        return conv_transpose(g, wmat, geom, Cg * G)
    return _conv_transpose_plain(g, wmat, geom, Cg * G)


def _conv_weight_grad(x, g, geom, wshape, cols=None):
    xp = array_module(x)
    if cols is None:
        cols = im2col(x, geom)
    G = geom.groups
    C = x.shape[1]
    cmat = cols.reshape(G, (C // G) * geom.ksize, -1) if G > 1 else cols.reshape(C * geom.ksize, -1)
    # (cols @ g^T)^T rather than g @ cols^T: BLAS is many times faster with the long
    # N*out axis as the inner dimension of a row-major left operand
    return xp.matmul(cmat, _grad_matrix(g, G).swapaxes(-1, -2)).swapaxes(-1, -2).reshape(wshape)


class Convolution(_Op):
    """y = conv(x, w) + b over any number of spatial dims (zero padding)."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, geom):
        out, cols = _conv_forward(x, w, b, geom)
        ctx.geom = geom
        ctx.save_for_backward(x, w)
        ctx.cols = cols if ctx.needs_input_grad[1:2] == (True,) else None
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        geom = ctx.geom
        gx = ConvTranspose.apply(grad, w, None, geom) if need_x else None
        gw = ConvWeightGrad.apply(x, grad, geom, tuple(w.shape), ctx.cols) if need_w else None
        gb = grad.sum(dim=(0,) + tuple(range(2, grad.ndim))) if need_b else None
        return gx, gw, gb, None


class ConvTranspose(_Op):
    """The adjoint of :class:`Convolution` in x: a transposed convolution (plus bias)."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, g, w, b, geom):
        ctx.geom = geom
        ctx.save_for_backward(g, w)
        out = _conv_transpose_forward(g, w, geom)
        if b is not None:
            out = out + b.reshape((1, -1) + (1,) * len(geom.in_sp))
        return out

    @staticmethod
    def backward(ctx, grad):
        g, w = ctx.saved_tensors
        need_g, need_w, need_b = ctx.needs_input_grad[:3]
        geom = ctx.geom
        gg = Convolution.apply(grad, w, None, geom) if need_g else None
        gw = ConvWeightGrad.apply(grad, g, geom, tuple(w.shape), None) if need_w else None
        gb = grad.sum(dim=(0,) + tuple(range(2, grad.ndim))) if need_b else None
        return gg, gw, gb, None


class ConvWeightGrad(_Op):
    """gw = correlate(x, gy): the gradient of a convolution with respect to its weight."""

    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, g, geom, wshape, cols):
        ctx.geom = geom
        ctx.save_for_backward(x, g)
        return _conv_weight_grad(x, g, geom, wshape, cols)

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        gx = ConvTranspose.apply(g, grad, None, ctx.geom) if need_x else None
        gg = Convolution.apply(x, grad, None, ctx.geom) if need_g else None
        return gx, gg, None, None, None


# --------------------------------------------------------------- unfold / fold
class Unfold(_Op):
    """(N, C, *in) -> (N, C*K, L): every window as a column."""

    node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, geom):
        ctx.geom = geom
        cols = im2col(x, geom, allow_view=False)  # (C, K, N, *out)
        C, K, N = cols.shape[:3]
        return cols.reshape(C * K, N, math.prod(geom.out_sp)).swapaxes(0, 1)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.geom), None


class Fold(_Op):
    """(N, C*K, L) -> (N, C, *out): add the columns back into place (adjoint of unfold)."""

    node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, geom):
        ctx.geom = geom
        N, CK = cols.shape[:2]
        c = cols.swapaxes(0, 1).reshape((CK // geom.ksize, geom.ksize, N) + geom.out_sp)
        return col2im(c, geom)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.geom), None


# -------------------------------------------------------------------- pooling
class MaxPool(_Op):
    """Max over each window; also returns the flat index of the max (torch's ``indices``)."""

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, geom, with_indices):
        xp = array_module(x)
        low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min  # padding never wins
        xpad = _to_cf(_pad_cf(x, geom, low))  # (N, C, *padded); x itself without padding
        views = [xpad[(slice(None), slice(None)) + key] for _, key in geom.offsets()]
        best = views[0].copy()
        for v in views[1:]:
            xp.maximum(best, v, out=best)  # propagates NaN, like torch
        arg = first_match(views, best)  # a speed trick: see kernels.py
        nan = xp.isnan(best)
        if nan.any():  # NaN equals nothing: torch's kernel takes every NaN it meets, so the last one
            for q in range(len(views)):
                xp.copyto(arg, q, where=nan & xp.isnan(views[q]))
        ctx.geom, ctx.arg = geom, _to_cf(arg)  # the backward works channels-first
        if not with_indices:
            return best
        idx = _to_cf(_flat_index(ctx.arg, geom))
        ctx.mark_non_differentiable(idx)
        return best, idx

    @staticmethod
    def backward(ctx, grad, _grad_idx=None):
        return MaxPoolGrad.apply(grad, ctx.arg, ctx.geom), None, None


class MaxPool3D(MaxPool):
    node_name = "MaxPool3DWithIndicesBackward0"


def _flat_index(arg, geom):
    """Kernel-offset argmax (C, N, *out) -> flat position in the unpadded input."""
    xp = array_module(arg)
    offs = xp.unravel_index(arg, geom.kernel) if len(geom.kernel) > 1 else (arg,)
    flat = 0
    nd = len(geom.kernel)
    for dim in range(nd):
        shape = [1] * (nd + 2)
        shape[2 + dim] = geom.out_sp[dim]
        start = (xp.arange(geom.out_sp[dim]) * geom.stride[dim] - geom.pads[dim][0]).reshape(shape)
        pos = start + offs[dim] * geom.dilation[dim]
        flat = flat * geom.in_sp[dim] + pos
    return xp.asarray(flat, dtype=np.int64)


class MaxPoolGrad(_Op):
    """Route each output gradient to the input position that held the max."""

    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx, g, arg, geom):
        xp = array_module(g)
        ctx.arg, ctx.geom = arg, geom
        gc = _to_cf(g)
        gpad = xp.zeros(gc.shape[:2] + geom.padded_sp, dtype=g.dtype)
        disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(geom.stride, geom.dilation, geom.kernel))
        # Windows that do not overlap write each input position at most once, so
        # g * (arg == q) can be stored outright: a branch-free multiply, ~5x faster
        # than a masked copy. Only an inf/nan gradient needs the masked copy (inf * 0).
        multiply = disjoint and bool(xp.isfinite(gc).all())
        mask = xp.empty(arg.shape, bool)
        for q, key in geom.offsets():
            target = gpad[(slice(None), slice(None)) + key]
            xp.equal(arg, q, out=mask)
            if multiply:
                xp.multiply(gc, mask, out=target)
            elif disjoint:
                xp.copyto(target, gc, where=mask)
            else:
                target += xp.where(mask, gc, 0)
        return _crop_nc(gpad, geom)

    @staticmethod
    def backward(ctx, grad):
        idx = Tensor._make(_to_cf(_flat_index(ctx.arg, ctx.geom)), False, None, 0)
        N, C = grad.shape[:2]
        picked = grad.reshape(N, C, -1).gather(2, idx.reshape(N, C, -1))
        return picked.reshape(idx.shape), None, None


def avg_divisor(geom, count_include_pad, divisor_override, dtype, xp):
    """The divisor of each output position, broadcastable to (N, C, *out), made by module ``xp``."""
    if divisor_override:
        return xp.asarray(divisor_override, dtype=dtype)
    div = xp.ones((), dtype=dtype)
    for dim in range(len(geom.kernel)):
        lo = geom.pads[dim][0]
        n, k, s = geom.in_sp[dim], geom.kernel[dim], geom.stride[dim]
        start = xp.arange(geom.out_sp[dim]) * s - lo
        end = xp.minimum(start + k, n + lo)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        shape = [1] * (len(geom.kernel) + 2)
        shape[2 + dim] = geom.out_sp[dim]
        div = div * (end - start).astype(dtype).reshape(shape)
    return div


class AvgPool(_Op):
    """Sum of each window divided by a per-position divisor (a linear map)."""

    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, geom, div):
        xp = array_module(x)
        xpad = _pad_cf(x, geom)
        total = None
        for _, key in geom.offsets():
            v = xpad[(slice(None), slice(None)) + key]
            total = v.copy() if total is None else xp.add(total, v, out=total)
        ctx.geom, ctx.div = geom, div
        if total.dtype.kind != "f":  # integer pooling divides as C does, rounding toward zero
            return (xp.abs(_to_cf(total)) // div * xp.sign(_to_cf(total))).astype(total.dtype)
        return _to_cf(total) / div

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolGrad.apply(grad, ctx.geom, ctx.div), None, None


class AvgPool3D(AvgPool):
    node_name = "AvgPool3DBackward0"


class AvgPoolGrad(_Op):
    """Adjoint of :class:`AvgPool`: spread each output gradient over its window."""

    node_name = "AvgPool2DBackwardBackward0"

    @staticmethod
    def forward(ctx, g, geom, div):
        xp = array_module(g)
        ctx.geom, ctx.div = geom, div
        gc = _to_cf(g / div)
        gpad = xp.zeros(gc.shape[:2] + geom.padded_sp, dtype=g.dtype)
        for _, key in geom.offsets():
            gpad[(slice(None), slice(None)) + key] += gc
        return _crop_nc(gpad, geom)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool.apply(grad, ctx.geom, ctx.div), None, None


# -------------------------------------------------------- padding and indexing
class ConstantPad(_Op):
    """Pad (or crop, for negative amounts) the trailing dims with a constant."""

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value):
        ctx.pads = pads
        return _constant_pad(x, pads, value)

    @staticmethod
    def backward(ctx, grad):
        return ConstantPad.apply(grad, tuple((-lo, -hi) for lo, hi in ctx.pads), 0.0), None, None


def _constant_pad(x, pads, value):
    """``pads`` holds one (lo, hi) pair per dim of ``x``."""
    xp = array_module(x)
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pads))
    if any(s < 0 for s in shape):
        raise RuntimeError(
            f"The input size {x.shape[0] if x.ndim else 0}, plus negative padding "
            f"resulted in a negative output size, which is invalid. Check dimension of your input."
        )
    out = xp.full(shape, value, dtype=x.dtype)
    src = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pads))
    dst = tuple(slice(max(lo, 0), s - max(hi, 0)) for s, (lo, hi) in zip(shape, pads))
    out[dst] = x[src]
    return out


class TakeAlong(_Op):
    """Pick positions ``index`` (1-D) along axis ``dim`` (positions may repeat)."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, dim, index):
        xp = array_module(x)
        ctx.dim, ctx.index, ctx.size = dim, index, x.shape[dim]
        return xp.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return TakeAlongGrad.apply(grad, ctx.dim, ctx.index, ctx.size), None, None


class TakeAlongGrad(_Op):
    """Adjoint of :class:`TakeAlong`: add each slice back at its source position."""

    node_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, g, dim, index, size):
        xp = array_module(g)
        ctx.dim, ctx.index = dim, index
        g = xp.moveaxis(g, dim, 0)
        out = xp.zeros((size,) + g.shape[1:], dtype=g.dtype)
        if len(xp.unique(index)) == len(index):
            out[index] += g
        else:
            xp.add.at(out, index, g)
        return xp.moveaxis(out, 0, dim)

    @staticmethod
    def backward(ctx, grad):
        return TakeAlong.apply(grad, ctx.dim, ctx.index), None, None, None


def take_along(x: Tensor, dim: int, index) -> Tensor:
    """``x`` indexed by the integer array ``index`` along ``dim`` (differentiable)."""
    return TakeAlong.apply(x, dim, array_module(x._data).asarray(index, dtype=np.int64))
