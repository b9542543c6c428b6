"""Drawings of the autograd graph behind a tensor.

``draw_graph(y)`` walks ``y.grad_fn`` and its ``next_functions`` back to the
leaves (the same walk ``backward()`` makes) and returns a :class:`Graph`
that can be written as Graphviz DOT (no dependency), rendered to SVG/PNG
through the ``graphviz`` package and program, or saved as one self-contained
HTML page with its own layout, pan, zoom and hover.

Nodes: one per op (its backward node's name, e.g. ``MulBackward0``) and one
per leaf tensor (named from ``params``). Ops made inside a module traced with
:func:`module_scopes` are grouped in a box per module.
"""

from __future__ import annotations

import contextlib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import backend
from .._nested import tensors_in
from ..autograd.function import AccumulateGrad
from ..autograd.trace import record_values as record
from ..tensor import Tensor

__all__ = ["draw_graph", "Graph", "module_scopes", "record"]

_SCOPE_KEY = "module"


@dataclass
class Node:
    id: str
    label: str
    kind: str                 # "op", "leaf", "output" or "more"
    shape: tuple | None = None
    value: str | None = None
    grad: str | None = None
    scope: str | None = None  # dotted module name that made this op


@dataclass
class Graph:
    """A drawn autograd graph: nodes, edges (child -> parent, in data-flow order)."""

    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    title: str = "autograd graph"

    # -- DOT ------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The graph in Graphviz's DOT language."""
        out = ["digraph G {", '  graph [rankdir=BT, fontname="Helvetica", fontsize=11];',
               '  node [fontname="Helvetica", fontsize=10, style=filled];']
        by_scope: dict = {}
        for n in self.nodes:
            by_scope.setdefault(n.scope, []).append(n)
        for scope, nodes in by_scope.items():
            indent = "  "
            if scope:
                cid = "cluster_" + "".join(c if c.isalnum() else "_" for c in scope)
                out.append(f'  subgraph {cid} {{ label="{_esc(scope)}"; style="rounded,dashed"; color="#888888";')
                indent = "    "
            for n in nodes:
                out.append(indent + f'"{n.id}" [{_dot_attrs(n)}];')
            if scope:
                out.append("  }")
        for a, b in self.edges:
            out.append(f'  "{a}" -> "{b}";')
        out.append("}")
        return "\n".join(out)

    def save(self, path: str | Path) -> Path:
        """Write the DOT source to ``path`` (``.dot``/``.gv``) or, by suffix, ``.html``, ``.svg``, ``.png``."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            path.write_text(self.to_html(), encoding="utf-8")
        elif suffix in (".svg", ".png", ".pdf"):
            path.write_bytes(self.render(suffix[1:]))
        else:
            path.write_text(self.source, encoding="utf-8")
        return path

    def render(self, format: str = "svg") -> bytes:  # noqa: A002
        """Lay out and render with Graphviz (needs the ``graphviz`` package and the ``dot`` program)."""
        try:
            import graphviz
        except ImportError:
            raise ImportError(
                "rendering to SVG/PNG needs the graphviz package: pip install 'glasstorch[graph]' "
                "(or save as .html, which needs nothing)"
            ) from None
        try:
            return graphviz.Source(self.source).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(
                "Graphviz's `dot` program was not found. Install it (Debian/Ubuntu: apt-get install graphviz; "
                "macOS: brew install graphviz), or save the graph as .html, which needs nothing."
            ) from None

    def _repr_html_(self) -> str:
        """Jupyter shows the interactive viewer inline; it needs nothing installed.

        The page goes in an ``iframe`` of its own, so its script and styles
        stay out of the notebook's.
        """
        height = min(640, 200 + 40 * len(self.nodes))
        page = html.escape(self.to_html(), quote=True)
        return (f'<iframe srcdoc="{page}" title="{html.escape(self.title)}" sandbox="allow-scripts" '
                f'style="width:100%;height:{height}px;border:1px solid #ddd"></iframe>')

    def _repr_svg_(self):  # a static Graphviz drawing, for frontends that show no HTML (needs dot)
        try:
            return self.render("svg").decode()
        except (ImportError, RuntimeError):
            return None

    # -- HTML -----------------------------------------------------------------
    def to_html(self) -> str:
        """One self-contained HTML page (inline SVG + script, no network) with pan, zoom and hover."""
        layout = _layout(self)
        return _HTML.replace("__TITLE__", html.escape(self.title)).replace(
            "__DATA__", json.dumps(layout).replace("</", "<\\/"))


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


_COLORS = {"op": "#e8eefc", "leaf": "#d9f2d9", "output": "#fde2c4", "more": "#eeeeee", "input": "#f4f4f4"}


def _dot_attrs(n: Node) -> str:
    lines = [n.label]
    if n.shape is not None:
        lines.append(_shape_str(n.shape))
    if n.value is not None:
        lines.append("value " + n.value)
    if n.grad is not None:
        lines.append("grad " + n.grad)
    label = "\\n".join(_esc(s) for s in lines)
    shape = "box" if n.kind in ("leaf", "output", "input") else "ellipse"
    return f'label="{label}", shape={shape}, fillcolor="{_COLORS[n.kind]}"'


def _shape_str(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _fmt(t, limit: int) -> str | None:
    if t is None:
        return None
    if isinstance(t, Tensor):
        if t._data.size > limit:
            return None
        a = backend.to_numpy(t._data)  # the values shown in the drawing: a host copy
    else:
        a = backend.to_numpy(t)  # a saved array or number: a host copy
    if a.size > limit:
        return None
    if a.ndim == 0:
        return f"{a.item():.4g}"
    return np.array2string(a, precision=4, separator=", ", threshold=limit)  # host


# ---------------------------------------------------------------- building
def draw_graph(output: Tensor | list, params=None, show_values: bool = False, show_grads: bool = False,
               max_depth: int | None = None, value_limit: int = 16, title: str | None = None) -> Graph:
    """The autograd graph that produced ``output`` (a tensor or a list of tensors).

    Given a compiled function or module (``glasstorch.compile``), the kernels of
    its latest captured program instead.

    ``params``: a dict name -> tensor (e.g. ``dict(model.named_parameters())``) to
    label the leaves. ``show_values`` / ``show_grads`` print values and
    ``.grad`` (after ``backward()``) for tensors of at most ``value_limit``
    elements. ``max_depth`` stops the walk that many ops from the output.
    """
    draw_program = getattr(output, "draw_program", None)  # glasstorch.compile's function or module
    if draw_program is not None:
        return draw_program(title)
    outputs = output if isinstance(output, (list, tuple)) else [output]
    names = {id(t): name for name, t in (params or {}).items()}
    g = Graph(title=title or "autograd graph")
    ids: dict = {}

    def nid(obj) -> str:
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    stack = []
    seen = set()
    for i, out in enumerate(outputs):
        oid = f"out{i}"
        label = "output" if len(outputs) == 1 else f"output {i}"
        g.nodes.append(Node(oid, label, "output", tuple(out.shape),
                            _fmt(out, value_limit) if show_values else None,
                            _fmt(out.grad, value_limit) if show_grads and out.grad is not None else None))
        if out.grad_fn is not None:
            g.edges.append((nid(out.grad_fn), oid))
            stack.append((out.grad_fn, 0, tuple(out.shape)))
        elif out.requires_grad:
            leaf_id = nid(out)
            g.nodes.append(_leaf_node(out, leaf_id, names, show_values, show_grads, value_limit))
            g.edges.append((leaf_id, oid))
    while stack:
        fn, depth, shape = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if max_depth is not None and depth >= max_depth:
            g.nodes.append(Node(nid(fn), "...", "more"))
            continue
        meta = fn.metadata
        value = meta.get("value")
        g.nodes.append(Node(nid(fn), fn.name(), "op", tuple(value.shape) if value is not None else shape,
                            _fmt(value, value_limit) if show_values and value is not None else None,
                            _fmt(meta.get("grad"), value_limit) if show_grads else None,
                            scope=meta.get(_SCOPE_KEY)))
        # _next and _metas are both indexed by apply() argument; next_functions
        # drops non-tensor arguments, so it would shift the shapes.
        metas = getattr(fn, "_metas", ())
        for k, (nxt, _) in enumerate(getattr(fn, "_next", None) or fn.next_functions):
            if nxt is None:
                continue
            in_shape = metas[k][0] if k < len(metas) and metas[k] is not None else None
            if type(nxt) is AccumulateGrad:
                leaf = nxt.variable
                leaf_id = nid(leaf)
                if id(leaf) not in seen:
                    seen.add(id(leaf))
                    g.nodes.append(_leaf_node(leaf, leaf_id, names, show_values, show_grads, value_limit))
                g.edges.append((leaf_id, nid(fn)))
            else:
                g.edges.append((nid(nxt), nid(fn)))
                stack.append((nxt, depth + 1, in_shape))
    return g


def _leaf_node(t, leaf_id, names, show_values, show_grads, limit) -> Node:
    name = names.get(id(t), "")
    return Node(leaf_id, name or "leaf", "leaf", tuple(t.shape),
                _fmt(t, limit) if show_values else None,
                _fmt(t.grad, limit) if show_grads and t.grad is not None else None)


@contextlib.contextmanager
def module_scopes(model):
    """While active, ops run inside each submodule of ``model`` are tagged with its name,
    so :func:`draw_graph` groups them (a ``Sequential`` MLP is drawn as its layers)."""
    handles = []
    for name, mod in model.named_modules():
        label = f"{name} ({type(mod).__name__})" if name else type(model).__name__

        def pre(m, args):
            m.__dict__["_viz_inputs"] = {id(a.grad_fn) for a in tensors_in(args) if a.grad_fn is not None}

        def post(m, args, out, _label=label):
            stop = m.__dict__.pop("_viz_inputs", set())
            _tag([t.grad_fn for t in tensors_in(out) if t.grad_fn is not None], stop, _label)

        handles.append(mod.register_forward_pre_hook(pre))
        handles.append(mod.register_forward_hook(post))
    try:
        yield model
    finally:
        for h in handles:
            h.remove()


def _tag(roots, stop, scope) -> None:
    """Tag every op reachable from ``roots`` that is not yet tagged and was not made before the module ran."""
    stack = list(roots)
    seen = set()
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen or id(fn) in stop or type(fn) is AccumulateGrad:
            continue
        seen.add(id(fn))
        if fn.metadata.get(_SCOPE_KEY) is not None:
            continue  # an inner module already claimed it (and what is below it)
        fn.metadata[_SCOPE_KEY] = scope
        stack.extend(nxt for nxt, _ in fn.next_functions)


# ---------------------------------------------------------------- layout for HTML
def _layout(g: Graph) -> dict:
    """Layered layout: outputs on top, leaves at the bottom, few crossings.

    Rank = longest path from an output; within a rank nodes are ordered by the
    mean position of their neighbours (a few up/down sweeps).
    """
    idx = {n.id: i for i, n in enumerate(g.nodes)}
    parents = {n.id: [] for n in g.nodes}   # consumers (towards the output)
    children = {n.id: [] for n in g.nodes}  # producers (towards the leaves)
    for a, b in g.edges:
        if a in idx and b in idx:
            parents[a].append(b)
            children[b].append(a)
    rank = {}
    order = [n.id for n in g.nodes if not parents[n.id]]
    for r in order:
        rank[r] = 0
    # longest-path ranks by relaxation in topological order (Kahn on consumers)
    indeg = {k: len(v) for k, v in parents.items()}
    queue = [k for k, v in indeg.items() if v == 0]
    while queue:
        k = queue.pop()
        for c in children[k]:
            rank[c] = max(rank.get(c, 0), rank.get(k, 0) + 1)
            indeg[c] -= 1
            if indeg[c] == 0:
                queue.append(c)
    for n in g.nodes:
        rank.setdefault(n.id, 0)
    layers: dict = {}
    for n in g.nodes:
        layers.setdefault(rank[n.id], []).append(n.id)
    pos = {}
    for r in sorted(layers):
        for i, k in enumerate(layers[r]):
            pos[k] = float(i)
    for _ in range(4):
        for direction in (children, parents):
            for r in sorted(layers):
                def key(k, nbrs=direction):
                    nb = [pos[x] for x in nbrs[k] if x in pos]
                    return sum(nb) / len(nb) if nb else pos[k]
                layers[r].sort(key=key)
                for i, k in enumerate(layers[r]):
                    pos[k] = float(i)
    widths, texts = {}, {}
    for n in g.nodes:
        lines = [n.label] + ([_shape_str(n.shape)] if n.shape is not None else [])
        lines += [f"value {n.value}"] if n.value is not None and len(n.value) <= 40 else []
        lines += [f"grad {n.grad}"] if n.grad is not None and len(n.grad) <= 40 else []
        texts[n.id] = lines
        widths[n.id] = max(60, 7 * max(len(s) for s in lines) + 20)
    col = 30.0
    xs = {}
    for ks in layers.values():
        x = 20.0
        for k in ks:
            xs[k] = x
            x += widths[k] + col
    max_row = max((sum(widths[k] + col for k in ks) for ks in layers.values()), default=100)
    for ks in layers.values():  # centre each row
        row = sum(widths[k] + col for k in ks)
        for k in ks:
            xs[k] += (max_row - row) / 2
    tallest = max((len(t) for t in texts.values()), default=2)
    row_h = 50.0 + 14 * tallest
    nodes = []
    for n in g.nodes:
        nodes.append({"id": n.id, "label": n.label, "kind": n.kind, "x": xs[n.id], "y": 20 + rank[n.id] * row_h,
                      "w": widths[n.id], "h": 12 + 14 * len(texts[n.id]), "lines": texts[n.id],
                      "shape": _shape_str(n.shape) if n.shape is not None else "",
                      "value": n.value, "grad": n.grad, "scope": n.scope, "color": _COLORS[n.kind]})
    return {"nodes": nodes, "edges": [[a, b] for a, b in g.edges if a in idx and b in idx],
            "width": max_row + 40, "height": 40 + (max(layers) + 1) * row_h if layers else 100}


_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{margin:0;overflow:hidden;font-family:Helvetica,Arial,sans-serif;background:#fafafa}
#bar{padding:6px 10px;background:#333;color:#eee;font-size:13px}
#view{width:100vw;height:calc(100vh - 30px);cursor:grab}
#tip{position:fixed;display:none;background:#fff;border:1px solid #999;padding:6px 8px;font:12px monospace;
white-space:pre;pointer-events:none;box-shadow:2px 2px 6px rgba(0,0,0,.2)}
.node rect{stroke:#555;stroke-width:1} .node text{font-size:11px;text-anchor:middle}
.scope{fill:none;stroke:#888;stroke-dasharray:4 3} .scope-label{font-size:11px;fill:#555}
.edge{stroke:#777;fill:none;marker-end:url(#arrow)} .collapsed rect{stroke-width:2.5}
</style></head><body>
<div id="bar">__TITLE__ &mdash; drag to pan, wheel to zoom, hover a node for its values, click a module box to fold it</div>
<svg id="view" xmlns="http://www.w3.org/2000/svg"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5"
markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#777"/></marker></defs>
<g id="root"></g></svg><div id="tip"></div>
<script>
const G = __DATA__;
const NS = "http://www.w3.org/2000/svg";
const root = document.getElementById("root"), tip = document.getElementById("tip");
const byId = {}; G.nodes.forEach(n => byId[n.id] = n);
const folded = new Set();
function el(tag, attrs, parent){const e=document.createElementNS(NS,tag);for(const k in attrs)e.setAttribute(k,attrs[k]);parent.appendChild(e);return e;}
function visible(n){return !(n.scope && folded.has(n.scope));}
function draw(){
  root.innerHTML = "";
  const scopes = {};
  G.nodes.forEach(n => { if (n.scope) (scopes[n.scope] = scopes[n.scope] || []).push(n); });
  const proxy = {};
  for (const s in scopes) {
    const ns = scopes[s];
    const x0 = Math.min(...ns.map(n => n.x)) - 8, x1 = Math.max(...ns.map(n => n.x + n.w)) + 8;
    const y0 = Math.min(...ns.map(n => n.y)) - 16, y1 = Math.max(...ns.map(n => n.y + n.h)) + 8;
    if (folded.has(s)) {
      const c = {id: "scope:" + s, label: s, kind: "op", x: (x0 + x1) / 2 - 90, y: (y0 + y1) / 2 - 20, w: 180, h: 40,
                 lines: [s, ns.length + " ops"], shape: ns.length + " ops", color: "#e8eefc", scope: null,
                 value: null, grad: null, fold: s};
      ns.forEach(n => proxy[n.id] = c); scopes[s].box = c;
    } else {
      const r = el("rect", {x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 8, class: "scope"}, root);
      const t = el("text", {x: x0 + 6, y: y0 + 12, class: "scope-label"}, root); t.textContent = s;
      r.style.cursor = t.style.cursor = "pointer";
      r.onclick = t.onclick = () => { folded.add(s); draw(); };
    }
  }
  const at = id => proxy[id] || byId[id];
  const drawn = new Set();
  G.edges.forEach(([a, b]) => {
    const A = at(a), B = at(b); if (A === B) return;
    const key = A.id + ">" + B.id; if (drawn.has(key)) return; drawn.add(key);
    el("path", {d: `M${A.x + A.w / 2},${A.y} C${A.x + A.w / 2},${A.y - 25} ${B.x + B.w / 2},${B.y + B.h + 25} ${B.x + B.w / 2},${B.y + B.h}`,
                class: "edge"}, root);
  });
  const shown = G.nodes.filter(visible).concat(Object.values(scopes).map(s => s.box).filter(Boolean));
  shown.forEach(n => {
    const g = el("g", {class: "node" + (n.fold ? " collapsed" : ""), transform: `translate(${n.x},${n.y})`}, root);
    el("rect", {width: n.w, height: n.h, rx: n.kind === "op" ? 14 : 3, fill: n.color}, g);
    n.lines.forEach((line, i) => {
      const t = el("text", {x: n.w / 2, y: 16 + 14 * i, fill: i ? "#555" : "#000"}, g); t.textContent = line;
    });
    g.onmousemove = e => {
      let s = n.label + (n.shape ? "  " + n.shape : "") + (n.scope ? "\\nin " + n.scope : "");
      if (n.value) s += "\\nvalue: " + n.value; if (n.grad) s += "\\ngrad:  " + n.grad;
      tip.textContent = s; tip.style.display = "block"; tip.style.left = (e.clientX + 12) + "px"; tip.style.top = (e.clientY + 12) + "px";
    };
    g.onmouseleave = () => tip.style.display = "none";
    if (n.fold) { g.style.cursor = "pointer"; g.onclick = () => { folded.delete(n.fold); draw(); }; }
  });
}
let scale = 1, tx = 0, ty = 0, drag = null;
const svg = document.getElementById("view");
function apply(){ root.setAttribute("transform", `translate(${tx},${ty}) scale(${scale})`); }
svg.onmousedown = e => { drag = [e.clientX - tx, e.clientY - ty]; svg.style.cursor = "grabbing"; };
window.onmouseup = () => { drag = null; svg.style.cursor = "grab"; };
window.onmousemove = e => { if (drag) { tx = e.clientX - drag[0]; ty = e.clientY - drag[1]; apply(); } };
svg.onwheel = e => { e.preventDefault(); const f = e.deltaY < 0 ? 1.1 : 1 / 1.1;
  tx = e.clientX - (e.clientX - tx) * f; ty = e.clientY - (e.clientY - ty) * f; scale *= f; apply(); };
const fit = Math.min(1, (window.innerWidth - 20) / G.width, (window.innerHeight - 40) / G.height);
scale = fit > 0 ? fit : 1; apply(); draw();
document.title = "__TITLE__ (" + G.nodes.length + " nodes)";
</script></body></html>
"""
