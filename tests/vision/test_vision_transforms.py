"""vision.transforms: torchvision's defaults and outputs, checked against torch's resampling and
torchvision's documented rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.vision import transforms as T

Image = pytest.importorskip("PIL.Image")


def _rgb(h=6, w=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("size", [(5, 7), (3, 4), (12, 20), (7, 3)])
def test_resize_tensor_matches_torch_antialiased_bilinear(size):
    x = np.random.default_rng(1).standard_normal((3, 9, 13)).astype(np.float32)
    ours = T.Resize(size)(gt.tensor(x))
    ref = torch.nn.functional.interpolate(torch.tensor(x)[None], size=size, mode="bilinear", antialias=True,
                                          align_corners=False)[0]
    assert ours.shape == tuple(ref.shape) and ours.dtype == gt.float32
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_resize_uint8_tensor_and_nearest_match_torch():
    x = np.random.default_rng(2).integers(0, 256, size=(3, 11, 10), dtype=np.uint8)
    ours = T.Resize((5, 4))(gt.tensor(x))
    ref = torch.nn.functional.interpolate(torch.tensor(x)[None], size=(5, 4), mode="bilinear", antialias=True)[0]
    assert ours.dtype == gt.uint8
    assert np.abs(ours.numpy().astype(int) - ref.numpy().astype(int)).max() <= 1
    near = T.Resize((7, 5), interpolation=T.InterpolationMode.NEAREST)(gt.tensor(x))
    ref = torch.nn.functional.interpolate(torch.tensor(x)[None], size=(7, 5), mode="nearest")[0]
    np.testing.assert_array_equal(near.numpy(), ref.numpy())


def test_resize_int_keeps_aspect_ratio_and_max_size():
    x = gt.zeros(3, 20, 30)
    assert T.Resize(10)(x).shape == (3, 10, 15)          # shorter edge -> 10, long = int(10 * 30 / 20)
    assert T.Resize([10])(gt.zeros(3, 30, 20)).shape == (3, 15, 10)
    assert T.Resize(10, max_size=12)(x).shape == (3, 8, 12)
    with pytest.raises(ValueError, match="max_size"):
        T.Resize(10, max_size=10)(x)
    img = Image.fromarray(_rgb(20, 30))
    out = T.Resize(10)(img)
    assert out.size == (15, 10)  # PIL's size is (width, height)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((15, 10), Image.BILINEAR)))
    assert repr(T.Resize(10)) == "Resize(size=10, interpolation=bilinear, max_size=None, antialias=True)"


def test_center_crop_rounds_offsets_and_pads():
    arr = np.arange(11 * 9, dtype=np.uint8).reshape(11, 9)
    out = T.CenterCrop(4)(gt.tensor(arr[None]))
    # torchvision: top = int(round((11 - 4) / 2)) = 4, left = int(round((9 - 4) / 2)) = 2
    np.testing.assert_array_equal(out.numpy()[0], arr[4:8, 2:6])
    pil = T.CenterCrop((4, 4))(Image.fromarray(arr))
    np.testing.assert_array_equal(np.asarray(pil), arr[4:8, 2:6])
    padded = T.CenterCrop(5)(gt.ones(1, 3, 3))
    assert padded.shape == (1, 5, 5) and padded.numpy().sum() == 9 and padded.numpy()[0, 0, 0] == 0


def test_to_tensor_pil_to_tensor_and_back():
    rgb = _rgb()
    img = Image.fromarray(rgb)
    t = T.ToTensor()(img)
    assert t.shape == (3, 6, 8) and t.dtype == gt.float32
    np.testing.assert_allclose(t.numpy(), rgb.transpose(2, 0, 1) / np.float32(255), rtol=1e-6)
    p = T.PILToTensor()(img)
    assert p.dtype == gt.uint8 and p.shape == (3, 6, 8)
    np.testing.assert_array_equal(p.numpy(), rgb.transpose(2, 0, 1))
    back = T.ToPILImage()(t)
    assert back.mode == "RGB" and back.size == (8, 6)
    assert np.abs(np.asarray(back).astype(int) - rgb).max() <= 1  # x/255*255 truncated to bytes
    assert T.ToPILImage()(gt.full((1, 2, 2), 0.5)).mode == "L"
    assert np.asarray(T.ToPILImage()(gt.full((1, 2, 2), 0.5)))[0, 0] == 127  # 127.5 truncated, as torch's byte()
    with pytest.raises(TypeError, match="PIL Image"):
        T.PILToTensor()(rgb)


def test_grayscale_weights():
    x = np.random.default_rng(3).random((3, 4, 5)).astype(np.float32)
    ours = T.Grayscale()(gt.tensor(x))
    ref = (0.2989 * torch.tensor(x[0]) + 0.587 * torch.tensor(x[1]) + 0.114 * torch.tensor(x[2]))[None]
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)
    assert T.Grayscale(3)(gt.tensor(x)).shape == (3, 4, 5)
    img = Image.fromarray(_rgb())
    assert T.Grayscale()(img).mode == "L"
    three = T.Grayscale(num_output_channels=3)(img)
    assert three.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(three)[..., 0], np.asarray(img.convert("L")))


def test_flip_crop_on_pil():
    rgb = _rgb()
    img = Image.fromarray(rgb)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(p=1.0)(img)), rgb[:, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img
    crop = T.RandomCrop(4, padding=1)(img)
    assert crop.size == (4, 4)
    assert T.RandomCrop(10, pad_if_needed=True)(img).size == (10, 10)


def test_compose_mnist_pipeline_on_pil():
    arr = np.random.default_rng(4).integers(0, 256, size=(28, 28), dtype=np.uint8)
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    out = tf(Image.fromarray(arr))
    expected = (arr.astype(np.float32) / 255 - np.float32(0.1307)) / np.float32(0.3081)
    assert out.shape == (1, 28, 28)
    np.testing.assert_allclose(out.numpy()[0], expected, rtol=1e-6, atol=1e-6)
    lam = T.Lambda(lambda t: t * 0)
    assert float(lam(out).abs().sum()) == 0.0


def test_functional_spellings():
    from glasstorch.vision.transforms import functional as TF

    rgb = _rgb()
    img = Image.fromarray(rgb)
    t = TF.to_tensor(img)
    np.testing.assert_array_equal(TF.hflip(t).numpy(), t.numpy()[:, :, ::-1])
    assert TF.resize(t, [3, 4]).shape == (3, 3, 4)
    assert TF.center_crop(img, 4).size == (4, 4)
    np.testing.assert_array_equal(TF.crop(t, 1, 2, 3, 4).numpy(), t.numpy()[:, 1:4, 2:6])
    assert TF.pad(t, 1).shape == (3, 8, 10)
    assert TF.rgb_to_grayscale(t).shape == (1, 6, 8)
    assert TF.to_pil_image(TF.pil_to_tensor(img)).size == (8, 6)
    np.testing.assert_allclose(TF.normalize(t, [0.5] * 3, [0.5] * 3).numpy(), (t.numpy() - 0.5) / 0.5, rtol=1e-6)
