"""The benchmark scripts run: each workload builds and steps, and the harness
and the per-op breakdown produce their tables (timings themselves are never
asserted)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glasstorch as gt

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

from workloads import STEPS, TARGETS, WORKLOADS  # noqa: E402

OUT_SHAPES = {"a_mlp": (128, 10), "b_lenet5": (64, 10), "c_resnet": (64, 10), "d_char_lstm": (32 * 64, 65),
              "e_tiny_gpt": (16 * 64, 65), "f_100_small_ops": (10,)}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_workload_steps_and_infers(name):
    step, infer = WORKLOADS[name](gt)
    loss = step()
    if loss is not None:  # f's step returns nothing
        assert loss.shape == () and np.isfinite(loss.item())
    out = infer()
    assert tuple(out.shape) == OUT_SHAPES[name] and out.dtype == gt.float32
    assert not out.requires_grad
    assert name in TARGETS and STEPS[name] > 0


def _run(*args):
    return subprocess.run([sys.executable, *args], cwd=BENCH, capture_output=True, text=True, timeout=300,
                          check=True).stdout


def test_harness_writes_tables(tmp_path):
    out = tmp_path / "res"
    _run("run.py", "--only", "f_100_small_ops", "--rounds", "1", "--no-memory-check", "--out", str(out))
    data = json.loads(out.with_suffix(".json").read_text())
    text = json.dumps(data)
    assert "f_100_small_ops" in text and "torch" in text
    md = out.with_suffix(".md").read_text()
    row = next(line for line in md.splitlines() if line.startswith("| f_100_small_ops (train)"))
    assert "<= 0.5" in row
    result = data["results"]["f_100_small_ops (train)"]
    assert result["compiled_ms"] > 0 and result["compiled_over_eager_median"] > 0  # the compiled column
    assert 0 < result["program_over_eager_median"] < 1  # the program alone skips the eager step's bookkeeping
    assert row.count("|") == 11 and row.rstrip().endswith("|")


def test_compiled_worker_times_eager_blocks_in_the_same_process():
    import run

    calls = []
    step, _ = WORKLOADS["f_100_small_ops"](gt)

    def counted():
        calls.append(1)
        return step()

    got = run._compiled_child(gt, counted, steps=8, warmup=1)
    assert got["median_ms"] > 0 and got["eager_ms"] > 0 and got["program_ms"] > 0 and got["peak_rss_mib"] > 0
    # the Python step runs in the warm-up (one eager call, then the capture) and in 4 eager
    # blocks of 1 + 2 steps; the 4 compiled blocks and the 4 blocks of the program alone run without it
    assert len(calls) == 2 + 4 * 3


@pytest.mark.parametrize("name", sorted(set(WORKLOADS) - {"c_resnet"}))
def test_compiled_workload_equals_eager(name):
    # the full-size workloads, a few steps (tests/compiler runs smaller twins for 100 steps;
    # the residual CNN's twin stands in for it here: its full-size capture alone takes seconds)
    runs = []
    for compiled in (False, True):
        step, _ = WORKLOADS[name](gt)
        if compiled:
            step = gt.compile(step)
        losses = [step() for _ in range(4)]  # eager, eager (now with .grad), captured, replayed
        runs.append([None if x is None else x.item() for x in losses])
        if compiled:
            assert "replayed" in step.explain()
    assert runs[0] == runs[1]


def test_breakdown_lists_ops():
    text = _run("breakdown.py", "f_100_small_ops", "--steps", "2", "--repeats", "1")
    assert "ms per training step" in text
    for op in ("Tanh forward", "Sigmoid backward", "Mul forward"):
        assert f"| {op} |" in text
    assert "of which NumPy's matmul" in text


def test_replay_lines_times_the_compiled_program():
    text = _run("replay_lines.py", "f_100_small_ops", "--steps", "3", "--top", "5")
    assert text.startswith("f_100_small_ops: eager ") and "compiled" in text and "the program alone" in text
    assert "lines" in text and "per op and kind:" in text
    rows = [line for line in text.splitlines() if line.strip().endswith(("Tanh.forward", "Sigmoid.forward"))
            or "ops.pointwise" in line]
    assert rows, text


def test_split_kernels_probe_runs_and_keeps_the_losses():
    text = _run("split_kernels.py", "b_lenet5", "--steps", "1")
    assert text.startswith("b_lenet5: losses equal over 3 steps; ms per eager step: one thread ")
    assert float(text.split("split ")[1].split(" ")[0]) > 0


def test_split_kernels_are_the_whole_kernels_bit_for_bit():
    import split_kernels

    from glasstorch.ops import conv as conv_ops
    from glasstorch.ops.pointwise import piecewise

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, 80, 80)).astype(np.float32)  # 307,200 elements: above SPLIT_FROM
    w = rng.standard_normal((4, 6, 3, 3)).astype(np.float32)
    x[0, 0, 0, :2] = [0.0, -0.0]  # the mask at zero and at minus zero
    results = []
    for split in (False, True):
        before = (piecewise.Relu.forward, conv_ops.im2col)
        with split_kernels.Split() if split else contextlib.nullcontext():
            if split:
                assert piecewise.Relu.forward is not before[0] and conv_ops.im2col is not before[1]
            xt = gt.tensor(x, requires_grad=True)
            y = gt.relu(gt.nn.functional.conv2d(gt.relu(xt), gt.tensor(w), padding=1))
            (y * y).sum().backward()
            results.append((y.detach().numpy().copy(), xt.grad.numpy().copy()))
        assert (piecewise.Relu.forward, conv_ops.im2col) == before  # put back on leaving
    for whole, split in zip(*results):
        assert whole.tobytes() == split.tobytes()
