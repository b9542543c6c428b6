"""The tensors inside a nested structure of tuples, lists and dicts."""

from __future__ import annotations

from .tensor import Tensor


def tensors_in(obj) -> list[Tensor]:
    """The tensors of a nested tuple/list/dict, in order (anything else holds none)."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in tensors_in(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in tensors_in(o)]
    return []
