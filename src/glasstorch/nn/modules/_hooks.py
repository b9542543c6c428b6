"""Full backward hooks: call ``hook(module, grad_input, grad_output)``.

The module's inputs and outputs pass through identity Functions; the one on
the outputs records ``grad_output``, the one on the inputs fires the hooks
once ``grad_input`` is known.
"""

from __future__ import annotations

from ...autograd.function import Function
from ...tensor import Tensor


class _Identity(Function):
    array_io = True
    node_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, state, is_input, *xs):
        ctx.state, ctx.is_input = state, is_input
        return tuple(xs) if len(xs) > 1 else xs[0]

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        if ctx.is_input:
            grads = state.fire(grads)
        else:
            state.grad_outputs = grads
        return (None, None) + tuple(grads)


class BackwardHookState:
    def __init__(self, module) -> None:
        self.module = module
        self.grad_outputs = None
        self.n_inputs = 0

    def wrap_inputs(self, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not idx:
            return args
        out = _Identity.apply(self, True, *[args[i] for i in idx])
        out = out if isinstance(out, tuple) else (out,)
        args = list(args)
        for i, o in zip(idx, out):
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
        return new[0] if single else type(result)(new) if isinstance(result, tuple) else list(new)

    def fire(self, grad_inputs):
        for hook in list(self.module._backward_hooks.values()):
            out = hook(self.module, tuple(grad_inputs), tuple(self.grad_outputs or ()))
            if out is not None:
                grad_inputs = tuple(out)
        return grad_inputs
