"""The hook-based ``nn.utils.spectral_norm`` / ``remove_spectral_norm`` (torch's older API):
parameter ``<name>_orig``, buffers ``<name>_u`` and ``<name>_v``."""

from __future__ import annotations

from ...autograd import grad_mode as _gm
from .._functional.utility import normalize
from ..modules.module import Module
from ..parameter import Parameter
from ._norms import _remove_reparametrization, default_spectral_dim, set_in_place, weight_matrix

__all__ = ["remove_spectral_norm", "spectral_norm"]


class SpectralNorm:
    """The forward pre-hook that sets ``<name> = <name>_orig / sigma``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim, self.eps = name, dim, eps
        self.n_power_iterations = n_power_iterations

    def compute_weight(self, module: Module, do_power_iteration: bool):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        w = weight_matrix(weight, self.dim)
        if do_power_iteration:
            with _gm.no_grad():
                for _ in range(self.n_power_iterations):
                    set_in_place(v, normalize(w.detach().mT @ u, dim=0, eps=self.eps))
                    set_in_place(u, normalize(w.detach() @ v, dim=0, eps=self.eps))
        u, v = u.clone(), v.clone()
        sigma = (u * (w @ v)).sum()
        return weight / sigma

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        with _gm.no_grad():
            w = weight_matrix(weight.detach(), dim)
            h, k = w.shape
            u = normalize(w.new_empty(h).normal_(0, 1), dim=0, eps=eps)
            v = normalize(w.new_empty(k).normal_(0, 1), dim=0, eps=eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with _gm.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm, re-estimated before every forward pass."""
    if dim is None:
        dim = default_spectral_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`."""
    return _remove_reparametrization(module, SpectralNorm, name, "spectral_norm")
