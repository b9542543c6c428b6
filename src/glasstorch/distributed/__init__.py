"""Data-parallel training across processes: ``torch.distributed``'s API on MPI.

Start the processes with ``python -m glasstorch.distributed.run
--nproc-per-node N script.py`` (or ``mpirun -n N python script.py``); in the
script, ``init_process_group()`` joins them, the collectives move tensors
between them, and ``nn.parallel.DistributedDataParallel`` averages gradients.
MPI (through ``mpi4py``, the ``distributed`` extra) starts the ranks and moves
the bytes. See ``docs/distributed.md``.
"""

from __future__ import annotations

from .collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    gather,
    irecv,
    isend,
    monitored_barrier,
    recv,
    reduce,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .process_group import (
    Backend,
    GroupMember,
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_gloo_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    new_group,
)

group = GroupMember  # torch spells the default group ``dist.group.WORLD``

__all__ = [
    "Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor",
    "all_gather_object", "all_reduce", "barrier", "broadcast", "broadcast_object_list",
    "destroy_process_group", "gather", "gather_object", "get_backend", "get_global_rank", "get_group_rank",
    "get_process_group_ranks", "get_rank", "get_world_size", "group", "init_process_group", "irecv",
    "is_available", "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available", "isend",
    "monitored_barrier", "new_group", "recv", "reduce", "reduce_scatter_tensor", "scatter",
    "scatter_object_list", "send",
]
