"""What ``glasstorch.compile`` returns: a callable that captures once and replays.

For each *signature* (the guards: argument shapes, dtypes and ``requires_grad``,
grad mode, the train/eval flags of the modules, which parameters hold a
gradient, the hyperparameters that are not floats) a call goes through three
stages:

1. the first call runs eagerly (optimizers make their state, caches fill);
2. the second call is captured (:mod:`.capture`): it runs eagerly on recording
   arrays, then the passes (:mod:`.passes`) and the printer (:mod:`.codegen`)
   turn the record into one Python function;
3. later calls run that function.

A capture that meets a graph break (reading data into Python, a branch on it)
is not kept: that signature runs eagerly from then on, and a warning says why,
once. With ``fullgraph=True`` the break raises :class:`~.capture.GraphBreak`
instead, after putting the state back as it was before the call.

What the capture can reach: the call's tensor arguments, and the modules,
optimizers and tensors it names (arguments, closure variables, globals named in
its code and in the code of global functions it calls, one level down).
Parameters, buffers, gradients and optimizer state found there are read afresh
by every replay; any other array the call reads is a constant read by reference.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict

from ..autograd import grad_mode as _gm
from ..nn.modules.module import Module
from ..tensor import Tensor
from . import backward as _backward
from . import codegen, passes
from .capture import GraphBreak
from .program import Program
from .reach import Reach, _identifier, _symbolic_ok
from .session import Session, _CheckFailed, _needs_autograd, _Stale, _tensor

_CAPTURE_LOCK = threading.Lock()  # the recording module stands behind "cpu" for one capture at a time
CACHE_SIZE = 8


# ---------------------------------------------------------------- one compiled callable
class CompiledFunction:
    """A function (or a module's call) compiled by :func:`glasstorch.compile`.

    ``code`` is the source of the program the last call ran (None before a
    capture); ``explain()`` says, for each signature, whether it replays or why
    it runs eagerly.
    """

    def __init__(self, fn, fullgraph: bool = False, dynamic=None, module: Module | None = None) -> None:
        self._fn = fn
        self.fullgraph = fullgraph
        self.dynamic = dynamic
        self._module = module
        self._entries: OrderedDict = OrderedDict()  # signature -> _Entry
        self._warned: set[str] = set()
        self._last = None
        self._cached_reach: Reach | None = None
        name = getattr(fn, "__name__", None) or type(module).__name__
        self._name = _identifier(name if name != "<lambda>" else "compiled")

    # -- reach and guards
    def _reach(self, args, kwargs) -> Reach:
        """What the call can reach: found once, found again when a name it reads changes."""
        reach = self._cached_reach
        if reach is not None and reach.still_valid():
            return reach
        reach = Reach()
        if self._module is not None:
            reach.add("", self._module)
        else:
            reach.add_function(self._fn)
        self._cached_reach = reach
        return reach

    def _signature(self, tensors, others, reach: Reach):
        subs, params, groups = reach.flat()
        parts = [_gm.is_grad_enabled(), _gm.is_inference_mode_enabled(),
                 tuple([(t._data.shape, t._data.dtype, t._requires_grad) for t in tensors]),
                 tuple([_hashable(o) for o in others]),
                 tuple([sub.training for sub in subs]), tuple([p._grad is None for p in params])]
        for group in groups:
            parts.append(tuple([(k, _hashable(v)) for k, v in group.items()
                                if k != "params" and not _symbolic_ok(v)]))
            parts.append(tuple([p._grad is None for p in group["params"]]))
        parts.extend(len(opt.state) for _, opt in reach.optimizers)
        return tuple(parts)

    # -- calling
    def __call__(self, *args, **kwargs):
        tensors, others = _split_arguments(args, kwargs)
        reach = self._reach(args, kwargs)
        key = self._signature(tensors, others, reach)
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= CACHE_SIZE:
                self._warn_once("cache", f"glasstorch.compile: more than {CACHE_SIZE} signatures for "
                                f"{self._name}; new ones run eagerly")
                return self._eager(args, kwargs)
            entry = self._entries[key] = _Entry()
            return self._eager(args, kwargs)  # the first call of a signature makes state and caches
        self._entries.move_to_end(key)
        if entry.program is not None:
            try:
                return entry.replay(tensors)
            except _Stale:
                entry.program = None
                self._cached_reach = None
            except _CheckFailed:
                return self._eager(args, kwargs)
        if entry.eager_reason is not None:
            return self._eager(args, kwargs)
        return self._capture(entry, tensors, reach, args, kwargs)

    def _eager(self, args, kwargs):
        if self._module is not None:
            return self._module(*args, **kwargs)
        return self._fn(*args, **kwargs)

    def _warn_once(self, key: str, message: str, stacklevel: int = 3) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, stacklevel=stacklevel)  # at the user's call

    # -- capture
    def _capture(self, entry, tensors, reach, args, kwargs):
        with _CAPTURE_LOCK:
            session = Session(self, reach, tensors)
            try:
                result = session.run(args, kwargs)
                if self._module is not None and _needs_autograd(result):
                    session.run_backward(result)
                session.collect(result)
            except GraphBreak:
                session.restore_snapshot()
                raise
            finally:
                session.close()
        program, reason = session.finish(result)
        if reason is not None and self.fullgraph:
            session.restore_snapshot()
            raise GraphBreak(f"glasstorch.compile(fullgraph=True): graph break: {reason}")
        if reason is not None:
            entry.eager_reason = reason
            self._warn_once(reason, f"glasstorch.compile: {self._name} runs eagerly: {reason}", 4)
            return result
        tag = f"{self._name}#{len(self._entries)}"
        if session.leaves is None:
            passes.run_all(program)
            codegen.rename(program)
            fn, source = codegen.build(program, tag)
            entry.set(program, fn, source, session)
        else:
            program.outputs = program.outputs + [g for g in session.grads if g is not None]
            passes.run_all(program, reuse=False)
            program.outputs = program.outputs[:len(program.outputs) - sum(g is not None for g in session.grads)]
            fwd, bwd, _ = _backward.split(program, session.backward_ids, session.grads, session.seeds)
            for part in (fwd, bwd):
                passes.reuse_buffers(part)
                passes.plan_memory(part)
            codegen.rename(bwd, start=codegen.rename(fwd))
            fn, fsource = codegen.build(fwd, tag)
            bfn, bsource = codegen.build(bwd, tag + " backward")
            entry.set(fwd, fn, fsource + "\n\n" + bsource, session)
            entry.backward_fn = _backward_outputs(bfn, bwd.grad_slots)
            entry.leaves = session.leaves
            entry.n_outputs = len(program.outputs)
        self._last = entry
        return result

    @property
    def code(self) -> str | None:
        """The source of the program the latest capture made."""
        return None if self._last is None else self._last.source

    @property
    def programs(self) -> list[Program]:
        return [e.program for e in self._entries.values() if e.program is not None]

    def draw_program(self, title: str | None = None):
        """The latest program as a :class:`~glasstorch.viz.graph.Graph` (``viz.draw_graph(compiled)``)."""
        from .drawing import draw_program  # viz loads on first use, not with glasstorch

        if not self.programs:
            raise RuntimeError("nothing captured yet: call the compiled function (three times) first")
        return draw_program(self.programs[-1], title)

    def explain(self) -> str:
        """One line per signature: replayed (with its kernel count) or eager, and why."""
        lines = []
        for i, entry in enumerate(self._entries.values()):
            if entry.program is not None:
                lines.append(f"signature {i}: replayed, {len(entry.program.nodes)} kernels; "
                             + "; ".join(entry.program.notes))
            elif entry.eager_reason is not None:
                lines.append(f"signature {i}: eager: {entry.eager_reason}")
            else:
                lines.append(f"signature {i}: not captured yet")
        return "\n".join(lines)


class _Entry:
    """One signature: its program once captured, or why it stays eager."""

    __slots__ = ("program", "fn", "source", "eager_reason", "spec", "backward_fn", "leaves", "n_outputs",
                 "identities")

    def __init__(self) -> None:
        self.identities: list = []  # (a module's _parameters/_buffers, name, the tensor the program reads)
        self.backward_fn = None
        self.leaves = None
        self.n_outputs = 0
        self.program = None
        self.fn = None
        self.source = None
        self.eager_reason = None
        self.spec = None

    def set(self, program, fn, source, session) -> None:
        self.program, self.fn, self.source = program, fn, source
        self.spec = program.output_spec
        self.identities = [(table, name, t) for _, m in session.reach.modules for sub in m.modules()
                           for table in (sub._parameters, sub._buffers) for name, t in table.items()
                           if t is not None]

    def replay(self, tensors):
        for table, name, t in self.identities:
            if table.get(name) is not t:  # a parameter or buffer was replaced: capture again
                raise _Stale
        arrays = self.fn(tensors)
        if self.backward_fn is None:
            return _rebuild(self.spec, [_tensor(a) for a in arrays])
        n = self.n_outputs
        made = _backward.Replayed.apply(self, arrays[n:], arrays[:n], *self.leaves)
        return _rebuild(self.spec, made if isinstance(made, tuple) else (made,))


def _rebuild(spec, arrays):
    kind = spec[0]
    if kind == "tensor":
        return arrays[spec[1]]
    if kind == "const":
        return spec[1]
    items = [_rebuild(s, arrays) for s in spec[1]]
    if kind == "tuple":
        return tuple(items)
    if kind == "list":
        return items
    return dict(zip(spec[2], items))


def _split_arguments(args, kwargs):
    tensors, others = [], []

    def walk(x):
        if isinstance(x, Tensor):
            tensors.append(x)
        elif isinstance(x, (list, tuple)):
            others.append(("seq", len(x)))
            for y in x:
                walk(y)
        elif isinstance(x, dict):
            others.append(("dict", tuple(x)))
            for y in x.values():
                walk(y)
        else:
            others.append(x)

    walk(list(args))
    walk(dict(kwargs))
    return tensors, others


def _hashable(x):
    try:
        hash(x)
        return x
    except TypeError:
        return ("unhashable", type(x).__name__, id(x))


def _backward_outputs(fn, slots: list[bool]):
    """The backward program's gradients, with None for the inputs it gives none."""
    def run(arrays):
        got = iter(fn(arrays))
        return [next(got) if present else None for present in slots]
    return run
