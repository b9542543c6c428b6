"""`make demo`: train a CNN on MNIST, then show what happened.

Writes to out/: the loss curve, a grid of test predictions, the learned
first-layer filters, the model's autograd graph (HTML, plus SVG when
Graphviz is installed), and a checkpoint.

    python examples/demo.py [--epochs 2] [--train-limit N]

Full run on the 2-core development machine (`make demo`): test accuracy
0.9801 after epoch 1 and 0.9897 after epoch 2; 34 s of training, 48 s in all.
"""

from __future__ import annotations

import argparse
import time

import glasstorch as torch
from glasstorch import nn, viz
from glasstorch.utils.data import DataLoader, Subset

try:
    from _common import accuracy, add_progress_flag, load_mnist, out_dir, progress
    from mnist_cnn import lenet5
except ImportError:
    from examples._common import accuracy, add_progress_flag, load_mnist, out_dir, progress
    from examples.mnist_cnn import lenet5


def main(epochs: int = 2, train_limit: int | None = None, batch_size: int = 64, quiet: bool = False) -> dict:
    torch.manual_seed(0)
    out = out_dir()
    train = load_mnist("mnist", train=True)
    test = load_mnist("mnist", train=False)
    if train_limit:
        train = Subset(train, range(train_limit))
    train_loader = DataLoader(train, batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(test, batch_size=500)

    model = lenet5()
    print(model)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=epochs * len(train_loader))
    loss_fn = nn.CrossEntropyLoss()

    losses, accs = [], []
    start = time.time()
    for epoch in range(epochs):
        correct = seen = 0
        bar = progress(train_loader, desc=f"epoch {epoch + 1}/{epochs}", disable=quiet)
        for x, y in bar:
            opt.zero_grad()
            logits = model(x)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{correct / seen:.3f}")
        accs.append(accuracy(model, test_loader))
        print(f"epoch {epoch + 1}: train accuracy {correct / seen:.4f}, test accuracy {accs[-1]:.4f} "
              f"({time.time() - start:.0f} s)")

    # what happened, as pictures
    from glasstorch.viz import plots

    plots.plot_curves(out / "loss.png", {"training loss": losses}, secondary={"test accuracy": accs},
                      smooth=25, title="LeNet-5 on MNIST", xlabel=f"step ({len(train_loader)} per epoch)",
                      ylabel="training loss (cross-entropy)", secondary_ylabel="test accuracy, end of epoch")
    x, y = next(iter(DataLoader(test, batch_size=32)))
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(1)
    plots.plot_image_grid(out / "predictions.png", x, labels=y, predictions=pred, ncols=8,
                          title="test images: true and predicted labels")
    plots.plot_filters(out / "filters.png", model[0].weight, ncols=6, title="first-layer filters")

    with viz.module_scopes(model):
        graph_out = loss_fn(model(x[:4]), y[:4])
    graph = viz.draw_graph(graph_out, params=dict(model.named_parameters()), title="LeNet-5 autograd graph")
    graph.save(out / "model_graph.html")
    try:
        graph.save(out / "model_graph.svg")
    except (ImportError, RuntimeError) as e:
        print(f"(SVG drawing skipped: {e})")

    ckpt = out / "lenet5.safetensors"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, ckpt)
    print(f"\ntest accuracy {accs[-1]:.4f} after {time.time() - start:.0f} s")
    print(f"wrote {out}/: loss.png, predictions.png, filters.png, model_graph.html"
          f"{', model_graph.svg' if (out / 'model_graph.svg').exists() else ''}, lenet5.safetensors")
    return {"test_accuracy": accs[-1], "seconds": time.time() - start}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    add_progress_flag(ap)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--train-limit", type=int, default=None)
    args = ap.parse_args()
    main(args.epochs, args.train_limit)
