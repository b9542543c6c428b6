"""DataLoader, samplers, datasets utilities and collation, against torch.utils.data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    get_worker_info,
    random_split,
)


def _ds(n=10):
    return TensorDataset(gt.arange(2.0 * n).reshape(n, 2), gt.arange(n))


def _batches(loader):
    return [(x.tolist(), y.tolist()) for x, y in loader]


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 5, False), (2, 5, True)])
def test_batch_sizes_and_len_match_torch(n, bs, drop):
    ours = DataLoader(_ds(n), batch_size=bs, drop_last=drop)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(2.0 * n).reshape(n, 2), torch.arange(n)),
        batch_size=bs, drop_last=drop)
    assert len(ours) == len(theirs)
    got = _batches(ours)
    want = [(x.tolist(), y.tolist()) for x, y in theirs]
    assert got == want
    x, y = next(iter(ours)) if got else (None, None)
    if got:
        assert x.dtype == gt.float32 and y.dtype == gt.int64


def test_shuffle_is_a_permutation_and_seeded():
    g1 = gt.Generator().manual_seed(3)
    g2 = gt.Generator().manual_seed(3)
    a = _batches(DataLoader(_ds(), batch_size=4, shuffle=True, generator=g1))
    b = _batches(DataLoader(_ds(), batch_size=4, shuffle=True, generator=g2))
    assert a == b
    labels = sorted(v for _, ys in a for v in ys)
    assert labels == list(range(10))
    c = _batches(DataLoader(_ds(), batch_size=4, shuffle=True, generator=gt.Generator().manual_seed(4)))
    assert c != a


def test_epochs_differ_with_one_generator():
    loader = DataLoader(_ds(), batch_size=10, shuffle=True, generator=gt.Generator().manual_seed(0))
    first, second = _batches(loader), _batches(loader)
    assert first != second


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_give_the_same_batches_in_order(workers):
    kw = dict(batch_size=3, shuffle=True)
    a = _batches(DataLoader(_ds(20), generator=gt.Generator().manual_seed(7), **kw))
    b = _batches(DataLoader(_ds(20), generator=gt.Generator().manual_seed(7), num_workers=workers, **kw))
    assert a == b


class _WhoAmI(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return i, -1 if info is None else info.id


def test_worker_info_and_round_robin():
    out = [b for b in DataLoader(_WhoAmI(), batch_size=2, num_workers=2)]
    ids = [w.tolist() for _, w in out]
    assert ids == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert get_worker_info() is None


class _Boom(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("bad sample 2")
        return i


def test_worker_error_reaches_the_main_process():
    with pytest.raises(ValueError, match="bad sample 2"):
        list(DataLoader(_Boom(), batch_size=1, num_workers=2))


def test_custom_collate_and_dict_batches():
    class D(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(3, i, np.float32), "name": f"s{i}", "y": i, "w": 0.5 * i}

    batch = next(iter(DataLoader(D(), batch_size=5)))
    assert set(batch) == {"x", "name", "y", "w"}
    assert batch["x"].shape == (5, 3) and batch["x"].dtype == gt.float32
    assert batch["name"] == ["s0", "s1", "s2", "s3", "s4"]
    assert batch["y"].dtype == gt.int64 and batch["y"].tolist() == [0, 1, 2, 3, 4]
    assert batch["w"].dtype == gt.float64
    sizes = [len(b) for b in DataLoader(D(), batch_size=2, collate_fn=lambda items: items)]
    assert sizes == [2, 2, 1]


def test_default_collate_matches_torch_structure():
    samples = [(np.ones(2), (1, 2.0), [True, 3]) for _ in range(3)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert isinstance(ours, list) and len(ours) == 3
    assert str(ours[0].dtype) == str(theirs[0].dtype)
    assert ours[1][0].tolist() == theirs[1][0].tolist() and str(ours[1][1].dtype) == str(theirs[1][1].dtype)
    assert ours[2][0].dtype == gt.bool and ours[2][0].tolist() == [True] * 3
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([gt.zeros(2), gt.zeros(3)])


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    rs = list(RandomSampler(range(6), generator=gt.Generator().manual_seed(0)))
    assert sorted(rs) == list(range(6))
    rr = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=gt.Generator().manual_seed(0)))
    assert len(rr) == 50 and set(rr) <= {0, 1, 2}
    sub = list(SubsetRandomSampler([5, 7, 9], generator=gt.Generator().manual_seed(1)))
    assert sorted(sub) == [5, 7, 9]
    w = list(WeightedRandomSampler([0.0, 0.0, 1.0], 20, generator=gt.Generator().manual_seed(0)))
    assert w == [2] * 20
    nw = list(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(nw) == [0, 1, 2]
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(5), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)


def test_loader_argument_errors_match_torch():
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(_ds(), sampler=SequentialSampler(range(10)), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(_ds(), batch_sampler=BatchSampler(range(10), 2, False), batch_size=3)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(_ds(), num_workers=-1)


def test_batch_sampler_and_none_batch_size():
    loader = DataLoader(_ds(6), batch_sampler=[[0, 5], [1, 2, 3]])
    assert [y.tolist() for _, y in loader] == [[0, 5], [1, 2, 3]]
    single = list(DataLoader(_ds(3), batch_size=None))
    assert len(single) == 3 and single[0][1].ndim == 0


class _Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_iterable_dataset_batches():
    got = [b.tolist() for b in DataLoader(_Stream(7), batch_size=3)]
    assert got == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(_Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(_Stream(3), shuffle=True)


def test_subset_concat_random_split():
    ds = _ds(10)
    sub = Subset(ds, [3, 1])
    assert len(sub) == 2 and sub[0][1].item() == 3
    cat = ConcatDataset([ds, Subset(ds, [0])])
    assert len(cat) == 11 and cat[10][1].item() == 0 and cat[-1][1].item() == 0
    a, b = random_split(ds, [7, 3], generator=gt.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    parts = random_split(range(10), [0.5, 0.3, 0.2], generator=gt.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    again = random_split(range(10), [0.5, 0.3, 0.2], generator=gt.Generator().manual_seed(0))
    assert [p.indices for p in parts] == [p.indices for p in again]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [3, 3])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(gt.zeros(3), gt.zeros(4))
