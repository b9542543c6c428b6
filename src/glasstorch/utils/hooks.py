"""``glasstorch.utils.hooks`` (``torch.utils.hooks``): the handle a registered hook returns."""

from .._hooks import RemovableHandle

__all__ = ["RemovableHandle"]
