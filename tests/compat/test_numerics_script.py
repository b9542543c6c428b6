"""A script over torch.linalg, torch.fft, torch.special and cdist prints the same under glasstorch as under torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent / "scripts" / "spectral_fit.py"


def _run(*prefix):
    res = subprocess.run([sys.executable, *prefix, str(SCRIPT)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout.strip().splitlines()[-1]


def test_spectral_fit_same_as_torch():
    ours = _run("-m", "glasstorch.compat")
    theirs = _run()
    assert "'peaks': [5, 12]" in ours and "'roundtrip': True" in ours
    assert ours == theirs
