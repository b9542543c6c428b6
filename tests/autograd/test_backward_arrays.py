"""Ops with two backwards agree: the array-level fast one and the Tensor-level one.

A Function may carry ``backward_arrays`` beside its ``backward``: the engine runs
it on bare arrays when no graph of the backward is wanted (``create_graph=False``),
and runs ``backward`` (Tensor ops, differentiable again) when one is. The two are
written twice, so this file proves they compute the same numbers, and fails when
a new op gains a ``backward_arrays`` without a case here.
"""

from __future__ import annotations

import numpy as np
import pytest

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F
from glasstorch.autograd.function import Function

rng = np.random.default_rng(0)


def _t(*shape, scale=1.0):
    return gt.tensor(rng.standard_normal(shape) * scale, dtype=gt.float64, requires_grad=True)


def _lstm():
    gt.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=1).double()
    x = _t(5, 2, 3)
    return m(x)[0], [x, *m.parameters()]


def _sdpa():
    q, k, v = _t(2, 3, 4), _t(2, 5, 4), _t(2, 5, 4)
    return F.scaled_dot_product_attention(q, k, v), [q, k, v]


def _linear(*batch, bias=True):
    def case():
        x, w, b = _t(*batch, 3), _t(5, 3), _t(5)
        return F.linear(x, w, b if bias else None), [x, w] + ([b] if bias else [])
    return case


def _layer_norm():
    x, w, b = _t(4, 6), _t(6), _t(6)
    return F.layer_norm(x, (6,), w, b), [x, w, b]


def _batch_norm():
    x, w, b = _t(4, 3, 5), _t(3), _t(3)
    return F.batch_norm(x, None, None, w, b, training=True), [x, w, b]


def _group_norm():
    x, w, b = _t(2, 4, 5), _t(4), _t(4)
    return F.group_norm(x, 2, w, b), [x, w, b]


def _cross_entropy():
    x = _t(6, 5)
    return F.cross_entropy(x, gt.tensor([0, 4, 2, 2, 1, 3]), label_smoothing=0.1), [x]


def _one(fn, *shape, **kw):
    def case():
        x = _t(*shape, scale=kw.pop("scale", 1.0))
        return fn(x, **kw), [x]
    return case


# op class name -> a forward that runs it: (output, inputs to differentiate)
CASES = {
    "SumAll": _one(lambda x: x.sum(), 3, 4),
    "Softmax": _one(F.softmax, 3, 4, dim=-1),
    "LogSoftmax": _one(F.log_softmax, 3, 4, dim=0),
    "Relu": _one(F.relu, 4, 5),
    "Gelu": _one(F.gelu, 4, 5, scale=2.0),
    "LSTMLayer": _lstm,
    "_Linear": _linear(4),
    "_LinearNoBias": _linear(4, bias=False),
    "_LinearND": _linear(2, 4),
    "_LinearNDNoBias": _linear(2, 4, bias=False),
    "_SDPA": _sdpa,
    "_LayerNorm": _layer_norm,
    "_BatchNorm": _batch_norm,
    "_GroupNorm": _group_norm,
    "CrossEntropy": _cross_entropy,
}


def _functions_with_array_backward() -> set[str]:
    """The concrete (leaf) Function classes of glasstorch that have a ``backward_arrays``."""
    seen, todo = set(), [Function]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if (sub.__module__.startswith("glasstorch.") and not sub.__subclasses__()
                    and getattr(sub, "backward_arrays", None) is not None):
                seen.add(sub.__name__)
    return seen


def _functions_in_graph(t) -> set[str]:
    """Names of the Function classes whose nodes make up ``t``'s graph."""
    names, todo, seen = set(), [t.grad_fn], set()
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        fn = getattr(type(node), "_fn", None)
        if fn is not None:
            names.add(fn.__name__)
        todo.extend(n for n, _ in node.next_functions)
    return names


def test_every_op_with_two_backwards_has_a_case():
    found = _functions_with_array_backward()
    assert found <= set(CASES), f"no case for {sorted(found - set(CASES))}"
    assert len(found) >= 10


@pytest.mark.parametrize("name", sorted(CASES))
def test_array_backward_equals_tensor_backward(name):
    out, inputs = CASES[name]()
    assert name in _functions_in_graph(out)  # the case really runs the op under test
    g = gt.tensor(rng.standard_normal(out.shape), dtype=out.dtype)
    fast = gt.autograd.grad(out, inputs, g, retain_graph=True)
    plain = gt.autograd.grad(out, inputs, g, create_graph=True)
    assert len(fast) == len(plain)
    for a, b in zip(fast, plain):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-13)
