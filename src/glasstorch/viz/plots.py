"""Training plots (needs the optional ``matplotlib`` extra).

Every function takes plain numbers, arrays or tensors, draws one figure,
saves it as a PNG to ``path`` (``None``: not saved) and returns the
matplotlib figure, so in a notebook it shows inline. Tensors are read to the
host with ``backend.to_numpy`` first: matplotlib draws host arrays.
"""

# host module: plots host copies of the values
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["plot_curves", "plot_decision_boundary", "plot_image_grid", "plot_filters"]


def _plt():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'glasstorch[plot]'") from None
    import sys

    # A script with no backend chosen draws off-screen; a notebook (its kernel sets MPLBACKEND)
    # or a program that already imported pyplot keeps its own, so figures still show inline.
    if "matplotlib.pyplot" not in sys.modules and "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _np(x) -> np.ndarray:
    """``x`` (a tensor, an array, numbers, or a list of scalar tensors) on the host."""
    if isinstance(x, Tensor):
        return backend.to_numpy(x._data)
    if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x):
        return np.asarray([backend.to_numpy(v._data) if isinstance(v, Tensor) else v for v in x])
    return np.asarray(x)


def _save(fig, path, dpi):
    """Write ``fig`` to ``path`` (unless it is None) and hand the figure back: returned as the
    last value of a notebook cell, it shows inline."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
        import matplotlib.pyplot as plt

        plt.close(fig)  # saved: pyplot no longer needs to track it (it still renders in a notebook)
    return fig


def plot_curves(path, curves: dict, *, xlabel: str = "step", title: str | None = None,
                secondary: dict | None = None, smooth: int = 1, size=(6.4, 4.0), dpi: int = 100,
                ylabel: str | None = None, secondary_ylabel: str | None = None):
    """Line plot of named series, e.g. ``{"train loss": losses}``; ``secondary`` goes on a right axis
    (e.g. accuracy per epoch: each value drawn as a labelled point at the end of its span);
    ``smooth`` > 1 adds a moving average. The axes are labelled with ``ylabel`` and
    ``secondary_ylabel``, by default the series' name when there is one."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=size)
    for name, ys in curves.items():
        ys = _np(ys).astype(float).ravel()
        xs = np.arange(1, len(ys) + 1)
        line, = ax.plot(xs, ys, alpha=0.35 if smooth > 1 else 1.0, label=None if smooth > 1 else name)
        if smooth > 1 and len(ys) >= smooth:
            avg = np.convolve(ys, np.ones(smooth) / smooth, mode="valid")
            ax.plot(xs[smooth - 1:], avg, color=line.get_color(), label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or (next(iter(curves)) if len(curves) == 1 else "value"))
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if secondary:
        ax2 = ax.twinx()
        steps = len(_np(next(iter(curves.values()))).ravel()) if curves else None
        for i, (name, ys) in enumerate(secondary.items()):
            ys = _np(ys).astype(float).ravel()
            # one value per epoch (or per eval): drawn at the step where it was measured, the end of its span
            xs = np.arange(1, len(ys) + 1) * (steps / len(ys)) if steps else np.arange(1, len(ys) + 1)
            color = f"C{len(curves) + i}"
            ax2.plot(xs, ys, "o-", color=color, label=name)
            if len(ys) <= 20:  # few points (one per epoch): each value written beside its point
                for x, y in zip(xs, ys):
                    ax2.annotate(f"{y:.4g}", (x, y), textcoords="offset points", xytext=(0, 7),
                                 ha="center", fontsize=8, color=color)
        if steps and len(secondary) == 1 and 1 < len(ys) <= 20:
            for x in xs[:-1]:  # where one epoch (or eval span) ends and the next begins
                ax.axvline(x, color="0.6", linestyle=":", linewidth=0.8)
        ax2.margins(y=0.25)  # room above the top point for its value
        ax2.set_ylabel(secondary_ylabel or (next(iter(secondary)) if len(secondary) == 1 else "value"))
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    if handles:
        # with a right axis "best" only sees the left one: the top middle is clear of both
        # once a loss has fallen and an accuracy has risen
        ax.legend(handles, labels, loc="upper center" if secondary else "best")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path, dpi)


def plot_decision_boundary(path, predict, X, y, *, resolution: int = 200, title: str | None = None,
                           size=(5.0, 5.0), dpi: int = 100):
    """Colour the plane by ``predict`` (a function from an (n, 2) tensor to class scores or labels)
    and scatter the 2-D points ``X`` with labels ``y`` on top."""
    plt = _plt()
    from ..autograd.grad_mode import no_grad

    X, y = _np(X), _np(y)
    pad = 0.5
    x0, x1 = X[:, 0].min() - pad, X[:, 0].max() + pad
    y0, y1 = X[:, 1].min() - pad, X[:, 1].max() + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    with no_grad():
        out = _np(predict(Tensor._make(backend.from_numpy(grid), False, None, 0)))
    labels = out.argmax(1) if out.ndim == 2 and out.shape[1] > 1 else (out.ravel() > (0.5 if out.min() >= 0 else 0))
    fig, ax = plt.subplots(figsize=size)
    ax.contourf(gx, gy, labels.reshape(gx.shape), alpha=0.3, cmap="coolwarm", levels=np.arange(-0.5, y.max() + 1))
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path, dpi)


def plot_image_grid(path, images, labels=None, predictions=None, *, class_names=None, ncols: int = 8,
                    title: str | None = None, dpi: int = 100):
    """A grid of images (N, C, H, W) or (N, H, W); titles show true and predicted labels,
    wrong predictions in red."""
    plt = _plt()
    imgs = _np(images)
    if imgs.ndim == 4:
        imgs = imgs[:, 0] if imgs.shape[1] == 1 else imgs.transpose(0, 2, 3, 1)
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.5 * nrows), squeeze=False)
    labels = None if labels is None else _np(labels)
    predictions = None if predictions is None else _np(predictions)

    def name(k):
        return class_names[int(k)] if class_names is not None else str(int(k))

    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        img = imgs[i]
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        parts = []
        if labels is not None:
            parts.append(f"true {name(labels[i])}")
        if predictions is not None:
            parts.append(f"pred {name(predictions[i])}")
        if parts:
            wrong = labels is not None and predictions is not None and labels[i] != predictions[i]
            ax.set_title("\n".join(parts), fontsize=7, color="red" if wrong else "black")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path, dpi)


def plot_filters(path, weight, *, ncols: int = 8, title: str | None = None, dpi: int = 100):
    """The first-layer conv filters (out_channels, in_channels, kH, kW) as small images."""
    plt = _plt()
    w = _np(weight)
    if w.ndim != 4:
        raise ValueError(f"expected a conv weight of 4 dims (out, in, kH, kW), got shape {tuple(w.shape)}")
    if w.shape[1] == 3:
        imgs = w.transpose(0, 2, 3, 1)
        lo = imgs.min(axis=(1, 2, 3), keepdims=True)
        hi = imgs.max(axis=(1, 2, 3), keepdims=True)
        imgs = (imgs - lo) / np.maximum(hi - lo, 1e-12)
    else:
        imgs = w[:, 0]
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.0 * ncols, 1.0 * nrows + (0.4 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i], cmap="gray" if imgs[i].ndim == 2 else None)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path, dpi)
