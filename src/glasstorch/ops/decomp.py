"""Matrix decompositions and the ops built on them: inv, det, slogdet, solve,
cholesky, qr, eigh, svd, pinv. Values alone (eigvalsh, svdvals) are the first
output of eigh and svd, whose backward then gets zero vector gradients.

Forwards call LAPACK through ``numpy.linalg`` (batched over leading dims).
Backwards are written with Tensor operations, most of them in terms of the
saved outputs, so each can be differentiated again. The real case only:
glasstorch has no complex dtypes.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import array_module
from ._util import Tensor
from .creation import arange, eye, zeros_like
from .pointwise import where
from .shape import cat


class LinAlgError(RuntimeError):
    """A matrix that a decomposition or solve cannot handle (singular, not positive-definite)."""


LinAlgError.__module__ = "torch.linalg"


class _Op(Function):
    array_io = True


def _t(arr) -> Tensor:
    xp = array_module(arr)
    return Tensor._make(xp.asarray(arr), False, None, 0)


def _eye_like(x: Tensor, n: int) -> Tensor:
    xp = array_module(x._data)
    return _t(xp.eye(n, dtype=x._data.dtype))


def _off_diag_inverse(d: Tensor) -> Tensor:
    """F with F[..., i, j] = 1 / (d_j - d_i) off the diagonal and 0 on it (and where d_i = d_j)."""
    diff = d.unsqueeze(-2) - d.unsqueeze(-1)
    zero = _t(diff._data == 0)
    return (1.0 / diff.masked_fill(zero, 1.0)).masked_fill(zero, 0.0)


def _singular(name: str, how: str = "") -> LinAlgError:
    return LinAlgError(f"{name}: The diagonal element is zero, the {how or 'inversion'} could not be completed "
                       "because the input matrix is singular.")


def _lapack(fn, name, *args, **kwargs):
    """Run a numpy.linalg call; its singular-matrix error becomes torch's LinAlgError."""
    try:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    except np.linalg.LinAlgError:
        raise _singular(name) from None


# ---------------------------------------------------------------- inverse, solve
class Inv(_Op):
    """A^-1; d/dA = -A^-T g A^-T, written with the saved inverse."""

    node_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        if a.size and not bool(xp.isfinite(a).all()):
            out = _inv_by_elimination(a)  # inf/NaN: torch's exact sequence of operations
        else:
            out = _lapack(xp.linalg.inv, "linalg.inv", a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xt = x.mT
        return -(xt @ grad @ xt)


class Solve(_Op):
    """X with A X = B (B a batch of matrices); gB = A^-T g, gA = -gB X^T."""

    node_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        try:
            with np.errstate(all="ignore"):
                out = xp.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        gb = Solve.apply(a.mT, grad)
        ga = -(gb @ x.mT) if ctx.needs_input_grad[0] else None
        return ga, gb


def _lu_steps(m):
    """LAPACK's unblocked LU with partial pivoting (getf2) of a batch ``m`` (b, n, n), in place.

    With inf or NaN entries the results (inf, -inf or NaN) depend on exactly which
    products the elimination forms, so this repeats them as torch's LAPACK does: the
    pivot is the first largest magnitude (as BLAS's idamax compares), rows swap whole, the column
    is scaled by the pivot's reciprocal, then the rank-1 update. Returns the pivot rows
    of each step and the swaps' sign.
    """
    xp = array_module(m)
    rows = xp.arange(m.shape[0])
    sign = xp.ones(m.shape[0], m.dtype)
    tiny = np.finfo(m.dtype).tiny
    pivots = []
    with np.errstate(all="ignore"):
        for j in range(m.shape[-1]):  # one elimination step per column, every matrix of the batch at once
            col = xp.abs(m[:, j:, j])
            # BLAS's idamax: the first largest; a NaN compares false, so it wins only in first place
            p = xp.where(xp.isnan(col[:, 0]), 0, xp.argmax(xp.where(xp.isnan(col), -1.0, col), axis=1)) + j
            pivot_rows, other_rows = m[rows, p].copy(), m[rows, j].copy()
            m[rows, j], m[rows, p] = pivot_rows, other_rows
            sign = xp.where(p != j, -sign, sign)
            pivots.append(p)
            piv = m[:, j, j][:, None]
            below = m[:, j + 1:, j]
            scaled = xp.where(xp.abs(piv) >= tiny, below * (1 / piv), below / piv)
            m[:, j + 1:, j] = xp.where(piv != 0, scaled, below)
            m[:, j + 1:, j + 1:] -= m[:, j + 1:, j, None] * m[:, j, None, j + 1:]
    return pivots, sign


def _det_by_elimination(a):
    """det of each matrix as torch computes it with inf/NaN entries: the product of the diagonal of
    the LU (above) of the transpose (torch hands its row-major matrices to LAPACK, which reads them
    as their transposes), with the swaps' sign."""
    xp = array_module(a)
    n = a.shape[-1]
    m = xp.swapaxes(a, -1, -2).reshape(-1, n, n).copy()
    _, sign = _lu_steps(m)
    with np.errstate(all="ignore"):
        out = sign * xp.prod(xp.diagonal(m, axis1=-2, axis2=-1), axis=-1)
    return out.reshape(a.shape[:-2]).astype(a.dtype)


def _slogdet_by_elimination(a):
    """(sign, log|det|) of each matrix as torch computes them with inf/NaN entries: from the
    diagonal of the same LU as :func:`_det_by_elimination`; a NaN on it has sign 0."""
    xp = array_module(a)
    n = a.shape[-1]
    m = xp.swapaxes(a, -1, -2).reshape(-1, n, n).copy()
    _, sign = _lu_steps(m)
    d = xp.diagonal(m, axis1=-2, axis2=-1)
    with np.errstate(all="ignore"):
        sign = sign * xp.prod(xp.where(xp.isnan(d), 0.0, xp.sign(d)), axis=-1)
        logabs = xp.sum(xp.log(xp.abs(d)), axis=-1)
    return sign.reshape(a.shape[:-2]).astype(a.dtype), logabs.reshape(a.shape[:-2]).astype(a.dtype)


def _inv_by_elimination(a):
    """The inverse of each matrix as torch computes it with inf/NaN entries: the LU (above), then
    LAPACK's getrs on the identity: the swaps, forward substitution with L, back substitution with U."""
    xp = array_module(a)
    n = a.shape[-1]
    m = a.reshape(-1, n, n).copy()
    pivots, _ = _lu_steps(m)
    zero = xp.diagonal(m, axis1=-2, axis2=-1) == 0
    if bool(zero.any()):
        k = int(xp.argmax(zero[xp.argmax(zero.any(axis=1))])) + 1  # of the first singular matrix, 1-based
        raise LinAlgError(f"linalg.inv: The diagonal element {k} is zero, the inversion could not be completed "
                          "because the input matrix is singular.")
    rows = xp.arange(m.shape[0])
    b = xp.broadcast_to(xp.eye(n, dtype=a.dtype), m.shape).copy()
    with np.errstate(all="ignore"):
        for k, p in enumerate(pivots):
            row_p, row_k = b[rows, p].copy(), b[rows, k].copy()
            b[rows, k], b[rows, p] = row_p, row_k
        for k in range(n):
            b[:, k + 1:, :] -= b[:, k, None, :] * m[:, k + 1:, k, None]
        for k in range(n - 1, -1, -1):
            b[:, k, :] /= m[:, k, k, None]
            b[:, :k, :] -= b[:, k, None, :] * m[:, :k, k, None]
    return b.reshape(a.shape)


class Det(_Op):
    """det(A); d/dA = g det(A) A^-T (A invertible)."""

    node_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        if a.size and not bool(xp.isfinite(a).all()):
            out = xp.asarray(_det_by_elimination(a))  # inf/NaN: torch's exact sequence of products
        else:
            with np.errstate(all="ignore"):
                out = xp.asarray(xp.linalg.det(a), dtype=a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, d = ctx.saved_tensors
        return (grad * d).unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT


class Slogdet(_Op):
    """(sign, log|det A|); the sign is piecewise constant, so only the log carries a gradient: g A^-T."""

    node_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        if a.size and not bool(xp.isfinite(a).all()):
            sign, logabs = _slogdet_by_elimination(a)  # inf/NaN: torch's exact sequence of products
            ctx.save_for_backward(a)
            return sign, logabs
        with np.errstate(all="ignore"):
            sign, logabs = xp.linalg.slogdet(a)
        sign, logabs = xp.asarray(sign, a.dtype), xp.asarray(logabs, a.dtype)
        # a NaN on U's diagonal makes torch's product of signs 0 (sgn(NaN) = 0)
        sign = xp.where(xp.isnan(logabs), 0.0, sign).astype(a.dtype, copy=False)
        ctx.save_for_backward(a)
        return sign, logabs

    @staticmethod
    def backward(ctx, gsign, glog):
        (a,) = ctx.saved_tensors
        return glog.unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT


# ---------------------------------------------------------------- cholesky
def _phi(x: Tensor) -> Tensor:
    """The lower triangle of x with its diagonal halved."""
    return x.tril() - 0.5 * x.diagonal(0, -2, -1).diag_embed()


class Cholesky(_Op):
    """L lower-triangular with A = L L^T, from A's lower triangle.

    With P = phi(L^T gL): gA = L^-T P L^-1, symmetrised (A is taken as symmetric).
    """

    node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        low = xp.tril(a)
        sym = low + xp.swapaxes(xp.tril(a, -1), -1, -2)
        try:
            out = xp.linalg.cholesky(sym)
        except np.linalg.LinAlgError:
            raise LinAlgError(_not_pd_message(sym)) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (low,) = ctx.saved_tensors
        li = Inv.apply(low)
        ga = li.mT @ _phi(low.mT @ grad.tril()) @ li
        return 0.5 * (ga + ga.mT)


def _not_pd_message(sym) -> str:
    """torch's message, naming the first leading minor that is not positive-definite."""
    xp = array_module(sym)
    m = sym.reshape((-1,) + sym.shape[-2:])
    order = 1
    for k in range(1, m.shape[-1] + 1):  # error path only: find the failing minor
        try:
            xp.linalg.cholesky(m[..., :k, :k])
        except np.linalg.LinAlgError:
            order = k
            break
    return (f"linalg.cholesky: The factorization could not be completed because the input is not "
            f"positive-definite (the leading minor of order {order} is not positive-definite).")


# ---------------------------------------------------------------- qr
class QR(_Op):
    """A = Q R (Householder, as LAPACK), for m >= n in 'reduced' mode.

    With M = R gR^T - gQ^T Q: gA = (gQ + Q copyltu(M)) R^-T, where copyltu
    mirrors M's lower triangle onto its upper one.
    """

    node_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, a, mode):
        xp = array_module(a)
        q, r = xp.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        ctx.save_for_backward(q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                               "through linalg.qr.")
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        mm = r @ gr.mT - gq.mT @ q
        low = mm.tril(-1)
        copyltu = low + low.mT + mm.diagonal(0, -2, -1).diag_embed()
        return (gq + q @ copyltu) @ Inv.apply(r).mT, None


# ---------------------------------------------------------------- eigh
class Eigh(_Op):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix.

    gA = V (diag(gL) + F o skew(V^T gV)) V^T with F_ij = 1 / (l_j - l_i):
    the skew part alone, so the gradient is symmetric.
    """

    node_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, a, uplo):
        xp = array_module(a)
        w, v = xp.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        m = v.mT @ gv
        inner = _off_diag_inverse(w) * (0.5 * (m - m.mT)) + gw.diag_embed()
        return v @ inner @ v.mT, None


# ---------------------------------------------------------------- svd
def _svd_grad(u, s, vh, gu, gs, gvh):
    """gA for A = U diag(S) Vh (reduced), any of gU, gS, gVh zero.

    The inner block follows from dU = U (F o (U^T dA V S + S V^T dA^T U)) + ...
    with F_ij = 1 / (s_j^2 - s_i^2); the projections onto the complements of
    U's and V's columns carry the rest when A is not square.
    """
    v, gv = vh.mT, gvh.mT
    f = _off_diag_inverse(s * s)
    ju = f * (u.mT @ gu - gu.mT @ u)
    jv = f * (v.mT @ gv - gv.mT @ v)
    inner = ju * s.unsqueeze(-2) + s.unsqueeze(-1) * jv + gs.diag_embed()
    ga = u @ inner @ vh
    m, n = u.shape[-2], v.shape[-2]
    sinv = 1.0 / s
    if m > s.shape[-1]:
        proj = gu - u @ (u.mT @ gu)
        ga = ga + (proj * sinv.unsqueeze(-2)) @ vh
    if n > s.shape[-1]:
        proj = gv - v @ (v.mT @ gv)
        ga = ga + (u * sinv.unsqueeze(-2)) @ proj.mT
    return ga


class SVD(_Op):
    """A = U diag(S) Vh, singular values descending.

    With full_matrices the extra columns of U (rows of Vh) are not unique; as
    in torch, their gradient is ignored.
    """

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a, full_matrices):
        xp = array_module(a)
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        u, vh = u[..., :k], vh[..., :k, :]
        return _svd_grad(u, s, vh, gu[..., :k], gs, gvh[..., :k, :]), None


# ---------------------------------------------------------------- pinv
class Pinv(_Op):
    """The Moore-Penrose pseudo-inverse X = A^+ (singular values below the cutoff count as 0).

    With the rank fixed: gA = -X^T g X^T + (I - A X)^T g^T X X^T... written
    as the three terms of dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X.
    """

    node_name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx, a, atol, rtol):
        xp = array_module(a)
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        smax = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
        cut = xp.maximum(xp.asarray(atol, s.dtype)[..., None], xp.asarray(rtol, s.dtype)[..., None] * smax)
        keep = s > cut
        sinv = xp.where(keep, 1.0 / xp.where(keep, s, 1), 0).astype(a.dtype)
        out = xp.swapaxes(vh, -1, -2) * sinv[..., None, :] @ xp.swapaxes(u, -1, -2)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        xt = x.mT
        left = _eye_like(a, m) - a @ x
        right = _eye_like(a, n) - x @ a
        ga = -(xt @ grad @ xt) + left @ grad.mT @ x @ xt + xt @ x @ grad.mT @ right
        return ga, None, None


# -- triangular solves, the matrix exponential, Householder products -------------

class _SolveTriangular(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b, upper):
        xp = array_module(a)
        a = xp.triu(a) if upper else xp.tril(a)
        try:
            x = xp.linalg.solve(a, b)
        except np.linalg.LinAlgError:  # a zero on the diagonal: torch answers inf/nan, not an error
            shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:]
            x = xp.full(shape, np.nan, np.result_type(a.dtype, b.dtype))
        ctx.upper = upper
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        gb = _SolveTriangular.apply(a.mT, grad, not ctx.upper)
        ga = -(gb @ x.mT)
        return (ga.triu() if ctx.upper else ga.tril()), gb, None


def _expm_array(a):
    """exp(A) for a stack of matrices: scale to norm <= 1/2, Taylor series, square back."""
    xp = array_module(a)
    norm = xp.abs(a).sum(-2).max() if a.size else 0.0  # the largest 1-norm in the stack
    s = max(0, int(xp.ceil(xp.log2(norm))) + 1) if norm > 0 else 0
    a = a / 2.0 ** s
    eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    result, term = eye.copy(), eye
    for k in range(1, 19):
        term = term @ a / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


class _MatrixExp(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm_array(a)

    @staticmethod
    def backward(ctx, grad):
        # the derivative of exp at A applied to G is the top-right block of exp([[A^T, G], [0, A^T]])
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        at = a.mT
        top = cat([at, grad], -1)
        bottom = cat([zeros_like(at), at], -1)
        return matrix_exp(cat([top, bottom], -2))[..., :n, n:]


def matrix_exp(a: Tensor) -> Tensor:
    """exp(A) of a square matrix (or a stack of them)."""
    return _MatrixExp.apply(a)


def householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T, where v_i is column i
    of ``a`` below the diagonal with a 1 on it (LAPACK's orgqr)."""
    n, k = a.shape[-2], a.shape[-1]
    q = eye(n, dtype=a.dtype).expand(tuple(a.shape[:-2]) + (n, n))
    rows = arange(n)
    for i in range(k):  # one reflection per column: a sequential product
        v = where(rows > i, a[..., :, i], 0.0) + (rows == i).to(a.dtype)
        # q @ (I - tau v v^T) = q - tau (q v) v^T
        qv = (q @ v.unsqueeze(-1))
        q = q - tau[..., i, None, None] * (qv @ v.unsqueeze(-2))
    return q[..., :, :k]
