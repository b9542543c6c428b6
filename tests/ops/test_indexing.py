"""Indexing (``x[key]``, ``x[key] = v``), gather/scatter, masks against PyTorch.

A table of indexing expressions drives forward/gradient comparisons in
float64 and float32 plus gradcheck and gradgradcheck; repeated indices must
accumulate. Setting items is checked on plain tensors and inside recorded
graphs (gradients reach both the old tensor and the value). Errors are
compared with torch's type and message.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import check, gradchecks

import glasstorch as gt

RNG = np.random.default_rng(5)


def r(*shape):
    return RNG.standard_normal(shape)


def T(L, data, dtype=None):
    """An index tensor in library ``L``."""
    return L.tensor(data, dtype=dtype or L.int64)


X = r(3, 4, 5)
MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])

GET = [
    ("int", lambda L, x: x[1]),
    ("neg_int", lambda L, x: x[-1]),
    ("two_ints", lambda L, x: x[0, -2]),
    ("all_ints_0d", lambda L, x: x[2, 1, 0]),
    ("slice", lambda L, x: x[1:]),
    ("slice_step", lambda L, x: x[::2, 1::2]),
    ("slice_out_of_range", lambda L, x: x[1:100, -100:2]),
    ("slice_empty", lambda L, x: x[2:1]),
    ("full_slice", lambda L, x: x[:]),
    ("none", lambda L, x: x[None]),
    ("none_middle", lambda L, x: x[:, None, 1]),
    ("ellipsis", lambda L, x: x[..., 1]),
    ("ellipsis_none", lambda L, x: x[..., None]),
    ("ellipsis_only", lambda L, x: x[...]),
    ("int_then_slice", lambda L, x: x[0, 1:3]),
    ("bool_mask_full", lambda L, x: x[x > 0]),
    ("bool_mask_2d", lambda L, x: x[T(L, MASK, L.bool)]),
    ("bool_mask_dim1", lambda L, x: x[:, T(L, [True, False, True, True], L.bool)]),
    ("bool_list", lambda L, x: x[[True, False, True]]),
    ("bool_scalar", lambda L, x: x[True]),
    ("int_list", lambda L, x: x[[0, 2]]),
    ("int_list_repeat", lambda L, x: x[[0, 0, 2, 0]]),
    ("int_tensor_repeat", lambda L, x: x[T(L, [1, 1, -1])]),
    ("int32_tensor", lambda L, x: x[T(L, [2, 0], L.int32)]),
    ("int_tensor_2d", lambda L, x: x[T(L, [[0, 1], [1, 1]])]),
    ("int_tensor_0d", lambda L, x: x[T(L, 1)]),
    ("empty_list", lambda L, x: x[T(L, [])]),
    ("two_arrays", lambda L, x: x[[0, 2, 2], [1, 1, 3]]),
    ("arrays_broadcast", lambda L, x: x[T(L, [[0], [2]]), T(L, [1, 3, 3])]),
    ("mixed_int_array", lambda L, x: x[0, :, [1, 2, 1]]),
    ("mixed_slice_array", lambda L, x: x[1:, [0, 0, 2]]),
    ("split_arrays", lambda L, x: x[[0, 1], :, [4, 4]]),
    ("array_int_array", lambda L, x: x[[0, 1], 2, [3, 3]]),
    ("ellipsis_array", lambda L, x: x[..., [1, 1]]),
    ("none_array", lambda L, x: x[None, [0, 1]]),
    ("array_none", lambda L, x: x[[0, 2], None]),
    ("step_and_array", lambda L, x: x[::2, [3, 0]]),
    ("mask_and_slice", lambda L, x: x[T(L, [True, False, True], L.bool), 1:3]),
]

OPS = [
    ("gather", lambda L, x: L.gather(x[0], 1, T(L, [[0, 0], [3, 1], [2, 2], [4, 4]]))),
    ("gather_dim0", lambda L, x: x[0].gather(0, T(L, [[0, 1, 3, 2, 1]]))),
    ("gather_neg_dim", lambda L, x: x.gather(-1, T(L, [[[1], [1], [0], [0]]] * 3))),
    ("gather_int32", lambda L, x: x[0].gather(1, T(L, [[1], [0], [2], [2]], L.int32))),
    ("scatter", lambda L, x: x[0].scatter(1, T(L, [[0], [3], [1], [4]]), x[1, :, :1])),
    ("scatter_value", lambda L, x: L.scatter(x[0], 0, T(L, [[0, 1, 2, 3, 0]]), value=2.5)),
    ("scatter_add", lambda L, x: x[0].scatter_add(1, T(L, [[0, 0], [1, 1], [2, 0], [4, 4]]), x[1, :, :2])),
    ("scatter_add_dim0", lambda L, x: L.scatter_add(x[0], 0, T(L, [[0, 0, 1, 3, 3]]), x[2, :1])),
    ("index_select", lambda L, x: x.index_select(1, T(L, [3, 0, 0]))),
    ("index_select_neg", lambda L, x: L.index_select(x, -1, T(L, [4, 4, 1], L.int32))),
    ("index_select_empty", lambda L, x: x.index_select(0, T(L, []))),
    ("masked_fill", lambda L, x: x.masked_fill(x > 0, 0.5)),
    ("masked_fill_bcast", lambda L, x: L.masked_fill(x[0], T(L, [True, False, False, True, False], L.bool), -1.0)),
    ("masked_fill_tensor_value", lambda L, x: x.masked_fill(x < 0, x[0, 0, 0])),
    ("masked_select", lambda L, x: x.masked_select(x > 0)),
    ("masked_select_bcast", lambda L, x: L.masked_select(x[0], T(L, [True, False, True, True, False], L.bool))),
    ("take", lambda L, x: L.take(x, T(L, [[0, 59], [7, 7]]))),
    ("take_along_dim", lambda L, x: L.take_along_dim(x[0], T(L, [[1], [0], [2], [2]]), 1)),
    ("select", lambda L, x: x.select(1, -1)),
    ("select_fn", lambda L, x: L.select(x, 2, 0)),
    ("index_put", lambda L, x: L.index_put(x[0], (T(L, [0, 0, 2]),), x[1, 0], accumulate=True)),
    ("index_put_overwrite", lambda L, x: x[0].index_put((T(L, [1, 3]), T(L, [0, 2])), x[1, 0, :2])),
]


def _setter(key_fn, value_fn):
    def fn(L, x):
        y = x * 2  # a non-leaf inside the recorded graph
        y[key_fn(L, x)] = value_fn(L, x)
        return y
    return fn


SET = [
    ("set_int", _setter(lambda L, x: 1, lambda L, x: x[0, 0] * 3)),
    ("set_slice_scalar", _setter(lambda L, x: (slice(None), slice(1, 3)), lambda L, x: 0.5)),
    ("set_step_bcast", _setter(lambda L, x: (slice(None, None, 2), 0), lambda L, x: x[1, 1].sin())),
    ("set_ellipsis", _setter(lambda L, x: (Ellipsis, 2), lambda L, x: x[0, :, 0].exp())),
    ("set_none", _setter(lambda L, x: (None, 0), lambda L, x: x[2])),
    ("set_mask", _setter(lambda L, x: x > 0.5, lambda L, x: -1.0)),
    ("set_mask_tensor_value", _setter(lambda L, x: (0, x[0] > 0), lambda L, x: x[1, 0, 0])),
    ("set_int_array", _setter(lambda L, x: T(L, [2, 0]), lambda L, x: x[1] * x[1])),
    ("set_mixed", _setter(lambda L, x: (0, slice(None), [1, 3]), lambda L, x: x[2, :, :2])),
    ("set_two_arrays", _setter(lambda L, x: ([0, 1], [2, 3]), lambda L, x: x[2, 0])),
    ("set_leading_ones_value", _setter(lambda L, x: slice(0, 2), lambda L, x: x[None, None, 2, 0])),
]

TABLE = GET + OPS + SET
IDS = [c[0] for c in TABLE]
assert len(set(IDS)) == len(IDS)


def _wrap(fn, L):
    return lambda x: fn(L, x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", TABLE, ids=IDS)
def test_matches_torch(case, dtype):
    name, fn = case
    check(_wrap(fn, gt), _wrap(fn, torch), X.astype(dtype), msg=name)


@pytest.mark.parametrize("case", TABLE, ids=IDS)
def test_gradcheck(case):
    _, fn = case
    gradchecks(_wrap(fn, gt), X)


@pytest.mark.parametrize("case", [c for c in GET + OPS if "masked" not in c[0] and "mask" not in c[0]],
                         ids=[c[0] for c in GET + OPS if "masked" not in c[0] and "mask" not in c[0]])
def test_integer_inputs(case):
    name, fn = case
    check(_wrap(fn, gt), _wrap(fn, torch), (X * 4).astype(np.int64), msg=name)


@pytest.mark.filterwarnings("ignore:The reduce argument")
def test_scatter_larger_src_and_reduce_add_forward():
    """torch computes these forwards (but has no gradient for them); glasstorch's values match."""
    idx = np.array([[0, 0], [1, 1], [2, 0], [4, 4]])
    for fn in (lambda L, x: x[0].scatter(1, L.tensor(idx), x[1]),
               lambda L, x: x[0].scatter_add(1, L.tensor(idx), x[1]),
               lambda L, x: x[0].scatter(1, L.tensor(idx), x[1], reduce="add")):
        check(_wrap(fn, gt), _wrap(fn, torch), X, grad=False)
    # the gradient for the unused part of a larger src is zero
    gradchecks(lambda x: x[0].scatter_add(1, gt.tensor(idx), x[1]), X)


def test_repeated_indices_accumulate():
    a = r(4, 3)
    for key in ([1, 1, 1, 3], (np.array([0, 0]), np.array([2, 2]))):
        xg, xt = gt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        kg = key if isinstance(key, list) else tuple(gt.tensor(k) for k in key)
        kt = key if isinstance(key, list) else tuple(torch.tensor(k) for k in key)
        xg[kg].sum().backward()
        xt[kt].sum().backward()
        np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
    xg = gt.tensor(a, requires_grad=True)
    xg[[1, 1, 1]].sum().backward()
    assert xg.grad.numpy()[1, 0] == 3.0


# ---------------------------------------------------------------- setitem
def test_setitem_plain_tensor():
    for key, val in [(1, 5.0), ((slice(None), 0), np.array([1.0, 2.0, 3.0])), ([0, 2], 7.0),
                     ("mask", 0.0), ((0, [1, 2]), np.array([8.0, 9.0])), ((Ellipsis, None, 1), 4.0)]:
        xg, xt = gt.tensor(r(3, 4)), None
        xt = torch.tensor(xg.numpy().copy())
        kg = xg > 0 if key == "mask" else key
        kt = xt > 0 if key == "mask" else key
        vg = gt.tensor(val) if isinstance(val, np.ndarray) else val
        vt = torch.tensor(val) if isinstance(val, np.ndarray) else val
        v0 = xg._version_counter
        xg[kg] = vg
        xt[kt] = vt
        np.testing.assert_array_equal(xg.numpy(), xt.numpy())
        assert xg._version_counter == v0 + 1


def test_setitem_int_tensor_casts_value():
    xg, xt = gt.zeros(4, dtype=gt.int32), torch.zeros(4, dtype=torch.int32)
    xg[1:3] = 2.7
    xt[1:3] = 2.7
    np.testing.assert_array_equal(xg.numpy(), xt.numpy())
    assert xg.dtype == gt.int32


def test_setitem_value_requires_grad_on_plain_tensor():
    v = r(4)
    for lib in (gt, torch):
        vv = lib.tensor(v, requires_grad=True)
        y = lib.zeros(3, 4, dtype=lib.float64)
        y[1] = vv
        y.sum().backward()
        assert y.grad_fn is not None and y.requires_grad
        np.testing.assert_array_equal(np.asarray(vv.grad.tolist()), np.ones(4))
    yg = gt.zeros(3, 4)
    yg[0] = gt.ones(4, requires_grad=True)
    assert yg.grad_fn.name() == "torch::autograd::CopySlices"


def test_setitem_through_view_changes_base():
    xg, xt = gt.zeros(3, 4), torch.zeros(3, 4)
    for x in (xg, xt):
        row = x[1]
        row[2:] = 1.0
        x[0][[0, 3]] = 2.0
    np.testing.assert_array_equal(xg.numpy(), xt.numpy())


def test_setitem_on_leaf_requiring_grad_raises_like_torch():
    for key in (0, slice(None), [0], Ellipsis):
        with pytest.raises(RuntimeError) as et:
            torch.zeros(3, requires_grad=True)[key] = 1.0
        with pytest.raises(RuntimeError) as eg:
            gt.zeros(3, requires_grad=True)[key] = 1.0
        assert str(eg.value) == str(et.value)
    x = gt.zeros(3, requires_grad=True)
    with gt.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_saved_tensor_modified_by_setitem_is_detected():
    x = gt.tensor(r(3), requires_grad=True)
    y = x.exp()
    z = y * 1
    y2 = z * z
    z[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y2.sum().backward()


# ---------------------------------------------------------------- names and views
NAMES = [
    lambda x: x[0], lambda x: x[1:], lambda x: x[:, 1:3], lambda x: x[::2], lambda x: x[None],
    lambda x: x[...], lambda x: x[..., 1], lambda x: x[0, None], lambda x: x[None, 0],
    lambda x: x[x > 0], lambda x: x[[0, 1]], lambda x: x[0, [1, 2]], lambda x: x[:], lambda x: x[:, :],
    lambda x: x[True], lambda x: x.select(0, 1),
    lambda x: x.gather(1, torch_or_gt(x).tensor([[0], [1], [2]])),
    lambda x: x.scatter(1, torch_or_gt(x).tensor([[0], [1], [2]]), x[:, :1]),
    lambda x: x.scatter(1, torch_or_gt(x).tensor([[0], [1], [2]]), 1.0),
    lambda x: x.scatter_add(1, torch_or_gt(x).tensor([[0], [1], [2]]), x),
    lambda x: x.index_select(0, torch_or_gt(x).tensor([0, 0])), lambda x: x.masked_fill(x > 0, 1.0),
    lambda x: x.masked_select(x > 0),
]


def torch_or_gt(x):
    return torch if isinstance(x, torch.Tensor) else gt


@pytest.mark.parametrize("i", range(len(NAMES)))
def test_grad_fn_names_and_views(i):
    a = r(3, 4)
    xt = torch.tensor(a, requires_grad=True) * 1
    xg = gt.tensor(a, requires_grad=True) * 1
    yt, yg = NAMES[i](xt), NAMES[i](xg)
    assert yg.grad_fn.name() == yt.grad_fn.name()
    assert yt._is_view() == (yg._version is xg._version)


def test_setitem_grad_fn_names():
    for key in (0, [0, 1], "mask"):
        names = []
        for lib in (gt, torch):
            y = lib.ones(3, 4, dtype=lib.float64, requires_grad=True) * 1
            y[y > 0 if key == "mask" else key] = 2.0
            names.append(y.grad_fn.name())
        assert names[0] == names[1]


def test_nonzero():
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    check(lambda x: gt.nonzero(x), lambda x: torch.nonzero(x), a, grad=False)
    check(lambda x: x.nonzero(as_tuple=True), lambda x: x.nonzero(as_tuple=True), a, grad=False)
    check(lambda x: gt.argwhere(x), lambda x: torch.argwhere(x), a.astype(np.int32), grad=False)
    check(lambda x: x.nonzero(), lambda x: x.nonzero(), np.zeros((0, 2)), grad=False)


# ---------------------------------------------------------------- errors
def _raises_like(fn):
    with pytest.raises(Exception) as et:
        fn(torch, torch.tensor(X))
    with pytest.raises(type(et.value)) as eg:
        fn(gt, gt.tensor(X))
    assert str(eg.value) == str(et.value)


def _assign(x, key, v):
    x[key] = v


ERRORS = [
    ("int_out_of_range", lambda L, x: x[3]),
    ("neg_int_out_of_range", lambda L, x: x[0, -5]),
    ("list_out_of_range", lambda L, x: x[[0, 7]]),
    ("tensor_out_of_range", lambda L, x: x[:, T(L, [-5])]),
    ("negative_step", lambda L, x: x[::-1]),
    ("zero_step", lambda L, x: x[::0]),
    ("too_many_indices", lambda L, x: x[0, 0, 0, 0]),
    ("mask_shape", lambda L, x: x[T(L, [True, False], L.bool)]),
    ("float_index", lambda L, x: x[0.5]),
    ("float_tensor_index", lambda L, x: x[T(L, [0.0], L.float32)]),
    ("arrays_not_broadcastable", lambda L, x: x[[0, 1], [0, 1, 2]]),
    ("zero_dim_int", lambda L, x: x[0, 0, 0][0]),
    ("gather_float_index", lambda L, x: x.gather(1, T(L, [[[0.0]]], L.float32))),
    ("gather_out_of_bounds", lambda L, x: x.gather(1, T(L, [[[5]]]))),
    ("gather_negative", lambda L, x: x.gather(1, T(L, [[[-1]]]))),
    ("gather_ndim", lambda L, x: x.gather(1, T(L, [0]))),
    ("gather_too_big", lambda L, x: x[0].gather(1, T(L, [[0]] * 5))),
    ("gather_bad_dim", lambda L, x: x.gather(3, T(L, [[[0]]]))),
    ("scatter_out_of_bounds", lambda L, x: x[0].scatter(1, T(L, [[9]]), 1.0)),
    ("scatter_dtype", lambda L, x: x[0].scatter(1, T(L, [[0]]), x[0].float())),
    ("scatter_float_index", lambda L, x: x[0].scatter(1, T(L, [[0.0]], L.float32), 1.0)),
    ("index_select_range", lambda L, x: x.index_select(0, T(L, [3]))),
    ("index_select_dtype", lambda L, x: x.index_select(0, T(L, [0.0], L.float32))),
    ("index_select_2d", lambda L, x: x.index_select(0, T(L, [[0]]))),
    ("masked_fill_float_mask", lambda L, x: x.masked_fill(x, 1.0)),
    ("masked_select_float_mask", lambda L, x: x.masked_select(x)),
    ("select_range", lambda L, x: x.select(1, 4)),
    ("set_shape_basic", lambda L, x: _assign(x, 0, L.ones(3))),
    ("set_shape_advanced", lambda L, x: _assign(x, [0, 1], L.ones(3))),
    ("set_out_of_range", lambda L, x: _assign(x, 5, 1.0)),
    ("set_negative_step", lambda L, x: _assign(x, slice(None, None, -1), 1.0)),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(case):
    _raises_like(case[1])


def test_out_of_range_message_and_state_unchanged():
    x = gt.zeros(3)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[[0, 3]] = 1.0
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-2] = 1.0
    assert x.tolist() == [0.0, 0.0, 0.0] and x._version_counter == 0


# ---------------------------------------------------------------- the checks module, case by case
MORE_ERRORS = [
    ("index_add_count", lambda L, x: x.index_add(0, T(L, [0, 1]), x[:1])),
    ("index_add_dtype", lambda L, x: x.index_add(0, T(L, [0]), x[:1].float())),
    ("index_add_index_dtype", lambda L, x: x.index_add(0, T(L, [0.0], L.float32), x[:1])),
    ("index_add_shape", lambda L, x: x.index_add(0, T(L, [0]), x[:1, :2])),
    ("index_select_0d_many", lambda L, x: x[0, 0, 0].index_select(0, T(L, [0, 0]))),
    ("index_select_range_dim1", lambda L, x: x.index_select(1, T(L, [9]))),
    ("masked_fill_value_1d", lambda L, x: x.masked_fill(x > 0, L.ones(2, dtype=x.dtype))),
    ("masked_scatter_dtype", lambda L, x: x.masked_scatter(x > 0, x.float())),
    ("masked_scatter_too_few", lambda L, x: x.masked_scatter(x > -10, x[0])),
    ("take_along_dim_ndim", lambda L, x: L.take_along_dim(x, T(L, [0]), 1)),
    ("take_along_dim_flat_range", lambda L, x: L.take_along_dim(x, T(L, [60]))),
    ("index_put_dtype", lambda L, x: x.index_put((T(L, [0]),), T(L, [1]))),
    ("scatter_bad_reduce", lambda L, x: x.scatter(0, T(L, [[[0]]]), 1.0, reduce="max")),
    ("scatter_src_too_small", lambda L, x: x.scatter(0, T(L, [[[0, 0]]]), x[:1, :1, :1])),
]


@pytest.mark.parametrize("case", MORE_ERRORS, ids=[c[0] for c in MORE_ERRORS])
def test_more_errors_match_torch(case):
    _raises_like(case[1])


def test_list_index_builds_an_array_of_the_data_module():
    # a Python list in a key becomes an index array of the data's module (NumPy, or the session's device)
    from glasstorch.backend import array_module
    from glasstorch.ops.indexing.plan import _plan

    x = gt.tensor(X)
    plan = _plan(x.shape, ([0, 2], slice(None), [1, 1]), array_module(x._data))
    assert plan.kind == "Index"
    assert all(type(a) is type(x._data) and a.dtype == np.int64 for a in plan.adv if not isinstance(a, slice))
    np.testing.assert_array_equal(x[[0, 2], :, [1, 1]].numpy(), X[[0, 2], :, [1, 1]])


def test_indexing_checks_module_holds_the_raises():
    """An op file reads check, then compute: the messages live in checks.py."""
    import inspect

    from glasstorch.ops.indexing import gather, getset, masks, plan

    for module in (plan, getset, gather, masks):
        assert "raise " not in inspect.getsource(module), module.__name__
