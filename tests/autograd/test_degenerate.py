"""Gradients at degenerate points: duplicated rows, zero vectors, size-1 normalisation.

torch is the reference for values and first derivatives. Where the second
derivatives differ (torch gives nan at an exact zero vector), central finite
differences are the judge: there normalize is linear (x / eps) and the
gradient of the norm is odd, so the derivative of |grad|^2 is 0.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt


def _grads(lib, f, x, second: bool):
    xt = lib.tensor(np.array(x), dtype=lib.float64, requires_grad=True)
    y = f(lib, xt)
    w = lib.tensor(np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)), dtype=lib.float64)
    (g,) = lib.autograd.grad((y * w).sum(), xt, create_graph=second)
    out = [y.detach().numpy(), g.detach().numpy()]
    if second:
        (h,) = lib.autograd.grad((g * g).sum(), xt)
        out.append(h.numpy())
    return out


def _central_fd_of_grad_norm(f, x, dim, h=1e-6):
    """d/dx |grad f|^2 by central differences, with torch's first derivative.

    The ops work along ``dim``, so x_i moves only the gradient entries of its
    own slice; summing just those keeps the huge 1/eps entries of a zero
    slice from drowning the others' differences.
    """
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        own = list(i)
        own[dim] = slice(None)
        plus = (_grads(torch, f, x + e, False)[1][tuple(own)] ** 2).sum()
        minus = (_grads(torch, f, x - e, False)[1][tuple(own)] ** 2).sum()
        out[i] = (plus - minus) / (2 * h)
    return out


def F(lib):
    return lib.nn.functional


SAME_AS_TORCH = {  # values, first and second derivatives equal torch's
    "std over duplicated rows": (lambda l, x: x.std(0), [[1.0, 2.0], [1.0, 2.0]]),
    "std, one column constant": (lambda l, x: x.std(0).exp(), [[1.0, 2.0], [1.0, 3.0]]),
    "std over all of a constant": (lambda l, x: x.std(), [[3.0, 3.0], [3.0, 3.0]]),
    "std keepdim in a chain": (lambda l, x: x / (x.std(1, keepdim=True) + 1), [[1.0, 1.0], [1.0, 3.0]]),
    "biased std of one row": (lambda l, x: x.std(0, unbiased=False), [[1.0, 2.0]]),
    "var over duplicated rows": (lambda l, x: x.var(0), [[1.0, 2.0], [1.0, 2.0]]),
    "layer_norm over a size-1 dim": (lambda l, x: F(l).layer_norm(x, (1,)), [[1.0], [2.0], [5.0]]),
    "layer_norm over 1x1": (lambda l, x: F(l).layer_norm(x, (1, 1)), [[[1.0]], [[2.0]]]),
    "layer_norm size 1 in a chain": (lambda l, x: F(l).layer_norm(x.exp(), (1,)) * x, [[1.0], [2.0]]),
    "layer_norm of a constant row": (lambda l, x: F(l).layer_norm(x, (3,)), [[2.0, 2.0, 2.0]]),
    "group_norm of size-1 groups": (lambda l, x: F(l).group_norm(x.reshape(2, 2, 1), 2), [[1.0, 2.0], [3.0, 4.0]]),
    "normalize below eps": (lambda l, x: F(l).normalize(x, dim=1), [[1e-13, 2e-13], [1e-12, 0.0]]),
    "normalize at eps": (lambda l, x: F(l).normalize(x, dim=1), [[6e-13, 8e-13], [1.0, 2.0]]),
}


@pytest.mark.parametrize("case", list(SAME_AS_TORCH))
def test_degenerate_point_matches_torch(case):
    f, x = SAME_AS_TORCH[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got, want = _grads(gt, f, x, True), _grads(torch, f, x, True)
    for order, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, equal_nan=True, err_msg=f"{case}, order {order}")


AT_ZERO = {  # torch's second derivative is nan here; finite differences say 0
    "normalize of a zero row": (lambda l, x: F(l).normalize(x, dim=1), [[0.0, 0.0], [3.0, 4.0]], 1),
    "normalize of a zero column": (lambda l, x: F(l).normalize(x, dim=0), [[0.0, 1.0], [0.0, 2.0]], 0),
    "norm of a zero row": (lambda l, x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]], 1),
}


@pytest.mark.parametrize("case", list(AT_ZERO))
def test_zero_vector_second_derivative_follows_finite_differences(case):
    f, x, dim = AT_ZERO[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got, want = _grads(gt, f, x, True), _grads(torch, f, x, True)
        fd = _central_fd_of_grad_norm(f, x, dim)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-12)
    assert np.isnan(want[2]).any()  # torch's nan, where the finite differences are finite
    np.testing.assert_allclose(got[2], fd, rtol=1e-4, atol=1e-6)
    finite = ~np.isnan(want[2])
    np.testing.assert_allclose(got[2][finite], want[2][finite], rtol=1e-9, atol=1e-12)


def test_size_one_layer_norm_passes_gradgradcheck():
    x = gt.tensor(np.array([[0.3], [-1.2], [2.0]]), requires_grad=True)
    w = gt.tensor(np.array([1.5]), requires_grad=True)
    b = gt.tensor(np.array([-0.5]), requires_grad=True)
    fn = lambda x, w, b: gt.nn.functional.layer_norm(x * x, (1,), w, b) * x  # noqa: E731
    assert gt.autograd.gradcheck(fn, (x, w, b))
    assert gt.autograd.gradgradcheck(fn, (x, w, b))
