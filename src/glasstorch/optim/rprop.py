"""Rprop: per-coordinate step sizes adapted from the sign of successive gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..backend import array_module
from .optimizer import Optimizer, _check_non_negative, _float

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Resilient backpropagation (``torch.optim.Rprop``).

    Where the gradient keeps its sign the coordinate's step size grows by ``etas[1]``,
    where it flips the step shrinks by ``etas[0]`` (and that coordinate skips this
    step); step sizes stay within ``step_sizes``. Only the gradient's sign is used.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_non_negative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, group) -> dict:
        return {"step": self._scalar_state(), "prev": self._zeros_like(p),
                "step_size": self._zeros_like(p, _float(group["lr"]))}

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            eta_minus, eta_plus = group["etas"]
            lo, hi = group["step_sizes"]
            for _p, d, g, state, (work, factor) in self._params_with_grad(group, 2):
                xp = array_module(d)
                state["step"]._data += 1
                prev, size = state["prev"]._data, state["step_size"]._data
                xp.multiply(g, prev, out=factor)
                xp.sign(factor, out=factor)
                flipped = factor < 0
                # sign > 0 -> eta_plus, sign < 0 -> eta_minus, sign == 0 -> 1
                xp.copyto(factor, xp.where(factor > 0, eta_plus, xp.where(flipped, eta_minus, 1.0)))
                xp.multiply(size, factor, out=size)
                xp.clip(size, lo, hi, out=size)
                xp.copyto(prev, g)
                prev[flipped] = 0  # a flipped coordinate rests this step and forgets its gradient
                xp.sign(prev, out=work)
                xp.multiply(work, size, out=work)
                xp.subtract(d, work, out=d)
        return loss
