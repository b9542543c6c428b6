"""Passes over a captured :class:`~.program.Program`; each keeps the numbers bit for bit.

- :func:`eliminate_dead_code` drops kernels whose results nothing needs.
- :func:`fold_constants` replaces kernels of constants alone by their value,
  computed once at capture (an attention mask, the backward seed ``1``).
- :func:`reuse_buffers` writes an elementwise kernel into an input array that
  dies there (``np.add(t3, t4, out=t3)``): chains of pointwise ops stop
  allocating a new array at each step.

A pass never reorders kernels: draws from the generator and writes to state
happen in the order the eager call made them.
"""

from __future__ import annotations

import numpy as np

from .capture import SymFloat, Value, values_in
from .program import Program

UNDO_LIMIT = 1 << 16  # elements of state a replay copies to be able to undo an in-flight check
_ELEMENTWISE = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_ELEMENTWISE_UNARY = {"-": np.negative, "abs": np.absolute}


def hoist_checks(program: Program) -> list[str]:
    """Place each check on data (an ``assume`` node: ``bool``/``int``/``.item()`` of a
    tensor) where a failed check costs nothing but an eager call.

    - A check on what comes only from tensors nothing writes (the arguments,
      constants) moves, with the kernels it needs, to the front of the program.
    - A check on computed data inside an op (an overflow test in a layer, a
      fast path taken when no gradient is infinite) stays where it is, if the
      state written before it is small (BatchNorm's running
      statistics, not the parameters): the program keeps a copy of those
      arrays and the generators' state, and a failed check puts them back and
      runs the call eagerly.
    - Any other check cannot be kept (a read the user's code makes of computed
      data, ``loss.item()``, is one): its reason comes back, as a graph break.
    """
    nodes = program.nodes
    producer = {id(o): i for i, node in enumerate(nodes) for o in node.outs if isinstance(o, Value)}
    written: list[Value] = []  # state roots written so far, in order
    written_before: list[list[Value]] = []
    for n in nodes:
        written_before.append(list(written))
        for w in n.writes:
            if _is_state(w, program.scratch) and all(w.root is not r for r in written):
                written.append(w.root)
    first_draw = next((i for i, n in enumerate(nodes) if n.kind == "draw"), len(nodes))
    moved: set[int] = set()
    failures = []
    for i, node in enumerate(nodes):
        if node.kind != "assume":
            continue
        cone = _cone(nodes, producer, i)
        if cone is not None:
            moved |= cone
        elif not node.kwargs["by_user"] and sum(getattr(r._a, "size", 1) for r in written_before[i]) <= UNDO_LIMIT:
            undo = written_before[i]
            node.kwargs = dict(node.kwargs, undo_draws=i > first_draw, undo=undo)
            program.undo_draws = program.undo_draws or i > first_draw
            for r in undo:
                if all(r is not k for k in program.undo_arrays):
                    program.undo_arrays.append(r)
        else:
            failures.append(node.kwargs["why"])
    program.nodes = [nodes[i] for i in sorted(moved)] + [n for i, n in enumerate(nodes) if i not in moved]
    kept = sum(n.kind == "assume" for n in nodes) - len(failures)
    program.notes.append(f"checks: {kept} kept ({len({i for i in moved if nodes[i].kind == 'assume'})} "
                         "moved to the front)")
    return failures


def _is_state(v: Value, scratch: set[int]) -> bool:
    """A write that outlives the call: into a tensor's array or a constant that is not scratch."""
    root = v.root
    return root.origin in ("input", "argument") or (root.origin == "constant" and id(root._a) not in scratch)


def _cone(nodes, producer, i):
    """The indices of node ``i`` and the kernels it needs, when they read only unwritten
    tensors and constants and neither draw nor write; else None."""
    cone, stack = {i}, [nodes[i]]
    while stack:
        for v in stack.pop().reads():
            if v.root.written:
                return None
            j = producer.get(id(v))
            if j is None:
                if v.origin not in ("argument", "input", "constant"):
                    return None
            elif j not in cone:
                n = nodes[j]
                if n.kind in ("draw", "scalar", "assume", "inplace", "setitem") or n.writes:
                    return None
                cone.add(j)
                stack.append(n)
    return cone


def eliminate_dead_code(program: Program) -> int:
    """Drop kernels that write nothing, draw nothing and make nothing used later."""
    live = program.escaping()
    kept = []
    for node in reversed(program.nodes):
        needed = (node.writes or node.kind in ("draw", "scalar", "assume", "guard")
                  or any(id(o) in live for o in node.outs if isinstance(o, Value)))
        if needed:
            kept.append(node)
            live.update(id(v) for v in node.reads())
    removed = len(program.nodes) - len(kept)
    program.nodes = kept[::-1]
    program.notes.append(f"dead code: {removed} kernels removed")
    return removed


def _is_constant(v) -> bool:
    return isinstance(v, Value) and v.origin == "constant" and not v.root.written


def fold_constants(program: Program) -> int:
    """Kernels whose every input is an unchanging constant become constants themselves."""
    escaping = program.escaping()
    kept, folded = [], 0
    for node in program.nodes:
        foldable = (node.kind not in ("draw", "scalar", "inplace", "setitem", "assume", "guard")
                    and not node.writes
                    and node.outs and not _has_symbolic((node.args, node.kwargs))
                    and all(_is_constant(v) for v in node.reads())
                    and all(isinstance(o, Value) and not o.root.written and id(o) not in escaping
                            and o.root.origin not in ("input", "argument") for o in node.outs))
        if not foldable:
            kept.append(node)
            continue
        for o in node.outs:
            o.origin = "constant"
            o.name = f"k{len(program.bindings)}"
            program.bindings[o.name] = o._a
        folded += 1
    program.nodes = kept
    program.notes.append(f"constant folding: {folded} kernels computed once")
    return folded


def _has_symbolic(obj) -> bool:
    if isinstance(obj, SymFloat):
        return True
    if isinstance(obj, (list, tuple)):
        return any(_has_symbolic(x) for x in obj)
    if isinstance(obj, dict):
        return any(_has_symbolic(x) for x in obj.values())
    return False


def reuse_buffers(program: Program) -> int:
    """Elementwise kernels write into an operand array that dies at that kernel."""
    last = program.last_uses()
    escaping = program.escaping()
    has_views = {id(v.root) for node in program.nodes for v in node.outs
                 if isinstance(v, Value) and v.root is not v}
    dynamic = _data_dependent_shapes(program)  # shapes that may differ on a replay: left alone
    reused = 0
    for i, node in enumerate(program.nodes):
        ufunc = _elementwise(node)
        if ufunc is None or len(node.outs) != 1 or node.kwargs:
            continue
        out = node.outs[0]
        if not (isinstance(out._a, np.ndarray) and out.root is out) or id(out) in dynamic:
            continue
        for arg in node.args:
            if (isinstance(arg, Value) and arg.origin == "kernel" and arg.root is arg
                    and isinstance(arg._a, np.ndarray) and arg._a.flags.owndata
                    and id(arg) not in escaping and id(arg) not in has_views
                    and last.get(id(arg)) == i and arg._a.shape == out._a.shape
                    and arg._a.dtype == out._a.dtype):
                node.kind, node.fn, node.self_value = "call", f"np.{ufunc.__name__}", None
                node.kwargs = {"out": arg}
                node.outs = []
                out.alias = arg
                reused += 1
                break
    program.notes.append(f"buffer reuse: {reused} kernels write into a dying operand")
    return reused


_WITH_OUT = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "@": np.matmul,
             "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
             "!=": np.not_equal}


def plan_memory(program: Program) -> int:
    """Give kernels that allocate their result a preallocated array to write into (``out=``).

    The arrays are made once, at capture, and shared by results whose lifetimes do
    not overlap (a linear scan in program order; a result lives until the last use
    of it or of any view of it). A replay then allocates nothing for them: no
    ``malloc``, no fresh pages. Results the program hands back (outputs, new
    ``.grad``, a backward's residuals) keep fresh arrays, since the next replay
    overwrites the planned ones. Only ufuncs take part (``np.add``, ``@``, ``<``):
    their values do not depend on where they are written.
    """
    escaping = program.escaping()

    def home(v):  # the Value whose array ``v`` lives in (after in-place chains)
        while v.alias is not None:
            v = v.alias
        return v

    ends: dict[int, int] = {}
    for i, node in enumerate(program.nodes):
        for v in list(node.reads()) + list(node.writes) + [o for o in node.outs if isinstance(o, Value)]:
            if isinstance(v, Value):
                root = home(v.root) if v.root is not v else home(v)
                ends[id(root)] = i
    handed_back = list(program.outputs) + list(program.protected)
    handed_back += [v for _, v in program.effects if isinstance(v, Value)]
    for v in handed_back:  # an array handed back, or a view of one, must outlive the replay
        ends[id(home(v.root) if v.root is not v else home(v))] = len(program.nodes)
    dynamic = _data_dependent_shapes(program)
    free: dict[tuple, list] = {}
    busy: list = []  # (end, key, buffer)
    names: dict[int, str] = {}  # id(buffer) -> its name in the program
    made = sum(1 for n in program.bindings if n.startswith("m"))  # a backward continues the forward's m0, m1...
    planned = 0
    for i, node in enumerate(program.nodes):
        still = []
        for end, key, buf in busy:
            (free.setdefault(key, []).append(buf) if end < i else still.append((end, key, buf)))
        busy = still
        ufunc = _ufunc_with_out(node)
        if ufunc is None or len(node.outs) != 1:
            continue
        out = node.outs[0]
        a = out._a
        if not (isinstance(a, np.ndarray) and out.root is out and out.origin == "kernel" and a.flags.owndata
                and id(out) not in dynamic
                and (a.flags.c_contiguous or a.flags.f_contiguous)
                and id(out) not in escaping and ends.get(id(out), len(program.nodes)) < len(program.nodes)
                and a.size > 0):
            continue
        # the same memory layout as the eager result: a later reduction over it then adds
        # in the same order (a C-ordered copy of an F-ordered result would round differently)
        key = (a.shape, a.dtype.str, a.strides)
        pool = free.get(key)
        buf = pool.pop() if pool else None
        if buf is None:
            buf = np.empty_like(a)  # host: the compiler's own scratch memory, laid out as ``a``
        name = names.get(id(buf))
        if name is None:
            name = names[id(buf)] = f"m{made}"
            made += 1
            program.bindings[name] = buf
        node.kind, node.fn, node.self_value = "call", f"np.{ufunc.__name__}", None
        node.kwargs = dict(node.kwargs, out=_Planned(name, buf))
        busy.append((ends.get(id(out), i), key, buf))
        planned += 1
    program.notes.append(f"memory plan: {planned} kernels write into {len(names)} preallocated arrays")
    return planned


_SHAPE_FROM_DATA = frozenset({"np.nonzero", "np.flatnonzero", "np.argwhere", "np.unique", "np.compress",
                              "np.extract", "nonzero", "compress"})


def _data_dependent_shapes(program: Program) -> set[int]:
    """ids of the Values whose shape may change from call to call: the results of boolean
    masks and ``nonzero``, and everything computed from them (NumPy sizes those at each
    replay; a preallocated array could not)."""
    dynamic: set[int] = set()
    for node in program.nodes:
        reads = node.reads()
        masked = node.kind in ("getitem", "setitem") and any(
            isinstance(v, Value) and v._a.dtype == bool and v is not node.self_value for v in reads)
        if masked or node.fn in _SHAPE_FROM_DATA or any(id(v) in dynamic for v in reads):
            dynamic.update(id(o) for o in node.outs if isinstance(o, Value))
            dynamic.update(id(v) for v in values_in(node.result))
    return dynamic


class _Planned:
    """A preallocated array, printed by its name (``out=m3``)."""

    def __init__(self, name: str, array) -> None:
        self.name, self.array = name, array

    def __repr__(self) -> str:
        return self.name


def _ufunc_with_out(node):
    return None if node.kwargs else _elementwise(node, _WITH_OUT)


def _elementwise(node, operators=_ELEMENTWISE):
    """The one-output ufunc a node calls (an operator from ``operators``), or None."""
    if node.kind == "binop":
        return operators.get(node.fn)
    if node.kind == "unary":
        return _ELEMENTWISE_UNARY.get(node.fn)
    if node.kind == "call" and node.self_value is None and node.fn.startswith("np."):
        fn = getattr(np, node.fn[3:], None)
        if isinstance(fn, np.ufunc) and fn.nout == 1:
            return fn
    return None


def run_all(program: Program, reuse: bool = True) -> None:
    """The passes after :func:`hoist_checks` (which decides whether there is a program)."""
    eliminate_dead_code(program)
    fold_constants(program)
    if reuse:
        reuse_buffers(program)
        plan_memory(program)
