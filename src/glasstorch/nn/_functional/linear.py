"""Affine maps: ``linear`` (one fused op) and ``bilinear``."""

from __future__ import annotations

import math

from ...autograd.function import Function
from ...backend import array_module, xp
from ...dtypes import SCALAR_TYPE_NAMES
from ...kernels import sum_axes
from ...tensor import Tensor

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



def _type_name(x) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x W^T + b`` over the last dim of ``input``; any leading dims pass through."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        name, pos, bad = ("input", 1, input) if not isinstance(input, Tensor) else ("weight", 2, weight)
        raise TypeError(f"linear(): argument '{name}' (position {pos}) must be Tensor, not {_type_name(bad)}")
    xd, wd = input.ndim, weight.ndim
    if xd == 0 or wd == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {xd}D and {wd}D")
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {SCALAR_TYPE_NAMES[input.dtype.name]} and "
            f"{SCALAR_TYPE_NAMES[weight.dtype.name]}")
    if wd == 1:
        if bias is not None:  # torch then adds through addmm, which wants a matrix
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        # a vector weight: one output feature, squeezed away
        return linear(input, weight.unsqueeze(0), None).squeeze(-1)
    if wd != 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {wd}D")
    n_out, n_in = weight.shape
    if input.shape[-1] != n_in:
        rows = input.numel() // input.shape[-1] if input.shape[-1] else 0
        rows = rows if xd > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and {n_in}x{n_out})")
    if bias is not None:
        target = tuple(input.shape[:-1]) + (n_out,)
        try:
            ok = xp.broadcast_shapes(tuple(bias.shape), target) == target
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"The expanded size of the tensor ({n_out}) must match the existing size "
                f"({bias.shape[-1] if bias.ndim else 1}) at non-singleton dimension {len(target) - 1}.  "
                f"Target sizes: {list(target)}.  Tensor sizes: {list(bias.shape)}")
        if bias.dtype != input.dtype:
            bias = bias.to(input.dtype)
    if xd == 2:
        fn = _Linear if bias is not None else _LinearNoBias
    else:
        fn = _LinearND if bias is not None else _LinearNDNoBias
    return fn.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]``."""
    from ...ops.linalg import einsum

    if input1.ndim != input2.ndim:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {d}: got {input1.shape[d]} and "
                f"{input2.shape[d]}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, but got {weight.ndim}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected "
            f"{weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected "
            f"{weight.shape[2]}")
    if bias is not None and bias.numel() != weight.shape[0]:
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but expected "
            f"{weight.shape[0]}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, weight.shape[1])
    x2 = input2.reshape(-1, weight.shape[2])
    out = einsum("bi,oij,bj->bo", x1, weight, x2).reshape(lead + (weight.shape[0],))
    return out if bias is None else out + bias
