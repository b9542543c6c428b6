"""Convolutions: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, ``unfold`` and ``fold``."""

from __future__ import annotations

import math

from ...dtypes import SCALAR_TYPE_NAMES
from ...ops.conv import ConvGeometry, Convolution, ConvTranspose, Fold, Unfold
from ...tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]


def _ntuple(value, n: int, name: str) -> tuple:
    """An int or a sequence as an n-tuple of ints, with torch's message for a wrong length."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return tuple(int(value[0]) for _ in range(n))
        if len(value) != n:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {n} values to match the "
                f"convolution dimensions, but got {name}={list(value)}"
            )
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _dtype_name(t: Tensor) -> str:
    return SCALAR_TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def _check_dtypes(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_name(input)} but found {_dtype_name(weight)}")
    if bias is not None and bias._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"Input type ({_dtype_name(input)}) and bias type ({_dtype_name(bias)}) should be the same"
        )


def _batched(input: Tensor, nd: int, name: str) -> tuple[Tensor, bool]:
    """Add a batch dim to an unbatched input; raise torch's error for a wrong rank."""
    dim = input.dim()
    if dim == nd + 1:
        return input.unsqueeze(0), True
    if dim != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, "
            f"but got input of size: {list(input.shape)}"
        )
    return input, False


def _same_pads(kernel, dilation) -> tuple:
    """'same' padding: total d*(k-1), the odd extra on the high side (as torch does)."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _check_window(in_sp, pads, kernel, dilation) -> None:
    padded = [n + lo + hi for n, (lo, hi) in zip(in_sp, pads)]
    eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(e > p for e, p in zip(eff, padded)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size"
        )


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, name) -> Tensor:
    x, unbatched = _batched(input, nd, name)
    _check_dtypes(input, weight, bias)
    wshape = tuple(weight.shape)
    if weight.dim() != nd + 2:
        raise RuntimeError(
            "weight should have at least three dimensions" if weight.dim() < 3 else
            f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input {list(x.shape)}, "
            f"but got {weight.dim()}-dimensional weight of size {list(wshape)} instead"
        )
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    kernel = wshape[2:]
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(kernel, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _ntuple(padding, nd, "padding")
        if any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((v, v) for v in p)
    if wshape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(wshape)}] instead"
        )
    C = x.shape[1]
    if C != wshape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(wshape)}, expected input{list(x.shape)} to have "
            f"{wshape[1] * groups} channels, but got {C} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != wshape[0]):
        raise RuntimeError(
            f"Given weight of size {list(wshape)}, expected bias to be 1-dimensional with {wshape[0]} "
            f"elements, but got bias of size {list(bias.shape)} instead"
        )
    in_sp = tuple(x.shape[2:])
    _check_window(in_sp, pads, kernel, dilation)
    geom = ConvGeometry(kernel, stride, pads, dilation, groups, in_sp)
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


_AXIS_NAMES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, name):
    x, unbatched = _batched(input, nd, name)
    _check_dtypes(input, weight, bias)
    wshape = tuple(weight.shape)
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    padding = _ntuple(padding, nd, "padding")
    output_padding = _ntuple(output_padding, nd, "output_padding")
    kernel = wshape[2:]
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v < 0 for v in padding):
        raise RuntimeError("negative padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = _AXIS_NAMES[nd]
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding)]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, stride)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    C = x.shape[1]
    if C != wshape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(wshape)}, expected input{list(x.shape)} to have "
            f"{wshape[0]} channels, but got {C} channels instead"
        )
    if wshape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(wshape)}] instead"
        )
    out_ch = wshape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_ch):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(wshape)}, expected bias to be 1-dimensional with "
            f"{out_ch} elements, but got bias of size {list(bias.shape)} instead"
        )
    in_sp = tuple(x.shape[2:])
    out_sp = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1
                   for n, s, p, d, k, op in zip(in_sp, stride, padding, dilation, kernel, output_padding))
    if any(o <= 0 for o in out_sp):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, in_sp))}). Calculated output size per "
            f"channel: ({' x '.join(map(str, out_sp))}). Output size is too small"
        )
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
            raise RuntimeError(f"{name} must be an int or a tuple of two ints, but got {v}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*kH*kW, L)."""
    if input.dim() not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    x = input.unsqueeze(0) if input.dim() == 3 else input
    kernel, dilation = _pair(kernel_size), _pair(dilation, "dilation")
    padding, stride = _pair(padding, "padding"), _pair(stride, "stride")
    pads = tuple((p, p) for p in padding)
    in_sp = tuple(x.shape[2:])
    geom = ConvGeometry(kernel, stride, pads, dilation, 1, in_sp)
    if any(o <= 0 for o in geom.out_sp):
        raise RuntimeError(
            f"Given input with spatial size ({in_sp[0]}, {in_sp[1]}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, {padding[1]}), calculated "
            f"shape of the array of sliding blocks as ({geom.out_sp[0]}, {geom.out_sp[1]}), but its "
            "components must be at least one."
        )
    out = Unfold.apply(x, geom)
    return out.squeeze(0) if input.dim() == 3 else out


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Combine sliding local blocks into a tensor: (N, C*kH*kW, L) -> (N, C, H, W); overlaps add up."""
    if input.dim() not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {input.dim()}D)")
    x = input.unsqueeze(0) if input.dim() == 2 else input
    out_size, kernel = _pair(output_size, "output_size"), _pair(kernel_size)
    dilation, padding, stride = _pair(dilation, "dilation"), _pair(padding, "padding"), _pair(stride, "stride")
    geom = ConvGeometry(kernel, stride, tuple((p, p) for p in padding), dilation, 1, out_size)
    K = math.prod(kernel)
    if x.shape[1] % K:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={x.shape[1]} and kernel_size=({kernel[0]}, {kernel[1]})"
        )
    L = math.prod(geom.out_sp)
    if x.shape[2] != L:
        raise RuntimeError(
            f"Given output_size=({out_size[0]}, {out_size[1]}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, {padding[1]}), "
            f"stride=({stride[0]}, {stride[1]}), expected size of input's dimension 2 to match the "
            f"calculated number of sliding blocks {geom.out_sp[0]} * {geom.out_sp[1]} = {L}, but got "
            f"input.size(2)={x.shape[2]}."
        )
    out = Fold.apply(x, geom)
    return out.squeeze(0) if input.dim() == 2 else out
