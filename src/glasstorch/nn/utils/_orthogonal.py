"""The orthogonal parametrization and the matrix maps behind it: the matrix
exponential, the Cayley map and products of Householder reflections."""

from __future__ import annotations

import numpy as np

from ... import linalg, ops
from ...autograd import grad_mode as _gm
from ...backend import array_module
from ...tensor import Tensor
from ..modules.module import Module


def _make_orthogonal(a: np.ndarray) -> np.ndarray:
    """The Q of A = QR with R's diagonal made positive."""
    xp = array_module(a)
    q, r = xp.linalg.qr(a)
    return q * xp.sign(xp.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def _is_orthogonal(q: np.ndarray) -> bool:
    xp = array_module(q)
    n, k = q.shape[-2], q.shape[-1]
    eps = 10 * n * np.finfo(q.dtype).eps
    return bool(xp.allclose(xp.swapaxes(q, -1, -2) @ q, xp.eye(k), atol=eps))


_MAPS = ("matrix_exp", "cayley", "householder")


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def _trivial(self) -> bool:
        return "base" in self._buffers

    def forward(self, x: Tensor) -> Tensor:
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = x.tril()
            if n != k:
                x = ops.cat([x, ops.zeros(tuple(x.shape[:-2]) + (n, n - k), dtype=x.dtype)], -1)
            a = x - x.mT  # skew-symmetric
            if self.orthogonal_map == "matrix_exp":
                q = linalg.matrix_exp(a)
            else:
                eye = ops.eye(n, dtype=a.dtype)
                q = linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(-2))
            q = linalg.householder_product(a, tau)
            # the diagonal's sign (truncated towards zero, as torch) flips columns
            q = q * x.diagonal(dim1=-2, dim2=-1).trunc().unsqueeze(-2)
        if self._trivial():
            q = self.base @ q
        if transposed:
            q = q.mT
        return q

    def right_inverse(self, q: Tensor) -> Tensor:
        xp = array_module(q._data)
        if tuple(q.shape) != tuple(self.shape):
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {q.shape}.")
        with _gm.no_grad():
            arr = q.detach()._data
            n, k = arr.shape[-2], arr.shape[-1]
            transpose = n < k
            if transpose:
                arr = xp.swapaxes(arr, -1, -2)
                n, k = k, n
            if not self._trivial():
                if self.orthogonal_map != "householder":
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the "
                                              "Cayley parametrizations when use_trivialization=False.")
                h, tau = xp.linalg.qr(arr, mode="raw")  # LAPACK's geqrf, its matrix transposed
                a = xp.swapaxes(h, -1, -2).copy()
                diag = xp.sign(xp.diagonal(a, axis1=-2, axis2=-1))
                diag = xp.where(tau == 0, -diag, diag)
                idx = xp.arange(k)
                a[..., idx, idx] = diag
                a = xp.swapaxes(a, -1, -2) if transpose else a
                return Tensor._make(xp.ascontiguousarray(a).astype(q._data.dtype), False, None, 0)
            if n == k:
                base = arr.copy() if _is_orthogonal(arr) else _make_orthogonal(arr)
            else:
                from ... import random as _random

                extra = _random._rng(None).standard_normal(arr.shape[:-2] + (n, n - k)).astype(arr.dtype)
                base = _make_orthogonal(xp.concatenate([arr, xp.asarray(extra)], -1))  # drawn on the host
            self.base = Tensor._make(base.astype(q._data.dtype), False, None, 0)
            neg_eye = xp.zeros(q.shape, q._data.dtype)
            idx = xp.arange(min(q.shape[-2], q.shape[-1]))
            neg_eye[..., idx, idx] = -1.0
            return Tensor._make(neg_eye, False, None, 0)
