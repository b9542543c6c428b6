"""Time glasstorch against PyTorch on the same machine, in the same run.

    python benchmarks/run.py [--rounds 5] [--only a_mlp,b_lenet5] [--out benchmarks/results]

Every (workload, framework, mode) runs in its own fresh process; rounds
interleave the frameworks (rotating which goes first), and the ratio
glasstorch/PyTorch is taken per round. Training steps also run under
``glasstorch.compile`` (the "compiled" columns: against PyTorch's eager
step, per round, and against glasstorch's eager step run in the same process,
in blocks alternating with the compiled ones, so that the two see the same
machine state: a speedup of 15% is smaller than the drift between processes).
The same process also times the compiled program alone, called without the
guards around it: its time over eager's ("program alone / eager") is the most
that replaying the same kernels can save. Reported: median ms per step,
min-max over rounds, the median of the per-round ratios, and peak RSS.
Writes ``<out>.md`` and ``<out>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import STEPS, TARGETS, WORKLOADS  # noqa: E402


def _threads() -> int:
    """The BLAS threads NumPy uses here: torch gets the same number."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            return int(os.environ[var])
    return os.cpu_count() or 1


def child(framework: str, workload: str, mode: str, steps: int, warmup: int) -> dict:
    """Runs inside the worker process: build, warm up, time ``steps`` steps."""
    if framework == "torch":
        import torch as fw

        fw.set_num_threads(_threads())
    else:
        import glasstorch as fw
    step, infer = WORKLOADS[workload](fw)
    fn = step if mode == "train" else infer
    if framework == "glasstorch-compiled":
        return _compiled_child(fw, fn, steps, warmup)
    for _ in range(warmup):
        fn()
    times = [_timed(fn) for _ in range(steps)]
    return {"median_ms": 1000 * statistics.median(times), "peak_rss_mib": _peak_rss()}


def _peak_rss() -> float:
    """This process's peak resident memory, MiB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _compiled_child(fw, step, steps: int, warmup: int) -> dict:
    """The compiled step against the same eager step, in this process (:func:`same_process_blocks`)."""
    compiled = fw.compile(step)
    for _ in range(warmup + 3):  # eager, eager, capture, then replays
        compiled()
    return {**same_process_blocks(step, compiled, steps), "peak_rss_mib": _peak_rss()}


def same_process_blocks(step, compiled, steps: int) -> dict:
    """Median ms of the eager ``step``, of its ``compiled`` replay (already captured)
    and of the compiled program alone, all on the one model and optimizer, in
    blocks of steps: eager, compiled, program, program, compiled, eager, twice.
    (Alternating every step makes each slower: each evicts the others' arrays
    from the caches.)

    "The program alone" calls the generated function directly, without the guards
    and the tensors built around its results: the same kernels with as little
    Python as a replay can have. Its time over eager's is the floor of compiled
    over eager for this step, whatever the replay does around its kernels."""
    program = compiled._last.fn  # the generated function itself, read by the bench alone

    def alone():
        return program([])  # the workloads' steps take no tensor arguments

    block = max(2, steps // 4)
    times: dict = {step: [], compiled: [], alone: []}
    for fn in (step, compiled, alone, alone, compiled, step) * 2:
        fn()  # the first step after a switch pays for the caches
        times[fn].extend(_timed(fn) for _ in range(block))
    return {"median_ms": 1000 * statistics.median(times[compiled]), "eager_ms": 1000 * statistics.median(times[step]),
            "program_ms": 1000 * statistics.median(times[alone])}


def memory_child(steps: int, every: int) -> list:
    """Runs inside the worker process: RSS (MiB) every ``every`` LeNet training steps."""
    import glasstorch as fw

    def rss() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20

    step, _ = WORKLOADS["b_lenet5"](fw)
    samples = []
    for i in range(steps):
        step()
        if (i + 1) % every == 0:
            samples.append(round(rss(), 1))
    return samples


def memory_check(steps: int = 1000, every: int = 100) -> dict:
    """RSS over ``steps`` LeNet training steps: the graph must be freed every step."""
    cmd = [sys.executable, __file__, "--memory-child", str(steps), str(every)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    samples = json.loads(res.stdout.strip().splitlines()[-1])
    return {"steps": steps, "every": every, "rss_mib": samples,
            "growth_mib_after_first_sample": round(samples[-1] - samples[0], 1)}


def _run_child(framework, workload, mode, steps, warmup) -> dict:
    cmd = [sys.executable, __file__, "--child", framework, workload, mode, str(steps), str(warmup)]
    env = dict(os.environ)
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise RuntimeError(f"{framework} {workload} {mode} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def machine_info() -> dict:
    import numpy

    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "numpy": numpy.__version__, "threads": _threads()}
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        pass
    import glasstorch

    info["glasstorch"] = glasstorch.__version__
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cfg = numpy.show_config(mode="dicts")
        info["numpy_blas"] = cfg["Build Dependencies"]["blas"]["name"]
    except Exception:
        pass
    return info


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--memory-child":
        print(json.dumps(memory_child(int(sys.argv[2]), int(sys.argv[3]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, fw, wl, mode, steps, warmup = sys.argv
        print(json.dumps(child(fw, wl, mode, int(steps), int(warmup))))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated workload names")
    ap.add_argument("--modes", default="train,infer")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--no-memory-check", action="store_true")
    args = ap.parse_args()
    names = [n for n in WORKLOADS if not args.only or n in args.only.split(",")]
    modes = args.modes.split(",")
    results = {}
    for name in names:
        for mode in modes:
            if mode == "infer" and name == "f_100_small_ops":
                continue
            steps = STEPS[name] * (2 if mode == "infer" else 1)
            frameworks = ["glasstorch", "torch"] + (["glasstorch-compiled"] if mode == "train" else [])
            rows = {fw: [] for fw in frameworks}
            rows.update({"ratio": [], "compiled_ratio": [], "speedup": [], "floor": [], "rss": dict.fromkeys(frameworks, 0.0)})
            for r in range(args.rounds):
                order = frameworks[r % len(frameworks):] + frameworks[:r % len(frameworks)]
                got = {fw: _run_child(fw, name, mode, steps, 2) for fw in order}
                for fw in order:
                    rows[fw].append(got[fw]["median_ms"])
                    rows["rss"][fw] = max(rows["rss"][fw], got[fw]["peak_rss_mib"])
                rows["ratio"].append(got["glasstorch"]["median_ms"] / got["torch"]["median_ms"])
                if "glasstorch-compiled" in got:
                    c = got["glasstorch-compiled"]["median_ms"]
                    rows["compiled_ratio"].append(c / got["torch"]["median_ms"])
                    rows["speedup"].append(c / got["glasstorch-compiled"]["eager_ms"])
                    rows["floor"].append(got["glasstorch-compiled"]["program_ms"] / got["glasstorch-compiled"]["eager_ms"])
            key = f"{name} ({mode})"
            results[key] = {
                "glasstorch_ms": statistics.median(rows["glasstorch"]),
                "glasstorch_min_max": [min(rows["glasstorch"]), max(rows["glasstorch"])],
                "torch_ms": statistics.median(rows["torch"]),
                "torch_min_max": [min(rows["torch"]), max(rows["torch"])],
                "ratio_median": statistics.median(rows["ratio"]),
                "ratio_min_max": [min(rows["ratio"]), max(rows["ratio"])],
                "peak_rss_mib": rows["rss"],
                "target": TARGETS[name] if mode == "train" else None,
            }
            line = (f"{key:28s} glasstorch {results[key]['glasstorch_ms']:9.2f} ms   torch "
                    f"{results[key]['torch_ms']:9.2f} ms   ratio {results[key]['ratio_median']:.2f}")
            if rows["speedup"]:
                results[key].update({
                    "compiled_ms": statistics.median(rows["glasstorch-compiled"]),
                    "compiled_min_max": [min(rows["glasstorch-compiled"]), max(rows["glasstorch-compiled"])],
                    "compiled_ratio_median": statistics.median(rows["compiled_ratio"]),
                    "compiled_over_eager_median": statistics.median(rows["speedup"]),
                    "compiled_over_eager_min_max": [min(rows["speedup"]), max(rows["speedup"])],
                    "program_over_eager_median": statistics.median(rows["floor"]),
                })
                line += (f"   compiled {results[key]['compiled_ms']:9.2f} ms (x{results[key]['compiled_ratio_median']:.2f}"
                         f" torch, x{results[key]['compiled_over_eager_median']:.2f} eager;"
                         f" program alone x{results[key]['program_over_eager_median']:.2f} eager)")
            print(line, flush=True)
    report = {"machine": machine_info(), "rounds": args.rounds, "results": results}
    if not args.no_memory_check and "b_lenet5" in names:
        report["memory_check_lenet"] = memory_check()
        print("memory check (LeNet, 1000 steps):", report["memory_check_lenet"], flush=True)
    Path(args.out + ".json").write_text(json.dumps(report, indent=2))
    Path(args.out + ".md").write_text(to_markdown(report))
    print(f"wrote {args.out}.md and {args.out}.json")


def to_markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "| workload | glasstorch ms (min-max) | PyTorch ms (min-max) | ratio (min-max) | target | peak RSS MiB gt / torch "
        "| compiled ms (min-max) | compiled / PyTorch | compiled / eager (min-max) | program alone / eager |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in report["results"].items():
        target = f"<= {r['target']}" if r["target"] else "-"
        ok = "" if not r["target"] else (" ✓" if r["ratio_median"] <= r["target"] else " ✗")
        lines.append(
            f"| {key} | {r['glasstorch_ms']:.2f} ({r['glasstorch_min_max'][0]:.2f}-{r['glasstorch_min_max'][1]:.2f}) "
            f"| {r['torch_ms']:.2f} ({r['torch_min_max'][0]:.2f}-{r['torch_min_max'][1]:.2f}) "
            f"| {r['ratio_median']:.2f} ({r['ratio_min_max'][0]:.2f}-{r['ratio_min_max'][1]:.2f}){ok} "
            f"| {target} | {r['peak_rss_mib']['glasstorch']:.0f} / {r['peak_rss_mib']['torch']:.0f} | "
            + (f"{r['compiled_ms']:.2f} ({r['compiled_min_max'][0]:.2f}-{r['compiled_min_max'][1]:.2f}) | "
               f"{r['compiled_ratio_median']:.2f} | {r['compiled_over_eager_median']:.2f} "
               f"({r['compiled_over_eager_min_max'][0]:.2f}-{r['compiled_over_eager_min_max'][1]:.2f}) | "
               f"{r.get('program_over_eager_median', float('nan')):.2f} |"
               if "compiled_ms" in r else "- | - | - | - |"))
    head = (f"Machine: {m.get('cpu', '?')}, {m['cpus']} CPUs; Python {m['python']}, NumPy {m['numpy']} "
            f"({m.get('numpy_blas', '?')}), PyTorch {m.get('torch', '?')} with {m['threads']} threads, "
            f"glasstorch {m['glasstorch']}. {report['rounds']} rounds, each framework in its own process.\n\n")
    tail = ""
    if "memory_check_lenet" in report:
        mc = report["memory_check_lenet"]
        tail = (f"\nMemory over {mc['steps']} LeNet-5 training steps (RSS MiB every {mc['every']} steps): "
                f"{mc['rss_mib']}; growth after the first sample {mc['growth_mib_after_first_sample']} MiB.\n")
    return head + "\n".join(lines) + "\n" + tail


if __name__ == "__main__":
    main()
