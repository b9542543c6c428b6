"""The two matrix ops the multivariate normal needs: Cholesky factor and triangular solve.

Both backward passes are written with these same ops, so they can be
differentiated again.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..ops._util import Tensor


class _Cholesky(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a):
        try:
            low = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.cholesky: The factorization could not be completed because the "
                               "input is not positive-definite.") from None
        ctx.save_for_backward(low)
        return low

    @staticmethod
    def backward(ctx, grad):
        # A = L L^T: with Phi = lower triangle of L^T dL, diagonal halved,
        # dA = sym(L^-T Phi L^-1)
        (low,) = ctx.saved_tensors
        phi = (low.mT @ grad).tril()
        phi = phi - 0.5 * phi.diagonal(dim1=-2, dim2=-1).diag_embed()
        x = solve_triangular(low.mT, phi, upper=True)
        s = solve_triangular(low.mT, x.mT, upper=True).mT
        return 0.5 * (s + s.mT)


class _SolveTriangular(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b, upper):
        a = np.triu(a) if upper else np.tril(a)
        try:
            x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:  # a zero on the diagonal: torch answers inf/nan, not an error
            shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:]
            x = np.full(shape, np.nan, np.result_type(a, b))
        ctx.upper = upper
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        gb = solve_triangular(a.mT, grad, upper=not ctx.upper)
        ga = -(gb @ x.mT)
        return (ga.triu() if ctx.upper else ga.tril()), gb, None


def cholesky(a: Tensor) -> Tensor:
    """The lower Cholesky factor L of a symmetric positive-definite A = L L^T."""
    return _Cholesky.apply(a)


def solve_triangular(a: Tensor, b: Tensor, *, upper: bool) -> Tensor:
    """A^-1 B for a triangular A (only its ``upper`` or lower triangle is read)."""
    return _SolveTriangular.apply(a, b, upper)
