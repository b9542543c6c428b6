"""Matrix products against PyTorch: matmul in all its shapes, mm, bmm, dot, outer, addmm, einsum."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch
from compare import assert_close, check, gradchecks

import glasstorch as gt


def _arrays(name, *shapes):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return [rng.standard_normal(s) for s in shapes]


# (name, fn(lib, *tensors), list of shape tuples); every entry is twice differentiable
LINALG_OPS = [
    ("matmul", lambda m, a, b: m.matmul(a, b), [
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (3,)), ((3,), (2, 3, 4)),
        ((2, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((2, 2, 3), (2, 3, 4)), ((4, 1, 2, 3), (1, 5, 3, 2)),
        ((2, 1, 2, 3), (5, 3, 4)), ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((0,), (0,)), ((2, 0, 3), (3, 4))]),
    ("matmul_op", lambda m, a, b: a @ b, [((2, 3), (3, 4)), ((3, 2, 3), (3,)), ((3,), (3,))]),
    ("matmul_method", lambda m, a, b: a.matmul(b), [((2, 3), (3, 4))]),
    ("mm", lambda m, a, b: m.mm(a, b), [((2, 3), (3, 4)), ((1, 1), (1, 5)), ((0, 3), (3, 2))]),
    ("mm_method", lambda m, a, b: a.mm(b), [((2, 3), (3, 4))]),
    ("bmm", lambda m, a, b: m.bmm(a, b), [((2, 2, 3), (2, 3, 4)), ((1, 1, 1), (1, 1, 1)), ((0, 2, 3), (0, 3, 2))]),
    ("bmm_method", lambda m, a, b: a.bmm(b), [((3, 2, 3), (3, 3, 1))]),
    ("mv", lambda m, a, b: m.mv(a, b), [((2, 3), (3,))]),
    ("dot", lambda m, a, b: m.dot(a, b), [((3,), (3,)), ((1,), (1,)), ((0,), (0,))]),
    ("dot_method", lambda m, a, b: a.dot(b), [((4,), (4,))]),
    ("inner", lambda m, a, b: m.inner(a, b), [((3,), (3,)), ((2, 3), (4, 3)), ((2, 3), ())]),
    ("outer", lambda m, a, b: m.outer(a, b), [((3,), (4,)), ((1,), (2,)), ((0,), (2,))]),
    ("outer_method", lambda m, a, b: a.outer(b), [((3,), (2,))]),
    ("addmm", lambda m, c, a, b: m.addmm(c, a, b), [((2, 4), (2, 3), (3, 4)), ((4,), (2, 3), (3, 4)),
                                                    ((), (2, 3), (3, 4)), ((2, 1), (2, 3), (3, 4))]),
    ("addmm_scaled", lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2.0), [((2, 4), (2, 3), (3, 4))]),
    ("addmm_beta0", lambda m, c, a, b: m.addmm(c, a, b, beta=0), [((2, 4), (2, 3), (3, 4))]),
    ("addmm_method", lambda m, c, a, b: c.addmm(a, b, alpha=3), [((1, 4), (2, 3), (3, 4))]),
    ("baddbmm", lambda m, c, a, b: m.baddbmm(c, a, b, beta=2.0, alpha=0.5), [((2, 2, 4), (2, 2, 3), (2, 3, 4))]),
    ("tensordot", lambda m, a, b: m.tensordot(a, b, dims=2), [((2, 3, 4), (3, 4, 5))]),
    ("tensordot_lists", lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), [((2, 3, 4), (3, 4, 2))]),
    ("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [((2, 3), (3, 4))]),
    ("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [((2, 3), (3, 4))]),
    ("einsum_implicit_order", lambda m, a, b: m.einsum("ba,ac", a, b), [((2, 3), (3, 4))]),
    ("einsum_batch", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [((2, 2, 3), (2, 3, 4))]),
    ("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
     [((2, 2, 3), (2, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((2, 3), (3, 4))]),
    ("einsum_ellipsis_implicit", lambda m, a, b: m.einsum("...ij,...jk", a, b), [((2, 1, 2, 3), (5, 3, 4))]),
    ("einsum_ellipsis_middle", lambda m, a: m.einsum("i...j->j...i", a), [((2, 3, 4, 5),)]),
    ("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [((3,), (2,))]),
    ("einsum_sum", lambda m, a: m.einsum("ij->", a), [((2, 3),)]),
    ("einsum_rowsum", lambda m, a: m.einsum("ij->i", a), [((2, 3),)]),
    ("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), [((2, 3),)]),
    ("einsum_trace", lambda m, a: m.einsum("ii", a), [((3, 3),)]),
    ("einsum_diag", lambda m, a: m.einsum("ii->i", a), [((3, 3),)]),
    ("einsum_batch_diag", lambda m, a: m.einsum("bii->bi", a), [((2, 3, 3),)]),
    ("einsum_diag_mix", lambda m, a, b: m.einsum("iij,jk->ik", a, b), [((3, 3, 2), (2, 4))]),
    ("einsum_three", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), [((2, 3), (3, 4), (4, 2))]),
    ("einsum_list", lambda m, a, b: m.einsum("ij,ij->i", [a, b]), [((2, 3), (2, 3))]),
    ("einsum_broadcast_letter", lambda m, a, b: m.einsum("ij,ij->ij", a, b), [((1, 3), (2, 3))]),
    ("einsum_spaces", lambda m, a, b: m.einsum(" ij , jk -> ik ", a, b), [((2, 3), (3, 4))]),
    ("einsum_bilinear", lambda m, a, w, b: m.einsum("bi,oij,bj->bo", a, w, b), [((2, 3), (4, 3, 2), (2, 2))]),
]

CASES = [pytest.param(fn, shapes, dt, id=f"{name}-{i}-{np.dtype(dt).name}")
         for name, fn, all_shapes in LINALG_OPS for i, shapes in enumerate(all_shapes)
         for dt in (np.float64, np.float32)]


@pytest.mark.parametrize("fn,shapes,dtype", CASES)
def test_forward_and_grad_match_torch(fn, shapes, dtype):
    arrays = [a.astype(dtype) for a in _arrays(str(shapes), *shapes)]
    check(lambda *xs: fn(gt, *xs), lambda *xs: fn(torch, *xs), *arrays)


GRADCHECK = [pytest.param(fn, shapes, id=f"{name}-{i}")
             for name, fn, all_shapes in LINALG_OPS for i, shapes in enumerate(all_shapes)
             if all(0 not in s for s in shapes) and i < 4]


@pytest.mark.parametrize("fn,shapes", GRADCHECK)
def test_gradcheck(fn, shapes):
    gradchecks(lambda *xs: fn(gt, *xs), *_arrays(str(shapes), *shapes))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float16])
def test_other_dtypes(dtype):
    rng = np.random.default_rng(3)
    a, b = rng.integers(-3, 4, (2, 2, 3)).astype(dtype), rng.integers(-3, 4, (2, 3, 4)).astype(dtype)
    v = rng.integers(-3, 4, (3,)).astype(dtype)
    check(lambda x, y, z: (x @ y, x[0] @ y[0], z @ z, x @ z, gt.outer(z, z), gt.einsum("bij,bjk->bik", x, y)),
          lambda x, y, z: (x @ y, x[0] @ y[0], z @ z, x @ z, torch.outer(z, z), torch.einsum("bij,bjk->bik", x, y)),
          a, b, v, grad=False, rtol=1e-2, atol=1e-2)


def test_outer_promotes():
    check(lambda a, b: gt.outer(a, b), lambda a, b: torch.outer(a, b),
          np.ones(3, np.float32), np.arange(2), grad=False)


def test_addmm_beta0_ignores_nan():
    c = np.full((2, 2), np.nan)
    a, b = _arrays("nan", (2, 3), (3, 2))
    check(lambda x, y, z: gt.addmm(x, y, z, beta=0), lambda x, y, z: torch.addmm(x, y, z, beta=0), c, a, b)


def test_einsum_result_is_not_a_view():
    x = gt.tensor(np.eye(3))
    d = gt.einsum("ii->i", x)
    d += 1
    t = gt.einsum("ij->ji", x)
    t.mul_(5)
    np.testing.assert_array_equal(x.numpy(), np.eye(3))


def test_matmul_double_backward_batched():
    a, b = _arrays("dd", (2, 1, 2, 3), (4, 3, 2))
    gradchecks(lambda x, y: (x @ y).tanh(), a, b)


# ---------------------------------------------------------------- errors: type and exact message
def _raises_like_torch(fn):
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(gt)
    assert type(got.value) is type(want.value), f"{type(got.value)} != {type(want.value)}: {got.value}"
    assert str(got.value) == str(want.value)


def _o(m, *shape, dtype=None):
    t = m.ones(*shape)
    return t if dtype is None else t.to(getattr(m, dtype))


ERRORS = [
    ("mm_shapes", lambda m: m.mm(_o(m, 2, 3), _o(m, 4, 5))),
    ("matmul_2d", lambda m: _o(m, 2, 3) @ _o(m, 4, 5)),
    ("matmul_1d_2d", lambda m: _o(m, 3) @ _o(m, 4, 5)),
    ("matmul_2d_1d", lambda m: _o(m, 2, 3) @ _o(m, 4)),
    ("matmul_3d_2d", lambda m: _o(m, 2, 2, 3) @ _o(m, 4, 5)),
    ("matmul_3d_1d", lambda m: _o(m, 2, 5, 3) @ _o(m, 2)),
    ("matmul_1d_3d", lambda m: _o(m, 5) @ _o(m, 2, 4, 3)),
    ("matmul_2d_3d", lambda m: _o(m, 2, 3) @ _o(m, 2, 4, 5)),
    ("matmul_batched", lambda m: _o(m, 2, 1, 2, 3) @ _o(m, 5, 4, 5)),
    ("matmul_batch_broadcast", lambda m: _o(m, 3, 2, 3) @ _o(m, 2, 3, 5)),
    ("matmul_dot_sizes", lambda m: _o(m, 3) @ _o(m, 4)),
    ("matmul_0d", lambda m: m.matmul(_o(m), _o(m, 3))),
    ("matmul_scalar", lambda m: m.matmul(_o(m, 3), 2)),
    ("matmul_dtype_2d", lambda m: _o(m, 2, 3) @ _o(m, 3, 2, dtype="float64")),
    ("matmul_dtype_1d", lambda m: _o(m, 3) @ _o(m, 3, dtype="float64")),
    ("matmul_dtype_batched", lambda m: _o(m, 2, 2, 3) @ _o(m, 2, 3, 4, dtype="float64")),
    ("matmul_dtype_mv", lambda m: _o(m, 2, 3) @ _o(m, 3, dtype="float64")),
    ("matmul_bool", lambda m: _o(m, 2, 3, dtype="bool") @ _o(m, 3, 2, dtype="bool")),
    ("dot_bool", lambda m: m.dot(_o(m, 3, dtype="bool"), _o(m, 3, dtype="bool"))),
    ("mm_not_matrix", lambda m: m.mm(_o(m, 3), _o(m, 3, 3))),
    ("mm_mat2_not_matrix", lambda m: m.mm(_o(m, 3, 3), _o(m, 3))),
    ("mm_dtype", lambda m: m.mm(_o(m, 2, 3), _o(m, 3, 4, dtype="float64"))),
    ("bmm_sizes", lambda m: m.bmm(_o(m, 2, 2, 3), _o(m, 2, 4, 5))),
    ("bmm_batch", lambda m: m.bmm(_o(m, 2, 2, 3), _o(m, 3, 3, 5))),
    ("bmm_not_3d", lambda m: m.bmm(_o(m, 2, 3), _o(m, 3, 3, 5))),
    ("bmm_mat2_not_3d", lambda m: m.bmm(_o(m, 2, 2, 3), _o(m, 3, 5))),
    ("bmm_dtype", lambda m: m.bmm(_o(m, 2, 2, 3), _o(m, 2, 3, 5, dtype="float64"))),
    ("dot_sizes", lambda m: m.dot(_o(m, 3), _o(m, 4))),
    ("dot_dtype", lambda m: m.dot(_o(m, 3), _o(m, 3, dtype="float64"))),
    ("dot_2d", lambda m: m.dot(_o(m, 3, 1), _o(m, 3))),
    ("outer_2d", lambda m: m.outer(_o(m, 3, 1), _o(m, 3))),
    ("outer_vec2_2d", lambda m: m.outer(_o(m, 3), _o(m, 2, 1))),
    ("addmm_shapes", lambda m: m.addmm(_o(m, 3), _o(m, 2, 3), _o(m, 4, 3))),
    ("addmm_input_shape", lambda m: m.addmm(_o(m, 4, 3), _o(m, 2, 3), _o(m, 3, 3))),
    ("addmm_input_ndim", lambda m: m.addmm(_o(m, 1, 1, 3), _o(m, 2, 3), _o(m, 3, 3))),
    ("addmm_mat1_1d", lambda m: m.addmm(_o(m, 3), _o(m, 3), _o(m, 3, 3))),
    ("addmm_dtype", lambda m: m.addmm(_o(m, 3, dtype="float64"), _o(m, 2, 3), _o(m, 3, 3))),
    ("einsum_few_operands", lambda m: m.einsum("ij,jk", _o(m, 2, 3))),
    ("einsum_many_operands", lambda m: m.einsum("ij", _o(m, 2, 3), _o(m, 3))),
    ("einsum_ndim", lambda m: m.einsum("ijk->ij", _o(m, 3, 3))),
    ("einsum_ellipsis_ndim", lambda m: m.einsum("...ijk", _o(m, 2, 3))),
    ("einsum_bad_char", lambda m: m.einsum("i1", _o(m, 2, 3))),
    ("einsum_stray_dot", lambda m: m.einsum("ij.,jk", _o(m, 2, 3), _o(m, 3, 3))),
    ("einsum_out_repeated", lambda m: m.einsum("ij->jj", _o(m, 3, 3))),
    ("einsum_out_unknown", lambda m: m.einsum("ij->k", _o(m, 3, 3))),
    ("einsum_sizes", lambda m: m.einsum("ij,jk", _o(m, 2, 3), _o(m, 4, 5))),
    ("einsum_broadcast_sizes", lambda m: m.einsum("ij,ij->ij", _o(m, 2, 3), _o(m, 3, 3))),
    ("einsum_diag_sizes", lambda m: m.einsum("ii", _o(m, 2, 3))),
    ("einsum_dtype", lambda m: m.einsum("ij,jk->ik", _o(m, 2, 3), _o(m, 3, 4, dtype="float64"))),
]


@pytest.mark.parametrize("fn", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_match_torch(fn):
    _raises_like_torch(fn)


def test_matmul_message_example():
    with pytest.raises(RuntimeError) as e:
        gt.ones(2, 3) @ gt.ones(4, 5)
    assert str(e.value) == "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"
    assert_close(gt.ones(2, 3) @ gt.ones(3, 5), torch.ones(2, 3) @ torch.ones(3, 5))
