"""``glasstorch.linalg``: torch.linalg's norms, inverses, solves and decompositions.

Real tensors only (glasstorch has no complex dtypes). Inputs are batches of
matrices over leading dims, as in torch. Each result has a gradient, proven
against torch and by finite differences; the decompositions are in
``ops/decomp.py``, the rest is composed from differentiable ops here.
"""

from __future__ import annotations

import numpy as np

from . import return_types as _rt
from .backend import array_module
from .dtypes import SCALAR_TYPE_NAMES
from .ops import broadcast_tensors, cat, stack
from .ops import decomp as _d
from .ops import matmul as _matmul
from .ops._util import Tensor, accepts_out, wrap_dim, write_out
from .ops.decomp import LinAlgError
from .ops.reduce import matrix_norms as _mn
from .ops.reduce import norm as _norm
from .ops.reduce.matrix_norms import _check_floating as _floating
from .ops.reduce.matrix_norms import _check_full_precision as _full_precision
from .ops.reduce.matrix_norms import _check_matrix as _matrix
from .ops.reduce.matrix_norms import _check_tensor as _tensor
from .ops.reduce.matrix_norms import _restore, _to_last

__all__ = [
    "LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "solve", "solve_ex", "det",
    "slogdet", "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "lstsq",
    "matrix_power", "cross", "multi_dot", "vecdot", "matrix_rank", "diagonal", "matmul", "solve_triangular",
    "matrix_exp", "householder_product",
]

for _name, _fields in (("linalg_slogdet", ("sign", "logabsdet")), ("linalg_qr", ("Q", "R")),
                       ("linalg_svd", ("U", "S", "Vh")), ("linalg_eigh", ("eigenvalues", "eigenvectors")),
                       ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
                       ("linalg_inv_ex", ("inverse", "info")), ("linalg_cholesky_ex", ("L", "info")),
                       ("linalg_solve_ex", ("result", "info"))):
    _rt._make(_name, _fields)

_INF = float("inf")


# ---------------------------------------------------------------- argument checks
# (the tensor, floating, matrix and precision checks are in ops/reduce/matrix_norms.py)
def _square(name: str, x: Tensor, arg: str = "A") -> None:
    _matrix(name, x, arg)
    m, n = x._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are {m} by {n} matrices")


def _same_dtype(name: str, a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of type "
                           f"{SCALAR_TYPE_NAMES[a.dtype.name]} and B of type {SCALAR_TYPE_NAMES[b.dtype.name]} instead")


def _info(x: Tensor) -> Tensor:
    """The ``info`` of the ``*_ex`` functions: 0 per matrix (errors are raised, not reported)."""
    return Tensor._make(array_module(x._data).zeros(x._data.shape[:-2], np.int32), False, None, 0)


# ---------------------------------------------------------------- norms
@accepts_out
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when None)."""
    _tensor("linalg_vector_norm", x, "input")
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    _floating("linalg.vector_norm", x if dtype is None else x.to(dtype))
    return _norm(x, ord, dim, keepdim, dtype=dtype)


@accepts_out
def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """A matrix norm: 'fro', 'nuc', 2, -2 (singular values), 1, -1, inf, -inf (column/row sums)."""
    A, dim = _mn._matrix_norm_input(A, ord, dim, dtype)
    if ord == "fro":
        _to_last(A, dim)
        return vector_norm(A, 2, dim, keepdim)
    if ord == "nuc" or ord in (2, -2):
        return _mn._singular_value_norm(A, ord, dim, keepdim)
    if ord in (1, -1, _INF, -_INF):
        x, dims = _to_last(A, dim)
        along = -2 if ord in (1, -1) else -1
        sums = x.abs().sum(along)
        y = sums.amax(-1) if ord in (1, _INF) else sums.amin(-1)
        return _restore(y, dims, keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


@accepts_out
def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector norm (``dim`` an int, or a 1-D input) or a matrix norm (``dim`` a pair, or a 2-D input)."""
    _tensor("linalg_norm", A)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A._data.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A._data.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                       f"Got {A._data.ndim}D.")


# ---------------------------------------------------------------- inverses and solves
@accepts_out(exact="expected")
def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix; a singular one raises :class:`LinAlgError`."""
    _square("linalg.inv", A)
    _full_precision("linalg.inv", A)
    return _d.Inv.apply(A)


def inv_ex(A: Tensor, *, check_errors: bool = False):
    """``(inverse, info)``; here a singular matrix always raises, so ``info`` is all zeros."""
    return _rt.named("linalg_inv_ex", inv(A), _info(A))


def _vector_rhs(A: Tensor, B: Tensor) -> bool:
    nb = B._data.ndim
    return nb == 1 or (nb == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])


@accepts_out
def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with ``A @ X = B`` (``X @ A = B`` when ``left=False``); B a matrix, a vector, or batches."""
    _square("linalg.solve", A)
    _tensor("linalg_solve", B, "B")
    _same_dtype("linalg.solve", A, B)
    vec = _vector_rhs(A, B)
    b = B.unsqueeze(-1) if vec else B
    n = A._data.shape[-1]
    if left and b._data.shape[-2] != n or not left and b._data.shape[-1] != n:
        shown = b._data.shape[-2:]
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {shown[0]}x{shown[1]})")
    if left:
        x = _d.Solve.apply(A, b)
    else:
        x = _d.Solve.apply(A.mT, b.mT).mT
    return x.squeeze(-1) if vec else x


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False):
    """``(result, info)``; a singular matrix raises, so ``info`` is all zeros."""
    return _rt.named("linalg_solve_ex", solve(A, B, left=left), _info(A))


@accepts_out
def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix."""
    _square("linalg.det", A)
    if A._data.dtype == np.float16:
        if A._data.size == 0:  # torch never reaches its LU kernel: empty matrices have det 1
            return A.sum((-2, -1)) * 0 + 1
        raise NotImplementedError("\"lu_cpu\" not implemented for 'Half'")
    return _d.Det.apply(A)


def slogdet(A: Tensor):
    """``(sign, logabsdet)`` of each square matrix: det = sign * exp(logabsdet)."""
    _square("linalg.slogdet", A)
    _full_precision("linalg.slogdet", A)
    return _rt.named("linalg_slogdet", *_d.Slogdet.apply(A))


@accepts_out
def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The pseudo-inverse; singular values at most ``max(atol, rtol * largest)`` count as zero.

    With neither tolerance given, ``rtol`` is ``eps * max(m, n)``, as in torch.
    """
    _matrix("linalg.pinv", A)
    if A._data.dtype == np.float16:
        raise RuntimeError(f"linalg.pinv(Half{list(A._data.shape)}): expected a tensor with 2 or more dimensions "
                           f"of float, double, cfloat or cdouble types")
    m, n = A._data.shape[-2:]
    eps = float(np.finfo(A._data.dtype).eps)
    if rtol is None:
        rtol = eps * max(m, n) if atol is None or _zero(atol) else 0.0
    atol = 0.0 if atol is None else atol
    if hermitian:
        _square("linalg.pinv", A)
    return _d.Pinv.apply(A, _value(atol), _value(rtol))


def _zero(t) -> bool:
    return not bool(t._data.any()) if isinstance(t, Tensor) else not np.any(t)  # host: a Python number


def _value(t):
    return t._data if isinstance(t, Tensor) else t


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solutions of ``A X = B``: ``(solution, residuals, rank, singular_values)``.

    The solution is ``pinv(A) @ B`` (minimum norm when A is rank-deficient).
    As torch's default CPU driver 'gelsy', residuals and singular values are
    empty; 'gelsd' and 'gelss' return singular values, and residuals for
    tall full-rank A.
    """
    _matrix("torch.linalg.lstsq", A)
    _tensor("linalg_lstsq", B, "B")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"(gels, gelsy, gelsd, gelss), but got {driver}")
    if B._data.ndim < A._data.ndim - 1 or B._data.ndim > A._data.ndim:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    vec = B._data.ndim == A._data.ndim - 1
    b = B.unsqueeze(-1) if vec else B
    if A._data.shape[-2] != b._data.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    _same_dtype("torch.linalg.lstsq", A, B)
    m, n = A._data.shape[-2:]
    eps = float(np.finfo(A._data.dtype).eps)
    tol = eps * max(m, n) if rcond is None else float(rcond)
    x = pinv(A, rtol=tol) @ b
    s = svdvals(A.detach())
    xp = array_module(s._data)
    rank = (s._data > tol * s._data[..., :1]).sum(-1) if s._data.shape[-1] else xp.zeros(s._data.shape[:-1], int)
    rank_t = Tensor._make(xp.asarray(rank, np.int64), False, None, 0)
    empty = Tensor._make(xp.zeros((0,), A._data.dtype), False, None, 0)
    driver = driver or "gelsy"
    residuals, svals = empty, empty
    if driver in ("gelsd", "gelss"):
        svals = s
    if driver != "gelsy" and m > n and bool((rank == n).all()):
        residuals = ((A @ x - b) ** 2).sum(-2)
        if vec:
            residuals = residuals.squeeze(-1)
    return _rt.named("linalg_lstsq", x.squeeze(-1) if vec else x, residuals, rank_t, svals)


def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """A multiplied by itself ``n`` times (by squaring); n = 0 gives the identity, n < 0 uses inv(A)."""
    result = _matrix_power(A, n)
    if out is None:
        return result
    # torch casts the identity and A itself into out; a product it writes only in its own dtype
    return write_out("matrix_power", out, result, (A,), None if n in (0, 1) else "expected")


def _matrix_power(A: Tensor, n: int) -> Tensor:
    _tensor("linalg_matrix_power", A)
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A._data.shape[-2]} by {A._data.shape[-1]} matrices")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    n = int(n)
    if n == 0:
        xp = array_module(A._data)
        eye = xp.broadcast_to(xp.eye(A._data.shape[-1], dtype=A._data.dtype), A._data.shape).copy()
        return Tensor._make(eye, False, None, 0)
    if n < 0:
        A, n = inv(A), -n
    if n == 3:  # torch's order for a cube: (A @ A) @ A (NaN/inf patterns and rounding follow it)
        return (A @ A) @ A
    result, base = None, A
    while n:  # one product per bit of n
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


@accepts_out
def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (inputs broadcast)."""
    _tensor("linalg_cross", input, "input")
    _tensor("linalg_cross", other, "other")
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions. Got "
                           f"{input._data.ndim} and {other._data.ndim}")
    d = wrap_dim(dim, input._data.ndim)
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._data.shape[d]} and {other._data.shape[d]}")
    a, b = broadcast_tensors(input, other)
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


@accepts_out
def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices; the first and last may be vectors."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        _tensor("linalg_multi_dot", t, "tensors")
        nd = t._data.ndim
        end = i in (0, len(tensors) - 1)
        if end and nd not in (1, 2):
            which = "first" if i == 0 else "last"
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {nd}D")
        if not end and nd != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
    first, last = tensors[0], tensors[-1]
    mats = [first.unsqueeze(0) if first._data.ndim == 1 else first, *tensors[1:-1],
            last.unsqueeze(-1) if last._data.ndim == 1 else last]
    for i in range(len(mats) - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            a, b = mats[i]._data.shape, mats[i + 1]._data.shape
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes ({a[0]}, {a[1]}) and "
                               f"({b[0]}, {b[1]}) cannot be multiplied")
    out = mats[0]
    for m in mats[1:]:
        out = out @ m
    if last._data.ndim == 1:
        out = out.squeeze(-1)
    if first._data.ndim == 1:
        out = out.squeeze(0)
    return out


# ---------------------------------------------------------------- decompositions
@accepts_out
def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L L^T (L^T when ``upper``), read from A's lower triangle."""
    _square("linalg.cholesky", A)
    low = _d.Cholesky.apply(A)
    return low.mT if upper else low


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """``(L, info)``; a matrix that is not positive-definite raises, so ``info`` is all zeros."""
    return _rt.named("linalg_cholesky_ex", cholesky(A, upper=upper), _info(A))


def qr(A: Tensor, mode: str = "reduced"):
    """``(Q, R)`` with A = Q R; ``mode`` 'reduced', 'complete' or 'r' (Q empty)."""
    _matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    m, n = A._data.shape[-2:]
    if m < n and mode != "r":
        # A = [X | Y] with X square: X = Q U gives R = [U | Q^T Y], so the
        # gradient comes from the square case by the chain rule
        q, u = _d.QR.apply(A[..., :m], mode)
        r = _cat_last(u, q.mT @ A[..., m:])
        return _rt.named("linalg_qr", q, r)
    q, r = _d.QR.apply(A, mode)
    if mode == "r":
        q = Tensor._make(array_module(A._data).zeros((0,), A._data.dtype), False, None, 0)
    return _rt.named("linalg_qr", q, r)


def _cat_last(a: Tensor, b: Tensor) -> Tensor:
    return cat([a, b], -1)


def _uplo(name: str, UPLO: str) -> str:
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A: Tensor, UPLO: str = "L"):
    """``(eigenvalues, eigenvectors)`` of symmetric matrices, eigenvalues ascending.

    Only the ``UPLO`` triangle is read. Eigenvectors are unique up to sign.
    """
    _square("linalg.eigh", A)
    return _rt.named("linalg_eigh", *_d.Eigh.apply(A, _uplo("linalg.eigh", UPLO)))


@accepts_out
def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """Eigenvalues of symmetric matrices, ascending."""
    _square("linalg.eigvalsh", A)
    return _d.Eigh.apply(A, _uplo("linalg.eigvalsh", UPLO))[0]


def _no_driver(name: str, driver) -> None:
    if driver is not None:
        raise RuntimeError(f"torch.linalg.{name}: keyword argument `driver=` is only supported on CUDA inputs "
                           "with cuSOLVER backend.")


def svd(A: Tensor, full_matrices: bool = True, *, driver=None):
    """``(U, S, Vh)`` with A = U diag(S) Vh, S descending. Singular vectors are unique up to sign."""
    _matrix("linalg.svd", A)
    _no_driver("svd", driver)
    return _rt.named("linalg_svd", *_d.SVD.apply(A, bool(full_matrices)))


@accepts_out
def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """The singular values of each matrix, descending."""
    _matrix("linalg.svd", A)
    _no_driver("svdvals", driver)
    return _d.SVD.apply(A, False)[1]


# ---------------------------------------------------------------- small helpers
@accepts_out
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along ``dim`` (inputs broadcast)."""
    _tensor("linalg_vecdot", x, "x")
    _tensor("linalg_vecdot", y, "y")
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {SCALAR_TYPE_NAMES[x.dtype.name]} and y of type {SCALAR_TYPE_NAMES[y.dtype.name]} instead")
    return (x * y).sum(dim)


@accepts_out
def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)`` (int64)."""
    _matrix("linalg.matrix_rank", A)
    m, n = A._data.shape[-2:]
    eps = float(np.finfo(A._data.dtype).eps)
    if rtol is None:
        rtol = eps * max(m, n) if atol is None or _zero(atol) else 0.0
    atol = 0.0 if atol is None else atol
    xp = array_module(A._data)
    s = xp.linalg.svd(A._data, compute_uv=False)
    top = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    cut = xp.maximum(xp.asarray(_value(atol))[..., None], xp.asarray(_value(rtol))[..., None] * top)
    return Tensor._make(xp.asarray((s > cut).sum(-1), np.int64), False, None, 0)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal of each matrix (a view), as ``torch.diagonal`` with matrix dims last by default."""
    return A.diagonal(offset, dim1, dim2)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The same as :func:`glasstorch.matmul`."""
    return _matmul(input, other)


# ---------------------------------------------------------------- torch-namespace spellings
def _torch_slogdet(input: Tensor):
    """``torch.slogdet``: :func:`slogdet` as ``torch.return_types.slogdet``."""
    return _rt.named("slogdet", *slogdet(input))


def _logdet(input: Tensor) -> Tensor:
    """log(det A): NaN where the determinant is negative, -inf where it is 0."""
    sign, logabs = slogdet(input)
    return sign.log() + logabs


def _pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: :func:`pinv` with a relative cutoff ``rcond``."""
    return pinv(input, rtol=rcond)


# torch.det takes no out= (only linalg.det does): the top level gets the function accepts_out wrapped
TOP_LEVEL = {"det": det.__wrapped__, "inverse": inv, "slogdet": _torch_slogdet, "logdet": _logdet, "pinverse": _pinverse,
             "matrix_power": matrix_power}
METHODS = TOP_LEVEL


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with ``A @ X = B`` (``X @ A = B`` if not ``left``) for a triangular ``A``: only its
    ``upper`` or lower triangle is read, and with ``unitriangular`` its diagonal is taken as ones."""
    _tensor("linalg.solve_triangular", A)
    _tensor("linalg.solve_triangular", B, "B")
    _square("linalg.solve_triangular", A)
    _matrix("linalg.solve_triangular", B, "B")
    _same_dtype("linalg.solve_triangular", A, B)
    if unitriangular:
        n = A.shape[-1]
        eye = _d.eye(n, dtype=A.dtype)
        A = (A.triu(1) if upper else A.tril(-1)) + eye
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return _d._SolveTriangular.apply(A.mT, B.mT, not upper).mT
    return _d._SolveTriangular.apply(A, B, upper)


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential exp(A) = I + A + A^2/2! + ... of a square matrix (or a stack)."""
    _tensor("linalg.matrix_exp", A)
    _square("linalg.matrix_exp", A)
    return _d.matrix_exp(A)


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of the product of Householder reflections H_1 ... H_k stored in
    ``A`` (below the diagonal) and ``tau``, as LAPACK's orgqr."""
    _tensor("linalg.householder_product", A)
    _tensor("linalg.householder_product", tau, "tau")
    return _d.householder_product(A, tau)
