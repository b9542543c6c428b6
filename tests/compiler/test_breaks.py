"""Graph breaks: each way of leaving the array world, with and without ``fullgraph``."""

from __future__ import annotations

import numpy as np
import pytest
from _models import MODELS, state_of, step_for

import glasstorch as gt
import glasstorch.nn.functional as F
from glasstorch.compiler import GraphBreak


def _stepper(kind):
    model, opt, batches = MODELS["mlp"](gt.float32)
    seen = []

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if kind == "item":
            seen.append(loss.item())
        elif kind == "tolist":
            seen.append(loss.tolist())
        elif kind == "numpy":
            seen.append(loss.detach().numpy())
        elif kind == "print":
            print(loss)
        elif kind == "branch":
            if loss > 100:  # control flow on a value computed from the parameters
                seen.append("big")
        return loss

    return model, opt, batches, step, seen


BREAKS = {"item": ".item()", "tolist": "to the host", "numpy": "to the host", "print": "to the host",
          "branch": "branch on tensor data"}


@pytest.mark.parametrize("kind", list(BREAKS))
def test_break_runs_eagerly_with_one_warning(kind, capsys):
    model, opt, batches, step, seen = _stepper(kind)
    compiled = gt.compile(step)
    x, y = batches[0]
    compiled(x, y)
    with pytest.warns(UserWarning, match="runs eagerly") as caught:
        for _ in range(4):
            compiled(x, y)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert BREAKS[kind] in message and "test_breaks.py:" in message
    assert compiled.programs == [] and "eager" in compiled.explain()
    if kind in ("item", "tolist", "numpy"):
        assert len(seen) == 5  # every call ran the user's code: nothing was lost
    # and the numbers are eager's
    twin, topt, _, tstep, _ = _stepper(kind)
    for _ in range(5):
        tstep(x, y)
    capsys.readouterr()
    assert all(np.array_equal(a, b) for a, b in zip(state_of(model, opt), state_of(twin, topt)))


@pytest.mark.parametrize("kind", ["item", "branch"])
def test_fullgraph_raises_naming_the_line_and_changes_nothing(kind):
    model, opt, batches, step, _ = _stepper(kind)
    compiled = gt.compile(step, fullgraph=True)
    x, y = batches[0]
    compiled(x, y), compiled(x, y)  # eager: the first call of each signature (no .grad, then .grad)
    before = state_of(model, opt)
    rng = gt.get_rng_state()
    with pytest.raises(GraphBreak, match=r"fullgraph=True.*test_breaks.py:\d+"):
        compiled(x, y)
    after = state_of(model, opt)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert np.array_equal(gt.get_rng_state().numpy(), rng.numpy())


def test_breaks_inside_glasstorch_name_the_op():
    # ASGD branches on its state (mu != 1): the optimizer step cannot be replayed
    model, _, batches = MODELS["mlp"](gt.float32)
    opt = gt.optim.ASGD(model.parameters(), lr=0.01, t0=2)
    compiled = gt.compile(step_for(model, opt))
    compiled(*batches[0]), compiled(*batches[0])
    with pytest.warns(UserWarning, match=r"optim\.asgd\.ASGD\.step"):
        compiled(*batches[0])
