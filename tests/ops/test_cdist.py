"""cdist, nansum/nanmean and the axis=/keepdims= aliases against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import assert_close, check, gradchecks

import glasstorch as gt

_RNG = np.random.default_rng(7)
_A, _B = _RNG.standard_normal((2, 4, 3)), _RNG.standard_normal((2, 5, 3))
_BIG_A, _BIG_B = _RNG.standard_normal((30, 3)), _RNG.standard_normal((6, 3))
_NAN = _RNG.standard_normal((3, 4))
_NAN[0, 1] = _NAN[2, 3] = _NAN[2, 0] = np.nan

CDIST = [(f"p{p}", (lambda q: lambda m, a, b: m.cdist(a, b, p=q))(p), [_A, _B])
         for p in (0.0, 1.0, 2.0, 3.0, 0.5, float("inf"))] + [
    ("mm_path", lambda m, a, b: m.cdist(a, b), [_BIG_A, _BIG_B]),
    ("mm_forced", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), [_A, _B]),
    ("mm_never", lambda m, a, b: m.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"), [_BIG_A, _BIG_B]),
    ("broadcast", lambda m, a, b: m.cdist(a, b), [_A, _B[:1]]),
]


@pytest.mark.parametrize("name,fn,arrays", CDIST, ids=[c[0] for c in CDIST])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cdist(name, fn, arrays, dtype):
    tol = {} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-5}
    check(lambda *a: fn(gt, *a), lambda *a: fn(torch, *a), *[a.astype(dtype) for a in arrays], msg=name, **tol)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, float("inf")])
def test_cdist_gradcheck(p):
    gradchecks(lambda a, b: gt.cdist(a, b, p=p), _A[0], _B[0], second=p == 2.0)


def test_cdist_zero_distance_gradient():
    x = gt.ones(2, 3, dtype=gt.float64, requires_grad=True)
    tx = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    gt.cdist(x, x.detach()).sum().backward()
    torch.cdist(tx, tx.detach()).sum().backward()
    assert_close(x.grad, tx.grad)


CDIST_ERRORS = [
    lambda m: m.cdist(m.ones(3), m.ones(2, 3)),
    lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4)),
    lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3), p=-1),
    lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3), compute_mode="x"),
    lambda m: m.cdist(m.ones(2, 3, dtype=m.int64), m.ones(2, 3, dtype=m.int64)),
    lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3, dtype=m.float64)),
]


@pytest.mark.parametrize("fn", CDIST_ERRORS)
def test_cdist_errors(fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value), match=None) as ge:
        fn(gt)
    assert str(ge.value) == str(te.value)


NAN_OPS = [
    ("nansum", lambda m, x: m.nansum(x)),
    ("nansum_dim", lambda m, x: m.nansum(x, 1, keepdim=True)),
    ("nansum_method", lambda m, x: x.nansum(dim=0)),
    ("nanmean", lambda m, x: m.nanmean(x)),
    ("nanmean_dim", lambda m, x: m.nanmean(x, dim=(0, 1))),
    ("nanmean_method", lambda m, x: x.nanmean(1)),
]


@pytest.mark.parametrize("name,fn", NAN_OPS, ids=[n[0] for n in NAN_OPS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_reductions(name, fn, dtype):
    check(lambda x: fn(gt, x), lambda x: fn(torch, x), _NAN.astype(dtype), msg=name)


def test_nan_reductions_ints_and_errors():
    assert_close(gt.nansum(gt.tensor([1, 2])), torch.nansum(torch.tensor([1, 2])))
    with pytest.raises(RuntimeError, match="nanmean\\(\\): expected input to have floating point"):
        gt.nanmean(gt.ones(2, dtype=gt.int64))
    gradchecks(lambda x: gt.nanmean(x, 0), np.where(np.isnan(_NAN), 0.0, _NAN), second=True)


ALIASES = [
    ("sum", lambda m, x: m.sum(x, axis=1, keepdims=True)),
    ("mean", lambda m, x: m.mean(x, axis=0)),
    ("prod", lambda m, x: m.prod(x, axis=1, keepdims=True)),
    ("max", lambda m, x: tuple(m.max(x, axis=1, keepdims=True))),
    ("min", lambda m, x: tuple(m.min(x, axis=0))),
    ("amax", lambda m, x: m.amax(x, axis=(0, 1))),
    ("amin", lambda m, x: m.amin(x, axis=1, keepdims=True)),
    ("argmax", lambda m, x: m.argmax(x, axis=1)),
    ("argmin", lambda m, x: m.argmin(x, axis=0, keepdims=True)),
    ("std", lambda m, x: m.std(x, axis=1, keepdims=True)),
    ("var", lambda m, x: m.var(x, axis=0)),
    ("all", lambda m, x: m.all(x > 0, axis=1)),
    ("any", lambda m, x: m.any(x > 0, axis=0, keepdims=True)),
    ("logsumexp", lambda m, x: m.logsumexp(x, axis=1, keepdims=True)),
    ("median", lambda m, x: tuple(m.median(x, axis=1))),
    ("nansum", lambda m, x: m.nansum(x, axis=1, keepdims=True)),
    ("cumsum", lambda m, x: m.cumsum(x, axis=1)),
    ("softmax", lambda m, x: m.softmax(x, axis=0)),
    ("cat", lambda m, x: m.cat([x, x], axis=1)),
    ("stack", lambda m, x: m.stack([x, x], axis=1)),
    ("squeeze", lambda m, x: m.squeeze(x[:1], axis=0)),
    ("unsqueeze", lambda m, x: m.unsqueeze(x, axis=1)),
    ("method_sum", lambda m, x: x.sum(axis=0, keepdims=True)),
    ("method_mean", lambda m, x: x.mean(axis=1)),
    ("method_max", lambda m, x: tuple(x.max(axis=1))),
    ("method_argmax", lambda m, x: x.argmax(axis=1)),
    ("method_std", lambda m, x: x.std(axis=0)),
    ("method_softmax", lambda m, x: x.softmax(axis=1)),
]


@pytest.mark.parametrize("name,fn", ALIASES, ids=[a[0] for a in ALIASES])
def test_axis_keepdims_aliases(name, fn):
    x = np.where(np.isnan(_NAN), 0.5, _NAN)
    check(lambda t: fn(gt, t), lambda t: fn(torch, t), x, msg=name)


def test_alias_conflicts():
    with pytest.raises(TypeError, match="multiple values"):
        gt.sum(gt.ones(2), dim=0, axis=0)
    assert gt.sum.__name__ == "sum" and "sum" in (gt.sum.__doc__ or "sum")
