"""Training plots write valid PNG files of the requested size."""

from __future__ import annotations

import struct

import numpy as np
import pytest

import glasstorch as gt

pytest.importorskip("matplotlib")
from glasstorch.viz import plots  # noqa: E402


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


def test_curves(tmp_path):
    losses = gt.tensor(np.exp(-np.arange(50) / 10.0))
    fig = plots.plot_curves(tmp_path / "loss.png", {"train": losses}, secondary={"acc": [0.5, 0.9]},
                            smooth=5, size=(6.4, 4.0), dpi=50)
    assert _png_size(tmp_path / "loss.png") == (320, 200)
    # the figure comes back (a notebook shows it inline), with the axes' labels
    assert fig.axes[0].get_xlabel() == "step" and len(fig.axes) == 2
    assert plots.plot_curves(None, {"train": losses}).axes[0].lines  # None: drawn, not saved


def test_decision_boundary(tmp_path):
    from glasstorch.datasets import make_moons

    X, y = make_moons(100, noise=0.1, seed=0)
    w = gt.tensor([[1.0, -1.0], [-1.0, 1.0]])
    plots.plot_decision_boundary(tmp_path / "db.png", lambda t: t @ w, X, y, resolution=50,
                                 size=(4, 4), dpi=50)
    assert _png_size(tmp_path / "db.png") == (200, 200)


def test_image_grid_and_filters(tmp_path):
    imgs = gt.rand(12, 1, 28, 28)
    plots.plot_image_grid(tmp_path / "grid.png", imgs, labels=gt.arange(12) % 10,
                          predictions=gt.zeros(12, dtype=gt.int64), ncols=6, dpi=50)
    w, h = _png_size(tmp_path / "grid.png")
    assert (w, h) == (int(1.3 * 6 * 50), int(1.5 * 2 * 50))
    plots.plot_filters(tmp_path / "filters.png", gt.randn(6, 1, 5, 5), ncols=6, dpi=50)
    assert _png_size(tmp_path / "filters.png") == (300, 50)
    with pytest.raises(ValueError, match="expected a conv weight of 4 dims"):
        plots.plot_filters(tmp_path / "bad.png", gt.randn(6, 5))
