"""Instance normalisation layers: ``InstanceNorm1d``, ``InstanceNorm2d``, ``InstanceNorm3d``."""

from __future__ import annotations

import warnings

from ...tensor import Tensor
from .._functional import normalization as _F
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _spatial = 1  # spatial dims of a batched input

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        s = self._spatial
        if input.dim() not in (s + 1, s + 2):
            raise ValueError(f"expected {s + 1}D or {s + 2}D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        batched = input.dim() == self._spatial + 2
        cdim = 1 if batched else 0
        if input.shape[cdim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={cdim} to match num_features ({self.num_features}), "
                    f"but got: {input.shape[cdim]}.")
            warnings.warn(
                f"input's size at dim={cdim} does not match num_features. You can silence this warning by "
                "not passing in num_features, which is not used because affine=False", UserWarning,
                stacklevel=2)
        x = input if batched else input.unsqueeze(0)
        use_input_stats = self.training or not self.track_running_stats
        out = _F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                               use_input_stats, self.momentum if self.momentum is not None else 0.0, self.eps)
        return out if batched else out.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    """Normalise each channel of each ``(N, C, L)`` or ``(C, L)`` sample over its length."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Normalise each channel of each ``(N, C, H, W)`` or ``(C, H, W)`` sample over its plane."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Normalise each channel of each ``(N, C, D, H, W)`` or ``(C, D, H, W)`` sample over its volume."""

    _spatial = 3
