"""ASGD: SGD with a decaying step and a running (Polyak) average of the iterates."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .. import backend
from ..backend import array_module
from .optimizer import Optimizer, _check_non_negative, _float

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD (``torch.optim.ASGD``).

    ``p = p * (1 - lambd * eta) - eta * g`` with ``eta_t = lr / (1 + lambd * lr * t)^alpha``;
    after ``t0`` steps ``ax`` holds the running average of the iterates.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_non_negative(lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, group) -> dict:
        return {"step": self._scalar_state(), "eta": self._scalar_state(_float(group["lr"])),
                "mu": self._scalar_state(1.0), "ax": self._zeros_like(p)}

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            for _p, d, g, state, (_, tmp) in self._params_with_grad(group, 2):
                xp = array_module(d)
                step = self._count_step(state)
                # eta and mu live in 0-d tensors of the scalar dtype: use their rounded values
                eta, mu = backend.scalar_state(state["eta"]._data), backend.scalar_state(state["mu"]._data)
                xp.multiply(d, 1 - lambd * eta, out=d)
                xp.multiply(g, eta, out=tmp)
                xp.subtract(d, tmp, out=d)
                ax = state["ax"]._data
                if mu != 1:
                    xp.subtract(d, ax, out=tmp)
                    xp.multiply(tmp, mu, out=tmp)
                    xp.add(ax, tmp, out=ax)
                else:
                    xp.copyto(ax, d)
                # the new values pass through the scalar dtype even when a loaded state_dict made
                # eta/mu float64 tensors, as torch's do
                rnd = self._scalar_dtype()
                state["eta"]._data[...] = rnd(lr / ((1 + lambd * lr * step) ** alpha))
                state["mu"]._data[...] = rnd(1 / max(1, step - t0))
        return loss
