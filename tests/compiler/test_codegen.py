"""The printed program: a golden copy of a small MLP step, stable and valid source."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

GOLDEN = Path(__file__).parent / "golden" / "mlp_step.py.txt"


def _compiled_step():
    gt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = gt.optim.SGD(model.parameters(), lr=0.1)
    x, y = gt.randn(5, 3), gt.randn(5, 2)

    def train_step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    step = gt.compile(train_step)
    for _ in range(3):
        step(x, y)
    return step, model


def test_golden_mlp_step():
    step, _ = _compiled_step()
    # after a deliberate change to the printer or to an op, print ``step.code`` into the file
    assert step.code == GOLDEN.read_text()[:-1]  # the file ends with print's newline


def test_source_is_stable_and_valid():
    a, _ = _compiled_step()
    b, _ = _compiled_step()
    assert a.code == b.code
    tree = ast.parse(a.code)
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef) and fn.name == "train_step"
    text = a.code
    for section in ("# ---- forward ----", "# ---- backward ----", "# ---- optimizer ----",
                    "# ---- results into tensors ----"):
        assert section in text
    assert text.index("forward ----") < text.index("backward ----") < text.index("optimizer ----")
    # one line per kernel, each saying where it came from
    kernels = [line for line in text.splitlines() if line.startswith("    t") or line.startswith("    np.")]
    assert len(kernels) >= 30
    assert all("  # " in line for line in kernels)
    assert "_Linear.forward (0)" in text and "optim.sgd" in text


def test_replay_runs_the_printed_source():
    step, model = _compiled_step()
    before = model[0].weight.detach().numpy().copy()
    x, y = gt.randn(5, 3), gt.randn(5, 2)
    loss = step(x, y)
    assert loss.shape == () and loss.dtype == gt.float32 and not loss.requires_grad
    assert not np.array_equal(before, model[0].weight.detach().numpy())
    assert model[0].weight.grad is not None and model[0].weight.grad.shape == (4, 3)


def test_passes_report_what_they_did():
    step, _ = _compiled_step()
    notes = step.explain()
    assert "dead code" in notes and "constant folding" in notes and "buffer reuse" in notes
    program = step.programs[0]
    # buffer reuse: ReLU writes into the matmul's result, the loss's difference into the output
    assert "np.maximum(t2, 0, out=t2)" in step.code
    assert sum(" out=t" in line for line in step.code.splitlines()) >= 5
    commented = [ln for ln in step.code.splitlines() if "  # " in ln and not ln.lstrip().startswith("#")]
    assert len(commented) == len(program.nodes) + len(program.inputs)  # one line per kernel
    assert f"{len(program.nodes)} kernels" in step.code


def test_draw_graph_of_a_compiled_step(tmp_path):
    step, _ = _compiled_step()
    g = gt.viz.draw_graph(step)
    program = step.programs[0]
    ops = [n for n in g.nodes if n.kind == "op"]
    assert len(ops) == len(program.nodes)
    assert {n.label for n in g.nodes if n.kind == "leaf"} >= {"0.weight", "argument 0"}
    assert "np.matmul" in {n.label for n in ops}
    scopes = {n.scope for n in ops}
    assert {"0", "2", "backward", "optimizer"} <= scopes
    assert sum(n.kind == "output" for n in g.nodes) == 1
    page = g.save(tmp_path / "step.html").read_text()
    assert "np.matmul" in page
    assert 'subgraph cluster_optimizer' in g.source


def test_the_guide_prints_the_golden_step():
    page = (Path(__file__).parents[2] / "docs" / "compile.md").read_text()
    assert GOLDEN.read_text().rstrip("\n") + "\n```" in page  # docs/compile.md shows the program as it is
