"""Data-parallel scaling: glasstorch's DDP on MPI against torch's DDP on gloo, same run.

    python benchmarks/ddp.py            # (make bench-ddp) writes benchmarks/ddp_results.md
    python benchmarks/ddp.py --steps 5  # quicker

For LeNet-5 and a small residual CNN on MNIST-shaped data (1x28x28, global
batch 64), each framework trains:

- 1 rank x 2 threads, the whole batch in one process (the baseline);
- 2 ranks x 1 thread with DistributedDataParallel, 32 samples per rank,
  alternating synchronised steps with ``no_sync()`` steps (no communication:
  the compute alone) in the same job;

and, in that job, times one all-reduce of all the gradients after backward,
with nothing to hide behind. Scaling efficiency is the 2-rank throughput over
the 1-rank one; "added by communication" is the DDP step less the no_sync
step: what the all-reduces cost where backward could not hide them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BATCH = 64


def build(torch, name):
    nn = torch.nn
    torch.manual_seed(0)
    if name == "lenet5":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + self.short(x))

    return nn.Sequential(Block(1, 32, 1), Block(32, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def rank_main(args) -> None:
    """One rank of a measurement (or the single-process baseline)."""
    if args.framework == "torch":
        import torch
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    else:
        sys.path.insert(0, str(ROOT / "src"))
        import glasstorch as torch
        import glasstorch.distributed as dist
        from glasstorch.nn.parallel import DistributedDataParallel as DDP
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        dist.init_process_group("gloo")
    rank = dist.get_rank() if world > 1 else 0
    model = build(torch, args.model)
    per = BATCH // world
    rng = np.random.default_rng(rank)
    x = torch.from_numpy(rng.standard_normal((per, 1, 28, 28)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 10, per).astype(np.int64))
    if world > 1:
        model = DDP(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    def step(sync: bool):
        opt.zero_grad()
        if sync or world == 1:
            loss_fn(model(x), y).backward()
        else:
            with model.no_sync():
                loss_fn(model(x), y).backward()
        opt.step()

    def timed(sync: bool) -> float:
        if world > 1:
            dist.barrier()
        t = time.perf_counter()
        step(sync)
        return time.perf_counter() - t

    for _ in range(3):
        step(True)
    # synchronised and local steps alternate in one job, so both see the same machine
    pairs = [(timed(True), timed(False)) for _ in range(args.steps)]
    result = {"step_ms": float(np.median([a for a, _ in pairs])) * 1e3,
              "no_sync_ms": float(np.median([b for _, b in pairs])) * 1e3}
    if world > 1:  # the gradients' all-reduce alone, after backward, with nothing to hide behind
        grads = [p.grad for p in model.parameters()]
        ts = []
        for _ in range(args.steps):
            dist.barrier()
            t = time.perf_counter()
            for g in grads:
                dist.all_reduce(g)
            ts.append(time.perf_counter() - t)
        result["allreduce_ms"] = float(np.median(ts)) * 1e3
    if world > 1:  # a data-parallel step lasts as long as its slowest rank
        for key in ("step_ms", "no_sync_ms"):
            every = [None] * world
            dist.all_gather_object(every, result[key])
            result[key] = max(every)
        dist.destroy_process_group()
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def _run(framework, model, ranks, mode, steps) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    threads = "2" if ranks == 1 else "1"
    env.update(OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    me = [str(Path(__file__).resolve()), "--rank", "--framework", framework, "--model", model,
          "--steps", str(steps)]
    if ranks == 1:
        cmd = [sys.executable, *me]
    elif framework == "torch":
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(ranks),
               "--master-port", "29533", *me]
    else:
        cmd = [sys.executable, "-m", "glasstorch.distributed.run", "--nproc-per-node", str(ranks), *me]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[7:])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rank", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--framework", default="glasstorch")
    p.add_argument("--model", default="lenet5")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--out", default=str(HERE / "ddp_results.md"))
    args = p.parse_args()
    if args.rank:
        rank_main(args)
        return
    rows = []
    for model in ("lenet5", "resnet"):
        for fw in ("glasstorch", "torch"):
            one = _run(fw, model, 1, "ddp", args.steps)["step_ms"]
            two = _run(fw, model, 2, "ddp", args.steps)
            alone = two["no_sync_ms"]
            added = two["step_ms"] - alone
            rows.append((model, fw, BATCH / one * 1e3, BATCH / two["step_ms"] * 1e3, one / two["step_ms"],
                         two["step_ms"], alone, added, two["allreduce_ms"]))
            print(f"{model:7s} {fw:10s} 1x2: {one:7.2f} ms  2x1 DDP: {two['step_ms']:7.2f} ms  "
                  f"no_sync: {alone:7.2f} ms  all-reduce alone: {two['allreduce_ms']:6.2f} ms", flush=True)
    header = ("| model | framework | samples/s 1 rank x 2 threads | samples/s 2 ranks x 1 thread | scaling "
              "efficiency | DDP step ms | no_sync step ms | added by communication ms | all-reduce alone ms |\n"
              "|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
    body = "".join(f"| {m} | {f} | {a:.0f} | {b:.0f} | {e:.2f} | {s:.2f} | {n:.2f} | {d:.2f} | {r:.2f} |\n"
                   for m, f, a, b, e, s, n, d, r in rows)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               "unknown CPU") if os.path.exists("/proc/cpuinfo") else "unknown CPU"
    text = (f"# DDP scaling ({cpu}, {os.cpu_count()} cores; global batch {BATCH}, median of {args.steps} steps)\n\n"
            f"Command: `python benchmarks/ddp.py --steps {args.steps}`\n\n" + header + body)
    Path(args.out).write_text(text)
    print("\n" + header + body)


if __name__ == "__main__":
    main()
