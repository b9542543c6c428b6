"""Sampling (shapes, dtypes, moments, reparameterised gradients) and argument validation."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import glasstorch as gt
import glasstorch.distributions as gd

N = 20000


def _f(*x):
    return gt.tensor(np.array(x, dtype=np.float32))


SAMPLERS = [
    (lambda: gd.Normal(_f(0.0, 3.0), _f(1.0, 0.5)), (2,)),
    (lambda: gd.Uniform(_f(-1.0, 2.0), _f(1.0, 5.0)), (2,)),
    (lambda: gd.Bernoulli(probs=_f(0.2, 0.7)), (2,)),
    (lambda: gd.Beta(_f(2.0, 0.5), _f(3.0, 0.7)), (2,)),
    (lambda: gd.Gamma(_f(0.5, 4.0), _f(1.0, 2.0)), (2,)),
    (lambda: gd.Dirichlet(_f(0.5, 2.0, 3.0)), (3,)),
    (lambda: gd.MultivariateNormal(_f(1.0, -1.0), covariance_matrix=_f([2.0, 0.6], [0.6, 1.0])), (2,)),
    (lambda: gd.OneHotCategorical(probs=_f(0.2, 0.3, 0.5)), (3,)),
    (lambda: gd.Independent(gd.Normal(_f(0.0, 3.0), _f(1.0, 0.5)), 1), (2,)),
]


@pytest.mark.parametrize("make,event", SAMPLERS)
def test_sample_shape_dtype_and_moments(make, event):
    gt.manual_seed(0)
    d = make()
    x = d.sample((N,))
    assert tuple(x.shape) == (N,) + event and x.dtype == gt.float32
    assert tuple(d.sample().shape) == event
    mean, var = d.mean.numpy(), d.variance.numpy()
    xs = x.numpy().astype(np.float64)
    np.testing.assert_allclose(xs.mean(0), mean, atol=5 * np.sqrt(var / N).max() + 1e-6)
    np.testing.assert_allclose(xs.var(0), var, rtol=0.06, atol=1e-3)
    assert bool(d.support.check(x).all())


def test_categorical_sample_frequencies_and_dtype():
    gt.manual_seed(1)
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]])
    x = gd.Categorical(probs=gt.tensor(p)).sample((N,))
    assert tuple(x.shape) == (N, 2) and x.dtype == gt.int64
    freq = np.stack([(x.numpy() == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(freq, p, atol=0.015)


def test_manual_seed_makes_samples_reproducible():
    gt.manual_seed(5)
    a = gd.Normal(0.0, 1.0).sample((4,))
    gt.manual_seed(5)
    b = gd.Normal(0.0, 1.0).sample((4,))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_rsample_is_differentiable_and_sample_is_not():
    loc = gt.tensor([0.5], requires_grad=True)
    scale = gt.tensor([2.0], requires_grad=True)
    d = gd.Normal(loc, scale)
    x = d.rsample((1000,))
    x.sum().backward()
    assert loc.grad.item() == 1000.0
    eps = (x.detach() - 0.5) / 2.0
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum().numpy(), rtol=1e-5)
    assert not d.sample((3,)).requires_grad


def test_gamma_implicit_reparameterisation_against_torch():
    # dx/dalpha at the same (alpha, x) as torch's own gamma gradient
    from glasstorch.distributions.gamma import _StandardGamma  # noqa: F401

    gt.manual_seed(0)
    a = gt.tensor(np.array([0.3, 1.0, 2.5, 7.0, 30.0]), requires_grad=True)
    x = gd.Gamma(a, 1.0).rsample()
    (g,) = gt.autograd.grad(x.sum(), [a])
    ref = torch._standard_gamma_grad(torch.tensor(a.detach().numpy()), torch.tensor(x.detach().numpy()))
    np.testing.assert_allclose(g.numpy(), ref.numpy(), rtol=2e-3)
    # and against the finite difference of the CDF held fixed
    at, xt = torch.tensor(a.detach().numpy()), torch.tensor(x.detach().numpy())
    h = 1e-6
    dp = (torch.special.gammainc(at + h, xt) - torch.special.gammainc(at - h, xt)) / (2 * h)
    pdf = td.Gamma(at, 1.0).log_prob(xt).exp()
    np.testing.assert_allclose(g.numpy(), (-dp / pdf).numpy(), rtol=1e-5)


def test_beta_dirichlet_rsample_gradients_flow():
    gt.manual_seed(0)
    c = gt.tensor([1.5, 2.0, 0.7], requires_grad=True)
    x = gd.Dirichlet(c).rsample((4,))
    np.testing.assert_allclose(x.sum(-1).detach().numpy(), 1.0, rtol=1e-6)
    x[:, 0].sum().backward()
    assert c.grad is not None and np.isfinite(c.grad.numpy()).all()
    a = gt.tensor([2.0], requires_grad=True)
    gd.Beta(a, gt.tensor([3.0])).rsample((100,)).mean().backward()
    assert a.grad.item() > 0  # a larger first concentration moves mass towards 1


@pytest.mark.parametrize("make", [
    lambda m, T: m.Normal(T([0.0, 0.0]), T([1.0, -1.0])),
    lambda m, T: m.Bernoulli(probs=T([0.2, 1.5])),
    lambda m, T: m.Categorical(probs=T([0.5, -0.1, 0.6])),
    lambda m, T: m.Gamma(T([1.0]), T([0.0])),
    lambda m, T: m.Beta(T([-1.0]), T([1.0])),
    lambda m, T: m.Dirichlet(T([1.0, 0.0])),
    lambda m, T: m.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([[1.0, 0.0], [0.5, -1.0]])),
])
def test_invalid_parameters_raise_as_torch(make):
    with pytest.raises(ValueError) as et:
        make(td, lambda v: torch.tensor(v))
    with pytest.raises(ValueError) as eg:
        make(gd, lambda v: gt.tensor(v))
    assert str(eg.value) == str(et.value)


@pytest.mark.parametrize("make,value", [
    (lambda m, T: m.Normal(0.0, 1.0), [float("nan")]),
    (lambda m, T: m.Bernoulli(probs=T([0.3, 0.4])), [0.0, 0.5]),
    (lambda m, T: m.Categorical(probs=T([0.3, 0.7])), [2.0]),
    (lambda m, T: m.Normal(T([0.0, 0.0]), 1.0), [0.0, 0.0, 0.0]),
    (lambda m, T: m.MultivariateNormal(T([0.0, 0.0]), T([[1.0, 0.0], [0.0, 1.0]])), [0.0, 0.0, 0.0]),
    (lambda m, T: m.Gamma(T([1.0]), T([1.0])), [-1.0]),
])
def test_invalid_values_raise_as_torch(make, value):
    with pytest.raises(ValueError) as et:
        make(td, torch.tensor).log_prob(torch.tensor(value))
    with pytest.raises(ValueError) as eg:
        make(gd, gt.tensor).log_prob(gt.tensor(value))
    assert str(eg.value) == str(et.value)


def test_constructor_errors_and_validation_switch():
    for make in (lambda m, T: m.Categorical(), lambda m, T: m.Bernoulli(T([0.5]), T([0.0])),
                 lambda m, T: m.MultivariateNormal(T([0.0])), lambda m, T: m.Uniform(T([1.0]), T([0.0])),
                 lambda m, T: m.Dirichlet(T(1.0))):
        with pytest.raises(ValueError) as et:
            make(td, torch.tensor)
        with pytest.raises(ValueError) as eg:
            make(gd, gt.tensor)
        assert str(eg.value) == str(et.value)
    assert gd.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    try:
        gd.Distribution.set_default_validate_args(False)
        gd.Normal(0.0, -1.0)
    finally:
        gd.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        gd.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        gd.Distribution.set_default_validate_args("yes")


def test_shapes_repr_and_constraints_repr():
    d = gd.Independent(gd.Normal(gt.zeros(2, 3), 1.0), 1)
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    assert repr(d) == repr(td.Independent(td.Normal(torch.zeros(2, 3), 1.0), 1))
    assert repr(gd.Normal(0.0, 1.0)) == repr(td.Normal(0.0, 1.0))
    for name in ("real", "positive", "unit_interval", "simplex", "boolean", "real_vector", "lower_cholesky",
                 "positive_definite", "nonnegative", "one_hot"):
        assert repr(getattr(gd.constraints, name)) == repr(getattr(td.constraints, name))
    m = gd.MultivariateNormal(gt.zeros(4, 2), gt.eye(2))
    assert m.batch_shape == (4,) and m.event_shape == (2,) and m.entropy().shape == (4,)
    c = gd.Categorical(logits=gt.zeros(5, 3))
    assert c.enumerate_support().shape == (3, 5)


@pytest.mark.parametrize("make,batch", [
    (lambda m, T: m.Normal(T([0.0, 1.0]), T([1.0, 2.0])), (3, 2)),
    (lambda m, T: m.Uniform(T([0.0, 1.0]), T([1.0, 2.0])), (3, 2)),
    (lambda m, T: m.Bernoulli(logits=T([0.3, -1.0])), (3, 2)),
    (lambda m, T: m.Categorical(probs=T([[0.2, 0.8], [0.5, 0.5]])), (4, 2)),
    (lambda m, T: m.OneHotCategorical(logits=T([[0.2, 0.8], [0.5, 0.5]])), (4, 2)),
    (lambda m, T: m.Gamma(T([2.0, 3.0]), T([1.0, 0.5])), (3, 2)),
    (lambda m, T: m.Beta(T([2.0, 3.0]), T([1.0, 0.5])), (3, 2)),
    (lambda m, T: m.Dirichlet(T([2.0, 3.0, 1.0])), (4,)),
    (lambda m, T: m.MultivariateNormal(T([0.0, 1.0]), T([[2.0, 0.3], [0.3, 1.0]])), (3,)),
    (lambda m, T: m.Independent(m.Normal(T([[0.0, 1.0]]), T([[1.0, 2.0]])), 1), (5, 1)),
])
def test_expand_against_torch(make, batch):
    dt = make(td, lambda v: torch.tensor(v, dtype=torch.float64)).expand(batch)
    dg = make(gd, lambda v: gt.tensor(v, dtype=gt.float64)).expand(batch)
    assert dg.batch_shape == dt.batch_shape and dg.event_shape == dt.event_shape
    value = dt.sample((2,))
    np.testing.assert_allclose(dg.log_prob(gt.tensor(value.numpy())).numpy(), dt.log_prob(value).numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(dg.entropy().numpy(), dt.entropy().numpy(), rtol=1e-10)
    assert tuple(dg.sample((2,)).shape) == tuple(value.shape)
