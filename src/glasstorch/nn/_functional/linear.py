"""Affine maps: ``linear`` (one fused op) and ``bilinear``."""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...backend import array_module
from ...kernels import sum_axes
from ...tensor import Tensor
from ._checks_linear import check_bilinear, check_linear

__all__ = ["linear", "bilinear"]


class _Linear(Function):
    """``x @ W.T + b`` for x of shape (..., in), W (out, in), b (out,) or None.

    d/dx = g @ W, d/dW = g^T x (leading dims flattened), d/db = g summed
    over the leading dims.
    """

    array_io = True
    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, w, b):
        xp = array_module(x)
        n_out, n_in = w.shape
        if x.ndim > 2:
            # one (rows, in) @ (in, out) product: NumPy's matmul would otherwise
            # call BLAS once per leading index, on small matrices
            lead = x.shape[:-1]
            out = xp.matmul(x.reshape(math.prod(lead), n_in), w.T).reshape(lead + (n_out,))
        else:
            out = xp.matmul(x, w.T)
        if b is not None:
            out += b
        ctx.save_for_backward(x, w)
        ctx.has_bias_shape = None if b is None else b.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        n_out, n_in = w.shape
        gx = grad @ w if need_x else None
        gw = grad.reshape(-1, n_out).mT @ x.reshape(-1, n_in) if need_w else None
        gb = None
        if need_b:
            gb = grad.reshape(-1, n_out).sum(0) if len(ctx.has_bias_shape) == 1 else grad
        return gx, gw, gb

    @staticmethod
    def backward_arrays(ctx, grad):
        """The same gradients on arrays (no graph to build), each one 2-D BLAS
        product over the flattened rows."""
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        n_out, n_in = w.shape
        rows = math.prod(x.shape[:-1])
        g2 = grad.reshape(rows, n_out)
        xp = array_module(grad)
        gx = xp.matmul(g2, w).reshape(x.shape) if need_x else None
        gw = xp.matmul(g2.T, x.reshape(rows, n_in)) if need_w else None
        gb = None
        if need_b:
            gb = sum_axes(g2, 0) if len(ctx.has_bias_shape) == 1 else grad
        return gx, gw, gb


class _LinearNoBias(_Linear):
    node_name = "MmBackward0"


class _LinearND(_Linear):
    node_name = "ViewBackward0"


class _LinearNDNoBias(_Linear):
    node_name = "UnsafeViewBackward0"



def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x W^T + b`` over the last dim of ``input``; any leading dims pass through."""
    check_linear(input, weight, bias)
    if weight.ndim == 1:
        # a vector weight: one output feature, squeezed away
        return linear(input, weight.unsqueeze(0), None).squeeze(-1)
    if bias is not None and bias.dtype != input.dtype:
        bias = bias.to(input.dtype)
    if input.ndim == 2:
        fn = _Linear if bias is not None else _LinearNoBias
    else:
        fn = _LinearND if bias is not None else _LinearNDNoBias
    return fn.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]``."""
    from ...ops.linalg import einsum

    check_bilinear(input1, input2, weight, bias)
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, weight.shape[1])
    x2 = input2.reshape(-1, weight.shape[2])
    # x1 with W first, then x2 (torch's order: an inf in x2 meets one sum per output, not mixed signs)
    out = einsum("boj,bj->bo", einsum("bi,oij->boj", x1, weight), x2).reshape(lead + (weight.shape[0],))
    return out if bias is None else out + bias
