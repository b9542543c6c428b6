"""The tracer behind ``glasstorch.onnx.export``: one forward pass in, one ONNX graph out.

Every op a forward pass runs (under ``no_grad``) reports ``(Function class,
arguments, outputs)`` to :meth:`Builder.on_op`, which turns it into ONNX nodes
right away (``_ops.py`` and ``_nn_ops.py`` hold one converter per op family). Modules with an
ONNX op of their own (``_modules.py``) are caught by a global forward hook
instead: the ops inside them are not recorded, and one node stands for the
whole module.

Values are tracked by tensor identity. Each tensor the graph knows has a
name and, per axis, a *dynamic expression*: ``None`` for a fixed size, else
``(symbols, factor)`` meaning ``product(symbols) * factor``. Graph inputs get
their symbols from ``dynamic_axes``; an op's output axis takes the expression
of an input axis of the same size. Shape arguments (``view``, ``expand``,
slice bounds) that match a dynamic axis are read from ``Shape`` at run time,
so a graph traced at one batch size runs at any other. Sizes of dynamic axes
should therefore differ from the model's fixed sizes in the example inputs.

Tensors no traced op made (parameters, buffers, constants built in forward)
become initializers; an op whose inputs are all constants is folded: its
traced output is stored instead of the op.

Initializers are NumPy arrays: tensor data reaches them through
``backend.to_numpy`` (in :meth:`Builder.const`, and for parameters).
"""

# host module: ONNX initializers are host arrays; tensor data is read through backend.to_numpy
from __future__ import annotations

import math

import numpy as np

from .. import backend
from .._nested import tensors_in
from ..tensor import Tensor
from ._common import UnsupportedOperatorError, converter
from ._modules import module_converter


def _onnx():
    try:
        import onnx
    except ImportError as e:  # pragma: no cover - the extra is installed in tests
        raise ImportError("glasstorch.onnx needs the onnx package: pip install glasstorch[onnx]") from e
    return onnx


class _Entry:
    __slots__ = ("tensor", "name", "dyn", "version", "kind")


class Builder:
    """Collects nodes, initializers and the name of every traced tensor."""

    def __init__(self, opset: int, params: dict, fold: bool, export_params: bool) -> None:
        self.onnx = _onnx()
        self.opset = opset
        self.params = params            # id(tensor) -> (qualified name, tensor)
        self.fold = fold
        self.export_params = export_params
        self.nodes: list = []
        self.initializers: dict = {}    # name -> array
        self.param_inputs: list = []    # (name, tensor) when export_params=False
        self.entries: dict = {}         # id(tensor) -> _Entry
        self.by_array: dict = {}        # id(tensor._data) -> id(tensor), for index arrays
        self.used: set = set()
        self.counter = 0
        self.suspended = None           # the module a module-level converter stands for
        self.current = "?"
        self.module_kwargs: dict = {}
        self.patched: list = []

    # -- names ----------------------------------------------------------------
    def fresh(self, hint: str = "v") -> str:
        self.counter += 1
        name = f"{hint}_{self.counter}"
        while name in self.used:
            self.counter += 1
            name = f"{hint}_{self.counter}"
        self.used.add(name)
        return name

    def const(self, value, dtype=None, hint: str = "const") -> str:
        """An initializer holding ``value`` (an array or a number)."""
        arr = np.asarray(backend.to_numpy(value), dtype=dtype)
        name = self.fresh(hint)
        self.initializers[name] = _c(arr)
        return name

    def ints(self, values) -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), hint="ints")

    def _entry(self, t: Tensor):
        e = self.entries.get(id(t))
        if e is not None and e.version != t._version[0]:
            if e.kind == "value":
                raise UnsupportedOperatorError(
                    f"a traced tensor of shape {list(t.shape)} was modified in place by an operation that "
                    "cannot be exported (in-place writes such as index assignment are not supported)")
            e = None  # a constant changed since: read it again
        return e

    def _add(self, t: Tensor, name, dyn, kind) -> _Entry:
        e = _Entry()
        e.tensor, e.name, e.kind, e.version = t, name, kind, t._version[0]
        e.dyn = tuple(dyn) if dyn is not None else (None,) * t.ndim
        self.entries[id(t)] = e
        self.by_array[id(t._data)] = id(t)
        return e

    def add_input(self, t: Tensor, name: str, dyn) -> None:
        self.used.add(name)
        self._add(t, name, dyn, "value")

    def name(self, x) -> str:
        """The ONNX name of a tensor (registering parameters and constants on first use)."""
        if not isinstance(x, Tensor):
            return self.const(np.asarray(x))
        e = self._entry(x)
        if e is not None and e.name is not None:
            return e.name
        p = self.params.get(id(x))
        if p is not None:
            pname, _ = p
            if self.export_params:
                self.initializers[pname] = _c(backend.to_numpy(x._data))
                kind = "param"
            else:
                self.param_inputs.append((pname, x))
                kind = "value"
            self.used.add(pname)
            return self._add(x, pname, None, kind).name
        name = self.const(x._data)
        if e is not None:  # a folded constant, named on first use
            e.name = name
            return name
        return self._add(x, name, None, "const").name

    def dyn(self, t: Tensor) -> tuple:
        e = self._entry(t)
        return e.dyn if e is not None else (None,) * t.ndim

    def is_const(self, t: Tensor) -> bool:
        """True for tensors whose value is fixed in the graph (folding may replace ops on them)."""
        e = self._entry(t)
        if e is not None:
            return e.kind == "const" or (e.kind == "param" and self.fold)
        if id(t) in self.params:
            return self.fold and self.export_params
        return True

    def index_tensor(self, arr):
        """The traced tensor whose array is ``arr`` (an index an op received as an array), or None."""
        tid = self.by_array.get(id(arr))
        if tid is None:
            return None
        e = self.entries.get(tid)
        if e is None or e.kind != "value" or e.tensor._data is not arr:  # ids of dead arrays are reused
            return None
        return e.tensor

    def _traced(self, arr):
        t = self.index_tensor(arr)
        return arr if t is None else t

    # -- nodes ----------------------------------------------------------------
    def node(self, op: str, inputs, n_out: int = 1, **attrs):
        """Add one node; returns its output name (or a list of them when ``n_out != 1``)."""
        outs = [self.fresh(op.lower()) for _ in range(n_out)]
        ins = ["" if i is None else i for i in inputs]
        self.nodes.append(self.onnx.helper.make_node(op, ins, outs, name=self.fresh(op), **attrs))
        return outs[0] if n_out == 1 else outs

    def bind(self, t, name: str, dyn=None, sources=()) -> None:
        """Name tensor ``t`` as the value ``name``; its dynamic axes come from ``dyn`` or
        are matched by size against the axes of ``sources``."""
        if t is None:
            return
        if dyn is None:
            dyn = self.match_dyn(t.shape, sources)
        self._add(t, name, dyn, "value")

    def match_dyn(self, shape, sources) -> tuple:
        pool = []
        for s in sources:
            if isinstance(s, Tensor):
                for n, d in zip(s.shape, self.dyn(s)):
                    if d is not None:
                        pool.append((n, d))
        if not pool:
            return (None,) * len(shape)
        return tuple(next((d for n, d in pool if n == size), None) for size in shape)

    def shape_axis(self, t: Tensor, axis: int) -> str:
        """A 1-element int64 tensor: the run-time size of ``t`` along ``axis``."""
        return self.node("Shape", [self.name(t)], start=axis, end=axis + 1)

    def shape_input(self, target, src: Tensor, allow_infer: bool = True):
        """An int64 shape tensor for ``target`` (a traced shape) whose dims that match a dynamic
        axis of ``src`` are read at run time. Returns ``(name, dyn of the result)``."""
        src_dyn = self.dyn(src)
        axes = [(i, n, d) for i, (n, d) in enumerate(zip(src.shape, src_dyn)) if d is not None]
        target = [int(s) for s in target]
        plan: list = [None] * len(target)
        dyn: list = [None] * len(target)
        taken = set()
        for j, size in enumerate(target):
            # prefer the axis at the same position, then any unused one of that size
            order = sorted(axes, key=lambda a: (a[0] != j, a[0]))
            for i, n, d in order:
                if n == size and i not in taken:
                    plan[j], dyn[j] = ("axis", i), d
                    taken.add(i)
                    break
        left = [(i, n, d) for i, n, d in axes if i not in taken]
        if left and allow_infer:
            # the dynamic axes no target dim copies were merged or split: one dim becomes -1
            syms = tuple(sorted(s for _, _, d in left for s in d[0]))
            sub = math.prod(n // d[1] for _, n, d in left)  # the symbols' own sizes
            free = [j for j in range(len(target)) if plan[j] is None and sub and target[j] % sub == 0]
            if free:
                first = left[0][0]
                exact = [j for j in free if target[j] == sub]
                j = exact[0] if exact else (first if first in free else free[0])
                plan[j] = ("infer", -1)
                dyn[j] = (syms, target[j] // sub)
        if all(p is None or p[0] == "infer" for p in plan):
            return self.ints([-1 if p else s for p, s in zip(plan, target)]), tuple(dyn)
        pieces, run = [], []
        for p, s in zip(plan, target):
            if p is not None and p[0] == "axis":
                if run:
                    pieces.append(self.ints(run))
                    run = []
                pieces.append(self.shape_axis(src, p[1]))
            else:
                run.append(-1 if p is not None else s)
        if run:
            pieces.append(self.ints(run))
        name = pieces[0] if len(pieces) == 1 else self.node("Concat", pieces, axis=0)
        return name, tuple(dyn)

    # -- the hook ---------------------------------------------------------------
    def on_op(self, cls, args, outs) -> None:
        if self.suspended is not None:
            return
        if cls is None:  # an in-place op wrote ``outs`` into ``args[0]``
            e = self._entry(outs) if id(outs) in self.entries else None
            t = args[0]
            if e is None or e.kind != "value":
                self.entries.pop(id(t), None)  # a constant again (its new data)
                return
            ne = self._add(t, e.name, e.dyn, "value")
            ne.version = t._version[0] + 1  # the write bumps the version after this hook
            return
        # some ops receive a tensor's array (an index): give them back the traced tensor
        args = tuple(self._traced(a) if type(a) is np.ndarray else a for a in args)
        tensors = [a for a in args if isinstance(a, Tensor)]
        if not tensors or all(self.is_const(t) for t in tensors):
            for o in tensors_in(outs):
                self.entries.pop(id(o), None)  # a folded constant: named on first use
                self._add(o, None, None, "const")
            return
        conv = converter(cls)
        if conv is None:
            raise UnsupportedOperatorError(
                f"Exporting the operator '{op_name(cls)}' to ONNX opset version {self.opset} is not "
                "supported")
        self.current = cls.__name__
        conv(self, args, outs)

    # -- modules -------------------------------------------------------------------
    def pre_hook(self, module, args):
        if self.suspended is None and module_converter(module) is not None:
            self.suspended = module
            # global hooks see no keyword arguments: catch them with a one-call forward wrapper
            orig = type(module).forward

            def forward(*a, **kw):
                module.__dict__.pop("forward", None)
                self.module_kwargs = kw
                return orig(module, *a, **kw)

            module.__dict__["forward"] = forward
            self.patched.append(module)
        return None

    def post_hook(self, module, args, result):
        if self.suspended is module:
            self.suspended = None
            self.current = type(module).__name__
            module_converter(module)(self, module, args, self.module_kwargs, result)
        return None

    def unpatch(self) -> None:
        for m in self.patched:
            m.__dict__.pop("forward", None)


def _c(arr):
    """A C-ordered copy when needed (np.ascontiguousarray would make a 0-d array 1-d)."""
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def op_name(cls) -> str:
    """The name an error shows for an op: its graph node's name without ``Backward0``."""
    node = cls._node_cls.__name__
    for suffix in ("Backward0", "Backward"):
        if node.endswith(suffix):
            return node[: -len(suffix)]
    return cls.__name__
