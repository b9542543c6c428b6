"""glasstorch.fft and the complex-tensor ops against torch: values, gradients, gradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import assert_close, check, gradchecks

import glasstorch as gt

_RNG = np.random.default_rng(1515)
_X = _RNG.standard_normal((3, 8))
_X2 = _RNG.standard_normal((3, 8))
_H = _RNG.standard_normal((3, 5))
_H2 = _RNG.standard_normal((3, 5))
_ODD = _RNG.standard_normal((2, 3, 7))


def _r(m, z):
    """Complex results are compared (and weighted for the gradient) as real pairs."""
    return m.view_as_real(z.resolve_conj()) if m is torch else m.view_as_real(z)


def _cplx(m, a, b):
    # "* 1": torch hands the gradient through conj() back as a lazily negated view,
    # which .numpy() refuses; a product materialises it
    return m.complex(a * 1, b * 1)


OPS = []
for _norm in (None, "ortho", "forward"):
    OPS += [
        (f"fft_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.fft(a, norm=k)))(_norm), [_X]),
        (f"fft_n_cut_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.fft(a, n=5, norm=k)))(_norm), [_X]),
        (f"fft_n_pad_dim0_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.fft(a, n=5, dim=0, norm=k)))(_norm), [_X]),
        (f"ifft_complex_{_norm}", (lambda k: lambda m, a, b: _r(m, m.fft.ifft(_cplx(m, a, b), norm=k)))(_norm),
         [_X, _X2]),
        (f"rfft_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.rfft(a, norm=k)))(_norm), [_X]),
        (f"rfft_n7_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.rfft(a, n=7, norm=k)))(_norm), [_X]),
        (f"irfft_{_norm}", (lambda k: lambda m, a, b: m.fft.irfft(_cplx(m, a, b), norm=k))(_norm), [_H, _H2]),
        (f"irfft_n7_{_norm}", (lambda k: lambda m, a, b: m.fft.irfft(_cplx(m, a, b), n=7, norm=k))(_norm),
         [_H, _H2]),
        (f"irfft_n4_{_norm}", (lambda k: lambda m, a, b: m.fft.irfft(_cplx(m, a, b), n=4, norm=k))(_norm),
         [_H, _H2]),
        (f"hfft_{_norm}", (lambda k: lambda m, a, b: m.fft.hfft(_cplx(m, a, b), norm=k))(_norm), [_H, _H2]),
        (f"ihfft_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.ihfft(a, norm=k)))(_norm), [_X]),
        (f"fft2_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.fft2(a, norm=k)))(_norm), [_X]),
        (f"ifft2_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.ifft2(a, norm=k)))(_norm), [_X]),
        (f"fftn_s_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.fftn(a, s=(4, 6), norm=k)))(_norm), [_X]),
        (f"ifftn_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.ifftn(a, norm=k)))(_norm), [_ODD]),
        (f"rfft2_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.rfft2(a, norm=k)))(_norm), [_X]),
        (f"rfftn_{_norm}", (lambda k: lambda m, a: _r(m, m.fft.rfftn(a, norm=k)))(_norm), [_ODD]),
        (f"irfft2_{_norm}", (lambda k: lambda m, a, b: m.fft.irfft2(_cplx(m, a, b), norm=k))(_norm), [_H, _H2]),
        (f"irfftn_s_{_norm}", (lambda k: lambda m, a, b: m.fft.irfftn(_cplx(m, a, b), s=(4, 6), norm=k))(_norm),
         [_H, _H2]),
    ]
OPS += [
    ("irfft_real_input", lambda m, a: m.fft.irfft(a), [_H]),
    ("fft_dim_tuple", lambda m, a: _r(m, m.fft.fftn(a, dim=(0, 2))), [_ODD]),
    ("abs", lambda m, a: m.fft.fft(a).abs(), [_X]),
    ("abs_fn", lambda m, a: m.abs(m.fft.rfft(a)), [_X]),
    ("angle", lambda m, a: m.fft.fft(a).angle(), [_X]),
    ("real_imag", lambda m, a: m.fft.fft(a).real * m.fft.fft(a).imag, [_X]),
    ("conj", lambda m, a: _r(m, m.fft.fft(a).conj()), [_X]),
    ("mul_complex", lambda m, a, b: m.fft.irfft(m.fft.rfft(a) * m.fft.rfft(b), n=8), [_X, _X2]),
    ("div_complex", lambda m, a, b: _r(m, m.fft.fft(a) / m.fft.fft(b)), [_X, _X2]),
    ("mul_real_by_complex", lambda m, a: _r(m, a * m.fft.fft(a)), [_X]),
    ("add_sub_complex", lambda m, a, b: _r(m, m.fft.fft(a) + m.fft.fft(b) - 2 * m.fft.fft(a)), [_X, _X2]),
    ("view_as_complex", lambda m, a: m.view_as_complex(a).abs(), [_X.reshape(3, 4, 2)]),
    ("fftshift", lambda m, a: m.fft.fftshift(a), [_ODD]),
    ("ifftshift_dim", lambda m, a: m.fft.ifftshift(a, dim=1), [_ODD]),
    ("sum_complex", lambda m, a: _r(m, m.fft.fft(a).sum(0) * m.fft.rfft(a).sum()), [_X]),
    ("fftshift_complex", lambda m, a: _r(m, m.fft.fftshift(m.fft.fft(a), dim=-1)), [_X]),
]


# float32 once per transform: the other norms only scale
PARAMS = [(n, f, a, d) for n, f, a in OPS for d in (np.float64, np.float32)
          if d == np.float64 or not n.endswith(("_ortho", "_forward"))]


@pytest.mark.parametrize("name,fn,arrays,dtype", PARAMS, ids=[f"{p[3].__name__}-{p[0]}" for p in PARAMS])
def test_against_torch(name, fn, arrays, dtype):
    tol = {} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-5}
    check(lambda *a: fn(gt, *a), lambda *a: fn(torch, *a), *[a.astype(dtype) for a in arrays], msg=name, **tol)


GRADCHECKED = ["fft_None", "fft_n_cut_ortho", "fft_n_pad_dim0_forward", "ifft_complex_None", "rfft_n7_None",
               "irfft_None", "irfft_n7_ortho", "irfft_n4_forward", "hfft_None", "ihfft_ortho", "fftn_s_None",
               "rfftn_None", "irfftn_s_ortho", "abs", "angle", "mul_complex", "div_complex", "view_as_complex"]
TWICE = {"fft_None", "rfft_n7_None", "irfft_None", "abs", "mul_complex"}


@pytest.mark.parametrize("name", GRADCHECKED)
def test_gradcheck(name):
    fn, arrays = next((f, a) for n, f, a in OPS if n == name)
    gradchecks(lambda *a: fn(gt, *a), *arrays, second=name in TWICE)


def test_dtypes_and_repr():
    z = gt.fft.fft(gt.ones(3))
    assert z.dtype == gt.complex64 and z.is_complex() and not z.is_floating_point()
    assert gt.fft.fft(gt.ones(3, dtype=gt.float64)).dtype == gt.complex128
    assert gt.fft.fft(gt.arange(4)).dtype == gt.complex64
    assert gt.fft.irfft(gt.fft.rfft(gt.ones(4))).dtype == gt.float32
    assert z.real.dtype == gt.float32 and gt.complex64.to_real() == gt.float32
    assert repr(gt.fft.fft(gt.arange(5.0) * 1.5)) == repr(torch.fft.fft(torch.arange(5.0) * 1.5))
    assert repr(gt.fft.rfft(gt.arange(4, dtype=gt.float64))) == repr(torch.fft.rfft(torch.arange(4, dtype=torch.float64)))
    assert gt.promote_types(gt.complex64, gt.float64) == gt.complex128
    assert gt.promote_types(gt.complex64, gt.int64) == gt.complex64
    assert gt.ones(2, dtype=gt.float32).real.tolist() == [1.0, 1.0]


def test_freq_and_shift():
    assert_close(gt.fft.fftfreq(5), torch.fft.fftfreq(5))
    assert_close(gt.fft.fftfreq(6, 0.1, dtype=gt.float64), torch.fft.fftfreq(6, 0.1, dtype=torch.float64))
    assert_close(gt.fft.rfftfreq(7, 2.0), torch.fft.rfftfreq(7, 2.0))
    f = gt.fft.fftfreq(6)
    assert_close(gt.fft.ifftshift(gt.fft.fftshift(f)), torch.fft.fftfreq(6))


def test_roundtrip():
    x = gt.tensor(_ODD)
    np.testing.assert_allclose(gt.fft.irfftn(gt.fft.rfftn(x), s=x.shape).numpy(), _ODD, atol=1e-12)
    np.testing.assert_allclose(gt.fft.ifft(gt.fft.fft(x)).real.numpy(), _ODD, atol=1e-12)


ERRORS = [
    ("norm", lambda m: m.fft.fft(m.ones(4), norm="x")),
    ("n_zero", lambda m: m.fft.fft(m.ones(4), n=0)),
    ("rfft_complex", lambda m: m.fft.rfft(m.fft.fft(m.ones(4)))),
    ("dim", lambda m: m.fft.fft(m.ones(4), dim=2)),
    ("s_too_long", lambda m: m.fft.fftn(m.ones(4, 4), s=(2, 2, 2))),
    ("view_as_complex_size", lambda m: m.view_as_complex(m.ones(4, 3))),
    ("irfft_one", lambda m: m.fft.irfft(m.ones(1))),
    ("imag_real", lambda m: m.ones(2).imag),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_torch(name, fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ge:
        fn(gt)
    assert str(ge.value) == str(te.value)


def test_unsupported_complex_ops_raise():
    z = gt.fft.fft(gt.ones(3))
    with pytest.raises(NotImplementedError, match="view_as_real"):
        z.exp()
    with pytest.raises(NotImplementedError, match="complex64"):
        gt.special.gammaln(z)
