"""``nn.parallel``: data-parallel wrappers: ``DistributedDataParallel`` (over MPI
ranks) and ``DataParallel`` (a pass-through on the CPU, as torch without GPUs)."""

from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
