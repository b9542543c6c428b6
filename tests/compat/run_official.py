"""Run the official PyTorch examples, unchanged, under ``python -m glasstorch.compat``.

    python tests/compat/run_official.py /path/to/pytorch-examples [--timeout 600] [--only mnist vae]

Each example runs with small settings in a temporary folder laid out as it expects
(``../data/MNIST/raw`` for the MNIST ones, linked to the shared MNIST files), and, where
PyTorch can run it here (no torchvision needed), once more under PyTorch for comparison.
Prints a table: script | command | result | figure (glasstorch vs torch). Not a test: the
reinforcement-learning scripts train until CartPole is solved, so they meet the time limit.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("GLASSTORCH_DATA", ROOT.parent / "shared" / "data"))
if not (SHARED / "mnist").exists():
    SHARED = Path("/work/shared/data")

# name, folder, [setup scripts], script, args, needs torchvision, the figure's pattern (last match)
EXAMPLES = [
    ("mnist", "mnist", [], "main.py", ["--epochs", "1", "--dry-run"], True, r"Test set: Average loss: ([\d.]+)"),
    ("mnist_rnn", "mnist_rnn", [], "main.py", ["--epochs", "1", "--dry-run"], True,
     r"Test set: Average loss: ([\d.]+)"),
    ("regression", "regression", [], "main.py", [], False, r"Loss: ([\d.]+) after (\d+) batches"),
    ("time_sequence_prediction", "time_sequence_prediction", ["generate_sine_wave.py"], "train.py",
     ["--steps", "1"], False, r"test loss: ([\d.e-]+)"),
    ("vae", "vae", [], "main.py", ["--epochs", "1"], True, r"Test set loss: ([\d.]+)"),
    ("reinforce", "reinforcement_learning", [], "reinforce.py", [], False, r"Episode (\d+)\s+Last reward: ([\d.]+)"),
    ("actor_critic", "reinforcement_learning", [], "actor_critic.py", [], False,
     r"Episode (\d+)\s+Last reward: ([\d.]+)"),
]


def _layout(tmp: Path) -> Path:
    raw = tmp / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in sorted((SHARED / "mnist").glob("*.gz")):
        (raw / f.name).symlink_to(f)
    work = tmp / "work"
    (work / "results").mkdir(parents=True)  # vae writes its images there
    return work


def _run(cmd: list[str], cwd: Path, timeout: float) -> tuple[str, str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    start = time.perf_counter()
    try:
        res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        status = "pass" if res.returncode == 0 else "FAIL"
        out, err = res.stdout, res.stderr
    except subprocess.TimeoutExpired as e:
        status = "time limit"
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
    elapsed = time.perf_counter() - start
    if status == "FAIL":
        last = [line for line in err.strip().splitlines() if line.strip()][-1:] or ["?"]
        status = f"FAIL: {last[0][:140]}"
    return status, out, elapsed


def _figure(pattern: str, out: str) -> str:
    found = re.findall(pattern, out)
    if not found:
        return "-"
    last = found[-1]
    return " / ".join(last) if isinstance(last, tuple) else last


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", type=Path)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch runs")
    args = parser.parse_args(argv)
    rows = []
    for name, folder, setup, script, script_args, needs_vision, pattern in EXAMPLES:
        if args.only and name not in args.only:
            continue
        src = args.examples / folder
        with tempfile.TemporaryDirectory(prefix=f"gt-{name}-") as tmp:
            work = _layout(Path(tmp))
            results = {}
            for lib in ("glasstorch", "torch"):
                if lib == "torch" and (needs_vision or args.no_torch):
                    results[lib] = ("n/a (needs torchvision)" if needs_vision else "skipped", "", 0.0)
                    continue
                prefix = [sys.executable, "-m", "glasstorch.compat"] if lib == "glasstorch" else [sys.executable]
                status = "pass"
                for pre in setup:
                    status, _, _ = _run(prefix + [str(src / pre)], work, args.timeout)
                    if status != "pass":
                        break
                if status == "pass":
                    status, out, secs = _run(prefix + [str(src / script), *script_args], work, args.timeout)
                else:
                    out, secs = "", 0.0
                results[lib] = (status, out, secs)
        g_status, g_out, g_secs = results["glasstorch"]
        t_status, t_out, t_secs = results["torch"]
        theirs = _figure(pattern, t_out) if t_out else t_status
        if t_out and t_status != "pass":
            theirs += f" (torch: {t_status})"
        figure = f"{_figure(pattern, g_out)} vs {theirs}"
        command = " ".join(["python -m glasstorch.compat", f"{folder}/{script}", *script_args])
        rows.append((name, command, f"{g_status} ({g_secs:.0f} s)", figure))
        print(f"{name}: {g_status}", file=sys.stderr, flush=True)
    print("| script | command | result | figure (glasstorch vs torch) |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0 if all(r[2].startswith("pass") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
