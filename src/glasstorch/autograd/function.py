"""Function: an op's forward and backward, and the graph node it records.

Calling ``SomeFunction.apply(*args)`` runs ``forward`` and, when gradients are
wanted, records a *node*: an instance of ``SomeFunctionBackward0``. That node
is also the ``ctx`` that ``forward`` and ``backward`` receive, so whatever
forward stores on it is there when backward runs. ``y.grad_fn`` is that node;
its ``next_functions`` point at the nodes that made the inputs, which is the
whole graph.

Built-in ops set ``array_io = True``: their forward takes and returns NumPy
arrays (thin and fast). User-defined Functions follow torch: forward takes
and returns Tensors, run with recording switched off. Both kinds write
backward with Tensor operations, so with ``create_graph=True`` the backward
pass is itself recorded and can be differentiated again.
"""

from __future__ import annotations

import itertools
import traceback
import weakref

import numpy as np

from .._grad_state import _recorders, _tls
from .._hooks import RemovableHandle
from ..backend import from_numpy, is_device_array
from ..tensor import Tensor, _type_name
from .anomaly import _anomaly
from .trace import _tracer

# ``_tls.raw`` is True while the engine runs a backward pass that builds no
# graph: then ``saved_tensors`` hands a backward that runs on arrays bare arrays.

__all__ = ["Function", "BackwardNode", "AccumulateGrad", "once_differentiable"]

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class _NoCtx:
    """The ctx of a forward that records nothing. A fresh one per call keeps
    what forward sets on it for the length of that call (a forward may read
    its own notes back); saving for backward is a no-op."""

    needs_input_grad = ()

    def save_for_backward(self, *args):
        pass

    def mark_non_differentiable(self, *args):
        pass

    def mark_dirty(self, *args):
        pass

    def set_materialize_grads(self, value):
        pass


class _Freed(tuple):
    """The type of _FREED: empty (so falsy, like no saved values) but told apart by identity."""


_FREED = _Freed()  # what a node's saved values become once a backward pass has used them


class _SavedOutput:
    """An output saved for backward, kept as (array, index) so the node
    holds no reference to its own output tensor (no reference cycle)."""

    __slots__ = ("array", "index", "version_box", "version", "requires_grad")


class BackwardNode:
    """A node of the autograd graph, and the ``ctx`` of the op that made it.

    ``_next`` holds one ``(node, output_nr)`` edge per argument given to
    ``apply`` (``(None, 0)`` where no gradient is needed): the engine zips it
    with the gradients backward returns. ``next_functions`` shows the edges
    torch shows: tensor inputs, and numbers in arithmetic.

    Every field starts as a class-level default, so recording a node costs
    one object allocation; a field gets its own value only when set.
    """

    _fn = None                # the Function class this node runs backward for
    _seq = -1                 # creation order (AccumulateGrad: negative, so leaves run last)
    _next = ()                # edges, one per apply() argument
    needs_input_grad = ()
    _saved = None             # what save_for_backward kept (_FREED once a backward pass released it)
    _metas = ()               # (shape, dtype) of each input needing a gradient
    _out_metas = None         # (shape, dtype) per output, for multi-output ops
    # The backward that runs on arrays (the op's own when array_backward, else
    # its backward_arrays), set per node class; None: the engine wraps Tensors
    _raw_backward = None
    # _raw_backward set, one output and no hooks: the engine calls it directly.
    # Cleared on a node that gets hooks or has several outputs.
    _plain = False
    _pre_hooks = None
    _retained = None          # output_nr -> weakref of a tensor that retains grad
    _hooks = None
    _non_diff = None
    _materialize = True
    _trace = None             # forward traceback, kept in anomaly mode
    _meta = None

    @property
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` per input: the graph's edges, as torch lists them."""
        nxt = self._next
        if _HIDDEN_EDGE not in nxt:  # tuples compare == first: a cheap pre-check
            return nxt
        return tuple(e for e in nxt if e is not _HIDDEN_EDGE)

    @property
    def metadata(self) -> dict:
        """A dict for the user (and for drawings) to keep notes on this node."""
        if self._meta is None:
            self._meta = {}
        return self._meta

    # -- the ctx API --------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep inputs or outputs (or other tensors) for backward."""
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to :meth:`save_for_backward`, checked for in-place edits."""
        saved = self._saved
        if not saved:
            if saved is _FREED:
                raise RuntimeError(_FREED_MSG)
            return ()
        raw = _tls.raw  # bare arrays, for a backward that runs on arrays
        out = []
        for s in saved:
            if type(s) is tuple:  # (input tensor, its version at save time)
                t, v = s
                if t._version[0] != v:
                    raise RuntimeError(_modified_msg(t._data, t._version[0], v, t.grad_fn, t._out_nr))
                out.append(t._data if raw else t)
            elif type(s) is _SavedOutput:
                if s.version_box[0] != s.version:
                    raise RuntimeError(_modified_msg(s.array, s.version_box[0], s.version, self, s.index))
                if raw:
                    out.append(s.array)
                    continue
                t = Tensor._make(s.array, s.requires_grad, self if s.requires_grad else None, s.index)
                t._version = s.version_box
                out.append(t)
            elif raw:
                out.append(s._data if isinstance(s, Tensor) else s)
            elif is_device_array(s):  # a constant the forward kept
                out.append(Tensor._make(s, False, None, 0))
            else:
                out.append(s)
        return out if raw else tuple(out)

    def mark_non_differentiable(self, *outputs) -> None:
        """Outputs (e.g. indices) that must never require grad."""
        self._non_diff = outputs

    def mark_dirty(self, *tensors) -> None:
        """Accepted for compatibility; in-place edits are tracked by version counters."""

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``None`` output gradients reach backward as zeros (default True)."""
        self._materialize = bool(value)

    # -- graph API ------------------------------------------------------------
    def name(self) -> str:
        return type(self).__name__

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._hooks is None:
            self._hooks = []
            self._plain = False
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, item=fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; may return new grads."""
        return self._add_pre_hook(None, fn)

    def _add_pre_hook(self, output_nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = []
            self._plain = False
        entry = (output_nr, fn)
        self._pre_hooks.append(entry)
        return RemovableHandle(self._pre_hooks, item=entry)

    def _retain(self, output_nr, tensor) -> None:
        if self._retained is None:
            self._retained = {}
            self._plain = False
        self._retained[output_nr] = weakref.ref(tensor)

    def _release(self) -> None:
        """Drop saved tensors once backward has used them (retain_graph=False)."""
        if self._saved:
            self._saved = _FREED

    def apply(self, *grads):
        """Run this node's backward on output gradients; returns input gradients."""
        out = self._fn.backward(self, *grads)
        return out if type(out) is tuple else (out,)

    __call__ = apply

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


def _modified_msg(array, now, expected, maker=None, index=0) -> str:
    """torch's message for a saved value edited in place; ``maker`` made it (None for a leaf)."""
    shape = ", ".join(str(s) for s in array.shape)
    origin = ""
    if maker is not None:
        op = maker.name()
        op = op[: op.rindex("Backward")] if "Backward" in op else op
        origin = f", which is output {index} of {op},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{_type_name(array.dtype)} [{shape}]]{origin} is at version {now}; expected "
        f"version {expected} instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


class AccumulateGrad(BackwardNode):
    """The node at a leaf tensor: adds the incoming gradient into ``.grad``."""

    def __init__(self, variable) -> None:
        self.variable = variable
        self._seq = next(_LEAF_SEQ)

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _FunctionMeta(type):
    """Gives every Function subclass its own node class, named like torch's."""

    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        node_name = ns.get("node_name") or (
            f"{name}Backward0" if cls.array_io else f"{name}Backward"
        )
        raw_backward = cls.backward if cls.array_backward else cls.backward_arrays
        cls._node_cls = type(node_name, (BackwardNode,), {
            "_fn": cls, "__module__": cls.__module__, "_plain": raw_backward is not None,
            "_raw_backward": None if raw_backward is None else staticmethod(raw_backward),
        })
        if cls.array_io and "apply" not in ns:
            # Built-in ops call the array path directly: one call fewer on every op.
            cls.apply = classmethod(_apply_arrays_fast)


class Function(metaclass=_FunctionMeta):
    """Base class for ops with a hand-written backward (torch.autograd.Function).

    Subclass it, write ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as
    static methods, and call ``YourFunction.apply(*args)``.
    """

    array_io = False        # built-in ops: forward works on NumPy arrays
    differentiable = True   # False: never records (comparisons, argmax, ...)
    is_view = False         # output shares input 0's memory and version counter
    scalar_operands = False  # numbers given to apply are operands (torch lists them in next_functions)
    # When no graph of the backward is built, the engine hands gradients and
    # saved values to a backward as bare NumPy arrays if it can take them:
    # array_backward = True says backward itself is plain arithmetic that
    # gives the same result on arrays; a fused op whose Tensor formula cannot
    # run on arrays writes backward_arrays(ctx, *grads) beside it instead.
    # Any other backward gets Tensors.
    array_backward = False
    backward_arrays = None
    node_name = None

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    vjp = backward

    @classmethod
    def apply(cls, *args):
        """Run ``forward`` on ``args`` and, if any input requires grad, record a node."""
        if cls.array_io:
            return _apply_arrays_fast(cls, *args)
        return _apply_tensors(cls, args)


def _apply_arrays(cls, *args):
    """How a built-in op runs and is recorded: the plain path, to read.

    1. Unwrap: each Tensor argument gives its array; numbers, dims and
       flags pass as they are.
    2. Nothing to record (grad mode off, or no input requires grad): run
       ``forward`` on the arrays and wrap what it returns; no node.
    3. Otherwise make the graph node (it is also ``forward``'s ``ctx``),
       connect it to the nodes that made the inputs (:func:`_connect`), and
       run ``forward`` on the arrays.
    4. Wrap the outputs as Tensors whose ``grad_fn`` is the node, and turn
       what ``forward`` saved into entries that know their tensor and its
       version (:func:`_finish`).

    Built-in ops run :func:`_apply_arrays_fast` instead, which does the same
    for the common shapes of call with fewer steps; tests check that the two
    give the same tensors, nodes and saved values.
    """
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    record = _tls.grad and cls.differentiable and any(isinstance(a, Tensor) and a._requires_grad for a in args)
    if not record:
        return _wrap_unrecorded(cls, args, cls.forward(_NoCtx(), *arrays))
    node = cls._node_cls()
    node._seq = next(_SEQ)
    _connect(cls, node, args)
    out = cls.forward(node, *arrays)
    return _finish(cls, node, args, arrays, out, True)


def _apply_arrays_fast(cls, *args):
    """:func:`_apply_arrays` written flat for speed: what every built-in op runs.

    The hottest code in the library (once per op call). What it skips
    against the plain path: for an op of a tensor and at most one more
    argument (a second operand, a dim, a dtype) it builds no per-argument
    lists and makes the edges inline instead of calling :func:`_connect`;
    for one float output with nothing unusual about it (no view, no
    non-differentiable output, no recording of values, no anomaly mode) it
    fills in the output tensor's fields itself (``Tensor._make`` inline:
    keep the two in step) and resolves saved values in one loop instead of
    calling :func:`_finish`. What it buys,
    measured with ``benchmarks/overhead.py`` (a chain of small ops, forward
    and backward): 9.1 against 11.5 us per op. It is one function of about
    80 lines, not split into helpers, on purpose: each helper call would be
    paid on every op.
    """
    if not _tls.grad:  # e.g. backward formulas: nothing to record
        out = cls.forward(_NoCtx(), *[a._data if isinstance(a, Tensor) else a for a in args])
        return _wrap_unrecorded(cls, args, out)
    n = len(args)
    a = args[0] if n else None
    if not (n < 3 and isinstance(a, Tensor) and cls.differentiable):  # the plain path's steps 1-3
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        if not (cls.differentiable and any(isinstance(a, Tensor) and a._requires_grad for a in args)):
            return _wrap_unrecorded(cls, args, cls.forward(_NoCtx(), *arrays))
        node = cls._node_cls()
        node._seq = next(_SEQ)
        _connect(cls, node, args)
        out = cls.forward(node, *arrays)
    elif n == 1:
        da = a._data
        if not a._requires_grad:
            return _wrap_unrecorded(cls, args, cls.forward(_NoCtx(), da))
        node = cls._node_cls()
        node._seq = next(_SEQ)
        fn = a.grad_fn
        node._next = ((fn, a._out_nr) if fn is not None else (a._accumulator(), 0),)
        node._metas = ((da.shape, da.dtype),)
        node.needs_input_grad = _NEED_ONE
        arrays = (da,)
        out = cls.forward(node, da)
    else:
        da = a._data
        b = args[1]
        need_b = False
        if isinstance(b, Tensor):
            db = b._data
            need_b = b._requires_grad
            edge_b = _NO_EDGE
        else:  # a number operand, or a dim, a flag, a dtype (not an edge in torch's graph)
            db = b
            edge_b = _NO_EDGE if cls.scalar_operands and type(b) in _SCALARS else _HIDDEN_EDGE
        need_a = a._requires_grad
        if not (need_a or need_b):
            return _wrap_unrecorded(cls, args, cls.forward(_NoCtx(), da, db))
        node = cls._node_cls()
        node._seq = next(_SEQ)
        if need_a:
            fn = a.grad_fn
            edge_a = (fn, a._out_nr) if fn is not None else (a._accumulator(), 0)
            meta_a = (da.shape, da.dtype)
        else:
            edge_a, meta_a = _NO_EDGE, None
        if need_b:
            fn = b.grad_fn
            edge_b = (fn, b._out_nr) if fn is not None else (b._accumulator(), 0)
            meta_b = (db.shape, db.dtype)
        else:
            meta_b = None
        node._next = (edge_a, edge_b)
        node._metas = (meta_a, meta_b)
        node.needs_input_grad = (need_a, need_b)
        arrays = (da, db)
        out = cls.forward(node, da, db)

    # One float NumPy output with nothing unusual about it: wrapped here; anything else
    # (another device's array included) goes to _finish.
    if (type(out) is not np.ndarray or out.dtype.kind != "f" or cls.is_view or node._non_diff
            or (_recorders[0] and _tls.record) or _anomaly[0]):
        return _finish(cls, node, args, arrays, out, True)
    t = _new_tensor(Tensor)  # Tensor._make, inline: keep the two in step
    t._data = out
    t._requires_grad = True
    t._grad = t._accum = t._hooks = None
    t.grad_fn = node
    t._out_nr = 0
    t._version = version = [0]
    t._retains_grad = False
    saved = node._saved
    if saved:  # the loop of _resolve_saved, for one output
        resolved = []
        for s in saved:
            if s is out:
                so = _SavedOutput()
                so.array, so.index, so.version_box, so.version, so.requires_grad = out, 0, version, 0, True
                resolved.append(so)
                continue
            for a, u in zip(args, arrays):
                if s is u:
                    resolved.append((a, a._version[0]) if isinstance(a, Tensor) else s)
                    break
            else:
                resolved.append(_resolve_other(s))
        node._saved = resolved
    return t


_NEED_ONE = (True,)
_SEQ = itertools.count()  # creation order of nodes: the engine runs later ones first
_LEAF_SEQ = itertools.count(-1, -1)  # leaves' nodes: below every op's, and each its own
_new_tensor = object.__new__


def _wrap_unrecorded(cls, args, out):
    """Outputs of a forward that recorded nothing: plain tensors (a view shares its version)."""
    if type(out) is tuple:
        t = tuple(Tensor._make(o, False, None, 0) for o in out)
    else:
        t = Tensor._make(out, False, None, 0)
        if cls.is_view and isinstance(args[0], Tensor):
            _share_memory(t, args[0])
    if _tracer[0] is not None:  # an export is tracing this forward pass (see glasstorch.onnx)
        _tracer[0](cls, args, t)
    return t


def _share_memory(view, base) -> None:
    """``view`` is a view of ``base``: one version counter, and the tensor that owns the memory."""
    view._version = base._version
    owner = getattr(base, "_view_base", None)
    view._view_base = base if owner is None else owner


def _apply_tensors(cls, args):
    """The path of user-defined Functions: forward sees Tensors, with recording off."""
    record = _tls.grad and any(isinstance(a, Tensor) and a._requires_grad for a in args)
    custom_setup = cls.setup_context is not Function.setup_context
    node = cls._node_cls()  # forward may use ctx even when nothing is recorded
    node._seq = next(_SEQ)
    _connect(cls, node, args)
    prev = _tls.grad
    _tls.grad = False
    try:
        if custom_setup:
            out = cls.forward(*args)
            cls.setup_context(node, args, out)
        else:
            out = cls.forward(node, *args)
    finally:
        _tls.grad = prev
    single = type(out) is not tuple
    outs = (out,) if single else out
    if not record:
        res = tuple(Tensor._make(o._data, False, None, 0) if isinstance(o, Tensor) else o for o in outs)
        if _tracer[0] is not None:
            _tracer[0](cls, args, res[0] if single else res)
        return res[0] if single else res
    return _finish(cls, node, args, args, out, False)


_NO_EDGE = (None, 0)
# The edge of an argument torch's graph does not show (a dim, a flag, a
# shape): equal to _NO_EDGE, told apart by identity in next_functions.
_HIDDEN_EDGE = tuple([None, 0])
_SCALARS = (int, float, bool)


def _edge(t):
    """The (node, output_nr) edge where gradient for tensor ``t`` enters the graph
    (``_apply_arrays_fast`` writes it out inline for its one or two operands)."""
    if t.grad_fn is not None:
        return t.grad_fn, t._out_nr
    if t.requires_grad:
        return t._accumulator(), 0
    return _NO_EDGE


def _connect(cls, node, args) -> None:
    """Set ``needs_input_grad`` and the edges from ``node`` to the nodes that made its inputs."""
    needs = []
    edges = []
    metas = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            needs.append(True)
            edges.append(_edge(a))
            metas.append((a._data.shape, a._data.dtype))
            continue
        needs.append(False)
        metas.append(None)
        if isinstance(a, Tensor) or (cls.scalar_operands and type(a) in _SCALARS):
            edges.append(_NO_EDGE)
        else:
            edges.append(_HIDDEN_EDGE)
    node.needs_input_grad = tuple(needs)
    node._next = tuple(edges)
    node._metas = metas


def _finish(cls, node, args, unwrapped, out, array_io):
    """Wrap outputs, point them at the node, and resolve what forward saved."""
    if type(out) is not tuple:  # the common case: one output
        o = out if array_io else out._data
        diff = o.dtype.kind in "fc" and not (node._non_diff and _is_in(o, node._non_diff, array_io, out))
        t = Tensor._make(o, diff, node if diff else None, 0)
        if cls.is_view and isinstance(args[0], Tensor):
            _share_memory(t, args[0])
        tensors = (t,)
        outs = (out,)
    else:
        outs = out
        non_diff = node._non_diff
        tensors = []
        for i, o in enumerate(outs):
            if o is None:
                tensors.append(None)
                continue
            if not array_io:
                o = o._data
            diff = o.dtype.kind in "fc" and not (non_diff and _is_in(o, non_diff, array_io, outs[i]))
            tensors.append(Tensor._make(o, diff, node if diff else None, i))
        if cls.is_view and tensors[0] is not None and isinstance(args[0], Tensor):
            _share_memory(tensors[0], args[0])
        node._out_metas = tuple(None if t is None else (t._data.shape, t._data.dtype) for t in tensors)
        node._plain = False
    if node._saved:
        node._saved = _resolve_saved(node._saved, args, unwrapped, outs, tensors)
    if _recorders[0] and _tls.record:
        node.metadata["value"] = tensors[0]._data if tensors[0] is not None else None
        if _tracer[0] is not None:  # an export met a tensor that requires grad
            _tracer[0](cls, args, tensors[0] if type(out) is not tuple else tuple(tensors))
    if _anomaly[0]:
        node._trace = "".join(traceback.format_stack()[:-3])
    return tensors[0] if type(out) is not tuple else tuple(tensors)


def _is_in(array, group, array_io, original):
    return any(x is array or x is original for x in group)


def _resolve_saved(saved, args, unwrapped, outs, tensors):
    """Turn what forward saved into entries that know their tensor and version."""
    resolved = []
    for s in saved:
        if not (is_device_array(s) or isinstance(s, Tensor) or (s is not None and hasattr(s, "shape"))):
            resolved.append(s)  # a plain Python value
            continue
        entry = None
        for a, u in zip(args, unwrapped):
            if s is u and isinstance(a, Tensor):
                entry = (a, a._version[0])
                break
        if entry is None:
            for o, t in zip(outs, tensors):
                if t is not None and (s is o):
                    so = _SavedOutput()
                    so.array, so.index = t._data, t._out_nr
                    so.version_box, so.version = t._version, t._version[0]
                    so.requires_grad = t._requires_grad
                    entry = so
                    break
        resolved.append(_resolve_other(s) if entry is None else entry)
    return tuple(resolved)


def _resolve_other(s):
    """A saved value that is neither an input nor an output of the op."""
    if is_device_array(s):  # a constant (e.g. a number as a 0-d array)
        return s
    if isinstance(s, Tensor):
        return (s, s._version[0])  # tracked for in-place edits
    if s is None or type(s) in _SCALARS or not hasattr(s, "shape"):
        return s  # a plain Python value
    # another array (a constant): kept as it is, wrapped when a formula asks for Tensors
    return from_numpy(s)  # a host constant (a NumPy scalar) moves to the device


def once_differentiable(fn):
    """Mark a backward as not differentiable twice (accepted; runs as written)."""
    return fn
