"""Where one training step's time goes, op by op.

    python benchmarks/breakdown.py e_tiny_gpt [--steps 10] [--repeats 3]

Runs a workload from ``workloads.py`` in glasstorch with a timer around
every op's forward, every backward formula the engine calls on arrays, the
optimizer's ``step`` and NumPy's ``matmul`` (which the layers call for their
products), and prints milliseconds per step for each, from the fastest of
``--repeats`` runs of ``--steps`` steps. The timers add a few microseconds
per call, so the step is a little slower than under ``run.py``; what is not
listed is Python outside the ops (modules, the engine's loop).
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np
from workloads import WORKLOADS

import glasstorch as gt
from glasstorch.autograd.function import Function

_CLOCK = time.perf_counter
_MATMUL = "np.matmul"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _owner(method) -> str:
    """The class that defines a static method (subclasses sharing it count as one op)."""
    return method.__func__.__qualname__.rsplit(".", 1)[0]


def _timed(fn, key, totals, counts):
    def wrapper(*args, **kwargs):
        start = _CLOCK()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] += _CLOCK() - start
            counts[key] += 1

    return wrapper


def instrument(totals, counts) -> None:
    """Put a timer around every op's forward and array backward, optimizers' step and matmul."""
    for cls in set(_subclasses(Function)):
        fwd = cls.__dict__.get("forward")
        if isinstance(fwd, staticmethod):
            cls.forward = staticmethod(_timed(fwd.__func__, f"{_owner(fwd)} forward", totals, counts))
        node_cls = cls.__dict__.get("_node_cls")
        raw = None if node_cls is None else node_cls.__dict__.get("_raw_backward")
        if raw is not None:
            node_cls._raw_backward = staticmethod(_timed(raw.__func__, f"{_owner(raw)} backward", totals, counts))
    for opt in set(_subclasses(gt.optim.Optimizer)):
        if "step" in opt.__dict__:
            opt.step = _timed(opt.__dict__["step"], f"{opt.__name__}.step", totals, counts)
    np.matmul = _timed(np.matmul, _MATMUL, totals, counts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    totals, counts = collections.defaultdict(float), collections.Counter()
    instrument(totals, counts)
    step, _ = WORKLOADS[args.workload](gt)
    for _ in range(3):
        step()
    best = None
    for _ in range(args.repeats):
        totals.clear()
        counts.clear()
        start = _CLOCK()
        for _ in range(args.steps):
            step()
        per_step = (_CLOCK() - start) / args.steps
        if best is None or per_step < best[0]:
            best = (per_step, dict(totals), dict(counts))
    per_step, totals, counts = best
    print(f"{args.workload}: {per_step * 1e3:.2f} ms per training step (fastest of {args.repeats} x {args.steps})\n")
    print("| op | ms per step | calls per step | share of the step |")
    print("|---|---:|---:|---:|")
    products = totals.pop(_MATMUL, 0.0)
    for key, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        ms = total / args.steps * 1e3
        if ms >= 0.01:
            print(f"| {key} | {ms:.2f} | {counts[key] // args.steps} | {total / args.steps / per_step:.0%} |")
    print(f"\nof which NumPy's matmul (the matrix products): {products / args.steps * 1e3:.2f} ms per step "
          f"in {counts.get(_MATMUL, 0) // args.steps} calls, {products / args.steps / per_step:.0%} of the step")


if __name__ == "__main__":
    main()
