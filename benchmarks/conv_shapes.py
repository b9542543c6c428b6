"""Conv2d forward + backward (grad input and grad weight), glasstorch vs PyTorch, float32.

    python benchmarks/conv_shapes.py [--repeat 7]
    OPENBLAS_NUM_THREADS=1 python benchmarks/conv_shapes.py --threads 1   # one core each

Shapes are the convolution layers of the LeNet-5 and small-ResNet workloads.
Prints the best CPU milliseconds (process time, all threads) of one forward and of
one forward+backward: CPU time stays meaningful on a machine shared with other jobs.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

os.environ.setdefault("GLASSTORCH_MALLOPT", "1")  # figures are with malloc tuned (glasstorch.backend.tune_malloc)
import glasstorch as gt  # noqa: E402
import glasstorch.nn  # noqa: E402,F401

SHAPES = {  # N, C_in, C_out, H (=W), kernel, stride, padding
    "lenet conv1 1->6 28x28 k5 p2": (64, 1, 6, 28, 5, 1, 2),
    "lenet conv2 6->16 14x14 k5": (64, 6, 16, 14, 5, 1, 0),
    "resnet 3->32 32x32 k3 p1": (64, 3, 32, 32, 3, 1, 1),
    "resnet 32->32 32x32 k3 p1": (64, 32, 32, 32, 3, 1, 1),
    "resnet 32->64 32x32 k3 s2 p1": (64, 32, 64, 32, 3, 2, 1),
    "resnet 64->64 16x16 k3 p1": (64, 64, 64, 16, 3, 1, 1),
    "resnet 32->64 1x1 s2": (64, 32, 64, 32, 1, 2, 0),
}


def _best_ms(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return 1e3 * min(times)


def _timings(lib, spec, repeat):
    N, ci, co, hw, k, s, p = spec
    lib.manual_seed(0)
    conv = lib.nn.Conv2d(ci, co, k, stride=s, padding=p)
    x = lib.from_numpy(np.random.default_rng(0).standard_normal((N, ci, hw, hw)).astype(np.float32))
    x.requires_grad_(ci > 1)  # the first layer of a network needs no input gradient
    g = lib.ones_like(conv(x))

    def fwd():
        with lib.no_grad():
            conv(x)

    def fwd_bwd():
        conv(x).backward(g)

    return _best_ms(fwd, repeat), _best_ms(fwd_bwd, repeat)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (match OPENBLAS_NUM_THREADS)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{'shape':32s} {'gt fwd':>8s} {'torch fwd':>10s} {'gt f+b':>8s} {'torch f+b':>10s} {'ratio f+b':>10s}")
    for name, spec in SHAPES.items():
        gf, gfb = _timings(gt, spec, args.repeat)
        tf, tfb = _timings(torch, spec, args.repeat)
        print(f"{name:32s} {gf:8.2f} {tf:10.2f} {gfb:8.2f} {tfb:10.2f} {gfb / tfb:10.2f}")


if __name__ == "__main__":
    main()
