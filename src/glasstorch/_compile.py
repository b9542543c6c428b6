"""``glasstorch.compile`` (``torch.compile``): the entry point and the module wrapper.

A module comes back as an :class:`OptimizedModule` whose original module is
``_orig_mod`` (so its state_dict keys read ``_orig_mod.<name>``, as torch's
do) and whose attributes fall through to the original; a function comes back
as a :class:`~glasstorch.compiler.CompiledFunction`. See ``docs/compile.md``.
"""

from __future__ import annotations

import functools

from .compiler import CompiledFunction
from .nn.modules.module import Module


class OptimizedModule(Module):
    """A module whose calls are captured and replayed; ``_orig_mod`` is the module itself."""

    def __init__(self, mod: Module, fullgraph: bool = False, dynamic=None) -> None:
        super().__init__()
        self._orig_mod = mod
        self.__dict__["_compiled"] = CompiledFunction(mod.__call__, fullgraph, dynamic, module=mod)

    def forward(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    @property
    def code(self) -> str | None:
        """The source of the program the latest capture made (None before one)."""
        return self.__dict__["_compiled"].code

    @property
    def programs(self) -> list:
        """The captured programs, one per signature that replays."""
        return self.__dict__["_compiled"].programs

    def draw_program(self, title: str | None = None):
        return self.__dict__["_compiled"].draw_program(title)

    def explain(self) -> str:
        return self.__dict__["_compiled"].explain()

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
    """Capture ``model`` (a module or a function of tensors) on a call and replay it after.

    The first call of each signature runs eagerly, the second is captured, later
    ones run the captured program: the same NumPy kernels as the eager call, in
    the same order, as one printed Python function (``.code``). A call that
    reads tensor data into Python runs eagerly (a warning says where), or raises
    :class:`~glasstorch.compiler.GraphBreak` with ``fullgraph=True``.
    ``backend``, ``mode`` and ``options`` are accepted for torch's signature.
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model, fullgraph, dynamic)
    if not callable(model):
        raise RuntimeError(f"torch.compile: expected a callable or a Module, got {type(model).__name__}")
    compiled = CompiledFunction(model, fullgraph, dynamic)
    functools.update_wrapper(compiled, model, updated=())
    return compiled
