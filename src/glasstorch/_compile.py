"""What ``glasstorch.compile`` returns: the model, still eager, under torch's wrapper shape.

torch.compile wraps a module in an ``OptimizedModule`` whose original module
is ``_orig_mod`` (so its state_dict keys read ``_orig_mod.<name>``), and
whose attributes fall through to the original. glasstorch has no compiler
here; the wrapper runs the module eagerly, with the same surface, so code
that unwraps ``compiled._orig_mod`` or loads those keys works.
"""

from __future__ import annotations

import functools

from .nn.modules.module import Module


class OptimizedModule(Module):
    """Calls ``_orig_mod`` as is; attribute reads it lacks go to ``_orig_mod``."""

    def __init__(self, mod: Module) -> None:
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            orig = self.__dict__.get("_modules", {}).get("_orig_mod")
            if orig is None:
                raise
            return getattr(orig, name)


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None,  # noqa: A001
            options=None, disable: bool = False):
    """Eager "compilation": a module comes back wrapped (``_orig_mod``), a function unchanged."""
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model)
    if not callable(model):
        raise RuntimeError(f"torch.compile: expected a callable or a Module, got {type(model).__name__}")
    return model
