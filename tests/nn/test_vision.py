"""interpolate / Upsample, PixelShuffle / PixelUnshuffle against PyTorch."""

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


SIZES = [dict(size=7), dict(size=(3, 8)), dict(scale_factor=2), dict(scale_factor=(0.5, 1.7)),
         dict(scale_factor=1.5, recompute_scale_factor=True), dict(size=(5, 4)), dict(scale_factor=0.6)]


@pytest.mark.parametrize("kw", SIZES)
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bilinear-ac", "bicubic", "bicubic-ac",
                                  "area"])
def test_interpolate_2d(mode, kw):
    if mode == "area" and "recompute_scale_factor" not in kw and "scale_factor" in kw:
        kw = dict(kw, recompute_scale_factor=True)
    ac = None
    if mode.endswith("-ac"):
        mode, ac = mode[:-3], True
    x = rand(2, 3, 5, 4)
    check(lambda a: F.interpolate(a, mode=mode, align_corners=ac, **kw),
          lambda a: TF.interpolate(a, mode=mode, align_corners=ac, **kw), x)


@pytest.mark.parametrize("mode", ["nearest", "linear", "area", "nearest-exact"])
def test_interpolate_1d(mode):
    x = rand(2, 3, 7)
    for kw in (dict(size=12), dict(scale_factor=0.7), dict(size=7), dict(scale_factor=3)):
        if mode == "area" and "scale_factor" in kw:
            kw = dict(kw, recompute_scale_factor=True)
        check(lambda a, kw=kw: F.interpolate(a, mode=mode, **kw),
              lambda a, kw=kw: TF.interpolate(a, mode=mode, **kw), x)
    if mode == "linear":
        check(lambda a: F.interpolate(a, size=4, mode=mode, align_corners=True),
              lambda a: TF.interpolate(a, size=4, mode=mode, align_corners=True), x)


@pytest.mark.parametrize("mode", ["nearest", "trilinear"])
def test_interpolate_3d(mode):
    x = rand(1, 2, 3, 4, 5)
    for kw in (dict(size=(4, 6, 3)), dict(scale_factor=2)):
        check(lambda a, kw=kw: F.interpolate(a, mode=mode, **kw),
              lambda a, kw=kw: TF.interpolate(a, mode=mode, **kw), x)


def test_interpolate_float32_noncontiguous_gradcheck():
    x = rand(2, 3, 6, 5, dtype=np.float32)
    check(lambda a: F.interpolate(a.transpose(2, 3), scale_factor=2, mode="bilinear"),
          lambda a: TF.interpolate(a.transpose(2, 3), scale_factor=2, mode="bilinear"), x)
    check(lambda a: F.interpolate(a, scale_factor=1.7, mode="nearest"),
          lambda a: TF.interpolate(a, scale_factor=1.7, mode="nearest"), x)
    gradchecks(lambda a: F.interpolate(a, size=(3, 5), mode="bicubic"), rand(1, 1, 4, 3))
    gradchecks(lambda a: F.interpolate(a, scale_factor=2, mode="nearest"), rand(1, 1, 2, 3))


def test_upsample_modules():
    x = rand(1, 2, 4, 3)
    for m_gt, m_t in [
        (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
        (nn.Upsample(size=(5, 7), mode="bilinear"), torch.nn.Upsample(size=(5, 7), mode="bilinear")),
        (nn.Upsample(size=3, mode="bilinear", align_corners=True),
         torch.nn.Upsample(size=3, mode="bilinear", align_corners=True)),
        (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
        (nn.UpsamplingBilinear2d(size=(6, 5)), torch.nn.UpsamplingBilinear2d(size=(6, 5))),
    ]:
        check(lambda a, m=m_gt: m(a), lambda a, m=m_t: m(a), x)
        assert repr(m_gt) == repr(m_t)


def test_interpolate_errors():
    x = gt.randn(1, 3, 4, 4)
    _raises(ValueError, "only one of size or scale_factor should be defined",
            lambda: F.interpolate(x, size=3, scale_factor=2))
    _raises(ValueError, "either size or scale_factor should be defined", lambda: F.interpolate(x))
    _raises(ValueError, "align_corners option can only be set with the interpolating modes: linear | bilinear | "
                        "bicubic | trilinear", lambda: F.interpolate(x, size=3, align_corners=True))
    _raises(NotImplementedError, "Got 4D input, but linear mode needs 3D input",
            lambda: F.interpolate(x, size=3, mode="linear"))
    _raises(NotImplementedError, "Got 3D input, but bilinear mode needs 4D input",
            lambda: F.interpolate(gt.randn(1, 3, 4), size=3, mode="bilinear"))
    with pytest.raises(ValueError, match="Input and output must have the same number of spatial dimensions"):
        F.interpolate(x, size=(3, 3, 3))


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((12, 2, 3), 2), ((2, 1, 18, 2, 2), 3)])
def test_pixel_shuffle(shape, r):
    x = rand(*shape)
    out, _ = check(lambda a: F.pixel_shuffle(a, r), lambda a: TF.pixel_shuffle(a, r), x)
    check(lambda a: nn.PixelUnshuffle(r)(a), lambda a: torch.nn.PixelUnshuffle(r)(a), out.detach().numpy().copy())
    check(lambda a: nn.PixelShuffle(r)(a.transpose(-1, -2)), lambda a: torch.nn.PixelShuffle(r)(a.transpose(-1, -2)),
          x)
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))


def test_pixel_shuffle_errors():
    _raises(RuntimeError, "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                          "upscale_factor, but input.size(-3)=3 is not divisible by 4",
            lambda: F.pixel_shuffle(gt.randn(1, 3, 4, 4), 2))
    _raises(RuntimeError, "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=5 "
                          "is not divisible by 2", lambda: F.pixel_unshuffle(gt.randn(1, 3, 5, 4), 2))
    _raises(RuntimeError, "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 "
                          "dimension(s)", lambda: F.pixel_shuffle(gt.randn(3, 4), 2))
