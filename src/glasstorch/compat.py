"""Run a script written for PyTorch on glasstorch, unchanged.

    python -m glasstorch.compat train.py --epochs 3

While the script runs, ``import torch`` (and ``torch.nn``,
``torch.nn.functional``, ``torch.optim``, ``torch.optim.lr_scheduler``,
``torch.utils.data``, ``torch.autograd``, ...) resolve to the matching
glasstorch modules, and ``import torchvision`` (``torchvision.datasets``,
``.transforms``, ``.utils``) to :mod:`glasstorch.vision`. A ``torch`` or
``torchvision`` submodule glasstorch lacks raises
``ModuleNotFoundError`` naming it, rather than silently importing PyTorch.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import runpy
import sys

__all__ = ["install", "uninstall", "run_script", "main"]

# torch names whose glasstorch module has another name
_RENAMES = {"torch.utils.data.dataloader": "glasstorch.utils.data.dataloader"}
# the top-level packages served, and the glasstorch package behind each
_TOPS = {"torch": "glasstorch", "torchvision": "glasstorch.vision"}


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:
        pass


class TorchFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch`` and ``torch.*`` imports to glasstorch."""

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.split(".", 1)[0]
        if top not in _TOPS:
            return None
        target_name = _RENAMES.get(fullname, _TOPS[top] + fullname[len(top):])
        if importlib.util.find_spec(target_name) is None:
            raise ModuleNotFoundError(
                f"glasstorch has no counterpart of '{fullname}' (looked for '{target_name}')", name=fullname
            )
        return importlib.util.spec_from_loader(fullname, _Alias(target_name))


_finder = TorchFinder()
_saved: dict = {}


def install() -> None:
    """From now on, ``import torch...`` gives glasstorch."""
    if _finder in sys.meta_path:
        return
    for name in list(sys.modules):
        if name.split(".", 1)[0] in _TOPS:
            _saved[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Undo :func:`install` (restores any real torch modules that were loaded before)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if name.split(".", 1)[0] in _TOPS:
            del sys.modules[name]
    sys.modules.update(_saved)
    _saved.clear()


def run_script(path: str, argv: list[str] | None = None) -> dict:
    """Run ``path`` as ``__main__`` with torch resolved to glasstorch; returns its globals."""
    import os

    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = [path] + list(argv or [])
    # as ``python script.py`` does: the script's folder first, so its sibling modules import
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    install()
    try:
        return runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = old_argv
        sys.path[:] = old_path
        uninstall()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    run_script(args[0], args[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
