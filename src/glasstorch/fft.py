"""``glasstorch.fft``: torch.fft's discrete Fourier transforms, with gradients.

Transforms return complex64 (complex128 for float64 input) tensors; see
``ops/fft.py`` for the one-dim ops and the gradient convention. ``n``/``s``
pad with zeros or cut, ``dim`` picks the dims, ``norm`` is ``"backward"``
(default: no scaling forward, 1/n inverse), ``"ortho"`` or ``"forward"``.
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from .backend import from_numpy
from .dtypes import SCALAR_TYPE_NAMES
from .ops import fft as _f
from .ops import roll
from .ops._util import Tensor, accepts_out, as_float, wrap_dim
from .ops.fft import conj

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
    "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]


# ---------------------------------------------------------------- argument checks
def _input(name: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return x if x._data.dtype.kind == "c" else as_float(x)


def _norm(norm) -> str:
    if norm is None:
        return "backward"
    if norm not in ("backward", "forward", "ortho"):
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _points(n) -> None:
    if n is not None and n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _real_only(name: str, x: Tensor) -> None:
    if x._data.dtype.kind == "c":
        raise RuntimeError(f"{name} expects a real input tensor, but got {SCALAR_TYPE_NAMES[x.dtype.name]}")


def _dims(x: Tensor, s, dim) -> tuple:
    """The (dims, sizes) an n-dim transform works on, as torch reads ``s`` and ``dim``."""
    nd = x._data.ndim
    if dim is None:
        dims = list(range(nd - len(s), nd)) if s is not None else list(range(nd))
    else:
        dims = [wrap_dim(d, nd) for d in ((dim,) if isinstance(dim, int) else dim)]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is not None:
        s = list(s)
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {nd} dimensions.")
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        s = [x._data.shape[d] if n == -1 else n for d, n in zip(dims, s)]
    else:
        s = [None] * len(dims)
    for n in s:
        _points(n)
    return dims, s


# ---------------------------------------------------------------- one-dim transforms
def _c2c(x: Tensor, n, dim, norm, inverse: bool) -> Tensor:
    d = wrap_dim(dim, x._data.ndim)
    n = x._data.shape[d] if n is None else n
    _points(n)
    return _f.FFT.apply(x, n, d, _norm(norm), inverse)


def _r2c(x: Tensor, n, dim, norm) -> Tensor:
    d = wrap_dim(dim, x._data.ndim)
    n = x._data.shape[d] if n is None else n
    _points(n)
    return _f.RFFT.apply(x, n, d, _norm(norm))


def _c2r(x: Tensor, n, dim, norm) -> Tensor:
    d = wrap_dim(dim, x._data.ndim)
    n = 2 * (x._data.shape[d] - 1) if n is None else n
    _points(n)
    return _f.IRFFT.apply(x, n, d, _norm(norm))


@accepts_out
def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The one-dim discrete Fourier transform along ``dim``."""
    return _c2c(_input("fft", input), n, dim, norm, False)


@accepts_out
def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of :func:`fft`."""
    return _c2c(_input("ifft", input), n, dim, norm, True)


@accepts_out
def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The transform of a real signal: its ``n // 2 + 1`` non-negative frequencies."""
    x = _input("rfft", input)
    _real_only("rfft", x)
    return _r2c(x, n, dim, norm)


@accepts_out
def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of :func:`rfft`: a real signal of length ``n`` (default ``2 * (m - 1)``)."""
    return _c2r(_input("irfft", input), n, dim, norm)


@accepts_out
def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The transform of a half Hermitian signal: real frequencies, ``irfft(conj(x))`` scaled as fft."""
    x = _input("hfft", input)
    return _c2r(conj(x), n, dim, _f._DUAL[_norm(norm)])


@accepts_out
def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of :func:`hfft`: ``conj(rfft(x))`` scaled as ifft."""
    x = _input("ihfft", input)
    _real_only("ihfft", x)
    return conj(_r2c(x, n, dim, _f._DUAL[_norm(norm)]))


# ---------------------------------------------------------------- n-dim transforms
def _c2c_n(name: str, input: Tensor, s, dim, norm: str | None, inverse: bool) -> Tensor:
    """fftn and ifftn: one-dim complex transforms over ``dim``, dim after dim."""
    x = _input(name, input)
    dims, sizes = _dims(x, s, dim)
    for d, n in zip(dims, sizes):
        x = _c2c(x, n, d, norm, inverse)
    return _to_complex(x)


@accepts_out
def fftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The n-dim transform over ``dim`` (all dims by default)."""
    return _c2c_n("fftn", input, s, dim, norm, False)


@accepts_out
def ifftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The inverse of :func:`fftn`."""
    return _c2c_n("ifftn", input, s, dim, norm, True)


@accepts_out
def rfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The n-dim transform of a real signal: rfft over the last of ``dim``, fft over the others."""
    x = _input("rfftn", input)
    _real_only("rfftn", x)
    dims, sizes = _dims(x, s, dim)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _r2c(x, sizes[-1], dims[-1], norm)
    for d, n in zip(dims[:-1], sizes[:-1]):
        x = _c2c(x, n, d, norm, False)
    return x


@accepts_out
def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The inverse of :func:`rfftn`: ifft over all of ``dim`` but the last, irfft over that one."""
    x = _input("irfftn", input)
    dims, sizes = _dims(x, s, dim)
    if not dims:
        raise RuntimeError("irfftn must transform at least one axis")
    for d, n in zip(dims[:-1], sizes[:-1]):
        x = _c2c(x, n, d, norm, True)
    return _c2r(x, sizes[-1], dims[-1], norm)


def fft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """:func:`fftn` over the last two dims."""
    return fftn(input, s, dim, norm, out=out)


def ifft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """:func:`ifftn` over the last two dims."""
    return ifftn(input, s, dim, norm, out=out)


def rfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """:func:`rfftn` over the last two dims."""
    return rfftn(input, s, dim, norm, out=out)


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """:func:`irfftn` over the last two dims."""
    return irfftn(input, s, dim, norm, out=out)


def _to_complex(x: Tensor) -> Tensor:
    """A transform over no dims still returns a complex tensor."""
    if x._data.dtype.kind == "c":
        return x
    return _f.Complex.apply(x, _f._zeros_like(x))


# ---------------------------------------------------------------- frequencies and shifts
def _freq_tensor(values: np.ndarray, dtype, requires_grad: bool) -> Tensor:
    d = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    t = Tensor._make(from_numpy(values.astype(d.np)), False, None, 0)  # made on the host
    return t.requires_grad_(True) if requires_grad else t


def fftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
            out=None) -> Tensor:
    """The sample frequencies of an ``n``-point :func:`fft` with sample spacing ``d``."""
    return _freq_tensor(np.fft.fftfreq(n, d), dtype, requires_grad)  # host: frequencies from Python numbers


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
             out=None) -> Tensor:
    """The sample frequencies of an ``n``-point :func:`rfft` with sample spacing ``d``."""
    return _freq_tensor(np.fft.rfftfreq(n, d), dtype, requires_grad)  # host: frequencies from Python numbers


def _shift(x: Tensor, dim, sign: int) -> Tensor:
    nd = x._data.ndim
    dims = list(range(nd)) if dim is None else [wrap_dim(d, nd) for d in ((dim,) if isinstance(dim, int) else dim)]
    if not dims:
        return x
    return roll(x, [sign * (x._data.shape[d] // 2) for d in dims], dims)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """Move the zero frequency to the centre of ``dim`` (all dims by default)."""
    return _shift(input, dim, 1)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of :func:`fftshift`."""
    return _shift(input, dim, -1)
