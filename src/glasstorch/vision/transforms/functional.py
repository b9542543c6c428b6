"""``torchvision.transforms.functional``: the transforms as plain functions (same code paths)."""

from __future__ import annotations

from ...datasets import transforms as _t

__all__ = ["to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "resize", "center_crop", "crop", "pad",
           "hflip", "rgb_to_grayscale", "to_grayscale"]


def to_tensor(pic):
    return _t.ToTensor()(pic)


def pil_to_tensor(pic):
    return _t.PILToTensor()(pic)


def to_pil_image(pic, mode=None):
    return _t.ToPILImage(mode)(pic)


def normalize(tensor, mean, std, inplace: bool = False):
    return _t.Normalize(mean, std, inplace)(tensor)


def resize(img, size, interpolation=_t.InterpolationMode.BILINEAR, max_size=None, antialias: bool = True):
    return _t.Resize(size, interpolation, max_size, antialias)(img)


def center_crop(img, output_size):
    return _t.CenterCrop(output_size)(img)


def crop(img, top: int, left: int, height: int, width: int):
    return _t._crop(img, top, left, height, width)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    return _t._pad(img, padding, fill, padding_mode)


def hflip(img):
    return _t.RandomHorizontalFlip(p=1.0)(img)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    return _t.Grayscale(num_output_channels)(img)


to_grayscale = rgb_to_grayscale
