"""Print a :class:`~.program.Program` as Python source and compile it once.

One line per kernel, with a comment naming the op (and the module) it came
from; a section header where the call moves from forward to backward to the
optimizer. Kernel results are renamed ``t1, t2, ...`` in order of appearance,
so the same step always prints the same source.
"""

from __future__ import annotations

import linecache
import re

import numpy as np

from .capture import SymFloat, Value, literal, values_in
from .program import Program

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$")


def _small_literal(v: Value) -> str | None:
    """A folded one-number constant printed in place (``np.float32(0.2)``), when exact."""
    a = v._a
    if v.root.written or v.name.startswith(("c", "w")) or getattr(a, "ndim", 1) != 0:
        return None
    kind = a.dtype.kind
    if kind not in "biuf" or (kind == "f" and not np.isfinite(a)):  # host
        return None
    name = a.dtype.type.__name__
    if getattr(np, name, None) is not a.dtype.type:
        return None
    return f"np.{name}({a.item()!r})"


class _Printer:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.namespace: dict = {"np": np, "inf": float("inf"), "nan": float("nan")}
        self.namespace.update(program.bindings)
        self.pool: dict[int, str] = {}

    def bind(self, obj, hint: str) -> str:
        name = self.pool.get(id(obj))
        if name is None:
            name = f"{hint}{len(self.pool)}"
            self.pool[id(obj)] = name
            self.namespace[name] = obj
        return name

    def arg(self, x) -> str:
        if isinstance(x, Value):
            while x.alias is not None:
                x = x.alias
            if x.origin == "constant":
                small = _small_literal(x)
                if small is not None:
                    return small
                if x.name not in self.namespace:
                    self.namespace[x.name] = x._a
            return x.name
        if isinstance(x, SymFloat):
            return x.expr
        if x is None or isinstance(x, (bool, int, str)):
            return repr(x)
        if isinstance(x, float):
            return literal(x)
        if x is Ellipsis:
            return "..."
        if isinstance(x, slice):
            return f"slice({self.arg(x.start)}, {self.arg(x.stop)}, {self.arg(x.step)})"
        if isinstance(x, tuple) and not hasattr(x, "_fields"):
            inner = ", ".join(self.arg(v) for v in x)
            return f"({inner},)" if len(x) == 1 else f"({inner})"
        if isinstance(x, list):
            return "[" + ", ".join(self.arg(v) for v in x) + "]"
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k!r}: {self.arg(v)}" for k, v in x.items()) + "}"
        if isinstance(x, np.dtype):
            name = x.type.__name__
            if getattr(np, name, None) is x.type and np.dtype(x.type) == x:
                return f"np.{name}"
        if type(x).__name__ == "_Planned":  # passes.plan_memory's preallocated array
            return x.name
        if x in (bool, int, float, complex):
            return x.__name__
        if isinstance(x, type) and issubclass(x, np.generic) and getattr(np, x.__name__, None) is x:
            return f"np.{x.__name__}"
        if isinstance(x, np.generic) and np.isfinite(x) and getattr(np, type(x).__name__, None) is type(x):  # host
            return f"np.{type(x).__name__}({x.item()!r})"
        return self.bind(x, "k_")

    def index(self, key) -> str:
        items = key if isinstance(key, tuple) else (key,)
        parts = []
        for k in items:
            if isinstance(k, slice):
                start = "" if k.start is None else self.arg(k.start)
                stop = "" if k.stop is None else self.arg(k.stop)
                parts.append(f"{start}:{stop}" + ("" if k.step is None else f":{self.arg(k.step)}"))
            else:
                parts.append(self.arg(k))
        if isinstance(key, tuple) and len(key) == 1:
            return parts[0] + ","
        return ", ".join(parts) if parts else "()"

    def call_args(self, args, kwargs) -> str:
        parts = [self.arg(a) for a in args] + [f"{k}={self.arg(v)}" for k, v in kwargs.items()]
        return ", ".join(parts)

    def function(self, node) -> str:
        """The dotted NumPy name of a call when it names that very function, else a binding."""
        if _IDENTIFIER.match(node.fn):
            obj = self.namespace.get(node.fn.split(".")[0])
            for part in node.fn.split(".")[1:]:
                obj = getattr(obj, part, None)
            try:
                if obj is node.fn_obj or obj == node.fn_obj or node.fn_obj is None:
                    return node.fn
            except (TypeError, ValueError):
                pass
        return self.bind(node.fn_obj, "f_")

    def statement(self, node) -> str:
        if node.kind == "scalar":
            return f"{node.outs[0]} = {self.arg(node.self_value)}.item()"
        lhs = ", ".join(self.arg(o) for o in node.outs)
        if len(node.outs) > 1 or (node.outs and isinstance(node.result, (tuple, list))):
            lhs = self.unpack(node.result)
        target = f"{lhs} = " if lhs else ""
        me = self.arg(node.self_value) if node.self_value is not None else None
        kind = node.kind
        if kind == "call":
            fn = f"{me}.{node.fn}" if me else self.function(node)
            return f"{target}{fn}({self.call_args(node.args, node.kwargs)})"
        if kind == "draw":
            return f"{target}{node.fn}({self.call_args(node.args, node.kwargs)})"
        if kind == "binop":
            return f"{target}{self.arg(node.args[0])} {node.fn} {self.arg(node.args[1])}"
        if kind == "unary":
            a = self.arg(node.args[0])
            return f"{target}abs({a})" if node.fn == "abs" else f"{target}{node.fn}{a}"
        if kind == "inplace":
            return f"{me} {node.fn} {self.arg(node.args[0])}"
        if kind == "getitem":
            return f"{target}{me}[{self.index(node.args[0])}]"
        if kind == "setitem":
            return f"{me}[{self.index(node.args[0])}] = {self.arg(node.args[1])}"
        if kind == "attr":
            return f"{target}{me}.{node.fn}"
        if kind == "assume":
            v = self.arg(node.args[0])
            read = f"{v}.item()" if node.fn == "item" else f"{node.fn}({v})"
            if isinstance(node.result, bool):
                test = f"{read} is not {node.result}"
            elif isinstance(node.result, float):
                test = f"not _same({read}, {literal(node.result)})"
            else:
                test = f"{read} != {node.result!r}"
            undo = "_undo_draws(_saved)\n        " if node.kwargs.get("undo_draws") else ""
            for r in node.kwargs.get("undo", ()):
                j = next(k for k, a in enumerate(self.program.undo_arrays) if a is r)
                undo += f"np.copyto({self.arg(r)}, _kept[{j}])\n        "
            return f"if {test}:  # {node.kwargs['why']}\n        {undo}raise _CheckFailed()"
        if kind == "guard":
            return f"if not ({node.fn}):\n        raise _Stale()"
        if kind == "scalar":
            return f"{node.outs[0]} = {me}.item()"
        raise AssertionError(f"unknown node kind {kind}")

    def unpack(self, result) -> str:
        names = []
        for r in result:
            if isinstance(r, Value):
                names.append(self.arg(r))
            elif isinstance(r, (tuple, list)):
                names.append("(" + self.unpack(r) + ")")
            else:
                names.append("_")
        return ", ".join(names) + ("," if len(names) == 1 else "")


def rename(program: Program, start: int = 0) -> int:
    """Kernel results get ``t1, t2, ...`` in order of appearance (stable source)."""
    count = start
    seen: set[int] = set()
    for node in program.nodes:
        results = list(node.outs) if node.kind != "scalar" else []
        if node.kind != "scalar":
            for r in values_in(node.result):
                if r.alias is None and all(r is not x for x in results) and r.origin == "kernel" and id(r) not in seen and r.name.startswith("v"):
                    results.append(r)
        for v in results:
            if isinstance(v, Value) and id(v) not in seen and v.origin == "kernel":
                seen.add(id(v))
                count += 1
                v.name = f"t{count}"
    return count


def _deaths(program: Program, p: _Printer) -> dict[int, list[str]]:
    """``node index -> names of kernel results last used there``: the replay drops each
    array as soon as nothing needs it (``; del t4``), as eager Python does, so a long
    step does not keep every intermediate alive (and touch fresh memory for each)."""
    kept = {p.arg(v) for v in program.outputs}
    kept.update(p.arg(v) for _, v in program.effects if isinstance(v, Value))
    last: dict[str, int] = {}
    for i, node in enumerate(program.nodes):
        made = [o for o in node.outs if isinstance(o, Value)] + list(values_in(node.result))
        for v in made + node.reads() + list(node.writes):
            if isinstance(v, Value):
                name = p.arg(v)
                if v.origin == "kernel" and name.startswith("t") and name not in kept:
                    last[name] = i
    dies: dict[int, list[str]] = {}
    for name, i in last.items():
        dies.setdefault(i, []).append(name)
    return {i: sorted(names, key=lambda n: int(n[1:])) for i, names in dies.items()}


def generate(program: Program) -> tuple[str, dict]:
    """The program's source and the namespace it runs in."""
    p = _Printer(program)
    lines = [f"def {program.name}(A):"]
    doc = f'"""{program.name}: {len(program.nodes)} kernels, replayed by glasstorch.compile."""'
    lines.append(f"    {doc}")
    if program.undo_draws:
        lines.append("    _saved = _save_draws()  # a check below may undo this call's random draws")
    for value, expr, comment in program.inputs:
        lines.append(f"    {p.arg(value)} = {expr}" + (f"  # {comment}" if comment else ""))
    if program.undo_arrays:
        kept = ", ".join(f"{p.arg(r)}.copy()" for r in program.undo_arrays)
        lines.append(f"    _kept = ({kept},)  # a check below may put these back")
    dies = _deaths(program, p)
    phase = None
    for i, node in enumerate(program.nodes):
        node_phase, op, module = node.where
        if node.kind in ("guard", "assume"):
            header = ("    # ---- guards: hyperparameters the capture branched on ----" if node.kind == "guard"
                      else "    # ---- checks on the arguments' data (else this call runs eagerly) ----")
            if lines[-1] != header and not lines[-1].lstrip().startswith(("if ", "raise")):
                lines.append(header)
            lines.append(f"    {p.statement(node)}")
            continue
        if node_phase != phase:
            phase = node_phase
            lines.append(f"    # ---- {phase} ----")
        note = op + (f" ({module})" if module else "")
        free = f"; del {', '.join(dies[i])}" if i in dies else ""
        lines.append(f"    {p.statement(node)}{free}" + (f"  # {note}" if note else ""))
    if program.effects:
        lines.append("    # ---- results into tensors ----")
    for template, value in program.effects:
        lines.append("    " + template.format(p.arg(value) if value is not None else ""))
    outs = ", ".join(p.arg(v) for v in program.outputs)
    lines.append(f"    return ({outs}{',' if len(program.outputs) == 1 else ''})")
    return "\n".join(lines) + "\n", p.namespace


def build(program: Program, tag: str):
    """Compile the program's source once; the function and its source."""
    source, namespace = generate(program)
    filename = f"<glasstorch.compile:{tag}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102  (source printed above from the program)
    return namespace[program.name], source
