"""The long fuzz campaign: ``make fuzz`` (or ``python tests/fuzz/campaign.py``).

    python tests/fuzz/campaign.py [--cases 100000] [--seed 0] [--ops add,F.conv2d] [--show 25]

Draws ``--cases`` cases over every fuzzed op (uniformly), runs each on
glasstorch and torch, and prints the count of every outcome class and the
most frequent (op, message) pairs of each class that is not ok, with one
reproducer each. The exit status is 1 when a failing class (internal error,
value or dtype/shape mismatch, silent acceptance, state changed before an error) is not empty.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hyp_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzz.engine import CLASSES, FAILING, Outcome, fuzzed_entries, run_drawn  # noqa: E402


def run(cases: int, seed: int, keys: list[str], chunk: int = 2000, progress: bool = False,
        jobs: int = 1) -> list[Outcome]:
    """Run about ``cases`` cases in chunks of hypothesis examples; the outcomes. A seed
    fixes every chunk's draws, so the same call runs the same cases, with any ``jobs``."""
    chunks = max(1, -(-cases // chunk))
    sizes = [min(chunk, cases - i * chunk) if cases > chunk else cases for i in range(chunks)]
    tasks = [(seed * 1_000_003 + i, n, keys) for i, n in enumerate(sizes)]
    outcomes: list[Outcome] = []
    if jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for part in pool.imap(_run_chunk, tasks):
                outcomes += part
                if progress:
                    print(f"  {len(outcomes)} cases", file=sys.stderr, flush=True)
        return outcomes
    for task in tasks:
        outcomes += _run_chunk(task)
        if progress:
            print(f"  {len(outcomes)} cases", file=sys.stderr, flush=True)
    return outcomes


def _run_chunk(task) -> list[Outcome]:
    chunk_seed, n, keys = task
    outcomes: list[Outcome] = []

    # one hypothesis run of ``n`` examples under its own seed
    @settings(max_examples=n, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def body(data):
        key = data.draw(st.sampled_from(keys))
        o = run_drawn(key, data.draw)
        if o is not None:
            outcomes.append(o)

    hyp_seed(chunk_seed)(body)()
    return outcomes


def report(outcomes: list[Outcome], show: int = 25) -> str:
    counts = Counter(o.cls for o in outcomes)
    total = len(outcomes)
    lines = [f"{total} cases over {len({o.key for o in outcomes})} ops"]
    for cls in CLASSES:
        lines.append(f"  {cls:16s} {counts.get(cls, 0):8d}  {100 * counts.get(cls, 0) / max(total, 1):6.2f}%")
    for cls in CLASSES[2:]:
        pairs = Counter((o.key, o.message) for o in outcomes if o.cls == cls)
        if not pairs:
            continue
        example = {}
        for o in outcomes:
            if o.cls == cls:
                example.setdefault((o.key, o.message), o.repro)
        lines.append(f"\n== {cls}: {counts[cls]} cases, {len(pairs)} distinct op/message pairs")
        for (key, msg), n in pairs.most_common(show):
            lines.append(f"  {n:5d}  {key}: {msg}")
            lines.append(f"         e.g. {example[(key, msg)][:300]}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ops", default="", help="comma-separated entry keys (default: all)")
    ap.add_argument("--show", type=int, default=25, help="op/message pairs shown per class")
    ap.add_argument("--jobs", type=int, default=1, help="processes (the cases do not depend on it)")
    a = ap.parse_args()
    keys = fuzzed_entries()
    if a.ops:
        wanted = a.ops.split(",")
        keys = [k for k in keys if k in wanted]
    t0 = time.time()
    outcomes = run(a.cases, a.seed, keys, progress=True, jobs=a.jobs)
    print(report(outcomes, a.show))
    print(f"\n{time.time() - t0:.0f} s; command: python tests/fuzz/campaign.py --cases {a.cases} --seed {a.seed}"
          + (f" --ops {a.ops}" if a.ops else ""))
    failing = sum(1 for o in outcomes if o.cls in FAILING)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
