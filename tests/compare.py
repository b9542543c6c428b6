"""Helpers that compare glasstorch with PyTorch on the same inputs.

``check(fn_gt, fn_torch, *arrays)`` builds both frameworks' tensors from
the same NumPy arrays, runs both functions, and compares forward values,
shapes, dtypes and (for float inputs) the gradients of a random weighting
of the outputs.
"""

from __future__ import annotations

import numpy as np
import torch

import glasstorch as gt

TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-6), np.float16: (1e-2, 1e-3)}


def to_gt(a, requires_grad=False):
    t = gt.tensor(np.array(a, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def to_torch(a, requires_grad=False):
    t = torch.from_numpy(np.array(a, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def np_of(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_close(a, b, rtol=None, atol=None, check_dtype=True, msg=""):
    """Compare a glasstorch result with a torch result: dtype, shape and values."""
    if isinstance(b, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(b), msg
        for x, y in zip(a, b):
            assert_close(x, y, rtol, atol, check_dtype, msg)
        return
    if isinstance(b, torch.Tensor):
        assert isinstance(a, gt.Tensor), f"{msg}: expected a Tensor, got {type(a)}"
        an, bn = np_of(a), np_of(b)
        if check_dtype:
            assert str(a.dtype) == str(b.dtype), f"{msg}: dtype {a.dtype} != {b.dtype}"
        assert tuple(a.shape) == tuple(b.shape), f"{msg}: shape {tuple(a.shape)} != {tuple(b.shape)}"
        if an.dtype.kind == "f":
            r, t = TOL.get(bn.dtype.type, (1e-5, 1e-6))
            np.testing.assert_allclose(an, bn, rtol=rtol or r, atol=atol or t, err_msg=msg,
                                       equal_nan=True)
        else:
            np.testing.assert_array_equal(an, bn, err_msg=msg)
        return
    assert a == b, f"{msg}: {a} != {b}"


def check(fn_gt, fn_torch, *arrays, grad=True, rtol=None, atol=None, seed=0, msg=""):
    """Run both functions on the same inputs; compare outputs and input gradients."""
    diff = [grad and isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    xs_gt = [to_gt(a, d) if isinstance(a, np.ndarray) else a for a, d in zip(arrays, diff)]
    xs_t = [to_torch(a, d) if isinstance(a, np.ndarray) else a for a, d in zip(arrays, diff)]
    out_gt = fn_gt(*xs_gt)
    out_t = fn_torch(*xs_t)
    assert_close(out_gt, out_t, rtol, atol, msg=msg)
    if not any(diff):
        return out_gt, out_t
    outs_t = [o for o in (out_t if isinstance(out_t, (tuple, list)) else [out_t])
              if isinstance(o, torch.Tensor) and o.requires_grad]
    outs_gt = [o for o in (out_gt if isinstance(out_gt, (tuple, list)) else [out_gt])
               if isinstance(o, gt.Tensor) and o.requires_grad]
    assert len(outs_t) == len(outs_gt), f"{msg}: outputs needing grad differ"
    if not outs_t:
        return out_gt, out_t
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(tuple(o.shape)).astype(np_of(o).dtype) for o in outs_t]
    loss_t = sum((o * torch.from_numpy(w)).sum() for o, w in zip(outs_t, weights))
    loss_gt = sum((o * gt.tensor(w)).sum() for o, w in zip(outs_gt, weights))
    ins_t = [x for x, d in zip(xs_t, diff) if d]
    ins_gt = [x for x, d in zip(xs_gt, diff) if d]
    g_t = torch.autograd.grad(loss_t, ins_t, allow_unused=True)
    g_gt = gt.autograd.grad(loss_gt, ins_gt, allow_unused=True)
    for i, (a, b) in enumerate(zip(g_gt, g_t)):
        if b is None:
            assert a is None or np.allclose(np_of(a), 0), f"{msg}: grad {i} should be None/zero"
            continue
        assert a is not None, f"{msg}: grad {i} missing"
        assert_close(a, b, rtol, atol, msg=f"{msg} grad {i}")
    return out_gt, out_t


def gradchecks(fn_gt, *arrays, second=True, atol=1e-5, rtol=1e-3):
    """gradcheck (and gradgradcheck) ``fn_gt`` at float64 copies of ``arrays``."""
    xs = [to_gt(np.asarray(a, np.float64), True) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
          else a for a in arrays]
    assert gt.autograd.gradcheck(fn_gt, xs, atol=atol, rtol=rtol)
    if second:
        assert gt.autograd.gradgradcheck(fn_gt, xs, atol=atol, rtol=rtol)
