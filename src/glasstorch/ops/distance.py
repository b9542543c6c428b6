"""cdist, nansum and nanmean, composed from differentiable ops; and the
``axis=``/``keepdims=`` spellings torch accepts for ``dim=``/``keepdim=``.
"""

from __future__ import annotations

import functools
import math

from ..dtypes import SCALAR_TYPE_NAMES
from ._util import Tensor, broadcast_shape, dims_tuple

_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = _MODES[0]) -> Tensor:
    """The p-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M).

    As torch, p = 2 uses the matrix-product form |x|^2 + |y|^2 - 2 x.y (clamped
    at 1e-30 before the square root) when either side has more than 25 rows,
    or always with ``compute_mode='use_mm_for_euclid_dist'``; other p and
    small inputs take the norm of the differences directly.
    """
    from .reduce import norm

    # torch checks the mode in Python, before any tensor check
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, t in (("X1", x1), ("X2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"cdist(): argument '{name.lower()}' must be Tensor, not {type(t).__name__}")
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{SCALAR_TYPE_NAMES[t.dtype.name]}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} "
                           f"X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    batch = broadcast_shape(x1._data.shape[:-2], x2._data.shape[:-2])
    rows1, rows2 = x1._data.shape[-2], x2._data.shape[-2]
    if x1._data.dtype != x2._data.dtype:
        if rows1 * rows2 * x1._data.shape[-1] * math.prod(batch) == 0:
            # torch returns zeros (or nothing) in x1's dtype before it compares the dtypes
            return x1.new_zeros((*batch, rows1, rows2))
        raise RuntimeError(f"expected scalar type {SCALAR_TYPE_NAMES[x1.dtype.name]} but found "
                           f"{SCALAR_TYPE_NAMES[x2.dtype.name]}")
    use_mm = p == 2 and (compute_mode == _MODES[1] or (compute_mode == _MODES[0] and (rows1 > 25 or rows2 > 25)))
    if use_mm:
        sq1 = (x1 * x1).sum(-1, keepdim=True)
        sq2 = (x2 * x2).sum(-1, keepdim=True)
        return (sq1 - 2 * (x1 @ x2.mT) + sq2.mT).clamp_min(1e-30).sqrt()
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == float("inf"):
        if diff._data.size == 0:  # no rows or no columns: torch gives zeros, not norm's error
            return diff.abs().sum(-1)
        from .pointwise import isnan

        diff = diff.masked_fill(isnan(diff), 0.0)  # torch's largest difference passes over NaN ones
    return norm(diff, p, -1)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The sum with NaN counted as zero (and given a zero gradient)."""
    from .pointwise import isnan

    if isinstance(dim, (tuple, list)):
        dims_tuple(dim, input._data.ndim, in_order=True)  # torch's nansum checks its dims one by one
    if input._data.dtype.kind == "f" and dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
        x = input.nan_to_num()  # into an integer dtype torch sends infinities to the float's extremes
    else:
        x = input.masked_fill(isnan(input), 0.0) if input._data.dtype.kind == "f" else input
    return x.sum(dim, keepdim, dtype=dtype)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean of the elements that are not NaN."""
    from .pointwise import isnan

    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{SCALAR_TYPE_NAMES[input.dtype.name]}")
    if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError("nanmean(): could not infer output dtype. Optional dtype must be either a floating "
                           f"point or complex dtype. Got: {SCALAR_TYPE_NAMES[dtype.name]}")
    if dtype is not None:
        input = input.to(dtype)
    keep = isnan(input).logical_not()
    return nansum(input, dim, keepdim) / keep.sum(dim, keepdim).to(input.dtype)


# ---------------------------------------------------------------- argument aliases
def accept_numpy_names(fn):
    """``fn`` also taking ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``, as torch does."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                if "dim" in kwargs:
                    raise TypeError(f"{fn.__name__}() got multiple values for argument 'dim'")
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                if "keepdim" in kwargs:
                    raise TypeError(f"{fn.__name__}() got multiple values for argument 'keepdim'")
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return call


# torch's argument parser takes ``axis`` for ``dim`` on every op below, and
# ``keepdims`` on those that have ``keepdim``; its Python-level functions
# (split, norm, ...) take neither.
ALIASED = """sum mean prod max min amax amin argmax argmin std var all any logsumexp nansum nanmean median
std_mean var_mean aminmax kthvalue count_nonzero cumsum cumprod softmax log_softmax squeeze unsqueeze cat
concat concatenate stack sort argsort topk cummax cummin unbind select narrow index_select gather chunk""".split()


def install(namespace: dict, tensor_cls) -> None:
    """Give the listed functions in ``namespace`` and the Tensor methods of the same names the aliases."""
    for name in ALIASED:
        fn = namespace.get(name)
        if fn is not None:
            namespace[name] = accept_numpy_names(fn)
        method = tensor_cls.__dict__.get(name)
        if method is not None and callable(method):
            setattr(tensor_cls, name, accept_numpy_names(method))
