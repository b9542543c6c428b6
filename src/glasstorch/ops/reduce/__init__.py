"""Reductions and scans: sum, mean, prod, max/min, var/std, norm, softmax, sort, cumsum, ...

A reduction's backward broadcasts the output gradient back over the reduced
dims (``_keep`` restores them when ``keepdim=False``). Ops that pick elements
(max along a dim, sort, topk, median, kthvalue, cummax) share one class
shape: the array module finds the indices, forward gathers the values,
backward scatters the gradient back to those indices.

The family, one file per kind: ``sums`` (sum, mean, prod), ``moments``
(var, std, norm), ``extremes`` (max, min, amax, argmax, the picking ops),
``order`` (sort, topk, median, kthvalue), ``scans`` (cumsum, cummax, ...),
``logical`` (all, any, count_nonzero), ``softmax`` (softmax, logsumexp);
their argument checks in ``checks``.
"""

# Every public function and every Function class of the family (private ones too:
# code such as the ONNX exporter names an op by its class) is importable from here.

from .extremes import (  # noqa: F401
    Amax,
    Amin,
    Aminmax,
    Cummax,
    Cummin,
    Kthvalue,
    MaxAll,
    MaxDim,
    MedianDim,
    MinAll,
    MinDim,
    Sort,
    Topk,
    _Arg,
    _Pick,
    amax,
    amin,
    aminmax,
    argmax,
    argmin,
    max,
    min,
)
from .logical import _All, _CountNonzero, all, any, count_nonzero  # noqa: F401
from .moments import Norm, Std, Var, WelfordMean, norm, std, std_mean, var, var_mean  # noqa: F401
from .order import (  # noqa: F401
    MedianAll,
    _ArgSort,
    argsort,
    kthvalue,
    median,
    sort,
    topk,
)
from .scans import Cumprod, Cumsum, cummax, cummin, cumprod, cumsum  # noqa: F401
from .softmax import (  # noqa: F401
    LogSoftmax,
    Logsumexp,
    Softmax,
    _max_along,
    _sum_along,
    log_softmax,
    logsumexp,
    softmax,
    softmin,
)
from .sums import Mean, MeanAll, Prod, ProdAll, Sum, SumAll, SumToSize, mean, prod, sum, sum_to_size  # noqa: F401
