"""Distributions against torch.distributions in float64: values and parameter gradients."""

import math

import numpy as np
import pytest
import torch
import torch.distributions as td

import glasstorch as gt
import glasstorch.distributions as gd
from glasstorch.autograd import gradcheck

rng = np.random.default_rng(0)


def _pos(*shape):
    return rng.uniform(0.5, 3.0, shape)


def _spd(n, batch=()):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _simplex(*shape):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


# name -> (params as arrays, builder(lib, *params), a valid value array)
CASES = {
    "normal": ([rng.standard_normal((3, 2)), _pos(3, 2)], lambda m, a, b: m.Normal(a, b),
               rng.standard_normal((4, 3, 2))),
    "uniform": ([rng.uniform(-2, -1, (3,)), rng.uniform(1, 2, (3,))], lambda m, a, b: m.Uniform(a, b),
                rng.uniform(-0.9, 0.9, (5, 3))),
    "categorical_probs": ([_simplex(2, 4)], lambda m, p: m.Categorical(probs=p),
                          rng.integers(0, 4, (3, 2)).astype(np.int64)),
    "categorical_logits": ([rng.standard_normal((2, 4))], lambda m, lg: m.Categorical(logits=lg),
                           rng.integers(0, 4, (3, 2)).astype(np.int64)),
    "onehot": ([rng.standard_normal((2, 4))], lambda m, lg: m.OneHotCategorical(logits=lg),
               np.eye(4)[rng.integers(0, 4, (3, 2))]),
    "bernoulli_probs": ([rng.uniform(0.1, 0.9, (3,))], lambda m, p: m.Bernoulli(probs=p),
                        rng.integers(0, 2, (2, 3)).astype(np.float64)),
    "bernoulli_logits": ([rng.standard_normal((3,))], lambda m, lg: m.Bernoulli(logits=lg),
                         rng.integers(0, 2, (2, 3)).astype(np.float64)),
    "beta": ([_pos(3), _pos(3)], lambda m, a, b: m.Beta(a, b), rng.uniform(0.05, 0.95, (2, 3))),
    "gamma": ([_pos(3), _pos(3)], lambda m, a, b: m.Gamma(a, b), rng.uniform(0.1, 4.0, (2, 3))),
    "dirichlet": ([_pos(2, 3)], lambda m, c: m.Dirichlet(c), _simplex(4, 2, 3)),
    "mvn_cov": ([rng.standard_normal((2, 3)), _spd(3, (2,))],
                lambda m, loc, c: m.MultivariateNormal(loc, covariance_matrix=c), rng.standard_normal((4, 2, 3))),
    "mvn_prec": ([rng.standard_normal(3), _spd(3)],
                 lambda m, loc, p: m.MultivariateNormal(loc, precision_matrix=p), rng.standard_normal((4, 3))),
    "mvn_tril": ([rng.standard_normal(3), np.linalg.cholesky(_spd(3, (2,)))],
                 lambda m, loc, s: m.MultivariateNormal(loc, scale_tril=s), rng.standard_normal((4, 2, 3))),
    "independent": ([rng.standard_normal((3, 2)), _pos(3, 2)],
                    lambda m, a, b: m.Independent(m.Normal(a, b), 1), rng.standard_normal((4, 3, 2))),
}


def _build(lib, case):
    params, make, value = CASES[case]
    if lib == "torch":
        ps = [torch.tensor(p, requires_grad=True) for p in params]
        return ps, make(td, *ps), torch.tensor(value)
    ps = [gt.tensor(p, requires_grad=True) for p in params]
    return ps, make(gd, *ps), gt.tensor(value)


def _compare(f, case, tol=1e-10, grad=True):
    pt, dt, vt = _build("torch", case)
    pg, dg, vg = _build("glasstorch", case)
    ot, og = f(dt, vt), f(dg, vg)
    assert tuple(og.shape) == tuple(ot.shape)
    assert str(og.dtype) == str(ot.dtype)
    np.testing.assert_allclose(og.detach().numpy(), ot.detach().numpy(), rtol=tol, atol=tol)
    if grad and ot.requires_grad:
        w = rng.standard_normal(tuple(ot.shape))
        gts = torch.autograd.grad((ot * torch.tensor(w)).sum(), pt, allow_unused=True)
        ggs = gt.autograd.grad((og * gt.tensor(w)).sum(), pg, allow_unused=True)
        for a, b in zip(ggs, gts):
            if b is None:
                continue
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("case", list(CASES))
def test_log_prob_entropy_against_torch(case):
    _compare(lambda d, v: d.log_prob(v), case)
    _compare(lambda d, v: d.entropy(), case)


@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("categorical")])
def test_mean_variance_against_torch(case):
    _compare(lambda d, v: d.mean, case)
    _compare(lambda d, v: d.variance, case)
    _compare(lambda d, v: d.stddev, case)


@pytest.mark.parametrize("case", ["normal", "gamma", "dirichlet", "mvn_cov", "categorical_probs", "onehot",
                                  "bernoulli_logits", "independent"])
def test_mode_against_torch(case):
    _compare(lambda d, v: d.mode, case)


def test_categorical_mean_variance_are_nan():
    d = gd.Categorical(probs=gt.tensor(_simplex(2, 3)))
    assert d.mean.shape == (2,) and bool(gt.isnan(d.mean).all()) and bool(gt.isnan(d.variance).all())


def test_normal_cdf_icdf_against_torch():
    _compare(lambda d, v: d.cdf(v), "normal")
    _compare(lambda d, v: d.icdf(torch.sigmoid(v) if isinstance(v, torch.Tensor) else gt.sigmoid(v)),
             "normal", tol=1e-9)
    _compare(lambda d, v: d.cdf(v), "uniform")


def test_mvn_derived_matrices_against_torch():
    for case in ("mvn_cov", "mvn_prec", "mvn_tril"):
        for attr in ("scale_tril", "covariance_matrix", "precision_matrix"):
            # the precision from a scale_tril: torch also passes gradient to the (unused) upper triangle
            grad = not (case == "mvn_tril" and attr == "precision_matrix")
            _compare(lambda d, v, a=attr: getattr(d, a), case, tol=1e-9, grad=grad)


KL_PAIRS = ["normal", "uniform", "categorical_probs", "categorical_logits", "onehot", "bernoulli_probs",
            "beta", "gamma", "dirichlet", "mvn_cov", "mvn_tril", "independent"]


@pytest.mark.parametrize("case", KL_PAIRS)
def test_kl_divergence_against_torch(case):
    params, make, _ = CASES[case]
    # q: the same family with other parameters of the same kind
    other = [p[::-1].copy() if p.ndim == 1 else np.flip(p, 0).copy() for p in params]
    if case == "uniform":
        other = [params[0] - 0.5, params[1] + 0.5]
    pt = [torch.tensor(p, requires_grad=True) for p in params + other]
    pg = [gt.tensor(p, requires_grad=True) for p in params + other]
    n = len(params)
    kt = td.kl_divergence(make(td, *pt[:n]), make(td, *pt[n:]))
    kg = gd.kl_divergence(make(gd, *pg[:n]), make(gd, *pg[n:]))
    assert tuple(kg.shape) == tuple(kt.shape)
    np.testing.assert_allclose(kg.detach().numpy(), kt.detach().numpy(), rtol=1e-10, atol=1e-10)
    gts = torch.autograd.grad(kt.sum(), pt)
    ggs = gt.autograd.grad(kg.sum(), pg)
    for a, b in zip(ggs, gts):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-9)


def test_kl_uniform_outside_support_is_inf_and_unknown_pair_raises():
    p, q = gd.Uniform(gt.tensor([0.0]), gt.tensor([2.0])), gd.Uniform(gt.tensor([0.5]), gt.tensor([1.0]))
    assert math.isinf(gd.kl_divergence(p, q).item())
    with pytest.raises(NotImplementedError, match="No KL"):
        gd.kl_divergence(gd.Normal(0.0, 1.0), gd.Gamma(1.0, 1.0))


def test_register_kl_dispatches_to_subclasses():
    class MyNormal(gd.Normal):
        pass

    @gd.register_kl(MyNormal, gd.Normal)
    def _kl(p, q):
        return gt.tensor(42.0)

    assert gd.kl_divergence(MyNormal(0.0, 1.0), gd.Normal(0.0, 1.0)).item() == 42.0
    assert gd.kl_divergence(gd.Normal(0.0, 1.0), MyNormal(1.0, 1.0)).item() == pytest.approx(0.5)
    with pytest.raises(TypeError):
        gd.register_kl(int, gd.Normal)


def test_special_functions_gradcheck():
    from glasstorch.distributions._special import digamma, erfinv, lgamma, polygamma

    x = gt.tensor([0.3, 1.7, 6.0, 25.0], dtype=gt.float64, requires_grad=True)
    for f in (lgamma, digamma, lambda t: polygamma(1, t)):
        assert gradcheck(f, (x,))
    assert gradcheck(erfinv, (gt.tensor([-0.7, 0.1, 0.95], dtype=gt.float64, requires_grad=True),))
    xs = np.concatenate([np.linspace(0.01, 40, 300), -np.linspace(0.05, 5.9, 50) + 1e-3])
    np.testing.assert_allclose(lgamma(gt.tensor(xs)).numpy(), torch.lgamma(torch.tensor(xs)).numpy(), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(digamma(gt.tensor(xs)).numpy(), torch.digamma(torch.tensor(xs)).numpy(),
                               rtol=1e-11, atol=1e-11)


def test_linalg_helpers_gradcheck():
    from glasstorch.linalg import cholesky, solve_triangular

    a = gt.tensor(_spd(3, (2,)), requires_grad=True)
    assert gradcheck(lambda m: cholesky(0.5 * (m + m.mT)), (a,))
    low = gt.tensor(np.linalg.cholesky(_spd(3)), requires_grad=True)
    b = gt.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda m, r: solve_triangular(m, r, upper=False), (low, b))
    with pytest.raises(RuntimeError, match="positive-definite"):
        cholesky(gt.tensor([[1.0, 2.0], [2.0, 1.0]]))


def test_gamma_cdf_against_torch():
    c, r = rng.uniform(0.3, 40.0, (6,)), rng.uniform(0.2, 3.0, (6,))
    value = rng.uniform(0.01, 30.0, (3, 6))
    ct, rt, vt = (torch.tensor(a, requires_grad=True) for a in (c, r, value))
    cg, rg, vg = (gt.tensor(a, requires_grad=True) for a in (c, r, value))
    ft, fg = td.Gamma(ct, rt).cdf(vt), gd.Gamma(cg, rg).cdf(vg)
    # torch's large-concentration expansion is good to ~1e-9 only
    np.testing.assert_allclose(fg.detach().numpy(), ft.detach().numpy(), rtol=1e-8, atol=1e-9)
    w = rng.standard_normal((3, 6))
    gts = torch.autograd.grad((ft * torch.tensor(w)).sum(), [rt, vt])
    ggs = gt.autograd.grad((fg * gt.tensor(w)).sum(), [cg, rg, vg])
    for a, b in zip(ggs[1:], gts):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-10)
    # torch has no gradient in the concentration: compare with a central difference
    h = 1e-6
    fd = ((td.Gamma(torch.tensor(c + h), torch.tensor(r)).cdf(torch.tensor(value))
           - td.Gamma(torch.tensor(c - h), torch.tensor(r)).cdf(torch.tensor(value))) / (2 * h))
    np.testing.assert_allclose(ggs[0].numpy(), (fd * torch.tensor(w)).sum(0).numpy(), rtol=1e-4, atol=1e-7)
