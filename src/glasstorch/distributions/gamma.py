"""The gamma distribution, and the reparameterised standard-gamma draw that
Gamma, Beta and Dirichlet share.

Gradients of a draw x ~ Gamma(a, 1) with respect to a use implicit
reparameterisation: holding the CDF value P(a, x) fixed gives
dx/da = -(dP/da) / p(x; a). dP/da comes from the series
P(a, x) = sum_n x^(a+n) e^(-x) / Gamma(a+n+1), differentiated term by term.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..backend import array_module
from ..ops._util import Tensor
from ..tensor import Size
from . import constraints
from ._special import _digamma, _lgamma, digamma, lgamma
from .distribution import Distribution
from .utils import _finfo, broadcast_all

__all__ = ["Gamma"]


def _dP_da(a, x):
    """d/da of the regularised lower incomplete gamma P(a, x), by its series."""
    xp = array_module(a)
    a = a.astype(np.float64)
    x = xp.maximum(x.astype(np.float64), np.finfo(np.float64).tiny)
    logx = xp.log(x)
    log_t = a * logx - x - _lgamma(a + 1)          # log of the n = 0 term
    psi = _digamma(a + 1)                           # psi(a + n + 1)
    total = xp.exp(log_t) * (logx - psi)
    top = float(x.max()) if x.size else 0.0
    for n in range(1, int(top + 12 * math.sqrt(top) + 40)):  # past the terms' peak near n = x - a
        log_t = log_t + logx - xp.log(a + n)
        psi = psi + 1.0 / (a + n)
        total = total + xp.exp(log_t) * (logx - psi)
    return total


def _gammainc(a, x):
    """The regularised lower incomplete gamma P(a, x): its series below x = a + 1,
    one minus the continued fraction of Q(a, x) above."""
    xp = array_module(a)
    a = a.astype(np.float64)
    x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        log_front = a * xp.log(x) - x - _lgamma(a)
        # series: P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n))
        term = xp.ones_like(a * x)
        total = term.copy()
        for n in range(1, 300):
            term = term * x / (a + n)
            total = total + term
        p_series = xp.exp(log_front) * total / a
        # continued fraction for Q, evaluated by the modified Lentz method
        tiny = 1e-300
        b = x + 1.0 - a
        c = xp.full_like(b, 1.0 / tiny)
        d = 1.0 / xp.where(xp.abs(b) < tiny, tiny, b)
        h = d.copy()
        for i in range(1, 200):
            an = -i * (i - a)
            b = b + 2.0
            d = an * d + b
            d = 1.0 / xp.where(xp.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = xp.where(xp.abs(c) < tiny, tiny, c)
            h = h * d * c
        p_cf = 1.0 - xp.exp(log_front) * h
        out = xp.where(x < a + 1.0, p_series, p_cf)
        return xp.where(x <= 0, 0.0, out)


class _GammaInc(Function):
    """P(a, x), differentiable in x (the gamma density) and in a (its series)."""

    array_io = True

    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        return _gammainc(a, x).astype(np.result_type(a.dtype, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        av, xv = a._data, x._data
        xp = array_module(av)
        av, xv = xp.broadcast_arrays(av.astype(np.float64), xv.astype(np.float64))
        with np.errstate(all="ignore"):
            dx = xp.where(xv > 0, xp.exp((av - 1) * xp.log(xv) - xv - _lgamma(av)), 0.0)
            da = _dP_da(av, xv) if ctx.needs_input_grad[0] else xp.zeros_like(av)
        dtype = grad._data.dtype
        return (grad * Tensor._make(da.astype(dtype), False, None, 0),
                grad * Tensor._make(dx.astype(dtype), False, None, 0))


class _StandardGamma(Function):
    """x ~ Gamma(alpha, 1), differentiable in alpha by implicit reparameterisation."""

    array_io = True

    @staticmethod
    def forward(ctx, alpha):
        from ..random import _rng

        # drawn on the host by glasstorch's generator, then moved to the device
        x = _rng(None).standard_gamma(backend.to_numpy(alpha).astype(np.float64))  # host draw
        x = array_module(alpha).maximum(backend.from_numpy(x), np.finfo(alpha.dtype).tiny).astype(alpha.dtype)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_tensors
        a, xv = alpha._data.astype(np.float64), x._data.astype(np.float64)
        xp = array_module(a)
        with np.errstate(all="ignore"):
            log_pdf = (a - 1) * xp.log(xv) - xv - _lgamma(a)
            dx = -_dP_da(a, xv) / xp.exp(log_pdf)
        return grad * Tensor._make(dx.astype(x._data.dtype), False, None, 0)


def _standard_gamma(alpha: Tensor) -> Tensor:
    return _StandardGamma.apply(alpha)


def _xlogy(x, y):
    """x * log(y), 0 where x == 0 (and a finite gradient there)."""
    from ..ops.pointwise import where

    zero = x == 0
    return where(zero, 0.0, x * where(zero, 1.0, y).log())


class Gamma(Distribution):
    """Gamma(concentration, rate): density rate^c x^(c-1) e^(-rate x) / Gamma(c)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _expand_params = ("concentration", "rate")

    def __init__(self, concentration, rate, validate_args=None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        super().__init__(Size() if scalar else self.concentration.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value.clamp(min=float(_finfo(value.dtype).tiny))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return _xlogy(c, r) + _xlogy(c - 1, value) - r * value - lgamma(c)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return _GammaInc.apply(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)
