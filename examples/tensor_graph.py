"""A tensor expression, its gradients, and its graph (shapes on every node).

    python examples/tensor_graph.py        # writes out/tensor_graph.{dot,html[,svg]}

Full run (`python examples/tensor_graph.py`, 0.4 s): loss = 0.4682, graph in out/.
"""

from __future__ import annotations

import glasstorch as torch
from glasstorch import viz

try:
    from _common import out_dir
except ImportError:
    from examples._common import out_dir


def main() -> dict:
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    w = torch.randn(3, 2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    h = (x @ w + b).tanh()                # (4, 2)
    loss = (h ** 2).mean() + 0.01 * (w * w).sum()
    loss.backward()
    print("loss =", loss)
    print("dloss/dw =", w.grad)
    print("dloss/db =", b.grad)
    graph = viz.draw_graph(loss, params={"w": w, "b": b}, title="a tensor expression")
    out = out_dir()
    graph.save(out / "tensor_graph.dot")
    graph.save(out / "tensor_graph.html")
    try:
        graph.save(out / "tensor_graph.svg")
    except (ImportError, RuntimeError) as e:
        print("(no SVG:", e, ")")
    return {"loss": loss.item()}


if __name__ == "__main__":
    main()
