"""``torch.cuda.amp`` (deprecated in torch, still common in scripts): CUDA-flavoured spellings of
:mod:`glasstorch.amp`. Without CUDA both warn and disable themselves, as torch does."""

from __future__ import annotations

from .. import amp as _amp

__all__ = ["GradScaler", "autocast", "custom_fwd", "custom_bwd"]

custom_fwd, custom_bwd = _amp.custom_fwd, _amp.custom_bwd


class GradScaler(_amp.GradScaler):
    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class autocast(_amp.autocast):
    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
