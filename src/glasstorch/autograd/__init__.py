"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``Function``.

The package reads bottom-up: ``grad_mode.py`` (the switches), ``function.py``
(an op's forward and backward, and the node it records), ``engine.py`` (the
backward pass, and ``backward``/``grad`` that start it), ``tensor_methods.py``
(``Tensor.backward``, hooks, in-place writes, attached to Tensor on import).
"""

from __future__ import annotations

from . import grad_mode, tensor_methods  # noqa: F401  (tensor_methods attaches Tensor's autograd methods)
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["backward", "grad", "Function", "once_differentiable", "gradcheck", "gradgradcheck",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "grad_mode", "functional"]


def __getattr__(name):
    # Loaded on first use: autograd.functional builds on the ops, which sit a
    # layer above this package (importing it here would close a circle).
    if name == "functional":
        import importlib  # `from . import functional` would come back here and recurse

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'glasstorch.autograd' has no attribute '{name}'")
