"""Nothing outside the backend and the kernels module calls NumPy on tensor data.

Reads the source (``ast``; see ``numpy_calls.py``): every ``np.<fn>(...)`` that is
not about dtypes or shapes, and every use of the host-only ``backend.xp``, must be
host work marked as such (a ``# host`` comment on the line, or ``# host module:``
for a module that never holds device data). :data:`CHECKED` names the parts of
``src/glasstorch`` held to it; the rest is still being converted and joins the list
as it is done, until the list is the whole package.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from device.numpy_calls import SRC, numpy_calls

# Parts of src/glasstorch (files, or folders with everything under them) where every
# NumPy call on data goes through the data's array module or is marked host work.
CHECKED = (
    "distributions",
    "testing.py",
    "utils/tensorboard.py",
    "utils/data",
    "viz",
    "_torch_format",
    "onnx",
    "datasets",
    "vision",
    "serialization.py",
    "optim",
    "distributed",
    "nn/parallel",
    "amp.py",
    "random.py",
    "__init__.py",
)


def _files() -> list[Path]:
    files = []
    for part in CHECKED:
        path = SRC / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_unmarked_numpy_call_on_data(path):
    assert path.exists(), f"{path} is listed in CHECKED but does not exist"
    found = numpy_calls(path)
    assert found == [], (f"{path.relative_to(SRC)}: NumPy calls that may touch device data "
                         f"(use array_module(data), backend.to_numpy/from_numpy, or mark host work "
                         f"'# host'): {found}")


def test_the_counter_sees_marks(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import numpy as np\n"
                   "a = np.exp(x)\n"
                   "b = np.frombuffer(raw, np.uint8)  # host: file bytes\n"
                   "c = np.concatenate([\n"
                   "    y, z])  # host copy\n"
                   "d = np.float32(1) + np.finfo(np.float32).eps\n")
    assert numpy_calls(src) == [(2, "np.exp")]
    assert numpy_calls(src, marked=True) == [(3, "np.frombuffer"), (4, "np.concatenate")]
    src.write_text("import numpy as np\n"
                   "def f(x):  # host: indices\n"
                   "    return np.argsort(x)\n"
                   "def g(x):\n"
                   "    return np.exp(x)\n")
    assert numpy_calls(src) == [(5, "np.exp")] and numpy_calls(src, marked=True) == [(3, "np.argsort")]
    src.write_text("# host module: decodes files\nimport numpy as np\na = np.exp(x)\n")
    assert numpy_calls(src) == [] and numpy_calls(src, marked=True) == [(3, "np.exp")]
