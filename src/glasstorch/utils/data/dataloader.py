"""DataLoader: batches from a dataset, optionally built in worker processes.

With ``num_workers=0`` batches are made in this process. With workers, the
main process still decides every batch's indices (so the order is exactly
that of ``num_workers=0``); batch ``i`` is built by worker ``i % num_workers``
and the results are handed out in order. With an iterable dataset each
worker iterates its own copy (shard it with :func:`get_worker_info`) and the
batches come round robin over the workers that still have data, as in torch.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "WorkerInfo"]


@dataclass
class WorkerInfo:
    """What a worker process knows about itself (``get_worker_info()`` inside a worker)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker: its id, the number of workers, its seed and dataset copy."""
    return _worker_info


class _WorkerError:
    """Carries an exception from a worker back to the main process."""

    def __init__(self, worker_id: int, exc: BaseException) -> None:
        self.text = (f"Caught {type(exc).__name__} in DataLoader worker process {worker_id}.\n"
                     f"Original {''.join(traceback.format_exception(exc))}")
        self.exc_type = type(exc)

    def reraise(self):
        try:
            err = self.exc_type(self.text)
        except Exception:
            err = RuntimeError(self.text)
        raise err


class _WorkerDone:
    """A worker's reply once its copy of an iterable dataset is used up."""


# How often the main process looks for dead workers and for the timeout while
# it waits for a batch: a dead worker is reported within this much.
_POLL_S = 0.05


def _worker_loop(dataset, index_queue, result_queue, fetch, init_fn, worker_id, num_workers, seed,
                 iterable, drop_last):
    global _worker_info
    from ... import random as _random

    _random.manual_seed(seed)
    import numpy as np

    np.random.seed(seed % 2 ** 32)  # host: NumPy's global generator, as torch seeds it in workers
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except BaseException as e:  # report the failure instead of hanging the main process
        result_queue.put((None, _WorkerError(worker_id, e)))
        return
    if iterable:
        # Each worker runs its own iterator over its copy of the dataset, as in
        # torch: a task is "the next batch of yours". Once used up, the worker
        # answers every later task with _WorkerDone, so no task goes unanswered.
        it, ended = iter(dataset), False
        while True:
            task = index_queue.get()
            if task is None:
                return
            idx, batch_size = task
            if ended:
                result_queue.put((idx, _WorkerDone()))
                continue
            try:
                items = list(itertools.islice(it, batch_size or 1))
                if not items or (drop_last and batch_size and len(items) < batch_size):
                    ended = True
                    result_queue.put((idx, _WorkerDone()))
                else:
                    result_queue.put((idx, fetch(items if batch_size else items[0])))
            except BaseException as e:
                result_queue.put((idx, _WorkerError(worker_id, e)))
    while True:
        task = index_queue.get()
        if task is None:
            return
        idx, indices = task
        try:
            result_queue.put((idx, fetch(indices)))
        except BaseException as e:
            result_queue.put((idx, _WorkerError(worker_id, e)))


class DataLoader:
    """Iterate over a dataset in batches (``torch.utils.data.DataLoader``)."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers > 0 else prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        else:
            if sampler is not None and shuffle:
                raise ValueError("sampler option is mutually exclusive with shuffle")
            if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            if batch_sampler is not None:
                batch_size, drop_last = None, False
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        auto = batch_sampler is not None or (self._iterable and batch_size is not None)
        self._auto_collation = auto
        self.collate_fn = collate_fn if collate_fn is not None else (default_collate if auto else default_convert)

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def _fetch(self, indices):
        if self._iterable:
            return self.collate_fn(indices)
        if self._auto_collation:
            getter = getattr(self.dataset, "__getitems__", None)
            items = getter(indices) if getter else [self.dataset[i] for i in indices]
            return self.collate_fn(items)
        return self.collate_fn(self.dataset[indices])

    def __iter__(self):
        from ... import random as _random

        # Both paths draw the workers' base seed first, so the sampler sees the
        # same generator state and the batches come out identical.
        base_seed = int(_random._rng(self.generator).integers(0, 2 ** 62))
        if self.num_workers == 0:
            return self._single_process()
        return _MultiWorkerIterator(self, base_seed)

    def _single_process(self):
        if self._iterable:
            it = iter(self.dataset)
            if self.batch_size is None:
                for item in it:
                    yield self.collate_fn(item)
                return
            while True:
                batch = []
                for item in it:
                    batch.append(item)
                    if len(batch) == self.batch_size:
                        break
                if not batch or (self.drop_last and len(batch) < self.batch_size):
                    return
                yield self.collate_fn(batch)
                if len(batch) < self.batch_size:
                    return
        for indices in self._index_sampler:
            yield self._fetch(indices)


class _MultiWorkerIterator:
    """Hands tasks to the workers round robin and gives the results back in task order.

    Every batch handed out (and every "used up" answer) makes room for one new
    task, so at most ``prefetch_factor * num_workers`` are outstanding. With an
    iterable dataset a used-up worker gets no more tasks: the batches come out
    round robin over the workers that still have data, as in torch.
    """

    def __init__(self, loader: DataLoader, base_seed: int) -> None:
        self.loader = loader
        n = loader.num_workers
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = "fork" if sys.platform.startswith("linux") else "spawn"
        ctx = mp.get_context(ctx) if isinstance(ctx, str) else ctx
        self.result_queue = ctx.Queue()
        self.index_queues = []
        self.workers = []
        self.finished = False
        for wid in range(n):
            iq = ctx.Queue()
            p = ctx.Process(target=_worker_loop, daemon=True, args=(
                loader.dataset, iq, self.result_queue, loader._fetch, loader.worker_init_fn, wid, n,
                base_seed + wid, loader._iterable, loader.drop_last))
            p.start()
            self.index_queues.append(iq)
            self.workers.append(p)
        self.iterable = loader._iterable
        self.tasks = iter(loader._index_sampler) if not self.iterable else None
        self.active = [True] * n
        self.next_worker = 0
        self.task_worker: dict = {}
        self.sent = 0
        self.next_idx = 0
        self.cache: dict = {}
        for _ in range(loader.prefetch_factor * n):
            if not self._send():
                break

    def _send(self) -> bool:
        n = len(self.workers)
        for _ in range(n):
            wid = self.next_worker
            self.next_worker = (wid + 1) % n
            if self.active[wid]:
                break
        else:
            return False  # every worker's iterable is used up
        if self.iterable:
            task = self.loader.batch_size
        else:
            try:
                task = next(self.tasks)
            except StopIteration:
                return False
        self.index_queues[wid].put((self.sent, task))
        self.task_worker[self.sent] = wid
        self.sent += 1
        return True

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self.next_idx >= self.sent:
                self._shutdown()
                raise StopIteration
            idx = self.next_idx
            data = self._result(idx)
            self.next_idx += 1
            wid = self.task_worker.pop(idx)
            if isinstance(data, _WorkerError):
                self._shutdown()
                data.reraise()
            if isinstance(data, _WorkerDone):
                self.active[wid] = False
            self._send()
            if not isinstance(data, _WorkerDone):
                return data

    def _result(self, idx: int):
        """Wait for task ``idx``'s result, watching the timeout and the workers' health."""
        timeout = self.loader.timeout
        deadline = time.monotonic() + timeout if timeout else None
        while idx not in self.cache:
            wait = _POLL_S if deadline is None else max(0.0, min(_POLL_S, deadline - time.monotonic()))
            try:
                i, data = self.result_queue.get(timeout=wait)
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    self._shutdown(force=True)
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
                self._check_workers()
                continue
            if i is None:  # worker_init_fn failed
                self._shutdown()
                data.reraise()
            self.cache[i] = data
        return self.cache.pop(idx)

    def _check_workers(self) -> None:
        dead = [w for w in self.workers if not w.is_alive()]
        if not dead:
            return
        self._shutdown(force=True)
        signals = [f"pid {w.pid} is killed by signal: {_signal_name(-w.exitcode)}"
                   for w in dead if w.exitcode is not None and w.exitcode < 0]
        raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(str(w.pid) for w in dead)}) exited "
                           "unexpectedly" + (f" ({'; '.join(signals)})" if signals else ""))

    def _shutdown(self, force: bool = False) -> None:
        """Stop the workers: politely at the end of an epoch, at once (``force``) after a failure."""
        if self.finished:
            return
        self.finished = True
        for q in self.index_queues:
            try:
                q.put(None)
            except Exception:
                pass
        for w in self.workers:
            if force and w.is_alive():
                w.terminate()  # it may be stuck in the dataset: nothing of it is needed now
            w.join(timeout=2)
            if w.is_alive():
                w.terminate()

    def __del__(self):
        if hasattr(self, "finished"):
            self._shutdown()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
