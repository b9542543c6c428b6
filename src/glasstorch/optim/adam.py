"""Adam (and AdamW through ``decoupled_weight_decay``), with AMSGrad."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ..backend import array_module
from .optimizer import Optimizer, _check_common, _float

__all__ = ["Adam"]


def _lerp_(avg: np.ndarray, g: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """``avg += weight * (g - avg)`` in place (torch's ``lerp_``)."""
    xp = array_module(avg)
    xp.subtract(g, avg, out=tmp)
    xp.multiply(tmp, weight, out=tmp)
    xp.add(avg, tmp, out=avg)


def _ema_sq_(avg: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """``avg = beta * avg + (1 - beta) * g * g`` in place."""
    xp = array_module(avg)
    xp.multiply(avg, beta, out=avg)
    xp.multiply(g, g, out=tmp)
    xp.multiply(tmp, 1 - beta, out=tmp)
    xp.add(avg, tmp, out=avg)


def _moments_(state: dict, g, beta1: float, beta2: float, tmp) -> tuple:
    """Adam's moving averages of ``g`` and ``g * g`` (``exp_avg``, ``exp_avg_sq``) updated
    in place; returns them."""
    m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
    _lerp_(m, g, 1 - beta1, tmp)
    _ema_sq_(v, g, beta2, tmp)
    return m, v


class Adam(Optimizer):
    r"""Adam (``torch.optim.Adam``): moving averages of the gradient and of its square,
    bias-corrected; ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.

    ``weight_decay`` adds ``wd * p`` to the gradient, or with
    ``decoupled_weight_decay=True`` (AdamW) shrinks ``p`` by ``1 - lr * wd`` first.
    ``amsgrad=True`` uses the running maximum of ``v``.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("decoupled_weight_decay", False)

    def _init_state(self, p, group) -> dict:
        state = {"step": self._scalar_state(), "exp_avg": self._zeros_like(p),
                 "exp_avg_sq": self._zeros_like(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = self._zeros_like(p)
        return state

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps, amsgrad = _float(group["lr"]), group["eps"], group["amsgrad"]
            beta1, beta2 = (_float(b) for b in group["betas"])
            for _p, d, g, state, (_, tmp) in self._params_with_grad(group, 2):
                xp = array_module(d)
                step = self._count_step(state)
                m, v = _moments_(state, g, beta1, beta2, tmp)
                step_size = lr / (1 - beta1 ** step)
                bc2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    xp.maximum(vmax, v, out=vmax)
                    v = vmax
                # denominator sqrt(v) / sqrt(bc2) + eps, then p -= step_size * m / denom
                xp.sqrt(v, out=tmp)
                xp.divide(tmp, bc2_sqrt, out=tmp)
                xp.add(tmp, eps, out=tmp)
                xp.divide(m, tmp, out=tmp)
                xp.multiply(tmp, step_size, out=tmp)
                xp.subtract(d, tmp, out=d)
        return loss
