"""PyTorch scripts run unchanged through ``python -m glasstorch.compat``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "scripts"


@pytest.mark.parametrize("script,args,expect", [
    ("regression.py", [], "w=3.0"),
    ("classifier.py", ["--epochs", "15"], "accuracy="),
    ("autograd_tricks.py", [], "ok [2.0, 4.0, 6.0]"),
])
def test_script_runs_unchanged(script, args, expect):
    res = subprocess.run([sys.executable, "-m", "glasstorch.compat", str(SCRIPTS / script), *args],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert expect in res.stdout


def test_import_torch_gives_glasstorch():
    code = ("from glasstorch import compat; compat.install()\n"
            "import torch, torch.nn.functional as F, torch.utils.data, torch.optim.lr_scheduler\n"
            "import glasstorch\n"
            "assert torch is glasstorch and F is glasstorch.nn.functional\n"
            "assert torch.utils.data is glasstorch.utils.data\n"
            "print('aliased')\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "aliased" in res.stdout


def test_missing_torch_module_is_named():
    code = ("from glasstorch import compat; compat.install()\n"
            "try:\n    import torch.jit\nexcept ModuleNotFoundError as e:\n    print('missing:', e.name)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "missing: torch.jit" in res.stdout, res.stderr[-2000:]


def test_help():
    res = subprocess.run([sys.executable, "-m", "glasstorch.compat", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "python -m glasstorch.compat" in res.stdout
