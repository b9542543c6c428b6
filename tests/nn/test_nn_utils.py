"""nn.utils: gradient clipping and parameter/vector conversion against torch."""

import math

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.nn as nn
from glasstorch.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

rng = np.random.default_rng(0)


def params_with_grads(lib, grads):
    ps = []
    for g in grads:
        p = lib.nn.Parameter(lib.tensor(np.zeros_like(g)))
        p.grad = lib.tensor(g.copy())
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5), rng.standard_normal(())]
    pg, pt = params_with_grads(gt, grads), params_with_grads(torch, grads)
    tg = clip_grad_norm_(pg, max_norm, norm_type)
    tt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type)
    assert isinstance(tg, gt.Tensor) and tg.ndim == 0 and tg.dtype == gt.float64
    np.testing.assert_allclose(tg.item(), tt.item(), rtol=1e-12)
    for a, b in zip(pg, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(gt.ones(3))
    assert clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    p.grad = gt.tensor([float("nan"), 1.0, 2.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert math.isnan(clip_grad_norm_(p, 1.0).item())
    q = nn.Parameter(gt.ones(2))
    q.grad = gt.tensor([3.0, 4.0])
    total = clip_grad_norm_(q, 1.0)  # a single tensor works too
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(q.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    m = nn.Linear(3, 2)
    m(gt.randn(4, 3)).sum().backward()
    clip_grad_norm_(m.parameters(), 0.1)
    total = math.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum() for p in m.parameters()))
    assert total == pytest.approx(0.1, rel=1e-4)


def test_clip_grad_value():
    grads = [rng.standard_normal((3, 4)) * 3]
    pg, pt = params_with_grads(gt, grads), params_with_grads(torch, grads)
    assert clip_grad_value_(pg, 0.5) is None
    torch.nn.utils.clip_grad_value_(pt, 0.5)
    np.testing.assert_array_equal(pg[0].grad.numpy(), pt[0].grad.numpy())


def test_parameters_to_vector_round_trip():
    m_g, m_t = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    m_g.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in m_t.state_dict().items()})
    vg = parameters_to_vector(m_g.parameters())
    vt = torch.nn.utils.parameters_to_vector(m_t.parameters())
    np.testing.assert_array_equal(vg.detach().numpy(), vt.detach().numpy())
    assert vg.shape == (8,) and vg.requires_grad
    new = gt.arange(8, dtype=gt.float32)
    vector_to_parameters(new, m_g.parameters())
    np.testing.assert_array_equal(m_g.weight.detach().numpy(), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(m_g.bias.detach().numpy(), [6, 7])
    assert isinstance(m_g.weight, nn.Parameter) and m_g.weight.requires_grad
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        vector_to_parameters([1, 2], m_g.parameters())


def test_parameter_repr():
    assert repr(nn.Parameter(gt.tensor([1.0, 2.0]))) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert repr(nn.Parameter(gt.tensor([1.0]), requires_grad=False)) == \
        repr(torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False))
