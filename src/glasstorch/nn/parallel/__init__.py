"""``nn.parallel``: data-parallel wrappers."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
