"""Nothing outside the backend and the kernels module calls NumPy on tensor data.

Reads the source (``ast``; see ``numpy_calls.py``): every ``np.<fn>(...)`` that is
not about dtypes or shapes, and every use of the host-only ``backend.xp``, must be
host work marked as such (a ``# host`` comment on the line, or ``# host module:``
for a module that never holds device data). :data:`CHECKED` is the whole of
``src/glasstorch`` but the backend and the kernels module, where NumPy is allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from device.numpy_calls import ALLOWED_FILES, SRC, numpy_calls

# Parts of src/glasstorch (files, or folders with everything under them) where every
# NumPy call on data goes through the data's array module or is marked host work: all of it.
CHECKED = ("",)


def _files() -> list[Path]:
    files = []
    for part in CHECKED:
        path = SRC / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    # the backend and the kernels module are where NumPy is allowed
    return [f for f in files if not (f.name in ALLOWED_FILES and f.parent == SRC)]


def test_the_whole_package_is_checked():
    files = set(_files())
    assert len(files) > 100 and all(f in files for f in SRC.rglob("*.py")
                                    if not (f.name in ALLOWED_FILES and f.parent == SRC))


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
