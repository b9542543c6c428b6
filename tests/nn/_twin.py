"""Run a glasstorch module and its torch twin on the same weights and inputs."""

from __future__ import annotations

import numpy as np
import torch
from compare import assert_close

import glasstorch as gt


def copy_state(gt_mod, torch_mod) -> None:
    """Load torch's state_dict (through NumPy) into the glasstorch module; keys must match."""
    sd_t = torch_mod.state_dict()
    assert list(gt_mod.state_dict().keys()) == list(sd_t.keys())
    gt_mod.load_state_dict({k: gt.tensor(v.detach().numpy().copy()) for k, v in sd_t.items()})


def affine_twins(name, *args, dtype=np.float64):
    """``nn.<name>(*args)`` in both libraries, in ``dtype``, with the same weight in
    [0.5, 1.5] and bias in [-0.5, 0.5] (not the trivial ones and zeros)."""
    m_t = getattr(torch.nn, name)(*args).to(getattr(torch, np.dtype(dtype).name))
    m_g = getattr(gt.nn, name)(*args).to(getattr(gt, np.dtype(dtype).name))
    with torch.no_grad():
        m_t.weight.uniform_(0.5, 1.5)
        m_t.bias.uniform_(-0.5, 0.5)
    copy_state(m_g, m_t)
    return m_g, m_t


def run_twins(gt_mod, torch_mod, *arrays, train=True, seed=0, rtol=None, atol=None, grad=True):
    """Forward both on ``arrays``; compare outputs, input grads and parameter grads."""
    gt_mod.train(train)
    torch_mod.train(train)
    diff = [grad and a.dtype.kind == "f" for a in arrays]
    xs_g = [gt.tensor(a.copy(), requires_grad=d) for a, d in zip(arrays, diff)]
    xs_t = [torch.tensor(a.copy(), requires_grad=d) for a, d in zip(arrays, diff)]
    out_g, out_t = gt_mod(*xs_g), torch_mod(*xs_t)
    assert_close(out_g, out_t, rtol, atol, msg="forward")
    if not grad:
        return out_g, out_t
    w = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(out_t.detach().numpy().dtype)
    (out_g * gt.tensor(w)).sum().backward()
    (out_t * torch.from_numpy(w)).sum().backward()
    for i, (a, b) in enumerate(zip(xs_g, xs_t)):
        if b.requires_grad:
            assert_close(a.grad, b.grad, rtol, atol, msg=f"input grad {i}")
    params_t = dict(torch_mod.named_parameters())
    for name, p in gt_mod.named_parameters():
        pt = params_t[name]
        if pt.grad is None:
            assert p.grad is None or np.allclose(p.grad.numpy(), 0), name
        else:
            assert_close(p.grad, pt.grad, rtol, atol, msg=f"grad of {name}")
    return out_g, out_t
