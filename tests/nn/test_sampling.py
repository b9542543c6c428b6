"""F.gumbel_softmax, F.grid_sample and F.affine_grid against torch (float64)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glasstorch as gt
import glasstorch.nn.functional as F
from glasstorch.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def _both(x):
    return torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)


def _close(a, b, tol=1e-12):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_against_torch(dims, mode, padding_mode, align_corners):
    x = rng.standard_normal((2, 3) + ((5, 6) if dims == 2 else (4, 5, 6)))
    g = rng.uniform(-1.3, 1.3, (2,) + ((4, 3) if dims == 2 else (2, 4, 3)) + (dims,))
    xt, xg = _both(x)
    gtt, gg = _both(g)
    yt = TF.grid_sample(xt, gtt, mode, padding_mode, align_corners)
    yg = F.grid_sample(xg, gg, mode, padding_mode, align_corners)
    _close(yg, yt)
    w = rng.standard_normal(tuple(yt.shape))
    (yt * torch.tensor(w)).sum().backward()
    (yg * gt.tensor(w)).sum().backward()
    _close(xg.grad, xt.grad)
    _close(gg.grad, gtt.grad, 1e-11)


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_affine_grid_then_grid_sample_against_torch(dims, align_corners, padding_mode):
    # a rotation and a shift, and the identity: its grid hits the borders exactly
    n = 2
    theta = rng.standard_normal((n, dims, dims + 1)) * 0.3 + np.eye(dims, dims + 1)
    theta[1] = np.eye(dims, dims + 1)
    size = [n, 2, 4, 5] if dims == 2 else [n, 2, 3, 4, 5]
    x = rng.standard_normal(tuple(size))
    tt, tg = _both(theta)
    xt, xg = _both(x)
    grid_t = TF.affine_grid(tt, size, align_corners=align_corners)
    grid_g = F.affine_grid(tg, size, align_corners=align_corners)
    _close(grid_g, grid_t)
    yt = TF.grid_sample(xt, grid_t, "bilinear", padding_mode, align_corners)
    yg = F.grid_sample(xg, grid_g, "bilinear", padding_mode, align_corners)
    _close(yg, yt)
    w = rng.standard_normal(tuple(yt.shape))
    (yt * torch.tensor(w)).sum().backward()
    (yg * gt.tensor(w)).sum().backward()
    _close(xg.grad, xt.grad)
    _close(tg.grad, tt.grad, 1e-10)


def test_grid_sample_gradcheck_and_gradgradcheck():
    x = gt.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = gt.tensor(rng.uniform(-0.9, 0.9, (1, 2, 2, 2)), requires_grad=True)
    for pad in ("zeros", "reflection"):
        def f(a, b, pad=pad):
            return F.grid_sample(a, b, padding_mode=pad, align_corners=False)
        assert gradcheck(f, (x, g))
    assert gradgradcheck(f, (x, g))
    t = gt.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    assert gradcheck(lambda a: F.affine_grid(a, [2, 1, 3, 4], align_corners=False), (t,))


def test_grid_sample_and_affine_grid_errors_as_torch():
    x, g = gt.zeros(1, 1, 3, 3), gt.zeros(1, 2, 2, 2)
    cases = [
        (lambda m, a, b: m.grid_sample(a, b, mode="cubic", align_corners=False), ValueError),
        (lambda m, a, b: m.grid_sample(a, b, padding_mode="wrap", align_corners=False), ValueError),
    ]
    for fn, exc in cases:
        with pytest.raises(exc) as et:
            fn(TF, torch.zeros(1, 1, 3, 3), torch.zeros(1, 2, 2, 2))
        with pytest.raises(exc) as eg:
            fn(F, x, g)
        assert str(eg.value) == str(et.value)
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(gt.zeros(2, 1, 3, 3), g, align_corners=False)
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        F.grid_sample(x, gt.zeros(1, 2, 2, 3), align_corners=False)
    for theta, size in [(torch.zeros(1, 3, 3), [1, 1, 2, 2]), (torch.zeros(1, 2, 3), [1, 1, 2]),
                        (torch.zeros(1, 2, 3, dtype=torch.int64), [1, 1, 2, 2])]:
        with pytest.raises((ValueError, NotImplementedError)) as et:
            TF.affine_grid(theta, size, align_corners=False)
        with pytest.raises(type(et.value)) as eg:
            F.affine_grid(gt.tensor(theta.numpy()), size, align_corners=False)
        assert str(eg.value).replace("glasstorch", "torch") == str(et.value)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(gt.zeros(1, 2, 3), [1, 1, 2, 2])


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_against_torch_with_the_same_noise(hard, dim, monkeypatch):
    logits = rng.standard_normal((4, 5))
    gt.manual_seed(3)
    noise = gt.empty(4, 5, dtype=gt.float64).exponential_().numpy().copy()

    def exponential_(self, lambd=1.0, *, generator=None):
        with torch.no_grad():
            return self.copy_(torch.tensor(noise))

    monkeypatch.setattr(torch.Tensor, "exponential_", exponential_)
    lt, lg = _both(logits)
    yt = TF.gumbel_softmax(lt, tau=0.7, hard=hard, dim=dim)
    gt.manual_seed(3)
    yg = F.gumbel_softmax(lg, tau=0.7, hard=hard, dim=dim)
    _close(yg, yt)
    w = rng.standard_normal((4, 5))
    (yt * torch.tensor(w)).sum().backward()
    (yg * gt.tensor(w)).sum().backward()
    _close(lg.grad, lt.grad)


def test_gumbel_softmax_samples_follow_the_softmax():
    gt.manual_seed(0)
    logits = gt.tensor(np.log([[0.1, 0.2, 0.7]])).expand(20000, 3)
    y = F.gumbel_softmax(logits, hard=True)
    assert y.dtype == gt.float64 and set(np.unique(y.numpy())) == {0.0, 1.0}
    np.testing.assert_array_equal(y.numpy().sum(-1), 1.0)
    np.testing.assert_allclose(y.numpy().mean(0), [0.1, 0.2, 0.7], atol=0.015)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(gt.zeros(3, 4), eps=1e-5)
    soft = F.gumbel_softmax(gt.zeros(3, 4), tau=2.0)
    np.testing.assert_allclose(soft.numpy().sum(-1), 1.0, rtol=1e-6)
