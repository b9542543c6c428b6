"""The table of unary ops (ops/pointwise/unary.py), row by row, against PyTorch.

For every row: the forward on special values (0, -0.0, +-inf, NaN, tiny and
huge numbers) matches torch, zero signs included; the first and second
derivatives match torch in float64 and pass gradcheck / gradgradcheck over
the op's domain; and the Function class and public function the builder
made keep their torch names, flags, promotion and ``out=``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.autograd import gradcheck, gradgradcheck
from glasstorch.ops import pointwise
from glasstorch.ops.pointwise.unary import UNARY

ROWS = {row.name: row for row in UNARY}

# Where each op is smooth and finite: (low, high) of the sampled float64 inputs.
DOMAINS = {
    "exp": (-3.0, 3.0), "exp2": (-3.0, 3.0), "expm1": (-3.0, 3.0),
    "log": (0.2, 4.0), "log2": (0.2, 4.0), "log10": (0.2, 4.0), "log1p": (-0.8, 4.0),
    "sqrt": (0.2, 4.0), "rsqrt": (0.2, 4.0), "reciprocal": (0.3, 3.0),
    "sin": (-4.0, 4.0), "cos": (-4.0, 4.0), "tan": (-1.3, 1.3),
    "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "atan": (-4.0, 4.0),
    "sinh": (-3.0, 3.0), "cosh": (-3.0, 3.0), "tanh": (-3.0, 3.0),
    "sigmoid": (-6.0, 6.0), "erf": (-3.0, 3.0),
}

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 0.5, -0.5, 1.0, -1.0, 2.0, 30.0, -30.0,
           100.0, -100.0, 800.0, -800.0]

# In float32, torch's vectorised kernels and NumPy may differ in the last bits.
FORWARD_TOL = {np.float64: (1e-13, 1e-300), np.float32: (1e-5, 1e-37)}


def _samples(name: str, n: int = 7) -> np.ndarray:
    lo, hi = DOMAINS[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    return rng.uniform(lo, hi, n)


def test_every_row_has_a_domain_here():
    assert set(DOMAINS) == set(ROWS)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ROWS))
def test_forward_on_special_values_matches_torch(name, dtype):
    a = np.array(SPECIAL, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error" if ROWS[name].quiet else "ignore", RuntimeWarning)
        got = getattr(gt, name)(gt.tensor(a)).numpy()
    want = getattr(torch, name)(torch.from_numpy(a)).numpy()
    assert got.dtype == want.dtype == dtype
    rtol, atol = FORWARD_TOL[dtype]
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)
    zeros = want == 0
    assert (np.signbit(got[zeros]) == np.signbit(want[zeros])).all(), (name, a[zeros], got[zeros])


@pytest.mark.parametrize("name", list(ROWS))
def test_first_and_second_derivatives_match_torch(name):
    a = _samples(name)
    x = gt.tensor(a, requires_grad=True)
    y = getattr(gt, name)(x)
    (g,) = gt.autograd.grad(y, x, gt.ones_like(y), create_graph=True)
    (gg,) = gt.autograd.grad(g.sum(), x)

    xt = torch.from_numpy(a).requires_grad_(True)
    yt = getattr(torch, name)(xt)
    (gt_,) = torch.autograd.grad(yt, xt, torch.ones_like(yt), create_graph=True)
    (ggt,) = torch.autograd.grad(gt_.sum(), xt)

    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g.detach().numpy(), gt_.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), rtol=1e-10, atol=1e-12)
    # the fast backward on bare arrays (no create_graph) gives the same first derivative
    x2 = gt.tensor(a, requires_grad=True)
    getattr(gt, name)(x2).sum().backward()
    np.testing.assert_allclose(x2.grad.numpy(), gt_.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(ROWS))
def test_gradcheck_and_gradgradcheck(name):
    x = gt.tensor(_samples(name).reshape(1, 7), requires_grad=True)
    fn = getattr(gt, name)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name", list(ROWS))
def test_the_builder_keeps_names_and_flags(name):
    row = ROWS[name]
    cls = getattr(pointwise, name.capitalize())
    fn = getattr(pointwise, name)
    assert fn is getattr(gt, name) and fn.__name__ == name and fn.__doc__ == cls.__doc__ == row.doc
    assert cls.array_backward is row.arrays
    x = gt.tensor([0.5, 0.25], requires_grad=True)
    y = fn(x)
    assert type(y.grad_fn).__name__ == type(getattr(torch, name)(torch.ones(2, requires_grad=True)).grad_fn).__name__
    # what the op saves: the input or its own output
    (saved,) = y.grad_fn._saved
    if row.saves == "x":
        assert saved[0] is x
    else:  # the node keeps a marker for its own output, not a second reference
        assert type(saved).__name__ == "_SavedOutput"


@pytest.mark.parametrize("name", list(ROWS))
def test_ints_become_floats_and_out_is_written(name):
    fn = getattr(gt, name)
    y = fn(gt.tensor([1, 2]))
    assert y.dtype == gt.float32
    want = getattr(torch, name)(torch.tensor([1, 2]))
    np.testing.assert_allclose(y.numpy(), want.numpy(), rtol=1e-6)
    out = gt.empty(2, dtype=gt.float64)
    r = fn(gt.tensor([0.5, 0.25], dtype=gt.float64), out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), getattr(torch, name)(torch.tensor([0.5, 0.25],
                                                                              dtype=torch.float64)).numpy())
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        fn([1.0])


def test_aliases_are_the_same_functions():
    assert pointwise.arcsin is pointwise.asin and pointwise.arccos is pointwise.acos
    assert pointwise.arctan is pointwise.atan


class _Marked(np.ndarray):
    """Arrays of a stand-in device: NumPy's, marked so that their module can be told apart."""


class _RecordingModule:
    """NumPy's API, noting which functions an op asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(np, name)


@pytest.mark.parametrize("name", list(ROWS))
def test_forward_and_backward_use_the_array_module_of_the_data(name, monkeypatch):
    from glasstorch import backend

    module = _RecordingModule()
    monkeypatch.setitem(backend._MODULE_OF_TYPE, _Marked, module)
    a = _samples(name)
    x = gt.tensor(a, requires_grad=True)
    x._data = a.copy().view(_Marked)  # host data of the marked device, whatever device the session runs on
    y = getattr(gt, name)(x)
    if name != "reciprocal":  # 1 / x is an operator: no module function to ask for
        asked = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "rsqrt": "sqrt", "sigmoid": "exp",
                 "erf": "copysign"}.get(name, name)
        assert asked in module.calls, (name, module.calls)
    np.testing.assert_allclose(np.asarray(y._data), getattr(torch, name)(torch.from_numpy(a)).numpy(), rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad._data), _torch_grad(name, a), rtol=1e-12)


def _torch_grad(name: str, a: np.ndarray) -> np.ndarray:
    t = torch.from_numpy(a).requires_grad_(True)
    getattr(torch, name)(t).sum().backward()
    return t.grad.numpy()
