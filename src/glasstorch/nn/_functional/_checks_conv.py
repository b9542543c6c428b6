"""Argument checks of the convolutions: torch's errors, raised before any work.

``check_conv`` and ``check_conv_transpose`` also return the arguments they checked
in the form the op takes (tuples of ints, padding as (low, high) pairs).
"""

from __future__ import annotations

import math

from ...dtypes import SCALAR_TYPE_NAMES
from ...tensor import Tensor


def ntuple(value, n: int, name: str) -> tuple:
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


def same_pads(kernel, dilation) -> tuple:
    """'same' padding: total d*(k-1), the odd extra on the high side (as torch does)."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _dtype_name(t: Tensor) -> str:
    return SCALAR_TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def _check_dtypes(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_name(input)} but found {_dtype_name(weight)}")
    if bias is not None and bias._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"Input type ({_dtype_name(input)}) and bias type ({_dtype_name(bias)}) should be the same"
        )


def batched(input: Tensor, nd: int, name: str) -> tuple[Tensor, bool]:
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


def _check_groups(wshape: tuple, groups: int) -> None:
    if wshape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(wshape)}] instead"
        )


def _check_window(in_sp, pads, kernel, dilation) -> None:
    padded = [n + lo + hi for n, (lo, hi) in zip(in_sp, pads)]
    eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(e > p for e, p in zip(eff, padded)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size"
        )


def check_conv(x: Tensor, input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation,
               groups: int, nd: int) -> tuple:
    """Checks a convolution's arguments (``x``: the input with its batch dim) up to the window's fit, in
    torch's order; returns ``(stride, pads, dilation)`` as tuples, ``pads`` as (low, high) pairs. The
    dilation and dtype checks come after the empty-input check: :func:`check_conv_kernel`."""
    wshape = tuple(weight.shape)
    stride = ntuple(stride, nd, "stride")
    dilation = ntuple(dilation, nd, "dilation")
    kernel = wshape[2:]
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = same_pads(kernel, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = ntuple(padding, nd, "padding")
        if any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((v, v) for v in p)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if weight.dim() != nd + 2:
        raise RuntimeError(
            f"Expected {weight.dim()}-dimensional input for {weight.dim()}-dimensional weight {list(wshape)}, "
            f"but got {x.dim()}-dimensional input of size {list(x.shape)} instead")
    _check_groups(wshape, groups)
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
    _check_window(tuple(x.shape[2:]), pads, kernel, dilation)
    return stride, pads, dilation


def empty_input(x: Tensor, nd: int) -> bool:
    """Whether torch hands back an empty result without computing: an input with no elements is
    allowed when its batch or its channels are empty, and refused otherwise."""
    shape = tuple(x.shape)
    if all(shape):
        return False
    if shape[0] and shape[1]:
        seen = list(shape[:2]) + [1] + list(shape[2:]) if nd == 1 else list(shape)  # conv1d runs as 2-d
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: {seen}")
    return True


def check_conv_kernel(input: Tensor, weight: Tensor, bias: Tensor | None, dilation: tuple, nd: int) -> None:
    """The checks torch's convolution kernels make on a non-empty input: dilation, then dtypes."""
    if any(d <= 0 for d in dilation):
        seen = [1] + list(dilation) if nd == 1 else list(dilation)
        raise RuntimeError(f"dilation should be greater than zero, but got {seen}")
    _check_dtypes(input, weight, bias)


_AXIS_NAMES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def check_conv_transpose(x: Tensor, input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding,
                         output_padding, groups: int, dilation, nd: int) -> tuple:
    """Checks a transposed convolution's arguments (``x``: the input with its batch dim) up to the
    channels; returns ``(stride, padding, output_padding, dilation)`` as tuples. The rest comes after
    the empty-input check: :func:`check_conv_transpose_kernel`."""
    wshape = tuple(weight.shape)
    stride = ntuple(stride, nd, "stride")
    dilation = ntuple(dilation, nd, "dilation")
    padding = ntuple(padding, nd, "padding")
    output_padding = ntuple(output_padding, nd, "output_padding")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v < 0 for v in padding):
        raise RuntimeError("negative padding is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    C = x.shape[1]
    if C != wshape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(wshape)}, expected input{list(x.shape)} to have "
            f"{wshape[0]} channels, but got {C} channels instead"
        )
    _check_groups(wshape, groups)
    out_ch = wshape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_ch):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(wshape)}, expected bias to be 1-dimensional with "
            f"{out_ch} elements, but got bias of size {list(bias.shape)} instead"
        )
    return stride, padding, output_padding, dilation


def check_conv_transpose_kernel(input: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple,
                                output_padding: tuple, dilation: tuple, in_sp: tuple, out_sp: tuple,
                                nd: int) -> None:
    """The checks torch's transposed-convolution kernels make on a non-empty input (a 1-d one is seen
    as 2-d with a height of 1): dilation, output padding, output size, then dtypes."""
    names = _AXIS_NAMES[max(nd, 2)]
    if nd == 1:
        stride, output_padding, dilation = (1,) + stride, (0,) + output_padding, (1,) + dilation
        in_sp, out_sp = (1,) + in_sp, (1,) + out_sp
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero, but got "
                           + ", ".join(f"dilation_{n}: {v}" for n, v in zip(names, dilation)))
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding)]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, stride)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    check_output_size(in_sp, out_sp)
    _check_dtypes(input, weight, bias)


def check_output_size(in_sp: tuple, out_sp: tuple) -> None:
    """A transposed convolution's output must have at least one element per spatial dim."""
    if any(o <= 0 for o in out_sp):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, in_sp))}). Calculated output size per "
            f"channel: ({' x '.join(map(str, out_sp))}). Output size is too small"
        )


def check_unfold_blocks(in_sp: tuple, geom, kernel: tuple, dilation: tuple, padding: tuple) -> None:
    """unfold needs at least one sliding block along each spatial dim."""
    if any(o <= 0 for o in geom.out_sp):
        raise RuntimeError(
            f"Given input with spatial size ({in_sp[0]}, {in_sp[1]}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, {padding[1]}), calculated "
            f"shape of the array of sliding blocks as ({geom.out_sp[0]}, {geom.out_sp[1]}), but its "
            "components must be at least one."
        )


def check_fold_blocks(x: Tensor, geom, out_size: tuple, kernel: tuple, dilation: tuple, padding: tuple,
                      stride: tuple) -> None:
    """fold's input (N, C*kH*kW, L) must hold whole kernels and exactly the L blocks of ``output_size``."""
    if x.shape[1] % math.prod(kernel):
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


_WINDOW_RULES = {  # letter: (what, name in the message, the test a value must pass)
    "k": ("kernel size should be greater than zero", "kernel", lambda v: v > 0),
    "d": ("dilation should be greater than zero", "dilation", lambda v: v > 0),
    "p": ("padding should be non-negative", "pad", lambda v: v >= 0),
    "s": ("stride should be greater than zero", "stride", lambda v: v > 0),
}


def _check_window_args(kernel: tuple, dilation: tuple, padding: tuple, stride: tuple, order: str) -> None:
    """im2col/col2im's checks of the (height, width) window arguments, in torch's ``order``."""
    values = {"k": kernel, "d": dilation, "p": padding, "s": stride}
    for letter in order:
        what, name, good = _WINDOW_RULES[letter]
        h, w = values[letter]
        if not (good(h) and good(w)):
            raise RuntimeError(f"{what}, but got {name}_height: {h} {name}_width: {w}")


def check_fold_args(input: Tensor, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple) -> None:
    """fold's window arguments, then its input: (C*K, L) or (N, C*K, L) with only N allowed to be 0."""
    _check_window_args(kernel, dilation, padding, stride, "ksdp")
    shape = tuple(input.shape)
    if not ((len(shape) == 2 and all(shape)) or (len(shape) == 3 and all(shape[1:]))):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(shape)}")


def check_unfold_args(input: Tensor, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple) -> None:
    """unfold's window arguments, then its input: (C, H, W) or (N, C, H, W) with only N allowed to be 0."""
    _check_window_args(kernel, dilation, padding, stride, "kdps")
    shape = tuple(input.shape)
    nd = len(shape)
    # torch reads sizes 1 and 2 before it looks at the rank: a short input fails on that read
    if nd == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    if nd == 1 or (nd == 2 and shape[1] != 0):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {nd})")
    if not ((nd == 3 and all(shape)) or (nd == 4 and all(shape[1:]))):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(shape)}")
