"""Adagrad: per-coordinate steps scaled by the accumulated squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..backend import array_module
from .optimizer import Optimizer, _check_non_negative, _float

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (``torch.optim.Adagrad``): ``s += g^2``,
    ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)``.

    State is created for every parameter when the optimizer is built (``sum``
    starts at ``initial_accumulator_value``), as torch does.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        _check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                            initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._init_state(p, group))

    def _init_state(self, p, group) -> dict:
        # made for every parameter at construction; later for a group added after it
        return {"step": self._scalar_state(),
                "sum": self._zeros_like(p, group["initial_accumulator_value"])}

    def share_memory(self) -> None:
        """Accepted for compatibility: there is one process's memory to share."""

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = _float(group["lr"]), group["lr_decay"], group["eps"]
            for _p, d, g, state, (_, tmp) in self._params_with_grad(group, 2):
                xp = array_module(d)
                clr = lr / (1 + (self._count_step(state) - 1) * lr_decay)
                s = state["sum"]._data
                xp.multiply(g, g, out=tmp)
                xp.add(s, tmp, out=s)
                xp.sqrt(s, out=tmp)
                xp.add(tmp, eps, out=tmp)
                xp.divide(g, tmp, out=tmp)
                xp.multiply(tmp, clr, out=tmp)
                xp.subtract(d, tmp, out=d)
        return loss
