"""What runs without MPI ranks: the sampler, the argument checks, the object encoding."""

from __future__ import annotations

import numpy as np
import pytest

import glasstorch as torch
from glasstorch import nn
from glasstorch.distributed import objects
from glasstorch.utils.data import DistributedSampler, TensorDataset


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 4, False)])
def test_distributed_sampler_shares(n, replicas, drop_last):
    data = TensorDataset(torch.arange(n))
    shares = [list(DistributedSampler(data, replicas, r, shuffle=False, drop_last=drop_last))
              for r in range(replicas)]
    per = (n // replicas) if drop_last else -(-n // replicas)
    assert all(len(s) == per for s in shares)
    assert len(DistributedSampler(data, replicas, 0, drop_last=drop_last)) == per
    # torch's rule: rank r takes positions r, r + replicas, ... of the (padded) order
    order = list(range(n))
    order = order[:per * replicas] if drop_last else (order * (per * replicas // n + 1))[:per * replicas]
    for r in range(replicas):
        assert shares[r] == order[r::replicas]


def test_distributed_sampler_shuffles_by_seed_and_epoch():
    data = TensorDataset(torch.arange(20))
    a, b = DistributedSampler(data, 2, 0, seed=3), DistributedSampler(data, 2, 1, seed=3)
    first = list(a) + list(b)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert list(DistributedSampler(data, 2, 0, seed=3)) == list(a)  # same seed, same order on every rank
    a.set_epoch(1)
    assert list(a) != first[:10]


def test_distributed_sampler_errors():
    data = TensorDataset(torch.arange(4))
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(data, num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        DistributedSampler(data)


def test_objects_travel_as_data_not_pickles():
    value = {"a": [1, 2.5, None, True], ("t", 1): (b"\x00\x01", "s"), 3: np.arange(4, dtype=np.int16),
             "t": torch.tensor([[1.0, 2.0]])}
    back = objects._from_bytes(objects._to_bytes(value))
    assert back["a"] == [1, 2.5, None, True] and back[("t", 1)] == (b"\x00\x01", "s")
    assert back[3].dtype == np.int16 and back[3].tolist() == [0, 1, 2, 3]
    assert isinstance(back["t"], torch.Tensor) and back["t"].tolist() == [[1.0, 2.0]]
    assert b"pickle" not in objects._to_bytes(value).tobytes()
    with pytest.raises(TypeError, match="cannot send an object of type function"):
        objects._to_bytes(lambda: 0)


def test_syncbatchnorm_without_a_group_is_batchnorm():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 5, dtype=torch.float64)
    bn = nn.BatchNorm1d(3).double()
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm1d(3).double()))[0]
    assert type(sync) is nn.SyncBatchNorm
    np.testing.assert_allclose(sync(x).detach().numpy(), bn(x).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(sync.running_var.numpy(), bn.running_var.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        sync(torch.ones(3))


def test_collectives_need_a_process_group():
    import glasstorch.distributed as dist

    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(torch.ones(2))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


def test_post_accumulate_grad_hook_sees_the_summed_grad():
    w = torch.ones(3, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    (w * 2 + w * 3).sum().backward()  # two uses, one accumulation
    assert seen == [[5.0, 5.0, 5.0]]
    (w * 2).sum().backward()
    assert seen[-1] == [7.0, 7.0, 7.0]
    handle.remove()
    (w * 2).sum().backward()
    assert len(seen) == 2
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(print)
