"""``python -m glasstorch.compat dir/script.py`` finds the script's sibling modules, as python does."""

import subprocess
import sys


def test_script_imports_its_sibling_module(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "helpers.py").write_text("import torch\n\ndef double(x):\n    return torch.as_tensor(x) * 2\n")
    (folder / "main.py").write_text("import torch\nfrom helpers import double\n"
                                    "print(type(double(3)).__module__, double(3).item())\n")
    # run from elsewhere: only the script's own folder can make ``helpers`` importable
    res = subprocess.run([sys.executable, "-m", "glasstorch.compat", str(folder / "main.py")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["glasstorch.tensor", "6"]
