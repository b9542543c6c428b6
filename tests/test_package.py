"""The package layout a PyTorch user relies on after a bare import."""

import subprocess
import sys


def test_bare_import_exposes_submodules():
    # a fresh interpreter: other tests may already have imported the submodules
    code = (
        "import glasstorch as torch\n"
        "print(torch.nn.Linear.__name__, torch.nn.functional.relu.__name__, torch.optim.SGD.__name__,\n"
        "      torch.optim.lr_scheduler.StepLR.__name__, torch.utils.data.DataLoader.__name__,\n"
        "      torch.autograd.grad.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["Linear", "relu", "SGD", "StepLR", "DataLoader", "grad"]
