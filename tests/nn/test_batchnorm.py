"""BatchNorm1d/2d/3d and F.batch_norm against torch: values, gradients, running statistics."""

import numpy as np
import pytest
import torch
from _twin import affine_twins, copy_state, run_twins
from compare import assert_close, check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(0)

CASES = [("BatchNorm1d", (6, 4)), ("BatchNorm1d", (5, 4, 3)), ("BatchNorm2d", (3, 4, 3, 2)),
         ("BatchNorm3d", (2, 4, 2, 3, 2))]
OPTIONS = [{}, {"affine": False}, {"bias": False}, {"momentum": None}, {"track_running_stats": False},
           {"eps": 1e-3, "momentum": 0.3}]


def _pair(name, **kw):
    m_t = getattr(torch.nn, name)(4, **kw).double()
    m_g = getattr(nn, name)(4, **kw).double()
    if m_t.weight is not None:  # non-trivial affine parameters
        with torch.no_grad():
            m_t.weight.uniform_(0.5, 1.5)
            if m_t.bias is not None:
                m_t.bias.uniform_(-0.5, 0.5)
    copy_state(m_g, m_t)
    return m_g, m_t


@pytest.mark.parametrize("name,shape", CASES)
@pytest.mark.parametrize("kw", OPTIONS)
@pytest.mark.parametrize("train", [True, False])
def test_matches_torch(name, shape, kw, train):
    m_g, m_t = _pair(name, **kw)
    run_twins(m_g, m_t, rng.standard_normal(shape) * 2 + 1, train=train)


@pytest.mark.parametrize("name,shape", CASES)
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"momentum": 0.5}])
def test_running_stats_follow_torch(name, shape, kw):
    m_g, m_t = _pair(name, **kw)
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        run_twins(m_g, m_t, x, train=True, seed=step)
    for key in ("running_mean", "running_var", "num_batches_tracked"):
        assert_close(getattr(m_g, key), getattr(m_t, key), msg=key)
    assert m_g.num_batches_tracked.dtype == gt.int64 and m_g.num_batches_tracked.item() == 4
    run_twins(m_g, m_t, rng.standard_normal(shape), train=False)


def test_float32_realistic_size():
    m_t, m_g = torch.nn.BatchNorm2d(8), nn.BatchNorm2d(8)
    copy_state(m_g, m_t)
    x = (rng.standard_normal((16, 8, 12, 12)) * 3 + 2).astype(np.float32)
    out_g, _ = run_twins(m_g, m_t, x, rtol=1e-4, atol=1e-5)
    assert out_g.dtype == gt.float32
    assert_close(m_g.running_var, m_t.running_var, rtol=1e-5)
    assert m_g.running_mean.dtype == gt.float32


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 5), (2, 3, 2, 3)])
def test_functional(training, shape):
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    rm_g, rv_g = gt.tensor(rm.copy()), gt.tensor(rv.copy())
    rm_t, rv_t = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    check(lambda x, w, b: F.batch_norm(x, rm_g, rv_g, w, b, training, 0.2, 1e-4),
          lambda x, w, b: torch.nn.functional.batch_norm(x, rm_t, rv_t, w, b, training, 0.2, 1e-4),
          rng.standard_normal(shape), rng.uniform(0.5, 1.5, 3), rng.standard_normal(3))
    assert_close(rm_g, rm_t)
    assert_close(rv_g, rv_t)


def test_functional_without_running_stats_or_affine():
    check(lambda x: F.batch_norm(x, None, None, training=True),
          lambda x: torch.nn.functional.batch_norm(x, None, None, training=True),
          rng.standard_normal((4, 3, 2)))
    check(lambda x, b: F.batch_norm(x, None, None, None, b, training=True),
          lambda x, b: torch.nn.functional.batch_norm(x, None, None, None, b, training=True),
          rng.standard_normal((4, 3)), rng.standard_normal(3))


def test_grad_fn_name():
    x = gt.randn(4, 3, requires_grad=True)
    assert type(nn.BatchNorm1d(3)(x).grad_fn).__name__ == "NativeBatchNormBackward0"


@pytest.mark.parametrize("shape", [(4, 2), (3, 2, 3)])
def test_gradcheck_training(shape):
    gradchecks(lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
               rng.standard_normal(shape), rng.uniform(0.5, 1.5, 2), rng.standard_normal(2))
    gradchecks(lambda x: F.batch_norm(x, None, None, training=True), rng.standard_normal(shape))


def test_gradcheck_eval():
    rm, rv = gt.tensor(rng.standard_normal(2)), gt.tensor(rng.uniform(0.5, 2, 2))
    gradchecks(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False),
               rng.standard_normal((3, 2, 2)), rng.standard_normal(2), rng.standard_normal(2))


def test_double_backward_matches_torch():
    def fn(lib, F_):
        def f(x, w, b):
            y = F_.batch_norm(x, None, None, w, b, True)
            gx, gw = lib.autograd.grad((y * y * y).sum(), (x, w), create_graph=True)
            return (gx * gx).sum() + (gw * gw).sum()
        return f
    check(fn(gt, F), fn(torch, torch.nn.functional), rng.standard_normal((4, 3, 2)),
          rng.uniform(0.5, 1.5, 3), rng.standard_normal(3))


def test_fast_and_graph_backward_agree():
    x = gt.tensor(rng.standard_normal((5, 3, 4)), requires_grad=True)
    w = gt.tensor(rng.standard_normal(3), requires_grad=True)
    b = gt.tensor(rng.standard_normal(3), requires_grad=True)
    g = gt.tensor(rng.standard_normal((5, 3, 4)))
    y = F.batch_norm(x, None, None, w, b, True)
    fast = gt.autograd.grad(y, (x, w, b), g, retain_graph=True)
    graph = gt.autograd.grad(y, (x, w, b), g, create_graph=True)
    for a, c in zip(fast, graph):
        np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), rtol=1e-10, atol=1e-12)


def _raises(exc, msg, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == msg


@pytest.mark.parametrize("lib", [torch, gt])
def test_errors_match_torch(lib):
    bn = lib.nn.BatchNorm1d(5)
    _raises(RuntimeError, "running_mean should contain 3 elements not 5", lambda: bn(lib.randn(4, 3)))
    _raises(ValueError, "expected 2D or 3D input (got 4D input)", lambda: bn(lib.randn(4, 5, 2, 2)))
    _raises(ValueError, "expected 4D input (got 3D input)", lambda: lib.nn.BatchNorm2d(5)(lib.randn(4, 5, 3)))
    _raises(ValueError, "expected 5D input (got 4D input)",
            lambda: lib.nn.BatchNorm3d(5)(lib.randn(4, 5, 3, 2)))
    _raises(ValueError, "Expected more than 1 value per channel when training, got input size "
            "torch.Size([1, 5])", lambda: bn(lib.randn(1, 5)))
    _raises(RuntimeError, "weight should contain 3 elements not 5",
            lambda: lib.nn.BatchNorm1d(5, track_running_stats=False)(lib.randn(4, 3)))
    _raises(RuntimeError, "running_mean must be defined in evaluation mode",
            lambda: lib.nn.functional.batch_norm(lib.randn(4, 5), None, None, training=False))
    bn = nn.BatchNorm1d(5)
    with pytest.raises(RuntimeError):
        bn(gt.randn(4, 3))
    assert bn.num_batches_tracked.item() == 0 and bn.running_mean.abs().sum().item() == 0


def test_repr_and_state_dict_keys():
    assert repr(nn.BatchNorm2d(16)) == repr(torch.nn.BatchNorm2d(16))
    assert repr(nn.BatchNorm2d(16)) == (
        "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)")
    for kw in [{}, {"affine": False}, {"bias": False}, {"track_running_stats": False}, {"momentum": None}]:
        m_g, m_t = nn.BatchNorm1d(3, **kw), torch.nn.BatchNorm1d(3, **kw)
        assert repr(m_g) == repr(m_t)
        assert list(m_g.state_dict().keys()) == list(m_t.state_dict().keys())
        assert [n for n, _ in m_g.named_parameters()] == [n for n, _ in m_t.named_parameters()]


def test_reset_and_defaults():
    m = nn.BatchNorm1d(3)
    assert m.weight.tolist() == [1, 1, 1] and m.bias.tolist() == [0, 0, 0]
    assert m.running_var.tolist() == [1, 1, 1] and m.num_batches_tracked.dtype == gt.int64
    m(gt.randn(4, 3) * 3 + 1)
    assert m.num_batches_tracked.item() == 1 and m.running_mean.abs().sum().item() > 0
    m.reset_running_stats()
    assert m.running_mean.tolist() == [0, 0, 0] and m.running_var.tolist() == [1, 1, 1]
    assert m.num_batches_tracked.item() == 0
    assert m.double().num_batches_tracked.dtype == gt.int64
    assert m.running_mean.dtype == gt.float64
    assert nn.BatchNorm1d(3, track_running_stats=False).running_mean is None


def test_eval_without_running_stats_uses_batch_stats():
    m_g, m_t = _pair("BatchNorm1d", track_running_stats=False)
    run_twins(m_g, m_t, rng.standard_normal((6, 4)), train=False)


def test_lazy_batchnorm():
    m = nn.LazyBatchNorm2d()
    out = m(gt.randn(2, 5, 3, 3))
    assert m.num_features == 5 and tuple(m.weight.shape) == (5,) and tuple(out.shape) == (2, 5, 3, 3)
    assert m.num_batches_tracked.item() == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("strided", [False, True])
def test_batch_norm_large_input(dtype, strided):
    # 8 * 4 rows of 48 * 48, plain and channels-last: the BLAS row sums and the full-size passes
    m_g, m_t = affine_twins("BatchNorm2d", 4, dtype=dtype)
    x = (rng.standard_normal((8, 48, 48, 4) if strided else (8, 4, 48, 48)) * 3 + 2).astype(dtype)
    if strided:  # channels-last memory seen as (N, C, H, W)
        x = x.transpose(0, 3, 1, 2)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else {}
    run_twins(m_g, m_t, x, **tol)
    assert_close(m_g.running_mean, m_t.running_mean, **tol)
    assert_close(m_g.running_var, m_t.running_var, **tol)
