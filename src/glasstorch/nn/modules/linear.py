"""Identity, Linear, Bilinear and LazyLinear."""

from __future__ import annotations

import math
from typing import Any

from ... import ops
from ...tensor import Tensor
from .. import init
from .._functional.linear import bilinear, linear
from ..parameter import Parameter, UninitializedParameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


def _empty(*shape, dtype=None) -> Tensor:
    return ops.empty(*shape, dtype=dtype)


def _weight_and_bias(module: Module, weight_shape: tuple, n_out: int, bias: bool, dtype) -> None:
    """Registers an uninitialised ``weight`` of ``weight_shape`` and a ``bias`` of ``n_out``
    (or ``bias`` None); ``reset_parameters`` sets their values."""
    module.weight = Parameter(_empty(*weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(_empty(n_out, dtype=dtype))
    else:
        module.register_parameter("bias", None)


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x W^T + b`` (``nn.Linear``).

    ``weight`` has shape (out_features, in_features) and starts as
    kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)); ``bias``
    starts as U(-1/sqrt(in), 1/sqrt(in)).

    Args:
        in_features: size of each input's last dimension.
        out_features: size of each output's last dimension.
        bias: whether to add a learnt ``bias`` of shape (out_features,).

    Shapes:
        input (*, in_features), any number of leading dimensions; output (*, out_features).

    Example::

        >>> layer = nn.Linear(20, 30)
        >>> layer(torch.randn(128, 20)).shape
        torch.Size([128, 30])
    """

    in_features: int
    out_features: int
    weight: Parameter

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        if device is not None:
            from ...backend import check_device

            check_device(device)
        self.in_features = in_features
        self.out_features = out_features
        _weight_and_bias(self, (out_features, in_features), out_features, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y = x1^T W x2 + b`` (``nn.Bilinear``); weight (out, in1, in2), all U(-1/sqrt(in1), 1/sqrt(in1))."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        _weight_and_bias(self, (out_features, in1_features, in2_features), out_features, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose ``in_features`` is read from the first input; it then becomes a Linear."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.__dict__["_lazy_dtype"] = dtype
        self.weight = UninitializedParameter()
        if bias:
            self.bias = UninitializedParameter()
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        self.in_features = input.shape[-1]
        dtype = self._lazy_dtype or input.dtype
        self.weight = Parameter(_empty(self.out_features, self.in_features, dtype=dtype))
        if self.bias is not None:
            self.bias = Parameter(_empty(self.out_features, dtype=dtype))
        self.reset_parameters()
        self.__class__ = self.cls_to_become

    def forward(self, input: Tensor) -> Tensor:
        self.initialize_parameters(input)
        return linear(input, self.weight, self.bias)


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection of MultiheadAttention (a Linear; torch's name, kept for state and repr)."""
