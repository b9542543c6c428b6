"""SGD with optional momentum, Nesterov momentum, weight decay and maximize."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..backend import array_module
from .optimizer import Optimizer, _float

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (``torch.optim.SGD``).

    With momentum ``mu`` and dampening ``tau``: ``b = mu * b + (1 - tau) * g``
    (``b = g`` on the first step), then ``p -= lr * b`` (``lr * (g + mu * b)``
    with ``nesterov=True``).
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        if _float(lr) < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, mu, damp, nesterov = _float(group["lr"]), group["momentum"], group["dampening"], group["nesterov"]
            # torch keeps no state for a parameter until momentum needs a buffer
            for p, d, g, state, (work,) in self._params_with_grad(group, 1, with_state=mu != 0):
                xp = array_module(d)
                if mu != 0:
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = self._zeros_like(p)
                        xp.copyto(buf._data, g)
                    else:
                        b = buf._data
                        xp.multiply(b, mu, out=b)
                        if damp == 0:
                            xp.add(b, g, out=b)
                        else:
                            tmp = self._work(d, 2)[1]
                            xp.multiply(g, 1 - damp, out=tmp)
                            xp.add(b, tmp, out=b)
                    if nesterov:
                        # g + mu * buf, into the scratch array (g may be p.grad itself)
                        tmp = self._work(d, 2)[1]
                        xp.multiply(buf._data, mu, out=tmp)
                        xp.add(tmp, g, out=work)
                        g = work
                    else:
                        g = buf._data
                if g is work:
                    xp.multiply(work, lr, out=work)
                else:
                    xp.multiply(g, lr, out=work)
                xp.subtract(d, work, out=d)
        return loss
