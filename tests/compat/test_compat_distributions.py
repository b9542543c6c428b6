"""A script using distributions, LBFGS, checkpoint, parametrizations and grid sampling runs
unchanged under ``python -m glasstorch.compat`` and prints what it prints under torch."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent / "scripts" / "distributions_lbfgs.py"


def test_script_matches_torch(capsys, monkeypatch):
    res = subprocess.run([sys.executable, "-m", "glasstorch.compat", str(SCRIPT), "--steps", "2"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    ours = res.stdout.splitlines()
    # the same script under the real torch, in this process (torch is already imported here)
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--steps", "2"])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    theirs = capsys.readouterr().out.splitlines()
    assert len(ours) == len(theirs) == 8
    for a, b in zip(ours, theirs):
        if "identity error" in a:
            assert float(a.split()[-1]) < 1e-12 and float(b.split()[-1]) < 1e-12
        else:
            assert a == b
