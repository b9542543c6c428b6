"""Row, column and batch-norm sums: NumPy's reduction against the ones-product kernel.

    PYTHONPATH=src OPENBLAS_NUM_THREADS=1 python benchmarks/sum_kernel.py [--repeats 7]

For each case (which axes, shape, dtype) prints the best-of-``--repeats``
CPU time (steadier than wall time on a shared machine) of ``kernels.sum_axes_plain`` and of the product path of
``kernels.sum_axes`` (forced on, whatever the size rule says), in
microseconds, and their ratio; then the same for ``max_axis`` (halving)
against ``max_axis_plain``. The size and row-length rules in
``glasstorch/kernels.py`` are chosen from this table, run with one and
with two BLAS threads.
"""

from __future__ import annotations

import argparse
import time
import timeit

import numpy as np

from glasstorch import kernels

CASES = [  # (name, axes, shape)
    ("rows", -1, (16, 16)), ("rows", -1, (64, 32)), ("rows", -1, (128, 32)), ("rows", -1, (256, 64)),
    ("rows", -1, (1024, 64)), ("rows", -1, (4096, 64)), ("rows", -1, (16, 4, 64, 64)),
    ("rows", -1, (128, 10)), ("rows", -1, (4096, 1024)),
    ("columns", 0, (16, 16)), ("columns", 0, (64, 32)), ("columns", 0, (128, 10)),
    ("columns", 0, (128, 32)), ("columns", 0, (128, 256)), ("columns", 0, (128, 512)),
    ("columns", 0, (1024, 64)), ("columns", 0, (4096, 1024)),
    ("axes 0,2", (0, 2), (4, 8, 16)), ("axes 0,2", (0, 2), (8, 8, 64)), ("axes 0,2", (0, 2), (16, 16, 64)),
    ("axes 0,2", (0, 2), (64, 32, 256)), ("axes 0,2", (0, 2), (64, 64, 1024)),
    ("axes 0,2", (0, 2), (1, 1024, 128)),
]

MAX_CASES = [(64, 32), (128, 10), (128, 32), (256, 64), (1024, 64), (4096, 64), (16, 4, 64, 64), (256, 1024),
             (4096, 1024)]


def _best(fn, repeats: int) -> float:
    number = 50
    return min(timeit.repeat(fn, number=number, repeat=repeats, timer=time.process_time)) / number * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    # time the fast paths at every size and row length
    kernels.SUM_BY_PRODUCT_MIN_SIZE = kernels.MAX_BY_HALVING_MIN_SIZE = 0
    kernels.SUM_BY_PRODUCT_MAX_RUN = kernels.MAX_BY_HALVING_MAX_RUN = kernels.SUM_BY_PRODUCT_MAX_SIZE = 1 << 62
    print(f"{'case':10s} {'shape':>18s} {'dtype':>8s} {'size':>9s} {'plain us':>10s} {'fast us':>11s} "
          f"{'plain/fast':>14s}")
    for name, axes, shape in CASES:
        for dtype in (np.float32, np.float64):
            a = rng.standard_normal(shape).astype(dtype)
            plain = _best(lambda a=a, axes=axes: kernels.sum_axes_plain(a, axes), args.repeats)
            fast = _best(lambda a=a, axes=axes: kernels.sum_axes(a, axes), args.repeats)
            _row(name, shape, a, plain, fast)
    for shape in MAX_CASES:
        for dtype in (np.float32, np.float64):
            a = rng.standard_normal(shape).astype(dtype)
            plain = _best(lambda a=a: kernels.max_axis_plain(a, -1), args.repeats)
            fast = _best(lambda a=a: kernels.max_axis(a, -1), args.repeats)
            _row("max rows", shape, a, plain, fast)


def _row(name, shape, a, plain, fast) -> None:
    print(f"{name:10s} {str(shape):>18s} {a.dtype.name:>8s} {a.size:9d} {plain:10.1f} {fast:11.1f} "
          f"{plain / fast:14.2f}", flush=True)


if __name__ == "__main__":
    main()
