"""Dropout family: statistics of the masks, determinism, eval/p=0 identity, gradients."""

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(2)


def _x(*shape):
    return gt.tensor(rng.uniform(1, 2, shape), requires_grad=True)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    x = _x(200, 100)
    y = nn.Dropout(p)(x).detach().numpy()
    zero = y == 0
    assert abs(zero.mean() - p) < 0.02
    np.testing.assert_allclose(y[~zero], x.detach().numpy()[~zero] / (1 - p), rtol=1e-12)
    assert y.dtype == np.float64


def test_dropout_gradient_is_mask_times_scale():
    x = _x(30, 40)
    y = F.dropout(x, 0.3)
    g = rng.standard_normal((30, 40))
    y.backward(gt.tensor(g))
    mask = (y.detach().numpy() != 0) / 0.7
    np.testing.assert_allclose(x.grad.numpy(), g * mask, rtol=1e-12)


def test_manual_seed_reproducible_and_streams_differ():
    x = gt.ones(50, 50)
    gt.manual_seed(3)
    a = F.dropout(x, 0.5).numpy().copy()
    b = F.dropout(x, 0.5).numpy().copy()
    gt.manual_seed(3)
    c = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                                 "FeatureAlphaDropout"])
def test_eval_and_p0_are_identity(cls):
    shape = {"Dropout1d": (2, 3, 4), "Dropout3d": (2, 3, 2, 2, 2)}.get(cls, (2, 3, 4, 4))
    arr = rng.standard_normal(shape)
    for p, train in ((0.5, False), (0.0, True)):
        m_g, m_t = getattr(nn, cls)(p), getattr(torch.nn, cls)(p)
        m_g.train(train)
        m_t.train(train)
        x = gt.tensor(arr)
        out = m_g(x)
        np.testing.assert_array_equal(out.numpy(), m_t(torch.tensor(arr)).numpy())
        assert out is x
        assert repr(m_g) == repr(m_t)


def test_p_one_gives_zeros_and_zero_grad():
    for fn in (F.dropout, F.dropout2d, F.alpha_dropout):
        x = _x(2, 3, 4, 4)
        y = fn(x, 1.0, True)
        assert not y.detach().numpy().any()
        y.sum().backward()
        assert not x.grad.numpy().any()


@pytest.mark.parametrize("lib", [torch, gt])
@pytest.mark.parametrize("bad", [1.5, -0.1])
def test_probability_validation(lib, bad):
    for make in (lambda: lib.nn.Dropout(bad), lambda: lib.nn.functional.dropout(lib.ones(3), bad),
                 lambda: lib.nn.functional.alpha_dropout(lib.ones(3), bad, True),
                 lambda: lib.nn.AlphaDropout(bad)):
        with pytest.raises(ValueError) as info:
            make()
        assert str(info.value) == f"dropout probability has to be between 0 and 1, but got {bad}"


def _zero_channels(y, shape):
    z = (y == 0).reshape(shape[0], shape[1], -1)
    assert (z.all(-1) | ~z.any(-1)).all(), "a channel is partly zeroed"
    return z.all(-1)


@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (40, 30, 5)), (F.dropout2d, (40, 30, 3, 3)),
                                      (F.dropout3d, (40, 30, 2, 2, 2))])
def test_channel_dropout_zeroes_whole_channels(fn, shape):
    x = _x(*shape)
    y = fn(x, 0.4)
    chans = _zero_channels(y.detach().numpy(), shape)
    assert abs(chans.mean() - 0.4) < 0.06
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(y.detach().numpy()[kept], x.detach().numpy()[kept] / 0.6, rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.6, rtol=1e-12)


def test_unbatched_channel_dropout():
    y = F.dropout1d(gt.ones(200, 6), 0.5).numpy()
    assert ((y == 0).all(1) | (y != 0).all(1)).all()
    y = F.dropout3d(gt.ones(200, 2, 2, 2), 0.5).numpy().reshape(200, -1)
    assert ((y == 0).all(1) | (y != 0).all(1)).all()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        y = F.dropout2d(gt.ones(100, 10, 4), 0.5).numpy()  # 3-D: read as (N, C, L)
    assert ((y == 0).all(-1) | (y != 0).all(-1)).all() and "3D input to dropout2d" in str(w[0].message)


@pytest.mark.parametrize("lib", [torch, gt])
def test_channel_dropout_errors(lib):
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5), 0.5)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError,
                                                  match="Feature dropout requires at least 2 dimensions"):
        lib.nn.functional.dropout2d(lib.ones(3), 0.5)


@pytest.mark.parametrize("fn,shape", [(F.alpha_dropout, (400, 250)), (F.feature_alpha_dropout, (400, 250, 1))])
def test_alpha_dropout_keeps_mean_and_variance(fn, shape):
    x = gt.tensor(rng.standard_normal(shape))
    y = fn(x, 0.3, True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.3 + 1) * 0.7)
    assert abs(np.isclose(y, a * alpha * (0.3 - 1), rtol=0, atol=1e-12).mean() - 0.3) < 0.02


def test_alpha_dropout_gradient_and_feature_mask():
    x = _x(20, 30, 4)
    y = F.feature_alpha_dropout(x, 0.5, True)
    vals = y.detach().numpy()
    low = vals == vals.min()
    assert (low.all(-1) | ~low.any(-1)).all()
    y.sum().backward()
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * 0.5 + 1) * 0.5)
    np.testing.assert_allclose(x.grad.numpy(), np.where(low, 0.0, a), rtol=1e-12)


def test_inplace():
    x = gt.ones(20, 20)
    out = nn.Dropout(0.5, inplace=True)(x)
    assert out is x and (x.numpy() == 0).any() and set(np.unique(x.numpy())) <= {0.0, 2.0}
    leaf = gt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.dropout(leaf, 0.5, inplace=True)
