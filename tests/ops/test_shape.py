"""Shape ops (reshape, permute, expand, cat, split, flip, ...) against PyTorch.

The table drives forward/gradient comparisons in float64 and float32 and
gradcheck + gradgradcheck; further tests check grad_fn names, which outputs
are views sharing the input's version counter, integer inputs, and torch's
error types and messages.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import check, gradchecks

import glasstorch as gt

RNG = np.random.default_rng(11)


def r(*shape):
    return RNG.standard_normal(shape)


TABLE = [
    ("reshape", lambda L, x: x.reshape(4, 3), [r(3, 4)]),
    ("reshape_infer", lambda L, x: L.reshape(x, (-1, 2)), [r(3, 4)]),
    ("reshape_0d", lambda L, x: x.reshape(1, 1), [np.array(2.0)]),
    ("reshape_to_0d", lambda L, x: x.reshape(()), [r(1, 1)]),
    ("reshape_noncontig", lambda L, x: x.t().reshape(-1), [r(3, 4)]),
    ("reshape_empty", lambda L, x: x.reshape(3, 0, 2), [r(0, 6)]),
    ("view", lambda L, x: x.view(2, 6), [r(3, 4)]),
    ("view_tuple", lambda L, x: x.view((12,)), [r(3, 4)]),
    ("view_as", lambda L, x, y: x.view_as(y), [r(3, 4), r(6, 2)]),
    ("flatten", lambda L, x: x.flatten(), [r(2, 3, 4)]),
    ("flatten_range", lambda L, x: L.flatten(x, 1, -1), [r(2, 3, 4)]),
    ("flatten_0d", lambda L, x: x.flatten(), [np.array(3.0)]),
    ("unflatten", lambda L, x: x.unflatten(1, (2, 2)), [r(3, 4)]),
    ("unflatten_infer", lambda L, x: L.unflatten(x, -1, (-1, 3)), [r(2, 6)]),
    ("squeeze", lambda L, x: x.squeeze(), [r(1, 3, 1, 2)]),
    ("squeeze_dim", lambda L, x: x.squeeze(-2), [r(1, 3, 1, 2)]),
    ("squeeze_dim_not1", lambda L, x: x.squeeze(1), [r(1, 3, 1, 2)]),
    ("squeeze_tuple", lambda L, x: L.squeeze(x, (0, 2)), [r(1, 3, 1, 2)]),
    ("squeeze_0d", lambda L, x: x.squeeze(0), [np.array(1.5)]),
    ("unsqueeze", lambda L, x: x.unsqueeze(0), [r(3, 4)]),
    ("unsqueeze_neg", lambda L, x: L.unsqueeze(x, -1), [r(3, 4)]),
    ("unsqueeze_0d", lambda L, x: x.unsqueeze(0), [np.array(1.5)]),
    ("transpose", lambda L, x: x.transpose(0, 2), [r(2, 3, 4)]),
    ("transpose_neg", lambda L, x: L.transpose(x, -1, -2), [r(2, 3, 4)]),
    ("swapaxes", lambda L, x: L.swapaxes(x, 0, 1), [r(2, 3)]),
    ("t", lambda L, x: x.t(), [r(2, 3)]),
    ("t_1d", lambda L, x: L.t(x), [r(3)]),
    ("T", lambda L, x: x.T, [r(2, 3)]),
    ("mT", lambda L, x: x.mT, [r(2, 3, 4)]),
    ("permute", lambda L, x: x.permute(2, 0, 1), [r(2, 3, 4)]),
    ("permute_tuple_neg", lambda L, x: L.permute(x, (-1, 0, 1)), [r(2, 3, 4)]),
    ("movedim", lambda L, x: L.movedim(x, 0, -1), [r(2, 3, 4)]),
    ("contiguous", lambda L, x: x.t().contiguous(), [r(3, 4)]),
    ("expand", lambda L, x: x.expand(2, 3, 4), [r(3, 1)]),
    ("expand_keep", lambda L, x: x.expand(-1, 4), [r(3, 1)]),
    ("expand_0d", lambda L, x: x.expand(2, 2), [np.array(0.5)]),
    ("expand_as", lambda L, x, y: x.expand_as(y), [r(1, 4), r(3, 4)]),
    ("broadcast_to", lambda L, x: L.broadcast_to(x, (2, 3, 4)), [r(4)]),
    ("broadcast_tensors", lambda L, x, y: L.broadcast_tensors(x, y), [r(3, 1), r(1, 4)]),
    ("repeat", lambda L, x: x.repeat(2, 3), [r(2, 3)]),
    ("repeat_more_dims", lambda L, x: x.repeat(2, 1, 2), [r(2, 3)]),
    ("repeat_0d", lambda L, x: x.repeat(3), [np.array(1.25)]),
    ("tile", lambda L, x: L.tile(x, (2,)), [r(2, 3)]),
    ("tile_method", lambda L, x: x.tile(2, 1, 2), [r(2, 3)]),
    ("cat", lambda L, x, y: L.cat([x, y]), [r(2, 3), r(4, 3)]),
    ("cat_neg_dim", lambda L, x, y, z: L.cat((x, y, z), -1), [r(2, 1), r(2, 3), r(2, 2)]),
    ("cat_legacy_empty", lambda L, x, y: L.cat([x, y], 1), [r(0), r(2, 3)]),
    ("cat_empty_part", lambda L, x, y: L.cat([x, y]), [r(0, 3), r(2, 3)]),
    ("concat", lambda L, x, y: L.concat([x, y], dim=1), [r(2, 3), r(2, 1)]),
    ("stack", lambda L, x, y: L.stack([x, y]), [r(2, 3), r(2, 3)]),
    ("stack_neg", lambda L, x, y: L.stack((x, y), -1), [r(2, 3), r(2, 3)]),
    ("stack_0d", lambda L, x, y: L.stack([x, y]), [np.array(1.0), np.array(2.0)]),
    ("hstack", lambda L, x, y: L.hstack([x, y]), [r(2, 3), r(2, 2)]),
    ("vstack", lambda L, x, y: L.vstack([x, y]), [r(3), r(2, 3)]),
    ("split", lambda L, x: x.split(2), [r(5, 3)]),
    ("split_sizes", lambda L, x: L.split(x, [1, 2], dim=1), [r(2, 3)]),
    ("split_neg_dim", lambda L, x: x.split(2, -1), [r(2, 5)]),
    ("split_use_one", lambda L, x: x.split(2)[1], [r(5, 3)]),
    ("chunk", lambda L, x: x.chunk(3), [r(7, 2)]),
    ("chunk_dim", lambda L, x: L.chunk(x, 2, 1), [r(2, 5)]),
    ("unbind", lambda L, x: x.unbind(), [r(3, 2)]),
    ("unbind_dim", lambda L, x: L.unbind(x, -1), [r(3, 2)]),
    ("unbind_use_one", lambda L, x: x.unbind(1)[0], [r(3, 2)]),
    ("tensor_split", lambda L, x: L.tensor_split(x, 3), [r(7)]),
    ("narrow", lambda L, x: x.narrow(1, 1, 2), [r(3, 4)]),
    ("narrow_neg", lambda L, x: L.narrow(x, -2, -2, 2), [r(3, 4)]),
    ("flip", lambda L, x: x.flip(0), [r(3, 4)]),
    ("flip_dims", lambda L, x: L.flip(x, (0, -1)), [r(2, 3, 4)]),
    ("flip_method_varargs", lambda L, x: x.flip(0, 1), [r(2, 3)]),
    ("fliplr", lambda L, x: L.fliplr(x), [r(2, 3)]),
    ("roll", lambda L, x: x.roll(1, 0), [r(3, 4)]),
    ("roll_flat", lambda L, x: L.roll(x, 5), [r(3, 4)]),
    ("roll_multi", lambda L, x: x.roll((1, -2), (0, 1)), [r(3, 4)]),
    ("rot90", lambda L, x: L.rot90(x, 1, (0, 1)), [r(2, 3)]),
    ("tril", lambda L, x: x.tril(), [r(3, 4)]),
    ("tril_k", lambda L, x: L.tril(x, -1), [r(2, 3, 3)]),
    ("triu", lambda L, x: x.triu(1), [r(3, 4)]),
    ("triu_neg", lambda L, x: L.triu(x, -1), [r(4, 3)]),
    ("diagonal", lambda L, x: x.diagonal(), [r(3, 4)]),
    ("diagonal_offset", lambda L, x: L.diagonal(x, 1), [r(3, 4)]),
    ("diagonal_dims", lambda L, x: x.diagonal(-1, 0, 2), [r(3, 2, 4)]),
    ("diag_embed", lambda L, x: L.diag_embed(x), [r(2, 3)]),
    ("diag_vec", lambda L, x: L.diag(x), [r(3)]),
    ("repeat_interleave", lambda L, x: x.repeat_interleave(2, dim=0), [r(2, 3)]),
    ("atleast_3d", lambda L, x: L.atleast_3d(x), [r(2, 3)]),
]
IDS = [c[0] for c in TABLE]
assert len(set(IDS)) == len(IDS)


def _run(case, dtype):
    name, fn, inputs = case
    arrays = [a.astype(dtype) for a in inputs]
    check(lambda *xs: fn(gt, *xs), lambda *xs: fn(torch, *xs), *arrays, msg=name)


@pytest.mark.parametrize("case", TABLE, ids=IDS)
def test_matches_torch_float64(case):
    _run(case, np.float64)


@pytest.mark.parametrize("case", TABLE, ids=IDS)
def test_matches_torch_float32(case):
    _run(case, np.float32)


@pytest.mark.parametrize("case", TABLE, ids=IDS)
def test_gradcheck(case):
    _, fn, inputs = case
    if all(a.size == 0 for a in inputs):
        pytest.skip("nothing to differentiate")
    gradchecks(lambda *xs: fn(gt, *xs), *inputs)


INT_TABLE = [c for c in TABLE if c[0] in (
    "reshape", "view", "flatten", "squeeze", "unsqueeze", "transpose", "permute", "expand", "repeat",
    "cat", "stack", "split", "chunk", "unbind", "narrow", "flip", "roll", "tril", "triu", "diagonal")]


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_], ids=["int32", "int64", "bool"])
@pytest.mark.parametrize("case", INT_TABLE, ids=[c[0] for c in INT_TABLE])
def test_integer_inputs(case, dtype):
    name, fn, inputs = case
    arrays = [(a * 3).astype(dtype) for a in inputs]
    check(lambda *xs: fn(gt, *xs), lambda *xs: fn(torch, *xs), *arrays, msg=name)


def test_cat_promotes_dtypes():
    a, b = np.array([[1, 2]], np.int32), np.array([[0.5, 1.5]])
    check(lambda x, y: gt.cat([x, y]), lambda x, y: torch.cat([x, y]), a, b)
    check(lambda x, y: gt.stack([x, y]), lambda x, y: torch.stack([x, y]), a, b)


# ---------------------------------------------------------------- grad_fn names and views
VIEWS = [
    ("reshape", lambda x: x.reshape(12)), ("reshape_copy", lambda x: x.t().reshape(12)),
    ("view", lambda x: x.view(4, 3)), ("flatten", lambda x: x.flatten()),
    ("unflatten", lambda x: x.unflatten(1, (2, 2))), ("squeeze", lambda x: x[None].squeeze()),
    ("squeeze_dim", lambda x: x[None].squeeze(0)), ("squeeze_dims", lambda x: x[None].squeeze((0,))),
    ("unsqueeze", lambda x: x.unsqueeze(1)), ("transpose", lambda x: x.transpose(0, 1)),
    ("t", lambda x: x.t()), ("T", lambda x: x.T), ("mT", lambda x: x.mT),
    ("permute", lambda x: x.permute(1, 0)), ("expand", lambda x: x[:1].expand(3, 4)),
    ("expand_same", lambda x: x.expand(3, 4)), ("narrow", lambda x: x.narrow(0, 1, 2)),
    ("diagonal", lambda x: x.diagonal()), ("split", lambda x: x.split(2)[1]),
    ("split_sizes", lambda x: x.split([1, 2])[0]), ("chunk", lambda x: x.chunk(2)[0]),
    ("unbind", lambda x: x.unbind(1)[2]), ("contiguous", lambda x: x.t().contiguous()),
    ("repeat", lambda x: x.repeat(2, 1)), ("cat", lambda x: torch_or_gt(x).cat([x, x])),
    ("stack", lambda x: torch_or_gt(x).stack([x, x])), ("flip", lambda x: x.flip(0)),
    ("roll", lambda x: x.roll(1)), ("tril", lambda x: x.tril()), ("triu", lambda x: x.triu()),
]


def torch_or_gt(x):
    return torch if isinstance(x, torch.Tensor) else gt


@pytest.mark.parametrize("case", VIEWS, ids=[c[0] for c in VIEWS])
def test_grad_fn_names_and_views(case):
    _, fn = case
    a = r(3, 4)
    xt = torch.tensor(a, requires_grad=True) * 1
    xg = gt.tensor(a, requires_grad=True) * 1
    yt, yg = fn(xt), fn(xg)
    assert yg.grad_fn.name() == yt.grad_fn.name()
    # a view shares the version counter: an in-place edit of the input shows in the view
    before_t, before_g = yt._version, yg._version_counter
    with torch.no_grad():
        xt.add_(1.0)
    with gt.no_grad():
        xg.add_(1.0)
    assert (yt._version != before_t) == (yg._version_counter != before_g)
    assert yt._is_view() == (yg._version is xg._version)


def test_view_writes_through():
    x = gt.zeros(3, 4)
    x.view(12)[5] = 1.0
    x.t()[0, 2] = 2.0
    x.diagonal()[0] = 3.0
    x.narrow(1, 3, 1).fill_(4.0)
    a, b = x.split(2)
    b.mul_(2.0)
    t = torch.zeros(3, 4)
    t.view(12)[5] = 1.0
    t.t()[0, 2] = 2.0
    t.diagonal()[0] = 3.0
    t.narrow(1, 3, 1).fill_(4.0)
    t.split(2)[1].mul_(2.0)
    np.testing.assert_array_equal(x.numpy(), t.numpy())


def test_split_gradient_with_unused_pieces():
    a = r(5, 2)
    xg, xt = gt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (xg.split(2)[1] * 3).sum().backward()
    (xt.split(2)[1] * 3).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy())


# ---------------------------------------------------------------- errors
def _raises_like(fn, *arrays):
    with pytest.raises(Exception) as et:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(et.value)) as eg:
        fn(gt, *[gt.tensor(a) for a in arrays])
    assert str(eg.value) == str(et.value)


ERRORS = [
    ("reshape_bad", lambda L, x: x.reshape(4, 4), [r(3, 4)]),
    ("reshape_two_infer", lambda L, x: x.reshape(-1, -1), [r(3, 4)]),
    ("view_noncontig", lambda L, x: x.t().view(12), [r(3, 4)]),
    ("view_bad", lambda L, x: x.view(5, -1), [r(3, 4)]),
    ("transpose_bad_dim", lambda L, x: x.transpose(0, 2), [r(3, 4)]),
    ("permute_dup", lambda L, x: x.permute(0, 0), [r(3, 4)]),
    ("permute_bad_dim", lambda L, x: x.permute(0, 2), [r(3, 4)]),
    ("squeeze_bad_dim", lambda L, x: x.squeeze(2), [r(3, 4)]),
    ("unsqueeze_bad_dim", lambda L, x: x.unsqueeze(3), [r(3, 4)]),
    ("flatten_order", lambda L, x: x.flatten(1, 0), [r(3, 4)]),
    ("expand_bad", lambda L, x: x.expand(3, 5), [r(3, 4)]),
    ("expand_too_few", lambda L, x: x.expand(4), [r(3, 4)]),
    ("cat_sizes", lambda L, x, y: L.cat([x, y]), [r(3, 4), r(2, 3)]),
    ("cat_ndim", lambda L, x, y: L.cat([x, y]), [r(3, 4), r(2, 4, 1)]),
    ("cat_0d", lambda L, x, y: L.cat([x, y]), [np.array(1.0), np.array(2.0)]),
    ("cat_bad_dim", lambda L, x, y: L.cat([x, y], 2), [r(3, 4), r(3, 4)]),
    ("stack_sizes", lambda L, x, y: L.stack([x, y]), [r(3, 4), r(2, 3)]),
    ("split_sizes_sum", lambda L, x: x.split([1, 1], 0), [r(3, 4)]),
    ("chunk_zero", lambda L, x: x.chunk(0), [r(3, 4)]),
    ("narrow_too_long", lambda L, x: x.narrow(1, 3, 2), [r(3, 4)]),
    ("tril_1d", lambda L, x: x.tril(), [r(3)]),
    ("triu_1d", lambda L, x: x.triu(), [r(3)]),
    ("t_3d", lambda L, x: x.t(), [r(2, 3, 4)]),
    ("repeat_too_few", lambda L, x: x.repeat(2), [r(3, 4)]),
    ("unflatten_bad", lambda L, x: x.unflatten(1, (3, 2)), [r(3, 4)]),
    ("flip_bad_dim", lambda L, x: x.flip(2), [r(3, 4)]),
    ("diagonal_same_dims", lambda L, x: x.diagonal(0, 1, 1), [r(3, 4)]),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(case):
    _, fn, arrays = case
    _raises_like(fn, *arrays)


def test_reshape_message():
    with pytest.raises(RuntimeError, match=r"shape '\[4, 4\]' is invalid for input of size 12"):
        gt.zeros(3, 4).reshape(4, 4)


# ---------------------------------------------------------------- the checks module, case by case
MORE_ERRORS = [
    ("roll_misaligned", lambda L, x: x.roll((1, 2), 0), [r(3, 4)]),
    ("roll_misaligned_dims", lambda L, x: x.roll((1, 2), (0,)), [r(3, 4)]),
    ("roll_no_dims_two_shifts", lambda L, x: x.roll((1, 2)), [r(3, 4)]),
    ("roll_bad_dim", lambda L, x: x.roll(1, 2), [r(3, 4)]),
    ("unflatten_empty_sizes", lambda L, x: x.unflatten(1, ()), [r(3, 4)]),
    ("narrow_start_range", lambda L, x: x.narrow(1, 5, 0), [r(3, 4)]),
    ("narrow_negative_length", lambda L, x: x.narrow(1, 0, -1), [r(3, 4)]),
    ("narrow_0d", lambda L, x: x.narrow(0, 0, 1), [np.array(1.0)]),
    ("split_negative", lambda L, x: x.split(-1), [r(3, 4)]),
    ("split_zero", lambda L, x: x.split(0), [r(3, 4)]),
    ("split_0d", lambda L, x: x.split(1), [np.array(1.0)]),
    ("rot90_one_dim", lambda L, x: x.rot90(1, (0,)), [r(3, 4)]),
    ("rot90_same_dims", lambda L, x: x.rot90(1, (1, 1)), [r(3, 4)]),
    ("rot90_1d", lambda L, x: x.rot90(), [r(3)]),
    ("repeat_interleave_sizes", lambda L, x: x.repeat_interleave(L.tensor([1, 2]), 0), [r(3, 4)]),
    ("repeat_interleave_negative", lambda L, x: x.repeat_interleave(-1), [r(3, 4)]),
    ("repeat_interleave_negative_tensor", lambda L, x: x.repeat_interleave(L.tensor([1, -1, 1]), 0), [r(3, 4)]),
    ("movedim_repeated", lambda L, x: x.movedim((0, 0), (0, 1)), [r(3, 4)]),
    ("movedim_mismatch", lambda L, x: x.movedim((0, 1), (0,)), [r(3, 4)]),
    ("expand_leading_negative", lambda L, x: x.expand(-1, 3, 4), [r(3, 4)]),
    ("permute_count", lambda L, x: x.permute(0), [r(3, 4)]),
    ("diag_3d", lambda L, x: x.diag(), [r(2, 2, 2)]),
    ("diag_embed_same_dims", lambda L, x: L.diag_embed(x, 0, 1, 1), [r(3, 4)]),
    ("adjoint_1d", lambda L, x: x.adjoint(), [r(3)]),
    ("fliplr_1d", lambda L, x: x.fliplr(), [r(3)]),
    ("flipud_0d", lambda L, x: x.flipud(), [np.array(1.0)]),
    ("unbind_0d", lambda L, x: x.unbind(), [np.array(1.0)]),
    ("tensor_split_0d", lambda L, x: x.tensor_split(2), [np.array(1.0)]),
    ("tensor_split_zero_sections", lambda L, x: x.tensor_split(0), [r(3, 4)]),
    ("chunk_0d", lambda L, x: x.chunk(2), [np.array(1.0)]),
    ("stack_empty", lambda L: L.stack([]), []),
    ("hstack_empty", lambda L: L.hstack([]), []),
]


@pytest.mark.parametrize("case", MORE_ERRORS, ids=[c[0] for c in MORE_ERRORS])
def test_more_errors_match_torch(case):
    _, fn, arrays = case
    _raises_like(fn, *arrays)


def _family_names(package):
    """Every public function and every Function class defined in the family's files."""
    import importlib
    import inspect
    import pkgutil

    from glasstorch.autograd.function import Function

    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "_common":  # the family's base classes, not ops
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if (inspect.isclass(obj) and issubclass(obj, Function)) or (
                    inspect.isfunction(obj) and not name.startswith("_") and info.name != "checks"):
                yield name, obj


@pytest.mark.parametrize("family", ["shape", "reduce", "indexing"])
def test_family_package_exports_every_op_and_function_class(family):
    import importlib

    package = importlib.import_module(f"glasstorch.ops.{family}")
    names = list(_family_names(package))
    assert len(names) > 20
    for name, obj in names:
        assert getattr(package, name, None) is obj, f"glasstorch.ops.{family}.{name}"


def test_shape_checks_module_holds_the_raises():
    """An op file reads check, then compute: the messages live in checks.py."""
    import inspect

    from glasstorch.ops.shape import join, rearrange, views

    for module in (views, join, rearrange):
        assert "raise " not in inspect.getsource(module), module.__name__
