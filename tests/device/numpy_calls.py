"""List the NumPy calls in ``src/glasstorch`` that may touch tensor data.

    python tests/device/numpy_calls.py [--sites] [--src DIR]

Counts, per file, calls ``np.<fn>(...)`` other than those on dtypes, shapes
and Python numbers (``np.dtype``, ``np.result_type``, ``np.finfo``, ...), and
uses of the backend's host-only ``xp``. The backend and the kernels module are
left out: they are where NumPy is allowed. A call counted here is either host
work on purpose (index geometry from shapes, random draws, file formats) or
a call still to move to ``array_module(data)``; ``--sites`` prints each line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "glasstorch"
ALLOWED_FILES = {"backend.py", "kernels.py"}
NOT_DATA = set("""
    dtype result_type promote_types can_cast finfo iinfo errstate issubdtype broadcast_shapes
    float16 float32 float64 complex64 complex128 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool_
    isscalar ndim
""".split())


def numpy_calls(path: Path) -> list[tuple[int, str]]:
    """(line, name) of each NumPy call on possible data in one file."""
    tree = ast.parse(path.read_text())
    imports_xp = any(isinstance(n, ast.ImportFrom) and n.module and n.module.endswith("backend")
                     and any(a.name == "xp" for a in n.names) for n in ast.walk(tree))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            base = node.func.value
            while isinstance(base, ast.Attribute):  # np.linalg.svd, np.add.at
                base = base.value
            if isinstance(base, ast.Name) and base.id == "np" and node.func.attr not in NOT_DATA:
                found.append((node.lineno, ast.unparse(node.func)))
        elif imports_xp and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "xp":
            found.append((node.lineno, f"xp.{node.attr} (the host-only module)"))
    return sorted(found)


def main() -> None:
    sites = "--sites" in sys.argv
    src = Path(sys.argv[sys.argv.index("--src") + 1]) if "--src" in sys.argv else SRC
    total = 0
    for path in sorted(src.rglob("*.py")):
        if path.name in ALLOWED_FILES and path.parent == src:
            continue
        found = numpy_calls(path)
        if not found:
            continue
        total += len(found)
        print(f"{len(found):4d}  {path.relative_to(src.parent)}")
        if sites:
            for line, name in found:
                print(f"        {line}: {name}")
    print(f"{total:4d}  in all")


if __name__ == "__main__":
    main()
