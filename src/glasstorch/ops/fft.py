"""Discrete Fourier transforms along one dim, and the complex-number ops around them.

Complex tensors (complex64, complex128) exist for the results of the
transforms. Gradients follow torch's convention: for a real loss L and a
complex z = x + iy, z.grad = dL/dx + i dL/dy. So a linear map's backward is
its adjoint: the adjoint of fft with norm ``m`` is ifft with the *dual* norm
(``"backward"`` <-> ``"forward"``, ``"ortho"`` stays), and for a real input
the real part of that is kept. Multi-dim transforms are these one-dim ops
applied dim after dim, which scales exactly as the n-dim normalisations do.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import array_module
from ._util import Tensor, broadcast_shape

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


class _Op(Function):
    array_io = True


def _complex_of(dtype) -> np.dtype:
    """complex64 for float32/complex64 (and float16) data, complex128 for double precision."""
    return np.dtype(np.complex128) if dtype in (np.float64, np.complex128) else np.dtype(np.complex64)


# ---------------------------------------------------------------- complex parts
class Real(_Op):
    """The real part; its gradient is the real gradient as a complex number (g + 0i)."""

    @staticmethod
    def forward(ctx, z):
        xp = array_module(z)
        return xp.array(z.real, order="C")  # ascontiguousarray would make a 0-d part 1-d

    @staticmethod
    def backward(ctx, grad):
        return Complex.apply(grad, _zeros_like(grad))


class Imag(_Op):
    """The imaginary part; gradient 0 + g i."""

    @staticmethod
    def forward(ctx, z):
        xp = array_module(z)
        return xp.array(z.imag, order="C")

    @staticmethod
    def backward(ctx, grad):
        return Complex.apply(_zeros_like(grad), grad)


class Complex(_Op):
    """real + i imag from two real tensors; gradients are the parts of the complex gradient."""

    @staticmethod
    def forward(ctx, re, im):
        xp = array_module(re)
        out = xp.empty(np.broadcast_shapes(re.shape, im.shape), _complex_of(np.result_type(re.dtype, im.dtype)))
        out.real[...] = re  # through the views: a device array's parts may not be assignable
        out.imag[...] = im
        return out

    @staticmethod
    def backward(ctx, grad):
        return Real.apply(grad), Imag.apply(grad)


class ComplexAbs(_Op):
    """|z| (real); gradient g z / |z|, 0 at z = 0 (as torch)."""

    @staticmethod
    def forward(ctx, z):
        xp = array_module(z)
        out = xp.abs(z)
        ctx.save_for_backward(z, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        z, out = ctx.saved_tensors
        zero = Tensor._make(out._data == 0, False, None, 0)
        scale = (grad / out.masked_fill(zero, 1.0)).masked_fill(zero, 0.0)
        return Complex.apply(Real.apply(z) * scale, Imag.apply(z) * scale)


def _zeros_like(t: Tensor) -> Tensor:
    xp = array_module(t._data)
    return Tensor._make(xp.zeros(t._data.shape, t._data.dtype), False, None, 0)


# ---------------------------------------------------------------- resizing along a dim
def _resize(t: Tensor, axis: int, size: int) -> Tensor:
    """``t`` cut or zero-padded along ``axis`` to ``size`` (the adjoint of fft's ``n``)."""
    xp = array_module(t._data)
    from .shape import cat

    have = t._data.shape[axis]
    if have == size:
        return t
    if have > size:
        return t.narrow(axis, 0, size)
    shape = list(t._data.shape)
    shape[axis] = size - have
    return cat([t, Tensor._make(xp.zeros(shape, t._data.dtype), False, None, 0)], axis)


# ---------------------------------------------------------------- transforms
class FFT(_Op):
    """Complex-to-complex transform of length ``n`` along ``axis`` (``inverse``: ifft)."""

    @staticmethod
    def forward(ctx, x, n, axis, norm, inverse):
        xp = array_module(x)
        out = (xp.fft.ifft if inverse else xp.fft.fft)(x, n, axis, norm)
        ctx.m, ctx.n, ctx.axis, ctx.norm, ctx.inverse = x.shape[axis], n, axis, norm, inverse
        ctx.real_input = x.dtype.kind != "c"
        return out.astype(_complex_of(x.dtype), copy=False)

    @staticmethod
    def backward(ctx, grad):
        g = FFT.apply(grad, ctx.n, ctx.axis, _DUAL[ctx.norm], not ctx.inverse)
        g = _resize(g, ctx.axis, ctx.m)
        return (Real.apply(g) if ctx.real_input else g), None, None, None, None


class RFFT(_Op):
    """Real-to-half-spectrum transform: the n//2 + 1 non-negative frequencies.

    Adjoint: the gradient zero-filled to the full n frequencies, through ifft
    with the dual norm; its real part is the input's gradient.
    """

    @staticmethod
    def forward(ctx, x, n, axis, norm):
        xp = array_module(x)
        out = xp.fft.rfft(x, n, axis, norm)
        ctx.m, ctx.n, ctx.axis, ctx.norm = x.shape[axis], n, axis, norm
        return out.astype(_complex_of(x.dtype), copy=False)

    @staticmethod
    def backward(ctx, grad):
        full = _resize(grad, ctx.axis, ctx.n)
        g = Real.apply(FFT.apply(full, ctx.n, ctx.axis, _DUAL[ctx.norm], True))
        return _resize(g, ctx.axis, ctx.m), None, None, None


class IRFFT(_Op):
    """Half spectrum (Hermitian symmetry implied) to a real signal of length n.

    Each frequency but 0 and n/2 stands for itself and its mirror image, so
    its gradient is twice rfft(g) (with the dual norm); the imaginary parts
    of frequencies 0 and n/2 are ignored by the forward, and rfft gives them
    a zero gradient.
    """

    @staticmethod
    def forward(ctx, x, n, axis, norm):
        xp = array_module(x)
        out = xp.fft.irfft(x, n, axis, norm)
        ctx.m, ctx.n, ctx.axis, ctx.norm = x.shape[axis], n, axis, norm
        ctx.real_input = x.dtype.kind != "c"
        real = np.float64 if x.dtype in (np.float64, np.complex128) else np.float32
        return out.astype(real, copy=False)

    @staticmethod
    def backward(ctx, grad):
        xp = array_module(grad._data)
        g = RFFT.apply(grad, ctx.n, ctx.axis, _DUAL[ctx.norm])
        half = ctx.n // 2 + 1
        w = xp.full(half, 2.0, grad._data.dtype)
        w[0] = 1.0
        if ctx.n % 2 == 0:
            w[-1] = 1.0
        shape = [1] * grad._data.ndim
        shape[ctx.axis] = half
        g = _resize(g * Tensor._make(w.reshape(shape), False, None, 0), ctx.axis, ctx.m)
        return (Real.apply(g) if ctx.real_input else g), None, None, None


# ---------------------------------------------------------------- public complex functions
def _need_tensor(name: str, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def real(input: Tensor) -> Tensor:
    """The real part (the tensor itself when it is real)."""
    _need_tensor("real", input)
    return Real.apply(input) if input._data.dtype.kind == "c" else input


def imag(input: Tensor) -> Tensor:
    """The imaginary part; real tensors have none, as in torch."""
    _need_tensor("imag", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate (the tensor itself when it is real)."""
    _need_tensor("conj", input)
    if input._data.dtype.kind != "c":
        return input
    return Complex.apply(Real.apply(input), -Imag.apply(input))


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001 - torch's name
    """``real + i imag`` from two float tensors of the same dtype (complex64 from float32)."""
    _need_tensor("complex", real)
    _need_tensor("complex", imag)
    if real._data.dtype.kind != "f" or real._data.dtype != imag._data.dtype or real._data.dtype == np.float16:
        raise RuntimeError(f"Expected both inputs to be Float or Double tensors but got {real.dtype} and {imag.dtype}")
    broadcast_shape(real._data.shape, imag._data.shape)  # torch's size message, not NumPy's
    return Complex.apply(real, imag)


def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor as real pairs in a new last dim of size 2."""
    from .shape import stack

    _need_tensor("view_as_real", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return stack([Real.apply(input), Imag.apply(input)], -1)


def view_as_complex(input: Tensor) -> Tensor:
    """Real pairs in a last dim of size 2 as one complex tensor."""
    _need_tensor("view_as_complex", input)
    a = input._data
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, but got a tensor "
                           f"of scalar type: {input.dtype}")
    if a.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    # torch reinterprets the memory in place, so the layout must hold whole pairs (an empty
    # tensor has zero strides here, as one made from an empty NumPy array has in torch)
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(st % 2 for st, n in zip(strides[:-1], a.shape) if n != 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if isinstance(a, np.ndarray) and a.base is not None and a.size \
            and (a.__array_interface__["data"][0] - a.base.__array_interface__["data"][0]) // a.itemsize % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return Complex.apply(input[..., 0], input[..., 1])


def angle(input: Tensor) -> Tensor:
    """The argument of each element: atan2(imag, real); for real tensors 0 or pi (and no gradient)."""
    _need_tensor("angle", input)
    if input._data.dtype.kind == "c":
        return Imag.apply(input).atan2(Real.apply(input))
    x = as_float_tensor(input)
    xp = array_module(x._data)
    with np.errstate(invalid="ignore"):
        vals = xp.where(x._data < 0, np.pi, 0.0).astype(x._data.dtype)
    vals = xp.where(xp.isnan(x._data), np.nan, vals).astype(x._data.dtype)
    return Tensor._make(vals, False, None, 0)


def as_float_tensor(x: Tensor) -> Tensor:
    from ._util import as_float

    return as_float(x)


def complex_abs(input: Tensor) -> Tensor:
    """|z| of a complex tensor, as a real tensor (abs() sends complex input here)."""
    return ComplexAbs.apply(input)


Tensor.real = property(real, doc="The real part (the tensor itself when it is real).")
Tensor.imag = property(imag, doc="The imaginary part of a complex tensor.")
Tensor.conj = conj
Tensor.angle = angle
def _is_conj(self) -> bool:
    """Whether the tensor is a lazy conjugate: never here (``conj()`` computes at once)."""
    return False


def _resolve_conj(self) -> Tensor:
    """The tensor with any lazy conjugation applied: the tensor itself here."""
    return self


Tensor.is_conj = _is_conj
Tensor.resolve_conj = _resolve_conj
