"""F.pad and the padding layers against PyTorch."""

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


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2), (2, 0, 1, 3), (1, 1, 0, 2, 2, 1), (-1, 2, 1, -2)])
def test_pad_modes(mode, pad):
    nd = len(pad) // 2
    x = rand(2, 3, 5, 4, 6)[(0,) * (3 - nd)] if mode != "constant" else rand(2, 3, 5, 4, 6)
    check(lambda a: F.pad(a, pad, mode=mode), lambda a: TF.pad(a, pad, mode=mode), x)


def test_pad_constant_value_crop_noncontiguous():
    x = rand(2, 3, 5, 4)
    check(lambda a: F.pad(a, (1, 2, 3, 4, 1, 0), value=2.5), lambda a: TF.pad(a, (1, 2, 3, 4, 1, 0), value=2.5), x)
    check(lambda a: F.pad(a, (-1, -2, 0, -3)), lambda a: TF.pad(a, (-1, -2, 0, -3)), x)
    check(lambda a: F.pad(a[0].transpose(0, 2), (1, 1), mode="reflect"),
          lambda a: TF.pad(a[0].transpose(0, 2), (1, 1), mode="reflect"), x)
    check(lambda a: F.pad(a.transpose(1, 3), (1, 2, 2, 1), mode="replicate"),
          lambda a: TF.pad(a.transpose(1, 3), (1, 2, 2, 1), mode="replicate"), x)
    check(lambda a: F.pad(a, (1, 1)), lambda a: TF.pad(a, (1, 1)), rand(4, 5, dtype=np.float32))


def test_pad_gradcheck():
    for mode in ("reflect", "replicate", "circular"):
        gradchecks(lambda a, mode=mode: F.pad(a, (2, 1, 1, 2), mode=mode), rand(1, 2, 3, 3))
    gradchecks(lambda a: F.pad(a, (1, -1), value=1.5), rand(2, 3))


LAYERS = [
    ("ZeroPad1d", 2, (2, 3, 5)), ("ZeroPad2d", (1, 0, 2, 1), (1, 2, 4, 4)), ("ZeroPad3d", 1, (1, 1, 2, 3, 2)),
    ("ReflectionPad1d", (2, 1), (2, 3, 5)), ("ReflectionPad2d", 2, (3, 4, 5)), ("ReflectionPad3d", 1, (1, 1, 2, 3, 2)),
    ("ReplicationPad1d", 3, (3, 4)), ("ReplicationPad2d", (0, 1, 2, 3), (1, 2, 3, 3)),
    ("ReplicationPad3d", (1, 0, 0, 1, 2, 2), (1, 2, 2, 3, 2)),
    ("CircularPad1d", 2, (2, 3, 5)), ("CircularPad2d", (1, 2, 2, 1), (1, 1, 3, 4)), ("CircularPad3d", 1, (2, 2, 2, 2)),
]


@pytest.mark.parametrize("name,padding,shape", LAYERS)
def test_padding_layers(name, padding, shape):
    m_gt, m_t = getattr(nn, name)(padding), getattr(torch.nn, name)(padding)
    check(lambda a: m_gt(a), lambda a: m_t(a), rand(*shape))
    assert repr(m_gt) == repr(m_t)
    assert m_gt.padding == m_t.padding


def test_constant_pad_layers():
    for name, shape in [("ConstantPad1d", (2, 4)), ("ConstantPad2d", (1, 3, 3)), ("ConstantPad3d", (1, 1, 2, 2, 2))]:
        m_gt, m_t = getattr(nn, name)(2, 3.5), getattr(torch.nn, name)(2, 3.5)
        check(lambda a, m=m_gt: m(a), lambda a, m=m_t: m(a), rand(*shape))
        assert repr(m_gt) == repr(m_t)
    assert repr(nn.ConstantPad1d((1, 2), 3.5)) == "ConstantPad1d(padding=(1, 2), value=3.5)"


def test_pad_errors():
    _raises(RuntimeError, "Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                          "padding (5, 5) at dimension 3 of input [1, 3, 4, 4]",
            lambda: F.pad(gt.randn(1, 3, 4, 4), (5, 5, 1, 1), mode="reflect"))
    _raises(RuntimeError, "Argument #6: Padding size should be less than the corresponding input dimension, but got: "
                          "padding (4, 1) at dimension 2 of input [1, 3, 4, 4]",
            lambda: F.pad(gt.randn(1, 3, 4, 4), (1, 1, 4, 1), mode="reflect"))
    _raises(RuntimeError, "Padding value causes wrapping around more than once.",
            lambda: F.pad(gt.randn(1, 3, 4, 4), (5, 5, 1, 1), mode="circular"))
    _raises(RuntimeError, "Padding length must be divisible by 2", lambda: F.pad(gt.randn(1, 3, 4, 4), (1, 1, 1)))
    _raises(RuntimeError, "Padding length should be less than or equal to two times the input dimension but got "
                          "padding length 8 and input of dimension 3",
            lambda: F.pad(gt.randn(3, 4, 4), (1,) * 8))
    _raises(NotImplementedError, "Unrecognised padding mode foo", lambda: F.pad(gt.randn(1, 3, 4, 4), (1, 1), mode="foo"))
    _raises(RuntimeError, 'Padding mode "reflect" doesn\'t take in value argument',
            lambda: F.pad(gt.randn(1, 3, 4, 4), (1, 1), mode="reflect", value=2))
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input tensor"):
        F.pad(gt.randn(1, 3, 4, 4), (1, 1), mode="replicate")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input tensor"):
        F.pad(gt.randn(4), (1, 1), mode="reflect")
