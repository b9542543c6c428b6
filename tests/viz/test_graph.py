"""Graph drawings: DOT structure, module grouping, self-contained HTML in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import glasstorch as gt
from glasstorch import viz


def _scalar_chain():
    x = gt.tensor(-4.0, requires_grad=True)
    with viz.record():
        z = (((x + 6) * 3) ** 0.5 / 4).tanh()
        z = ((z + 1.1) * 1.2).relu()
        z = ((z - 2.3) / 1.4).sigmoid()
        z.backward()
    return x, z


def _edges(dot: str):
    labels = dict(re.findall(r'"(\w+)" \[label="([^"\\]+)', dot))
    return [(labels[a], labels[b]) for a, b in re.findall(r'"(\w+)" -> "(\w+)"', dot)]


def test_scalar_chain_dot_has_every_op_in_order():
    x, z = _scalar_chain()
    g = viz.draw_graph(z, params={"x": x}, show_values=True, show_grads=True)
    ops = [n.label for n in g.nodes if n.kind == "op"]
    assert ops == ["SigmoidBackward0", "DivBackward0", "SubBackward0", "ReluBackward0", "MulBackward0",
                   "AddBackward0", "TanhBackward0", "DivBackward0", "PowBackward0", "MulBackward0",
                   "AddBackward0"]
    edges = _edges(g.source)
    assert ("x", "AddBackward0") in edges and ("SigmoidBackward0", "output") in edges
    assert len(edges) == len(g.nodes) - 1  # a chain: every node but the output feeds one other
    leaf = next(n for n in g.nodes if n.kind == "leaf")
    assert leaf.label == "x" and leaf.value == "-4" and leaf.grad == f"{x.grad.item():.4g}"
    top = next(n for n in g.nodes if n.label == "SigmoidBackward0")
    assert top.value == f"{z.item():.4g}" and top.grad == "1"


def test_tensor_graph_shapes_and_shared_leaf():
    w = gt.randn(3, 2, requires_grad=True)
    b = gt.zeros(2, requires_grad=True)
    x = gt.randn(4, 3)
    y = ((x @ w + b).tanh() * (x @ w)).sum()
    g = viz.draw_graph(y, params={"w": w, "b": b})
    leaves = {n.label: n for n in g.nodes if n.kind == "leaf"}
    assert set(leaves) == {"w", "b"} and leaves["w"].shape == (3, 2)
    # w feeds two matmuls but is drawn once
    assert sum(1 for a, _ in _edges(g.source) if a == "w") == 2
    mm = [n for n in g.nodes if n.label == "MmBackward0"]
    assert len(mm) == 2 and all(n.shape == (4, 2) for n in mm)


def test_max_depth_cuts_the_walk():
    x = gt.ones(2, requires_grad=True)
    y = x
    for _ in range(10):
        y = y * 2
    g = viz.draw_graph(y.sum(), max_depth=3)
    assert sum(n.kind == "op" for n in g.nodes) == 3
    assert any(n.kind == "more" for n in g.nodes)


def test_module_scopes_group_ops_by_layer():
    nn = pytest.importorskip("glasstorch.nn")
    if not hasattr(nn, "Linear") or not hasattr(nn, "Sequential"):
        pytest.skip("nn.Linear not available")
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with viz.module_scopes(model):
        out = model(gt.randn(5, 3)).sum()
    g = viz.draw_graph(out, params=dict(model.named_parameters()))
    scopes = {n.scope for n in g.nodes if n.kind == "op"}
    assert {"0 (Linear)", "1 (ReLU)", "2 (Linear)"} <= scopes
    assert "subgraph cluster_0__Linear_" in g.source
    leaves = {n.label for n in g.nodes if n.kind == "leaf"}
    assert leaves == {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_html_is_self_contained(tmp_path):
    x, z = _scalar_chain()
    path = viz.draw_graph(z, params={"x": x}, show_values=True, show_grads=True).save(tmp_path / "g.html")
    text = path.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    assert "<script src" not in text and "<link" not in text
    assert "SigmoidBackward0" in text


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_html_renders_in_headless_chromium(tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium installed (`make sysdeps` installs it)")
    x, z = _scalar_chain()
    g = viz.draw_graph(z, params={"x": x}, show_values=True, show_grads=True)
    path = g.save(tmp_path / "g.html")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000", "--dump-dom",
           path.as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    dom = res.stdout
    assert dom.count('class="node"') == len(g.nodes), res.stderr[-2000:]
    assert "SigmoidBackward0" in dom and "value -4" in dom


def test_render_svg_with_dot_or_clear_message(tmp_path):
    x, z = _scalar_chain()
    g = viz.draw_graph(z, params={"x": x})
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="apt-get install graphviz"):
            g.save(tmp_path / "g.svg")
    else:
        svg = g.save(tmp_path / "g.svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "AddBackward0" in svg
