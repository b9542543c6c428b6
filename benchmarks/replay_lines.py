"""Where a compiled step's time goes: each line of the replayed program, timed.

    python benchmarks/replay_lines.py c_resnet [--steps 6] [--top 25]

Builds a workload of ``benchmarks/workloads.py``, compiles its training step,
and times the eager step, the compiled step and the compiled program alone
(median ms, wall clock, in alternating blocks of ``--steps`` steps: see
``run.same_process_blocks``). Then it
replays the step under a line tracer and prints the lines that took longest,
and the totals per op and per kind (matrix products, other kernels). The
tracer adds about a microsecond per line, so its totals run a little above the
untraced step. Run it with ``OPENBLAS_NUM_THREADS=1`` to read CPU work rather
than the two threads' overlap.
"""

from __future__ import annotations

import argparse
import linecache
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import same_process_blocks  # noqa: E402
from workloads import WORKLOADS  # noqa: E402  (sets GLASSTORCH_MALLOPT before glasstorch loads)

import glasstorch as gt  # noqa: E402


def trace_lines(fn, steps: int) -> dict:
    """Seconds per (file, line) of the generated programs, over ``steps`` calls."""
    spent: dict = {}
    state = {"at": None, "t": 0.0}

    def local(frame, event, arg):
        now = time.perf_counter()
        if state["at"] is not None:
            spent[state["at"]] = spent.get(state["at"], 0.0) + now - state["t"]
        state["at"] = (frame.f_code.co_filename, frame.f_lineno) if event == "line" else None
        state["t"] = time.perf_counter()
        return local

    def enter(frame, event, arg):
        if not frame.f_code.co_filename.startswith("<glasstorch.compile"):
            return None
        state["at"] = None
        return local

    sys.settrace(enter)
    try:
        for _ in range(steps):
            fn()
    finally:
        sys.settrace(None)
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    step, _ = WORKLOADS[args.workload](gt)
    compiled = gt.compile(step)
    for _ in range(4):  # eager, eager, capture, replay
        compiled()
    got = same_process_blocks(step, compiled, args.steps * 4)
    eager, replay, alone = got["eager_ms"], got["median_ms"], got["program_ms"]
    print(f"{args.workload}: eager {eager:.2f} ms, compiled {replay:.2f} ms (x{replay / eager:.2f}), "
          f"the program alone {alone:.2f} ms (x{alone / eager:.2f})")
    spent = trace_lines(compiled, args.steps)
    total = sum(spent.values())
    print(f"traced: {1000 * total / args.steps:.2f} ms per step over {len(spent)} lines\n")
    by_op: Counter = Counter()
    for (name, line), s in spent.items():
        src = linecache.getline(name, line).strip()
        op = src.split("# ")[-1].split(" (")[0] if "  # " in src else "(no op)"
        by_op[(op, "matmul" if "matmul" in src else "other")] += s
    for (name, line), s in sorted(spent.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{1000 * s / args.steps:8.3f} ms {100 * s / total:5.1f}%  {linecache.getline(name, line).strip()[:110]}")
    print("\nper op and kind:")
    for (op, kind), s in by_op.most_common(args.top):
        print(f"{1000 * s / args.steps:8.3f} ms {100 * s / total:5.1f}%  {kind:6s} {op}")


if __name__ == "__main__":
    main()
