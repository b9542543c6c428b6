"""Redraw the pictures in docs/ with glasstorch itself.

    python docs/images/make_images.py

Needs Graphviz's ``dot`` for the SVGs (``apt-get install graphviz``).
"""

from pathlib import Path

import glasstorch as torch
from glasstorch import nn, viz

HERE = Path(__file__).parent


def scalar_chain() -> None:
    x = torch.tensor(-4.0, requires_grad=True)
    with viz.record():
        z = (((x + 6) * 3) ** 0.5 / 4).tanh().sigmoid()
        z.backward()
    viz.draw_graph(z, params={"x": x}, show_values=True, show_grads=True).save(HERE / "scalar_chain.svg")


def shared_value() -> None:
    # one value used twice: its node receives two gradients, which the engine sums
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    h = w * 3
    y = (h * h + h.sin()).sum()
    viz.draw_graph(y, params={"w": w}).save(HERE / "shared_value.svg")


def mlp_by_module() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x, y = torch.randn(5, 4), torch.tensor([0, 2, 1, 1, 0])
    with viz.module_scopes(model):
        loss = nn.functional.cross_entropy(model(x), y)
    viz.draw_graph(loss, params=dict(model.named_parameters())).save(HERE / "mlp_modules.svg")


if __name__ == "__main__":
    scalar_chain()
    shared_value()
    mlp_by_module()
    print("wrote", ", ".join(sorted(p.name for p in HERE.glob("*.svg"))))
