"""An MLP on MNIST: 784-256-128-10 with ReLU, Adam, a cosine learning-rate schedule.

    python examples/mnist_mlp.py [--epochs 5]

Full run on the 2-core development machine (`python examples/mnist_mlp.py`): test accuracy
0.9839 after 5 epochs, 14 s.
"""

from __future__ import annotations

import argparse
import time

import glasstorch as torch
from glasstorch import nn
from glasstorch.utils.data import DataLoader, Subset

try:
    from _common import accuracy, add_progress_flag, load_mnist, progress
except ImportError:
    from examples._common import accuracy, add_progress_flag, load_mnist, progress


def main(epochs: int = 5, train_limit: int | None = None, batch_size: int = 64, lr: float = 2e-3,
         quiet: bool = False, compiled: bool = False) -> dict:
    torch.manual_seed(0)
    train = load_mnist("mnist", train=True)
    test = load_mnist("mnist", train=False)
    if train_limit:
        train = Subset(train, range(train_limit))
    train_loader = DataLoader(train, batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(test, batch_size=1000)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * len(train_loader))
    loss_fn = nn.CrossEntropyLoss()

    def train_step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if compiled:  # --compile: captured once, then replayed (docs/compile.md)
        train_step = torch.compile(train_step)
    start = time.time()
    for epoch in range(epochs):
        bar = progress(train_loader, desc=f"epoch {epoch + 1}/{epochs}", disable=quiet)
        for x, y in bar:
            loss = train_step(x, y)
            sched.step()
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss.item():.3f}")
        acc = accuracy(model, test_loader)
        if not quiet:
            print(f"epoch {epoch + 1}: test accuracy {acc:.4f}  ({time.time() - start:.0f} s)")
    return {"test_accuracy": acc, "seconds": time.time() - start}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    add_progress_flag(ap)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--compile", action="store_true", help="replay the training step with glasstorch.compile")
    args = ap.parse_args()
    main(args.epochs, compiled=args.compile)
