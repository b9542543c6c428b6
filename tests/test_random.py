"""Random sampling: reproducible streams, shapes, dtypes, ranges and distributions.

glasstorch's streams are its own (NumPy's PCG64): the same seed gives the same
numbers on every run, but not torch's numbers, so only properties are compared.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import glasstorch as gt

SAMPLERS = {
    "rand": lambda g=None: gt.rand(3, 4, generator=g),
    "randn": lambda g=None: gt.randn(3, 4, generator=g),
    "randint": lambda g=None: gt.randint(0, 10, (3, 4), generator=g),
    "randperm": lambda g=None: gt.randperm(12, generator=g),
    "normal": lambda g=None: gt.normal(2.0, 3.0, (3, 4), generator=g),
    "multinomial": lambda g=None: gt.multinomial(gt.tensor([0.1, 0.2, 0.7]), 2, generator=g),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_manual_seed_repeats(name):
    gt.manual_seed(123)
    a = SAMPLERS[name]()
    b = SAMPLERS[name]()
    gt.manual_seed(123)
    c = SAMPLERS[name]()
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    if name != "multinomial":  # two draws of 2 from 3 categories may coincide
        assert not np.array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_generator_has_its_own_state(name):
    g1 = gt.Generator().manual_seed(7)
    gt.manual_seed(0)
    a = SAMPLERS[name](g1)
    gt.rand(5)  # the default generator moving does not affect g1
    g2 = gt.Generator()
    assert g2.manual_seed(7) is g2 and g2.initial_seed() == 7
    b = SAMPLERS[name](g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_same_seed_same_numbers_across_processes():
    code = "import glasstorch as gt; gt.manual_seed(42); print(gt.randn(4).tolist(), gt.randint(0, 100, (3,)).tolist())"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 1
    gt.manual_seed(42)
    assert runs.pop().strip() == f"{gt.randn(4).tolist()} {gt.randint(0, 100, (3,)).tolist()}"


def test_rng_state_save_restore():
    gt.manual_seed(3)
    state = gt.get_rng_state()
    a = gt.rand(4)
    gt.set_rng_state(state)
    np.testing.assert_array_equal(a.numpy(), gt.rand(4).numpy())
    assert gt.initial_seed() == 3


def test_shapes_and_dtypes():
    assert gt.rand(2, 3).shape == (2, 3) and gt.rand(2, 3).dtype == gt.float32
    assert gt.rand((2, 3)).shape == (2, 3)
    assert gt.randn(5, dtype=gt.float64).dtype == gt.float64
    assert gt.rand(3, requires_grad=True).requires_grad
    r = gt.randint(3, 9, (100,))
    assert r.dtype == gt.int64 and r.min().item() >= 3 and r.max().item() <= 8
    assert gt.randint(5, (4,)).max().item() < 5  # randint(high, size)
    assert gt.randint(0, 5, (2,), dtype=gt.int32).dtype == gt.int32
    p = gt.randperm(50)
    assert p.dtype == gt.int64 and sorted(p.tolist()) == list(range(50))
    u = gt.rand(10000).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0


def test_distribution_moments():
    gt.manual_seed(0)
    n = gt.randn(20000).numpy()
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    m = gt.normal(2.0, 3.0, (20000,)).numpy()
    assert abs(m.mean() - 2) < 0.1 and abs(m.std() - 3) < 0.1
    u = gt.rand(20000).numpy()
    assert abs(u.mean() - 0.5) < 0.01


def test_normal_with_tensor_arguments():
    mean = gt.tensor([0.0, 100.0, -100.0])
    std = gt.tensor([1e-6, 1e-6, 1e-6])
    s = gt.normal(mean, std)
    assert s.shape == (3,) and s.dtype == gt.float32
    np.testing.assert_allclose(s.numpy(), mean.numpy(), atol=1e-3)
    s2 = gt.normal(gt.zeros(2, 3, dtype=gt.float64), 1.0)
    assert s2.shape == (2, 3) and s2.dtype == gt.float64
    with pytest.raises(RuntimeError, match="std"):
        gt.normal(0.0, -1.0, (2,))


def test_multinomial():
    gt.manual_seed(0)
    probs = gt.tensor([0.0, 0.2, 0.8])
    draws = gt.multinomial(probs, 4000, replacement=True).numpy()
    assert draws.dtype == np.int64 and (draws != 0).all()
    assert abs((draws == 2).mean() - 0.8) < 0.03
    rows = gt.multinomial(gt.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 5.0, 5.0]]), 2)
    assert rows.shape == (2, 2)
    assert all(len(set(r)) == 2 for r in rows.tolist())  # no replacement: distinct
    assert set(rows[1].tolist()) == {2, 3}
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size\\(-1\\) samples without replacement"):
        gt.multinomial(probs, 4)
    with pytest.raises(RuntimeError):
        gt.multinomial(gt.tensor([-1.0, 2.0]), 1)


def test_like_variants_and_inplace_samplers():
    x = gt.zeros(2, 3, dtype=gt.float64)
    assert gt.rand_like(x).shape == (2, 3) and gt.rand_like(x).dtype == gt.float64
    assert gt.randn_like(x).dtype == gt.float64
    gt.manual_seed(5)
    a = gt.empty(4).uniform_(-2, 2).numpy().copy()
    gt.manual_seed(5)
    b = gt.empty(4).uniform_(-2, 2).numpy()
    np.testing.assert_array_equal(a, b)
    assert (a >= -2).all() and (a < 2).all()
    assert gt.empty(3).normal_(0, 1).shape == (3,)


def test_randint_bad_range():
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to', but got from=5 >= to=5"):
        gt.randint(5, 5, (2,))
