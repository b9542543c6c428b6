"""The backward pass: walk the graph from the outputs to the leaves.

1. Start from the output nodes with their seed gradients, in a heap keyed
   by creation order (every node has a sequence number; leaves come last).
2. Always run the most recently made node that has a gradient waiting. A
   node's consumers were all made after it, so by then every one of them
   has run and added its gradient to the node's buffer: each node sees the
   *sum* of the gradients that reach it, the chain rule for a value used in
   several places. No pass to count dependencies is needed.
3. Running a node calls its op's backward; the returned gradients are
   summed back to each input's shape (undoing broadcasting, in this one
   place) and added to the buffers of the next nodes, which join the heap.
4. At a leaf, the :class:`AccumulateGrad` node adds the gradient to ``.grad``.

The walk is an explicit loop over the heap, never recursion, so a chain of
any length works.

Unless ``create_graph=True``, nothing the backward pass computes is
recorded, so the gradients flowing between nodes are bare NumPy arrays
("raw mode"): ops whose backward is plain arithmetic
(``Function.array_backward``) or that have a ``backward_arrays`` run it on
arrays directly, and only the rest get their gradients wrapped as Tensors. With ``create_graph=True`` every
gradient is a Tensor and every formula is recorded.
"""

from __future__ import annotations

import warnings
from heapq import heappop, heappush

import numpy as np

from .._grad_state import _recorders, _tls
from ..backend import array_module
from ..tensor import Tensor, _to_array, _writable
from .anomaly import _anomaly
from .function import _FREED, AccumulateGrad, _edge

__all__ = ["backward", "grad", "run_backward"]


# -- the entry points: torch.autograd.backward and torch.autograd.grad -----
def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables=None, inputs=None) -> None:
    """Accumulate into ``.grad`` of the leaves the gradient of ``tensors``."""
    outputs = _as_list(tensors)
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    seeds = _seed_grads(outputs, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_list(inputs) if inputs is not None else None
    if inputs is not None and not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    run_backward(outputs, seeds, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` (``.grad`` is left alone)."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for t in outs:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    seeds = _seed_grads(outs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outs, seeds, retain_graph, create_graph, inputs=ins, accumulate=False,
                       allow_unused=allow_unused)
    if materialize_grads:  # zeros for inputs the outputs do not depend on
        res = [_zeros(i._data.shape, i._data.dtype, i._data) if r is None else r for r, i in zip(res, ins)]
    return tuple(res)


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _seed_grads(outputs, grad_outputs):
    """The gradients backward starts from: given ones, or ones for a scalar output."""
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(
            "grad can be implicitly created only for scalar outputs" if not grads else
            f"Mismatch in number of gradients and outputs: got {len(grads)} gradients for {len(outputs)} outputs"
        )
    seeds = []
    for out, g in zip(outputs, grads):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.is_floating_point():
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            d = out._data
            g = Tensor._make(array_module(d).ones(d.shape, d.dtype), False, None, 0)
        elif not isinstance(g, Tensor):  # a number or nested lists, as torch.tensor(g) would take
            g = Tensor._make(array_module(out._data).array(_to_array(g, out.dtype)), False, None, 0)
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a "
                f"shape of {out.shape}."
            )
        seeds.append(g)
    return seeds


def _zeros(shape, dtype, like):
    """A zero gradient as a Tensor, made by the array module of ``like`` (an array of the graph)."""
    return Tensor._make(array_module(like).zeros(shape, dtype), False, None, 0)


# -- the walk ----------------------------------------------------------------
def _wrap(a):
    return None if a is None else Tensor._make(a, False, None, 0)


def _unwrap(g):
    return None if g is None else g._data


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=True):
    """Backpropagate ``grad_tensors`` from ``tensors``.

    With ``accumulate=True`` (``Tensor.backward``) leaves get ``.grad``; with
    ``accumulate=False`` (``autograd.grad``) the gradients for ``inputs`` are
    returned instead and no ``.grad`` is touched.
    """
    roots = [(*_entry(t, "element 0 of tensors does not require grad and does not have a grad_fn"), g)
             for t, g in zip(tensors, grad_tensors)]
    captures = None if inputs is None else _captures(inputs)
    results = [None] * (len(inputs) if inputs is not None else 0)

    # 1. seed the output nodes
    raw = not create_graph and not _anomaly[0]  # anomaly mode checks Tensors for nan
    buffers = {}
    heap = []
    for node, nr, g in roots:
        if node not in buffers:
            heappush(heap, (-node._seq, node))
        _add_to(buffers, node, nr, g._data if raw else g)

    # Arrays already stored as some .grad, and the caller's seeds: a .grad
    # never shares its array with another tensor.
    stolen = {id(g._data) for _, _, g in roots}
    prev, prev_raw = _tls.grad, _tls.raw
    _tls.grad = bool(create_graph)  # backward formulas are recorded only for create_graph
    _tls.raw = raw
    # Nothing to capture, record or hook: a plain node goes straight to its formula.
    fast = raw and captures is None and not (_recorders[0] and _tls.record)
    # A formula that meets 1/0 or 0/0 (sqrt's at 0, log's at 0) gives inf or nan
    # silently, as torch does, not a NumPy warning pointing into glasstorch.
    errstate = np.errstate(divide="ignore", invalid="ignore", over="ignore")
    errstate.__enter__()
    try:
        # 2. run the node made last among those with a gradient waiting: every
        # node that feeds it was made after it, so has already run
        while heap:
            node = heappop(heap)[1]
            grads = buffers.pop(node)
            if fast and node._plain:  # one output, so one gradient
                in_grads = node._raw_backward(node, grads[0])
                if type(in_grads) is not tuple:
                    in_grads = (in_grads,)
            else:
                in_grads = _run_node(node, grads, raw, create_graph, captures, results, accumulate, stolen)
                if in_grads is None:  # a leaf: nothing flows further
                    continue
            if not retain_graph and node._saved:
                node._saved = _FREED
            for (nxt, nr), g, meta in zip(node._next, in_grads, node._metas):
                if nxt is None or g is None:
                    continue
                a = g if raw else g._data
                if a.shape != meta[0] or (a.dtype is not meta[1] and a.dtype != meta[1]):
                    # undo broadcasting, restore dtype
                    g = _fit_array(a, meta, node) if raw else _fit(g, meta, node)
                if nxt in buffers:
                    _add_to(buffers, nxt, nr, g)
                    continue
                if nr == 0 and nxt._out_metas is None:
                    buffers[nxt] = [g]
                else:
                    _add_to(buffers, nxt, nr, g)
                heappush(heap, (-nxt._seq, nxt))
    finally:
        errstate.__exit__(None, None, None)
        _tls.grad, _tls.raw = prev, prev_raw

    if inputs is None:
        return None
    return _deliver(inputs, [_wrap(g) for g in results] if raw else results, accumulate, create_graph,
                    allow_unused)


def _entry(t, message):
    """The (node, output_nr) where ``t``'s gradient enters the graph, or torch's error if none."""
    node, nr = _edge(t)
    if node is None:
        raise RuntimeError(message)
    return node, nr


def _captures(inputs) -> dict:
    """Gradients wanted for particular inputs are captured where they enter the graph:
    ``{(node, output_nr): [positions in inputs]}``."""
    captures = {}
    for i, t in enumerate(inputs):
        captures.setdefault(_entry(t, "One of the differentiated Tensors does not require grad"), []).append(i)
    return captures


def _deliver(inputs, results, accumulate, create_graph, allow_unused):
    """The captured gradients: into non-leaf inputs' ``.grad`` (``backward(inputs=...)``,
    leaves got theirs already), or returned (``autograd.grad``)."""
    if accumulate:
        for t, g in zip(inputs, results):
            if g is None or t.grad_fn is None or t._retains_grad:
                continue
            if not create_graph:
                g = g._copy_detached()
            t._grad = g if t._grad is None else t._grad + g
        return None
    if not allow_unused and any(r is None for r in results):
        raise RuntimeError(
            "One of the differentiated Tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return results


def _run_node(node, grads, raw, create_graph, captures, results, accumulate, stolen):
    """Everything a node may need besides its formula: hooks, retain_grad,
    drawings, captured gradients for ``autograd.grad``, leaves. Returns the
    input gradients, or None at a leaf."""
    if node._pre_hooks or node._retained:
        grads = _run_pre_hooks(node, grads, create_graph, raw)
    if _recorders[0] and _tls.record:
        node.metadata["grad"] = _wrap(grads[0]) if raw else grads[0]
    if captures is not None:
        for nr, g in enumerate(grads):
            for i in captures.get((node, nr), ()):
                results[i] = g if results[i] is None else results[i] + g
    if type(node) is AccumulateGrad:
        if accumulate and grads[0] is not None and (captures is None or (node, 0) in captures):
            t = node.variable
            if raw and not t._hooks:
                _accumulate_array(t, grads[0], stolen)
            else:
                _accumulate(t, _wrap(grads[0]) if raw else grads[0], create_graph, stolen)
            post = t.__dict__.get("_post_accumulate_grad_hooks")
            if post:
                for fn in list(post):
                    fn(t)
        return None
    if raw:
        if node._raw_backward is not None and not node._hooks:
            return _call_backward(node, grads, arrays=True)
        return _call_raw(node, grads)
    if _anomaly[0]:
        return _call_backward_checked(node, grads)
    return _call_backward(node, grads)


def _add_to(buffers, node, nr, g):
    """Sum gradient ``g`` into output ``nr`` of ``node``'s buffer: a value used twice gets both."""
    buf = buffers.get(node)
    if buf is None:
        n_out = len(node._out_metas) if node._out_metas is not None else 1
        buf = buffers[node] = [None] * max(n_out, nr + 1)
    old = buf[nr]
    buf[nr] = g if old is None else old + g


def _run_pre_hooks(node, grads, create_graph, raw):
    """Tensor hooks (registered on a non-leaf) and retain_grad, before the node runs."""
    if raw:  # hooks see Tensors
        return [_unwrap(g) for g in _run_pre_hooks(node, [_wrap(g) for g in grads], create_graph, False)]
    if node._pre_hooks:
        for nr, fn in list(node._pre_hooks):
            if nr is None:  # a node-level pre-hook sees all output grads
                new = fn(tuple(grads))
                if new is not None:
                    grads = list(new)
            elif grads[nr] is not None:
                new = fn(grads[nr])
                if new is not None:
                    grads[nr] = new
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr] if create_graph else grads[nr].detach()
                t._grad = g._clone_if_shared() if t._grad is None else t._grad + g
    return grads


def _call_raw(node, grads):
    """Raw mode, for a backward written for Tensors (or a node with hooks):
    wrap the gradients, run it as in Tensor mode, unwrap what comes back."""
    _tls.raw = False
    try:
        out = _call_backward(node, [_wrap(g) for g in grads])
    finally:
        _tls.raw = True
    return [_unwrap(g) for g in out]


def _call_backward(node, grads, arrays=False):
    """Run the op's backward on the node (with ``arrays``, the one that runs on
    arrays); check and hook what comes back."""
    metas = node._out_metas
    if metas is not None and node._materialize:  # an output that got no gradient gets zeros
        like = next((g if arrays else g._data for g in grads if g is not None), None)
        grads = [g if g is not None or m is None else
                 array_module(like).zeros(*m) if arrays else _zeros(*m, like)
                 for g, m in zip(grads, metas)]
    out = (node._raw_backward if arrays else node._fn.backward)(node, *grads)
    if type(out) is not tuple:
        out = (out,)
    if len(out) != len(node._next):
        out = _trim(node, out)
    if node._hooks:
        for fn in node._hooks:
            new = fn(out, tuple(grads))
            if new is not None:
                out = tuple(new)
    return out


def _trim(node, out):
    """Extra trailing ``None`` gradients are fine; any other count mismatch is an error."""
    n_in = len(node._next)
    if len(out) > n_in and all(g is None for g in out[n_in:]):
        return out[:n_in]
    raise RuntimeError(
        f"function {node.name()} returned an incorrect number of gradients "
        f"(expected {n_in}, got {len(out)})"
    )


def _call_backward_checked(node, grads):
    """Anomaly mode: an error or a nan in backward points at the forward call that made the node."""
    def show_forward():
        if node._trace:
            warnings.warn(
                f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                + node._trace,
                stacklevel=3,
            )

    try:
        out = _call_backward(node, grads)
    except Exception:
        show_forward()
        raise
    for i, g in enumerate(out):
        if g is not None and g._has_nan():
            show_forward()
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    return out


def _fit(g, meta, node):
    """Sum a gradient back to its input's shape and cast it to its dtype."""
    shape, dtype = meta
    if g._data.shape != shape:
        try:
            g = g.sum_to_size(shape)
        except (RuntimeError, ValueError):
            raise RuntimeError(_bad_shape_msg(node, meta, g.shape)) from None
    if g._data.dtype != dtype:
        g = g._cast_np(dtype)
    return g


def _bad_shape_msg(node, meta, got) -> str:
    index = next(i for i, m in enumerate(node._metas) if m is meta)
    return (f"Function {node.name()} returned an invalid gradient at index {index} - got "
            f"{list(got)} but expected shape compatible with {list(meta[0])}")


def _fit_array(a, meta, node):
    """:func:`_fit` on a bare array (raw mode)."""
    shape, dtype = meta
    if a.shape != shape:
        lead = a.ndim - len(shape)
        if lead < 0 or any(n != 1 and a.shape[i + lead] != n for i, n in enumerate(shape)):
            raise RuntimeError(_bad_shape_msg(node, meta, a.shape))
        axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and a.shape[i + lead] != 1)
        a = a.sum(axis=axes, keepdims=True).reshape(shape)
    if a.dtype != dtype:
        a = a.astype(dtype)
    return a


def _accumulate_array(t, a, stolen):
    """:func:`_accumulate` for a bare array and a leaf without hooks (raw mode)."""
    old = t._grad
    if old is None:
        if id(a) in stolen or not _writable(a) or not a.flags.owndata:
            a = array_module(a).array(a, copy=True)
        stolen.add(id(a))
        t._grad = Tensor._make(a, False, None, 0)
    elif old.requires_grad:
        t._grad = old + _wrap(a)
    else:
        old._accumulate_(a)


def _accumulate(t, g, create_graph, stolen):
    """Add ``g`` into leaf ``t``'s ``.grad`` (hooks on the leaf run first)."""
    if t._hooks:
        for fn in list(t._hooks):
            new = fn(g)
            if new is not None:
                g = new
    if not create_graph:
        g = g.detach()
    old = t._grad
    if old is None:
        arr = g._data
        if not create_graph and (id(arr) in stolen or not _writable(arr) or not arr.flags.owndata):
            g = g._copy_detached()
        stolen.add(id(g._data))
        t._grad = g
    elif create_graph or old.requires_grad:
        t._grad = old + g
    else:
        old._accumulate_(g._data)
