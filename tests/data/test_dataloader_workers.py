"""DataLoader workers: no lost samples with iterable datasets, dead workers and timeouts.

Every test that waits on worker processes runs under a hard time limit: past
it the test fails instead of hanging.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest
import torch

from glasstorch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info


@contextlib.contextmanager
def hard_limit(seconds: float):
    """Fail the test (instead of hanging) when the block runs past ``seconds``."""

    def expire(signum, frame):
        raise TimeoutError(f"the block ran past its hard limit of {seconds} s")

    prev = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, prev)


def _sharded(base, info_fn):
    class Shards(base):
        """Worker ``k`` yields ``shards[k]`` (items numbered so each is unique)."""

        def __init__(self, sizes):
            self.shards, start = [], 0
            for n in sizes:
                self.shards.append(list(range(start, start + n)))
                start += n

        def __iter__(self):
            info = info_fn()
            if info is None:
                return iter([x for s in self.shards for x in s])
            return iter(self.shards[info.id])

    return Shards


GtShards = _sharded(IterableDataset, get_worker_info)
TorchShards = _sharded(torch.utils.data.IterableDataset, torch.utils.data.get_worker_info)


def _plain(batch):
    """A batch as (type, shape, values): ints stay ints (batch_size=None), tensors become lists."""
    if isinstance(batch, int):
        return int, (), batch
    return "tensor", tuple(batch.shape), batch.tolist()


def _flatten(batches):
    out = []
    for b in batches:
        out.extend([b] if isinstance(b, int) else b.tolist())
    return out


SIZES = {2: [10, 3], 3: [7, 0, 4]}


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("batch_size, drop_last", [(None, False), (1, False), (1, True), (3, False),
                                                   (3, True), (4, False), (20, False)])
def test_iterable_dataset_every_sample_once_in_torchs_order(workers, batch_size, drop_last):
    sizes = SIZES[workers]
    with hard_limit(30):
        got = list(DataLoader(GtShards(sizes), batch_size=batch_size, drop_last=drop_last,
                              num_workers=workers))
        want = list(torch.utils.data.DataLoader(TorchShards(sizes), batch_size=batch_size,
                                                drop_last=drop_last, num_workers=workers))
    assert [_plain(b) for b in got] == [_plain(b) for b in want]
    items = _flatten(got)
    if not drop_last:  # every sample exactly once
        assert sorted(items) == list(range(sum(sizes)))
    else:  # each worker drops only its own short last batch
        kept = sum(n - n % batch_size for n in sizes)
        assert len(items) == len(set(items)) == kept


def test_iterable_dataset_twice_in_a_row_and_single_process_agree():
    loader = DataLoader(GtShards([10, 3]), batch_size=1, num_workers=2)
    with hard_limit(30):
        first, second = _flatten(loader), _flatten(loader)
    assert first == second and sorted(first) == list(range(13))
    assert _flatten(DataLoader(GtShards([10, 3]), batch_size=1)) == list(range(13))


class _Suicidal(Dataset):
    """The worker that loads item 3 is killed by SIGKILL."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


def test_killed_worker_is_reported():
    loader = DataLoader(_Suicidal(), batch_size=1, num_workers=2)
    # The main process looks at its workers every 0.05 s; the limit leaves room
    # for starting the workers on a busy machine.
    with hard_limit(3), pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                                          r"unexpectedly.*SIGKILL"):
        list(loader)


class _Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 1:
            time.sleep(30)
        return i


def test_timeout_fires_on_time():
    it = iter(DataLoader(_Slow(), batch_size=1, num_workers=2, timeout=0.5))
    with hard_limit(10):
        assert next(it).tolist() == [0]
    start = time.monotonic()
    with hard_limit(1.5), pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(it)
    assert time.monotonic() - start >= 0.5  # not before its time


def test_worker_error_in_iterable_dataset_reaches_the_main_process():
    class Broken(IterableDataset):
        def __iter__(self):
            yield 1
            raise KeyError("no more")

    with hard_limit(30), pytest.raises(KeyError, match="no more"):
        list(DataLoader(Broken(), batch_size=2, num_workers=2))
