"""``glasstorch.nn.parallel``: DataParallel (a pass-through on the CPU) and the DDP name."""

from .data_parallel import DataParallel, DistributedDataParallel, data_parallel  # noqa: F401

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
