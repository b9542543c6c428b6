"""``glasstorch.vision``: torchvision's datasets, transforms and image utilities, for the CPU.

Under ``python -m glasstorch.compat`` it is what ``import torchvision`` gives.
Datasets hand out PIL images as torchvision's do, so Pillow is needed
(``pip install glasstorch[vision]``).
"""

from . import datasets, transforms, utils  # noqa: F401

__version__ = "0.1.0"
