"""The backward pass: walk the graph from the outputs to the leaves.

1. Count, for every node reachable from the outputs, how many edges lead
   into it (its dependencies).
2. Start from the output nodes with their seed gradients. A node runs only
   when every node that feeds it a gradient has run, so each node sees the
   *sum* of the gradients that reach it: that is the chain rule for a value
   used in several places.
3. Running a node calls its op's backward; the returned gradients are
   summed back to each input's shape (undoing broadcasting, in this one
   place) and added to the buffers of the next nodes.
4. At a leaf, the :class:`AccumulateGrad` node adds the gradient to ``.grad``.

The walk is an explicit loop with a stack, never recursion, so a chain of
any length works.
"""

from __future__ import annotations

from . import grad_mode
from .anomaly import _anomaly
from .function import AccumulateGrad

_enabled = grad_mode._enabled


def _edge(t):
    """The (node, output_nr) edge where gradient for tensor ``t`` enters the graph."""
    if t.grad_fn is not None:
        return t.grad_fn, t._out_nr
    if t.requires_grad:
        return t._accumulator(), 0
    return None, 0


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=True):
    """Backpropagate ``grad_tensors`` from ``tensors``.

    With ``accumulate=True`` (``Tensor.backward``) leaves get ``.grad``; with
    ``accumulate=False`` (``autograd.grad``) the gradients for ``inputs`` are
    returned instead and no ``.grad`` is touched.
    """
    roots = []
    for t, g in zip(tensors, grad_tensors):
        node, nr = _edge(t)
        if node is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        roots.append((node, nr, g))

    # Gradients wanted for particular inputs: captured where they enter the graph.
    captures = None
    if inputs is not None:
        captures = {}
        for i, t in enumerate(inputs):
            node, nr = _edge(t)
            if node is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            captures.setdefault((node, nr), []).append(i)
    results = [None] * (len(inputs) if inputs is not None else 0)

    # 1. dependencies
    deps = {}
    stack = [n for n, _, _ in roots]
    seen = set(stack)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)

    # 2. seed the output nodes
    buffers = {}
    for node, nr, g in roots:
        _add_to(buffers, node, nr, g)
    ready = [n for n in dict.fromkeys(n for n, _, _ in roots) if deps.get(n, 0) == 0]

    # Arrays already stored as some .grad, and the caller's seeds: a .grad
    # never shares its array with another tensor.
    stolen = {id(g._data) for _, _, g in roots}
    prev = _enabled[0]
    _enabled[0] = bool(create_graph)
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node)
            grads = _run_pre_hooks(node, grads, create_graph)
            if captures is not None:
                for nr, g in enumerate(grads):
                    for i in captures.get((node, nr), ()):
                        results[i] = g if results[i] is None else results[i] + g
            if type(node) is AccumulateGrad:
                if accumulate and grads[0] is not None and (captures is None or (node, 0) in captures):
                    _accumulate(node.variable, grads[0], create_graph, stolen)
                continue
            in_grads = _call_backward(node, grads)
            if not retain_graph:
                node._release()
            for (nxt, nr), g, meta in zip(node.next_functions, in_grads, node._metas):
                if nxt is None:
                    continue
                if g is not None:
                    g = _fit(g, meta, node)
                    _add_to(buffers, nxt, nr, g)
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    if nxt in buffers:
                        ready.append(nxt)
                    else:
                        _skip(nxt, deps, buffers, ready, retain_graph)
    finally:
        _enabled[0] = prev

    if inputs is not None and not accumulate:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        return results
    return None


def _skip(node, deps, buffers, ready, retain_graph):
    """A node that received no gradient at all: release its dependants' counts."""
    stack = [node]
    while stack:
        n = stack.pop()
        if not retain_graph and type(n) is not AccumulateGrad:
            n._release()
        for nxt, _ in n.next_functions:
            if nxt is None:
                continue
            d = deps[nxt] - 1
            deps[nxt] = d
            if d == 0:
                if nxt in buffers:
                    ready.append(nxt)
                else:
                    stack.append(nxt)


def _add_to(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        n_out = len(node._out_metas) if node._out_metas is not None else 1
        buf = buffers[node] = [None] * max(n_out, nr + 1)
    old = buf[nr]
    buf[nr] = g if old is None else old + g


def _run_pre_hooks(node, grads, create_graph):
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
                t.grad = g._clone_if_shared() if t.grad is None else t.grad + g
    return grads


def _call_backward(node, grads):
    metas = node._out_metas
    if metas is not None and node._materialize:
        from ..ops.creation import zeros_for

        grads = [zeros_for(m) if g is None and m is not None else g for g, m in zip(grads, metas)]
    out = node.apply(*grads)
    n_in = len(node.next_functions)
    if len(out) != n_in:
        if len(out) > n_in and all(g is None for g in out[n_in:]):
            out = out[:n_in]
        else:
            raise RuntimeError(
                f"function {node.name()} returned an incorrect number of gradients "
                f"(expected {n_in}, got {len(out)})"
            )
    if _anomaly[0]:
        for i, g in enumerate(out):
            if g is not None and g._has_nan():
                if node._trace:
                    import warnings

                    warnings.warn(
                        f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                        + node._trace,
                        stacklevel=2,
                    )
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    if node._hooks:
        for fn in node._hooks:
            new = fn(out, tuple(grads))
            if new is not None:
                out = tuple(new)
    return out


def _fit(g, meta, node):
    """Sum a gradient back to its input's shape and cast it to its dtype."""
    shape, dtype = meta
    if g._data.shape != shape:
        try:
            g = g.sum_to_size(shape)
        except (RuntimeError, ValueError):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if g._data.dtype != dtype:
        g = g._cast_np(dtype)
    return g


def _accumulate(t, g, create_graph, stolen):
    """Add ``g`` into leaf ``t``'s ``.grad`` (hooks on the leaf run first)."""
    if t._hooks:
        for fn in list(t._hooks):
            new = fn(g)
            if new is not None:
                g = new
    if not create_graph:
        g = g.detach()
    old = t.grad
    if old is None:
        arr = g._data
        if not create_graph and (id(arr) in stolen or not arr.flags.writeable or not arr.flags.owndata):
            g = g._copy_detached()
        stolen.add(id(g._data))
        t.grad = g
    elif create_graph or old.requires_grad:
        t.grad = old + g
    else:
        old._accumulate_(g._data)
