"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..backend import array_module
from .adam import _ema_sq_, _lerp_
from .optimizer import Optimizer, _check_non_negative, _float

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (``torch.optim.RMSprop``): divides the gradient by the root of a moving
    average of its square, ``v = alpha * v + (1 - alpha) * g^2``.

    ``centered=True`` subtracts the squared moving average of the gradient from ``v``
    (an estimate of its variance); ``momentum > 0`` keeps a buffer of the scaled steps.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group) -> dict:
        state = {"step": self._scalar_state(), "square_avg": self._zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = self._zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = self._zeros_like(p)
        return state

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps, mu = _float(group["lr"]), group["alpha"], group["eps"], group["momentum"]
            centered = group["centered"]
            for _p, d, g, state, (_, tmp) in self._params_with_grad(group, 2):
                xp = array_module(d)
                state["step"]._data += 1
                sq = state["square_avg"]._data
                _ema_sq_(sq, g, alpha, tmp)
                if centered:
                    ga = state["grad_avg"]._data
                    _lerp_(ga, g, 1 - alpha, tmp)
                    xp.multiply(ga, ga, out=tmp)
                    xp.subtract(sq, tmp, out=tmp)
                    xp.sqrt(tmp, out=tmp)
                else:
                    xp.sqrt(sq, out=tmp)
                xp.add(tmp, eps, out=tmp)
                xp.divide(g, tmp, out=tmp)  # g / avg
                if mu > 0:
                    buf = state["momentum_buffer"]._data
                    xp.multiply(buf, mu, out=buf)
                    xp.add(buf, tmp, out=buf)
                    xp.multiply(buf, lr, out=tmp)
                else:
                    xp.multiply(tmp, lr, out=tmp)
                xp.subtract(d, tmp, out=d)
        return loss
