"""lgamma, digamma and polygamma for the distributions, vectorised, without SciPy.

Each value is computed in float64 by shifting x upwards with the recurrence
Gamma(x + 1) = x Gamma(x) until x >= 12, then summing the asymptotic
(Stirling) series, whose truncation error there is below 1e-16. Negative x
uses the reflection formulas. float32 inputs are computed in float64 and
rounded back.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..ops._util import Tensor, as_float

_SHIFT = 12.0
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# Bernoulli numbers B_2k, k = 1..8, for the asymptotic series
_B2K = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510]


def _lgamma_pos(x):
    """log Gamma(x) for x > 0."""
    prod = np.ones_like(x)
    z = x.copy()
    for _ in range(int(_SHIFT)):  # at most 12 shifts bring every x > 0 above the threshold
        low = z < _SHIFT
        if not low.any():
            break
        prod = np.where(low, prod * z, prod)
        z = np.where(low, z + 1.0, z)
    inv = 1.0 / z
    inv2 = inv * inv
    series = 0.0
    for k in range(len(_B2K), 0, -1):  # B_2k / (2k (2k - 1) z^(2k - 1)), by Horner's rule in 1/z^2
        series = series * inv2 + _B2K[k - 1] / (2 * k * (2 * k - 1))
    series = series * inv
    return (z - 0.5) * np.log(z) - z + _HALF_LOG_2PI + series - np.log(prod)


def _lgamma(x):
    x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        pos = x > 0
        out = _lgamma_pos(np.where(pos, x, 1.0 - x))
        # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x)
        refl = math.log(math.pi) - np.log(np.abs(np.sin(math.pi * np.where(pos, 0.5, x)))) - out
        out = np.where(pos, out, refl)
        out = np.where((x <= 0) & (x == np.floor(x)), np.inf, out)
    return out


def _digamma(x):
    x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        neg = x <= 0
        z = np.where(neg, 1.0 - x, x)
        acc = np.zeros_like(z)
        for _ in range(int(_SHIFT)):
            low = z < _SHIFT
            if not low.any():
                break
            acc = np.where(low, acc - 1.0 / z, acc)
            z = np.where(low, z + 1.0, z)
        inv2 = 1.0 / (z * z)
        series = 0.0
        for k in range(len(_B2K), 0, -1):  # B_2k / (2k z^2k)
            series = series * inv2 + _B2K[k - 1] / (2 * k)
        out = np.log(z) - 0.5 / z - series * inv2 + acc
        # reflection: psi(1 - x) - psi(x) = pi cot(pi x)
        out = np.where(neg, out - math.pi / np.tan(math.pi * np.where(neg, x, 0.5)), out)
        out = np.where(x == 0, -np.inf, out)
        out = np.where(neg & (x == np.floor(x)) & (x != 0), np.nan, out)
    return out


def _polygamma(n: int, x):
    """psi^(n)(x) for n >= 1 and x > 0 (nan elsewhere)."""
    x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        z = np.where(x > 0, x, np.nan)
        acc = np.zeros_like(z)
        for _ in range(int(_SHIFT)):
            low = z < _SHIFT
            if not low.any():
                break
            acc = np.where(low, acc + z ** -(n + 1), acc)
            z = np.where(low, z + 1.0, z)
        fact = math.factorial(n)
        # (n-1)!/z^n + n!/(2 z^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! z^(2k+n))
        tail = math.factorial(n - 1) / z ** n + fact / (2 * z ** (n + 1))
        for k, b in enumerate(_B2K, start=1):
            tail = tail + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / z ** (2 * k + n)
        sign = 1.0 if n % 2 == 1 else -1.0
        return sign * (fact * acc + tail)


class Lgamma(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _lgamma(x).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * digamma(x)


class Digamma(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _digamma(x).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * polygamma(1, x)


class Polygamma(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return _polygamma(n, x).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * polygamma(ctx.n + 1, x), None


def lgamma(x: Tensor) -> Tensor:
    """log |Gamma(x)|, elementwise."""
    return Lgamma.apply(as_float(x))


def digamma(x: Tensor) -> Tensor:
    """The logarithmic derivative of Gamma, elementwise."""
    return Digamma.apply(as_float(x))


def polygamma(n: int, x: Tensor) -> Tensor:
    """The n-th derivative of digamma (n >= 1), for x > 0."""
    if n == 0:
        return digamma(x)
    return Polygamma.apply(as_float(x), int(n))


def _erfinv(y):
    """Inverse error function: Winitzki's closed-form guess, polished by Newton steps on erf."""
    from ..ops.pointwise import _erf

    y = y.astype(np.float64)
    with np.errstate(all="ignore"):
        a = 0.147
        ln = np.log1p(-y * y)
        t = 2 / (math.pi * a) + ln / 2
        x = np.sign(y) * np.sqrt(np.sqrt(t * t - ln / a) - t)
        finite = np.abs(y) < 1
        x = np.where(finite, x, 0.0)
        for _ in range(4):  # quadratic convergence from a guess good to ~2e-3
            x = x - (_erf(x) - y) / (2 / math.sqrt(math.pi) * np.exp(-x * x))
        x = np.where(finite, x, np.where(np.abs(y) == 1, np.sign(y) * np.inf, np.nan))
    return x


class Erfinv(Function):
    array_io = True

    @staticmethod
    def forward(ctx, y):
        out = _erfinv(y).astype(y.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from ..ops.pointwise import exp

        (x,) = ctx.saved_tensors
        return grad * exp(x * x) * (math.sqrt(math.pi) / 2)


def erfinv(y: Tensor) -> Tensor:
    """The inverse of erf on (-1, 1)."""
    return Erfinv.apply(as_float(y))
