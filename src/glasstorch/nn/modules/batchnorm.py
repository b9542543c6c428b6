"""Batch normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``."""

from __future__ import annotations

from ... import dtypes as _dt
from ... import ops as _ops
from ...tensor import Tensor
from .._functional import normalization as _F
from ..parameter import Parameter
from .module import Module
from .normalization import _affine_params, _reset_affine

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d"]


class _NormBase(Module):
    """Shared state of batch and instance norm: affine parameters and running statistics."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__()
        dt = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_params(self, num_features, affine, bias, dt)
        if track_running_stats:
            self.register_buffer("running_mean", _ops.zeros(num_features, dtype=dt))
            self.register_buffer("running_var", _ops.ones(num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", _ops.tensor(0, dtype=_dt.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight to 1 and bias to 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        # checkpoints written before num_batches_tracked existed load with a count of 0
        key = prefix + "num_batches_tracked"
        if self.num_batches_tracked is not None and key not in state_dict:
            state_dict = dict(state_dict)
            state_dict[key] = _ops.tensor(0, dtype=_dt.int64)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        mean, var = (self.running_mean, self.running_var) if track else (None, None)
        _F._check_batch_norm(input, mean, var, self.weight, self.bias, use_batch_stats)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            self.num_batches_tracked._version[0] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        return _F.batch_norm(input, mean, var, self.weight, self.bias, use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs, per channel."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` inputs, per channel."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` inputs, per channel."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class _LazyMixin:
    """``num_features`` is taken from the first input's dim 1."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True) -> None:
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.__dict__["_lazy"] = True

    def forward(self, input: Tensor) -> Tensor:
        if self.__dict__.get("_lazy"):
            self._check_input_dim(input)
            self._materialize(input.shape[1], input.dtype)
        return super().forward(input)

    def _materialize(self, n: int, dtype) -> None:
        self.__dict__["_lazy"] = False
        self.num_features = n
        if self.affine:
            self.weight = Parameter(_ops.ones(n, dtype=dtype))
            if self.bias is not None:
                self.bias = Parameter(_ops.zeros(n, dtype=dtype))
        if self.track_running_stats:
            self.running_mean = _ops.zeros(n, dtype=dtype)
            self.running_var = _ops.ones(n, dtype=dtype)


class LazyBatchNorm1d(_LazyMixin, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` is inferred from the first input."""


class LazyBatchNorm2d(_LazyMixin, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` is inferred from the first input."""


class LazyBatchNorm3d(_LazyMixin, BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` is inferred from the first input."""
