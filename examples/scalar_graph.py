"""One scalar through many ops, its gradient, and its graph drawn with values and gradients.

    python examples/scalar_graph.py        # writes out/scalar_graph.{dot,html[,svg]}

Full run (this machine): prints z = 0.442215, dz/dx = 0.022725 (PyTorch gives the same).
"""

from __future__ import annotations

import glasstorch as torch
from glasstorch import viz

try:
    from _common import out_dir
except ImportError:  # imported as examples.scalar_graph
    from examples._common import out_dir


def main() -> dict:
    x = torch.tensor(-4.0, requires_grad=True)
    with viz.record():  # keep every intermediate value and gradient for the drawing
        z = (((x + 6) * 3) ** 0.5) / 4
        z = z.tanh()
        z = (z + 1.1) * 1.2
        z = z.relu()
        z = (z - 2.3) / 1.4
        z = z.sigmoid()
        z.backward()
    print(f"z = {z.item():.6f}   dz/dx = {x.grad.item():.6f}")
    graph = viz.draw_graph(z, params={"x": x}, show_values=True, show_grads=True, title="one scalar")
    out = out_dir()
    graph.save(out / "scalar_graph.dot")
    graph.save(out / "scalar_graph.html")
    try:
        graph.save(out / "scalar_graph.svg")
    except (ImportError, RuntimeError) as e:
        print("(no SVG:", e, ")")
    print(f"graph written to {out / 'scalar_graph.html'}")
    return {"z": z.item(), "grad": x.grad.item()}


if __name__ == "__main__":
    main()
