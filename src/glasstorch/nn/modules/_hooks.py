"""Full backward hooks: ``hook(module, grad_input, grad_output)``.

A module's tensor inputs and outputs pass through identity Functions. The
one on the outputs sees ``grad_output`` first (and runs the backward
pre-hooks, which may replace it); the one on the inputs fires the hooks once
``grad_input`` is known. When no input needs a gradient the hooks fire from
the outputs' side with ``grad_input`` all None, as torch does.
"""

from __future__ import annotations

import warnings

from ...autograd.function import Function
from ...tensor import Tensor


class _Identity(Function):
    array_io = True
    node_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, state, is_input, *xs):
        ctx.state, ctx.is_input = state, is_input
        needs = ctx.needs_input_grad[2:]
        if needs and not all(needs):
            # inputs that need no gradient stay out of the graph; their grad_input reads as zeros
            ctx.mark_non_differentiable(*[x for x, n in zip(xs, needs) if not n])
        return tuple(xs) if len(xs) > 1 else xs[0]

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        grads = state.on_inputs(grads) if ctx.is_input else state.on_outputs(grads)
        return (None, None) + tuple(grads)


class BackwardHookState:
    """What one call of a hooked module needs to fire its backward hooks."""

    def __init__(self, module) -> None:
        self.module = module
        self.grad_outputs = None
        self.n_args = 0
        self.tensor_index: list[int] = []
        self.inputs_wrapped = False

    def wrap_inputs(self, args):
        self.n_args = len(args)
        self.tensor_index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not any(args[i].requires_grad for i in self.tensor_index):
            return args
        self.inputs_wrapped = True
        out = _Identity.apply(self, True, *[args[i] for i in self.tensor_index])
        out = out if isinstance(out, tuple) else (out,)
        args = list(args)
        for i, o in zip(self.tensor_index, out):
            args[i] = o
        return tuple(args)

    def wrap_outputs(self, result):
        single = isinstance(result, Tensor)
        outs = (result,) if single else tuple(result)
        tensors = [o for o in outs if isinstance(o, Tensor) and o.requires_grad]
        if not tensors:
            return result
        wrapped = _Identity.apply(self, False, *tensors)
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        it = iter(wrapped)
        new = tuple(next(it) if isinstance(o, Tensor) and o.requires_grad else o for o in outs)
        if single:
            return new[0]
        return type(result)(new) if isinstance(result, tuple) and type(result) is tuple else (
            list(new) if isinstance(result, list) else type(result)(*new))

    def on_outputs(self, grads):
        mod = self.module
        for hook in list(mod._backward_pre_hooks.values()):
            out = hook(mod, tuple(grads))
            if out is not None:
                grads = tuple(out)
        self.grad_outputs = tuple(grads)
        if not self.inputs_wrapped and mod._backward_hooks:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module "
                "outputs since no inputs require gradients.", stacklevel=2)
            self._fire((None,) * self.n_args)
        return grads

    def on_inputs(self, grads):
        full = [None] * self.n_args
        for i, g in zip(self.tensor_index, grads):
            full[i] = g
        full = self._fire(tuple(full))
        return tuple(full[i] for i in self.tensor_index)

    def _fire(self, grad_input):
        mod = self.module
        for hook in list(mod._backward_hooks.values()):
            out = hook(mod, grad_input, self.grad_outputs or ())
            if out is not None:
                out = tuple(out)
                if len(out) != len(grad_input):
                    raise RuntimeError(
                        f"Backward hook returned an invalid number of grad_input, got {len(out)}, "
                        f"but expected {len(grad_input)}")
                grad_input = out
        return grad_input
