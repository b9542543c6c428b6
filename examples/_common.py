"""Small helpers the examples share: finding data, progress bars, evaluation."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import glasstorch as torch

REPO = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("GLASSTORCH_OUT", REPO / "out"))


def data_root(kind: str = "mnist") -> Path:
    """Where the dataset is: ../shared/data beside the repo, $GLASSTORCH_DATA, or ~/.cache/glasstorch.

    Returns the first folder that has it, or the cache folder (to download into).
    """
    names = {"mnist": "mnist", "fashion": "fashion-mnist", "shakespeare": "tinyshakespeare"}
    candidates = [REPO.parent / "shared" / "data"]
    if os.environ.get("GLASSTORCH_DATA"):
        candidates.insert(0, Path(os.environ["GLASSTORCH_DATA"]))
    candidates.append(Path.home() / ".cache" / "glasstorch")
    for root in candidates:
        if (root / names[kind]).exists():
            return root / names[kind] if kind != "fashion" else root
    return candidates[-1]


def load_mnist(kind: str = "mnist", train: bool = True, transform=None):
    """MNIST or Fashion-MNIST from the first place that has it, downloading into the cache otherwise.

    With no data and no network, exits with instructions.
    """
    from glasstorch.datasets import MNIST, FashionMNIST

    cls = MNIST if kind == "mnist" else FashionMNIST
    root = data_root(kind)
    try:
        return cls(root, train=train, transform=transform, download=True)
    except RuntimeError as e:
        sys.exit(
            f"Could not find or download {cls.__name__}.\n{e}\n\nTo run offline, put the four official files\n"
            f"  {', '.join(n for n, _ in cls.resources)}\n"
            f"in {Path.home() / '.cache' / 'glasstorch' / cls.__name__ / 'raw'} "
            "(or set GLASSTORCH_DATA to a folder that has them) and run again."
        )


_PROGRESS = True


class NoProgress(argparse.Action):
    """``--no-progress``: no progress bars, whatever the terminal."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=False,
                         help="no progress bars (they are also off when stderr is not a terminal)")

    def __call__(self, parser, namespace, values, option_string=None):
        global _PROGRESS
        _PROGRESS = False
        setattr(namespace, self.dest, True)


def add_progress_flag(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--no-progress", action=NoProgress)
    return parser


def progress(iterable, total=None, desc=None, disable=False):
    """tqdm when it is installed (the 'progress' extra) and stderr is a terminal, else the plain iterable.

    A redirected log gets the per-epoch lines only, not thousands of bar redraws."""
    if disable or not _PROGRESS or not sys.stderr.isatty():
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, disable=disable, leave=False, dynamic_ncols=True)


def accuracy(model, loader) -> float:
    """Fraction of correct predictions over a DataLoader (model in eval mode, no graph)."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += int((model(x).argmax(1) == y).sum())
            total += len(y)
    model.train()
    return correct / total


def out_dir() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT
