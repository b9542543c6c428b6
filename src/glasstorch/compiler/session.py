"""One capture: what it tracks, what it changes, and how it puts everything back.

:class:`Session` swaps the arrays of every tensor a call can reach for
recording Values, makes float hyperparameters symbolic, installs the recording
module and the generator hook, runs the call, and afterwards reads off the
program: its inputs, the effects on tensors (new ``.grad``, new arrays), its
outputs and its guards.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from .. import random as _random
from .._nested import tensors_in
from ..autograd import grad_mode as _gm
from ..tensor import Tensor
from . import backward as _backward
from . import capture as _cap
from . import passes
from .capture import Recorder, RecordingGenerator, SymFloat, Value
from .program import Program
from .reach import Reach, _identifier, _label, _symbolic_ok


class _Stale(Exception):
    """A replay's guard on a hyperparameter failed: capture again."""


class _CheckFailed(Exception):
    """A replay's check on the arguments' data failed: run this call eagerly."""


def _same(a, b) -> bool:
    return a == b or (a != a and b != b)


def _tensor(arr) -> Tensor:
    return Tensor._make(arr, False, None, 0)


# ---------------------------------------------------------------- one capture
class Session:
    """Everything one capture changes, and how to put it back."""

    def __init__(self, owner, reach: Reach, tensors: list[Tensor]) -> None:
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
        if self.owner.fullgraph and isinstance(arr, np.ndarray):  # only a fullgraph break restores them
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

        outs = [t for t in tensors_in(result) if t.grad_fn is not None]
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
        for t in tensors_in(result):
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
    return _gm.is_grad_enabled() and any(t.grad_fn is not None for t in tensors_in(result))


def _same_symbolic(now, before) -> bool:
    if isinstance(before, tuple):
        return isinstance(now, tuple) and len(now) == len(before) and all(
            isinstance(a, SymFloat) and float(a) == b for a, b in zip(now, before))
    return isinstance(now, SymFloat) and float(now) == before


def _state_map(reach: Reach):
    return [(id(p), k, id(x)) for _, opt in reach.optimizers for p, st in opt.state.items() for k, x in st.items()
            if isinstance(x, Tensor)]


def _buffer_map(reach: Reach):
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
