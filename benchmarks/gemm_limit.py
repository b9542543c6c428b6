"""The bare matrix products of one training step: NumPy's BLAS against PyTorch's.

    python benchmarks/gemm_limit.py

For each workload, the GEMMs its forward and backward must do (shapes taken
from the layers: forward ``x @ W.T``, backward ``g @ W`` and ``g.T @ x``;
convolutions as their im2col products) are timed with nothing else around
them, in NumPy and in PyTorch with the same thread count. As in run.py, each
framework runs in its own process (their thread pools never compete), the
rounds alternate which goes first, and the ratio is the median of the
per-round ratios. It is the floor a NumPy framework cannot go below on that
workload on this machine.

    python benchmarks/gemm_limit.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np
from run import _threads


def _linear(m, k, n, times=1):
    """The three products of a linear layer with batch m, k inputs, n outputs."""
    return [(m, k, n, times), (m, n, k, times), (n, m, k, times)]


GEMMS = {
    "a_mlp": _linear(128, 784, 512) + _linear(128, 512, 256) + _linear(128, 256, 10),
    # conv as im2col: (batch*positions, C*k*k) @ (C*k*k, out channels)
    "b_lenet5": _linear(64 * 28 * 28, 25, 6) + _linear(64 * 10 * 10, 150, 16)
    + _linear(64, 400, 120) + _linear(64, 120, 84) + _linear(64, 84, 10),
    "c_resnet": _linear(64 * 32 * 32, 27, 32) + _linear(64 * 32 * 32, 288, 32)
    + _linear(64 * 16 * 16, 288, 64) + _linear(64 * 16 * 16, 576, 64) + _linear(64, 64, 10),
    # gates on rows, as the LSTM layer runs: each step's input projection (bias as a
    # row of ones) and one recurrent product forward and one backward; then the
    # gradients of the input, W_ih and W_hh as one product each over all steps
    "d_char_lstm": [(1024, 65, 32, 64), (1024, 256, 32, 64), (256, 1024, 32, 64), (32 * 64, 1024, 64, 1),
                    (1024, 32 * 64, 64, 1), (1024, 32 * 64, 256, 1)] + _linear(32 * 64, 256, 65),
    "e_tiny_gpt": 2 * (_linear(1024, 128, 384) + _linear(1024, 128, 128) + _linear(1024, 128, 512)
                       + _linear(1024, 512, 128)) + _linear(1024, 128, 65),
}
# attention: per block, (B*heads) batched (T x d) @ (d x T) and (T x T) @ (T x d), forward and backward
ATTENTION = {"e_tiny_gpt": [(64, 64, 32, 64, 2 * 3), (64, 64, 64, 32, 2 * 3)]}


def _time(fn, repeats=21, warmup=5):
    # warm-up: thread pools started, and glibc's malloc settled on reusing
    # blocks for the large outputs instead of mapping fresh pages every call
    for _ in range(warmup):
        fn()
    best = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t)
    return float(np.median(best))


def _products(name, framework):
    """The workload's products as (function, a, b) in one framework, and their FLOPs."""
    rng = np.random.default_rng(0)
    if framework == "torch":
        import torch

        torch.set_num_threads(_threads())
        mm, conv = torch.matmul, torch.from_numpy
    else:
        import glasstorch.backend  # noqa: F401  (the malloc settings a glasstorch step runs under)

        mm, conv = np.matmul, (lambda a: a)
    ops = []
    for m, k, n, times in GEMMS[name]:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        ops += [(mm, conv(a), conv(b))] * times
    for bt, m, k, n, times in ATTENTION.get(name, []):
        a = rng.standard_normal((bt, m, k), dtype=np.float32)
        b = rng.standard_normal((bt, k, n), dtype=np.float32)
        ops += [(mm, conv(a), conv(b))] * times
    return ops


def child(name, framework) -> float:
    ops = _products(name, framework)
    return _time(lambda: [f(a, b) for f, a, b in ops])


def measure(name, rounds):
    """Median seconds per framework and the median per-round ratio NumPy / PyTorch."""
    times = {"numpy": [], "torch": []}
    ratios = []
    for r in range(rounds):
        order = ("numpy", "torch") if r % 2 == 0 else ("torch", "numpy")
        got = {}
        for fw in order:
            cmd = [sys.executable, __file__, "--child", name, fw]
            got[fw] = float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()[-1])
            times[fw].append(got[fw])
        ratios.append(got["numpy"] / got["torch"])
    flops = sum(2 * m * k * n * t for m, k, n, t in GEMMS[name])
    return statistics.median(times["numpy"]), statistics.median(times["torch"]), statistics.median(ratios), flops


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(child(sys.argv[2], sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    import torch

    print(f"threads: {_threads()}   numpy {np.__version__}   torch {torch.__version__}   "
          f"{args.rounds} rounds, each framework in its own process\n")
    print("| workload | NumPy GEMMs (ms) | PyTorch GEMMs (ms) | ratio (median of rounds) | NumPy GFLOP/s |")
    print("|---|---:|---:|---:|---:|")
    for name in GEMMS:
        t_np, t_th, ratio, flops = measure(name, args.rounds)
        print(f"| {name} | {t_np * 1e3:.2f} | {t_th * 1e3:.2f} | {ratio:.2f} | {flops / t_np / 1e9:.0f} |")


if __name__ == "__main__":
    main()
