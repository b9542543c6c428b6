"""Unary maths (exp, log, sin, tanh, ...) as one table.

Each row gives an op's name, its forward and its derivative. The forward is
``xp.<name>``, the function of that name in the array module of the input
(so the same row serves every device), or a function ``(xp, x) -> y``. The
derivative is written in terms of the input (``x=``) or of the output
(``y=``), whichever is cheaper; that choice is what the op saves for
backward. ``g`` is the gradient arriving at the output.

Derivatives are written with operators and Tensor methods, so with
``create_graph=True`` they are recorded and can be differentiated again.
Rows whose derivative is plain arithmetic also run it on bare arrays when no
graph of the backward is built (``array_backward``); rows that call Tensor
methods (``x.cos()``) say ``arrays=False``. Forwards run under
``np.errstate`` so that log 0 or exp 1000 give inf without NumPy's warnings,
as in torch; ``quiet=False`` rows skip it (it costs about 3 us a call), as
their forward does not overflow (sin, cos and tan of inf still warn, as in
NumPy).

One builder, :func:`_build`, makes each row's Function class (``Exp``,
``Log1p``: the name capitalised; its backward node is ``ExpBackward0`` as in
torch) and its public function (``exp``), which turns integer input into the
default float dtype and takes ``out=``. Ops with more to them than a formula
(relu's mask, abs, rounding) are classes in ``piecewise.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ...backend import array_module
from .._util import Tensor, as_float, write_out
from . import checks
from ._common import _Op, _quiet

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_SQRT_PI = math.sqrt(math.pi)


class Unary(NamedTuple):
    """One row of the table."""

    name: str  # the public function; the Function class is this name capitalised
    forward: str | Callable  # xp.<name> (a function of x's array module) or forward(xp, x) -> y
    derivative: Callable  # derivative(g, x) or derivative(g, y) -> the gradient of x
    saves: str  # "x" or "y": what the derivative takes (and the op saves)
    doc: str
    arrays: bool = True  # the derivative is plain arithmetic, so it also runs on bare arrays
    quiet: bool = True  # run the forward under np.errstate: it can overflow or leave its domain
    aliases: tuple = ()
    node_name: str | None = None  # the backward node's name where torch's is not the class name + Backward0


class _ArrayModuleNames:
    """``xp.exp`` in the table: "exp of the input's array module".

    It evaluates to the name ``"exp"``; the op looks the name up on
    ``array_module(x)`` each time it runs, so the same row serves every device.
    (A plain name costs one Python call less per op than ``lambda xp, x: xp.exp(x)``.)
    """

    def __getattr__(self, name: str) -> str:
        return name


xp = _ArrayModuleNames()


def _row(name, forward, *, x=None, y=None, doc, **flags) -> Unary:
    """A row whose derivative is given as ``x=`` (in terms of the input) or ``y=`` (of the output)."""
    return Unary(name, forward, x or y, "x" if x else "y", doc, **flags)


# (largest exponent e**t with t safely below overflow, 1) in each float dtype
_SIGMOID_CAP = {np.dtype(d).char: (np.dtype(d).type(cap), np.dtype(d).type(1))
                for d, cap in (("float16", 11.0), ("float32", 88.0), ("float64", 709.0))}


def _sigmoid(xp, x):
    """1 / (1 + e**-x), with e**-x capped just below the dtype's overflow.

    Past the cap 1/(1+e) is 0 to within the smallest normal number anyway,
    and no warning is raised. In place on one buffer: on small tensors each
    ufunc call is the cost.
    """
    cap, one = _SIGMOID_CAP[x.dtype.char]
    out = xp.negative(x)
    if out.ndim == 0:  # a 0-d input gives a scalar, which cannot be written in place
        out = xp.asarray(out)
    xp.minimum(out, cap, out=out)
    xp.exp(out, out=out)
    xp.add(out, one, out=out)
    xp.reciprocal(out, out=out)
    return out


UNARY = (
    #    name          forward                         derivative (g: the gradient arriving at the output)
    _row("exp",        xp.exp,                          y=lambda g, y: g * y,
         doc="e ** x."),
    _row("exp2",       xp.exp2,                         y=lambda g, y: g * y * _LN2,
         doc="2 ** x."),
    _row("expm1",      xp.expm1,                        y=lambda g, y: g * (y + 1),
         doc="e ** x - 1, accurate near 0."),
    _row("log",        xp.log,                          x=lambda g, x: g / x,
         doc="Natural logarithm."),
    _row("log2",       xp.log2,                         x=lambda g, x: g / (x * _LN2),
         doc="Base-2 logarithm."),
    _row("log10",      xp.log10,                        x=lambda g, x: g / (x * _LN10),
         doc="Base-10 logarithm."),
    _row("log1p",      xp.log1p,                        x=lambda g, x: g / (x + 1),
         doc="log(1 + x), accurate near 0.", node_name="Log1PBackward0"),
    _row("sqrt",       xp.sqrt,                         y=lambda g, y: g / (y * 2),
         doc="Square root."),
    _row("rsqrt",      lambda xp, x: 1 / xp.sqrt(x),    y=lambda g, y: g * y * y * y * -0.5,
         doc="1 / sqrt(x)."),
    _row("reciprocal", lambda xp, x: 1 / x,             y=lambda g, y: -g * y * y,
         doc="1 / x."),
    _row("sin",        xp.sin,                          x=lambda g, x: g * x.cos(),
         doc="Sine.", arrays=False, quiet=False),
    _row("cos",        xp.cos,                          x=lambda g, x: -g * x.sin(),
         doc="Cosine.", arrays=False, quiet=False),
    _row("tan",        xp.tan,                          y=lambda g, y: g * (y * y + 1),
         doc="Tangent; d/dx = 1 + tan(x)**2.", quiet=False),
    _row("asin",       xp.arcsin,                       x=lambda g, x: g * (1 - x * x).rsqrt(),
         doc="Inverse sine.", arrays=False, aliases=("arcsin",)),
    _row("acos",       xp.arccos,                       x=lambda g, x: -g * (1 - x * x).rsqrt(),
         doc="Inverse cosine.", arrays=False, aliases=("arccos",)),
    _row("atan",       xp.arctan,                       x=lambda g, x: g / (x * x + 1),
         doc="Inverse tangent.", quiet=False, aliases=("arctan",)),
    _row("sinh",       xp.sinh,                         x=lambda g, x: g * x.cosh(),
         doc="Hyperbolic sine.", arrays=False),
    _row("cosh",       xp.cosh,                         x=lambda g, x: g * x.sinh(),
         doc="Hyperbolic cosine.", arrays=False),
    _row("tanh",       xp.tanh,                         y=lambda g, y: g * (1 - y * y),
         doc="Hyperbolic tangent; d/dx = 1 - tanh(x)**2.", quiet=False),
    _row("sigmoid",    _sigmoid,                        y=lambda g, y: g * y * (1 - y),
         doc="1 / (1 + e**-x); d/dx = s(1 - s).", quiet=False),
    _row("erf",        lambda xp, x: _erf(x),           x=lambda g, x: g * (-(x * x)).exp() * (2 / _SQRT_PI),
         doc="The error function; d/dx = 2/sqrt(pi) e**(-x**2).", arrays=False, quiet=False),
)


def _build(row: Unary):
    """The Function class and the public function of one table row."""
    compute, derivative, saves_y = row.forward, row.derivative, row.saves == "y"
    ufunc = compute if isinstance(compute, str) else None

    def forward(ctx, x):
        xp = array_module(x)
        y = getattr(xp, ufunc)(x) if ufunc else compute(xp, x)
        ctx.save_for_backward(y if saves_y else x)
        return y

    def backward(ctx, grad):
        (saved,) = ctx.saved_tensors
        return derivative(grad, saved)

    cls_name = row.name.capitalize()
    forward.__qualname__, backward.__qualname__ = f"{cls_name}.forward", f"{cls_name}.backward"
    cls = type(cls_name, (_Op,), {
        "__doc__": row.doc, "__module__": __name__, "__qualname__": cls_name,
        "array_backward": row.arrays, "node_name": row.node_name,
        "forward": _quiet(forward) if row.quiet else staticmethod(forward),
        "backward": staticmethod(backward),
    })
    name, apply = row.name, cls.apply

    def fn(input: Tensor, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):  # the check inline: this runs on every call
            raise checks.not_a_tensor(name, input)
        result = apply(input if input._data.dtype.kind == "f" else as_float(input))
        return result if out is None else write_out(name, out, result, (input,))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = row.doc
    fn.__module__ = __name__
    return cls, fn


__all__ = []
for _row_ in UNARY:
    _cls, _fn = _build(_row_)
    for _name in (_cls.__name__, _row_.name, *_row_.aliases):
        globals()[_name] = _fn if _name != _cls.__name__ else _cls
        __all__.append(_name)
del _row_, _cls, _fn, _name


# Coefficients of erf(x) = 2/sqrt(pi) e^(-x^2) sum_n c_n x^(2n+1) with c_n = 2^n / (1*3*...*(2n+1)):
# every term is positive, so the sum has no cancellation.
_ERF_SERIES = [1.0]
for _n in range(1, 96):
    _ERF_SERIES.append(_ERF_SERIES[-1] * 2.0 / (2 * _n + 1))


def _erf_terms(m: float, tol: float) -> int:
    """How many series terms reach relative accuracy ``tol`` for every |x| <= m."""
    term = total = m
    n = 0
    while term > tol * total and n < len(_ERF_SERIES) - 1:
        term *= 2.0 * m * m / (2 * n + 3)
        total += term
        n += 1
    return n


def _erf(x):
    """erf in float64 to about 1e-15 relative error, vectorised, without SciPy.

    |x| < 2: the positive series above, by Horner's rule.
    2 <= |x| < 6: erf = 1 - erfc, with erfc from its continued fraction
    erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
    |x| >= 6: erfc(x) < 2e-17, below float64's resolution at 1, so erf = +-1.
    """
    xp = array_module(x)
    tol = 1e-17 if x.dtype == np.float64 else 1e-9
    shape, x = x.shape, x.reshape(-1)  # 1-D, so that masks can index it even for 0-d input
    ax = xp.abs(x.astype(np.float64, copy=False))
    out = xp.where(ax >= 6.0, 1.0, np.nan)  # NaN stays NaN: it is in no range below
    for lo, hi in ((0.0, 1.0), (1.0, 2.0)):  # small arguments need fewer terms
        sel = (ax >= lo) & (ax < hi)
        v = ax[sel]
        if v.size == 0:
            continue
        v2 = v * v
        n = _erf_terms(float(v.max()), tol)
        p = xp.full_like(v, _ERF_SERIES[n])
        for k in range(n - 1, -1, -1):
            p *= v2
            p += _ERF_SERIES[k]
        out[sel] = (2 / _SQRT_PI) * v * xp.exp(-v2) * p
    sel = (ax >= 2.0) & (ax < 6.0)
    v = ax[sel]
    if v.size:
        f = v.copy()
        for k in range(50 if v.min() < 3.0 else 25, 0, -1):  # fewer terms suffice further out
            xp.divide(0.5 * k, f, out=f)
            f += v
        out[sel] = 1.0 - xp.exp(-v * v) / (_SQRT_PI * f)
    return xp.copysign(out, x).astype(x.dtype, copy=False).reshape(shape)
