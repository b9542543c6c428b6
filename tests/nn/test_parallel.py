"""nn.DataParallel on the CPU: a pass-through wrapper with torch's state_dict keys."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glasstorch as gt


def _net(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(8, 3))


def test_data_parallel_is_a_pass_through_with_module_prefix():
    net = _net(gt)
    dp = gt.nn.DataParallel(net)
    assert dp.module is net and isinstance(dp, gt.nn.Module)
    tdp = torch.nn.DataParallel(_net(torch))
    assert list(dp.state_dict()) == list(tdp.state_dict())
    assert repr(dp).replace("glasstorch", "torch") == repr(tdp)
    x = gt.randn(4, 1, 4, 4)
    out = dp(x)
    np.testing.assert_array_equal(out.detach().numpy(), net(x).detach().numpy())
    out.sum().backward()
    assert net[0].weight.grad is not None and net[0].weight.grad.shape == (2, 1, 3, 3)


def test_data_parallel_state_dict_round_trip_with_torch():
    tdp = torch.nn.DataParallel(_net(torch))
    dp = gt.nn.DataParallel(_net(gt))
    dp.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in tdp.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(dp(gt.tensor(x)).detach().numpy(), tdp(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_parallel_namespace():
    assert gt.nn.parallel.DataParallel is gt.nn.DataParallel
    out = gt.nn.parallel.data_parallel(gt.nn.Linear(2, 2), gt.ones(1, 2))
    assert out.shape == (1, 2)
    # DistributedDataParallel is real (tests/distributed); without a process group it says so
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        gt.nn.parallel.DistributedDataParallel(gt.nn.Linear(2, 2))
    assert gt.nn.DataParallel(gt.nn.Linear(2, 2), device_ids=[0]).device_ids == []  # ignored, as in torch
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        gt.nn.parallel.data_parallel(gt.nn.Linear(2, 2), gt.ones(1, 2), device_ids=[0])
