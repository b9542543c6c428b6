"""List the NumPy calls in ``src/glasstorch`` that may touch tensor data.

    python tests/device/numpy_calls.py [--sites] [--src DIR]

Counts, per file, calls ``np.<fn>(...)`` other than those on dtypes, shapes
and Python numbers (``np.dtype``, ``np.result_type``, ``np.finfo``, ...), and
uses of the backend's host-only ``xp``. The backend and the kernels module are
left out: they are where NumPy is allowed. A call counted here is either host
work on purpose (index geometry from shapes, random draws, file formats) or
a call still to move to ``array_module(data)``; ``--sites`` prints each line.

Host work on purpose is marked, and then not counted (the second column):

- a line ending in a ``# host`` comment (``# host copy``, ``# host: why``): the
  call on that line (or on any line of the statement it ends) works on host data;
- a ``def`` line ending in ``# host``: the whole function works on host data;
- a module with a top-level comment line ``# host module: why`` (files that never
  hold device data: decoding files, synthetic data, MPI buffers, host draws).
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "glasstorch"
ALLOWED_FILES = {"backend.py", "kernels.py"}
NOT_DATA = set("""
    dtype result_type promote_types can_cast finfo iinfo errstate issubdtype broadcast_shapes
    float16 float32 float64 complex64 complex128 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool_
    isscalar ndim
""".split())


HOST_LINE = re.compile(r"#\s*host\b(?! module)")
HOST_MODULE = re.compile(r"#\s*host module:")


def host_marks(source: str) -> tuple[bool, set[int]]:
    """Whether the module is marked host-only, and the lines marked ``# host``."""
    whole, lines = False, set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT:
            continue
        if HOST_MODULE.match(tok.string) and tok.start[1] == 0:
            whole = True
        elif HOST_LINE.match(tok.string):
            lines.add(tok.start[0])
    return whole, lines


def _marked(node: ast.AST, statement: ast.stmt | None, lines: set[int]) -> bool:
    """A call is marked when its own lines, or the lines of its statement, carry ``# host``."""
    spans = [(node.lineno, node.end_lineno or node.lineno)]
    if statement is not None:
        spans.append((statement.lineno, statement.end_lineno or statement.lineno))
    return any(first <= line <= last for first, last in spans for line in lines)


def numpy_calls(path: Path, marked: bool = False) -> list[tuple[int, str]]:
    """(line, name) of each NumPy call on possible data in one file.

    Calls marked as host work are left out, or, with ``marked``, are the ones listed.
    """
    source = path.read_text()
    tree = ast.parse(source)
    whole, lines = host_marks(source)
    host_functions = [(f.lineno, f.end_lineno) for f in ast.walk(tree)
                      if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and any(f.lineno <= line < f.body[0].lineno for line in lines)]
    statement_of = {}
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.stmt) and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                 ast.ClassDef, ast.If, ast.For, ast.While,
                                                                 ast.With, ast.Try)):
            for child in ast.walk(stmt):
                statement_of.setdefault(id(child), stmt)
    imports_xp = any(isinstance(n, ast.ImportFrom) and n.module and n.module.endswith("backend")
                     and any(a.name == "xp" for a in n.names) for n in ast.walk(tree))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            base = node.func.value
            while isinstance(base, ast.Attribute):  # np.linalg.svd, np.add.at
                base = base.value
            if isinstance(base, ast.Name) and base.id == "np" and node.func.attr not in NOT_DATA:
                found.append((node, ast.unparse(node.func)))
        elif imports_xp and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "xp":
            found.append((node, f"xp.{node.attr} (the host-only module)"))
    return sorted((node.lineno, name) for node, name in found
                  if (whole or any(first <= node.lineno <= last for first, last in host_functions)
                      or _marked(node, statement_of.get(id(node)), lines)) == marked)


def main() -> None:
    sites = "--sites" in sys.argv
    src = Path(sys.argv[sys.argv.index("--src") + 1]) if "--src" in sys.argv else SRC
    total = total_host = 0
    print("open  host  file")
    for path in sorted(src.rglob("*.py")):
        if path.name in ALLOWED_FILES and path.parent == src:
            continue
        found, host = numpy_calls(path), numpy_calls(path, marked=True)
        if not found and not host:
            continue
        total += len(found)
        total_host += len(host)
        print(f"{len(found):4d}  {len(host):4d}  {path.relative_to(src.parent)}")
        if sites:
            for line, name in found:
                print(f"        {line}: {name}")
    print(f"{total:4d}  {total_host:4d}  in all (open: may touch device data; host: marked host work)")


if __name__ == "__main__":
    main()
