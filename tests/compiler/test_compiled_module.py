"""A compiled module: its forward replayed, and its backward too when the loop outside
calls ``loss.backward()`` (a forward program and a backward program)."""

from __future__ import annotations

import numpy as np
import pytest
from _models import MODELS, state_of

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F


def _loop(name, dtype, compiled, steps=30):
    model, opt, batches = MODELS[name](dtype)
    net = gt.compile(model) if compiled else model
    losses = []
    for i in range(steps):
        x, y = batches[i % len(batches)]
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, state_of(model, opt), net


@pytest.mark.parametrize("name", list(MODELS))
def test_compiled_module_trains_like_eager(name):
    (le, se, _), (lc, sc, net) = _loop(name, gt.float32, False), _loop(name, gt.float32, True)
    assert le == lc
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(se, sc))
    assert "replayed" in net.explain()
    assert "_backward(A):" in net.code and "gradient of output 0" in net.code


def test_gradient_reaches_inputs_and_a_second_backward_with_retain_graph():
    gt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    net = gt.compile(model)
    x = gt.randn(4, 3, requires_grad=True)
    for _ in range(3):
        x.grad = None
        model.zero_grad()
        out = net(x)
        (out * out).sum().backward(retain_graph=True)
    got_x, got_w = x.grad.clone(), model[0].weight.grad.clone()
    (out * out).sum().backward()  # the same graph again: the residuals were left intact
    assert np.allclose(x.grad.numpy(), 2 * got_x.numpy())
    x.grad = None
    model.zero_grad()
    (model(x) ** 2).sum().backward()
    assert np.array_equal(x.grad.numpy(), got_x.numpy())
    assert np.array_equal(model[0].weight.grad.numpy(), got_w.numpy())
    assert out.grad_fn is not None and type(out.grad_fn).__name__.startswith("Replayed")


def test_module_wrapper_keeps_torch_surface():
    model = nn.Linear(2, 2)
    net = gt.compile(model)
    assert net._orig_mod is model
    assert list(net.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert net.in_features == 2  # attributes fall through to the original
    with gt.no_grad():
        x = gt.ones(1, 2)
        outs = [net(x) for _ in range(3)]
    assert all(np.array_equal(o.numpy(), model(x).detach().numpy()) for o in outs)
    assert net.code is not None and "_backward" not in net.code
