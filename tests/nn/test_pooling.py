"""Pooling layers against PyTorch: values, indices, gradients, errors, repr."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from compare import check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def _raises(exc, msg, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == msg


MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), dilation=(1, 2)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=1, padding=1, dilation=1),
]


@pytest.mark.parametrize("kw", MAX2D)
def test_max_pool2d(kw):
    x = rand(2, 3, 9, 8)
    check(lambda a: F.max_pool2d(a, return_indices=True, **kw), lambda a: TF.max_pool2d(a, return_indices=True, **kw),
          x)
    m_gt, m_t = nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw)
    check(lambda a: m_gt(a.transpose(2, 3)), lambda a: m_t(a.transpose(2, 3)), x)
    assert repr(m_gt) == repr(m_t)


def test_max_pool_ties_go_to_first_max():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1:3, 1:3] = 1.0
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)]:
        check(lambda a, kw=kw: F.max_pool2d(a, return_indices=True, **kw),
              lambda a, kw=kw: TF.max_pool2d(a, return_indices=True, **kw), x)


@pytest.mark.parametrize("k", [2, 3, 4, 5])  # 4, 9, 16 and 25 window offsets: each argmax path
def test_max_pool_first_max_wins_for_every_window_size(k):
    x = np.round(rand(2, 3, 2 * k + 1, 2 * k + 1), 0)  # rounded: many ties in every window
    x[0, 1, 2, 1] = np.nan
    for dtype in (np.float64, np.float32):
        check(lambda a: F.max_pool2d(a, k, return_indices=True), lambda a: TF.max_pool2d(a, k, return_indices=True),
              x.astype(dtype), grad=False)
        check(lambda a: F.max_pool2d(a, k, stride=1, return_indices=True),
              lambda a: TF.max_pool2d(a, k, stride=1, return_indices=True), x.astype(dtype), grad=False)


def test_max_pool_nan():
    x = rand(1, 1, 4, 4)
    x[0, 0, 1, 2] = np.nan
    check(lambda a: F.max_pool2d(a, 2, return_indices=True), lambda a: TF.max_pool2d(a, 2, return_indices=True), x,
          grad=False)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=2, stride=1, padding=1, dilation=2),
                                dict(kernel_size=4, stride=3, ceil_mode=True)])
def test_max_pool1d_3d(kw):
    check(lambda a: F.max_pool1d(a, return_indices=True, **kw), lambda a: TF.max_pool1d(a, return_indices=True, **kw),
          rand(2, 3, 13))
    check(lambda a: nn.MaxPool1d(**kw)(a), lambda a: torch.nn.MaxPool1d(**kw)(a), rand(3, 11))
    check(lambda a: F.max_pool3d(a, return_indices=True, **kw), lambda a: TF.max_pool3d(a, return_indices=True, **kw),
          rand(1, 2, 6, 7, 8))


def test_max_pool_float32_unbatched_and_gradcheck():
    x = rand(8, 6, 24, 24, dtype=np.float32)
    check(lambda a: F.max_pool2d(a, 2), lambda a: TF.max_pool2d(a, 2), x)
    check(lambda a: nn.MaxPool2d(3, 2)(a), lambda a: torch.nn.MaxPool2d(3, 2)(a), rand(3, 7, 7))
    gradchecks(lambda a: F.max_pool2d(a, 2, stride=1, padding=1), rand(1, 2, 3, 4))
    gradchecks(lambda a: F.max_pool1d(a, 3, stride=2, padding=1, ceil_mode=True), rand(2, 1, 6))
    gradchecks(lambda a: F.adaptive_max_pool2d(a, (2, 3)), rand(1, 2, 5, 4))


def test_max_pool_double_backward_matches_torch():
    def run(lib, F_, a):
        y = F_.max_pool2d(a * a, 3, stride=2, padding=1)
        (gx,) = lib.autograd.grad((y * y).sum(), [a], create_graph=True)
        return (gx * a).sum()

    check(lambda a: run(gt, F, a), lambda a: run(torch, TF, a), rand(2, 2, 5, 6))


AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(1, 2), divisor_override=5),
]


@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d(kw):
    x = rand(2, 3, 8, 9)
    check(lambda a: F.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw), x)
    check(lambda a: nn.AvgPool2d(**kw)(a[:, :, 1:]), lambda a: torch.nn.AvgPool2d(**kw)(a[:, :, 1:]), x)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                          count_include_pad=False)])
def test_avg_pool1d_3d(kw):
    check(lambda a: nn.AvgPool1d(**kw)(a), lambda a: torch.nn.AvgPool1d(**kw)(a), rand(2, 3, 10))
    check(lambda a: F.avg_pool3d(a, **kw), lambda a: TF.avg_pool3d(a, **kw), rand(1, 2, 5, 6, 7))
    check(lambda a: F.avg_pool3d(a, 2, divisor_override=3), lambda a: TF.avg_pool3d(a, 2, divisor_override=3),
          rand(2, 4, 4, 4))


def test_avg_pool_float32_and_gradgrad():
    check(lambda a: F.avg_pool2d(a, 2), lambda a: TF.avg_pool2d(a, 2), rand(4, 3, 8, 8, dtype=np.float32))
    gradchecks(lambda a: F.avg_pool2d(a, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
               rand(1, 1, 5, 4))


@pytest.mark.parametrize("size", [1, 3, (2, 5), (None, 3), (4, 4)])
def test_adaptive_avg_pool2d(size):
    x = rand(2, 3, 7, 5)
    check(lambda a: F.adaptive_avg_pool2d(a, size), lambda a: TF.adaptive_avg_pool2d(a, size), x)
    m_gt, m_t = nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size)
    check(lambda a: m_gt(a[0]), lambda a: m_t(a[0]), x)
    assert repr(m_gt) == repr(m_t)


def test_adaptive_avg_pool_1d_3d():
    check(lambda a: nn.AdaptiveAvgPool1d(4)(a), lambda a: torch.nn.AdaptiveAvgPool1d(4)(a), rand(2, 3, 10))
    check(lambda a: nn.AdaptiveAvgPool3d((2, 3, 1))(a), lambda a: torch.nn.AdaptiveAvgPool3d((2, 3, 1))(a),
          rand(1, 2, 5, 7, 4))
    check(lambda a: F.adaptive_avg_pool2d(a, 1), lambda a: TF.adaptive_avg_pool2d(a, 1),
          rand(8, 16, 6, 6, dtype=np.float32))
    gradchecks(lambda a: F.adaptive_avg_pool2d(a, (2, 3)), rand(1, 1, 5, 4))


@pytest.mark.parametrize("size", [1, 3, (2, 4), (None, 2)])
def test_adaptive_max_pool2d(size):
    x = rand(2, 3, 7, 5)
    check(lambda a: F.adaptive_max_pool2d(a, size, return_indices=True),
          lambda a: TF.adaptive_max_pool2d(a, size, return_indices=True), x)
    check(lambda a: nn.AdaptiveMaxPool2d(size)(a[1]), lambda a: torch.nn.AdaptiveMaxPool2d(size)(a[1]), x)


def test_adaptive_max_pool1d():
    check(lambda a: nn.AdaptiveMaxPool1d(3, return_indices=True)(a),
          lambda a: torch.nn.AdaptiveMaxPool1d(3, return_indices=True)(a), rand(2, 3, 8))


@pytest.mark.parametrize("p", [2, 3.0, 1])
def test_lp_pool(p):
    x = np.abs(rand(2, 3, 7, 6)) + 0.1
    check(lambda a: nn.LPPool2d(p, 2)(a), lambda a: torch.nn.LPPool2d(p, 2)(a), x)
    check(lambda a: nn.LPPool2d(p, (3, 2), stride=(2, 1))(a), lambda a: torch.nn.LPPool2d(p, (3, 2), stride=(2, 1))(a), x)
    check(lambda a: nn.LPPool1d(p, 3, stride=2)(a[0]), lambda a: torch.nn.LPPool1d(p, 3, stride=2)(a[0]), x)
    assert repr(nn.LPPool2d(p, 2)) == repr(torch.nn.LPPool2d(p, 2))


def test_max_unpool():
    x = rand(2, 3, 6, 8)
    out, idx = F.max_pool2d(gt.tensor(x), 2, return_indices=True)
    out_t, idx_t = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    check(lambda a: nn.MaxUnpool2d(2)(a, gt.tensor(idx.numpy())),
          lambda a: torch.nn.MaxUnpool2d(2)(a, idx_t), out.numpy().copy())
    check(lambda a: nn.MaxUnpool2d(2)(a, gt.tensor(idx.numpy()), output_size=(7, 9)),
          lambda a: torch.nn.MaxUnpool2d(2)(a, idx_t, output_size=(7, 9)), out.numpy().copy())
    assert repr(nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))


def test_pool_reprs():
    pairs = [((2,), {}), ((3, 2, 1), {}), ((3,), dict(dilation=2, ceil_mode=True))]
    for args, kw in pairs:
        for name in ("MaxPool1d", "MaxPool2d", "MaxPool3d"):
            assert repr(getattr(nn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))
    for name in ("AvgPool1d", "AvgPool2d", "AvgPool3d"):
        assert repr(getattr(nn, name)(3, 2, 1)) == repr(getattr(torch.nn, name)(3, 2, 1))
    assert repr(nn.AdaptiveMaxPool2d((2, None))) == "AdaptiveMaxPool2d(output_size=(2, None))"
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert nn.MaxPool2d(2).state_dict() == {} or len(nn.MaxPool2d(2).state_dict()) == 0


def test_pool_errors():
    _raises(RuntimeError, "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and "
                          "dilation=1", lambda: F.max_pool2d(gt.randn(1, 3, 8, 8), 3, padding=2))
    _raises(RuntimeError, "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small",
            lambda: F.max_pool2d(gt.randn(1, 3, 2, 2), 3))
    _raises(RuntimeError, "non-empty 3D or 4D (batch mode) tensor expected for input",
            lambda: F.max_pool2d(gt.randn(8), 3))
    _raises(RuntimeError, "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small",
            lambda: F.avg_pool2d(gt.randn(1, 3, 2, 2), 3))
    _raises(RuntimeError, "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                          "input, but got:[4]", lambda: F.max_pool1d(gt.randn(4), 3))
    _raises(RuntimeError, "non-empty 4D or 5D (batch mode) tensor expected for input",
            lambda: F.avg_pool3d(gt.randn(4, 4, 4), 3))
    _raises(RuntimeError, "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while "
                          "checking arguments for avg_pool1d)", lambda: F.avg_pool1d(gt.randn(4), 3))
    _raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got -3)",
            lambda: F.avg_pool2d(gt.randn(4, 4), 3))
    _raises(RuntimeError, "stride should not be zero", lambda: F.max_pool2d(gt.randn(1, 1, 4, 4), 2, stride=0))
    x = gt.randn(1, 1, 4, 4, 4, requires_grad=True)
    assert F.max_pool3d(x, 2).grad_fn.name() == "MaxPool3DWithIndicesBackward0"
    assert F.avg_pool3d(x, 2).grad_fn.name() == "AvgPool3DBackward0"
    assert F.max_pool2d(x[0], 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    _raises(RuntimeError, "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [8]",
            lambda: F.adaptive_avg_pool2d(gt.randn(8), 3))


def test_max_pool_backward_with_non_finite_gradient_matches_torch():
    # the non-overlapping fast path multiplies by a mask; inf * 0 must not leak into other positions
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    g = np.random.default_rng(1).standard_normal((2, 3, 4, 4)).astype(np.float32)
    g[0, 0, 0, 0], g[1, 2, 3, 3] = np.inf, np.nan
    a = gt.tensor(x, requires_grad=True)
    gt.nn.functional.max_pool2d(a, 2).backward(gt.tensor(g))
    b = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(b, 2).backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
