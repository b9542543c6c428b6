"""glasstorch: a deep-learning framework on NumPy with PyTorch's API.

``import glasstorch as torch`` and write the PyTorch you know.
"""

from __future__ import annotations

import importlib as _importlib
import os as _os
import warnings as _warnings

from . import (
    _methods,  # noqa: E402,F401  (attaches Tensor methods)
    _operators,  # noqa: F401  (attaches Tensor's operators: +, ==, x[i], ...)
    autograd,  # noqa: E402
    optim,  # noqa: E402
    return_types,  # noqa: E402
)
from . import dtypes as _dtypes
from . import ops as _ops  # noqa: E402
from ._formatting import set_printoptions  # noqa: E402
from .autograd import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: E402
from .autograd.grad_mode import is_grad_enabled, is_inference_mode_enabled  # noqa: E402
from .backend import device
from .dtypes import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from .ops import *  # noqa: E402,F401,F403
from .ops import abs, max, min, pow, round, sum  # noqa: E402,F401,A004
from .random import (  # noqa: E402
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .serialization import load, save  # noqa: E402
from .tensor import Size, Tensor

__version__ = "0.1.0"

from ._legacy import (  # noqa: E402
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a glasstorch Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype an op on these two operands produces."""
    return _dtypes.result_type(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> bool:
    return _dtypes.can_cast(from_, to)


def get_num_threads() -> int:
    return _os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Accepted for compatibility: NumPy's BLAS decides its own threads."""


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted for compatibility: every glasstorch op is deterministic."""


_float32_matmul_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """Recorded for ``get_float32_matmul_precision``; float32 matmuls are always computed in full float32."""
    global _float32_matmul_precision
    if precision not in ("highest", "high", "medium"):
        _warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _float32_matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """The value last given to :func:`set_float32_matmul_precision` (``"highest"`` at start)."""
    return _float32_matmul_precision


# Like torch, ``import glasstorch`` alone makes ``glasstorch.nn``, ``.optim`` and
# ``.utils.data`` usable; they import the names above, so they come last.
from . import nn, utils  # noqa: E402  (utils imports utils.data)

# The star import above brought in the op-family modules (``glasstorch.ops.shape``
# and friends); they are not public names of their own. ``linalg`` in particular is
# kept free for the public ``glasstorch.linalg`` namespace.
for _name in ("annotations", "backend", "conv", "creation", "dtypes", "fft", "indexing", "linalg", "ops",
              "pointwise", "reduce", "shape", "special"):
    globals().pop(_name, None)

# The public namespaces whose functions torch also puts at the top level (torch.det,
# torch.lgamma, ...) and on Tensor; they load with glasstorch.
from . import fft, linalg, special  # noqa: E402
from .dtypes import cdouble, cfloat, complex64, complex128  # noqa: E402
from .ops import distance as _distance  # noqa: E402
from .ops.distance import cdist, nanmean, nansum  # noqa: E402
from .ops.fft import angle, complex, conj, imag, real, view_as_complex, view_as_real  # noqa: E402,A004

Tensor.nansum = nansum
Tensor.nanmean = nanmean
for _ns in (linalg, special):  # lgamma, det, inverse, ... in the torch namespace and as methods
    globals().update(_ns.TOP_LEVEL)
    for _name, _fn in _ns.METHODS.items():
        setattr(Tensor, _name, _fn)
# torch's ``axis=``/``keepdims=`` spellings, on the functions and methods that take them
_distance.install(globals(), Tensor)

# accelerator first: it pulls in cuda, whose ``cuda.amp`` reads glasstorch.amp
from . import accelerator, amp, backends, cuda, testing  # noqa: E402,F401
from ._compile import compile  # noqa: E402,A004
from ._docs import attach as _attach_docs  # noqa: E402
from .amp import autocast, is_autocast_enabled  # noqa: E402

_attach_docs(__import__("sys").modules[__name__])

# Public submodules that load on first use, so ``import glasstorch`` stays fast and
# an optional extra is imported only by the code that needs it. A name here whose
# module is not part of this installation raises AttributeError as usual.
_LAZY_SUBMODULES = (
    "accelerator",
    "amp",
    "backends",
    "compat",
    "cuda",
    "datasets",
    "distributed",
    "distributions",
    "fft",
    "linalg",
    "onnx",
    "serialization",
    "special",
    "testing",
    "vision",
    "viz",
)
_EAGER_SUBMODULES = ("autograd", "nn", "optim", "random", "return_types", "utils")
# Internal modules still reachable by attribute for those who know them, but kept
# out of ``dir()`` (and so out of "Did you mean" suggestions).
_HIDDEN_SUBMODULES = ("backend", "dtypes", "ops", "tensor")

__all__ = sorted(
    name
    for name, value in globals().items()
    if not name.startswith("_") and not isinstance(value, type(_dtypes))
)


def _has_submodule(name: str) -> bool:
    here = _os.path.dirname(__file__)
    return _os.path.exists(_os.path.join(here, name + ".py")) or _os.path.exists(
        _os.path.join(here, name, "__init__.py")
    )


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES or name in _HIDDEN_SUBMODULES:
        if name == "tensor" or not _has_submodule(name):
            pass  # ``glasstorch.tensor`` is the function; a missing module falls through
        else:
            return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'glasstorch' has no attribute '{name}'")


def __dir__() -> list[str]:
    public = [n for n in _LAZY_SUBMODULES if _has_submodule(n)] + list(_EAGER_SUBMODULES)
    return sorted(set(__all__) | set(public) | {"__version__", "__doc__", "__name__", "__file__"})
