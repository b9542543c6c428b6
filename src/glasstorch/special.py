"""``glasstorch.special``: torch.special's functions, each with its gradient.

The kernels (erf family, gamma family, Bessel, normal CDF) are in
``ops/special.py``; the rest are the ops glasstorch already has under
torch.special's names. Integer inputs give float results, as in torch.
"""

from __future__ import annotations

import math

from . import ops as _ops
from .ops import special as _s
from .ops._util import Tensor, accepts_out, as_float, promote
from .ops.reduce import logsumexp as _logsumexp

__all__ = [
    "erf", "erfc", "erfcx", "erfinv", "expit", "logit", "gammaln", "digamma", "psi", "polygamma",
    "multigammaln", "xlogy", "xlog1py", "log_softmax", "softmax", "entr", "i0", "i0e", "i1", "i1e",
    "ndtr", "ndtri", "log_ndtr", "sinc", "round", "logsumexp", "exp2", "expm1", "log1p",
]


def _tensor(name: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return as_float(x)


def _unary(cls, name: str, doc: str, *extra):
    @accepts_out
    def fn(input: Tensor) -> Tensor:
        return cls.apply(_tensor(name, input), *extra)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


erfc = _unary(_s.Erfc, "erfc", "The complementary error function 1 - erf(x), accurate where it is small.")
erfcx = _unary(_s.Erfcx, "erfcx", "The scaled complementary error function e^(x^2) erfc(x).")
erfinv = _unary(_s.Erfinv, "erfinv", "The inverse error function on [-1, 1].")
ndtr = _unary(_s.Ndtr, "ndtr", "The standard normal cumulative distribution function.")
ndtri = _unary(_s.Ndtri, "ndtri", "The inverse of :func:`ndtr` (the normal quantile function) on [0, 1].")
log_ndtr = _unary(_s.LogNdtr, "log_ndtr", "log(ndtr(x)), finite far into the left tail.")
gammaln = _unary(_s.Gammaln, "gammaln", "log|Gamma(x)|.")
digamma = _unary(_s.Polygamma, "digamma", "The logarithmic derivative of Gamma; -inf at 0.", 0)
psi = digamma
entr = _unary(_s.Entr, "entr", "Elementwise entropy -x log(x) (0 at 0, -inf for x < 0).")
sinc = _unary(_s.Sinc, "sinc", "The normalised sinc sin(pi x) / (pi x), 1 at 0.")
i0 = _unary(_s.BesselI, "i0", "The modified Bessel function of the first kind, order 0.", 0, False)
i0e = _unary(_s.BesselI, "i0e", "e^-|x| i0(x).", 0, True)
i1 = _unary(_s.BesselI, "i1", "The modified Bessel function of the first kind, order 1.", 1, False)
i1e = _unary(_s.BesselI, "i1e", "e^-|x| i1(x).", 1, True)


@accepts_out
def erf(input: Tensor) -> Tensor:
    """The error function."""
    return _ops.erf(_tensor("erf", input))


@accepts_out
def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of :func:`digamma` (n >= 0)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"special_polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _s.Polygamma.apply(_tensor("polygamma", input), n)


@accepts_out
def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension ``p``: sum_i gammaln(x - i/2) + p(p-1)/4 log(pi)."""
    if isinstance(input, Tensor) and input._data.dtype.kind == "b":
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    x = _tensor("multigammaln", input)
    if p < 1:
        raise RuntimeError(f"p has to be greater than or equal to 1, but got {p}")
    shift = _ops.arange(p, dtype=x.dtype) / 2
    return gammaln(x.unsqueeze(-1) - shift).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


def _binary(name: str, x, y):
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        raise TypeError(f"special_{name}() received an invalid combination of arguments: "
                        f"got ({type(x).__name__}, {type(y).__name__})")
    x, y = promote(x, y, to_float=True)
    like = x if isinstance(x, Tensor) else y
    x = x if isinstance(x, Tensor) else _ops.tensor(x, dtype=like.dtype)
    y = y if isinstance(y, Tensor) else _ops.tensor(y, dtype=like.dtype)
    return x, y


@accepts_out
def xlogy(input, other) -> Tensor:
    """x * log(y), and 0 where x is 0 (unless y is NaN)."""
    return _s.Xlogy.apply(*_binary("xlogy", input, other), False)


@accepts_out
def xlog1py(input, other) -> Tensor:
    """x * log1p(y), and 0 where x is 0 (unless y is NaN)."""
    return _s.Xlogy.apply(*_binary("xlog1py", input, other), True)


@accepts_out
def expit(input: Tensor) -> Tensor:
    """The logistic sigmoid 1 / (1 + e^-x)."""
    return _ops.sigmoid(_tensor("expit", input))


@accepts_out
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)); with ``eps``, p is clamped to [eps, 1 - eps] first."""
    x = _tensor("logit", input)
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return x.log() - (-x).log1p()


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """softmax along ``dim``."""
    return _ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """log(softmax) along ``dim``, computed stably."""
    return _ops.log_softmax(input, dim, dtype=dtype)


@accepts_out
def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, without overflow."""
    return _logsumexp(input, dim, keepdim)


round = _ops.round  # noqa: A001 - torch's name
exp2 = _ops.exp2
expm1 = _ops.expm1
log1p = _ops.log1p


# The same functions under their names in the torch namespace and as Tensor methods.
TOP_LEVEL = {"lgamma": gammaln, "digamma": digamma, "polygamma": polygamma, "erfc": erfc, "erfinv": erfinv,
             "xlogy": xlogy, "i0": i0, "sinc": sinc, "logit": logit, "mvlgamma": multigammaln}
METHODS = {"lgamma": gammaln, "digamma": digamma, "erfc": erfc, "erfinv": erfinv, "xlogy": xlogy, "i0": i0,
           "sinc": sinc, "logit": logit, "polygamma": lambda self, n: polygamma(n, self),
           "mvlgamma": lambda self, p: multigammaln(self, p)}
