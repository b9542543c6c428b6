"""glasstorch.linalg against torch.linalg: values, gradients, gradcheck, errors."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch
from compare import assert_close, check, gradchecks

import glasstorch as gt


def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def _spd(rng, *shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _sign_free(out):
    """Decomposition outputs with each singular/eigen vector's sign taken out (squared entries)."""
    return [o * o if o.dim() >= 2 else o for o in out]


def _cases():
    r = _rng("cases")
    sq = r.standard_normal((2, 3, 3))
    tall, wide = r.standard_normal((4, 3)), r.standard_normal((3, 5))
    rhs = r.standard_normal((2, 3, 2))
    spd = _spd(r, 2, 3, 3)
    return [
        ("inv", lambda m, a: m.linalg.inv(a), [sq]),
        ("det", lambda m, a: m.linalg.det(a), [sq]),
        ("slogdet", lambda m, a: tuple(m.linalg.slogdet(a)), [sq]),
        ("solve", lambda m, a, b: m.linalg.solve(a, b), [sq, rhs]),
        ("solve_vector", lambda m, a, b: m.linalg.solve(a, b), [sq[0], rhs[0, :, 0]]),
        ("solve_broadcast", lambda m, a, b: m.linalg.solve(a, b), [sq, rhs[0]]),
        ("solve_right", lambda m, a, b: m.linalg.solve(a, b, left=False), [sq, np.swapaxes(rhs, -1, -2)]),
        ("cholesky", lambda m, a: m.linalg.cholesky(a), [spd]),
        ("cholesky_upper", lambda m, a: m.linalg.cholesky(a, upper=True), [spd[0]]),
        ("qr_tall", lambda m, a: tuple(m.linalg.qr(a)), [tall]),
        ("qr_wide", lambda m, a: tuple(m.linalg.qr(a)), [wide]),
        ("qr_batch", lambda m, a: tuple(m.linalg.qr(a)), [sq]),
        ("eigh", lambda m, a: _sign_free(m.linalg.eigh(a)), [spd]),
        ("eigh_upper", lambda m, a: _sign_free(m.linalg.eigh(a, UPLO="U")), [sq[0]]),
        ("eigvalsh", lambda m, a: m.linalg.eigvalsh(a), [sq]),
        ("svd_tall", lambda m, a: _sign_free(m.linalg.svd(a, full_matrices=False)), [tall]),
        ("svd_wide", lambda m, a: _sign_free(m.linalg.svd(a, full_matrices=False)), [wide]),
        ("svd_full", lambda m, a: _sign_free(m.linalg.svd(a)), [tall]),
        ("svd_batch", lambda m, a: _sign_free(m.linalg.svd(a)), [sq]),
        ("svdvals", lambda m, a: m.linalg.svdvals(a), [wide]),
        ("pinv_tall", lambda m, a: m.linalg.pinv(a), [tall]),
        ("pinv_wide", lambda m, a: m.linalg.pinv(a), [wide]),
        ("lstsq", lambda m, a, b: m.linalg.lstsq(a, b).solution, [tall, r.standard_normal((4, 2))]),
        ("lstsq_vector", lambda m, a, b: m.linalg.lstsq(a, b).solution, [tall, r.standard_normal(4)]),
        ("matrix_power_5", lambda m, a: m.linalg.matrix_power(a, 5), [sq]),
        ("matrix_power_neg", lambda m, a: m.linalg.matrix_power(a, -2), [sq]),
        ("matrix_power_1", lambda m, a: m.linalg.matrix_power(a, 1), [sq[0]]),
        ("cross", lambda m, a, b: m.linalg.cross(a, b), [tall, r.standard_normal((4, 3))]),
        ("cross_dim0", lambda m, a, b: m.linalg.cross(a, b, dim=0), [wide, r.standard_normal((3, 1))]),
        ("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [tall[:, 0].copy(), tall, wide]),
        ("multi_dot_mats", lambda m, a, b: m.linalg.multi_dot([a, b]), [tall, wide]),
        ("norm", lambda m, a: m.linalg.norm(a), [sq]),
        ("norm_dim", lambda m, a: m.linalg.norm(a, dim=1, keepdim=True), [sq]),
        ("norm_ord_1d", lambda m, a: m.linalg.norm(a, 3), [tall[:, 0].copy()]),
        ("norm_nuc", lambda m, a: m.linalg.norm(a, "nuc"), [tall]),
        ("norm_matrix_dims", lambda m, a: m.linalg.norm(a, 1, dim=(0, 2)), [sq]),
        ("vector_norm", lambda m, a: m.linalg.vector_norm(a, 3, dim=(0, 2)), [sq]),
        ("vector_norm_inf", lambda m, a: m.linalg.vector_norm(a, float("inf")), [tall]),
        ("vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [tall, r.standard_normal((4, 3))]),
    ] + [(f"matrix_norm_{o}", (lambda k: lambda m, a: m.linalg.matrix_norm(a, k))(o), [sq])
         for o in ("fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf"))] + [
        ("matrix_norm_keepdim", lambda m, a: m.linalg.matrix_norm(a, 2, dim=(2, 0), keepdim=True), [sq]),
    ]


CASES = _cases()


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_against_torch(name, fn, arrays, dtype):
    arrays = [a.astype(dtype) for a in arrays]
    tol = {} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-5}
    check(lambda *x: fn(gt, *x), lambda *x: fn(torch, *x), *arrays, msg=name, **tol)


# ops whose finite differences are smooth at these inputs (no repeated singular values)
GRADCHECKED = ["inv", "det", "slogdet", "solve", "solve_right", "cholesky", "qr_tall", "qr_wide", "eigh",
               "eigvalsh", "svd_tall", "svd_wide", "svdvals", "pinv_tall", "lstsq", "matrix_power_neg",
               "cross", "multi_dot", "matrix_norm_nuc", "matrix_norm_2"]
TWICE = {"inv", "det", "solve", "cholesky", "qr_tall", "eigh", "svdvals", "pinv_wide"}


@pytest.mark.parametrize("name", GRADCHECKED)
def test_gradcheck(name):
    fn, arrays = next((f, a) for n, f, a in CASES if n == name)
    if name == "cholesky":  # finite differences must keep A symmetric
        gradchecks(lambda a: gt.linalg.cholesky(a + a.mT), arrays[0][0] / 2, second=name in TWICE)
        return
    if name in ("eigh", "eigvalsh"):  # only one triangle is read: perturb both together
        gradchecks(lambda a: fn(gt, a + a.mT), arrays[0][0] / 2, second=name in TWICE)
        return
    gradchecks(lambda *x: fn(gt, *x), *arrays, second=name in TWICE)


def test_values_reconstruct():
    a = _rng("rec").standard_normal((2, 4, 3))
    u, s, vh = gt.linalg.svd(gt.tensor(a), full_matrices=False)
    np.testing.assert_allclose((u * s.unsqueeze(-2) @ vh).numpy(), a, atol=1e-12)
    q, r = gt.linalg.qr(gt.tensor(a))
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    assert gt.linalg.qr(gt.tensor(a), mode="complete").Q.shape == (2, 4, 4)
    qr_r = gt.linalg.qr(gt.tensor(a), mode="r")
    assert qr_r.Q.shape == (0,) and qr_r.R.shape == (2, 3, 3)
    spd = _spd(_rng("spd"), 3, 3)
    w, v = gt.linalg.eigh(gt.tensor(spd))
    np.testing.assert_allclose((v * w @ v.mT).numpy(), spd, atol=1e-12)


def test_return_types_and_extras():
    a = gt.tensor(_spd(_rng("extras"), 3, 3))
    ta = torch.tensor(a.numpy())
    for ex in ("inv_ex", "cholesky_ex"):
        res, tres = getattr(gt.linalg, ex)(a), getattr(torch.linalg, ex)(ta)
        assert type(res).__name__ == type(tres).__name__
        assert (res[0].shape, res[1].shape) == (tuple(tres[0].shape), tuple(tres[1].shape))
        assert_close(res[0], tres[0])
        assert res.info.dtype == gt.int32 and res.info.shape == ()
    b = gt.ones(3, 2, dtype=gt.float64)
    assert_close(gt.linalg.solve_ex(a, b).result, torch.linalg.solve_ex(ta, torch.ones(3, 2, dtype=torch.float64)).result)
    assert gt.linalg.slogdet(a)._fields == ("sign", "logabsdet")
    assert gt.linalg.eigh(a)._fields == ("eigenvalues", "eigenvectors")
    assert gt.linalg.svd(a)._fields == ("U", "S", "Vh")
    low = np.diag([1.0, 2.0, 0.0])
    assert gt.linalg.matrix_rank(gt.tensor(low)).item() == 2 == torch.linalg.matrix_rank(torch.tensor(low)).item()
    assert_close(gt.linalg.diagonal(a, offset=1), torch.linalg.diagonal(ta, offset=1))
    eye = gt.linalg.matrix_power(a, 0)
    assert_close(eye, torch.linalg.matrix_power(ta, 0))


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss"])
def test_lstsq_fields(driver):
    r = _rng("lstsq")
    a, b = r.standard_normal((2, 5, 3)), r.standard_normal((2, 5, 2))
    res = gt.linalg.lstsq(gt.tensor(a), gt.tensor(b), driver=driver)
    tres = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for f in ("solution", "residuals", "rank", "singular_values"):
        assert_close(getattr(res, f), getattr(tres, f), msg=f)


ERRORS = [
    ("inv_singular", lambda m: m.linalg.inv(m.zeros(2, 2))),
    ("inv_nonsquare", lambda m: m.linalg.inv(m.zeros(2, 3))),
    ("inv_1d", lambda m: m.linalg.inv(m.zeros(3))),
    ("inv_int", lambda m: m.linalg.inv(m.zeros(2, 2, dtype=m.int64))),
    ("solve_singular", lambda m: m.linalg.solve(m.zeros(2, 2), m.ones(2))),
    ("solve_shapes", lambda m: m.linalg.solve(m.eye(2), m.ones(3))),
    ("solve_dtypes", lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64))),
    ("cholesky_not_pd", lambda m: m.linalg.cholesky(-m.eye(2))),
    ("cholesky_minor_2", lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]]))),
    ("det_nonsquare", lambda m: m.linalg.det(m.zeros(2, 3))),
    ("eigh_nonsquare", lambda m: m.linalg.eigh(m.zeros(2, 3))),
    ("eigh_uplo", lambda m: m.linalg.eigh(m.eye(2), UPLO="X")),
    ("cross_len", lambda m: m.linalg.cross(m.zeros(2, 2), m.zeros(2, 2))),
    ("matrix_power_singular", lambda m: m.linalg.matrix_power(m.zeros(2, 2), -1)),
    ("multi_dot_one", lambda m: m.linalg.multi_dot([m.zeros(2, 2)])),
    ("svd_1d", lambda m: m.linalg.svd(m.zeros(3))),
    ("norm_3d_ord", lambda m: m.linalg.norm(m.zeros(2, 2, 2), ord=2)),
    ("matrix_norm_1d", lambda m: m.linalg.matrix_norm(m.zeros(2), ord=2)),
    ("matrix_norm_ord", lambda m: m.linalg.matrix_norm(m.zeros(2, 2), ord=3)),
    ("qr_mode", lambda m: m.linalg.qr(m.zeros(2, 2), mode="x")),
    ("lstsq_rows", lambda m: m.linalg.lstsq(m.zeros(3, 2), m.zeros(4, 2))),
    ("vector_norm_int", lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int64))),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_torch(name, fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ge:
        fn(gt)
    assert isinstance(ge.value, RuntimeError) == isinstance(te.value, RuntimeError)
    assert isinstance(ge.value, gt.linalg.LinAlgError) == isinstance(te.value, torch.linalg.LinAlgError), name
    tw, gw = str(te.value), str(ge.value)
    if isinstance(te.value, torch.linalg.LinAlgError):  # same kind of failure named
        assert ("singular" in tw) == ("singular" in gw) and ("positive-definite" in tw) == ("positive-definite" in gw)
        assert tw.split(":")[0] == gw.split(":")[0]
    else:
        assert gw == tw, name


def test_qr_mode_r_backward_raises():
    a = gt.randn(3, 2, dtype=gt.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        gt.linalg.qr(a, mode="r").R.sum().backward()


def test_out_and_namespace():
    import glasstorch.linalg as L

    assert L is gt.linalg and gt.linalg.LinAlgError.__mro__[1] is RuntimeError
    out = gt.empty(2, 2, dtype=gt.float64)
    gt.linalg.inv(gt.eye(2, dtype=gt.float64) * 2, out=out)
    np.testing.assert_allclose(out.numpy(), np.eye(2) / 2)


TOP = [
    ("det", lambda m, a: m.det(a)), ("det_method", lambda m, a: a.det()), ("inverse", lambda m, a: m.inverse(a)),
    ("inverse_method", lambda m, a: a.inverse()), ("logdet", lambda m, a: m.logdet(a @ a.mT)),
    ("slogdet", lambda m, a: tuple(m.slogdet(a))), ("pinverse", lambda m, a: m.pinverse(a)),
    ("matrix_power_method", lambda m, a: a.matrix_power(3)),
]


@pytest.mark.parametrize("name,fn", TOP, ids=[t[0] for t in TOP])
def test_torch_namespace_spellings(name, fn):
    check(lambda a: fn(gt, a), lambda a: fn(torch, a), _rng(name).standard_normal((2, 3, 3)), msg=name)
    if name == "slogdet":
        assert type(gt.slogdet(gt.eye(2))).__name__ == type(torch.slogdet(torch.eye(2))).__name__


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular_against_torch(upper, left, unitriangular):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((2, 3, 4)) if left else rng.standard_normal((2, 4, 3))
    ga, gb = (gt.tensor(v, requires_grad=True) for v in (a, b))
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    got = gt.linalg.solve_triangular(ga, gb, upper=upper, left=left, unitriangular=unitriangular)
    want = torch.linalg.solve_triangular(ta, tb, upper=upper, left=left, unitriangular=unitriangular)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(tuple(want.shape))
    (got * gt.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(gb.grad.numpy(), tb.grad.numpy(), rtol=1e-9, atol=1e-11)
    assert gt.autograd.gradcheck(
        lambda m, r: gt.linalg.solve_triangular(m, r, upper=upper, left=left, unitriangular=unitriangular),
        (ga.detach().requires_grad_(), gb.detach().requires_grad_()))


def test_matrix_exp_and_householder_product_against_torch():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 4, 4)) * 0.7
    ga, ta = gt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    np.testing.assert_allclose(gt.linalg.matrix_exp(ga).detach().numpy(),
                               torch.linalg.matrix_exp(ta).detach().numpy(), rtol=1e-10, atol=1e-12)
    gt.linalg.matrix_exp(ga).sum().backward()
    torch.linalg.matrix_exp(ta).sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-11)
    v, tau = rng.standard_normal((5, 3)), rng.uniform(0.5, 1.5, 3)
    np.testing.assert_allclose(gt.linalg.householder_product(gt.tensor(v), gt.tensor(tau)).numpy(),
                               torch.linalg.householder_product(torch.tensor(v), torch.tensor(tau)).numpy(),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="square"):
        gt.linalg.matrix_exp(gt.ones(2, 3))
