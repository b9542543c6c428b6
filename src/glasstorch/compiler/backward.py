"""A compiled module under autograd: a forward program and a backward program.

When a compiled module is called with grad enabled, its output must carry a
``grad_fn`` so that ``loss.backward()`` (outside the compiled call) reaches the
parameters. The capture then records two things in one go: the forward call,
and ``autograd.grad`` of its outputs with placeholder output gradients
(``grad_out0, ...``). The record is cut where the backward begins:

- the *forward program* returns the outputs and the *residuals*: every value
  the backward reads that the forward made (what eager autograd saves in its
  nodes: dropout masks, activations, the parameters' arrays);
- the *backward program* takes the residuals and the output gradients and
  returns one gradient per input that requires grad (parameters, arguments).

A replay runs the forward program and wraps its outputs in one autograd node,
:class:`Replayed`, whose backward runs the backward program; the engine adds
the gradients into ``.grad`` as for any other node.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .capture import Value
from .program import Program


class Replayed(Function):
    """The autograd node of a replayed forward: its backward is the backward program."""

    @staticmethod
    def forward(ctx, entry, residuals, outputs, *leaves):
        ctx.entry, ctx.residuals = entry, residuals
        made = tuple(Tensor._make(a, False, None, 0) for a in outputs)
        return made if len(made) > 1 else made[0]

    @staticmethod
    def backward(ctx, *grads):
        arrays = tuple(ctx.residuals) + tuple(g._data for g in grads)
        out = ctx.entry.backward_fn(arrays)
        return (None, None, None) + tuple(None if a is None else Tensor._make(a, False, None, 0) for a in out)


def split(program: Program, backward_ids: set[int], grads: list, seeds: list[Value]):
    """Cut a combined program into its forward and backward programs (module doc)."""
    fwd_nodes = [n for n in program.nodes if id(n) not in backward_ids]
    bwd_nodes = [n for n in program.nodes if id(n) in backward_ids]
    made_in_backward = {id(o) for n in bwd_nodes for o in n.outs if isinstance(o, Value)}
    seed_ids = {id(s) for s in seeds}
    residuals, seen = [], set()

    def need(v):
        if isinstance(v, Value) and id(v) not in made_in_backward and id(v) not in seed_ids \
                and v.origin != "constant" and id(v) not in seen:
            seen.add(id(v))
            residuals.append(v)

    for n in bwd_nodes:
        for v in n.reads():
            need(v)
    for g in grads:
        need(g)

    forward = Program(program.name + "_forward")
    forward.inputs = [x for x in program.inputs if id(x[0]) not in seed_ids]
    forward.nodes = fwd_nodes
    forward.effects = program.effects
    forward.outputs = list(program.outputs) + residuals
    forward.output_spec = program.output_spec
    forward.guards = program.guards
    forward.bindings = program.bindings
    forward.scratch = program.scratch
    forward.notes = program.notes
    forward.undo_draws = program.undo_draws
    forward.undo_arrays = program.undo_arrays

    backward = Program(program.name + "_backward")
    backward.inputs = ([(r, f"A[{i}]", "saved by the forward") for i, r in enumerate(residuals)]
                       + [(s, f"A[{len(residuals) + j}]", f"gradient of output {j}") for j, s in enumerate(seeds)])
    backward.nodes = bwd_nodes
    backward.outputs = [g for g in grads if g is not None]
    backward.protected = residuals  # a second backward (retain_graph) reads them again
    backward.bindings = program.bindings
    backward.scratch = program.scratch
    backward.grad_slots = [g is not None for g in grads]
    return forward, backward, residuals


def seed_like(rec, value: Value, index: int) -> Value:
    """A placeholder output gradient: ones, so the capture runs; the replay passes the real one."""
    return rec.new_value(np.ones_like(value._a), f"grad_out{index}", origin="argument")  # host
