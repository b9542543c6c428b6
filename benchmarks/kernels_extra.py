"""GELU with its derivative, rows summed by index and stride-1 transposed
convolution: each kernel against its plain twin in ``glasstorch.kernels``.

    PYTHONPATH=src python benchmarks/kernels_extra.py [gelu|rows|conv ...]

CPU time (``time.process_time``) per call, best of 5 repeats; on a shared
machine the ratio is the figure to read. OPENBLAS_NUM_THREADS changes the
conv figures (both ways run BLAS products).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from glasstorch import kernels
from glasstorch.ops.conv import ConvGeometry, _conv_transpose_plain


def best(fn, number: int, repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.process_time()
        for _ in range(number):
            fn()
        times.append((time.process_time() - t) / number)
    return min(times)


def report(name: str, fast, plain, number: int) -> None:
    tf, tp = best(fast, number), best(plain, number)
    print(f"{name:44s} fast {tf * 1e3:8.2f} ms  plain {tp * 1e3:8.2f} ms  {tp / tf:5.2f}x")


def gelu() -> None:
    rng = np.random.default_rng(0)
    for shape in ((64, 256, 256), (64, 512)):
        for dtype in (np.float32, np.float16):
            x = rng.standard_normal(shape).astype(dtype)
            n = max(1, 2_000_000 // x.size)
            report(f"gelu+derivative {shape} {np.dtype(dtype).name}",
                   lambda x=x: kernels.gelu_and_derivative(x, True),
                   lambda x=x: kernels.gelu_and_derivative_plain(x, True), n)


def rows() -> None:
    rng = np.random.default_rng(1)
    for n, rows_, width in ((65536, 10000, 64), (4096, 1000, 128), (256, 50, 16)):
        idx = rng.integers(0, rows_, n)
        g = rng.standard_normal((n, width)).astype(np.float32)
        out = np.zeros((rows_, width), np.float32)
        report(f"sum_rows_into {n} rows of {width} into {rows_}",
               lambda out=out, idx=idx, g=g: kernels.sum_rows_into(out, idx, g),
               lambda out=out, idx=idx, g=g: kernels.sum_rows_into_plain(out, idx, g), max(1, 200_000 // (n * width) * 10))


def conv() -> None:
    rng = np.random.default_rng(2)
    for n, c, o, sp in ((32, 64, 64, (32, 32)), (64, 6, 16, (14, 14)), (8, 32, 32, (16, 16))):
        geom = ConvGeometry((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1, sp)
        g = rng.standard_normal((n, o) + geom.out_sp).astype(np.float32)
        wmat = rng.standard_normal((o, c * 9)).astype(np.float32)
        report(f"conv_transpose 3x3 pad 1 {(n, o) + sp} -> {c}",
               lambda g=g, w=wmat, geom=geom, c=c: kernels.conv_transpose(g, w, geom, c),
               lambda g=g, w=wmat, geom=geom, c=c: _conv_transpose_plain(g, w, geom, c), 3)


def main() -> None:
    which = sys.argv[1:] or ["gelu", "rows", "conv"]
    for name in which:
        globals()[name]()


if __name__ == "__main__":
    main()
