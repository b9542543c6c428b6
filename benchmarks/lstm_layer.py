"""Char-LSTM layer shape, forward + backward: glasstorch nn.LSTM vs torch's built-in nn.LSTM.

    python benchmarks/lstm_layer.py [--repeats 20]

Shape of workload d: batch 32, sequence 64, input (embedding) 64, hidden 256, float32.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("GLASSTORCH_MALLOPT", "1")  # figures are with malloc tuned (glasstorch.backend.tune_malloc)


def _time(step, repeats: int) -> float:
    for _ in range(3):
        step()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t)
    return best


def _build(fw, x_np):
    fw.manual_seed(0)
    lstm = fw.nn.LSTM(64, 256, batch_first=True)
    x = fw.tensor(x_np, requires_grad=True) if fw.__name__ == "glasstorch" else fw.from_numpy(x_np).requires_grad_()

    def step():
        out, _ = lstm(x)
        out.sum().backward()

    return step


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    import torch

    import glasstorch
    import glasstorch.nn  # noqa: F401

    x = np.random.default_rng(0).standard_normal((32, 64, 64)).astype(np.float32)
    t_torch = _time(_build(torch, x), args.repeats)
    t_gt = _time(_build(glasstorch, x), args.repeats)
    print(f"torch nn.LSTM      {t_torch * 1e3:8.2f} ms")
    print(f"glasstorch nn.LSTM {t_gt * 1e3:8.2f} ms   ratio {t_gt / t_torch:.2f}x")


if __name__ == "__main__":
    main()
