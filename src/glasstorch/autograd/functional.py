"""Jacobians, Hessians and their products with vectors: ``torch.autograd.functional``.

Each function takes a Python function of tensors and the point to differentiate
at, and builds everything on :func:`glasstorch.autograd.grad`:

- ``vjp`` (v^T J) and ``vhp`` (v^T H) are one and two reverse passes;
- ``jvp`` (J v) and ``hvp`` (H v) use the *double-backward trick*: the reverse
  pass with a placeholder ``u`` for the output gradient gives ``u^T J``, which
  is linear in ``u``; differentiating it with respect to ``u`` along ``v`` gives
  ``J v`` (glasstorch has no forward-mode AD);
- ``jacobian`` takes one reverse pass per output element (``strategy=
  "reverse-mode"``) or one double-backward pass per input element
  (``"forward-mode"``); ``hessian`` is the Jacobian of the gradient.

The function is called on new tensor objects: detached leaves that require
grad, or, with ``create_graph=True``, views of inputs that already require grad,
so the results can be differentiated back to them. With ``create_graph=False``
every returned tensor is detached and no graph outlives the call.

Where glasstorch differs from PyTorch:

- ``vectorize=True`` is accepted and gives the same values and the same errors
  (``strict=True`` is refused with it), but glasstorch has no ``vmap``: the
  Jacobian is still built one row (or column) at a time.
- ``strategy="forward-mode"`` needs ``vectorize=True`` and refuses ``strict`` and
  ``create_graph``, as in PyTorch; its columns come from the double-backward
  trick; its result never requires grad and nests in tuples as reverse mode's does
  (PyTorch's may require grad when an input does, and nests in lists).
- A function with an empty output gets an empty Jacobian of the right shape
  (PyTorch fails inside ``stack``).
- ``jacobian(..., strict=True, create_graph=True)`` names the input whose block
  is constant where PyTorch's message gives the output's number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

import glasstorch as _gt

from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

Tensors = Union["_gt.Tensor", tuple["_gt.Tensor", ...]]

# What strict mode refuses, by the stage at which it is found.
_NOT_DIFFERENTIABLE = ("Output {i} of the user-provided function does not require gradients. The outputs "
                       "must be computed in a differentiable manner from the input when running in strict mode.")
_INDEPENDENT = ("The output of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode.")
_OUTPUT_INDEPENDENT = ("Output {i} of the user-provided function is independent of input {j}. "
                       "This is not allowed in strict mode.")
_CONSTANT_JACOBIAN = ("The jacobian of the user-provided function is independent of input {i}. "
                      "This is not allowed in strict mode when create_graph=True.")
_CONSTANT_HESSIAN = ("The hessian of the user-provided function is independent of input {i}. "
                     "This is not allowed in strict mode when create_graph=True.")
_JACOBIAN_INDEPENDENT = ("The jacobian of the user-provided function is independent of input {i}. "
                         "This is not allowed in strict mode.")
_LINEAR = ("While computing the hessian, found that the jacobian of the user-provided function with respect "
           "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
           "that your function is twice differentiable and that the jacobian depends on the inputs (this "
           "would be violated by a linear function for example).")
_TRICK_GRAD_CONSTANT = ("The gradient with respect to input {i} is independent of the inputs of the "
                        "user-provided function. This is not allowed in strict mode.")
_TRICK_UNUSED = ("The gradient with respect to the input is independent of entry {i} in the grad_outputs "
                 "when using the double backward trick to compute forward mode gradients. "
                 "This is not allowed in strict mode.")
_HESSIAN_TRICK_UNUSED = ("The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the "
                         "double backward trick to replace forward mode AD.")
_STRATEGY = 'Expected strategy to be either "forward-mode" or "reverse-mode".'


# ---- helpers shared by the six functions ------------------------------------------------------

def _tensors(value, what: str, fn: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tensors as a tuple); anything but a Tensor or a tuple of them is a TypeError."""
    was_tuple = isinstance(value, tuple)
    items = value if was_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, _gt.Tensor):
            where = f"value at index {i}" if was_tuple else f"given {what}"
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors "
                            f"but the {where} has type {type(item)}.")
    return was_tuple, items


def _fresh(tensors: tuple, create_graph: bool, requires_grad: bool = True) -> tuple:
    # New objects, so the function's own use of a captured input is not mistaken for the
    # argument; views keep the link to the caller's graph only when one is to be built.
    return tuple(t.view_as(t) if create_graph and t.requires_grad else
                 t.detach().requires_grad_(requires_grad) for t in tensors)


def _vector(v, like: tuple, like_is_tuple: bool, create_graph: bool, fn: str) -> tuple:
    """``v`` as a tuple matching ``like`` in length and shapes (else RuntimeError)."""
    _, v = _tensors(v, "v", fn)
    if len(v) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}."
                           if like_is_tuple else "The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.shape != b.shape:
            entry = f"Entry {i} in " if like_is_tuple else ""
            raise RuntimeError(f"{entry}v has invalid size: should be {b.shape} but got {a.shape}.")
    return _fresh(v, create_graph, requires_grad=False)


def _require_grad(tensors: tuple, strict: bool, message: str) -> None:
    if strict:
        for i, t in enumerate(tensors):
            if t is None:
                raise RuntimeError(_INDEPENDENT.format(i=i))
            if not t.requires_grad:
                raise RuntimeError(message.format(i=i))


def _grad(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph: bool = False) -> tuple:
    """``autograd.grad`` over the outputs that have a graph; ``None`` for an input none of them reach."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, seeds = zip(*pairs)
    seeds = None if all(s is None for s in seeds) else seeds
    return _gt.autograd.grad(outs, inputs, seeds, retain_graph=True, create_graph=create_graph,
                             allow_unused=True)


def _zeros_for_none(grads: tuple, like: tuple, strict: bool, create_graph: bool,
                    unused: str, constant: str) -> tuple:
    """Zeros where no gradient reached (an error in strict mode, as is a constant one with create_graph)."""
    out = []
    for i, (g, ref) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(unused.format(i=i))
            g = _gt.zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(constant.format(i=i))
        out.append(g)
    return tuple(out)


def _finish(result, create_graph: bool):
    """Detach (nested tuples of) results unless a graph was asked for."""
    if create_graph:
        return result
    if isinstance(result, tuple):
        return tuple(_finish(r, False) for r in result)
    return result.detach()


def _unpack(result: tuple, was_tuple: bool):
    return result if was_tuple else result[0]


def _scalar_output(out, fn: str, strict: bool):
    """The single-element output that hessian/hvp/vhp need, else RuntimeError."""
    was_tuple, outs = _tensors(out, "outputs of the user-provided function", fn)
    _require_grad(outs, strict, _NOT_DIFFERENTIABLE)
    if was_tuple:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if out.nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a single element")
    return out


# ---- products with vectors -------------------------------------------------------------------

def _inputs_and_vector(inputs, v, create_graph: bool, fn: str):
    """What jvp, vhp and hvp share: checked inputs (fresh leaves) and ``v`` shaped like them
    (left out only for one single-element input)."""
    inputs_tuple, xs = _tensors(inputs, "inputs", fn)
    xs = _fresh(xs, create_graph)
    if v is not None:
        v = _vector(v, xs, inputs_tuple, create_graph, fn)
    elif len(xs) != 1 or xs[0].nelement() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function "
                           "is a single Tensor with a single element.")
    return inputs_tuple, xs, v


def vjp(func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False):
    """Vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``.

    Args:
        func: takes the tensors of ``inputs`` as arguments, returns a Tensor or tuple of Tensors.
        inputs: a Tensor or tuple of Tensors.
        v: shaped like ``func``'s output; may be left out when the output has one element.
        create_graph: make the outputs and the product differentiable.
        strict: raise when some input does not influence the output, instead of returning zeros.

    Returns:
        ``(func_output, vjp)``; ``vjp`` is shaped like ``inputs``.
    """
    with enable_grad():
        inputs_tuple, xs = _tensors(inputs, "inputs", "vjp")
        xs = _fresh(xs, create_graph)
        outputs_tuple, outs = _tensors(func(*xs), "outputs of the user-provided function", "vjp")
        _require_grad(outs, strict, _NOT_DIFFERENTIABLE)
        if v is not None:
            v = _vector(v, outs, outputs_tuple, create_graph, "vjp")
        elif len(outs) != 1 or outs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns "
                               "a single Tensor with a single element.")
        result = _zeros_for_none(_grad(outs, xs, v, create_graph), xs, strict, create_graph,
                                 _INDEPENDENT, _CONSTANT_JACOBIAN)
    return (_unpack(_finish(outs, create_graph), outputs_tuple),
            _unpack(_finish(result, create_graph), inputs_tuple))


def jvp(func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False):
    """Jacobian-vector product ``J v`` of ``func`` at ``inputs``.

    Computed with the double-backward trick (two reverse passes; glasstorch has no
    forward-mode AD), so every op ``func`` uses must be twice differentiable.

    Args:
        func: takes the tensors of ``inputs`` as arguments, returns a Tensor or tuple of Tensors.
        inputs: a Tensor or tuple of Tensors.
        v: shaped like ``inputs``; may be left out when the input is one single-element Tensor.
        create_graph: make the outputs and the product differentiable.
        strict: raise when the output does not depend on some input, instead of returning zeros.

    Returns:
        ``(func_output, jvp)``; ``jvp`` is shaped like the output.
    """
    with enable_grad():
        inputs_tuple, xs, v = _inputs_and_vector(inputs, v, create_graph, "jvp")
        outputs_tuple, outs = _tensors(func(*xs), "outputs of the user-provided function", "jvp")
        _require_grad(outs, strict, _NOT_DIFFERENTIABLE)
        # u^T J is linear in u, so u's value never matters: zeros keep inf and nan out.
        us = tuple(_gt.zeros_like(o, requires_grad=True) for o in outs)
        u_jacobian = _grad(outs, xs, us, create_graph=True)
        _require_grad(u_jacobian, strict, _TRICK_GRAD_CONSTANT)
        result = _zeros_for_none(_grad(u_jacobian, us, v, create_graph), outs, strict, create_graph,
                                 _TRICK_UNUSED, _CONSTANT_JACOBIAN)
    return (_unpack(_finish(outs, create_graph), outputs_tuple),
            _unpack(_finish(result, create_graph), outputs_tuple))


def _gradient_at(func, inputs, v, create_graph: bool, strict: bool, fn: str):
    """What vhp and hvp share: checked inputs, ``v``, the scalar output and its gradient (with a graph)."""
    inputs_tuple, xs, v = _inputs_and_vector(inputs, v, create_graph, fn)
    out = _scalar_output(func(*xs), fn, strict)
    gradient = _grad((out,), xs, create_graph=True)
    _require_grad(gradient, strict, _LINEAR)
    return inputs_tuple, xs, v, out, gradient


def vhp(func: Callable[..., _gt.Tensor], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False):
    """Vector-Hessian product ``v^T H`` of a scalar ``func`` at ``inputs``.

    Args:
        func: takes the tensors of ``inputs`` as arguments, returns a single-element Tensor.
        inputs: a Tensor or tuple of Tensors.
        v: shaped like ``inputs``; may be left out when the input is one single-element Tensor.
        create_graph: make the output and the product differentiable.
        strict: raise when the gradient does not depend on some input, instead of returning zeros.

    Returns:
        ``(func_output, vhp)``; ``vhp`` is shaped like ``inputs``.
    """
    with enable_grad():
        inputs_tuple, xs, v, out, gradient = _gradient_at(func, inputs, v, create_graph, strict, "vhp")
        result = _zeros_for_none(_grad(gradient, xs, v, create_graph), xs, strict, create_graph,
                                 _JACOBIAN_INDEPENDENT, _CONSTANT_HESSIAN)
    return _finish(out, create_graph), _unpack(_finish(result, create_graph), inputs_tuple)


def hvp(func: Callable[..., _gt.Tensor], inputs: Tensors, v: Tensors | None = None,
        create_graph: bool = False, strict: bool = False):
    """Hessian-vector product ``H v`` of a scalar ``func`` at ``inputs``.

    Uses the double-backward trick on the gradient (three reverse passes); for a
    twice continuously differentiable ``func`` the Hessian is symmetric and
    :func:`vhp`, one pass cheaper, gives the same values.

    Args:
        func: takes the tensors of ``inputs`` as arguments, returns a single-element Tensor.
        inputs: a Tensor or tuple of Tensors.
        v: shaped like ``inputs``; may be left out when the input is one single-element Tensor.
        create_graph: make the output and the product differentiable.
        strict: raise when the gradient does not depend on some input, instead of returning zeros.

    Returns:
        ``(func_output, hvp)``; ``hvp`` is shaped like ``inputs``.
    """
    with enable_grad():
        inputs_tuple, xs, v, out, gradient = _gradient_at(func, inputs, v, create_graph, strict, "hvp")
        us = tuple(_gt.zeros_like(x, requires_grad=True) for x in xs)
        u_hessian = _grad(gradient, xs, us, create_graph=True)
        result = _zeros_for_none(_grad(u_hessian, us, v, create_graph), xs, strict, create_graph,
                                 _HESSIAN_TRICK_UNUSED, _CONSTANT_HESSIAN)
    return _finish(out, create_graph), _unpack(_finish(result, create_graph), inputs_tuple)


# ---- whole Jacobians and Hessians ------------------------------------------------------------

def _one_hot(like, k: int):
    """A tensor shaped like ``like`` (flattened), zero but for a one at flat index ``k``."""
    with _gt.no_grad():
        e = like.new_zeros(like.nelement())
        e[k] = 1
    return e.reshape(like.shape)


def _assemble(pieces: list, shape: tuple, like, dim: int):
    """Stack one gradient per row (dim 0) or column (dim -1) into a block of the given shape."""
    if not pieces:
        return like.new_zeros(shape)
    return _gt.stack(pieces, dim=dim).reshape(shape)


def _rows(outs: tuple, xs: tuple, create_graph: bool, strict: bool) -> tuple:
    """Reverse mode: one backward pass per output element gives one row of every block."""
    jac = []
    for i, out in enumerate(outs):
        rows = [[] for _ in xs]
        for k in range(out.nelement()):
            grads = _grad((out,), xs, (_one_hot(out, k),), create_graph)
            for j, (g, x) in enumerate(zip(grads, xs)):
                if g is None:
                    if strict:
                        raise RuntimeError(_OUTPUT_INDEPENDENT.format(i=i, j=j))
                    g = _gt.zeros_like(x)
                elif strict and create_graph and not g.requires_grad:
                    raise RuntimeError(_CONSTANT_JACOBIAN.format(i=j))
                rows[j].append(g)
        jac.append(tuple(_assemble(r, out.shape + x.shape, x, 0) for r, x in zip(rows, xs)))
    return tuple(jac)


def _columns(outs: tuple, xs: tuple) -> tuple:
    """Forward mode by the double-backward trick: one pass per input element gives one column."""
    us = tuple(_gt.zeros_like(o, requires_grad=True) for o in outs)
    u_jacobian = _grad(outs, xs, us, create_graph=True)
    cols = [[[] for _ in xs] for _ in outs]
    for j, (uj, x) in enumerate(zip(u_jacobian, xs)):
        for k in range(x.nelement() if uj is not None else 0):
            grads = _grad((uj,), us, (_one_hot(x, k),))
            for i, (g, out) in enumerate(zip(grads, outs)):
                cols[i][j].append(_gt.zeros_like(out) if g is None else g)
    return tuple(tuple(_assemble(cols[i][j], out.shape + x.shape, x, -1) for j, x in enumerate(xs))
                 for i, out in enumerate(outs))


def jacobian(func: Callable[..., Tensors], inputs: Tensors, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``.

    Args:
        func: takes the tensors of ``inputs`` as arguments, returns a Tensor or tuple of Tensors.
        inputs: a Tensor or tuple of Tensors.
        create_graph: make the Jacobian differentiable.
        strict: raise when some output does not depend on some input, instead of returning zeros.
        vectorize: accepted for compatibility (same values; glasstorch has no vmap).
        strategy: ``"reverse-mode"`` (a pass per output element) or ``"forward-mode"``
            (a pass per input element; needs ``vectorize=True``).

    Returns:
        For one input and one output, a Tensor of shape ``output.shape + input.shape``;
        a tuple over the inputs and/or over the outputs otherwise (output-major:
        ``J[i][j]`` is output ``i`` with respect to input ``j``).
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(_STRATEGY + ' Hint: If your function has more outputs than inputs, "forward-mode" '
                             'tends to be more performant. Otherwise, prefer to use "reverse-mode".')
    forward = strategy == "forward-mode"
    if forward:
        if create_graph:
            raise NotImplementedError(
                'torch.autograd.functional.jacobian: `create_graph=True` and `strategy="forward-mode"` are '
                'not supported together (yet). Please either set `create_graph=False` or '
                '`strategy="reverse-mode"`.')
        if strict:
            raise RuntimeError(
                'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are not '
                'supported together (yet). Please either set `strict=False` or `strategy="reverse-mode"`.')
    with enable_grad():
        inputs_tuple, xs = _tensors(inputs, "inputs", "jacobian")
        if forward and not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is "
                                      "only implemented for `vectorize=True`.")
        xs = _fresh(xs, create_graph)
        outputs_tuple, outs = _tensors(func(*xs), "outputs of the user-provided function", "jacobian")
        _require_grad(outs, strict, _NOT_DIFFERENTIABLE)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported "
                "together. Please either set `strict=False` or `vectorize=False`.")
        jac = _columns(outs, xs) if forward else _rows(outs, xs, create_graph, strict)
    jac = _finish(jac, create_graph)
    if not inputs_tuple:
        jac = tuple(row[0] for row in jac)
    return _unpack(jac, outputs_tuple)


def hessian(func: Callable[..., _gt.Tensor], inputs: Tensors, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient.

    Args:
        func: takes the tensors of ``inputs`` as arguments, returns a single-element Tensor.
        inputs: a Tensor or tuple of Tensors.
        create_graph: make the Hessian differentiable.
        strict: raise when the gradient does not depend on some input, instead of returning zeros.
        vectorize: accepted for compatibility (same values; glasstorch has no vmap).
        outer_jacobian_strategy: the ``strategy`` of the outer :func:`jacobian`
            (the gradient itself is always taken in reverse mode).

    Returns:
        For one input, a Tensor of shape ``input.shape + input.shape``; for several,
        a tuple of tuples: ``H[i][j]`` is shaped ``inputs[i].shape + inputs[j].shape``.
    """
    inputs_tuple, xs = _tensors(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(_STRATEGY)

    def scalar(*args):
        return _scalar_output(func(*args), "hessian", strict).reshape(())

    def gradient(*args):
        g = jacobian(scalar, args, create_graph=True)
        _require_grad(g, strict, _LINEAR)
        return g

    result = jacobian(gradient, xs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return result if inputs_tuple else result[0][0]
