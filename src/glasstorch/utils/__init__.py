"""``glasstorch.utils``: data loading (``utils.data``) and, on first use, the other helpers."""

import importlib
import os

from . import data  # noqa: F401

# Loaded on first use: each may need an optional extra.
_LAZY_SUBMODULES = ("checkpoint", "tensorboard", "hooks")


def __getattr__(name: str):
    here = os.path.dirname(__file__)
    if name in _LAZY_SUBMODULES and (
        os.path.exists(os.path.join(here, name + ".py")) or os.path.exists(os.path.join(here, name, "__init__.py"))
    ):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'glasstorch.utils' has no attribute '{name}'")
