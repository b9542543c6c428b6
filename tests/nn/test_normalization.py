"""LayerNorm, GroupNorm, RMSNorm, InstanceNorm, LocalResponseNorm, CrossMapLRN2d against torch."""

import numpy as np
import pytest
import torch
from _twin import affine_twins, copy_state, run_twins
from compare import assert_close, check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(1)
TF = torch.nn.functional


def _pair(name, *args, **kw):
    m_t = getattr(torch.nn, name)(*args, **kw).double()
    m_g = getattr(nn, name)(*args, **kw).double()
    with torch.no_grad():
        for p in m_t.parameters():
            p.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(p.shape))))
    copy_state(m_g, m_t)
    return m_g, m_t


@pytest.mark.parametrize("norm,shape", [(8, (3, 8)), ((8,), (2, 3, 8)), ((3, 4), (2, 3, 4)), ([2, 3, 4], (2, 3, 4)),
                                        (5, (5,))])
@pytest.mark.parametrize("kw", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-2}])
@pytest.mark.parametrize("train", [True, False])
def test_layer_norm(norm, shape, kw, train):
    m_g, m_t = _pair("LayerNorm", norm, **kw)
    run_twins(m_g, m_t, rng.standard_normal(shape) * 3 + 1, train=train)


def test_layer_norm_float32_and_name():
    m_g, m_t = nn.LayerNorm(128), torch.nn.LayerNorm(128)
    copy_state(m_g, m_t)
    out, _ = run_twins(m_g, m_t, (rng.standard_normal((6, 10, 128)) * 2 + 1).astype(np.float32),
                       rtol=1e-4, atol=1e-5)
    assert out.dtype == gt.float32 and type(out.grad_fn).__name__ == "NativeLayerNormBackward0"


def test_layer_norm_functional_and_gradchecks():
    check(lambda x, w, b: F.layer_norm(x, (3, 4), w, b, 1e-3),
          lambda x, w, b: TF.layer_norm(x, (3, 4), w, b, 1e-3),
          rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))
    gradchecks(lambda x, w, b: F.layer_norm(x, (4,), w, b), rng.standard_normal((3, 4)),
               rng.standard_normal(4), rng.standard_normal(4))
    gradchecks(lambda x: F.layer_norm(x, (2, 3)), rng.standard_normal((2, 2, 3)))


def test_layer_norm_double_backward_matches_torch():
    def fn(lib, F_):
        def f(x, w):
            y = F_.layer_norm(x, (4,), w)
            gx, gw = lib.autograd.grad((y.sin() * y).sum(), (x, w), create_graph=True)
            return (gx * gx).sum() + (gw * gx.sum(0)).sum()
        return f
    check(fn(gt, F), fn(torch, TF), rng.standard_normal((3, 4)), rng.standard_normal(4))


def _raises(exc, msg, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == msg


@pytest.mark.parametrize("lib", [torch, gt])
def test_layer_norm_errors(lib):
    _raises(RuntimeError, "Given normalized_shape=[8], expected input with shape [*, 8], but got input of "
            "size[3, 7]", lambda: lib.nn.LayerNorm(8)(lib.randn(3, 7)))
    _raises(RuntimeError, "Given normalized_shape=[2, 8], expected input with shape [*, 2, 8], but got "
            "input of size[3, 7, 8]", lambda: lib.nn.LayerNorm((2, 8))(lib.randn(3, 7, 8)))
    _raises(RuntimeError, "Expected weight to be of same shape as normalized_shape, but got weight of "
            "shape [7] and normalized_shape = [8]",
            lambda: lib.nn.functional.layer_norm(lib.randn(3, 8), (8,), lib.ones(7)))


def test_layer_norm_repr_and_keys():
    for args, kw in [((8,), {}), (((2, 3),), {"bias": False}), ((8,), {"elementwise_affine": False})]:
        m_g, m_t = nn.LayerNorm(*args, **kw), torch.nn.LayerNorm(*args, **kw)
        assert repr(m_g) == repr(m_t)
        assert list(m_g.state_dict()) == list(m_t.state_dict())
    assert repr(nn.LayerNorm(8)) == "LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)"


@pytest.mark.parametrize("groups,shape", [(1, (2, 6, 3)), (2, (2, 6)), (3, (3, 6, 2, 2)), (6, (2, 6, 4))])
@pytest.mark.parametrize("kw", [{}, {"affine": False}, {"bias": False}])
def test_group_norm(groups, shape, kw):
    m_g, m_t = _pair("GroupNorm", groups, 6, **kw)
    run_twins(m_g, m_t, rng.standard_normal(shape) * 2 - 1)
    assert repr(m_g) == repr(m_t) and list(m_g.state_dict()) == list(m_t.state_dict())


@pytest.mark.parametrize("lib", [torch, gt])
def test_group_norm_gradchecks_and_errors(lib):
    gradchecks(lambda x, w, b: F.group_norm(x, 2, w, b), rng.standard_normal((2, 4, 3)),
               rng.standard_normal(4), rng.standard_normal(4))
    _raises(RuntimeError, "Expected number of channels in input to be divisible by num_groups, but got "
            "input of shape [2, 5, 4] and num_groups=3", lambda: lib.nn.GroupNorm(3, 6)(lib.randn(2, 5, 4)))
    _raises(ValueError, "num_channels (6) must be divisible by num_groups (4)", lambda: lib.nn.GroupNorm(4, 6))


@pytest.mark.parametrize("norm,shape", [(4, (3, 4)), ((2, 4), (3, 2, 4))])
@pytest.mark.parametrize("kw", [{}, {"eps": 1e-3}, {"elementwise_affine": False}])
def test_rms_norm(norm, shape, kw):
    m_g, m_t = _pair("RMSNorm", norm, **kw)
    run_twins(m_g, m_t, rng.standard_normal(shape))
    assert repr(m_g) == repr(m_t) and list(m_g.state_dict()) == list(m_t.state_dict())


@pytest.mark.parametrize("lib", [torch, gt])
def test_rms_norm_float32_eps_none_and_gradchecks(lib):
    x = rng.standard_normal((3, 4)).astype(np.float32) * 1e-4
    check(lambda x: F.rms_norm(x, (4,)), lambda x: TF.rms_norm(x, (4,)), x, rtol=1e-4)
    gradchecks(lambda x, w: F.rms_norm(x, (4,), w, 1e-5), rng.standard_normal((2, 4)), rng.standard_normal(4))
    _raises(RuntimeError, "Given normalized_shape=[8], expected input with shape [*8], but got input of "
            "size[3, 7]", lambda: lib.nn.RMSNorm(8)(lib.randn(3, 7)))


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                        ("InstanceNorm2d", (2, 3, 3, 2)), ("InstanceNorm3d", (2, 3, 2, 2, 2))])
@pytest.mark.parametrize("kw", [{}, {"affine": True}, {"affine": True, "track_running_stats": True},
                                {"track_running_stats": True, "momentum": 0.4}])
def test_instance_norm(name, shape, kw):
    m_g, m_t = _pair(name, 3, **kw)
    for step in range(3):
        run_twins(m_g, m_t, rng.standard_normal(shape) * (step + 1) + step, train=True, seed=step)
    if kw.get("track_running_stats"):
        assert_close(m_g.running_mean, m_t.running_mean)
        assert_close(m_g.running_var, m_t.running_var)
    run_twins(m_g, m_t, rng.standard_normal(shape), train=False)
    assert repr(m_g) == repr(m_t) and list(m_g.state_dict()) == list(m_t.state_dict())


@pytest.mark.parametrize("lib", [torch, gt])
def test_instance_norm_functional_gradchecks_and_errors(lib):
    check(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), lambda x, w, b: TF.instance_norm(x, weight=w, bias=b),
          rng.standard_normal((2, 3, 4)), rng.standard_normal(3), rng.standard_normal(3))
    gradchecks(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), rng.standard_normal((2, 2, 3)),
               rng.standard_normal(2), rng.standard_normal(2))
    _raises(ValueError, "expected input's size at dim=1 to match num_features (5), but got: 3.",
            lambda: lib.nn.InstanceNorm1d(5, affine=True)(lib.randn(2, 3, 4)))
    _raises(ValueError, "Expected more than 1 spatial element when training, got input size "
            "torch.Size([2, 5, 1])", lambda: lib.nn.InstanceNorm1d(5)(lib.randn(2, 5, 1)))
    _raises(ValueError, "expected 3D or 4D input (got 5D input)",
            lambda: lib.nn.InstanceNorm2d(5)(lib.randn(2, 2, 5, 4, 3)))


@pytest.mark.parametrize("size,shape", [(2, (2, 5, 3)), (3, (2, 4, 2, 2)), (5, (1, 6, 2, 1, 2))])
def test_local_response_norm(size, shape):
    m_g, m_t = nn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=1.5), torch.nn.LocalResponseNorm(size, 0.5, 0.6, 1.5)
    run_twins(m_g, m_t, rng.standard_normal(shape))
    assert repr(m_g) == repr(m_t)
    gradchecks(lambda x: F.local_response_norm(x, size, 0.5, 0.6, 1.5), rng.standard_normal((1, 4, 2)))


@pytest.mark.parametrize("size", [1, 3, 4, 5])
def test_cross_map_lrn2d(size):
    # forward values match torch; torch's hand-written legacy backward is not the derivative of
    # its own forward (and fails for size 1), so the gradient is checked by finite differences
    m_g, m_t = nn.CrossMapLRN2d(size, 0.3, 0.7, 2), torch.nn.CrossMapLRN2d(size, 0.3, 0.7, 2)
    run_twins(m_g, m_t, rng.standard_normal((2, 6, 2, 3)), grad=False)
    assert repr(m_g) == repr(m_t)
    gradchecks(m_g, rng.standard_normal((1, 5, 1, 2)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_norm_large_input(dtype):
    # 300 rows of 257: the statistics of a large input through the BLAS row sums
    m_g, m_t = affine_twins("LayerNorm", 257, dtype=dtype)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else {}
    run_twins(m_g, m_t, (rng.standard_normal((300, 257)) * 3 + 2).astype(dtype), **tol)
