"""Scripts using the surface of the official PyTorch examples (mnist, mnist_rnn, regression,
time_sequence_prediction, vae, reinforcement_learning) run unchanged under
``python -m glasstorch.compat``; where PyTorch can run the same script, the printed numbers agree.

PyTorch runs them without torchvision (not installable beside torch 2.13 here): the scripts then
build the same tensors from the IDX files themselves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import glasstorch

SCRIPTS = Path(__file__).parent / "scripts"
SRC = str(Path(glasstorch.__file__).resolve().parents[1])
NUMBER = re.compile(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?")


@pytest.fixture
def workdir(tmp_path, data_dir):
    """A run folder beside ``data/MNIST/raw`` (torchvision's layout, symlinks to the shared files)."""
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (data_dir / "mnist").glob("*.gz"):
        (raw / f.name).symlink_to(f)
    work = tmp_path / "work"
    work.mkdir()
    return work


def _run(args, cwd, compat: bool) -> str:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if not compat:
        # the official script torch.load()s the NumPy arrays it torch.save()d itself, which
        # PyTorch 2.6+ refuses by default (weights_only); its own file is trusted here
        env["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    cmd = [sys.executable, "-m", "glasstorch.compat", *args] if compat else [sys.executable, *args]
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def _numbers(text: str, prefix: str) -> list[float]:
    return [float(v) for line in text.splitlines() if line.startswith(prefix) for v in NUMBER.findall(line)]


def _same_numbers(ours: str, theirs: str, prefixes, rtol=1e-4):
    for prefix in prefixes:
        a, b = _numbers(ours, prefix), _numbers(theirs, prefix)
        assert len(a) == len(b) and a, (prefix, ours, theirs)
        for x, y in zip(a, b):
            assert abs(x - y) <= rtol * max(1.0, abs(y)), (prefix, x, y)


@pytest.mark.parametrize("script,args,prefixes", [
    ("mnist_cnn.py", ["--batches", "2"], ["epoch"]),
    ("mnist_lstm.py", ["--batches", "2"], ["epoch", "eval"]),
    ("vae_mlp.py", ["--batches", "3", "--numpy-noise"], ["batch"]),
])
def test_mnist_scripts_match_torch(workdir, script, args, prefixes):
    ours = _run([str(SCRIPTS / script), *args], workdir, compat=True)
    theirs = _run([str(SCRIPTS / script), *args], workdir, compat=False)
    _same_numbers(ours, theirs, prefixes)
    if script == "vae_mlp.py":  # torchvision's save_image wrote the images
        assert "images ['reconstruction_1.png', 'sample_1.png']" in ours
        assert (workdir / "results" / "sample_1.png").stat().st_size > 0
    if script == "mnist_cnn.py":
        assert "saved conv1.bias" in ours
    if script == "mnist_lstm.py":
        assert "LSTM(28, 24, batch_first=True)" in ours


def test_regression_matches_torch(tmp_path):
    ours = _run([str(SCRIPTS / "poly_regression.py")], tmp_path, compat=True)
    theirs = _run([str(SCRIPTS / "poly_regression.py")], tmp_path, compat=False)
    assert ours.splitlines()[0].split(" after ")[1] == theirs.splitlines()[0].split(" after ")[1]
    _same_numbers(ours, theirs, ["Loss", "==>"], rtol=1e-3)


def test_time_series_lbfgs_matches_torch(tmp_path):
    if not hasattr(glasstorch.optim, "LBFGS"):
        pytest.skip("glasstorch.optim.LBFGS is not in this build yet")
    ours = _run([str(SCRIPTS / "sine_lstm.py"), "--steps", "2"], tmp_path, compat=True)
    theirs = _run([str(SCRIPTS / "sine_lstm.py"), "--steps", "2"], tmp_path, compat=False)
    _same_numbers(ours, theirs, ["loss", "step"], rtol=1e-6)
    assert "prediction shape (3, 49)" in ours


def test_cartpole_policy_gradient_runs(tmp_path):
    pytest.importorskip("gymnasium")
    try:
        import glasstorch.distributions as dist
    except ImportError:
        dist = None
    if dist is None or not hasattr(dist, "Categorical"):
        pytest.skip("glasstorch.distributions.Categorical is not in this build yet")
    out = _run([str(SCRIPTS / "cartpole_pg.py"), "--episodes", "2"], tmp_path, compat=True)
    assert "episode 2 length" in out and out.strip().endswith("done")


def test_torchvision_resolves_to_glasstorch_vision():
    code = ("from glasstorch import compat; compat.install()\n"
            "import torchvision, torchvision.transforms as T\n"
            "from torchvision import datasets\n"
            "from torchvision.utils import save_image, make_grid\n"
            "import glasstorch.vision\n"
            "assert torchvision is glasstorch.vision and datasets is glasstorch.vision.datasets\n"
            "assert T.Compose is glasstorch.vision.transforms.Compose\n"
            "try:\n    import torchvision.models\nexcept ModuleNotFoundError as e:\n    print('missing:', e.name)\n"
            "import torch.backends.cudnn, torch.cuda, torch.nn.parallel, torch.testing, torch.amp\n"
            "print('ok', torch.cuda.is_available(), torch.backends.cudnn.enabled)\n")
    env = dict(os.environ, PYTHONPATH=SRC)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "missing: torchvision.models" in res.stdout and "ok False True" in res.stdout
