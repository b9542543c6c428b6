"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d."""

from __future__ import annotations

import math

from ...tensor import Tensor
from .. import init
from .._functional._checks_conv import same_pads
from .._functional.conv import _conv, _conv_transpose
from .._functional.padding import pad
from .linear import _weight_and_bias
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n: int) -> tuple:
    if isinstance(v, (tuple, list)):
        return tuple(v) if len(v) != 1 else tuple(v) * n
    return (v,) * n


class _ConvNd(Module):
    """What every convolution layer shares: arguments, parameters, initialisation, repr."""

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, device=None, dtype=None) -> None:
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, nd)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError("padding_mode must be one of {'reflect', 'circular', 'zeros', 'replicate'}, "
                             f"but got padding_mode={padding_mode!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, nd)
        self.stride = _ntuple(stride, nd)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, nd)
        self.dilation = _ntuple(dilation, nd)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad order: last dim first, (lo, hi) for each
        if isinstance(self.padding, str):
            pairs = same_pads(self.kernel_size, self.dilation) if padding == "same" else [(0, 0)] * nd
        else:
            pairs = [(p, p) for p in self.padding]
        self._reversed_padding_repeated_twice = [v for pair in reversed(pairs) for v in pair]
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        _weight_and_bias(self, shape, out_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_(a=sqrt(5)) amounts to U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        nd = len(self.kernel_size)
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        nd = self._nd
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return _conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups, nd, f"conv{nd}d")
        return _conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups, nd,
                     f"conv{nd}d")

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) (or unbatched (C_in, L)).

    ``weight``: (C_out, C_in/groups, k); ``padding`` may be an int, a tuple, 'valid' or 'same';
    ``padding_mode``: 'zeros', 'reflect', 'replicate' or 'circular'.
    """

    _nd = 1


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) (or unbatched (C_in, H, W)).

    ``weight``: (C_out, C_in/groups, kH, kW); ``padding`` may be an int, a tuple, 'valid' or 'same';
    ``padding_mode``: 'zeros', 'reflect', 'replicate' or 'circular'.

    Shapes:
        output (N, C_out, H_out, W_out) with
        ``H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1`` (W alike).

    Example::

        >>> conv = nn.Conv2d(1, 6, 5, padding=2)
        >>> conv(torch.randn(8, 1, 28, 28)).shape
        torch.Size([8, 6, 28, 28])
    """

    _nd = 2


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) (or unbatched (C_in, D, H, W))."""

    _nd = 3


class _ConvTranspose(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        if output_size is None:
            return self.output_padding
        nd = self._nd
        non_spatial = 2 if input.dim() == nd + 2 else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + nd:
            output_size = output_size[non_spatial:]
        if len(output_size) != nd:
            raise ValueError(
                f"ConvTranspose{nd}D: for {input.dim()}D input, output_size must have {nd} or "
                f"{non_spatial + nd} elements (got {len(output_size)})")
        mins, maxs = [], []
        for d in range(nd):
            n = input.shape[d + non_spatial]
            lo = ((n - 1) * self.stride[d] - 2 * self.padding[d]
                  + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            mins.append(lo)
            maxs.append(lo + self.stride[d] - 1)
        for d in range(nd):
            if not mins[d] <= output_size[d] <= maxs[d]:
                raise ValueError(
                    f"requested an output size of {tuple(output_size)}, but valid sizes range from {mins} to "
                    f"{maxs} (for an input of {input.shape[2:]})")
        return tuple(int(output_size[d]) - mins[d] for d in range(nd))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        nd = self._nd
        output_padding = self._output_padding(input, output_size)
        return _conv_transpose(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                               self.groups, self.dilation, nd, f"conv_transpose{nd}d")


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution; ``weight``: (C_in, C_out/groups, k).
    ``forward(input, output_size=None)`` can pick among the output lengths a stride allows."""

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution; ``weight``: (C_in, C_out/groups, kH, kW).
    ``forward(input, output_size=None)`` can pick among the output sizes a stride allows."""

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution; ``weight``: (C_in, C_out/groups, kD, kH, kW)."""

    _nd = 3
