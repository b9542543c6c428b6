"""SyncBatchNorm: batch normalisation whose statistics span every rank's batch."""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function, once_differentiable
from ...backend import array_module, to_numpy
from ...tensor import Tensor
from .._functional import normalization as _F
from .batchnorm import _BatchNorm

__all__ = ["SyncBatchNorm"]


def _all_sum(pg, arr):
    """``arr`` summed over the group's ranks (float64, so the sums are exact enough to agree).

    MPI reduces a host buffer: the sums go to the host and back to ``arr``'s device.
    """
    from ...distributed.process_group import _wait

    buf = np.ascontiguousarray(to_numpy(arr), dtype=np.float64)  # host: MPI buffer
    _wait(pg.comm.Iallreduce(_mpi_in_place(), buf), pg, "SyncBatchNorm all-reduce")
    return array_module(arr).asarray(buf)


def _mpi_in_place():
    from ...distributed.process_group import _mpi

    return _mpi().IN_PLACE


class _SyncBatchNormFn(Function):
    """Forward: mean and variance over all ranks' (N, *) positions per channel.
    Backward: the input gradient needs the batch-wide sums of ``dy`` and
    ``dy * x_hat``; the weight and bias gradients stay local (DDP averages them)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps, pg, stats):
        a = x._data
        xp = array_module(a)
        axes = (0,) + tuple(range(2, a.ndim))
        view = (1, -1) + (1,) * (a.ndim - 2)
        c = a.shape[1]
        local = xp.concatenate([a.sum(axis=axes, dtype=np.float64), xp.full(1, a.size / c)])
        total = _all_sum(pg, local)
        count = total[-1]
        mean = total[:-1] / count
        centered = a - mean.astype(a.dtype).reshape(view)
        var = _all_sum(pg, xp.square(centered, dtype=np.float64).sum(axis=axes)) / count
        invstd = 1.0 / xp.sqrt(var + eps)
        x_hat = centered * invstd.astype(a.dtype).reshape(view)
        stats.extend([mean, var, count])
        out = x_hat if weight is None else x_hat * weight._data.reshape(view)
        if bias is not None:
            out = out + bias._data.reshape(view)
        ctx.pg, ctx.count, ctx.view, ctx.axes = pg, count, view, axes
        ctx.x_hat, ctx.invstd = x_hat, invstd.astype(a.dtype)
        ctx.weight = weight
        ctx.has_bias = bias is not None
        return Tensor._make(out.astype(a.dtype, copy=False), False, None, 0)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        dy = grad._data
        x_hat, view, axes = ctx.x_hat, ctx.view, ctx.axes
        sum_dy = dy.sum(axis=axes, dtype=np.float64)
        sum_dy_xhat = (dy * x_hat).sum(axis=axes, dtype=np.float64)
        c = sum_dy.size
        both = _all_sum(ctx.pg, array_module(dy).concatenate([sum_dy, sum_dy_xhat]))
        mean_dy, mean_dy_xhat = both[:c] / ctx.count, both[c:] / ctx.count
        scale = ctx.invstd if ctx.weight is None else ctx.invstd * ctx.weight._data
        dx = (dy - mean_dy.astype(dy.dtype).reshape(view)
              - x_hat * mean_dy_xhat.astype(dy.dtype).reshape(view)) * scale.reshape(view)
        wrap = lambda arr: Tensor._make(arr.astype(dy.dtype, copy=False), False, None, 0)  # noqa: E731
        dw = wrap(sum_dy_xhat) if ctx.weight is not None else None
        db = wrap(sum_dy) if ctx.has_bias else None
        return wrap(dx), dw, db, None, None, None


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation of ``(N, C, *)`` inputs with statistics over the whole
    distributed batch: every rank's N samples together.

    In training mode, with a process group of more than one rank, the mean and
    variance are all-reduced across the ranks (forward) and so are the sums
    the input gradient needs (backward). Otherwise it is ``BatchNorm``. Unlike
    torch's, it runs on CPU tensors. Build it from an existing model with
    :meth:`convert_sync_batchnorm`.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _group(self):
        from ... import distributed as dist

        if not (self.training and dist.is_available() and dist.is_initialized()):
            return None
        pg = dist.process_group._resolve(self.process_group)
        return pg if pg.size() > 1 else None

    def forward(self, input: Tensor) -> Tensor:
        pg = self._group()
        if pg is None:
            return super().forward(input)
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm expected {self.num_features} channels, got input of shape "
                             f"{list(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            self.num_batches_tracked._version[0] += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        stats: list = []
        out = _SyncBatchNormFn.apply(input, self.weight, self.bias, self.eps, pg, stats)
        mean, var, count = stats
        if self.track_running_stats and self.running_mean is not None:
            _F._update_running(self.running_mean, mean, factor)
            _F._update_running(self.running_var, var * (count / max(count - 1, 1)), factor)
        return out

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every ``BatchNorm*d`` inside replaced by a ``SyncBatchNorm``
        holding the same parameters and running statistics."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.train(module.training)
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
