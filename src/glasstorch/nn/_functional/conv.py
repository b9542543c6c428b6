"""Convolutions: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, ``unfold`` and ``fold``."""

from __future__ import annotations

from ...autograd.grad_mode import is_grad_enabled
from ...backend import array_module
from ...dtypes import promote_types
from ...ops.conv import ConvGeometry, Convolution, ConvTranspose, Fold, Unfold
from ...tensor import Tensor
from ._checks_conv import (
    batched,
    check_conv,
    check_conv_kernel,
    check_conv_transpose,
    check_conv_transpose_kernel,
    check_fold_args,
    check_fold_blocks,
    check_unfold_args,
    check_unfold_blocks,
    empty_input,
)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]


def _empty_result(x: Tensor, weight: Tensor, shape: tuple) -> Tensor:
    """An empty result in the promoted dtype of input and weight; linked to the input's graph when it
    records one. With no batch (but channels) torch keeps the input's dtype unless the weight is of
    a higher kind (an integer input, a float weight), as if the weight were 0-d."""
    if x.shape[0] == 0 and x.shape[1]:
        dtype = weight.dtype if weight.dtype.kind > x.dtype.kind else x.dtype
    else:
        dtype = promote_types(x.dtype, weight.dtype)
    if x.requires_grad and is_grad_enabled():
        return x.sum().mul(0).to(dtype).expand(shape).clone()
    return Tensor._make(array_module(x._data).zeros(shape, dtype.np), False, None, 0)


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, name) -> Tensor:
    x, unbatched = batched(input, nd, name)
    stride, pads, dilation = check_conv(x, input, weight, bias, stride, padding, dilation, groups, nd)
    geom = ConvGeometry(tuple(weight.shape[2:]), stride, pads, dilation, groups, tuple(x.shape[2:]))
    if empty_input(x, nd):  # no batch or no channels: an empty result (no channels out either, as torch)
        out = _empty_result(x, weight, (x.shape[0], weight.shape[0] if x.shape[1] else 0) + geom.out_sp)
        return out.squeeze(0) if unbatched else out
    check_conv_kernel(input, weight, bias, dilation, nd)
    out = Convolution.apply(x, weight, bias, geom)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) over an input of shape (N, C, L)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) over an input of shape (N, C, H, W)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation) over an input of shape (N, C, D, H, W)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, name):
    x, unbatched = batched(input, nd, name)
    stride, padding, output_padding, dilation = check_conv_transpose(
        x, input, weight, bias, stride, padding, output_padding, groups, dilation, nd)
    kernel, in_sp = tuple(weight.shape[2:]), tuple(x.shape[2:])
    out_sp = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1
                   for n, s, p, d, k, op in zip(in_sp, stride, padding, dilation, kernel, output_padding))
    if empty_input(x, nd):
        shape = (x.shape[0], weight.shape[1] * groups) + out_sp
        if any(n < 0 for n in shape):
            seen = list(shape[:2]) + [1] + list(shape[2:]) if nd == 1 else list(shape)
            i = next(i for i, n in enumerate(seen) if n < 0)
            raise RuntimeError(f"invalid shape dimension {seen[i]} at index {i} of shape {seen}")
        out = _empty_result(x, weight, shape)
        return out.squeeze(0) if unbatched else out
    check_conv_transpose_kernel(input, weight, bias, stride, output_padding, dilation, in_sp, out_sp, nd)
    geom = ConvGeometry(kernel, stride, tuple((p, p) for p in padding), dilation, groups, out_sp, in_sp)
    out = ConvTranspose.apply(x, weight, bias, geom)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution ("deconvolution"); weight is (C_in, C_out/groups, k)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution; weight is (C_in, C_out/groups, kH, kW)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution; weight is (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                           "conv_transpose3d")


def _pair(v, name="kernel_size") -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*kH*kW, L)."""
    kernel, dilation = _pair(kernel_size), _pair(dilation, "dilation")
    padding, stride = _pair(padding, "padding"), _pair(stride, "stride")
    check_unfold_args(input, kernel, dilation, padding, stride)
    x = input.unsqueeze(0) if input.dim() == 3 else input
    pads = tuple((p, p) for p in padding)
    in_sp = tuple(x.shape[2:])
    geom = ConvGeometry(kernel, stride, pads, dilation, 1, in_sp)
    check_unfold_blocks(in_sp, geom, kernel, dilation, padding)
    out = Unfold.apply(x, geom)
    return out.squeeze(0) if input.dim() == 3 else out


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Combine sliding local blocks into a tensor: (N, C*kH*kW, L) -> (N, C, H, W); overlaps add up."""
    out_size, kernel = _pair(output_size, "output_size"), _pair(kernel_size)
    dilation, padding, stride = _pair(dilation, "dilation"), _pair(padding, "padding"), _pair(stride, "stride")
    check_fold_args(input, kernel, dilation, padding, stride)
    x = input.unsqueeze(0) if input.dim() == 2 else input
    geom = ConvGeometry(kernel, stride, tuple((p, p) for p in padding), dilation, 1, out_size)
    check_fold_blocks(x, geom, out_size, kernel, dilation, padding, stride)
    out = Fold.apply(x, geom)
    return out.squeeze(0) if input.dim() == 2 else out
