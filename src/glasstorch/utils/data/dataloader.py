"""DataLoader: batches from a dataset, optionally built in worker processes.

With ``num_workers=0`` batches are made in this process. With workers, the
main process still decides every batch's indices (so the order is exactly
that of ``num_workers=0``); batch ``i`` is built by worker ``i % num_workers``
and the results are handed out in order.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import sys
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


_DONE = "__glasstorch_worker_done__"


def _worker_loop(dataset, index_queue, result_queue, fetch, init_fn, worker_id, num_workers, seed,
                 iterable):
    global _worker_info
    from ... import random as _random

    _random.manual_seed(seed)
    import numpy as np

    np.random.seed(seed % 2 ** 32)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except BaseException as e:  # report the failure instead of hanging the main process
        result_queue.put((None, _WorkerError(worker_id, e)))
        return
    if iterable:
        it = iter(dataset)
        while True:
            task = index_queue.get()
            if task is None:
                return
            idx, batch_size = task
            try:
                items = []
                for _ in range(batch_size or 1):
                    items.append(next(it))
                result_queue.put((idx, fetch(items if batch_size else items[0])))
            except StopIteration:
                if items and batch_size:
                    result_queue.put((idx, ("__partial__", fetch(items))))
                else:
                    result_queue.put((idx, _DONE))
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
        for wid in range(n):
            iq = ctx.Queue()
            p = ctx.Process(target=_worker_loop, daemon=True, args=(
                loader.dataset, iq, self.result_queue, loader._fetch, loader.worker_init_fn, wid, n,
                base_seed + wid, loader._iterable))
            p.start()
            self.index_queues.append(iq)
            self.workers.append(p)
        self.iterable = loader._iterable
        self.tasks = iter(loader._index_sampler) if not self.iterable else None
        self.sent = 0
        self.next_idx = 0
        self.cache: dict = {}
        self.exhausted_workers: set = set()
        self.finished = False
        for _ in range(loader.prefetch_factor * n):
            if not self._send():
                break

    def _send(self) -> bool:
        wid = self.sent % len(self.workers)
        if self.iterable:
            if len(self.exhausted_workers) == len(self.workers):
                return False
            self.index_queues[wid].put((self.sent, self.loader.batch_size))
        else:
            try:
                indices = next(self.tasks)
            except StopIteration:
                return False
            self.index_queues[wid].put((self.sent, indices))
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
            while idx not in self.cache:
                timeout = self.loader.timeout or None
                try:
                    i, data = self.result_queue.get(timeout=timeout if timeout else 5.0)
                except queue.Empty:
                    if self.loader.timeout:
                        self._shutdown()
                        raise RuntimeError(f"DataLoader timed out after {self.loader.timeout} seconds") from None
                    dead = [w.pid for w in self.workers if not w.is_alive()]
                    if dead:
                        self._shutdown()
                        raise RuntimeError(
                            f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) exited unexpectedly"
                        ) from None
                    continue
                if isinstance(data, _WorkerError) and i is None:
                    self._shutdown()
                    data.reraise()
                self.cache[i] = data
            data = self.cache.pop(idx)
            self.next_idx += 1
            if isinstance(data, _WorkerError):
                self._shutdown()
                data.reraise()
            if isinstance(data, str) and data == _DONE:
                self.exhausted_workers.add(idx % len(self.workers))
                continue
            if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], str) \
                    and data[0] == "__partial__":
                self.exhausted_workers.add(idx % len(self.workers))
                data = data[1]
                if self.loader.drop_last:
                    continue
            elif not (self.iterable and (idx % len(self.workers)) in self.exhausted_workers):
                self._send()
            return data

    def _shutdown(self) -> None:
        if self.finished:
            return
        self.finished = True
        for q in self.index_queues:
            try:
                q.put(None)
            except Exception:
                pass
        for w in self.workers:
            w.join(timeout=2)
            if w.is_alive():
                w.terminate()

    def __del__(self):
        self._shutdown()
