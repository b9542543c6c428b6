"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..backend import array_module
from .adam import _lerp_
from .optimizer import Optimizer, _check_common, _float

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (``torch.optim.Adamax``): ``u = max(b2 * u, |g| + eps)``,
    ``p -= lr / (1 - b1^t) * m / u``."""

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, group) -> dict:
        return {"step": self._scalar_state(), "exp_avg": self._zeros_like(p),
                "exp_inf": self._zeros_like(p)}

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _float(group["lr"]), group["eps"]
            beta1, beta2 = group["betas"]
            for _p, d, g, state, (_, tmp) in self._params_with_grad(group, 2):
                xp = array_module(d)
                step = self._count_step(state)
                m, u = state["exp_avg"]._data, state["exp_inf"]._data
                _lerp_(m, g, 1 - beta1, tmp)
                xp.multiply(u, beta2, out=u)
                xp.abs(g, out=tmp)
                xp.add(tmp, eps, out=tmp)
                xp.maximum(u, tmp, out=u)
                clr = lr / (1 - beta1 ** step)
                xp.divide(m, u, out=tmp)
                xp.multiply(tmp, clr, out=tmp)
                xp.subtract(d, tmp, out=d)
        return loss
