"""torch's ``out=`` keyword: the result lands in ``out``, which is returned."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.ops._registry import OPS

A = np.array([[0.5, -1.0, 2.0], [3.0, -0.25, 1.5]], dtype=np.float32)
B = np.array([[1.0, 2.0, -1.0], [0.5, 4.0, -2.0]], dtype=np.float32)

CASES = {
    "tanh": lambda m, a, b, out: m.tanh(a, out=out),
    "exp": lambda m, a, b, out: m.exp(a, out=out),
    "floor": lambda m, a, b, out: m.floor(a, out=out),
    "add": lambda m, a, b, out: m.add(a, b, alpha=2, out=out),
    "sub": lambda m, a, b, out: m.sub(a, b, out=out),
    "mul": lambda m, a, b, out: m.mul(a, b, out=out),
    "div": lambda m, a, b, out: m.div(a, b, out=out),
    "clamp": lambda m, a, b, out: m.clamp(a, -0.5, 1.0, out=out),
    "addmm": lambda m, a, b, out: m.addmm(a[:, :2], a, b.T, out=out),
    "cat": lambda m, a, b, out: m.cat([a, b], 1, out=out),
    "stack": lambda m, a, b, out: m.stack([a, b], out=out),
    "norm": lambda m, a, b, out: m.norm(a, 2, 1, False, out=out),
}


@pytest.mark.parametrize("name", CASES)
def test_out_gets_the_result_and_is_returned(name):
    fn = CASES[name]
    want = fn(torch, torch.tensor(A), torch.tensor(B), None)
    for fill in (np.zeros(want.shape, np.float32), np.zeros((0,), np.float32)):  # right shape; empty (resized)
        out_g, out_t = gt.tensor(fill), torch.tensor(fill)
        res_g = fn(gt, gt.tensor(A), gt.tensor(B), out_g)
        res_t = fn(torch, torch.tensor(A), torch.tensor(B), out_t)
        assert res_g is out_g and res_t is out_t
        assert out_g.shape == tuple(out_t.shape)
        np.testing.assert_allclose(out_g.numpy(), out_t.numpy(), rtol=1e-6)


def test_the_cases_are_the_registry_ops_flagged_out():
    assert all(OPS[name].out for name in CASES), [n for n in CASES if not OPS[n].out]


def test_comparison_into_a_bool_out():
    out = gt.zeros(2, 3, dtype=gt.bool)
    assert gt.lt(gt.tensor(A), gt.tensor(B), out=out) is out
    assert out.numpy().tolist() == (A < B).tolist()


def test_out_with_an_input_that_requires_grad_raises_as_torch():
    x = gt.tensor(A, requires_grad=True)
    out = gt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"tanh\(\): functions with out=\.\.\. arguments don't support automatic "
                                           r"differentiation, but one of the arguments requires grad\."):
        gt.tanh(x, out=out)
    assert out.numpy().tolist() == np.zeros((2, 3)).tolist()  # untouched
    with gt.no_grad():
        gt.tanh(x, out=out)
    np.testing.assert_allclose(out.numpy(), np.tanh(A), rtol=1e-6)


def test_out_of_a_narrower_kind_raises_as_torch():
    out = gt.zeros(2, 3, dtype=gt.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        gt.exp(gt.tensor(A), out=out)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        torch.exp(torch.tensor(A), out=torch.zeros(2, 3, dtype=torch.int64))


def test_out_of_another_shape_with_elements_is_resized_with_a_warning():
    out = gt.zeros(4)
    with pytest.warns(UserWarning, match=r"resized since it had shape \[4\]"):
        gt.exp(gt.tensor(A), out=out)
    assert out.shape == (2, 3)


def test_creation_and_random_functions_fill_out_in_its_dtype():
    for m in (gt, torch):
        out = m.empty(2, 3, dtype=m.int64)
        assert m.zeros(2, 3, out=out) is out and out.dtype == m.int64
        assert m.ones(2, 3, out=out) is out and out.numpy().tolist() == [[1] * 3] * 2
        assert m.full((2, 3), 7, out=out) is out and out.numpy().tolist() == [[7] * 3] * 2
        x = m.empty(4)
        assert m.rand(4, out=x) is x and 0 <= float(x.min()) and float(x.max()) < 1


def test_normalize_into_out():
    a = np.array([[3.0, 4.0], [1.0, 0.0]], dtype=np.float32)
    out_g, out_t = gt.empty(2, 2), torch.empty(2, 2)
    assert gt.nn.functional.normalize(gt.tensor(a), out=out_g) is out_g
    torch.nn.functional.normalize(torch.tensor(a), out=out_t)
    np.testing.assert_allclose(out_g.numpy(), out_t.numpy(), rtol=1e-6)


def test_normal_into_out():
    for m in (gt, torch):
        out = m.empty(3, 4)
        assert m.normal(2.0, 0.5, (3, 4), out=out) is out and out.shape == (3, 4)
        assert m.normal(m.zeros(3, 4), m.ones(3, 4), out=out) is out
        assert float(out.std()) > 0
