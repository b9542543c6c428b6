"""``glasstorch.vision.transforms`` (``torchvision.transforms``): one implementation, in
:mod:`glasstorch.datasets.transforms`, that takes PIL images, arrays and tensors."""

from ...datasets.transforms import *  # noqa: F401,F403
from ...datasets.transforms import __all__  # noqa: F401
from . import functional  # noqa: E402,F401
