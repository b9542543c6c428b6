"""Random numbers: ``manual_seed``, ``Generator`` and the sampling functions.

Each Generator wraps a NumPy ``Generator`` (PCG64), so a seed gives the same
numbers on every run and machine. The streams differ from PyTorch's: the
same seed gives different (equally random) numbers than torch.

Numbers are drawn on the host and moved to the tensor's device
(``backend.from_numpy``), so a seed gives the same tensors on every device.
"""

from __future__ import annotations

import math

import numpy as np

from . import dtypes as _dt
from .backend import check_device, from_numpy, to_numpy
from .tensor import Tensor

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator", "get_rng_state",
           "set_rng_state", "rand", "randn", "randint", "randperm", "normal", "multinomial",
           "bernoulli", "poisson", "rand_like", "randn_like", "randint_like"]


class Generator:
    """A source of random numbers with its own state (``torch.Generator``)."""

    def __init__(self, device="cpu") -> None:
        check_device(device)
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))  # host

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed & 0xFFFFFFFFFFFFFFFF))  # host
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF  # host
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        import json

        raw = json.dumps(self._rng.bit_generator.state).encode()
        return Tensor._make(from_numpy(np.frombuffer(raw, dtype=np.uint8).copy()), False, None, 0)  # host

    def set_state(self, state: Tensor) -> Generator:
        import json

        self._rng.bit_generator.state = json.loads(bytes(to_numpy(state._data).astype(np.uint8)).decode())
        return self

    @property
    def device(self):
        from .backend import CPU

        return CPU


default_generator = Generator()


# While glasstorch.compile records a call, this holds a function that wraps a
# Generator so that its draws are recorded (and redrawn on every replay).
_capture: list = [None]


def _rng(generator) -> np.random.Generator:
    gen = generator or default_generator
    if _capture[0] is not None:
        return _capture[0](gen)
    return gen._rng


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, making every sampling function reproducible."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(state: Tensor) -> None:
    default_generator.set_state(state)


def _size(size):
    from .ops.creation import _size as s

    return s(size)


def _new(arr, dtype, requires_grad):
    d = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    t = Tensor._make(from_numpy(arr.astype(d.np, copy=False)), False, None, 0)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _write_out(name, out, result, inputs, exact=None):
    from .ops._util import write_out  # ops import this module: resolved at call time

    return write_out(name, out, result, inputs, exact)


def _sampled(name, draw, size, dtype, requires_grad, out) -> Tensor:
    """rand/randn: ``draw(shape)`` as a tensor; with ``out=``, in ``out``'s dtype
    unless ``dtype`` says otherwise, written into ``out``."""
    given = dtype is not None
    if out is not None and dtype is None:
        dtype = out.dtype
    result = _new(draw(_size(size)), dtype, requires_grad)
    return result if out is None else _write_out(name, out, result, (), "factory" if given else None)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """Uniform samples from [0, 1)."""
    check_device(device)
    return _sampled("rand", _rng(generator).random, size, dtype, requires_grad, out)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """Samples from the standard normal distribution."""
    check_device(device)
    return _sampled("randn", _rng(generator).standard_normal, size, dtype, requires_grad, out)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high)."""
    check_device(device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = _dt.to_dtype(dtype or _dt.int64)
    _check_int_range(low, high, dt)
    arr = _rng(generator).integers(low, high, size=tuple(size))
    return Tensor._make(from_numpy(arr.astype(dt.np)), False, None, 0)


def _check_int_range(low, high, dt) -> None:
    """[low, high) must fit an integer (or bool) dtype: torch's errors, before any draw."""
    kind = np.dtype(dt.np).kind
    if kind not in "iub":
        return
    lo, hi = (0, 1) if kind == "b" else (np.iinfo(dt.np).min, np.iinfo(dt.np).max)
    if low < lo:
        raise RuntimeError(f"from is out of bounds for {_dt.CPP_TYPE_NAMES[dt.name]}")
    if high - 1 > hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_dt.CPP_TYPE_NAMES[dt.name]}")


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    arr = _rng(generator).permutation(n)
    return Tensor._make(from_numpy(arr.astype(_dt.to_dtype(dtype or _dt.int64).np)), False, None, 0)


def _check_normal_dtype(ref: Tensor, other, shape) -> None:
    """The result takes ``ref``'s dtype (the mean's, else the std's): torch samples only floats,
    and refuses to cast the other operand (a float tensor) into an integer result."""
    if ref._data.dtype.kind == "f":
        return
    name = _dt.SCALAR_TYPE_NAMES[ref.dtype.name]
    if math.prod(shape):
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for \'{name}\'')
    if isinstance(other, Tensor) and other._data.dtype.kind in "fc":
        raise RuntimeError(f"result type {_dt.SCALAR_TYPE_NAMES[other.dtype.name]} can't be cast to the "
                           f"desired output type {name}")


def _check_std(std) -> None:
    if not std >= 0:  # nan fails too, as in torch
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")  # C++ prints -1.0 as -1


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False, out=None) -> Tensor:
    """Normal samples; ``mean`` and ``std`` may be tensors (broadcast) or numbers with ``size``."""
    rng = _rng(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        if not isinstance(std, Tensor):
            _check_std(std)
        elif not bool((s >= 0).all()):  # nan fails too, as in torch
            raise RuntimeError("normal expects all elements of std >= 0.0")
        from .ops._util import broadcast_shape

        shape = broadcast_shape(getattr(m, "shape", ()), getattr(s, "shape", ()))
        ref = mean if isinstance(mean, Tensor) else std
        _check_normal_dtype(ref, std if ref is mean else mean, shape)
        arr = m + s * from_numpy(rng.standard_normal(shape))
        result = Tensor._make(arr.astype(ref._data.dtype), False, None, 0)
        return result if out is None else _write_out("normal", out, result, (mean, std))
    _check_std(std)
    if out is not None:
        size, dtype = size or tuple(out.shape), dtype or out.dtype
    result = _new(mean + std * rng.standard_normal(_size(tuple(size or ()))), dtype, requires_grad)
    return result if out is None else _write_out("normal", out, result, ())


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0; same dtype as input."""
    prob = input._data if p is None else p
    if p is not None and not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    if p is None and input._data.dtype.kind == "f" and not ((prob >= 0) & (prob <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                           "be improved?  If so, please report an enhancement request to PyTorch.)")
    arr = (from_numpy(_rng(generator).random(input._data.shape)) < prob).astype(input._data.dtype)
    return Tensor._make(arr, False, None, 0)


def poisson(input: Tensor, generator=None) -> Tensor:
    if not (input._data >= 0).all():  # NaN fails this too
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    rate = to_numpy(input._data)
    # a rate past int64 overflows torch's integer sample to int64's minimum; NumPy refuses it
    huge = rate >= 9.2e18  # (NumPy stops a little below 2^63)
    drawn = np.asarray(_rng(generator).poisson(np.where(huge, 0.0, rate)), np.float64)  # host: the draw
    drawn[huge] = -(2.0 ** 63)
    return Tensor._make(from_numpy(drawn.astype(input._data.dtype)), False, None, 0)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:  # host
    """Sample category indices from (unnormalised) probabilities in each row.

    The probabilities are read to the host (``to_numpy``), drawn from there, and the
    indices moved back (``from_numpy``)."""
    # torch's order: the rank, the dtype, then the count
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dt.SCALAR_TYPE_NAMES[input._data.dtype.name]}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    probs = to_numpy(input._data).astype(np.float64)  # drawn on the host
    if (probs < 0).any() or not np.isfinite(probs).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(probs.shape[0] if probs.ndim == 2 else 1, probs.shape[-1])  # explicit: may be empty
    n_cat = rows.shape[1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n_cat == 0 and rows.shape[0] and num_samples == 1:  # torch draws one sample by another path
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                           "no identity.")
    rng = _rng(generator)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    sums = rows.sum(axis=1, keepdims=True)
    if (sums <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    p = rows / sums
    if replacement:
        # inverse-CDF sampling for all rows at once
        cdf = np.cumsum(p, axis=1)
        u = rng.random((rows.shape[0], num_samples))
        out[:] = (u[:, :, None] > cdf[:, None, :]).sum(axis=2)
        np.minimum(out, n_cat - 1, out=out)
    else:
        # Gumbel top-k: sampling without replacement in one vectorised step
        with np.errstate(divide="ignore"):
            keys = np.log(p) - np.log(-np.log(rng.random(p.shape)))
        out[:] = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(from_numpy(out.reshape(probs.shape[:-1] + (num_samples,))), False, None, 0)


def rand_like(input: Tensor, *, dtype=None, **kwargs) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype)


def randn_like(input: Tensor, *, dtype=None, **kwargs) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype)


def randint_like(input: Tensor, low, high=None, *, dtype=None, **kwargs) -> Tensor:
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)
