"""What a compiled callable can reach: its modules, optimizers and tensors.

Found from the function itself (arguments, closure variables, globals named in
its code and in global functions it calls, one level down), once; each call
checks by identity that those names still hold the same objects.
"""

from __future__ import annotations

import types

from ..nn.modules.module import Module
from ..optim.lr_scheduler._base import LRScheduler
from ..optim.optimizer import Optimizer
from ..tensor import Tensor


class Reach:
    """The modules, optimizers and tensors a compiled callable can reach."""

    def __init__(self) -> None:
        self.modules: list[tuple[str, Module]] = []
        self.optimizers: list[tuple[str, Optimizer]] = []
        self.tensors: list[tuple[str, Tensor]] = []
        self._seen: set[int] = set()
        self._sources: list[tuple[object, str | None, object]] = []  # (globals or cell, name, object)
        self._flat = None

    def still_valid(self) -> bool:
        """Whether the names the function reads still hold the objects found (cheap, per call)."""
        for where, name, obj in self._sources:
            now = where.get(name) if name is not None else where.cell_contents
            if now is not obj:
                return False
        return True

    def flat(self):
        """(every submodule, every parameter, the optimizers' groups), listed once."""
        if self._flat is None:
            subs = [s for _, m in self.modules for s in m.modules()]
            params = [p for _, m in self.modules for p in m.parameters()]
            groups = [g for _, opt in self.optimizers for g in opt.param_groups]
            self._flat = (subs, params, groups)
        return self._flat

    def add(self, name: str, obj, depth: int = 0) -> None:
        if id(obj) in self._seen:
            return
        if isinstance(obj, Module):
            self._seen.add(id(obj))
            self.modules.append((name, obj))
        elif isinstance(obj, Optimizer):
            self._seen.add(id(obj))
            self.optimizers.append((name, obj))
        elif isinstance(obj, LRScheduler):
            self.add(name + "_optimizer", obj.optimizer, depth)
        elif isinstance(obj, Tensor):
            self._seen.add(id(obj))
            self.tensors.append((name, obj))
        elif isinstance(obj, (list, tuple)) and depth == 0:
            for i, x in enumerate(obj):
                self.add(f"{name}{i}", x, 1)
        elif isinstance(obj, dict) and depth == 0:
            for k, x in obj.items():
                self.add(f"{name}_{k}", x, 1)

    def add_function(self, fn, depth: int = 0) -> None:
        code = getattr(fn, "__code__", None)
        if code is None:
            return
        scope = getattr(fn, "__globals__", {})
        for name in _names(code):
            if name in scope:
                obj = scope[name]
                self._sources.append((scope, name, obj))
                if isinstance(obj, types.FunctionType) and depth == 0:
                    self.add_function(obj, 1)
                else:
                    self.add(name, obj)
        for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
            try:
                self.add(name, cell.cell_contents)
                self._sources.append((cell, None, cell.cell_contents))
            except ValueError:  # an empty cell
                pass
        owner = getattr(fn, "__self__", None)
        if owner is not None:
            self.add("self", owner)


def _names(code) -> list[str]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_names(const))
    return names


def _label(name: str) -> str:
    """A readable variable name for a tensor's data: ``fc1.weight`` -> ``fc1_weight``."""
    out = _identifier(name.replace(".", "_").replace(":", "_"))
    return "p" + out if out.startswith("_") else out


def _identifier(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return out if out and not out[0].isdigit() else "_" + out


def _symbolic_ok(v) -> bool:
    """Hyperparameters the program reads afresh (floats, and tuples of floats)."""
    if type(v) is float:
        return True
    return isinstance(v, tuple) and len(v) > 0 and all(type(x) is float for x in v)
