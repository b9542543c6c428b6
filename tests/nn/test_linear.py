"""Linear, Bilinear, LazyLinear and Identity against torch."""

import math

import numpy as np
import pytest
import torch
from _twin import copy_state, run_twins
from compare import check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 5, 3), (2, 1, 2, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("train", [True, False])
def test_linear_matches_torch(shape, bias, train):
    m_t = torch.nn.Linear(3, 4, bias=bias).double()
    m_g = nn.Linear(3, 4, bias=bias).double()
    copy_state(m_g, m_t)
    run_twins(m_g, m_t, rng.standard_normal(shape), train=train)


def test_linear_float32_and_grad_fn_names():
    m_t = torch.nn.Linear(3, 4)
    m_g = nn.Linear(3, 4)
    copy_state(m_g, m_t)
    out, _ = run_twins(m_g, m_t, rng.standard_normal((5, 3)).astype(np.float32))
    assert out.dtype == gt.float32
    x = gt.randn(2, 3, requires_grad=True)
    assert out.grad_fn.name() == "AddmmBackward0"
    assert F.linear(x, m_g.weight).grad_fn.name() == "MmBackward0"
    assert m_g(gt.randn(2, 2, 3)).grad_fn.name() == "ViewBackward0"


def test_linear_functional_and_higher_order():
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    check(F.linear, torch.nn.functional.linear, x, w, b)
    check(F.linear, torch.nn.functional.linear, x, rng.standard_normal(3))  # vector weight
    check(F.linear, torch.nn.functional.linear, rng.standard_normal((2, 2, 3)), w)
    gradchecks(F.linear, x, w, b)
    gradchecks(F.linear, rng.standard_normal((2, 2, 3)), w, b)


@pytest.mark.parametrize("shape,msg", [
    ((2, 5), "mat1 and mat2 shapes cannot be multiplied (2x5 and 3x4)"),
    ((5,), "mat1 and mat2 shapes cannot be multiplied (1x5 and 3x4)"),
    ((2, 6, 5), "mat1 and mat2 shapes cannot be multiplied (12x5 and 3x4)"),
])
def test_linear_wrong_in_features(shape, msg):
    m = nn.Linear(3, 4)
    with pytest.raises(RuntimeError) as e:
        m(gt.randn(*shape))
    assert str(e.value) == msg
    with pytest.raises(RuntimeError) as et:
        torch.nn.Linear(3, 4)(torch.randn(*shape))
    assert str(et.value) == msg


def test_linear_dtype_mismatch_message():
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        nn.Linear(3, 4)(gt.randn(2, 3, dtype=gt.float64))
    with pytest.raises(RuntimeError, match="at least 1D"):
        F.linear(gt.tensor(1.0), gt.randn(4, 3))


def test_linear_default_init_distribution():
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert w.shape == (300, 400) and b.shape == (300,)
    assert w.dtype == np.float32 and m.weight.requires_grad
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() <= bound and abs(b.std() - bound / math.sqrt(3)) < 0.1 * bound


def test_linear_repr_and_state_dict_keys():
    assert repr(nn.Linear(3, 4)) == repr(torch.nn.Linear(3, 4))
    assert repr(nn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))
    assert list(nn.Linear(3, 4, bias=False).state_dict()) == ["weight"]
    m = nn.Linear(3, 4, dtype=gt.float64)
    assert m.weight.dtype == gt.float64


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(bias):
    m_t = torch.nn.Bilinear(3, 4, 5, bias=bias).double()
    m_g = nn.Bilinear(3, 4, 5, bias=bias).double()
    copy_state(m_g, m_t)
    run_twins(m_g, m_t, rng.standard_normal((6, 3)), rng.standard_normal((6, 4)))
    run_twins(m_g, m_t, rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 4)))
    assert repr(m_g) == repr(m_t)
    bound = 1 / math.sqrt(3)
    big = nn.Bilinear(3, 40, 50)
    assert np.abs(big.weight.detach().numpy()).max() <= bound
    assert abs(big.weight.detach().numpy().std() - bound / math.sqrt(3)) < 0.05 * bound


def test_bilinear_errors():
    w = gt.randn(5, 3, 4)
    with pytest.raises(RuntimeError, match="input1 size does not match weight size: got 5 but expected 3"):
        F.bilinear(gt.randn(2, 5), gt.randn(2, 4), w)
    with pytest.raises(RuntimeError, match="batch dimensions do not match at dim 0: got 2 and 3"):
        F.bilinear(gt.randn(2, 3), gt.randn(3, 4), w)


def test_lazy_linear():
    m = nn.LazyLinear(4)
    y = m(gt.randn(2, 7))
    assert y.shape == (2, 4) and type(m) is nn.Linear and m.in_features == 7
    assert m.weight.shape == (4, 7)


def test_identity():
    m = nn.Identity(3, foo=1)
    x = gt.randn(2)
    assert m(x) is x
    assert repr(m) == "Identity()"


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "4d"])
def test_linear_float32_leading_dims_flattened_like_torch(layout):
    # the fused op multiplies one (rows, in) matrix and, with no graph to build,
    # runs its backward on arrays: float32, strided input and bias grads must agree
    w, b = rng.standard_normal((6, 5)).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    if layout == "4d":
        x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
        check(F.linear, torch.nn.functional.linear, x, w, b)
    else:
        x = rng.standard_normal((7, 4, 5)).astype(np.float32)
        tr = (lambda t: t.transpose(0, 1)) if layout == "transposed" else (lambda t: t)
        check(lambda a, c, d: F.linear(tr(a), c, d), lambda a, c, d: torch.nn.functional.linear(tr(a), c, d),
              x, w, b)
    check(F.linear, torch.nn.functional.linear, rng.standard_normal(5).astype(np.float32), w, b)  # 1-D input


def test_linear_double_backward_through_3d_input():
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    gradchecks(F.linear, x, w, b)
    gradchecks(F.linear, x, w)
