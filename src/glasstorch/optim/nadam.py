"""NAdam: Adam with Nesterov momentum and a momentum warm-up schedule."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .. import backend
from ..backend import array_module
from .adam import _moments_
from .optimizer import Optimizer, _check_common, _check_non_negative, _float

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (``torch.optim.NAdam``).

    The momentum coefficient follows ``mu_t = b1 * (1 - 0.5 * 0.96^(t * momentum_decay))``;
    the step mixes the current gradient and the first moment, each corrected by the
    running product of the ``mu_t``. ``decoupled_weight_decay=True`` gives NAdamW.
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        _check_common(lr, eps, None, betas)
        _check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group) -> dict:
        return {"step": self._scalar_state(), "mu_product": self._scalar_state(1.0),
                "exp_avg": self._zeros_like(p), "exp_avg_sq": self._zeros_like(p)}

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps, md = _float(group["lr"]), group["eps"], group["momentum_decay"]
            beta1, beta2 = group["betas"]
            for _p, d, g, state, (_, tmp, denom) in self._params_with_grad(group, 3):
                xp = array_module(d)
                step = self._count_step(state)
                bc2 = 1 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * md))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * md))
                # mu_product is a 0-d state tensor in the scalar dtype (float32 by default):
                # the product is rounded to it each step, as torch's is.
                mp = state["mu_product"]._data
                xp.multiply(mp, mu, out=mp)  # a Python float meets float32 as float32 (NEP 50)
                mu_product = backend.scalar_state(mp)
                mu_product_next = mu_product * mu_next
                m, v = _moments_(state, g, beta1, beta2, tmp)
                xp.divide(v, bc2, out=denom)
                xp.sqrt(denom, out=denom)
                xp.add(denom, eps, out=denom)
                xp.divide(g, denom, out=tmp)
                xp.multiply(tmp, lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
                xp.subtract(d, tmp, out=d)
                xp.divide(m, denom, out=tmp)
                xp.multiply(tmp, lr * mu_next / (1.0 - mu_product_next), out=tmp)
                xp.subtract(d, tmp, out=d)
        return loss
