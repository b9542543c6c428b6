"""Small 2-D classification sets for teaching (seeded, no files).

The points are drawn on the host with NumPy and become tensors through
``backend.from_numpy``.
"""

# host module: draws synthetic points on the host

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["make_moons", "make_circles", "make_spirals", "make_blobs", "make_xor"]


def _rng(seed):
    if seed is None:
        from ..random import default_generator

        seed = int(default_generator._rng.integers(0, 2 ** 62))
    return np.random.default_rng(seed)


def _out(x, y):
    return (Tensor._make(backend.from_numpy(x.astype(np.float32)), False, None, 0),
            Tensor._make(backend.from_numpy(y.astype(np.int64)), False, None, 0))


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: int | None = None):
    """Two interleaving half circles. Returns ``(X, y)``: (n, 2) float32 and (n,) int64."""
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, math.pi, n_out)
    t_in = np.linspace(0, math.pi, n_in)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    x = x + noise * rng.standard_normal(x.shape)
    perm = rng.permutation(n_samples)
    return _out(x[perm], y[perm])


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.8, seed: int | None = None):
    """A small circle inside a large one."""
    if not 0 <= factor < 1:
        raise ValueError("'factor' has to be between 0 and 1.")
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * math.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * math.pi, n_in, endpoint=False)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    x = x + noise * rng.standard_normal(x.shape)
    perm = rng.permutation(n_samples)
    return _out(x[perm], y[perm])


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = None):
    """``n_classes`` interleaved spiral arms (the classic CS231n toy set)."""
    rng = _rng(seed)
    per = n_samples // n_classes
    xs, ys = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, per)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, per) + noise * rng.standard_normal(per)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(per, k))
    x, y = np.concatenate(xs), np.concatenate(ys)
    perm = rng.permutation(len(y))
    return _out(x[perm], y[perm])


def make_blobs(n_samples: int = 100, centers=3, cluster_std: float = 1.0, n_features: int = 2,
               center_box=(-10.0, 10.0), seed: int | None = None):
    """Gaussian blobs around ``centers`` (a count, or an array of centre points)."""
    rng = _rng(seed)
    if isinstance(centers, int):
        centers = rng.uniform(center_box[0], center_box[1], (centers, n_features))
    centers = np.asarray(centers, dtype=np.float64)
    k = len(centers)
    counts = [n_samples // k + (1 if i < n_samples % k else 0) for i in range(k)]
    x = np.concatenate([c + cluster_std * rng.standard_normal((n, centers.shape[1]))
                        for c, n in zip(centers, counts)])
    y = np.concatenate([np.full(n, i) for i, n in enumerate(counts)])
    perm = rng.permutation(n_samples)
    return _out(x[perm], y[perm])


def make_xor(n_samples: int = 200, noise: float = 0.1, seed: int | None = None):
    """Points in the four quadrants; the label is whether x and y have the same sign."""
    rng = _rng(seed)
    x = rng.uniform(-1, 1, (n_samples, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    x = x + noise * rng.standard_normal(x.shape)
    return _out(x, y)
