"""The handle every ``register_*hook`` returns (public as ``glasstorch.utils.hooks``).

It sits below the tensor and autograd modules, which hand it out too; importing
``glasstorch.utils`` from there would import the data loaders before ``Tensor`` exists.
"""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ["RemovableHandle"]

_NO_ITEM = object()


class RemovableHandle:
    """Unregisters a hook (``torch.utils.hooks.RemovableHandle``): call
    :meth:`remove`, or use the handle as a context manager.

    Args:
        hooks_dict: where the hook lives. A dict holds it under ``handle.id`` (the
            caller stores it there); a list holds ``item`` itself (autograd's hooks,
            which run in a list's order).
        item: with a list, the entry to take out of it.
    """

    _ids = itertools.count()

    def __init__(self, hooks_dict: dict | list, *, item: Any = _NO_ITEM) -> None:
        self._hooks = hooks_dict
        self.id = next(RemovableHandle._ids)
        self._item = item

    def remove(self) -> None:
        """Take the hook out; removing it twice does nothing."""
        hooks = self._hooks
        if isinstance(hooks, dict):
            hooks.pop(self.id, None)
        elif self._item in hooks:
            hooks.remove(self._item)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
