"""Shared pieces of weight normalisation and spectral normalisation."""

from __future__ import annotations

from ...tensor import Tensor


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002 - torch's name
    """The ``pow``-norm of ``v`` over every dim but ``dim``, kept as size-1 dims.
    ``dim=-1`` means the norm of the whole tensor (as torch reads it)."""
    if dim == -1:
        return v.norm(pow)
    others = tuple(d for d in range(v.dim()) if d != dim)
    if not others:
        return v.abs()
    return v.abs().pow(pow).sum(others, keepdim=True).pow(1.0 / pow)


def weight_from_g_v(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """w = g * v / |v|, the norm taken over every dim but ``dim``."""
    return v * (g / norm_except_dim(v, 2, dim))


def default_spectral_dim(module) -> int:
    from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    # a transposed convolution keeps its output channels in dim 1
    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


def weight_matrix(weight: Tensor, dim: int) -> Tensor:
    """``weight`` as a matrix whose rows run along ``dim``."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.dim()) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def set_in_place(target: Tensor, value: Tensor) -> None:
    target._data = value.detach()._data.copy()
    target._version[0] += 1


def _remove_reparametrization(module, kind: type, name: str, what: str):
    """Take off ``module``'s pre-hook of class ``kind`` for ``name`` (weight or spectral norm)."""
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")
