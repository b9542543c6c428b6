"""Gradient clipping: by total norm (``clip_grad_norm_``) or by value (``clip_grad_value_``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ... import dtypes as _dt
from ...backend import array_module, device_module
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_"]


def _grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(arr, p: float):
    """The ``p``-norm of all of ``arr``, a 0-d array of its module."""
    xp = array_module(arr)
    a = xp.abs(arr)
    if p == math.inf:
        return a.max(initial=0)
    if p == -math.inf:
        return a.min(initial=math.inf)
    if p == 0:
        return xp.asarray((a != 0).sum(), dtype=arr.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return xp.sqrt(xp.vdot(arr.ravel(), arr.ravel()))
    return (a ** p).sum() ** (1.0 / p)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm from before clipping (a 0-d tensor).
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor._make(device_module("cpu").asarray(0.0, _dt.get_default_dtype().np), False, None, 0)
    dtype = np.result_type(*[g._data.dtype for g in grads])
    xp = array_module(grads[0]._data)
    per_grad = xp.stack([xp.asarray(_norm(g._data, norm_type), dtype=dtype) for g in grads])
    total = xp.asarray(_norm(per_grad, norm_type), dtype=dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`")
    # torch's formula in the norm's dtype, with no branch on the data (a NaN norm gives NaN
    # gradients, an infinite one zeros): coef = min(max_norm / (total + 1e-6), 1)
    coef = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g._data *= coef if g._data.dtype == coef.dtype else coef.astype(g._data.dtype)
        g._version[0] += 1
    return Tensor._make(total, False, None, 0)


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_`."""
    import warnings

    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        array_module(g._data).clip(g._data, -clip_value, clip_value, out=g._data)
        g._version[0] += 1
