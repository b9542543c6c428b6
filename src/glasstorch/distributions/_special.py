"""The special functions the distributions use, from :mod:`glasstorch.special`:
as differentiable ops, and (underscored) as float64 array kernels for the
sampling code that works on arrays."""

from __future__ import annotations

import numpy as np

from ..backend import array_module
from ..ops.special import _digamma64, _gammaln64
from ..special import digamma, erfinv, polygamma
from ..special import gammaln as lgamma

__all__ = ["digamma", "erfinv", "lgamma", "polygamma"]


def _lgamma(x) -> np.ndarray:
    return _gammaln64(array_module(x).asarray(x, dtype=np.float64))


def _digamma(x) -> np.ndarray:
    return _digamma64(array_module(x).asarray(x, dtype=np.float64))
