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
import types
import warnings
from collections import OrderedDict

import numpy as np

from .. import backend
from .. import random as _random
from ..autograd import grad_mode as _gm
from ..nn.modules.module import Module
from ..optim.lr_scheduler._base import LRScheduler
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from . import backward as _backward
from . import capture as _cap
from . import codegen, passes
from .capture import GraphBreak, Recorder, RecordingGenerator, SymFloat, Value
from .drawing import draw_program
from .program import Program

_CAPTURE_LOCK = threading.Lock()  # the recording module stands behind "cpu" for one capture at a time
CACHE_SIZE = 8


class _Stale(Exception):
    """A replay's guard on a hyperparameter failed: capture again."""


class _CheckFailed(Exception):
    """A replay's check on the arguments' data failed: run this call eagerly."""


def _same(a, b) -> bool:
    return a == b or (a != a and b != b)


def _tensor(arr) -> Tensor:
    return Tensor._make(arr, False, None, 0)


# ---------------------------------------------------------------- what a call can reach
class _Reach:
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
        self._cached_reach: _Reach | None = None
        name = getattr(fn, "__name__", None) or type(module).__name__
        self._name = _identifier(name if name != "<lambda>" else "compiled")

    # -- reach and guards
    def _reach(self, args, kwargs) -> _Reach:
        """What the call can reach: found once, found again when a name it reads changes."""
        reach = self._cached_reach
        if reach is not None and reach.still_valid():
            return reach
        reach = _Reach()
        if self._module is not None:
            reach.add("", self._module)
        else:
            reach.add_function(self._fn)
        self._cached_reach = reach
        return reach

    def _signature(self, tensors, others, reach: _Reach):
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
            session = _Session(self, reach, tensors)
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
            passes.reuse_buffers(fwd)
            passes.reuse_buffers(bwd)
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


def _symbolic_ok(v) -> bool:
    """Hyperparameters the program reads afresh (floats, and tuples of floats)."""
    if type(v) is float:
        return True
    return isinstance(v, tuple) and len(v) > 0 and all(type(x) is float for x in v)


# ---------------------------------------------------------------- one capture
class _Session:
    """Everything one capture changes, and how to put it back."""

    def __init__(self, owner: CompiledFunction, reach: _Reach, tensors: list[Tensor]) -> None:
        self.owner = owner
        self.reach = reach
        self.args = tensors
        names = {}
        for prefix, m in reach.modules:
            for sub_name, sub in m.named_modules():
                names.setdefault(id(sub), ".".join(x for x in (prefix if len(reach.modules) > 1 else "",
                                                                sub_name) if x) or type(sub).__name__)
        self.rec = Recorder(names)
        self.rec.fullgraph = owner.fullgraph
        self.program = Program(owner._name)
        self.slots: list[tuple[Tensor, object, Value, str]] = []  # tensor, array, value, bound name
        self.grads_before: list[tuple[Tensor, object, str]] = []  # param, its .grad, bound name
        self.groups: list[tuple[dict, str, object]] = []  # group, key, value before
        self.snapshot: list[tuple[np.ndarray, np.ndarray]] = []
        self.rng_state = None
        self.state_before = None
        self.buffers_before = None
        self._installed = None
        self._used_names: set[str] = set()
        self._bound: dict[int, str] = {}
        self._final_data: dict[int, object] = {}
        self._grad_values: dict[int, Value] = {}
        self._result_values: dict[int, Value] = {}
        self.leaves = None  # a module under autograd: what its backward program differentiates
        self.seeds: list[Value] = []
        self.grads: list = []
        self.backward_ids: set[int] = set()

    def _name(self, base: str) -> str:
        name = _identifier(base)
        n, candidate = 1, name
        while candidate in self._used_names or candidate in ("np", "A", "inf", "nan"):
            n += 1
            candidate = f"{name}_{n}"
        self._used_names.add(candidate)
        return candidate

    def _track(self, t: Tensor, name: str, expr_of, comment: str) -> None:
        if any(s[0] is t for s in self.slots) or isinstance(t._data, Value):
            return
        arr = t._data
        v = self.rec.new_value(arr, self._name(name), origin="input")
        bound = expr_of(v)
        self.slots.append((t, arr, v, bound))
        self.program.inputs.append((v, f"{bound}._data", comment))
        t._data = v
        if isinstance(arr, np.ndarray):
            self.snapshot.append((arr, arr.copy()))

    def _bind_tensor(self, t: Tensor, name: str) -> str:
        """``P['fc1.weight']``: how the program reaches a tensor it reads or changes."""
        bound = self._bound.get(id(t))
        if bound is None:
            table = self.program.bindings.setdefault("P", {})
            key = name
            while key in table and table[key] is not t:
                key += "'"
            table[key] = t
            bound = self._bound[id(t)] = f"P[{key!r}]"
        return bound

    def run(self, args, kwargs):
        reach = self.reach
        for i, t in enumerate(self.args):
            self._track(t, f"arg{i}", lambda v, i=i: f"A[{i}]", f"argument {i}")
        for _, _, v, _ in self.slots:
            v.origin = "argument"
        names: dict[int, str] = {}
        single = len(reach.modules) == 1
        for prefix, m in reach.modules:
            for pname, p in list(m.named_parameters()) + list(m.named_buffers()):
                names.setdefault(id(p), pname if single else f"{prefix}.{pname}")
        for tname, t in reach.tensors:
            names.setdefault(id(t), tname)
        for oname, opt in reach.optimizers:
            for group in opt.param_groups:
                for j, p in enumerate(group["params"]):
                    names.setdefault(id(p), f"{oname}.param{j}")
        tensors = [t for _, m in reach.modules for t in list(m.parameters()) + list(m.buffers())]
        tensors += [p for _, opt in reach.optimizers for g in opt.param_groups for p in g["params"]]
        tensors += [t for _, t in reach.tensors]
        for t in tensors:
            full = names[id(t)]
            self._track(t, _label(full), lambda v, t=t, full=full: self._bind_tensor(t, full), full)
            self._track_grad(t, full)
        for oname, opt in reach.optimizers:
            for gi, group in enumerate(opt.param_groups):
                for p in group["params"]:
                    for key, st in opt.state.get(p, {}).items():
                        if isinstance(st, Tensor):
                            full = f"{names[id(p)]}:{key}"
                            self._track(st, _label(full), lambda v, st=st, full=full: self._bind_tensor(st, full),
                                        f"{oname}.state[{names[id(p)]}][{key!r}]")
                self._symbolize(opt, oname, gi, group)
            self.program.scratch.update(id(a) for bufs in opt.__dict__.get("_scratch", {}).values() for a in bufs)
        self.rec.scratch = self.program.scratch
        self.state_before = _state_map(reach)
        self.buffers_before = _buffer_map(reach)
        self.rng_state = _random.default_generator._rng.bit_generator.state
        self._install()
        return self.owner._eager(args, kwargs)

    def _track_grad(self, p: Tensor, full: str) -> None:
        g = p._grad
        if g is not None:
            self._track(g, _label(full) + "_grad", lambda v: f"{self._bind_tensor(p, full)}._grad", f"{full}.grad")
        if not any(x[0] is p for x in self.grads_before):
            self.grads_before.append((p, g, full))

    def _symbolize(self, opt, oname: str, gi: int, group: dict) -> None:
        bound = f"_{_identifier(oname)}_groups"
        self.program.bindings[bound] = opt.param_groups
        for key, v in list(group.items()):
            if key == "params" or not _symbolic_ok(v):
                continue
            expr = f"{bound}[{gi}][{key!r}]"
            self.groups.append((group, key, v))
            if isinstance(v, tuple):
                group[key] = tuple(SymFloat(x, f"{expr}[{j}]") for j, x in enumerate(v))
            else:
                group[key] = SymFloat(v, expr)

    def _install(self) -> None:
        rec = self.rec
        gens: dict[int, str] = {}

        def hook(gen):
            name = gens.get(id(gen))
            if name is None:
                name = gens[id(gen)] = f"_gen{len(gens)}"
                self.program.bindings[name] = gen
            return RecordingGenerator(gen._rng, f"{name}._rng")

        replaced = backend.cpu_module_replaced(_cap.module, Value)
        replaced.__enter__()
        self._installed = replaced
        _random._capture[0] = hook
        _cap._state.recorder = rec

    def run_backward(self, result) -> None:
        """Record ``autograd.grad`` of the module's outputs (see :mod:`.backward`)."""
        from ..autograd import grad as _grad

        outs = [t for t in _tensors_in(result) if t.grad_fn is not None]
        module = self.owner._module
        self.leaves = [p for p in module.parameters() if p.requires_grad]
        self.leaves += [t for t in self.args if t.requires_grad]
        self.seeds = [_backward.seed_like(self.rec, t._data, i) for i, t in enumerate(outs)]
        start = len(self.rec.nodes)
        got = _grad(outs, self.leaves, grad_outputs=[_tensor(s) for s in self.seeds], retain_graph=True,
                    allow_unused=True)
        self.backward_ids = {id(n) for n in self.rec.nodes[start:]}
        self.grads = [None if g is None else g._data for g in got]
        self.program.inputs += [(s, "", "") for s in self.seeds]

    def collect(self, result) -> None:
        """Note where the call left its Values (before :meth:`close` unwraps them)."""
        for t, _, _, _ in self.slots:
            self._final_data[id(t)] = t._data
        for p, _, _ in self.grads_before:
            g = p._grad
            if g is not None and isinstance(g._data, Value):
                self._grad_values[id(p)] = g._data
        backward_ran = any(n.where[0] == "backward" for n in self.rec.nodes)
        for t in _tensors_in(result):
            if t.grad_fn is not None and not backward_ran:
                self.rec.breaks_here("the result needs autograd (backward is called outside the compiled "
                                     "function: compile the whole training step to replay it)", located=True)
            if isinstance(t._data, Value):
                self._result_values[id(t)] = t._data
                t._data = t._data._a

    def close(self) -> None:
        _cap._state.recorder = None
        _random._capture[0] = None
        if self._installed is not None:
            self._installed.__exit__(None, None, None)
            self._installed = None
        for group, key, v in self.groups:
            now = group[key]
            if now is not v and not _same_symbolic(now, v):
                self.rec.breaks_here(f"param_groups[{key!r}] changed inside the compiled call")
            group[key] = v
        self._unwrap_everything()

    def _unwrap_everything(self) -> None:
        """No Value stays in a tensor the capture could reach."""
        for t, _arr, _v, _ in self.slots:
            if isinstance(t._data, Value):
                t._data = t._data._a
        for p, _, _ in self.grads_before:
            if p._grad is not None and isinstance(p._grad._data, Value):
                p._grad._data = p._grad._data._a
        for _, opt in self.reach.optimizers:
            for st in opt.state.values():
                for x in st.values():
                    if isinstance(x, Tensor) and isinstance(x._data, Value):
                        x._data = x._data._a

    def restore_snapshot(self) -> None:
        """Put back what the call changed (a fullgraph break): arrays, gradients, generator."""
        self.close()
        for arr, copy in self.snapshot:
            np.copyto(arr, copy)  # host
        for t, arr, _, _ in self.slots:
            t._data = arr
        for p, g, _ in self.grads_before:
            p._grad = g
        _random.default_generator._rng.bit_generator.state = self.rng_state

    def finish(self, result):
        """The program of this capture, or (None, why it cannot be replayed)."""
        rec, program = self.rec, self.program
        rec.live = False
        if self.state_before != _state_map(self.reach):
            rec.breaks_here("the call made new optimizer state")
        if self.buffers_before != _buffer_map(self.reach):
            rec.breaks_here("the call replaced a parameter or buffer")
        # effects: arrays given to tensors, gradients made or dropped
        for t, _, v, bound in self.slots:
            final = self._final_data.get(id(t))
            if isinstance(final, Value) and final is not v:
                program.effects.append((f"{bound}._data = {{}}", final))
            elif final is not None and final is not v:
                rec.breaks_here("a tensor was given an array the captured kernels did not make")
        for p, g_before, label in self.grads_before:
            g = p._grad
            if g is g_before:
                continue
            bound = self._bind_tensor(p, label)
            if g is None:
                program.effects.append((f"{bound}._grad = None", None))
            else:
                value = self._grad_values.get(id(p))
                if value is None:
                    rec.breaks_here("a gradient that was not computed by the captured kernels")
                    continue
                program.bindings["_tensor"] = _tensor
                program.effects.append((f"{bound}._grad = _tensor({{}})", value))
        outputs: list = []
        program.output_spec = _spec(result, outputs, self._result_values, rec)
        program.outputs = outputs
        program.guards = list(rec.guards)
        program.nodes = rec.nodes
        for why in passes.hoist_checks(program):
            rec.breaks_here(why, located=True)
        program.bindings["_CheckFailed"] = _CheckFailed
        if program.undo_draws:
            gens = [g for name, g in program.bindings.items() if name.startswith("_gen")]
            program.bindings["_save_draws"] = lambda: [g._rng.bit_generator.state for g in gens]
            program.bindings["_undo_draws"] = lambda saved: [setattr(g._rng.bit_generator, "state", s)
                                                              for g, s in zip(gens, saved)]
        program.bindings["_same"] = _same
        used = {id(v) for node in rec.nodes for v in node.reads()}
        used.update(id(v) for v in outputs)
        used.update(id(v) for _, v in program.effects if isinstance(v, Value))
        program.inputs = [x for x in program.inputs if id(x[0]) in used]
        if program.guards:
            program.bindings["_Stale"] = _Stale
            cond = " and ".join(program.guards)
            program.nodes.insert(0, _cap.Node("guard", cond, (), {}, [], [], ("forward", "guards", "")))
        if rec.breaks:
            return None, rec.breaks[0]
        return program, None


def _needs_autograd(result) -> bool:
    return _gm.is_grad_enabled() and any(t.grad_fn is not None for t in _tensors_in(result))


def _backward_outputs(fn, slots: list[bool]):
    """The backward program's gradients, with None for the inputs it gives none."""
    def run(arrays):
        got = iter(fn(arrays))
        return [next(got) if present else None for present in slots]
    return run


def _tensors_in(obj):
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _tensors_in(x)
    elif isinstance(obj, dict):
        for x in obj.values():
            yield from _tensors_in(x)


def _same_symbolic(now, before) -> bool:
    if isinstance(before, tuple):
        return isinstance(now, tuple) and len(now) == len(before) and all(
            isinstance(a, SymFloat) and float(a) == b for a, b in zip(now, before))
    return isinstance(now, SymFloat) and float(now) == before


def _state_map(reach: _Reach):
    return [(id(p), k, id(x)) for _, opt in reach.optimizers for p, st in opt.state.items() for k, x in st.items()
            if isinstance(x, Tensor)]


def _buffer_map(reach: _Reach):
    return [(n, id(t)) for _, m in reach.modules for n, t in list(m.named_parameters()) + list(m.named_buffers())]


def _spec(result, outputs: list, values: dict, rec: Recorder):
    if isinstance(result, Tensor):
        v = values.get(id(result))
        if v is None:
            return ("const", result)
        outputs.append(v)
        return ("tensor", len(outputs) - 1)
    if isinstance(result, SymFloat):
        rec.breaks_here("the call returns a number computed from tensor data")
        return ("const", float(result))
    if isinstance(result, (list, tuple)) and not hasattr(result, "_fields"):
        return ("tuple" if isinstance(result, tuple) else "list", [_spec(r, outputs, values, rec) for r in result])
    if isinstance(result, dict):
        return ("dict", [_spec(r, outputs, values, rec) for r in result.values()], list(result))
    return ("const", result)
