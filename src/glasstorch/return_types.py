"""Named tuples that ops such as ``max(dim)`` and ``sort`` return, as in torch.return_types."""

from __future__ import annotations

from collections import namedtuple

_TYPES: dict = {}


def _make(name: str, fields=("values", "indices")):
    cls = namedtuple(name, fields)
    cls.__module__ = "torch.return_types"
    cls.__repr__ = lambda self: (
        f"torch.return_types.{name}(\n" + ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields) + ")"
    )
    _TYPES[name] = cls
    return cls


for _n in ("max", "min", "sort", "topk", "kthvalue", "median", "mode", "cummax", "cummin",
           "aminmax", "var_mean", "std_mean"):
    _make(_n)
_make("aminmax", ("min", "max"))
_make("slogdet", ("sign", "logabsdet"))


def named(name: str, *values):
    """A ``torch.return_types.<name>`` tuple of ``values``."""
    return _TYPES[name](*values)
