"""The package's import structure: no circles, and importing it changes nothing outside it.

The layers, bottom to top: dtypes -> backend -> tensor -> autograd -> ops ->
methods -> nn / optim / data / viz. Each module imports only from below, so
the graph of imports has no cycle. The graph is read from the source with
``ast``: imports at module level and inside functions both count (an import
inside a function is still a dependency, only a later one). An import under
``if TYPE_CHECKING:`` does not run, so it does not count.

An edge goes to the module an import names: ``from .ops import pointwise``
is an edge to ``glasstorch.ops.pointwise``, ``from .ops import add`` one to
``glasstorch.ops`` (the package's ``__init__``). Running a submodule runs its
parent package's ``__init__`` first; that is not counted as an edge (as in
import-linter and pydeps), or every package ``__init__`` that imports its own
submodules would be a circle.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "glasstorch"


def _module_names() -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its ``__init__``)."""
    modules = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every Import / ImportFrom node that runs (those under ``if TYPE_CHECKING:`` do not)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _known(name: str, modules) -> str | None:
    """``name`` if it is a module of the package, else its longest prefix that is."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """``{module: modules of the package it imports}`` for every module of glasstorch."""
    modules = _module_names()
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                           for alias in node.names]
            for target in targets:
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    known = _known(target, modules)
                    if known is not None and known != name:
                        edges.add(known)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> dict[frozenset, list[str]]:
    """The strongly connected components of more than one module (Tarjan): ``{modules: one circle}``."""
    index, low, on_stack, stack, found = {}, {}, set(), [], {}
    counter = [0]

    def visit(v):  # recursion depth is bounded by the number of modules (a few hundred)
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found[frozenset(component)] = _one_circle(graph, set(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _one_circle(graph, component: set[str]) -> list[str]:
    """A shortest circle through the first module of ``component`` (breadth first), to show."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError("a strongly connected component always holds a circle")


def test_the_graph_is_read_from_source():
    graph = import_graph()
    assert "glasstorch.tensor" in graph and "glasstorch.autograd.function" in graph
    assert "glasstorch.tensor" in graph["glasstorch.autograd.function"]
    assert "glasstorch.ops.pointwise" in graph["glasstorch._operators"]


def test_cycles_finds_every_circle_and_every_module_in_it():
    graph = {"a": {"b", "d"}, "b": {"c"}, "c": {"a", "b"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert cycles(graph) == {frozenset("abc"): ["a", "b", "c", "a"], frozenset({"e", "e2"}): ["e", "e2", "e"]}
    assert cycles({"a": {"b"}, "b": set()}) == {}


# Circles that remain outside the core layers, each with the imports that
# close it. Remove an entry once its circle is gone (the test below says
# when); never add one.
def _describe(found) -> str:
    return "\n".join(f"  {' -> '.join(circle)}   (modules in it: {', '.join(sorted(component))})"
                     for component, circle in sorted(found.items(), key=lambda kv: kv[1]))


def test_no_import_cycle_in_the_package():
    found = cycles(import_graph())
    assert not found, f"{len(found)} import circle(s) in src/{PACKAGE}:\n{_describe(found)}"


@pytest.mark.parametrize("module, below", [
    ("glasstorch.tensor", {"glasstorch.autograd", "glasstorch.ops", "glasstorch._methods", "glasstorch._operators"}),
    ("glasstorch.autograd.function", {"glasstorch.ops", "glasstorch._methods", "glasstorch._operators"}),
    ("glasstorch.autograd.engine", {"glasstorch.ops", "glasstorch._methods", "glasstorch._operators"}),
])
def test_lower_layers_import_nothing_above_them(module, below):
    graph = import_graph()
    seen, todo = set(), [module]
    while todo:  # everything the module needs, directly or not
        for w in graph[todo.pop()] - seen:
            seen.add(w)
            todo.append(w)
    above = sorted(m for m in seen if any(m == b or m.startswith(b + ".") for b in below))
    assert not above, f"{module} reaches {above}"


def _run(code: str, **env) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "GLASSTORCH_MALLOPT"}
    environ.update(PYTHONPATH=str(SRC), **env)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_changes_nothing_outside_the_package():
    # malloc tuning is opt-in; importing registers no signal handler, exit hook or warning
    # filter of its own (NumPy and logging add theirs as they load, so they are loaded first)
    out = _run(
        "import atexit, signal, sys, warnings\n"
        "import logging, multiprocessing, numpy, numpy.fft, numpy.linalg, numpy.polynomial, numpy.random\n"
        "handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}\n"
        "filters = list(warnings.filters)\n"
        "rec, hook, excepthook = sys.getrecursionlimit(), sys.getswitchinterval(), sys.excepthook\n"
        "n_exit = atexit._ncallbacks()\n"
        "import glasstorch, glasstorch.backend as b\n"
        "assert {s: signal.getsignal(s) for s in handlers} == handlers\n"
        "assert warnings.filters == filters, 'warning filters changed'\n"
        "assert (sys.getrecursionlimit(), sys.getswitchinterval(), sys.excepthook) == (rec, hook, excepthook)\n"
        "assert atexit._ncallbacks() == n_exit, 'an exit hook was registered'\n"
        "print(b.MALLOC_TUNED)\n")
    assert out == "False"


def test_malloc_tuning_is_switched_on_by_the_environment_or_a_call():
    expected = str(sys.platform.startswith("linux"))
    assert _run("import glasstorch.backend as b; print(b.MALLOC_TUNED)", GLASSTORCH_MALLOPT="1") == expected
    assert _run("import glasstorch.backend as b; print(b.tune_malloc(), b.MALLOC_TUNED)") == f"{expected} {expected}"


def test_star_import_of_autograd():
    namespace = {}
    exec("from glasstorch.autograd import *", namespace)
    import glasstorch.autograd as autograd

    for name in autograd.__all__:
        assert namespace[name] is getattr(autograd, name)
    assert {"backward", "grad", "Function", "gradcheck", "no_grad"} <= set(namespace)


def test_every_operator_is_defined_once():
    import glasstorch._operators as operators
    from glasstorch import Tensor

    dunders = [n for n in vars(operators) if n.startswith("__") and callable(vars(operators)[n])]
    assert {"__add__", "__radd__", "__matmul__", "__eq__", "__getitem__", "__iadd__"} <= set(dunders)
    for name in dunders:
        assert getattr(Tensor, name) is getattr(operators, name), name
    assert Tensor.__hash__ is object.__hash__  # defining __eq__ must not make tensors unhashable
