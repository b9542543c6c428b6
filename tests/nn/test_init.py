"""nn.init: distributions checked statistically (the random streams differ from torch's)."""

import math
import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.nn as nn
from glasstorch.nn import init


def arr(t):
    return t.detach().numpy()


def test_calculate_gain_matches_torch():
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv_transpose3d", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope x not a valid number"):
        init.calculate_gain("leaky_relu", "x")


def test_fans():
    for shape in [(3, 5), (8, 4, 3, 3), (2, 6, 5)]:
        assert init._calculate_fan_in_and_fan_out(gt.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(gt.empty(3))


def test_uniform_normal_constant():
    w = gt.empty(200, 300)
    assert init.uniform_(w, -2, 3) is w
    a = arr(w)
    assert a.min() >= -2 and a.max() <= 3 and abs(a.mean() - 0.5) < 0.05 and abs(a.std() - 5 / math.sqrt(12)) < 0.02
    init.normal_(w, 1.0, 0.5)
    assert abs(arr(w).mean() - 1.0) < 0.01 and abs(arr(w).std() - 0.5) < 0.01
    init.constant_(w, 0.3)
    assert np.all(arr(w) == np.float32(0.3))
    init.ones_(w)
    assert np.all(arr(w) == 1)
    init.zeros_(w)
    assert np.all(arr(w) == 0)
    assert w.dtype == gt.float32


def test_init_on_parameter_records_nothing():
    p = nn.Parameter(gt.empty(4, 5))
    init.kaiming_normal_(p)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None


def test_trunc_normal():
    w = init.trunc_normal_(gt.empty(100_000), mean=1.0, std=2.0, a=-1.0, b=4.0)
    a = arr(w)
    assert a.min() >= -1.0 and a.max() <= 4.0
    t = torch.nn.init.trunc_normal_(torch.empty(100_000, dtype=torch.float64), mean=1.0, std=2.0, a=-1.0, b=4.0)
    assert abs(a.mean() - t.mean().item()) < 0.03 and abs(a.std() - t.std().item()) < 0.03


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier_and_kaiming(shape):
    w = gt.empty(*shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(w)
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(arr(w)).max() <= bound and abs(arr(w).std() - bound / math.sqrt(3)) < 0.03 * bound
    init.xavier_normal_(w, gain=0.5)
    assert abs(arr(w).std() - 0.5 * math.sqrt(2.0 / (fan_in + fan_out))) < 0.03 * arr(w).std()
    init.kaiming_uniform_(w, a=math.sqrt(5))
    bound = math.sqrt(3.0) * math.sqrt(2.0 / 6.0) / math.sqrt(fan_in)
    assert np.abs(arr(w)).max() <= bound * (1 + 1e-6) and np.abs(arr(w)).max() > 0.98 * bound
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(arr(w).std() - math.sqrt(2.0 / fan_out)) < 0.03 * math.sqrt(2.0 / fan_out)
    assert abs(arr(w).mean()) < 0.05 * math.sqrt(2.0 / fan_out)
    with pytest.raises(ValueError, match="Mode x not supported"):
        init.kaiming_uniform_(w, mode="x")


def test_kaiming_on_empty_tensor_warns():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        init.kaiming_uniform_(gt.empty(0, 3))
    assert any("Initializing zero-element tensors is a no-op" in str(r.message) for r in rec)


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (6, 2, 2)])
def test_orthogonal(shape):
    w = init.orthogonal_(gt.empty(*shape), gain=2.0)
    m = arr(w).reshape(shape[0], -1).astype(np.float64)
    r, c = m.shape
    gram = m @ m.T if r <= c else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(r, c)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(gt.empty(3))


def test_eye_dirac_sparse():
    np.testing.assert_array_equal(arr(init.eye_(gt.empty(3, 5))), np.eye(3, 5))
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((4, 4, 1, 3, 3), 2)]:
        g = arr(init.dirac_(gt.empty(*shape), groups))
        t = torch.nn.init.dirac_(torch.empty(*shape), groups).numpy()
        np.testing.assert_array_equal(g, t)
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(gt.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(gt.empty(3, 3, 3), groups=2)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(gt.empty(3))
    w = arr(init.sparse_(gt.empty(10, 200), sparsity=0.3, std=0.5))
    assert np.all((w == 0).sum(axis=0) >= 3)
    nz = w[w != 0]
    assert abs(nz.std() - 0.5) < 0.05


def test_default_layer_init_distributions():
    m = nn.Bilinear(50, 20, 30)
    assert np.abs(arr(m.weight)).max() <= 1 / math.sqrt(50)
    lin = nn.Linear(1000, 500)
    bound = 1 / math.sqrt(1000)
    assert np.abs(arr(lin.weight)).max() <= bound and abs(arr(lin.weight).std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(arr(lin.bias)).max() <= bound
    assert np.allclose(arr(nn.PReLU(3).weight), 0.25)
