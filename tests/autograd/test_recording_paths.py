"""The plain recording path (``_apply_arrays``) and the fast one every op runs
(``_apply_arrays_fast``) record the same thing: values, nodes, edges, versions,
saved values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import glasstorch as gt
from glasstorch.autograd import function as F


def _array_io_functions(cls=F.Function):
    for sub in cls.__subclasses__():
        if sub.array_io:
            yield sub
        yield from _array_io_functions(sub)


@pytest.fixture
def plain_path(monkeypatch):
    """Within the test, every built-in op records through the plain path."""
    def use():
        for cls in set(_array_io_functions()):
            own = cls.__dict__.get("apply")
            if isinstance(own, classmethod) and own.__func__ is F._apply_arrays_fast:  # not a custom apply
                monkeypatch.setattr(cls, "apply", classmethod(F._apply_arrays))
    return use


def _inputs():
    rng = np.random.default_rng(0)
    a = gt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = gt.tensor(rng.standard_normal((4,)), requires_grad=True)
    c = gt.tensor(rng.standard_normal((3, 4)))  # needs no gradient
    return a, b, c


CASES = {
    "exp (saves its output)": lambda a, b, c: a.exp(),
    "tanh of a non-leaf": lambda a, b, c: (a * 2).tanh(),
    "mul, broadcast": lambda a, b, c: gt.mul(a, b),
    "add of a constant tensor": lambda a, b, c: gt.add(c, a),
    "mul by a number": lambda a, b, c: gt.mul(a, 2.5),
    "sum over a dim": lambda a, b, c: a.sum(1),
    "softmax": lambda a, b, c: gt.softmax(a, 1),
    "where (three arguments)": lambda a, b, c: gt.where(c > 0, a, b),
    "clamp (three arguments)": lambda a, b, c: gt.clamp(a, -0.5, 0.5),
    "transpose (a view)": lambda a, b, c: a.transpose(0, 1),
    "max over a dim (two outputs)": lambda a, b, c: gt.max(a, 1),
    "comparison (not differentiable)": lambda a, b, c: gt.gt(a, b),
    "matmul": lambda a, b, c: gt.matmul(a, b),
}


def _edge(edge):
    node, nr = edge
    return None if node is None else (node.name(), nr)


def _saved(entry, args, out):
    """What a saved entry refers to, told apart from which path made it."""
    if type(entry) is tuple:
        t, version = entry
        return ("input", next((i for i, a in enumerate(args) if a is t), "other"), version, t._data.tolist())
    if type(entry) is F._SavedOutput:
        return ("output", entry.index, entry.version, entry.requires_grad, entry.array.tolist())
    if isinstance(entry, np.ndarray):
        return ("array", entry.tolist())
    return ("value", repr(entry))


def _record(fn):
    """Run one case on fresh inputs; everything the recording left behind, and the gradients."""
    a, b, c = _inputs()
    out = fn(a, b, c)
    outs = out if isinstance(out, tuple) else (out,)
    seen = []
    for o in outs:
        node = o.grad_fn
        seen.append((o._data.tolist(), str(o.dtype), o.requires_grad, o._out_nr, o._version[0], o.is_leaf))
        if node is None:
            continue
        saved = node._saved or ()
        seen.append((node.name(), [_edge(e) for e in node._next], [_edge(e) for e in node.next_functions],
                     tuple(node.needs_input_grad), list(node._metas), node._out_metas,
                     [_saved(s, (a, b, c), o) for s in saved]))
    grads = None
    differentiable = [o for o in outs if o.requires_grad]
    if differentiable:
        differentiable[0].sum().backward()
        grads = [None if t.grad is None else t.grad._data.tolist() for t in (a, b)]
    return seen, grads


@pytest.mark.parametrize("name", list(CASES))
def test_plain_and_fast_paths_record_the_same(name, plain_path):
    fast = _record(CASES[name])
    plain_path()
    plain = _record(CASES[name])
    assert plain == fast


def test_the_fast_path_is_what_ops_run_and_the_plain_path_is_reachable(plain_path):
    assert gt.ops.pointwise.Exp.apply.__func__ is F._apply_arrays_fast
    plain_path()
    assert gt.ops.pointwise.Exp.apply.__func__ is F._apply_arrays
    a, _, _ = _inputs()
    y = a.exp()
    assert y.grad_fn.name() == "ExpBackward0"
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.exp(a.detach().numpy()))


def test_a_view_shares_its_base_version_on_both_paths(plain_path):
    for use_plain in (False, True):
        if use_plain:
            plain_path()
        a, _, _ = _inputs()
        base = a * 1
        v = base.transpose(0, 1)  # recorded
        assert v._version is base._version and v._view_base is base
        assert v.grad_fn.name() == "TransposeBackward0"
        w = a.detach().transpose(0, 1)  # not recorded
        assert w._version is a._version
