"""Distances and similarities between vectors."""

from __future__ import annotations

import math

import numpy as np

from ...autograd.function import Function
from ...backend import array_module
from ...dtypes import SCALAR_TYPE_NAMES, result_type
from ...ops.shape import broadcast_tensors
from ...tensor import Tensor, _wrap_dim

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


class _VectorNorm(Function):
    """The ``p``-norm along ``dim`` (kept as size 1). The gradient at a zero vector is zero."""

    array_io = True
    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dim):
        xp = array_module(x)
        out_dtype, given = x.dtype, x
        if x.dtype == np.float16:  # accumulate in float32 and round once, as torch's CPU kernel does
            x = x.astype(np.float32)
        a = xp.abs(x)
        if p == math.inf:
            n = a.max(axis=dim, keepdims=True)
        elif p == -math.inf:
            n = a.min(axis=dim, keepdims=True)
        elif p == 0:
            n = (a != 0).sum(axis=dim, keepdims=True).astype(x.dtype)
        elif p == 1:
            n = a.sum(axis=dim, keepdims=True)
        elif p == 2:
            n = xp.sqrt((x * x).sum(axis=dim, keepdims=True))
        else:
            n = ((a ** p).sum(axis=dim, keepdims=True)) ** (1.0 / p)
        if n.dtype != out_dtype:
            n = n.astype(out_dtype)
        ctx.p, ctx.dim = p, dim
        # the input and the output themselves (not copies): a double backward differentiates through them
        ctx.save_for_backward(given, n)
        return n

    @staticmethod
    def backward(ctx, g):
        x, n = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return x * 0.0, None, None
        if p == 1:
            return g * x.sign(), None, None
        if p in (math.inf, -math.inf):
            hit = (x.abs() == n)._cast(x.dtype)
            return g * x.sign() * hit / hit.sum(ctx.dim, keepdim=True), None, None
        safe = n.masked_fill(n == 0, 1.0)
        if p == 2:
            return g * x / safe, None, None
        return g * x.sign() * (x.abs() / safe) ** (p - 1), None, None


def _norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    n = _VectorNorm.apply(x, float(p), dim)
    return n if keepdim else n.squeeze(dim)


def _floor_value(n: Tensor, eps: float) -> Tensor:
    """``max(n, eps)`` in value, while the gradient flows as through ``n`` (torch clamps
    the norms outside autograd)."""
    raw = n.detach()
    return n + (raw.clamp_min(eps) - raw)


def _broadcast_pair(x1: Tensor, x2: Tensor):
    s1, s2 = tuple(x1.shape), tuple(x2.shape)
    for i in range(1, min(len(s1), len(s2)) + 1):
        a, b = s1[-i], s2[-i]
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                               f"non-singleton dimension {max(len(s1), len(s2)) - i}")
    return broadcast_tensors(x1, x2)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(|x1|, eps) * max(|x2|, eps))`` along ``dim`` (inputs broadcast)."""
    common = result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{SCALAR_TYPE_NAMES[common.name]}")
    # integer inputs join the common dtype; each float input is normalised in its own dtype (as torch does)
    x1 = x1 if x1.is_floating_point() else x1.to(common)
    x2 = x2 if x2.is_floating_point() else x2.to(common)
    a, b = _broadcast_pair(x1, x2)
    d = _wrap_dim(dim, a._data.ndim)
    n1 = _floor_value(_norm(a, 2, d, True), eps)
    n2 = _floor_value(_norm(b, 2, d, True), eps)
    return ((a / n1) * (b / n2)).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x1 - x2 + eps`` along the last dim."""
    diff = x1 - x2 + eps
    d = diff._data.ndim - 1 if diff._data.ndim else 0
    if diff._data.ndim and diff.shape[d] == 0 and (p < 0 or p == math.inf):  # a max / min over nothing
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {d}because this "
                           "dimension is empty and the operation does not have an identity")
    return _norm(diff, p, d, keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm distance between every pair of rows ``i < j`` of a 2-D input."""
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    if not input.is_floating_point():
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    xp = array_module(input._data)
    if input.shape[1] == 0:  # rows of no features are all at distance 0
        n = input.shape[0]
        return Tensor._make(xp.zeros(n * (n - 1) // 2, input._data.dtype), False, None, 0)
    i, j = xp.triu_indices(input._data.shape[0], 1)
    left = input.index_select(0, Tensor._make(i.astype(np.int64), False, None, 0))
    right = input.index_select(0, Tensor._make(j.astype(np.int64), False, None, 0))
    return _norm(left - right, p, 1, False)
