"""Figures about the shape of ``src/glasstorch``: the numbers the architecture page quotes.

    python tools/code_report.py            # a short report
    python tools/code_report.py --json     # the same figures as JSON

It reads the source as text (``ast``), imports nothing from the package, and
prints: the largest files, the longest functions, the import cycles among the
package's modules (imports at module level and inside functions both count),
and the NumPy calls outside the backend and the kernels module.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "glasstorch"
PACKAGE = "glasstorch"
# Where NumPy calls on data belong: the backend and the speed-trick module.
NUMPY_HOMES = {"glasstorch.backend", "glasstorch.kernels"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, tuple[Path, ast.Module]]:
    return {module_name(p): (p, ast.parse(p.read_text(), str(p))) for p in sorted(ROOT.rglob("*.py"))}


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = mod.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(srcs) -> dict[str, set[str]]:
    """Module -> the package modules it imports (``from x import y`` counts y when y is a module)."""
    graph: dict[str, set[str]] = {m: set() for m in srcs}
    for mod, (path, tree) in srcs.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in srcs else base for a in node.names]
            for t in targets:
                while t and t not in srcs:
                    t = t.rpartition(".")[0]
                if t.startswith(PACKAGE) and t != mod:
                    graph[mod].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def functions(srcs):
    for mod, (path, tree) in srcs.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield node.end_lineno - node.lineno + 1, f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}"


def numpy_calls(srcs) -> dict[str, int]:
    """Calls ``np.f(...)``/``numpy.f(...)`` (and ``np.linalg.f``...) per module outside the homes."""
    counts: dict[str, int] = {}
    for mod, (_, tree) in srcs.items():
        if mod in NUMPY_HOMES:
            continue
        n = 0
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                while isinstance(f, ast.Attribute):
                    f = f.value
                if isinstance(f, ast.Name) and f.id in ("np", "numpy") and f is not node.func:
                    n += 1
        if n:
            counts[mod] = n
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--top", type=int, default=8)
    args = ap.parse_args()
    srcs = sources()
    sizes = sorted(((len(p.read_text().splitlines()), str(p.relative_to(ROOT.parent))) for p, _ in srcs.values()), reverse=True)
    funcs = sorted(functions(srcs), reverse=True)
    cyc = cycles(import_graph(srcs))
    npc = numpy_calls(srcs)
    report = {
        "files": len(srcs),
        "lines": sum(n for n, _ in sizes),
        "files_over_800": [f"{p} ({n})" for n, p in sizes if n > 800],
        "largest_files": [f"{p} ({n})" for n, p in sizes[: args.top]],
        "functions_over_80": [f"{where} ({n})" for n, where in funcs if n > 80],
        "longest_functions": [f"{where} ({n})" for n, where in funcs[: args.top]],
        "import_cycles": cyc,
        "numpy_calls_outside_backend": sum(npc.values()),
        "numpy_calls_by_module": dict(sorted(npc.items(), key=lambda kv: -kv[1])[: args.top]),
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return
    for key, value in report.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            print(f"{key}: {len(value)}")
            for comp in value:
                print(f"  {len(comp)} modules: {', '.join(comp)}")
        elif isinstance(value, (list, dict)):
            print(f"{key}: {len(value)}")
            for item in value.items() if isinstance(value, dict) else value:
                print(f"  {item[0]}: {item[1]}" if isinstance(item, tuple) else f"  {item}")
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
