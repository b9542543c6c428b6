"""Every activation (functional and module) against torch, with higher-order gradients."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _twin import copy_state, run_twins
from compare import check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(0)


def sample(shape=(3, 4)):
    x = rng.standard_normal(shape) * 3
    x.reshape(-1)[:4] = [0.0, 1.0, -1.0, 3.0]  # kinks: the derivative there must be torch's
    return x


# (constructor args, functional name and kwargs)
MODULES = [
    ("ReLU", (), "relu", {}), ("ReLU6", (), "relu6", {}), ("LeakyReLU", (0.2,), "leaky_relu", {"negative_slope": 0.2}),
    ("ELU", (0.7,), "elu", {"alpha": 0.7}), ("SELU", (), "selu", {}), ("CELU", (1.5,), "celu", {"alpha": 1.5}),
    ("GELU", (), "gelu", {}), ("GELU", ("tanh",), "gelu", {"approximate": "tanh"}), ("SiLU", (), "silu", {}),
    ("Mish", (), "mish", {}), ("Sigmoid", (), "sigmoid", {}), ("Tanh", (), "tanh", {}),
    ("Hardtanh", (-2.0, 1.0), "hardtanh", {"min_val": -2.0, "max_val": 1.0}), ("Hardsigmoid", (), "hardsigmoid", {}),
    ("Hardswish", (), "hardswish", {}), ("Softplus", (), "softplus", {}),
    ("Softplus", (2.0, 3.0), "softplus", {"beta": 2.0, "threshold": 3.0}), ("Softsign", (), "softsign", {}),
    ("Tanhshrink", (), "tanhshrink", {}), ("Threshold", (0.5, -2.0), "threshold", {"threshold": 0.5, "value": -2.0}),
    ("Softmax", (1,), "softmax", {"dim": 1}), ("LogSoftmax", (0,), "log_softmax", {"dim": 0}),
    ("Softmin", (-1,), "softmin", {"dim": -1}), ("GLU", (), "glu", {}), ("GLU", (0,), "glu", {"dim": 0}),
    ("LogSigmoid", (), "logsigmoid", {}), ("Hardshrink", (), "hardshrink", {}),
    ("Hardshrink", (1.0,), "hardshrink", {"lambd": 1.0}), ("Softshrink", (0.3,), "softshrink", {"lambd": 0.3}),
]


@pytest.mark.parametrize("cls,args,fname,kw", MODULES, ids=[f"{m[0]}{m[1]}" for m in MODULES])
def test_activation_matches_torch(cls, args, fname, kw):
    x = sample((4, 6))
    for dtype in (np.float64, np.float32):
        check(lambda a: getattr(F, fname)(a, **kw), lambda a: getattr(TF, fname)(a, **kw), x.astype(dtype))
        g, t = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
        for train in (True, False):
            run_twins(g, t, x.astype(dtype), train=train)
    assert repr(getattr(nn, cls)(*args)) == repr(getattr(torch.nn, cls)(*args))
    smooth = rng.standard_normal((4, 4)) * 0.5 + 0.2  # away from the kinks for finite differences
    gradchecks(lambda a: getattr(F, fname)(a, **kw), smooth)


@pytest.mark.parametrize("cls,args", [
    ("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.1,)), ("ELU", (1.0,)), ("SELU", ()), ("CELU", (1.0,)),
    ("SiLU", ()), ("Mish", ()), ("Hardtanh", (-1.0, 1.0)), ("Hardsigmoid", ()), ("Hardswish", ()),
    ("Threshold", (0.1, 5.0)), ("RReLU", (0.1, 0.3)),
])
def test_inplace_variants(cls, args):
    x = sample()
    g = getattr(nn, cls)(*args, inplace=True).eval()
    t = getattr(torch.nn, cls)(*args, inplace=True).eval()
    assert repr(g) == repr(t)
    xg, xt = gt.tensor(x.copy()), torch.tensor(x.copy())
    out = g(xg)
    t(xt)
    assert out is xg
    np.testing.assert_allclose(xg.numpy(), xt.numpy(), rtol=1e-12)
    # in place on a non-leaf keeps the graph correct
    a = gt.tensor(x.copy(), requires_grad=True)
    b = torch.tensor(x.copy(), requires_grad=True)
    ya, yb = g(a * 1), t(b * 1)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_prelu():
    for n, shape in [(1, (4, 3)), (3, (2, 3, 5)), (3, (2, 3)), (1, (5,)), (2, (2, 2, 2, 2))]:
        g, t = nn.PReLU(n).double(), torch.nn.PReLU(n).double()
        with torch.no_grad():
            t.weight.copy_(torch.tensor(rng.uniform(-0.5, 0.5, n)))
        copy_state(g, t)
        for train in (True, False):
            g.zero_grad()
            t.zero_grad()
            run_twins(g, t, sample(shape), train=train)
        assert list(g.state_dict()) == ["weight"] and repr(g) == repr(t)
    assert np.allclose(nn.PReLU(4, init=0.1).weight.detach().numpy(), 0.1)
    with pytest.raises(RuntimeError, match="Found parameter numbers = 4 and channel size = 3"):
        F.prelu(gt.randn(2, 3), gt.ones(4))
    gradchecks(F.prelu, rng.standard_normal((2, 3, 2)), rng.uniform(0.1, 0.4, 3))


def test_rrelu_eval_is_deterministic_and_train_is_random():
    x = sample((50, 40))
    g, t = nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)
    run_twins(g, t, x, train=False)
    g.train()
    out = g(gt.tensor(x)).numpy()
    neg = x < 0
    slopes = out[neg] / x[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_array_equal(out[~neg], x[~neg])
    a = gt.tensor(x, requires_grad=True)
    y = F.rrelu(a, 0.1, 0.3, training=True)
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy()[neg], (y.detach().numpy() / x)[neg])
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"


def test_fused_grad_fn_names():
    x = gt.randn(3, requires_grad=True)
    assert F.gelu(x).grad_fn.name() == "GeluBackward0"
    assert F.silu(x).grad_fn.name() == "SiluBackward0"
    assert F.elu(x).grad_fn.name() == "EluBackward0"
    assert F.selu(x).grad_fn.name() == "EluBackward0"
    assert F.relu6(x).grad_fn.name() == "HardtanhBackward0"
    assert F.leaky_relu(x).grad_fn.name() == "LeakyReluBackward0"
    assert F.softplus(x).grad_fn.name() == "SoftplusBackward0"


def test_extreme_inputs_stay_finite():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    for fname in ["sigmoid", "logsigmoid", "softplus", "silu", "mish", "gelu", "elu", "selu", "celu", "tanh",
                  "softsign"]:
        g, _ = check(getattr(F, fname), getattr(TF, fname), x)
        assert np.isfinite(g.detach().numpy()).all(), fname
    # with a huge threshold torch overflows to inf at 1e4; the log-add-exp form stays exact
    np.testing.assert_allclose(F.softplus(gt.tensor(x), 1.0, 1e6).numpy(), TF.softplus(torch.tensor(x)).numpy())


def test_activation_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(gt.randn(2, 3))
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh."):
        F.gelu(gt.randn(2), approximate="foo")
    with pytest.raises(RuntimeError, match="lambda must be in range"):
        F.softshrink(gt.randn(2), -1.0)
    with pytest.raises(ValueError, match="expected input to be 3D or 4D"):
        nn.Softmax2d()(gt.randn(2, 2))
    x = rng.standard_normal((2, 3, 2, 2))
    run_twins(nn.Softmax2d(), torch.nn.Softmax2d(), x)


@pytest.mark.parametrize("n", [5, 32768, 70001])
def test_gelu_float32_in_blocks_matches_torch(n):
    # exact GELU in float32 runs block by block; sizes below, at and across a block
    r = np.random.default_rng(n)
    x = (r.standard_normal(n) * 4).astype(np.float32)
    x[:9] = [0.0, -0.0, 1e-30, -1e-30, 30.0, -30.0, -6.0, 6.0, -1e4][: min(n, 9)]
    a = gt.tensor(x, requires_grad=True)
    out = F.gelu(a)
    g = r.uniform(-1, 1, n).astype(np.float32)
    out.backward(gt.tensor(g))
    # against torch in float64: torch's vectorised float32 GELU forms Phi(x) as
    # (1 + erf)/2 and is off by up to ~1e-6 near x = -3.4, where this one is closer
    t = torch.tensor(x.astype(np.float64), requires_grad=True)
    ref = TF.gelu(t)
    ref.backward(torch.tensor(g.astype(np.float64)))
    assert out.dtype == gt.float32 and a.grad.dtype == gt.float32
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=5e-7)
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=5e-7)


def test_gelu_float32_strided_input_and_no_grad():
    x = (np.random.default_rng(1).standard_normal((64, 70)) * 3).astype(np.float32)
    a, b = gt.tensor(x, requires_grad=True), gt.tensor(np.ascontiguousarray(x.T), requires_grad=True)
    out_a, out_b = F.gelu(a.t()), F.gelu(b)  # a strided view and its contiguous copy
    np.testing.assert_array_equal(out_a.detach().numpy(), out_b.detach().numpy())
    out_a.sum().backward()
    out_b.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy().T, b.grad.numpy())
    with gt.no_grad():  # no derivative kept: same values
        np.testing.assert_array_equal(F.gelu(b).numpy(), out_b.detach().numpy())


def test_gelu_float32_special_values():
    x = np.array([np.nan, -np.inf, 0.0, -0.0], np.float32)
    out = F.gelu(gt.tensor(x)).numpy()
    ref = TF.gelu(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    np.testing.assert_array_equal(out[2:], ref[2:])


def test_gelu_float32_far_tails():
    # past |x| = 10 the float32 kernel caps x^2 (Phi(-|x|) < 1e-23 there); values and
    # slopes stay within float32 rounding of the exact ones, with no nan or sign flip
    x = np.linspace(-40, 40, 4001).astype(np.float32)
    a = gt.tensor(x, requires_grad=True)
    out = F.gelu(a)
    out.sum().backward()
    t = torch.tensor(x.astype(np.float64), requires_grad=True)
    ref = TF.gelu(t)
    ref.sum().backward()
    got, slope = out.detach().numpy(), a.grad.numpy()
    np.testing.assert_allclose(got, ref.detach().numpy(), rtol=1e-6, atol=5e-7)
    np.testing.assert_allclose(slope, t.grad.numpy(), rtol=1e-6, atol=5e-7)
    assert np.all(got[x < 0] <= 0) and np.all(got[x > 0] > 0)
    np.testing.assert_array_equal(got[x >= 10], x[x >= 10])
    np.testing.assert_array_equal(slope[x >= 10], 1.0)


@pytest.mark.parametrize("create_graph", [False, True])
def test_relu_gradient_at_nan_zero_and_infinities(create_graph):
    # torch zeroes the gradient where the output is <= 0, so a nan input passes it on
    x = np.array([1.0, -1.0, 0.0, -0.0, np.nan, np.inf, -np.inf], np.float32)
    a, t = gt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = np.array([2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], np.float32)
    (ga,) = gt.autograd.grad(F.relu(a), a, gt.tensor(g), create_graph=create_graph)
    (gt_,) = torch.autograd.grad(TF.relu(t), t, torch.tensor(g), create_graph=create_graph)
    np.testing.assert_array_equal(ga.detach().numpy(), gt_.detach().numpy())
    assert ga.dtype == gt.float32
