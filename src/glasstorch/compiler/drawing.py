"""A captured program drawn as a graph: one box per kernel, grouped by module.

``glasstorch.viz.draw_graph(compiled)`` (or of a :class:`~.program.Program`)
returns the same :class:`~glasstorch.viz.graph.Graph` the autograd drawings
use, so it saves as DOT, SVG or a self-contained HTML page. Where the autograd
drawing shows one node per op, this one shows every kernel the replay runs,
the backward's and the optimizer's included; an in-place kernel becomes the
new source of the array it changed.
"""

from __future__ import annotations

from ..viz.graph import Graph, Node
from .capture import Value
from .program import Program

_SHORT = {"binop": "{fn}", "unary": "{fn}", "inplace": "{fn}", "getitem": "[ ]", "setitem": "[ ] =",
          "attr": ".{fn}", "scalar": ".item()", "assume": "check", "guard": "guard"}


def _label(node) -> str:
    if node.kind == "call":
        return f".{node.fn}()" if node.self_value is not None else node.fn
    if node.kind == "draw":
        return "random." + node.fn.rsplit(".", 1)[-1]
    return _SHORT[node.kind].format(fn=node.fn)


def draw_program(program: Program, title: str | None = None) -> Graph:
    """The kernels of ``program`` and the arrays between them, as a :class:`Graph`."""
    g = Graph(title=title or f"compiled program {program.name}")
    source: dict[int, str] = {}  # id(Value) -> the node that last made or changed it
    for i, (value, _, comment) in enumerate(program.inputs):
        nid = f"in{i}"
        g.nodes.append(Node(nid, comment or value.name, "leaf", tuple(getattr(value._a, "shape", ()))))
        source[id(value)] = nid
    for i, node in enumerate(program.nodes):
        nid = f"k{i}"
        first = next((o for o in node.outs if isinstance(o, Value)), None)
        shape = tuple(first._a.shape) if first is not None and hasattr(first._a, "shape") else None
        phase, _, module = node.where
        g.nodes.append(Node(nid, _label(node), "op", shape, scope=module or phase))
        linked = set()
        for v in node.reads():
            src = source.get(id(v))
            if src is not None and src not in linked:
                linked.add(src)
                g.edges.append((src, nid))
        for v in list(node.outs) + list(node.writes):
            if isinstance(v, Value):
                source[id(v)] = nid
    for j, v in enumerate(program.outputs):
        oid = f"out{j}"
        g.nodes.append(Node(oid, "output" if len(program.outputs) == 1 else f"output {j}", "output",
                            tuple(getattr(v._a, "shape", ()))))
        if id(v) in source:
            g.edges.append((source[id(v)], oid))
    return g
