"""Do elementwise kernels gain from the second core? A probe on a training step.

    python benchmarks/split_kernels.py [c_resnet] [--steps 4]
    OPENBLAS_THREAD_TIMEOUT=4 python benchmarks/split_kernels.py c_resnet

NumPy runs every kernel but the matrix products on one core; OpenBLAS runs the
products on both. PyTorch splits its elementwise kernels over both cores too.
This probe measures what that would give glasstorch: it runs the eager step of
a workload with ReLU (forward and backward) and im2col as they are, and again
with each of them split in two halves along the first axis, one half on a
helper thread (NumPy releases the GIL inside those loops). Splitting an
elementwise kernel or a copy changes no bit, so the two runs must give the
same losses; the probe checks that, then prints the median ms per step of each
in alternating blocks of ``--steps`` steps on the one model.

OpenBLAS's idle workers spin for a while after each product before they sleep
(``OPENBLAS_THREAD_TIMEOUT``, a power of two in cycles, 2**28 by default; the
variable is read when NumPy loads). Run the probe with and without a short
timeout to see both.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from run import _timed  # noqa: E402
from workloads import WORKLOADS  # noqa: E402  (sets GLASSTORCH_MALLOPT before glasstorch loads)

import glasstorch as gt  # noqa: E402
from glasstorch.ops import conv as conv_ops  # noqa: E402
from glasstorch.ops.pointwise import piecewise  # noqa: E402

SPLIT_FROM = 1 << 18  # elements: below this a kernel stays whole (the hand-off costs tens of microseconds)
_helper = ThreadPoolExecutor(1)


def _in_halves(kernel, n: int) -> None:
    """``kernel(lo, hi)`` over ``[0, n)``: the upper half on the helper thread."""
    mid = n // 2
    upper = _helper.submit(kernel, mid, n)
    kernel(0, mid)
    upper.result()


class Split:
    """Swaps ReLU's kernels and im2col for split ones while on (a context manager)."""

    def __init__(self) -> None:
        self.whole = (piecewise.Relu.forward, piecewise.Relu.backward_arrays, conv_ops.im2col)

    def __enter__(self):
        piecewise.Relu.forward = staticmethod(_relu_forward(self.whole[0]))
        piecewise.Relu.backward_arrays = staticmethod(_relu_backward(self.whole[1]))
        conv_ops.im2col = _im2col(self.whole[2])
        return self

    def __exit__(self, *exc) -> None:
        piecewise.Relu.forward = staticmethod(self.whole[0])
        piecewise.Relu.backward_arrays = staticmethod(self.whole[1])
        conv_ops.im2col = self.whole[2]


def _relu_forward(whole):
    def forward(ctx, x):
        if x.size < SPLIT_FROM:
            return whole(ctx, x)
        out = np.empty_like(x)
        _in_halves(lambda lo, hi: np.maximum(x[lo:hi], 0, out=out[lo:hi]), x.shape[0])
        ctx.save_for_backward(out)
        return out
    return forward


def _relu_backward(whole):
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if out.size < SPLIT_FROM:
            return whole(ctx, grad)
        res = np.empty(out.shape, grad.dtype)

        def part(lo, hi):  # the same four ufuncs as the whole kernel, on rows lo:hi
            keep = np.less_equal(out[lo:hi], 0)
            np.logical_not(keep, out=keep)
            np.multiply(grad[lo:hi], keep.astype(grad.dtype), out=res[lo:hi])

        _in_halves(part, out.shape[0])
        return res
    return backward


def _im2col(whole):
    def im2col(x, geom, allow_view=True):
        if x.size * geom.ksize < SPLIT_FROM or (allow_view and geom.ksize == 1):
            return whole(x, geom, allow_view)
        xpad = conv_ops._pad_cf(x, geom)
        cols = np.empty((xpad.shape[0], geom.ksize, xpad.shape[1]) + geom.out_sp, dtype=x.dtype)
        offsets = list(geom.offsets())

        def part(lo, hi):  # channels lo:hi, every kernel offset
            for q, key in offsets:
                cols[lo:hi, q] = xpad[(slice(lo, hi), slice(None)) + key]

        _in_halves(part, xpad.shape[0])
        return cols
    return im2col


def losses(name: str, split: bool, steps: int) -> list:
    step, _ = WORKLOADS[name](gt)
    if not split:
        return [step().item() for _ in range(steps)]
    with Split():
        return [step().item() for _ in range(steps)]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", nargs="?", default="c_resnet", choices=sorted(set(WORKLOADS) - {"f_100_small_ops"}))
    ap.add_argument("--steps", type=int, default=4)
    args = ap.parse_args(argv)
    whole, split = losses(args.workload, False, 3), losses(args.workload, True, 3)
    if whole != split:
        raise SystemExit(f"the split kernels changed the losses: {whole} against {split}")
    step, _ = WORKLOADS[args.workload](gt)
    for _ in range(2):
        step()
    times: dict = {"one thread": [], "split": []}
    for mode in ("one thread", "split", "split", "one thread") * 3:
        with Split() if mode == "split" else contextlib.nullcontext():
            step()  # the first step after a switch pays for the caches
            times[mode].extend(_timed(step) for _ in range(args.steps))
    ms = {mode: 1000 * statistics.median(t) for mode, t in times.items()}
    print(f"{args.workload}: losses equal over 3 steps; ms per eager step: one thread {ms['one thread']:.2f}, "
          f"split {ms['split']:.2f} (x{ms['split'] / ms['one thread']:.2f})")
    return ms


if __name__ == "__main__":
    main()
