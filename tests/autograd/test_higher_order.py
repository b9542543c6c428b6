"""create_graph=True: gradients of gradients, compared with torch."""

from __future__ import annotations

import numpy as np
import torch
from compare import assert_close, gradchecks

import glasstorch as gt

rng = np.random.default_rng(0)


def both(arr, requires_grad=True):
    return gt.tensor(arr, requires_grad=requires_grad), torch.tensor(arr, requires_grad=requires_grad)


def test_second_derivative_of_a_scalar_function():
    xg, xt = both(np.array([0.3, -1.2, 2.0]))
    res = []
    for lib, x in ((gt, xg), (torch, xt)):
        y = (x ** 3 * x.sin()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        assert g.requires_grad and g.grad_fn is not None
        (h,) = lib.autograd.grad(g.sum(), x)
        res.append((g, h))
    assert_close(res[0][0], res[1][0])
    assert_close(res[0][1], res[1][1])


def test_hessian_vector_product():
    A = rng.standard_normal((4, 4))
    v = rng.standard_normal(4)
    x0 = rng.standard_normal(4)
    res = []
    for lib in (gt, torch):
        x = lib.tensor(x0, requires_grad=True)
        a = lib.tensor(A)
        f = ((a @ x).tanh() ** 2).sum() + (x * x * x).sum()
        (g,) = lib.autograd.grad(f, x, create_graph=True)
        (hv,) = lib.autograd.grad(g, x, grad_outputs=lib.tensor(v))
        res.append(hv)
    assert_close(res[0], res[1])
    # and the same through backward(create_graph=True) + a second backward
    out = []
    for lib in (gt, torch):
        x = lib.tensor(x0, requires_grad=True)
        f = (x.exp() * x).sum()
        f.backward(create_graph=True)
        gx = x.grad
        x.grad = None
        (gx * lib.tensor(v)).sum().backward()
        out.append((gx.detach(), x.grad))
    assert_close(out[0], out[1])


def _mlp(lib, x, params):
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).tanh()
    return h @ w2 + b2


def test_gradient_penalty_on_a_tiny_mlp():
    """WGAN-GP: penalty ((||dD(x)/dx|| - 1)^2).mean(), differentiated w.r.t. the weights."""
    shapes = [(3, 5), (5,), (5, 1), (1,)]
    init = [rng.standard_normal(s) * 0.7 for s in shapes]
    xs = rng.standard_normal((4, 3))
    res = []
    for lib in (gt, torch):
        params = [lib.tensor(p, requires_grad=True) for p in init]
        x = lib.tensor(xs, requires_grad=True)
        d = _mlp(lib, x, params)
        (gx,) = lib.autograd.grad(d.sum(), x, create_graph=True)
        penalty = ((gx.pow(2).sum(dim=1).sqrt() - 1) ** 2).mean()
        loss = d.mean() + 10 * penalty
        loss.backward()
        res.append((penalty.detach(), [p.grad for p in params], x.grad))
    assert_close(res[0][0], res[1][0])
    assert_close(res[0][1], res[1][1])
    assert_close(res[0][2], res[1][2])


def test_third_derivative():
    out = []
    for lib in (gt, torch):
        x = lib.tensor([0.7, 1.3], dtype=lib.float64, requires_grad=True)
        y = (x.exp() * x.cos()).sum()
        g1 = lib.autograd.grad(y, x, create_graph=True)[0]
        g2 = lib.autograd.grad(g1.sum(), x, create_graph=True)[0]
        g3 = lib.autograd.grad(g2.sum(), x)[0]
        out.append((g1, g2, g3))
    assert_close(out[0], out[1])


def test_create_graph_false_gives_constant_gradients():
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = gt.autograd.grad((x * x).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_double_backward_through_broadcasting_and_reductions():
    gradchecks(lambda a, b: ((a * b).sum(dim=0) / (b.exp() + 1).mean()).tanh(),
               rng.standard_normal((3, 2)), rng.standard_normal((2,)))


def test_grad_of_grad_with_retain_graph_twice():
    x = gt.tensor([0.5, -0.5], dtype=gt.float64, requires_grad=True)
    y = (x ** 4).sum()
    (g,) = gt.autograd.grad(y, x, create_graph=True)
    h1 = gt.autograd.grad(g.sum(), x, retain_graph=True)[0]
    h2 = gt.autograd.grad(g.sum(), x)[0]
    np.testing.assert_allclose(h1.numpy(), 12 * x.detach().numpy() ** 2)
    np.testing.assert_allclose(h2.numpy(), h1.numpy())
