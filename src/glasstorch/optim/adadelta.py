"""Adadelta: steps sized by the ratio of running RMS of updates and of gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..backend import array_module
from .adam import _ema_sq_
from .optimizer import Optimizer, _check_non_negative, _float

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (``torch.optim.Adadelta``): ``v = rho v + (1 - rho) g^2``,
    ``dx = sqrt(u + eps) / sqrt(v + eps) * g``, ``u = rho u + (1 - rho) dx^2``, ``p -= lr dx``."""

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_non_negative(eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group) -> dict:
        return {"step": self._scalar_state(), "square_avg": self._zeros_like(p),
                "acc_delta": self._zeros_like(p)}

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = _float(group["lr"]), group["rho"], group["eps"]
            for _p, d, g, state, (_, tmp, delta) in self._params_with_grad(group, 3):
                xp = array_module(d)
                state["step"]._data += 1
                sq, acc = state["square_avg"]._data, state["acc_delta"]._data
                _ema_sq_(sq, g, rho, tmp)
                xp.add(acc, eps, out=delta)
                xp.sqrt(delta, out=delta)
                xp.add(sq, eps, out=tmp)
                xp.sqrt(tmp, out=tmp)
                xp.divide(delta, tmp, out=delta)
                xp.multiply(delta, g, out=delta)
                _ema_sq_(acc, delta, rho, tmp)
                xp.multiply(delta, lr, out=delta)
                xp.subtract(d, delta, out=d)
        return loss
