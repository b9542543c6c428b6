"""DistributedDataParallel: one model copy per rank, gradients averaged across ranks.

At construction every rank takes rank 0's parameters and buffers, so all
copies start equal. The parameters are then split into *buckets* of about
``bucket_cap_mb`` megabytes, in the reverse of their registration order
(roughly the order backward produces their gradients). During backward, a
hook on each parameter copies its gradient into its bucket as soon as it is
accumulated; when a bucket is full it is summed across ranks with a
non-blocking all-reduce while backward goes on with the layers below. When
the last bucket is in flight the hooks wait for them all and write each
averaged gradient back into ``.grad``. Same gradients on every rank, so the
same optimizer step keeps the copies equal.

MPI moves host memory: the buckets are NumPy arrays, gradients go into them
through ``backend.to_numpy`` and come back through ``backend.from_numpy``.
"""

# host module: gradient buckets and MPI buffers are host arrays

from __future__ import annotations

import contextlib

import numpy as np

from ... import backend
from ..._nested import tensors_in
from ...autograd import grad_mode
from ...autograd.function import AccumulateGrad
from ...distributed.process_group import _mpi, _wait
from ...tensor import Tensor
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable unused "
    "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`glasstorch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss. Parameters that did not receive a gradient on rank {rank}: {names}"
)


class _Bucket:
    """Parameters of one dtype whose gradients travel in one flat array."""

    def __init__(self, params: list, names: list) -> None:
        self.params = params
        self.names = names
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.flat = np.zeros(int(self.offsets[-1]), dtype=params[0]._data.dtype)
        self.ready = 0
        self.request = None

    def slot(self, i: int) -> np.ndarray:
        return self.flat[self.offsets[i]:self.offsets[i + 1]]


class _Reducer:
    """Collects gradients into buckets during backward and all-reduces each bucket once it is full."""

    def __init__(self, named_params: list, pg, cap_bytes: int, find_unused: bool) -> None:
        self.pg = pg
        self.find_unused = find_unused
        self.buckets: list[_Bucket] = []
        self.where: dict[int, tuple[_Bucket, int]] = {}
        group: list = []
        for name, p in reversed(named_params):
            if group and (p._data.dtype != group[0][1]._data.dtype
                          or sum(q._data.nbytes for _, q in group) + p._data.nbytes > cap_bytes):
                self._add_bucket(group)
                group = []
            group.append((name, p))
        if group:
            self._add_bucket(group)
        self.pending = False
        self.next = 0
        self.marked: set[int] = set()
        self.used: np.ndarray | None = None
        # for each bucket of the last backward: how many gradients were still to come when its
        # all-reduce started (more than 0: it overlapped the rest of backward)
        self.pending_at_launch: list[int] = []

    def _add_bucket(self, group) -> None:
        bucket = _Bucket([p for _, p in group], [n for n, _ in group])
        for i, (_, p) in enumerate(group):
            self.where[id(p)] = (bucket, i)
        self.buckets.append(bucket)

    def params(self):
        return [p for b in self.buckets for p in b.params]

    def prepare(self, outputs) -> None:
        """A forward pass that will be followed by backward: expect every parameter's gradient."""
        self.pending = True
        self.next = 0
        self.marked = set()
        for b in self.buckets:
            b.ready, b.request = 0, None
        self.used = None
        self.pending_at_launch = []
        reached = _walk(outputs)
        # The engine runs nodes from the latest made to the earliest; a parameter's gradient is
        # complete once the earliest node that uses it has run. Placing its AccumulateGrad just
        # below that node (rather than below every node, where leaves wait by default) makes the
        # hooks fire, and the buckets fill, while backward is still going.
        for k, p in enumerate(self.params()):
            if id(p) in reached:
                accum, first = reached[id(p)]
                accum._seq = first - 0.5 + k * 1e-9
        if self.find_unused:
            self.used = np.array([id(p) in reached for p in self.params()], dtype=np.int32)
            for p in self.params():
                if id(p) not in reached:  # contributes zeros, so the collectives still line up
                    self._mark(p, None, launch=False)

    def hook(self, p: Tensor) -> None:
        if not self.pending:
            return
        self._mark(p, p.grad)

    def _mark(self, p: Tensor, grad, launch: bool = True) -> None:
        if id(p) in self.marked:
            raise RuntimeError("Expected to mark a variable ready only once. A parameter's gradient was "
                               "produced twice in one iteration of DistributedDataParallel.")
        self.marked.add(id(p))
        bucket, i = self.where[id(p)]
        slot = bucket.slot(i)
        if grad is None:
            slot[...] = 0
        else:  # dividing first keeps the sum in range, as the average is what we want
            np.divide(backend.to_numpy(grad._data).reshape(-1), self.pg.size(), out=slot, casting="unsafe")
        bucket.ready += 1
        if not launch:  # collectives start only in backward, so every rank starts them in the same place
            return
        self._launch()
        if self.next == len(self.buckets):
            self.finish()

    def _launch(self) -> None:
        """Start the all-reduce of each full bucket, in bucket order (the same order on every rank)."""
        MPI = _mpi()
        while self.next < len(self.buckets) and self.buckets[self.next].ready == len(self.buckets[self.next].params):
            b = self.buckets[self.next]
            b.request = self.pg.comm.Iallreduce(MPI.IN_PLACE, b.flat, op=MPI.SUM)
            self.pending_at_launch.append(len(self.where) - len(self.marked))
            self.next += 1
        # MPI moves a message along only when asked: poke the ones in flight
        for b in self.buckets[: self.next]:
            if b.request is not None and b.request.Test():
                b.request = None

    def finish(self) -> None:
        """Wait for every bucket and write the averaged gradients into ``.grad``."""
        for b in self.buckets:
            if b.request is not None:
                _wait(b.request, self.pg, "DistributedDataParallel gradient all-reduce")
                b.request = None
        used = None
        if self.used is not None:  # a parameter no rank used keeps no gradient
            used = np.empty_like(self.used)
            _wait(self.pg.comm.Iallreduce(self.used, used, op=_mpi().MAX), self.pg, "find_unused_parameters")
        k = 0
        for b in self.buckets:
            for i, p in enumerate(b.params):
                if used is None or used[k]:
                    avg = b.slot(i).reshape(p._data.shape)
                    if p.grad is None:
                        p.grad = Tensor._make(backend.from_numpy(avg.copy()), False, None, 0)
                    else:
                        p.grad._data[...] = backend.from_numpy(avg)
                        p.grad._version[0] += 1
                k += 1
        self.pending = False

    def unready(self, names: dict) -> list[str]:
        return [names.get(id(p), "?") for p in self.params() if id(p) not in self.marked]


def _walk(outputs) -> dict:
    """The leaves the autograd graph of ``outputs`` reaches: id(leaf) -> (its AccumulateGrad node,
    the creation number of the earliest node that uses it)."""
    seen, found, stack = set(), {}, []
    for t in tensors_in(outputs):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            if type(nxt) is AccumulateGrad:
                key = id(nxt.variable)
                first = found.get(key, (None, node._seq))[1]
                found[key] = (nxt, min(first, node._seq))
            elif id(nxt) not in seen:
                stack.append(nxt)
    return found


class DistributedDataParallel(Module):
    """Data-parallel training: wrap the model on every rank, train as usual.

    Args:
        module: the model (the same architecture on every rank).
        process_group: the ranks to average over (default: all).
        bucket_cap_mb: size of a gradient bucket in MiB (default 25).
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm's running stats)
            to every rank at the start of each training forward.
        find_unused_parameters: look through each forward's graph for parameters
            that will get no gradient, so backward does not wait for them.

    ``device_ids``/``output_device`` are for GPU modules; on the CPU they must
    be ``None``. ``no_sync()`` skips the averaging (gradients accumulate locally).

    Example::

        model = DistributedDataParallel(Net())   # after init_process_group()
        loss_fn(model(x), y).backward()          # .grad is averaged over the ranks
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, **kwargs) -> None:
        super().__init__()
        from ...distributed import process_group as _pgmod

        if device_ids or output_device is not None:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with single-device/"
                f"multiple-device GPU modules or CPU modules, but got device_ids {device_ids}, output_device "
                f"{output_device}, and module parameters {{device(type='cpu')}}.")
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.process_group = _pgmod._resolve(process_group)
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        _verify_same_model(self.process_group, module)
        self._sync(list(module.parameters()) + list(module.buffers()))
        self._names = {id(p): n for n, p in named}
        self._reducer = _Reducer(named, self.process_group, self.bucket_bytes_cap, find_unused_parameters)
        self._handles = [p.register_post_accumulate_grad_hook(self._reducer.hook) for _, p in named]

    def _sync(self, tensors) -> None:
        """Give every rank rank 0's values (one broadcast per tensor)."""
        root = 0
        for t in tensors:
            buf = np.ascontiguousarray(backend.to_numpy(t._data))
            _wait(self.process_group.comm.Ibcast(buf, root=root), self.process_group, "DistributedDataParallel broadcast")
            if buf is not t._data:
                t._data[...] = backend.from_numpy(buf)

    def forward(self, *inputs, **kwargs):
        if self._reducer.pending:
            raise RuntimeError(_UNFINISHED.format(rank=self.process_group.rank(),
                                                  names=", ".join(self._reducer.unready(self._names))))
        if self.broadcast_buffers and self.training:
            buffers = [b for b in self.module.buffers() if b is not None]
            if buffers:
                self._sync(buffers)
        out = self.module(*inputs, **kwargs)
        if grad_mode.is_grad_enabled() and self.require_backward_grad_sync:
            self._reducer.prepare(out)
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without averaging them; the
        first backward after it averages everything accumulated."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self) -> str:
        return ""


def _verify_same_model(pg, module: Module) -> None:
    """Every rank wraps a model with the same parameter shapes; else every rank raises, naming one."""
    named = list(module.named_parameters())
    counts = np.empty(pg.size(), dtype=np.int64)
    _wait(pg.comm.Iallgather(np.array([len(named)], dtype=np.int64), counts), pg, "DistributedDataParallel")
    if (counts != counts[0]).any():
        raise RuntimeError(f"DistributedDataParallel: the ranks' models differ: rank {pg.ranks[0]} has "
                           f"{counts[0]} parameters, rank {pg.ranks[int(np.argmax(counts != counts[0]))]} has "
                           f"{counts[counts != counts[0]][0]}")
    mine = np.full((len(named), 9), -1, dtype=np.int64)
    for i, (_, p) in enumerate(named):
        mine[i, 0] = p._data.ndim
        mine[i, 1:1 + min(p._data.ndim, 8)] = p._data.shape[:8]
    every = np.empty((pg.size(),) + mine.shape, dtype=np.int64)
    _wait(pg.comm.Iallgather(mine, every), pg, "DistributedDataParallel")
    for r in range(1, pg.size()):
        diff = np.nonzero((every[r] != every[0]).any(axis=1))[0]
        if diff.size:
            i = int(diff[0])
            shape = lambda row: list(int(n) for n in row[1:1 + int(row[0])])  # noqa: E731
            raise RuntimeError(f"DistributedDataParallel: the ranks' models differ at parameter "
                               f"'{named[i][0]}': shape {shape(every[0][i])} on rank {pg.ranks[0]}, "
                               f"{shape(every[r][i])} on rank {pg.ranks[r]}")
