"""Reductions, scans, softmax and sorting against PyTorch, driven by one table.

Each entry of ``TABLE`` is ``(id, fn, inputs, flags)`` where ``fn(lib, *tensors)``
runs the op with ``lib`` being glasstorch or torch. Every entry is compared
with torch in float64 and float32 (values, shape, dtype, input gradients);
entries flagged for finite differences also pass gradcheck, and
gradgradcheck where the op is twice differentiable. Inputs for max/sort-type
ops have no ties, so finite differences are meaningful.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from compare import assert_close, check, gradchecks

import glasstorch as gt

RNG = np.random.default_rng(7)
INF = float("inf")


def distinct(*shape):
    """Values without ties (spaced at least 0.1 apart), in about [-2, 2]."""
    n = int(np.prod(shape, dtype=np.int64))
    v = (RNG.permutation(n) - n / 2) * (4.0 / max(n, 1)) + RNG.uniform(-0.01, 0.01, n)
    v = v + np.sign(v) * 0.05  # keep away from 0 (|x|, sign kinks)
    return v.reshape(shape)


def pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def ties():
    return np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, -5.0, 2.0], [0.5, -1.0, -1.0, 0.25]])


G = "gg"    # gradcheck + gradgradcheck
F = "fd"    # gradcheck only
N = "none"  # compare with torch only (ties, non-smooth points)

TABLE = [
    # sum / mean
    ("sum_all", lambda L, x: L.sum(x), [distinct(3, 4)], G),
    ("sum_0d", lambda L, x: L.sum(x), [np.array(1.5)], G),
    ("sum_0d_dim", lambda L, x: x.sum(0), [np.array(1.5)], G),
    ("sum_dim", lambda L, x: x.sum(1), [distinct(3, 4)], G),
    ("sum_negdim_keep", lambda L, x: x.sum(-1, keepdim=True), [distinct(2, 3, 4)], G),
    ("sum_tuple", lambda L, x: x.sum((0, 2)), [distinct(2, 3, 4)], G),
    ("sum_tuple_keep", lambda L, x: L.sum(x, (-1, 0), True), [distinct(2, 3, 4)], G),
    ("sum_empty", lambda L, x: x.sum(0), [np.zeros((0, 3))], F),
    ("sum_empty_all", lambda L, x: x.sum(), [np.zeros((0, 3))], F),
    ("sum_dtype", lambda L, x: x.sum(1, dtype=L.float64), [distinct(2, 3)], G),
    ("mean_all", lambda L, x: x.mean(), [distinct(3, 4)], G),
    ("mean_dim", lambda L, x: L.mean(x, -2), [distinct(2, 3, 4)], G),
    ("mean_tuple_keep", lambda L, x: x.mean((0, 1), keepdim=True), [distinct(2, 3, 4)], G),
    ("mean_0d", lambda L, x: x.mean(), [np.array(-0.7)], G),
    ("mean_empty_dim", lambda L, x: x.mean(1), [np.zeros((2, 0))], F),
    # prod
    ("prod_all", lambda L, x: x.prod(), [distinct(2, 3)], G),
    ("prod_dim", lambda L, x: x.prod(1), [distinct(3, 4)], G),
    ("prod_dim_keep", lambda L, x: L.prod(x, -1, keepdim=True), [distinct(2, 2, 3)], G),
    ("prod_one_zero", lambda L, x: x.prod(1), [np.array([[1.5, 0.0, 2.0], [0.5, -1.5, 3.0]])], G),
    ("prod_two_zeros", lambda L, x: x.prod(0), [np.array([[0.0, 2.0], [0.0, 0.0], [3.0, 1.2]])], G),
    ("prod_all_zero", lambda L, x: x.prod(), [np.array([[1.5, 0.0], [0.7, -2.0]])], G),
    ("prod_0d", lambda L, x: x.prod(0), [np.array(2.5)], G),
    # max / min family
    ("max_all", lambda L, x: x.max(), [distinct(3, 4)], G),
    ("min_all", lambda L, x: L.min(x), [distinct(3, 4)], G),
    ("max_all_ties", lambda L, x: x.max(), [ties()], N),
    ("min_all_ties", lambda L, x: x.min(), [ties()], N),
    ("max_dim", lambda L, x: x.max(1), [distinct(3, 4)], G),
    ("max_dim_keep", lambda L, x: L.max(x, -1, keepdim=True), [distinct(2, 3, 4)], G),
    ("min_dim", lambda L, x: x.min(dim=0), [distinct(3, 4)], G),
    ("max_dim_ties", lambda L, x: x.max(1), [ties()], N),
    ("min_dim_ties", lambda L, x: x.min(1), [ties()], N),
    ("max_0d", lambda L, x: x.max(0), [np.array(0.3)], G),
    ("max_binary", lambda L, x, y: L.max(x, y), [distinct(2, 3), distinct(2, 3)], G),
    ("amax", lambda L, x: x.amax(1), [distinct(3, 4)], G),
    ("amax_tuple", lambda L, x: L.amax(x, (0, 2), keepdim=True), [distinct(2, 3, 4)], G),
    ("amax_all", lambda L, x: x.amax(), [distinct(3, 4)], G),
    ("amax_ties", lambda L, x: x.amax(1), [ties()], N),
    ("amin_ties", lambda L, x: x.amin(0), [ties()], N),
    ("amin", lambda L, x: L.amin(x, -1), [distinct(3, 4)], G),
    ("aminmax", lambda L, x: L.aminmax(x), [distinct(3, 4)], G),
    ("aminmax_dim", lambda L, x: x.aminmax(dim=1, keepdim=True), [distinct(3, 4)], G),
    ("aminmax_ties", lambda L, x: x.aminmax(dim=0), [ties()], N),
    ("argmax", lambda L, x: x.argmax(), [distinct(3, 4)], N),
    ("argmax_dim", lambda L, x: L.argmax(x, 1, keepdim=True), [distinct(3, 4)], N),
    ("argmin_dim", lambda L, x: x.argmin(-2), [distinct(3, 4)], N),
    ("argmax_ties", lambda L, x: x.argmax(1), [ties()], N),
    ("argmin_0d", lambda L, x: x.argmin(), [np.array(2.0)], N),
    # var / std
    ("var_all", lambda L, x: x.var(), [distinct(3, 4)], G),
    ("var_dim", lambda L, x: x.var(1), [distinct(3, 4)], G),
    ("var_biased", lambda L, x: L.var(x, 0, unbiased=False), [distinct(3, 4)], G),
    ("var_correction", lambda L, x: x.var((0, 2), correction=2, keepdim=True), [distinct(2, 3, 4)], G),
    ("std_all", lambda L, x: x.std(), [distinct(3, 4)], G),
    ("std_dim", lambda L, x: L.std(x, -1, keepdim=True), [distinct(3, 4)], G),
    ("std_correction0", lambda L, x: x.std(0, correction=0), [distinct(3, 4)], G),
    ("std_mean", lambda L, x: L.std_mean(x, 1), [distinct(3, 4)], G),
    ("var_mean", lambda L, x: L.var_mean(x, 0, keepdim=True), [distinct(3, 4)], G),
    # norm
    ("norm_fro", lambda L, x: x.norm(), [distinct(3, 4)], G),
    ("norm_p1", lambda L, x: x.norm(1), [distinct(3, 4)], G),
    ("norm_p3_dim", lambda L, x: L.norm(x, 3, 1), [distinct(3, 4)], G),
    ("norm_p05", lambda L, x: x.norm(0.5, dim=0, keepdim=True), [distinct(3, 4)], G),
    ("norm_inf", lambda L, x: x.norm(INF), [distinct(3, 4)], G),
    ("norm_neginf_dim", lambda L, x: x.norm(-INF, dim=1), [distinct(3, 4)], G),
    ("norm_inf_ties", lambda L, x: x.norm(INF, dim=1), [ties()], N),
    ("norm_2_tuple", lambda L, x: L.norm(x, 2, (0, 2)), [distinct(2, 3, 4)], G),
    ("norm_fro_dims", lambda L, x: x.norm("fro", dim=(0, 1)), [distinct(3, 4)], G),
    ("norm_0", lambda L, x: x.norm(0), [ties()], N),
    ("norm_zero_vec", lambda L, x: x.norm(dim=1), [np.array([[0.0, 0.0], [3.0, 4.0]])], N),
    # logsumexp / softmax
    ("logsumexp", lambda L, x: x.logsumexp(1), [distinct(3, 4)], G),
    ("logsumexp_tuple", lambda L, x: L.logsumexp(x, (0, -1), keepdim=True), [distinct(2, 3, 4)], G),
    ("logsumexp_big", lambda L, x: x.logsumexp(0), [distinct(3, 2) * 400], N),
    ("logsumexp_empty", lambda L, x: x.logsumexp(0), [np.zeros((0, 3))], F),
    ("softmax", lambda L, x: x.softmax(1), [distinct(3, 4)], G),
    ("softmax_neg", lambda L, x: L.softmax(x, -1), [distinct(2, 3, 4)], G),
    ("softmax_0d", lambda L, x: x.softmax(0), [np.array(0.4)], G),
    ("log_softmax", lambda L, x: x.log_softmax(0), [distinct(3, 4)], G),
    ("log_softmax_big", lambda L, x: L.log_softmax(x, 1), [distinct(2, 3) * 300], N),
    # at least 4096 elements, reduced along contiguous rows: the max by halving
    # and the sums as a product with ones; rows of even, odd and 3 lengths
    ("softmax_rows_even", lambda L, x: x.softmax(-1), [distinct(2, 32, 64) * 3], N),
    ("softmax_rows_odd", lambda L, x: L.softmax(x, 2), [distinct(4, 16, 65) * 3], N),
    ("softmax_rows_3", lambda L, x: x.softmax(1), [distinct(1400, 3)], N),
    ("log_softmax_rows_odd", lambda L, x: x.log_softmax(-1), [distinct(64, 67) * 3], N),
    ("softmax_rows_strided", lambda L, x: x.mT.softmax(-1), [distinct(65, 64)], N),
    ("softmax_rows_fd", lambda L, x: x.softmax(-1), [distinct(1, 4096) * 0.01], F),
    # scans
    ("cumsum", lambda L, x: x.cumsum(1), [distinct(3, 4)], G),
    ("cumsum_neg", lambda L, x: L.cumsum(x, -3), [distinct(2, 3, 2)], G),
    ("cumsum_0d", lambda L, x: x.cumsum(0), [np.array(1.25)], G),
    ("cumsum_empty", lambda L, x: x.cumsum(0), [np.zeros((0, 2))], F),
    ("cumprod", lambda L, x: x.cumprod(1), [distinct(3, 4)], G),
    ("cumprod_zero", lambda L, x: L.cumprod(x, 1), [np.array([[1.5, 0.0, 2.0, -1.2], [0.0, 0.7, 0.0, 1.1]])], G),
    ("cumprod_zero_dim0", lambda L, x: x.cumprod(0), [np.array([[1.5, 0.9], [0.0, 0.7], [2.0, 0.0]])], G),
    ("cummax", lambda L, x: x.cummax(1), [distinct(3, 4)], G),
    ("cummin", lambda L, x: L.cummin(x, 0), [distinct(3, 4)], G),
    ("cummax_ties", lambda L, x: x.cummax(1), [ties()], N),
    ("cummin_ties", lambda L, x: x.cummin(1), [ties()], N),
    # sort family
    ("sort", lambda L, x: x.sort(), [distinct(3, 4)], G),
    ("sort_desc_dim0", lambda L, x: L.sort(x, 0, descending=True), [distinct(3, 4)], G),
    ("sort_stable_ties", lambda L, x: x.sort(stable=True), [ties()], N),
    ("sort_stable_ties_desc", lambda L, x: x.sort(stable=True, dim=1, descending=True), [ties()], N),
    ("sort_0d", lambda L, x: x.sort(), [np.array(3.0)], G),
    ("sort_empty", lambda L, x: x.sort(0), [np.zeros((0, 3))], N),
    ("argsort", lambda L, x: x.argsort(), [distinct(3, 4)], N),
    ("argsort_stable_ties", lambda L, x: L.argsort(x, dim=1, stable=True), [ties()], N),
    ("argsort_desc_stable_ties", lambda L, x: x.argsort(dim=0, descending=True, stable=True), [ties()], N),
    ("topk", lambda L, x: x.topk(2), [distinct(3, 4)], G),
    ("topk_smallest", lambda L, x: L.topk(x, 3, dim=0, largest=False), [distinct(3, 4)], G),
    ("topk_k0", lambda L, x: x.topk(0), [distinct(3, 4)], N),
    ("median_all", lambda L, x: x.median(), [distinct(3, 4)], G),
    ("median_all_ties", lambda L, x: x.median(), [np.array([1.0, 3.0, 3.0, 0.5, 4.0])], N),
    ("median_dim", lambda L, x: x.median(1), [distinct(3, 5)], G),
    ("median_dim_even", lambda L, x: L.median(x, 0, keepdim=True), [distinct(4, 3)], G),
    ("kthvalue", lambda L, x: x.kthvalue(2), [distinct(3, 4)], G),
    ("kthvalue_dim", lambda L, x: L.kthvalue(x, 3, 0, True), [distinct(3, 4)], G),
    # logical and counting
    ("all", lambda L, x: (x > 0).all(), [distinct(3, 4)], N),
    ("all_dim", lambda L, x: L.all(x > -1, 1), [distinct(3, 4)], N),
    ("any_tuple", lambda L, x: (x > 1).any((0, 1), keepdim=True), [distinct(2, 3, 4)], N),
    ("any_float", lambda L, x: x.any(-1), [np.array([[0.0, 0.0], [0.0, 1.5]])], N),
    ("count_nonzero", lambda L, x: L.count_nonzero(x), [np.array([[0.0, 1.0], [2.0, 0.0]])], N),
    ("count_nonzero_dim", lambda L, x: x.count_nonzero((0,)), [np.array([[0.0, 1.0], [2.0, 3.0]])], N),
]

IDS = [c[0] for c in TABLE]
assert len(set(IDS)) == len(IDS)


def _run(case, dtype):
    name, fn, inputs, _ = case
    arrays = [a.astype(dtype) if isinstance(a, np.ndarray) else a for a in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda *xs: fn(gt, *xs), lambda *xs: fn(torch, *xs), *arrays, msg=name)


@pytest.mark.parametrize("case", TABLE, ids=IDS)
def test_matches_torch_float64(case):
    _run(case, np.float64)


@pytest.mark.parametrize("case", TABLE, ids=IDS)
def test_matches_torch_float32(case):
    _run(case, np.float32)


FD = [c for c in TABLE if c[3] in (G, F)]


@pytest.mark.parametrize("case", FD, ids=[c[0] for c in FD])
def test_gradcheck(case):
    name, fn, inputs, flag = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gradchecks(lambda *xs: fn(gt, *xs), *inputs, second=flag == G)


# ---------------------------------------------------------------- integer inputs
INT_TABLE = [
    ("sum", lambda L, x: x.sum()),
    ("sum_dim", lambda L, x: L.sum(x, 1)),
    ("prod", lambda L, x: x.prod()),
    ("prod_dim", lambda L, x: x.prod(0, keepdim=True)),
    ("cumsum", lambda L, x: x.cumsum(1)),
    ("cumprod", lambda L, x: L.cumprod(x, 0)),
    ("max", lambda L, x: x.max()),
    ("max_dim", lambda L, x: x.max(1)),
    ("amin", lambda L, x: x.amin(0)),
    ("argmax", lambda L, x: x.argmax(1)),
    ("sort", lambda L, x: x.sort(stable=True, dim=1)),
    ("argsort_desc", lambda L, x: x.argsort(dim=1, descending=True, stable=True)),
    ("all", lambda L, x: x.all(1)),
    ("any", lambda L, x: x.any()),
    ("count_nonzero", lambda L, x: L.count_nonzero(x, 1)),
    ("cummax", lambda L, x: x.cummax(1)),
    ("median", lambda L, x: x.median(1)),
    ("mean_dtype", lambda L, x: x.mean(dtype=L.float64)),
]
INTS = np.array([[3, 0, -2, 3], [1, 5, 5, -4], [0, 0, 2, 1]])


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_], ids=["int32", "int64", "uint8", "bool"])
@pytest.mark.parametrize("case", INT_TABLE, ids=[c[0] for c in INT_TABLE])
def test_integer_inputs(case, dtype):
    name, fn = case
    if dtype is np.bool_ and name in ("argmax", "median", "cummax", "max_dim"):
        pytest.skip("torch does not take bool input here")
    a = INTS.astype(dtype) if dtype is not np.uint8 else np.abs(INTS).astype(dtype)
    check(lambda x: fn(gt, x), lambda x: fn(torch, x), a, msg=name)


# ---------------------------------------------------------------- grad_fn names and gradients on ties
NAMES = [
    lambda L, x: x.sum(), lambda L, x: x.sum(1), lambda L, x: x.mean(), lambda L, x: x.mean(0),
    lambda L, x: x.prod(), lambda L, x: x.prod(1), lambda L, x: x.max(), lambda L, x: x.max(1)[0],
    lambda L, x: x.min(), lambda L, x: x.min(0)[0], lambda L, x: x.amax(1), lambda L, x: x.amin(),
    lambda L, x: x.var(), lambda L, x: x.std(1), lambda L, x: x.norm(), lambda L, x: x.norm(1, dim=0),
    lambda L, x: x.logsumexp(1), lambda L, x: x.cumsum(0), lambda L, x: x.cumprod(1),
    lambda L, x: x.softmax(1), lambda L, x: x.log_softmax(0), lambda L, x: x.topk(2)[0],
    lambda L, x: x.sort()[0], lambda L, x: x.median(), lambda L, x: x.median(1)[0],
    lambda L, x: x.aminmax()[1], lambda L, x: x.cummax(1)[0], lambda L, x: x.cummin(0)[0],
    lambda L, x: x.kthvalue(2)[0],
]


@pytest.mark.parametrize("i", range(len(NAMES)))
def test_grad_fn_names(i):
    a = distinct(3, 4)
    out_gt = NAMES[i](gt, gt.tensor(a, requires_grad=True))
    out_t = NAMES[i](torch, torch.tensor(a, requires_grad=True))
    assert out_gt.grad_fn.name() == out_t.grad_fn.name()


def test_tie_gradients_follow_torch():
    """max()/min() and amax spread over ties; max(dim) sends everything to the returned index."""
    for fn in (lambda x: x.max(), lambda x: x.min(), lambda x: x.amax(1).sum(),
               lambda x: x.max(1)[0].sum(), lambda x: x.min(1)[0].sum(), lambda x: x.median()):
        a = ties()
        xg, xt = gt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        fn(xg).backward()
        fn(xt).backward()
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy())
    xg = gt.tensor(ties(), requires_grad=True)
    xg.max().backward()
    assert xg.grad.numpy()[0, 1] == 0.5 and xg.grad.numpy()[0, 2] == 0.5


def test_named_tuples():
    x = gt.tensor(distinct(3, 4))
    r = x.max(1)
    assert type(r).__name__ == "max" and r._fields == ("values", "indices")
    assert r.indices.dtype == gt.int64
    assert gt.aminmax(x)._fields == ("min", "max")
    assert x.sort()._fields == ("values", "indices")
    assert repr(gt.tensor([1.0, 2.0]).max(0)).startswith("torch.return_types.max(\nvalues=tensor(2.)")


def test_keepdim_none_with_all_dims():
    a = distinct(2, 3)
    assert_close(gt.tensor(a).sum(dim=None, keepdim=True), torch.tensor(a).sum(dim=None, keepdim=True))


def test_var_dof_warning():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        out = gt.tensor([1.0]).var()
    assert np.isnan(out.item())


# ---------------------------------------------------------------- errors
def _raises_like(fn, *arrays):
    """glasstorch raises the same exception type and message as torch."""
    with pytest.raises(Exception) as et:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(et.value)) as eg:
        fn(gt, *[gt.tensor(a) for a in arrays])
    assert str(eg.value) == str(et.value)


ERRORS = [
    ("sum_bad_dim", lambda L, x: x.sum(2), [distinct(3, 4)]),
    ("mean_bad_negdim", lambda L, x: x.mean(-3), [distinct(3, 4)]),
    ("max_bad_dim", lambda L, x: x.max(2), [distinct(3, 4)]),
    ("softmax_bad_dim", lambda L, x: x.softmax(5), [distinct(3, 4)]),
    ("cumsum_bad_dim", lambda L, x: x.cumsum(-3), [distinct(3, 4)]),
    ("sum_0d_bad_dim", lambda L, x: x.sum(1), [np.array(1.0)]),
    ("mean_int", lambda L, x: x.mean(), [np.array([1, 2])]),
    ("var_int", lambda L, x: x.var(), [np.array([1, 2])]),
    ("norm_int", lambda L, x: x.norm(), [np.array([1, 2])]),
    ("max_empty", lambda L, x: x.max(), [np.zeros((0, 3))]),
    ("max_empty_dim", lambda L, x: x.max(0), [np.zeros((0, 3))]),
    ("amax_empty_dim", lambda L, x: x.amax(0), [np.zeros((0, 3))]),
    ("argmax_empty", lambda L, x: x.argmax(), [np.zeros((0, 3))]),
    ("argmin_empty_dim", lambda L, x: x.argmin(0), [np.zeros((0, 3))]),
    ("aminmax_empty", lambda L, x: x.aminmax(), [np.zeros((0, 3))]),
    ("aminmax_empty_dim", lambda L, x: x.aminmax(dim=0), [np.zeros((0, 3))]),
    ("median_empty_dim", lambda L, x: x.median(0), [np.zeros((0, 3))]),
    ("norm_empty_inf", lambda L, x: x.norm(float("inf")), [np.zeros((0, 3))]),
    ("norm_empty_neg", lambda L, x: x.norm(-1), [np.zeros((0, 3))]),
    ("topk_too_big", lambda L, x: x.topk(5), [distinct(3, 4)]),
    ("kthvalue_too_big", lambda L, x: x.kthvalue(5), [distinct(3, 4)]),
    ("sum_dup_dims", lambda L, x: x.sum((0, 0)), [distinct(3, 4)]),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(case):
    _, fn, arrays = case
    _raises_like(fn, *arrays)


def test_dim_out_of_range_message():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        gt.zeros(3, 4).sum(2)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_long_rows_special_values(fn):
    # masked (-inf) scores, a fully masked row, inf and nan, in a shape that
    # takes the row-wise fast path (>= 4096 elements along contiguous rows)
    x = RNG.standard_normal((70, 65)).astype(np.float32)
    x[0, 5:] = -INF
    x[1, :] = -INF
    x[2, 3] = INF
    x[3, 7] = np.nan
    x[4, 0] = 80.0  # exp overflows without the shift
    x[5, -1] = 100.0  # the odd column out of the halving holds the row's max
    g = RNG.standard_normal(x.shape).astype(np.float32)
    a, t = gt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = getattr(a, fn)(-1), getattr(t, fn)(-1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.backward(gt.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- the checks module, case by case
MORE_ERRORS = [
    ("topk_bool", lambda L, x: (x > 0).topk(1), [distinct(3, 4)]),
    ("topk_negative_k", lambda L, x: x.topk(-1), [distinct(3, 4)]),
    ("argmax_bool", lambda L, x: (x > 0).argmax(), [distinct(3, 4)]),
    ("argmin_bad_dim", lambda L, x: x.argmin(3), [distinct(3, 4)]),
    ("kthvalue_zero", lambda L, x: x.kthvalue(0), [distinct(3, 4)]),
    ("kthvalue_empty_dim", lambda L, x: x.kthvalue(1, 0), [np.zeros((0, 3))]),
    ("norm_narrowing_dtype", lambda L, x: x.norm(dtype=L.float32), [distinct(3, 4)]),
    ("sum_to_size_bad", lambda L, x: x.sum_to_size(5), [distinct(3, 4)]),
    ("sum_to_size_not_expandable", lambda L, x: x.sum_to_size(2, 4), [distinct(3, 4)]),
    ("amin_empty_all", lambda L, x: x.amin(), [np.zeros((0, 3))]),
    ("min_empty", lambda L, x: x.min(), [np.zeros((0, 3))]),
    ("std_int", lambda L, x: x.std(), [np.array([1, 2])]),
    ("var_bad_dim", lambda L, x: x.var(2), [distinct(3, 4)]),
    ("prod_bad_dim", lambda L, x: x.prod(2), [distinct(3, 4)]),
    ("cumprod_0d_bad_dim", lambda L, x: x.cumprod(1), [np.array(1.0)]),
    ("cummax_bad_dim", lambda L, x: x.cummax(2), [distinct(3, 4)]),
    ("logsumexp_bad_dim", lambda L, x: x.logsumexp(2), [distinct(3, 4)]),
]


@pytest.mark.parametrize("case", MORE_ERRORS, ids=[c[0] for c in MORE_ERRORS])
def test_more_errors_match_torch(case):
    _, fn, arrays = case
    _raises_like(fn, *arrays)


@pytest.mark.parametrize("shape,dim", [((2048, 10), -1), ((128, 10), 1), ((4096, 4), 1), ((70, 65), 1)])
def test_softmax_rows_take_both_kernel_paths(shape, dim):
    # (2048, 10) and (4096, 4) take the halving max and the ones-product sum;
    # the others the plain reductions: all agree with torch
    x = RNG.standard_normal(shape).astype(np.float32) * 5
    x[0, 1] = -INF
    g = RNG.standard_normal(shape).astype(np.float32)
    for name in ("softmax", "log_softmax"):
        a, t = gt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = getattr(a, name)(dim), getattr(t, name)(dim)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
        out.backward(gt.tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_reduce_checks_module_holds_the_raises():
    """An op file reads check, then compute: the messages live in checks.py."""
    import inspect

    from glasstorch.ops.reduce import extremes, logical, moments, order, scans, softmax, sums

    for module in (sums, moments, extremes, order, scans, logical, softmax):
        assert "raise " not in inspect.getsource(module), module.__name__
