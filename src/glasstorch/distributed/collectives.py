"""Collectives on tensors: every rank of a group calls the same one in the same order.

Each works in place on the tensors' arrays through an MPI call. Before the
data moves, the ranks compare the shape and dtype each of them brought (one
small all-gather), so a mismatch is reported by name on every rank instead of
corrupting memory or hanging. ``async_op=True`` returns a :class:`Work` at
once; its ``wait()`` finishes the collective.

MPI moves host memory: NumPy data is handed over in place; a device's data
goes as a host copy (``backend.to_numpy``) and comes back through
``backend.from_numpy``.
"""

# host module: MPI buffers are host arrays; tensor data crosses through the backend

from __future__ import annotations

import zlib
from enum import Enum

import numpy as np

from .. import backend
from ..tensor import Tensor, _writable
from .process_group import ProcessGroup, _mpi, _resolve, _wait

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
           "reduce_scatter_tensor", "gather", "scatter", "send", "recv", "isend", "irecv", "barrier",
           "monitored_barrier"]


class ReduceOp(Enum):
    """How ``all_reduce``/``reduce`` combine the ranks' values."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"

    def __repr__(self) -> str:
        return f"<ReduceOp.{self.name}>"


def _mpi_op(op: ReduceOp, dtype):
    MPI = _mpi()
    if not isinstance(op, ReduceOp):
        raise ValueError(f"op must be a ReduceOp, got {op!r}")
    if dtype == np.bool_:  # MPI has no arithmetic on booleans: sum/max are "or", product/min are "and"
        return {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.BOR: MPI.LOR,
                ReduceOp.PRODUCT: MPI.LAND, ReduceOp.MIN: MPI.LAND, ReduceOp.BAND: MPI.LAND,
                ReduceOp.BXOR: MPI.LXOR}.get(op, MPI.LOR)
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind == "f":
        raise RuntimeError(f"ReduceOp.{op.name} is not defined on floating-point tensors")
    if op is ReduceOp.AVG and dtype.kind != "f":
        raise RuntimeError(f"ReduceOp.AVG needs a floating-point tensor, got {dtype.name}")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


class Work:
    """A collective under way. ``wait()`` blocks until it is done (within the
    group's timeout) and finishes it: results are in the tensors afterwards."""

    def __init__(self, requests, pg: ProcessGroup, what: str, finish=None) -> None:
        self._requests = list(requests)
        self._pg = pg
        self._what = what
        self._finish = finish
        self._done = False

    def is_completed(self) -> bool:
        if not self._done and all(r.Test() for r in self._requests):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def wait(self, timeout=None) -> bool:
        if not self._done:
            for r in self._requests:
                _wait(r, self._pg, self._what, timeout)
            self._complete()
        return True

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None

    def exception(self):
        return None


def _run(requests, pg, what, async_op, finish=None):
    work = Work(requests, pg, what, finish)
    if async_op:
        return work
    work.wait()
    return None


# -- checks -------------------------------------------------------------------

_DTYPE_CODES = {np.dtype(n): i for i, n in enumerate(
    ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"])}


def _tensor(t, name: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name} must be a Tensor, not {type(t).__name__}")
    return t


def _signature(what: str, t: Tensor | None) -> np.ndarray:
    """(collective, dtype, ndim, shape...) packed as 12 int64s; -1 where a rank brings no tensor."""
    sig = np.full(12, -1, dtype=np.int64)
    sig[0] = zlib.crc32(what.encode())
    if t is not None:
        a = t._data
        sig[1] = _DTYPE_CODES.get(a.dtype, 99)
        sig[2] = a.ndim
        sig[3:3 + min(a.ndim, 9)] = a.shape[:9]
    return sig


def _describe(sig) -> str:
    if sig[1] < 0:
        return "no tensor"
    names = {v: k.name for k, v in _DTYPE_CODES.items()}
    return f"{names.get(int(sig[1]), '?')} tensor of shape {list(int(n) for n in sig[3:3 + int(sig[2])])}"


def _check_same(pg: ProcessGroup, what: str, t: Tensor | None) -> None:
    """All ranks brought the same collective and the same shape and dtype; else every rank raises."""
    mine = _signature(what, t)
    every = np.empty((pg.size(), mine.size), dtype=np.int64)
    _wait(pg.comm.Iallgather(mine, every), pg, what)
    if (every == mine).all():
        return
    first = next(i for i in range(pg.size()) if not (every[i] == every[0]).all())
    if every[first][0] != every[0][0]:
        raise RuntimeError(f"{what}: ranks called different collectives (rank {pg.ranks[0]} and rank "
                           f"{pg.ranks[first]} disagree); every rank must call the same collectives in order")
    raise RuntimeError(f"{what}: ranks brought different tensors: rank {pg.ranks[0]} has a "
                       f"{_describe(every[0])}, rank {pg.ranks[first]} has a {_describe(every[first])}")


def _contiguous(t: Tensor):
    """The array to hand MPI, and how to put the result back into ``t``."""
    a = t._data
    if type(a) is np.ndarray and a.flags.c_contiguous and _writable(a):  # MPI works on it in place
        def done():
            t._version[0] += 1
        return a, done
    buf = _send_buffer(t)

    def write_back():
        t._data[...] = backend.from_numpy(buf)
        t._version[0] += 1
    return buf, write_back


def _send_buffer(t: Tensor) -> np.ndarray:
    """A contiguous host array with ``t``'s values, for MPI to read (no copy when it already is one)."""
    return np.ascontiguousarray(backend.to_numpy(t._data))


def _group_rank(pg: ProcessGroup, global_rank: int, name: str) -> int:
    if global_rank not in pg.ranks:
        raise ValueError(f"{name}={global_rank} is not a rank of {pg}")
    return pg.ranks.index(global_rank)


# -- the collectives ------------------------------------------------------------

def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Combine ``tensor`` across the ranks with ``op``; every rank gets the result in place."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    mpi_op = _mpi_op(op, tensor._data.dtype)
    _check_same(pg, "all_reduce", tensor)
    buf, done = _contiguous(tensor)
    req = pg.comm.Iallreduce(_mpi().IN_PLACE, buf, op=mpi_op)

    def finish():
        if op is ReduceOp.AVG:
            buf[...] /= pg.size()
        done()
    return _run([req], pg, "all_reduce", async_op, finish)


def broadcast(tensor: Tensor, src: int = 0, group=None, async_op: bool = False, group_src=None):
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor``."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    root = group_src if group_src is not None else _group_rank(pg, src, "src")
    _check_same(pg, "broadcast", tensor)
    buf, done = _contiguous(tensor)
    return _run([pg.comm.Ibcast(buf, root=root)], pg, "broadcast", async_op, done)


def reduce(tensor: Tensor, dst: int = 0, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False,
           group_dst=None):
    """Combine ``tensor`` across the ranks; only rank ``dst`` gets the result."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    root = group_dst if group_dst is not None else _group_rank(pg, dst, "dst")
    mpi_op = _mpi_op(op, tensor._data.dtype)
    _check_same(pg, "reduce", tensor)
    buf, done = _contiguous(tensor)
    is_root = pg.rank() == root
    send = _mpi().IN_PLACE if is_root else buf
    out = buf if is_root else None
    req = pg.comm.Ireduce(send, out, op=mpi_op, root=root)

    def finish():
        if is_root:
            if op is ReduceOp.AVG:
                buf[...] /= pg.size()
            done()
    return _run([req], pg, "reduce", async_op, finish)


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Every rank's ``tensor``, in rank order, copied into ``tensor_list`` on every rank."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    if not isinstance(tensor_list, list) or len(tensor_list) != pg.size():
        raise ValueError(f"all_gather: tensor_list must be a list of {pg.size()} tensors (one per rank)")
    for i, t in enumerate(tensor_list):
        _tensor(t, f"tensor_list[{i}]")
        if t.shape != tensor.shape or t.dtype != tensor.dtype:
            raise RuntimeError(f"all_gather: tensor_list[{i}] is {t.dtype} {list(t.shape)}, but the input "
                               f"tensor is {tensor.dtype} {list(tensor.shape)}")
    _check_same(pg, "all_gather", tensor)
    out = np.empty((pg.size(),) + tensor._data.shape, dtype=tensor._data.dtype)
    req = pg.comm.Iallgather(_send_buffer(tensor), out)

    def finish():
        for t, part in zip(tensor_list, out):
            t._data[...] = backend.from_numpy(part)
            t._version[0] += 1
    return _run([req], pg, "all_gather", async_op, finish)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None, async_op: bool = False):
    """Every rank's ``input_tensor`` stacked (or concatenated along dim 0) into ``output_tensor``."""
    _tensor(output_tensor, "output_tensor")
    _tensor(input_tensor, "input_tensor")
    pg = _resolve(group)
    n, shape = pg.size(), tuple(input_tensor.shape)
    stacked = (n,) + shape
    concatenated = ((n * shape[0],) + shape[1:]) if shape else None
    if tuple(output_tensor.shape) not in (stacked, concatenated) or output_tensor.dtype != input_tensor.dtype:
        raise ValueError(f"all_gather_into_tensor: output tensor must be {input_tensor.dtype} of shape "
                         f"{list(stacked)} or {list(concatenated or stacked)}, got {output_tensor.dtype} "
                         f"{list(output_tensor.shape)}")
    _check_same(pg, "all_gather_into_tensor", input_tensor)
    buf, done = _contiguous(output_tensor)
    req = pg.comm.Iallgather(_send_buffer(input_tensor), buf.reshape(stacked))
    return _run([req], pg, "all_gather_into_tensor", async_op, done)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM, group=None,
                          async_op: bool = False):
    """Reduce ``input`` across ranks, then give rank i the i-th of its equal slices along dim 0."""
    _tensor(output, "output")
    _tensor(input, "input")
    pg = _resolve(group)
    n, shape = pg.size(), tuple(output.shape)
    if tuple(input.shape) not in ((n,) + shape, ((n * shape[0],) + shape[1:]) if shape else None) \
            or input.dtype != output.dtype:
        raise ValueError(f"reduce_scatter_tensor: input must be {n} times the output along dim 0; got input "
                         f"{input.dtype} {list(input.shape)} and output {output.dtype} {list(output.shape)}")
    mpi_op = _mpi_op(op, input._data.dtype)
    _check_same(pg, "reduce_scatter_tensor", input)
    buf, done = _contiguous(output)
    req = pg.comm.Ireduce_scatter_block(_send_buffer(input), buf, op=mpi_op)

    def finish():
        if op is ReduceOp.AVG:
            buf[...] /= n
        done()
    return _run([req], pg, "reduce_scatter_tensor", async_op, finish)


def gather(tensor: Tensor, gather_list: list | None = None, dst: int = 0, group=None, async_op: bool = False,
           group_dst=None):
    """Every rank's ``tensor`` into ``gather_list`` on rank ``dst`` (others pass ``None``)."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    root = group_dst if group_dst is not None else _group_rank(pg, dst, "dst")
    is_root = pg.rank() == root
    if is_root and (not isinstance(gather_list, list) or len(gather_list) != pg.size()):
        raise ValueError(f"gather: the destination rank needs a gather_list of {pg.size()} tensors")
    if not is_root and gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    _check_same(pg, "gather", tensor)
    out = np.empty((pg.size(),) + tensor._data.shape, dtype=tensor._data.dtype) if is_root else None
    req = pg.comm.Igather(_send_buffer(tensor), out, root=root)

    def finish():
        if is_root:
            for t, part in zip(gather_list, out):
                t._data[...] = backend.from_numpy(part)
                t._version[0] += 1
    return _run([req], pg, "gather", async_op, finish)


def scatter(tensor: Tensor, scatter_list: list | None = None, src: int = 0, group=None, async_op: bool = False,
            group_src=None):
    """Rank ``src``'s ``scatter_list[i]`` into rank i's ``tensor``."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    root = group_src if group_src is not None else _group_rank(pg, src, "src")
    is_root = pg.rank() == root
    if is_root:
        if not isinstance(scatter_list, list) or len(scatter_list) != pg.size():
            raise ValueError(f"scatter: the source rank needs a scatter_list of {pg.size()} tensors")
        for i, t in enumerate(scatter_list):
            if _tensor(t, f"scatter_list[{i}]").shape != tensor.shape or t.dtype != tensor.dtype:
                raise RuntimeError(f"scatter: scatter_list[{i}] is {t.dtype} {list(t.shape)}, but the output "
                                   f"tensor is {tensor.dtype} {list(tensor.shape)}")
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    _check_same(pg, "scatter", tensor)
    send = np.stack([backend.to_numpy(t._data) for t in scatter_list]) if is_root else None
    buf, done = _contiguous(tensor)
    return _run([pg.comm.Iscatter(send, buf, root=root)], pg, "scatter", async_op, done)


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank of the group has reached this point."""
    pg = _resolve(group)
    return _run([pg.comm.Ibarrier()], pg, "barrier", async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False) -> None:
    """A barrier that gives up (with an error) after ``timeout``."""
    pg = _resolve(group)
    _wait(pg.comm.Ibarrier(), pg, "monitored_barrier", timeout)


# -- point to point -------------------------------------------------------------
# A message is a signature, then the data, with the same tag: MPI keeps their
# order, so the receiver can check what is coming before it lands.

def _p2p_rank(pg, peer, name):
    rank = _group_rank(pg, peer, name)
    if rank == pg.rank():
        raise ValueError(f"Invalid destination rank: {name} must not equal the rank of this process")
    return rank


def isend(tensor: Tensor, dst: int, group=None, tag: int = 0, group_dst=None) -> Work:
    """Send ``tensor`` to rank ``dst`` without waiting; returns a :class:`Work`."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    peer = group_dst if group_dst is not None else _p2p_rank(pg, dst, "dst")
    sig = _signature("send", tensor)
    data = _send_buffer(tensor)
    reqs = [pg.comm.Isend(sig, dest=peer, tag=tag), pg.comm.Isend(data, dest=peer, tag=tag)]
    return Work(reqs, pg, "send")


def send(tensor: Tensor, dst: int, group=None, tag: int = 0, group_dst=None) -> None:
    isend(tensor, dst, group, tag, group_dst).wait()


class _RecvWork(Work):
    """A receive under way: first the sender's signature, then (checked) the data."""

    def __init__(self, tensor: Tensor, pg: ProcessGroup, peer: int, tag: int) -> None:
        self._sig = np.empty(12, dtype=np.int64)
        super().__init__([pg.comm.Irecv(self._sig, source=peer, tag=tag)], pg, "recv")
        self._tensor, self._tag = tensor, tag
        self.source = None

    def is_completed(self) -> bool:
        if not self._done and self._requests[0].Get_status():
            self.wait()
        return self._done

    def wait(self, timeout=None) -> bool:
        if self._done:
            return True
        status = _mpi().Status()
        _wait(self._requests[0], self._pg, "recv", timeout, status)
        peer = status.Get_source()
        mine = _signature("send", self._tensor)
        if not (self._sig[1:] == mine[1:]).all():
            raise RuntimeError(f"recv: rank {self._pg.ranks[peer]} sent a {_describe(self._sig)}, but the "
                               f"receiving tensor is a {_describe(mine)}")
        buf, done = _contiguous(self._tensor)
        _wait(self._pg.comm.Irecv(buf, source=peer, tag=self._tag), self._pg, "recv", timeout)
        done()
        self.source = self._pg.ranks[peer]
        self._done = True
        return True


def irecv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0, group_src=None) -> Work:
    """Receive into ``tensor`` from rank ``src`` (any rank if ``None``) without waiting."""
    _tensor(tensor, "tensor")
    pg = _resolve(group)
    if group_src is not None:
        peer = group_src
    else:
        peer = _mpi().ANY_SOURCE if src is None else _p2p_rank(pg, src, "src")
    return _RecvWork(tensor, pg, peer, tag)


def recv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0, group_src=None) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank if ``None``); returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    work.wait()
    return work.source
