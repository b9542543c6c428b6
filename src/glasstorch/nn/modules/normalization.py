"""Layer, group, RMS and local response normalisation layers."""

from __future__ import annotations

from collections.abc import Sequence

from ... import dtypes as _dt
from ... import ops as _ops
from ...autograd.grad_mode import no_grad
from ...backend import array_module
from ...tensor import Tensor
from .._functional import normalization as _F
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d"]


def _dtype(dtype):
    return _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)


def _affine_params(module: Module, shape, affine: bool, bias: bool, dtype) -> None:
    """Register ``weight`` (and ``bias`` when asked) of ``shape``, or both as None; values set by
    :func:`_reset_affine`."""
    dt = _dtype(dtype)
    module.register_parameter("weight", Parameter(_ops.empty(shape, dtype=dt)) if affine else None)
    module.register_parameter("bias", Parameter(_ops.empty(shape, dtype=dt)) if affine and bias else None)


def _reset_affine(module: Module) -> None:
    """Weight 1, bias 0: the identity transform a norm layer starts from."""
    with no_grad():
        if module.weight is not None:
            module.weight.fill_(1.0)
        if getattr(module, "bias", None) is not None:
            module.bias.zero_()


class _AffineNorm(Module):
    """A norm layer whose optional elementwise weight (and bias) start as the identity transform."""

    def reset_parameters(self) -> None:
        _reset_affine(self)


def _shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(_AffineNorm):
    """Normalise over the trailing ``normalized_shape`` dims:
    ``(x - mean) / sqrt(var + eps) * weight + bias``."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_params(self, self.normalized_shape, elementwise_affine, bias, dtype)
        self.reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        return _F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(_AffineNorm):
    """Split the channels into ``num_groups`` groups and normalise each group of each sample."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_params(self, num_channels, affine, bias, dtype)
        self.reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        return _F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(_AffineNorm):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` dims."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = _dtype(dtype)
        self.register_parameter("weight", Parameter(_ops.empty(self.normalized_shape, dtype=dt))
                                if elementwise_affine else None)
        self.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        return _F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Divide each value by ``(k + alpha * mean of squares over size neighbouring channels) ** beta``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return _F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """The Lua-torch cross-channel LRN of ``(N, C, H, W)`` inputs: the window holds
    ``2 * ((size - 1) // 2) + 1`` channels centred on each channel (plus channel 0)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() != 4:
            raise ValueError(
                f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        half = (self.size - 1) // 2
        sq = input * input
        c = input.shape[1]
        padded = _ops.shape._pad_zeros(sq, [(0, 0), (half, half), (0, 0), (0, 0)])
        window = padded.narrow(1, 0, c)
        for i in range(1, 2 * half + 1):
            window = window + padded.narrow(1, i, c)
        # as in Lua torch, channel 0 stays in the running sum of every later window
        xp = array_module(input._data)
        later = Tensor._make((xp.arange(c) > half).astype(input._data.dtype).reshape(1, c, 1, 1), False, None, 0)
        window = window + sq.narrow(1, 0, 1) * later
        scale = window * (self.alpha / self.size) + self.k
        return input * scale ** (-self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
