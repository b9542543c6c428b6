"""DataParallel without GPUs: the wrapped module runs as is, as torch does with no CUDA device.

Torch's DataParallel scatters a batch over the visible GPUs; with none it
calls the module directly. glasstorch has no GPUs, so this is that path: the
wrapper keeps the module under ``.module`` (state_dict keys get the
``module.`` prefix, as in torch) and forwards every call to it.
"""

from __future__ import annotations

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Wraps ``module``; calling the wrapper calls ``module`` (no devices to split the batch over)."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list = []
        self.output_device = None
        self.dim = dim  # device_ids are ignored without GPUs, as torch ignores them

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """Functional form of :class:`DataParallel`: ``module(*inputs, **module_kwargs)``."""
    if device_ids:
        raise RuntimeError("device type could not be determined")
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
