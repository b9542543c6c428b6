"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``Function``."""

from __future__ import annotations

import numpy as np

from . import function as _function
from . import grad_mode
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402

__all__ = ["backward", "grad", "Function", "once_differentiable", "gradcheck", "gradgradcheck",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "grad_mode", "functional"]


# Imports of glasstorch.tensor happen inside functions (tensor.py imports this
# package first); Tensor itself is reached through function._Tensor, which
# tensor.py sets, so the hot path pays for no import statement.


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, _function._Tensor):
        return [x]
    return list(x)


def _seed_grads(outputs, grad_outputs, create_graph):
    """The gradients backward starts from: given ones, or ones for a scalar output."""
    Tensor = _function._Tensor
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
            g = Tensor._make(np.ones(out._data.shape, out._data.dtype), False, None, 0)
        elif not isinstance(g, Tensor):
            from ..ops.creation import tensor

            g = tensor(g, dtype=out.dtype)
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a "
                f"shape of {out.shape}."
            )
        seeds.append(g)
    return seeds


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables=None, inputs=None) -> None:
    """Accumulate into ``.grad`` of the leaves the gradient of ``tensors``."""
    outputs = _as_list(tensors)
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    seeds = _seed_grads(outputs, grad_tensors, create_graph)
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
    seeds = _seed_grads(outs, grad_outputs, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outs, seeds, retain_graph, create_graph, inputs=ins, accumulate=False,
                       allow_unused=allow_unused)
    if materialize_grads:
        from ..ops.creation import zeros_like

        res = [zeros_like(i) if r is None else r for r, i in zip(res, ins)]
    return tuple(res)


def __getattr__(name):
    if name == "functional":
        import importlib  # `from . import functional` would come back here and recurse

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'glasstorch.autograd' has no attribute '{name}'")
