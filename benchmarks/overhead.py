"""Per-op overhead: a chain of small elementwise ops, forward + backward.

    python benchmarks/overhead.py [--ops 100] [--size 10] [--repeats 200] [--clock cpu|wall] [--profile]
    python benchmarks/overhead.py --instructions     # needs valgrind
    python benchmarks/overhead.py --bytecodes        # Python bytecodes per op, by function

On a 10-element tensor the arithmetic is free; what is timed is the
framework itself: wrapping arrays, recording graph nodes, walking the graph
backwards. glasstorch and PyTorch (one thread) run the same chain in the
same process, interleaved, and the median over repeats is reported as
microseconds per op; so is the same step under ``glasstorch.compile``
("compiled"), against PyTorch and against the hand-written floor. Time is the process's CPU time (``time.process_time``),
so other programs on a busy machine disturb the figures less; ``--clock
wall`` uses the wall clock instead. ``--profile`` runs glasstorch's chain under cProfile
and prints the functions where the time goes. ``--instructions`` counts the
CPU instructions per op with valgrind's callgrind instead of timing: 200
chains minus none, for glasstorch and for the hand-written floor. The count
does not change with other load on the machine, so it tells a small
improvement from noise. ``--bytecodes`` traces the chain with
``sys.settrace`` and counts the Python bytecodes executed per op, for the
recording and for the backward pass, by function: where the bookkeeping is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def chain(x, n_ops: int):
    """``n_ops`` elementwise ops cycling through mul, add, tanh, sub, sigmoid (a scalar loss at the end)."""
    y = x
    for i in range(n_ops):
        k = i % 5
        if k == 0:
            y = y * 1.01
        elif k == 1:
            y = y + x
        elif k == 2:
            y = y.tanh()
        elif k == 3:
            y = y - 0.5
        else:
            y = y.sigmoid()
    return y.sum()


def numpy_floor(x, n_ops: int):
    """The same chain and its gradient written by hand on arrays: only the
    ufunc calls any NumPy framework must make, with no bookkeeping at all."""
    import numpy as np

    saved = []
    y = x
    for i in range(n_ops):
        k = i % 5
        if k == 0:
            y = y * np.float32(1.01)
        elif k == 1:
            y = y + x
        elif k == 2:
            y = np.tanh(y)
            saved.append(y)
        elif k == 3:
            y = y - np.float32(0.5)
        else:
            y = 1 / (1 + np.exp(-y))
            saved.append(y)
    g = np.ones_like(y)
    gx = np.zeros_like(x)
    for i in reversed(range(n_ops)):
        k = i % 5
        if k == 0:
            g = g * np.float32(1.01)
        elif k == 1:
            gx += g
        elif k == 2:
            t = saved.pop()
            g = g * (1 - t * t)
        elif k == 4:
            s = saved.pop()
            g = g * s * (1 - s)
    return gx + g


def step(fw, x, n_ops: int) -> None:
    x.grad = None
    chain(x, n_ops).backward()


def time_step(fw, x, n_ops: int, clock) -> float:
    t0 = clock()
    step(fw, x, n_ops)
    return clock() - t0


def _count_child(which: str, steps: int, n_ops: int) -> None:
    """Runs under valgrind: import everything, then ``steps`` chains of one kind."""
    import numpy as np

    import glasstorch as gt

    data = np.linspace(-1, 1, 10, dtype=np.float32)
    x = gt.tensor(data, requires_grad=True)
    for _ in range(steps):
        if which == "glasstorch":
            step(gt, x, n_ops)
        else:
            numpy_floor(data, n_ops)


def count_instructions(n_ops: int, steps: int = 200) -> None:
    import re
    import shutil
    import subprocess

    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")

    def total(which, n):
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--count-child", which, str(n), str(n_ops)]
        err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
        return int(re.search(r"Collected : (\d+)", err).group(1))

    print(f"instructions per op (callgrind), chain of {n_ops} ops, {steps} chains minus none")
    for which in ("glasstorch", "numpy by hand"):
        per_op = (total(which, steps) - total(which, 0)) / (steps * n_ops)
        print(f"{which:<14} {per_op / 1000:>7.1f}k")


def count_bytecodes(n_ops: int, most: int = 12) -> None:
    """Python bytecodes executed per op, recording (forward) and backward apart,
    and the functions that execute the most of them."""
    import collections

    import numpy as np

    import glasstorch as gt

    x = gt.tensor(np.linspace(-1, 1, 10, dtype=np.float32), requires_grad=True)
    step(gt, x, n_ops)  # warm up
    x.grad = None
    for phase in ("forward", "backward"):
        counts = collections.Counter()

        def tracer(frame, event, arg, counts=counts):
            frame.f_trace_opcodes = True
            if event == "opcode":
                code = frame.f_code
                counts[f"{Path(code.co_filename).name}:{code.co_name}"] += 1
            return tracer

        if phase == "forward":
            sys.settrace(tracer)
            loss = chain(x, n_ops)
            sys.settrace(None)
        else:
            loss = chain(x, n_ops)
            sys.settrace(tracer)
            loss.backward()
            sys.settrace(None)
            x.grad = None
        print(f"{phase}: {sum(counts.values()) / n_ops:.0f} bytecodes per op")
        for name, n in counts.most_common(most):
            print(f"  {n / n_ops:7.1f}  {name}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--count-child":
        _count_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=100)
    ap.add_argument("--size", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--instructions", action="store_true")
    ap.add_argument("--bytecodes", action="store_true")
    args = ap.parse_args()
    if args.instructions:
        count_instructions(args.ops)
        return
    if args.bytecodes:
        count_bytecodes(args.ops)
        return

    import numpy as np
    import torch

    import glasstorch as gt

    torch.set_num_threads(1)
    data = np.linspace(-1, 1, args.size, dtype=np.float32)
    xs = {"glasstorch": (gt, gt.tensor(data, requires_grad=True)),
          "torch": (torch, torch.tensor(data, requires_grad=True))}
    for fw, x in xs.values():  # warm up (imports, caches)
        for _ in range(20):
            step(fw, x, args.ops)
    # The two gradients agree: the benchmark times the same computation.
    np.testing.assert_allclose(xs["glasstorch"][1].grad.numpy(), xs["torch"][1].grad.numpy(), rtol=1e-4)
    # glasstorch.compile of the same step: captured once, then replayed
    cx = gt.tensor(data, requires_grad=True)
    compiled = gt.compile(lambda: step(gt, cx, args.ops))
    for _ in range(20):
        compiled()
    np.testing.assert_array_equal(cx.grad.numpy(), xs["glasstorch"][1].grad.numpy())

    if args.profile:
        import cProfile
        import pstats

        fw, x = xs["glasstorch"]
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.repeats):
            step(fw, x, args.ops)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(18)
        return

    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    times = {name: [] for name in [*xs, "compiled"]}
    for r in range(args.repeats):
        order = list(xs) if r % 2 == 0 else list(reversed(xs))  # alternate who goes first
        for name in order:
            fw, x = xs[name]
            times[name].append(time_step(fw, x, args.ops, clock))
        t0 = clock()
        compiled()
        times["compiled"].append(clock() - t0)

    floor = []
    for _ in range(args.repeats):
        t0 = clock()
        numpy_floor(data, args.ops)
        floor.append(clock() - t0)
    np.testing.assert_allclose(numpy_floor(data, args.ops), xs["torch"][1].grad.numpy(), rtol=1e-4)

    per_op = {name: 1e6 * statistics.median(t) / args.ops for name, t in times.items()}
    per_op["numpy by hand"] = 1e6 * statistics.median(floor) / args.ops
    print(f"chain of {args.ops} elementwise ops on a {args.size}-element float32 tensor, "
          f"forward + backward, median of {args.repeats} repeats ({args.clock} time)")
    print(f"{'framework':<12} {'us/op':>8} {'ms/chain':>10}")
    for name, us in per_op.items():
        print(f"{name:<12} {us:>8.2f} {us * args.ops / 1000:>10.3f}")
    print(f"ratio glasstorch / torch: {per_op['glasstorch'] / per_op['torch']:.2f}")
    print(f"ratio numpy-by-hand / torch (the floor for a NumPy framework): "
          f"{per_op['numpy by hand'] / per_op['torch']:.2f}")
    print(f"ratio compiled / torch: {per_op['compiled'] / per_op['torch']:.2f}; "
          f"compiled / numpy-by-hand: {per_op['compiled'] / per_op['numpy by hand']:.2f}")


if __name__ == "__main__":
    main()
