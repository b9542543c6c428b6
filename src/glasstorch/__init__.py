"""glasstorch: a deep-learning framework on NumPy with PyTorch's API.

``import glasstorch as torch`` and write the PyTorch you know.
"""

from __future__ import annotations

from . import (
    _methods,  # noqa: E402,F401  (attaches Tensor methods)
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

FloatTensor = DoubleTensor = LongTensor = Tensor


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
    import os

    return os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Accepted for compatibility: NumPy's BLAS decides its own threads."""


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted for compatibility: every glasstorch op is deterministic."""


def compile(model=None, **kwargs):  # noqa: A001
    """Returns ``model`` unchanged: glasstorch runs eagerly."""
    if model is None:
        return lambda m: m
    return model


# Like torch, ``import glasstorch`` alone makes ``glasstorch.nn``, ``.optim`` and
# ``.utils.data`` usable; they import the names above, so they come last.
from . import nn, onnx, utils  # noqa: E402  (utils imports utils.data)
