"""RAdam: Adam with a rectified (variance-corrected) adaptive step."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..backend import array_module
from .adam import _moments_
from .optimizer import Optimizer, _check_common, _float

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (``torch.optim.RAdam``).

    While the approximated length of the moving average ``rho_t`` is at most 5 the
    step is plain bias-corrected momentum; after that the adaptive Adam step is
    scaled by the rectification term ``r_t``. ``decoupled_weight_decay=True`` gives RAdamW.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group) -> dict:
        return {"step": self._scalar_state(), "exp_avg": self._zeros_like(p),
                "exp_avg_sq": self._zeros_like(p)}

    def step(self, closure: Callable | None = None):
        """Perform one update."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _float(group["lr"]), group["eps"]
            beta1, beta2 = group["betas"]
            rho_inf = 2 / (1 - beta2) - 1
            for _p, d, g, state, (_, tmp) in self._params_with_grad(group, 2):
                xp = array_module(d)
                step = self._count_step(state)
                m, v = _moments_(state, g, beta1, beta2, tmp)
                bc1 = 1 - beta1 ** step
                bc2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    xp.sqrt(v, out=tmp)
                    xp.add(tmp, eps, out=tmp)
                    xp.divide(m, tmp, out=tmp)
                    xp.multiply(tmp, lr / bc1 * bc2 ** 0.5 * rect, out=tmp)
                else:
                    xp.multiply(m, lr / bc1, out=tmp)
                xp.subtract(d, tmp, out=d)
        return loss
