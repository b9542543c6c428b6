"""Activation checkpointing (``torch.utils.checkpoint``): keep only a block's
inputs in the forward pass and run the block again during backward.

The random-number state is saved before the forward run and restored for the
rerun, so dropout inside the block draws the same mask both times.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from .. import autograd
from .. import random as _random
from ..autograd import grad_mode as _gm
from ..autograd.function import Function
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def _detached(args):
    out = []
    for a in args:
        if isinstance(a, Tensor):
            d = a.detach()
            d.requires_grad_(a.requires_grad)
            out.append(d)
        else:
            out.append(a)
    return out


class CheckpointFunction(Function):
    """Runs ``fn`` without recording; backward reruns it with recording and backpropagates."""

    @staticmethod
    def forward(ctx, fn, preserve_rng_state, kwargs, _anchor, *args):
        ctx.fn, ctx.kwargs = fn, kwargs
        ctx.rng_state = _random.get_rng_state() if preserve_rng_state else None
        ctx.tensor_at = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = list(args)
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_at])
        with _gm.no_grad():
            return fn(*args, **kwargs)

    @staticmethod
    def backward(ctx, *grads):
        args = list(ctx.others)
        for i, t in zip(ctx.tensor_at, ctx.saved_tensors):
            args[i] = t
        inputs = _detached(args)
        if ctx.rng_state is not None:  # rerun with the forward's random numbers, then carry on
            now = _random.get_rng_state()
            _random.set_rng_state(ctx.rng_state)
        try:
            with _gm.enable_grad():
                outputs = ctx.fn(*inputs, **ctx.kwargs)
        finally:
            if ctx.rng_state is not None:
                _random.set_rng_state(now)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        # gradients of the block's parameters accumulate into their .grad here
        autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        arg_grads = tuple(a.grad if isinstance(a, Tensor) else None for a in inputs)
        return (None, None, None, None) + arg_grads


def checkpoint(function: Callable, *args, use_reentrant: bool | None = None, context_fn=None,
               determinism_check: str = "default", debug: bool = False, preserve_rng_state: bool = True,
               **kwargs):
    """Run ``function(*args, **kwargs)`` keeping only its inputs for backward, where it runs again.

    The gradients are those of the plain call. With ``preserve_rng_state``
    (default) the rerun sees the same random numbers as the first run.
    """
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if _gm.is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        anchor = None
    else:
        # a graph edge that always needs a gradient, so the block's parameters get theirs
        # even when no input requires one
        anchor = Tensor._make(_empty(), True, None, 0) if _gm.is_grad_enabled() else None
    return CheckpointFunction.apply(function, preserve_rng_state, kwargs, anchor, *args)


def _empty():
    import numpy as np

    return np.zeros((), np.float32)  # host: a dummy anchor, never computed on


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Split ``functions`` (a Sequential or a list of modules) into ``segments`` runs and
    checkpoint all but the last."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
                      "passed explicitly. use_reentrant=False is recommended, but if you need to preserve "
                      "the current default behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)

    def run(start, end):
        def forward(x):
            for f in fns[start:end + 1]:
                x = f(x)
            return x
        return forward

    size = len(fns) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(fns) - 1)(input)
