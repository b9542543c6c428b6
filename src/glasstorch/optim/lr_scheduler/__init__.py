"""Learning-rate schedules (``torch.optim.lr_scheduler``).

A scheduler rewrites ``group['lr']`` of its optimizer's parameter groups each
time ``step()`` is called. Most schedules are "chainable": the new rate is
computed from the current one, so several schedulers can act on the same
optimizer; ``step(epoch)`` (deprecated in torch) uses the closed form where
one exists. The recurrences are the ones torch uses, so the sequences agree
to the last bits.
"""

from __future__ import annotations

from ._base import LRScheduler, _LRScheduler  # noqa: F401  (torch's old name for the base class)
from ._composite import ChainedScheduler, SequentialLR
from ._cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from ._decay import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from ._plateau import ReduceLROnPlateau

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "SequentialLR", "CosineAnnealingLR", "ChainedScheduler",
           "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR"]
