"""The argument checks of torch.linalg, and the norms of a matrix taken from its singular values.

Here, below both ``glasstorch.linalg`` and ``torch.norm``, because ``norm(x, p='nuc')`` is
the nuclear matrix norm: the reductions reach it without reaching up into ``linalg``.
"""

from __future__ import annotations

import numpy as np

from ...dtypes import SCALAR_TYPE_NAMES
from .. import decomp as _d
from .._util import Tensor, wrap_dim


def _check_tensor(name: str, x, arg: str = "A") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


def _check_floating(name: str, x: Tensor) -> None:
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {SCALAR_TYPE_NAMES[x.dtype.name]}")


def _check_matrix(name: str, x: Tensor, arg: str = "A") -> None:
    _check_tensor(name.split(".")[-1], x, arg)
    if x._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    _check_floating(name, x)


def _check_full_precision(name: str, x: Tensor) -> None:
    # LAPACK has no half-precision routines; torch refuses float16 before factorising
    if x._data.dtype == np.float16:
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got Half")


def _to_last(x: Tensor, dim) -> tuple:
    """``x`` with the two matrix dims moved last, and those dims (wrapped)."""
    r, c = (wrap_dim(d, x._data.ndim) for d in dim)
    if r == c:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return x.movedim((r, c), (-2, -1)), (r, c)


def _restore(y: Tensor, dims, keepdim: bool) -> Tensor:
    if keepdim:
        for d in sorted(dims):
            y = y.unsqueeze(d)
    return y


def _matrix_norm_input(A: Tensor, ord, dim, dtype) -> tuple:
    """torch.linalg.matrix_norm's checks, in its order; ``(A in dtype, dim as a pair)``."""
    _check_matrix("linalg.matrix_norm", A)
    if ord == "nuc" or ord in (2, -2):  # the singular values: LAPACK has no half routines
        _check_full_precision("linalg.matrix_norm", A)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    if dtype is not None:
        _to_last(A, dim)  # a dim out of range, or twice the same, is reported before the dtype
        if not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError(f"linalg.matrix_norm: dtype should be floating point or complex, but got "
                               f"{SCALAR_TYPE_NAMES[dtype.name]}")
        if dtype.itemsize < A.element_size():
            raise RuntimeError(f"linalg.matrix_norm: the dtype of the input ({SCALAR_TYPE_NAMES[A.dtype.name]}) "
                               "should be convertible without narrowing to the specified dtype "
                               f"({SCALAR_TYPE_NAMES[dtype.name]})")
        A = A.to(dtype)
    return A, dim


def _singular_value_norm(A: Tensor, ord, dim, keepdim: bool) -> Tensor:
    """The nuclear norm (``'nuc'``: the sum of the singular values) or the largest (2) or
    smallest (-2) singular value of the matrices over ``dim``; ``A`` already checked."""
    x, dims = _to_last(A, dim)
    s = _d.SVD.apply(x, False)[1]
    y = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
    return _restore(y, dims, keepdim)
