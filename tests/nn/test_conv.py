"""Convolutions (and fold/unfold) against PyTorch: values, input and weight gradients, errors, repr."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from compare import assert_close, check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def copy_weights(m_gt, m_t):
    sd = m_t.state_dict()
    assert list(m_gt.state_dict().keys()) == list(sd.keys())
    m_gt.load_state_dict({k: gt.tensor(v.detach().numpy().copy()) for k, v in sd.items()})


def module_check(m_gt, m_t, x, prep=lambda t: t, rtol=None, atol=None, **kw):
    """Same weights, same input (through ``prep``): compare output, input grad, parameter grads."""
    copy_weights(m_gt, m_t)
    xg = gt.tensor(x.copy(), requires_grad=True)
    xt = torch.tensor(x.copy(), requires_grad=True)
    yg, yt = m_gt(prep(xg), **kw), m_t(prep(xt), **kw)
    assert_close(yg, yt, rtol, atol, msg="forward")
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(x.dtype)
    (yg * gt.tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    assert_close(xg.grad, xt.grad, rtol, atol, msg="input grad")
    pt = dict(m_t.named_parameters())
    for name, p in m_gt.named_parameters():
        assert_close(p.grad, pt[name].grad, rtol, atol, msg=f"grad of {name}")


# ------------------------------------------------------------------ functional
CONV2D_CASES = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    dict(padding="same", dilation=2),
    dict(padding="valid", stride=3),
    dict(groups=2, padding=1),
    dict(groups=4, stride=2, dilation=(1, 2)),
]


@pytest.mark.parametrize("kw", CONV2D_CASES)
def test_conv2d_functional(kw):
    g = kw.get("groups", 1)
    x, w, b = rand(2, 4, 9, 8), rand(8, 4 // g, 3, 2), rand(8)
    check(lambda a, c, d: F.conv2d(a, c, d, **kw), lambda a, c, d: TF.conv2d(a, c, d, **kw), x, w, b)


def test_conv2d_even_kernel_same_padding():
    x, w = rand(1, 2, 6, 7), rand(3, 2, 4, 2)
    check(lambda a, c: F.conv2d(a, c, padding="same"), lambda a, c: TF.conv2d(a, c, padding="same"), x, w)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=2, dilation=2), dict(groups=3, padding="same")])
def test_conv1d_functional(kw):
    x, w, b = rand(3, 6, 11), rand(9, 6 // kw.get("groups", 1), 3), rand(9)
    check(lambda a, c, d: F.conv1d(a, c, d, **kw), lambda a, c, d: TF.conv1d(a, c, d, **kw), x, w, b)


@pytest.mark.parametrize("kw", [dict(), dict(stride=(1, 2, 2), padding=1), dict(groups=2, dilation=(2, 1, 1))])
def test_conv3d_functional(kw):
    x, w, b = rand(2, 4, 5, 6, 5), rand(4, 4 // kw.get("groups", 1), 2, 3, 2), rand(4)
    check(lambda a, c, d: F.conv3d(a, c, d, **kw), lambda a, c, d: TF.conv3d(a, c, d, **kw), x, w, b)


def test_conv_non_contiguous_input():
    x, w = rand(2, 3, 7, 9), rand(5, 3, 3, 3)
    check(lambda a, c: F.conv2d(a.transpose(2, 3), c, padding=1),
          lambda a, c: TF.conv2d(a.transpose(2, 3), c, padding=1), x, w)
    check(lambda a, c: F.conv2d(a[:, :, ::2, 1:], c, stride=2),
          lambda a, c: TF.conv2d(a[:, :, ::2, 1:], c, stride=2), x, w)


def test_conv_unbatched():
    x, w = rand(3, 7, 7), rand(4, 3, 3, 3)
    out, _ = check(lambda a, c: F.conv2d(a, c), lambda a, c: TF.conv2d(a, c), x, w)
    assert tuple(out.shape) == (4, 5, 5)
    check(lambda a, c: F.conv1d(a, c), lambda a, c: TF.conv1d(a, c), rand(3, 9), rand(2, 3, 4))


TCONV_CASES = [
    dict(),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2)),
    dict(stride=2, dilation=2, output_padding=1),
    dict(groups=3, stride=(1, 2)),
]


@pytest.mark.parametrize("kw", TCONV_CASES)
def test_conv_transpose2d_functional(kw):
    g = kw.get("groups", 1)
    x, w, b = rand(2, 6, 5, 4), rand(6, 2, 3, 3), rand(2 * g)
    check(lambda a, c, d: F.conv_transpose2d(a, c, d, **kw), lambda a, c, d: TF.conv_transpose2d(a, c, d, **kw),
          x, w, b)


def test_conv_transpose_1d_3d():
    check(lambda a, c: F.conv_transpose1d(a, c, stride=3, padding=1, output_padding=2),
          lambda a, c: TF.conv_transpose1d(a, c, stride=3, padding=1, output_padding=2), rand(2, 3, 6), rand(3, 4, 3))
    check(lambda a, c, d: F.conv_transpose3d(a, c, d, stride=2, groups=2),
          lambda a, c, d: TF.conv_transpose3d(a, c, d, stride=2, groups=2), rand(1, 4, 3, 2, 3), rand(4, 1, 2, 2, 2),
          rand(2))


def test_conv_float32():
    x, w, b = rand(4, 3, 12, 12, dtype=np.float32), rand(8, 3, 3, 3, dtype=np.float32), rand(8, dtype=np.float32)
    check(lambda a, c, d: F.conv2d(a, c, d, padding=1), lambda a, c, d: TF.conv2d(a, c, d, padding=1), x, w, b,
          rtol=1e-4, atol=1e-4)
    check(lambda a, c: F.conv2d(a, c, stride=2), lambda a, c: TF.conv2d(a, c, stride=2), x, w,
          rtol=1e-4, atol=1e-4)


def test_conv_gradcheck_and_double_backward():
    gradchecks(lambda a, c, d: F.conv2d(a, c, d, stride=2, padding=1), rand(1, 2, 4, 4), rand(2, 2, 2, 2), rand(2))
    gradchecks(lambda a, c: F.conv1d(a, c, groups=2, dilation=2), rand(2, 2, 6), rand(4, 1, 2))
    gradchecks(lambda a, c: F.conv_transpose2d(a, c, stride=2, output_padding=1), rand(1, 2, 3, 2), rand(2, 1, 2, 2))


def test_conv_double_backward_matches_torch():
    x, w = rand(2, 2, 5, 5), rand(3, 2, 3, 3)

    def run(lib, F_, a, c):
        y = F_.conv2d(a, c, stride=2, padding=1)
        (gx,) = lib.autograd.grad((y * y).sum(), [a], create_graph=True)
        return (gx * gx).sum()

    check(lambda a, c: run(gt, F, a, c), lambda a, c: run(torch, TF, a, c), x, w)


# -------------------------------------------------------------------- modules
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("kw", [dict(padding=1), dict(padding=(2, 1), stride=2, dilation=(1, 2)),
                                dict(padding="same", groups=2), dict(padding=0, bias=False)])
def test_conv2d_module(mode, kw):
    m_gt = nn.Conv2d(4, 6, (3, 2), padding_mode=mode, **kw).double()
    m_t = torch.nn.Conv2d(4, 6, (3, 2), padding_mode=mode, **kw).double()
    module_check(m_gt, m_t, rand(2, 4, 7, 6))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "circular"])
def test_conv1d_conv3d_modules(mode):
    module_check(nn.Conv1d(3, 4, 3, padding=2, padding_mode=mode).double(),
                 torch.nn.Conv1d(3, 4, 3, padding=2, padding_mode=mode).double(), rand(2, 3, 8))
    module_check(nn.Conv3d(2, 3, 2, padding=1, stride=(1, 2, 1), padding_mode=mode).double(),
                 torch.nn.Conv3d(2, 3, 2, padding=1, stride=(1, 2, 1), padding_mode=mode).double(),
                 rand(1, 2, 4, 5, 3))


def test_conv_module_non_contiguous_and_float32():
    module_check(nn.Conv2d(3, 5, 3, padding=1).double(), torch.nn.Conv2d(3, 5, 3, padding=1).double(),
                 rand(2, 8, 3, 6), prep=lambda t: t.permute(0, 2, 1, 3))
    module_check(nn.Conv2d(6, 16, 5), torch.nn.Conv2d(6, 16, 5), rand(4, 6, 14, 14, dtype=np.float32),
                 rtol=1e-4, atol=1e-4)
    module_check(nn.Conv2d(1, 6, 5, padding=2), torch.nn.Conv2d(1, 6, 5, padding=2),
                 rand(4, 1, 28, 28, dtype=np.float32), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cls", ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"])
def test_conv_transpose_modules(cls):
    nd = int(cls[-2])
    kw = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    m_gt, m_t = getattr(nn, cls)(4, 6, 3, **kw).double(), getattr(torch.nn, cls)(4, 6, 3, **kw).double()
    module_check(m_gt, m_t, rand(2, 4, *([4] * nd)))


def test_conv_transpose_output_size():
    m_gt, m_t = nn.ConvTranspose2d(3, 2, 3, stride=2).double(), torch.nn.ConvTranspose2d(3, 2, 3, stride=2).double()
    module_check(m_gt, m_t, rand(1, 3, 5, 5), output_size=(12, 11))
    module_check(m_gt, m_t, rand(1, 3, 5, 5), output_size=[1, 2, 11, 12])
    with pytest.raises(ValueError, match=r"requested an output size of \(20, 20\), but valid sizes range from "
                                         r"\[11, 11\] to \[12, 12\]"):
        m_gt(gt.randn(1, 3, 5, 5, dtype=gt.float64), output_size=(20, 20))


def test_conv_state_dict_repr_and_init():
    m = nn.Conv2d(3, 16, 3, padding=1, bias=False)
    assert repr(m) == "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"
    assert list(m.state_dict()) == ["weight"]
    assert m.weight.dtype == gt.float32 and tuple(m.weight.shape) == (16, 3, 3, 3)
    bound = 1 / np.sqrt(27)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    for args, kw in [((3, 16, 3), dict(padding="same", padding_mode="reflect", dilation=2)),
                     ((4, 8, (3, 1)), dict(stride=2, groups=2)), ((4, 8, 3), dict(padding="valid"))]:
        assert repr(nn.Conv2d(*args, **kw)) == repr(torch.nn.Conv2d(*args, **kw))
    for args, kw in [((3, 16, 3), dict(stride=2)), ((4, 16, 3), dict(output_padding=1, stride=2, groups=2))]:
        assert repr(nn.ConvTranspose1d(*args, **kw)) == repr(torch.nn.ConvTranspose1d(*args, **kw))
        assert repr(nn.ConvTranspose2d(*args, **kw)) == repr(torch.nn.ConvTranspose2d(*args, **kw))
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 3, 3) and list(t.state_dict()) == ["weight", "bias"]


# --------------------------------------------------------------------- errors
def _raises(exc, msg, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == msg


def test_conv_errors():
    x = gt.randn(1, 5, 8, 8)
    _raises(RuntimeError, "Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 5, 8, 8] to have 3 "
                          "channels, but got 5 channels instead", lambda: F.conv2d(x, gt.randn(4, 3, 3, 3)))
    _raises(RuntimeError, "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [8, 8]",
            lambda: F.conv2d(gt.randn(8, 8), gt.randn(4, 3, 3, 3)))
    _raises(RuntimeError, "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size "
                          "can't be greater than actual input size",
            lambda: F.conv2d(gt.randn(1, 3, 2, 2), gt.randn(4, 3, 3, 3)))
    _raises(RuntimeError, "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of "
                          "size [[4, 3, 3, 3]] instead", lambda: F.conv2d(gt.randn(1, 4, 8, 8), gt.randn(4, 3, 3, 3),
                                                                           groups=3))
    _raises(RuntimeError, "padding='same' is not supported for strided convolutions",
            lambda: F.conv2d(gt.randn(1, 3, 8, 8), gt.randn(4, 3, 3, 3), stride=2, padding="same"))
    _raises(RuntimeError, "expected scalar type Double but found Float",
            lambda: F.conv2d(gt.randn(1, 3, 8, 8, dtype=gt.float64), gt.randn(4, 3, 3, 3)))
    _raises(RuntimeError, "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, "
                          "but got bias of size [3] instead",
            lambda: F.conv2d(gt.randn(1, 3, 8, 8), gt.randn(4, 3, 3, 3), gt.randn(3)))
    _raises(RuntimeError, "expected stride to be a single integer value or a list of 1 values to match the "
                          "convolution dimensions, but got stride=[1, 1]",
            lambda: F.conv1d(gt.randn(1, 3, 8), gt.randn(4, 3, 3), stride=[1, 1]))
    _raises(RuntimeError, "Given transposed=1, weight of size [4, 3, 3, 3], expected input[1, 5, 8, 8] to have 4 "
                          "channels, but got 5 channels instead",
            lambda: F.conv_transpose2d(x, gt.randn(4, 3, 3, 3)))
    _raises(RuntimeError, "output padding must be smaller than either stride or dilation, but got "
                          "output_padding_height: 2 output_padding_width: 2 stride_height: 2 stride_width: 2 "
                          "dilation_height: 1 dilation_width: 1",
            lambda: F.conv_transpose2d(gt.randn(1, 4, 8, 8), gt.randn(4, 3, 3, 3), stride=2, output_padding=2))
    _raises(RuntimeError, "non-positive stride is not supported",
            lambda: F.conv2d(gt.randn(1, 3, 8, 8), gt.randn(4, 3, 3, 3), stride=0))
    _raises(RuntimeError, "negative padding is not supported",
            lambda: F.conv2d(gt.randn(1, 3, 8, 8), gt.randn(4, 3, 3, 3), padding=-1))
    _raises(ValueError, "in_channels must be divisible by groups", lambda: nn.Conv2d(3, 4, 3, groups=2))
    _raises(ValueError, "out_channels must be divisible by groups", lambda: nn.Conv2d(4, 3, 3, groups=2))
    _raises(ValueError, "Invalid padding string 'foo', should be one of {'same', 'valid'}",
            lambda: nn.Conv2d(4, 4, 3, padding="foo"))
    _raises(ValueError, "padding_mode must be one of {'reflect', 'circular', 'zeros', 'replicate'}, but got "
                        "padding_mode='foo'", lambda: nn.Conv2d(4, 4, 3, padding_mode="foo"))
    _raises(ValueError, "padding='same' is not supported for strided convolutions",
            lambda: nn.Conv2d(4, 4, 3, padding="same", stride=2))
    _raises(ValueError, 'Only "zeros" padding mode is supported for ConvTranspose2d',
            lambda: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"))


# --------------------------------------------------------------- fold / unfold
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2, padding=1, dilation=(1, 2))])
def test_unfold_fold(kw):
    x = rand(2, 3, 6, 7)
    out, _ = check(lambda a: F.unfold(a, **kw), lambda a: TF.unfold(a, **kw), x)
    cols = out.detach().numpy().copy()
    check(lambda a: F.fold(a, (6, 7), **kw), lambda a: TF.fold(a, (6, 7), **kw), cols)
    check(lambda a: nn.Unfold(**kw)(a[0]), lambda a: torch.nn.Unfold(**kw)(a[0]), x)
    gradchecks(lambda a: F.fold(F.unfold(a, **kw), (6, 7), **kw), rand(1, 1, 6, 7))


def test_fold_unfold_errors_and_repr():
    _raises(RuntimeError, "Given input with spatial size (2, 2), kernel_size=(3, 3), dilation=(1, 1), padding=(0, 0), "
                          "calculated shape of the array of sliding blocks as (0, 0), but its components must be at "
                          "least one.", lambda: F.unfold(gt.randn(1, 3, 2, 2), 3))
    _raises(RuntimeError, "Given output_size=(4, 4), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), "
                          "stride=(1, 1), expected size of input's dimension 2 to match the calculated number of "
                          "sliding blocks 3 * 3 = 9, but got input.size(2)=5.",
            lambda: F.fold(gt.randn(1, 12, 5), (4, 4), 2))
    assert repr(nn.Fold((4, 4), 2)) == repr(torch.nn.Fold((4, 4), 2))
    assert repr(nn.Unfold(2, padding=1)) == repr(torch.nn.Unfold(2, padding=1))


@pytest.mark.parametrize("kw", [dict(padding=1), dict(padding=2, dilation=2, groups=2)])
def test_conv_input_gradient_over_several_column_blocks(kw):
    # 2 x 72 x 72 padded positions > the 8192 columns of one block in the stride-1 input gradient
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 4, 70, 70)), rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 3))
    check(lambda a, b: F.conv2d(a, b, **kw), lambda a, b: TF.conv2d(a, b, **kw), x, w)
    # float32: the weight gradient sums 9,800 products of size ~1 (values ~100), so ~1e-4 apart
    check(lambda a, b: F.conv2d(a, b, **kw), lambda a, b: TF.conv2d(a, b, **kw),
          x.astype(np.float32), w.astype(np.float32), rtol=1e-3, atol=1e-3)
