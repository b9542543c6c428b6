"""Training steps of two glasstorch source trees, interleaved: is a change within noise?

    python benchmarks/ab_trees.py OLD_SRC NEW_SRC [ROUNDS]

e.g. ``git archive HEAD~3 src | tar -x -C /tmp/old`` then
``python benchmarks/ab_trees.py /tmp/old/src src 9``. Each round runs one fresh
process per tree (alternating which goes first) with one BLAS thread, and
reports the median step time of an MLP (784-256-10, batch 128) and of LeNet-5
(batch 64) trained with SGD; the figure is the median over rounds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

CHILD = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
import glasstorch as gt
from glasstorch import nn
gt.manual_seed(0)
if sys.argv[2] == "mlp":
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    x, steps = gt.randn(128, 784), 200
else:
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                          nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    x, steps = gt.randn(64, 1, 28, 28), 40
y = gt.randint(0, 10, (x.shape[0],))
opt = gt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
def step():
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
for _ in range(3):
    step()
times = []
for _ in range(steps):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
print(sorted(times)[len(times) // 2] * 1e3)
'''


def main() -> None:
    trees = {"old": sys.argv[1], "new": sys.argv[2]}
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONPATH="")
    for workload in ("mlp", "lenet"):
        ms: dict[str, list[float]] = {k: [] for k in trees}
        for r in range(rounds):
            for k in (list(trees) if r % 2 == 0 else list(trees)[::-1]):
                run = subprocess.run([sys.executable, "-c", CHILD, trees[k], workload],
                                     capture_output=True, text=True, env=env, check=True)
                ms[k].append(float(run.stdout))
        old, new = statistics.median(ms["old"]), statistics.median(ms["new"])
        print(f"{workload:6s} median ms per step: old {old:7.2f} ({min(ms['old']):.2f}-{max(ms['old']):.2f})  "
              f"new {new:7.2f} ({min(ms['new']):.2f}-{max(ms['new']):.2f})  new/old {new / old:.3f}")


if __name__ == "__main__":
    main()
