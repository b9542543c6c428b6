"""Cases the differential fuzzer found among the tensor ops from ``abs`` to ``item``, each against torch.

Every case runs on both libraries: the same values, dtype and shape, or the same
exception type (and, where given, the same words in the message).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt

INF = float("inf")


def same_error(fn, match=None):
    """``fn(lib)`` raises the same exception type in both libraries (and ``match`` in both messages)."""
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(gt)
    assert type(got.value) is type(want.value), f"{type(got.value).__name__}: {got.value} vs {want.value!r}"
    if match is not None:
        assert match in str(want.value), str(want.value)
        assert match in str(got.value), str(got.value)


def same_value(fn):
    """``fn(lib)`` returns a tensor of the same dtype, shape and values (NaN where torch has NaN)."""
    want, got = fn(torch), fn(gt)
    assert str(got.dtype).rsplit(".", 1)[-1] == str(want.dtype).rsplit(".", 1)[-1]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy().astype(np.float64), want.detach().numpy().astype(np.float64),
                               rtol=1e-6, equal_nan=True)
    return got


def i(t, v, dtype="int64"):
    return t.tensor(v, dtype=getattr(t, dtype))


# ---------------------------------------------------------------- index_select / index_add / gather / index_put
@pytest.mark.parametrize("shape, dim, index, match", [
    ((0, 3), -2, [0, 0], "self indexing axis dim should be positive"),   # empty matrix, empty dim
    ((2, 0), 0, [-2], "INDICES element is out of DATA bounds, id=-2"),    # empty matrix
    ((3, 4, 2), 1, [1, 4, -1], "INDICES element is out of DATA bounds, id=4"),  # dim 1: its own kernel
    ((3, 4, 2), 2, [4], "index out of range in self"),
    ((1, 4, 2), 0, [2], "index out of range in self"),
    ((0,), 0, [0, 0], "index out of range in self"),
])
def test_index_select_errors_follow_torchs_kernels(shape, dim, index, match):
    same_error(lambda t: t.index_select(t.ones(shape), dim, i(t, index)), match)


@pytest.mark.parametrize("shape, dim, index, src_shape, alpha, match", [
    ((2, 3), 0, [2], (1, 3), 1, "is out of bounds for dimension 0"),     # first dim, alpha 1: scatter_add's words
    ((2, 3), 1, [3], (2, 1), 1, "is out of bounds for dimension 1"),     # last dim
    ((1, 2, 3), 1, [-1], (1, 1, 3), 1, "index out of range in self"),    # a middle dim
    ((2, 3), 0, [2], (1, 3), 2, "index out of range in self"),           # alpha other than 1
    ((2, 3), 0, [2], (1, 3), True, "index out of range in self"),        # a bool alpha is not 1
    ((3,), 0, [0, 1], (), 1, "Dimension specified as 0 but tensor has no dimensions"),
    ((), 0, [-2, 0, -2], (), 1, "Dimension specified as 0 but tensor has no dimensions"),
    ((), 0, [0], (1,), 1, "source tensor shape must match self tensor shape"),
    ((3, 1, 1), -1, [-1, 0, 0], (), 1, "Indexing dim 2 is out of bounds of the source tensor with dim 0"),
    ((3,), 0, [0, 1, 2], (2, 2), 1, "Number of indices (3) should be equal to source.size(dim)"),
])
def test_index_add_errors(shape, dim, index, src_shape, alpha, match):
    same_error(lambda t: t.index_add(t.ones(shape), dim, i(t, index), t.ones(src_shape), alpha=alpha), match)


def test_index_add_alpha_and_0d_index():
    same_value(lambda t: t.ones(2, 3, 3, dtype=t.float16).index_add(1, i(t, 1), t.ones(2, 1, 3, dtype=t.float16)))
    same_value(lambda t: i(t, [1, 4, 0, 3], "uint8").index_add(0, i(t, [1, 0, 3]), i(t, [4, 3, 4], "uint8"), alpha=2.5))
    same_error(lambda t: i(t, [1, 4, 0, 3], "uint8").index_add(0, i(t, [1, 0, -3]), i(t, [4, 3, 4], "uint8"),
                                                               alpha=300), "without overflow")
    same_error(lambda t: t.tensor([-1, 3, 3]).index_add(-1, i(t, [-3, 1]), t.tensor([2, -1]), alpha=INF),
               "without overflow")


def test_index_add_alpha_with_nothing_to_add():
    same_value(lambda t: t.ones(3, 3, 1).long().index_add(-3, i(t, []), t.ones(0, 3, 1).long(), alpha=-INF))
    same_error(lambda t: t.ones(3).long().index_add(0, i(t, []), t.ones(0).long(), alpha=-INF), "without overflow")


def test_index_add_into_an_empty_matrix_ignores_the_indices():
    same_value(lambda t: t.index_add(t.ones(0, 3), 0, i(t, [-1]), t.ones(1, 3)))
    same_value(lambda t: t.index_add(t.ones(2, 0), 1, i(t, [5]), t.ones(2, 1)))
    same_error(lambda t: t.index_add(t.ones(0), 0, i(t, [0]), t.ones(1)), "index out of range in self")
    x = gt.ones(0, 3, requires_grad=True)
    src = gt.ones(1, 3, requires_grad=True)
    gt.index_add(x, 0, gt.tensor([7]), src).sum().backward()
    assert src.grad.tolist() == [[0.0, 0.0, 0.0]]


def test_gather_takes_empty_and_0d_indices():
    same_value(lambda t: t.ones(2, 2).gather(0, i(t, [])))
    same_value(lambda t: t.ones(2, 2).gather(1, t.ones(3, 0, 1, dtype=t.int64)))
    same_value(lambda t: t.tensor(-1.5).gather(0, i(t, [0, 0])))
    same_value(lambda t: t.tensor([1.0, 2.0]).gather(0, i(t, 1)))
    same_error(lambda t: t.tensor(-1.5).gather(0, i(t, [1])), "out of bounds")
    same_error(lambda t: t.tensor(-1.5).gather(0, i(t, [[0]])), "same number of dimensions")
    x = gt.tensor(2.0, requires_grad=True)
    x.gather(0, gt.tensor([0, 0])).sum().backward()
    assert x.grad.item() == 2.0


def test_index_put_checks_in_torchs_order():
    same_error(lambda t: t.tensor(0.5).index_put((t.tensor(True),), t.tensor(1.0)),
               "too many indices for tensor of dimension 0 (got 1)")
    same_error(lambda t: t.ones(0, dtype=t.float16).index_put((i(t, [-1]),), i(t, -2, "int32")),
               "index is out of bounds for dimension with size 0")
    same_error(lambda t: t.ones(4, 1, 1, dtype=t.int32).index_put((i(t, [100, -2]),), i(t, [2, 2], "int32")),
               "shape mismatch")
    same_error(lambda t: t.tensor([[0]], dtype=t.int8).index_put((t.tensor([[False]]),), i(t, [[-1]], "int8"),
                                                                  accumulate=True), "shape mismatch")
    same_error(lambda t: t.tensor([1.0, 2.0]).index_put_((i(t, [1]),), t.tensor([True])), "dtypes match")
    # nothing is written: torch never looks at the index values
    same_value(lambda t: t.ones(4, 1, 0, dtype=t.int32).index_put((i(t, [100, -2]),), i(t, [2], "int32")))


def test_index_put_with_one_mask_and_one_value_fills_the_mask():
    same_error(lambda t: t.ones(2, 2, dtype=t.uint8).index_put_((t.ones(2, 2, dtype=t.bool),), t.tensor(-1.33)),
               "without overflow")
    same_value(lambda t: t.ones(2, 2, dtype=t.uint8).index_put_((t.ones(2, 2, dtype=t.bool),), t.tensor(-1)))
    same_value(lambda t: i(t, [[4]], "int32").index_put_((t.tensor([[True]]),), i(t, [[5]], "int32")))
    same_value(lambda t: t.tensor([[5]], dtype=t.int32).index_put((t.tensor([[True]]),), i(t, [[-2]], "int32")))
    same_value(lambda t: t.tensor([2]).index_put((t.tensor([True]),), i(t, -4, "int16")))
    same_value(lambda t: t.tensor([[2, 3]]).index_put((t.tensor([False]),), i(t, [-4], "int16")))


# ---------------------------------------------------------------- in-place results
@pytest.mark.parametrize("fn, match", [
    (lambda t: t.tensor([1, 2], dtype=t.int32).bitwise_and_(t.ones(2)), "can't be cast to the desired output type"),
    (lambda t: t.tensor([True]).bitwise_or_(1.5), "can't be cast to the desired output type"),
    (lambda t: t.tensor(1, dtype=t.int32).bitwise_xor_(t.ones(3)), "doesn't match the broadcast shape"),
    (lambda t: t.tensor([[1.0]]).bitwise_and_(t.ones(2)), "doesn't match the broadcast shape"),
    (lambda t: t.tensor([1.0, 2.0]).bitwise_and_(t.ones(2)), "not implemented for 'Float'"),
    (lambda t: t.tensor(1, dtype=t.int32).add_(t.ones(3)), "doesn't match the broadcast shape"),
    (lambda t: t.tensor([1.0]).float_power_(2), "has dtype Float but the operation's result requires dtype Double"),
    (lambda t: t.tensor([1.0], dtype=t.float16).float_power_(True), "requires dtype Double"),
    (lambda t: t.ones(1).baddbmm_(t.ones(1, 1, 1), t.ones(1, 1, 1, dtype=t.float16)), "Bad in-place call"),
    (lambda t: t.ones(1).baddbmm_(t.ones(1, 1, 1), t.ones(1, 1, 1)), "Bad in-place call"),
    (lambda t: t.ones(0).baddbmm_(t.ones(0, 1, 1), t.ones(0, 1, 1, dtype=t.float16)), "expanded size"),
])
def test_in_place_output_checks(fn, match):
    same_error(fn, match)


def test_float_power_in_place_on_float64():
    same_value(lambda t: t.tensor([1.5, 2.0], dtype=t.float64).float_power_(t.tensor([2.0, 3.0])))


# ---------------------------------------------------------------- clamp
def test_clamp_bounds_are_two_tensors_or_two_numbers():
    same_error(lambda t: t.clamp(t.ones(2), 0, t.ones(2)), "invalid combination of arguments")
    same_error(lambda t: t.clip(t.ones(2), t.ones(2), 1.0), "invalid combination of arguments")
    same_error(lambda t: t.ones(2).clamp_(t.ones(2), 0), "invalid combination of arguments")
    # a 0-d tensor passes for a number
    same_value(lambda t: t.tensor([-5.0], dtype=t.float64).clip(False, t.tensor(-1.0, dtype=t.float64)))
    same_value(lambda t: t.tensor([-5], dtype=t.int32).clamp(0, t.tensor(-1.5, dtype=t.float64)))
    same_error(lambda t: t.tensor(-3, dtype=t.int32).clamp_(0, t.tensor(-1.5, dtype=t.float64)),
               "can't be cast to the desired output type")
    same_value(lambda t: t.clamp(t.ones(2), None, t.zeros(2)))


def test_integer_scalars_must_fit_the_dtype():
    for fn in (lambda t: t.tensor([2], dtype=t.int8).clamp_max(300),
               lambda t: t.tensor([2], dtype=t.int8).clamp(-300, 5),
               lambda t: t.ones(3, dtype=t.uint8).add(3, alpha=300),
               lambda t: t.ones(3, dtype=t.uint8).add(i(t, -3, "int32"), alpha=300),
               lambda t: t.ones(3, dtype=t.int8).sub(t.ones(3, dtype=t.int8), alpha=300),
               lambda t: t.tensor(3, dtype=t.uint8).fill_(256),
               lambda t: t.tensor(3, dtype=t.uint8).fill_(-2.5),
               lambda t: t.full((2,), -256, dtype=t.uint8),
               lambda t: t.ones(2, dtype=t.int8).addcmul(t.ones(2, dtype=t.int8), t.ones(2, dtype=t.int8), value=300),
               lambda t: t.ones(2, dtype=t.int32).addcmul(t.ones(2, dtype=t.int32), t.ones(2, dtype=t.int8),
                                                          value=INF)):
        same_error(fn, "without overflow")
    # negative integers wrap into unsigned dtypes, down to -max
    same_value(lambda t: t.tensor(3, dtype=t.uint8).fill_(-1))
    # a tensor value is cast, not checked
    same_value(lambda t: t.ones(2, dtype=t.int64).fill_(t.tensor(-INF)))
    same_value(lambda t: t.ones(2, dtype=t.uint8).fill_(t.tensor(300)))
    same_value(lambda t: t.full((2,), -255, dtype=t.uint8))
    same_value(lambda t: t.full_like(i(t, [[4, -2]], "int32"), -1, dtype=t.uint8))
    same_value(lambda t: t.tensor([2], dtype=t.uint8).clamp_min(-255))
    same_value(lambda t: t.ones(3, dtype=t.uint8).add(i(t, -3, "int32"), alpha=255))


def test_python_numbers_for_an_integer_dtype():
    for fn in (lambda t: t.as_tensor([5, INF], dtype=t.int32),
               lambda t: t.as_tensor(-INF, dtype=t.int64),
               lambda t: t.as_tensor(300, dtype=t.uint8),
               lambda t: t.as_tensor([-1.0], dtype=t.uint8),
               lambda t: t.as_tensor(np.int64(300), dtype=t.uint8),
               lambda t: t.asarray([5, INF], dtype=t.int32)):
        same_error(fn, "without overflow")
    same_error(lambda t: t.as_tensor(np.float32(2.0), dtype=t.uint8), "cannot be interpreted as an integer")
    same_error(lambda t: t.as_tensor(np.float32(2.0), dtype=t.bool), "cannot be interpreted as an integer")
    same_error(lambda t: t.as_tensor(np.True_, dtype=t.int16), "cannot be interpreted as an integer")
    same_error(lambda t: t.as_tensor([np.True_], dtype=t.int16), "cannot be interpreted as an integer")
    same_value(lambda t: t.as_tensor([True, 2], dtype=t.uint8))
    # ints and floats mixed: each number by its own type
    same_value(lambda t: t.asarray([[-3, 2], [3.25, -1]], dtype=t.uint8))
    same_error(lambda t: t.as_tensor([[-3, 2], [3.25, -1.0]], dtype=t.uint8), "without overflow")


@pytest.mark.parametrize("args, dtype", [
    ((2.5,), "int64"), ((0.5, 2.5), "int64"), ((-1.5, 2.5), "int64"), ((0.5, 3.7, 1.1), "int32"),
    ((0, 5, 1.5), "int64"), ((0.5, 2.5), "uint8"), ((1, 2.5, 0.3), "float64"), ((10, 0, -3), None),
    ((0.5,), "int16"), ((0.5,), "int64"), ((0, 5, 1.5), "int32"), ((0, 2.5, 0.5), "int32"), ((-0.5, 2.5), "int32"),
    ((0, 300, 100), "int8"), ((10.7, -3, -3.5), "int64"), ((10.7, -3, -3.5), "int32")])
def test_arange_with_an_integer_dtype_truncates_its_numbers_first(args, dtype):
    same_value(lambda t: t.arange(*args, dtype=getattr(t, dtype) if dtype else None))


def test_arange_errors():
    same_error(lambda t: t.arange(0, 2.5, 0.5, dtype=t.int64), "step must be nonzero")
    same_error(lambda t: t.arange(0, 5, -0.5, dtype=t.int64), "inconsistent with step sign")
    same_error(lambda t: t.arange(float("nan"), dtype=t.int64), "unsupported range")
    same_error(lambda t: t.arange(INF), "unsupported range")
    same_value(lambda t: t.as_tensor([-1, 2], dtype=t.uint8))
    same_value(lambda t: t.as_tensor([1.5, 2], dtype=t.int8))
    same_value(lambda t: t.as_tensor(np.array([300]), dtype=t.uint8))  # arrays are cast, not checked
    same_value(lambda t: t.asarray(np.float32(300.0), dtype=t.uint8))
    same_value(lambda t: t.asarray(np.float32(2.0), dtype=t.bool))


# ---------------------------------------------------------------- integer division
def test_integer_division_by_zero_only_for_non_empty_results():
    for fn in (lambda t: t.fmod(t.ones(2, 3, dtype=t.int16), False),
               lambda t: t.ones(2, dtype=t.int16).remainder(False),
               lambda t: t.ones(2, dtype=t.int16).fmod_(False),
               lambda t: t.ones(2, dtype=t.int16).divide(False, rounding_mode="floor")):
        same_error(fn, "ZeroDivisionError")
    same_value(lambda t: t.fmod(t.ones(2, 0, dtype=t.int16), t.tensor([False])))
    same_value(lambda t: t.ones(2, 1, 0, dtype=t.int16).divide(t.tensor([[[False], [False]]]), rounding_mode="trunc"))
    same_value(lambda t: t.ones(0, dtype=t.int16).floor_divide(0))
    same_value(lambda t: t.tensor([[-1.5, 1.25]]).floor_divide(0))


def test_trunc_division_at_the_integer_extremes():
    same_value(lambda t: i(t, [[-3, -3, -4], [-1, -3, 0]], "int16").divide(
        t.tensor([[5, 2, -9223372036854775808], [9223372036854775807, 2, 2]]), rounding_mode="trunc"))
    same_value(lambda t: t.tensor([-7, 7, -7, 7, 0, -6]).divide(t.tensor([2, -2, -2, 2, 5, 3]), rounding_mode="trunc"))


# ---------------------------------------------------------------- dims
def test_dims_of_0d_and_empty_tensors():
    for name in ("argmax", "argmin", "argsort"):
        same_error(lambda t, n=name: getattr(t, n)(t.tensor(-5), 1), "Dimension out of range")
    same_error(lambda t: t.tensor(1.0).cummax(1), "Expected reduction dim -1 or 0 for scalar but got 1")
    same_value(lambda t: t.ones(2, 0).cummin(-3).values)
    same_value(lambda t: t.ones(2, 0).cummax(5).indices)
    same_error(lambda t: t.ones(0, 3).amin([0, 5]), "Expected reduction dim 0 to have non-zero size")
    same_error(lambda t: t.ones(0, 3).amax([0, 0]), "Expected reduction dim 0 to have non-zero size")
    same_error(lambda t: t.ones(2, 1, 1, 4).flip(3, -2, 2, -5), "dim 2 appears multiple times")  # in order
    same_error(lambda t: t.count_nonzero(t.ones(2, 2, 2, 2), [-4, -4, 4, 2]), "Dimension out of range")  # all first
    same_error(lambda t: t.count_nonzero(t.ones(2, 2, 2, 2), [1, 3, -1]), "dim 3 appears multiple times")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_value(lambda t: t.tensor(0.5).adjoint())


# ---------------------------------------------------------------- matrix products
def test_integer_addmm_and_baddbmm_truncate_alpha_and_beta():
    a, b = [[2, 3, 1]], [[5], [4], [1]]
    same_value(lambda t: t.addmm(t.tensor(5), t.ones(2, 3).long(), t.ones(3, 1).long(), beta=0.5))
    same_value(lambda t: t.tensor([[-5]]).addmm(t.tensor(a), t.tensor(b), alpha=1.5))
    same_value(lambda t: t.tensor([[[-5]]]).baddbmm(t.tensor([a]), t.tensor([b]), beta=0.5))
    same_value(lambda t: t.tensor([[[-5]]]).baddbmm_(t.tensor([a]), t.tensor([b]), beta=0, alpha=-1.0))


def test_bmm_and_baddbmm_without_work_take_batch2s_dtype():
    same_value(lambda t: t.bmm(t.ones(1, 1, 0, dtype=t.float64), t.ones(1, 0, 2)))
    same_value(lambda t: t.bmm(t.ones(0, 1, 1, dtype=t.int64), t.ones(0, 1, 2)))
    same_value(lambda t: t.baddbmm(t.ones(2, dtype=t.float64), t.ones(0, 1, 1, dtype=t.float64), t.ones(0, 1, 2)))
    same_value(lambda t: t.baddbmm(t.ones(2), t.ones(1, 1, 0), t.ones(1, 0, 2, dtype=t.float64)))
    same_value(lambda t: t.baddbmm(t.tensor([1e4], dtype=t.float16), t.ones(0, 1, 1, dtype=t.float16),
                                   t.ones(0, 1, 1, dtype=t.bool), alpha=2))
    same_error(lambda t: t.baddbmm(t.tensor([1e4], dtype=t.float16), t.ones(1, 1, 0, dtype=t.float16),
                                   t.ones(1, 0, 1, dtype=t.bool)), "can't be cast to the desired output type Bool")
    same_error(lambda t: t.bmm(t.ones(2, 2, 2, dtype=t.float64), t.ones(2, 2, 2)), "expected scalar type Double")
    same_error(lambda t: t.baddbmm(t.ones(2), t.ones(1, 1, 1, dtype=t.float64), t.ones(1, 1, 2, dtype=t.float64)),
               "Input dtypes must be the same")


def test_nothing_to_contract_scales_input_by_a_typed_beta():
    ones = lambda t, *s, d="int64": t.ones(*s, dtype=getattr(t, d))  # noqa: E731
    same_error(lambda t: t.baddbmm(ones(t, 2, 2, 2), ones(t, 2, 2, 0), ones(t, 2, 0, 2), beta=0.5),
               "result type Float can't be cast to the desired output type Long")
    same_error(lambda t: t.addmm(ones(t, 2, 2), ones(t, 2, 0), ones(t, 0, 2), beta=0.5), "result type Float")
    same_value(lambda t: t.baddbmm(ones(t, 2, 2, 2), ones(t, 2, 2, 0), ones(t, 2, 0, 2), beta=0.0))
    same_value(lambda t: t.baddbmm(ones(t, 2, 2, 2), ones(t, 2, 2, 0), ones(t, 2, 0, 2), beta=2, alpha=0.5))
    same_value(lambda t: t.baddbmm(ones(t, 2, 2, 2, d="bool"), ones(t, 2, 2, 0, d="bool"), ones(t, 2, 0, 2, d="bool"),
                                   beta=True))


def test_det_of_empty_float16():
    same_value(lambda t: t.det(t.ones(3, 0, 0, dtype=t.float16)))
    same_value(lambda t: t.det(t.ones(0, 2, 2, dtype=t.float16)))
    same_error(lambda t: t.det(t.ones(2, 2, dtype=t.float16)), "not implemented for 'Half'")


NONFINITE = [[[2.0, 0.5], [-INF, INF]], [[10000.0, INF], [-1.0, INF]], [[3.0, 0.0], [-INF, 1.0]],
             [[0.5, 10000.0, -2.33], [-1.0, 0.0, INF], [0.0, 2.0, 0.5]],
             [[-2.33, float("nan"), 0.0], [0.5, 5.0, float("nan")], [-INF, 10000.0, -INF]],
             [[float("nan"), 3.0, 0.5], [0.0, 0.5, 5.0], [float("nan"), 5.0, 2.0]],
             [[-1.0, 10000.0, -1.0, -2.33], [-INF, -2.33, 2.0, -1.0], [5.0, -2.33, 2.0, 10000.0], [2.0, -INF, 0.0, 5.0]]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("a", NONFINITE, ids=range(len(NONFINITE)))
def test_det_and_inverse_with_inf_and_nan_entries(a, dtype):
    # inf, -inf or NaN exactly where torch's LAPACK elimination puts them
    same_value(lambda t: t.det(t.tensor(a, dtype=getattr(t, dtype))))
    same_value(lambda t: t.det(t.tensor([a, a], dtype=getattr(t, dtype)).neg()))
    try:
        torch.inverse(torch.tensor(a))
    except RuntimeError as e:  # a zero pivot: singular for torch, and for us (torch's LinAlgError, a RuntimeError)
        with pytest.raises(RuntimeError) as got:
            gt.inverse(gt.tensor(a, dtype=getattr(gt, dtype)))
        assert str(got.value) == str(e)
    else:
        same_value(lambda t: t.inverse(t.tensor(a, dtype=getattr(t, dtype))))


def test_cdist_of_empty_inputs():
    same_value(lambda t: t.cdist(t.ones(0, 3, dtype=t.float64), t.ones(1, 3, dtype=t.float64), p=INF))
    same_value(lambda t: t.cdist(t.ones(2, 0, dtype=t.float64), t.ones(2, 0, dtype=t.float64), p=INF))
    same_value(lambda t: t.cdist(t.ones(1, 2, 0, dtype=t.float64), t.ones(1, 2, 1, 0), p=3.0))
    same_value(lambda t: t.cdist(t.ones(0, 1), t.ones(1, 1, dtype=t.float64)))
    same_error(lambda t: t.cdist(t.ones(1, 2, dtype=t.float64), t.ones(3, 2), p=3.0), "expected scalar type Double")


# ---------------------------------------------------------------- values
def test_addcmul_addcdiv_in_the_common_dtype():
    h = [1.001, 2.003, 3.007]
    same_value(lambda t: t.tensor([1.0, 2.0, 3.0], dtype=t.float16).addcmul(
        t.tensor(h, dtype=t.float16), t.tensor([100.1, 200.3, 300.7], dtype=t.float16), value=0.3))
    same_value(lambda t: t.tensor([1.0, 2.0, 3.0], dtype=t.float16).addcmul(
        t.tensor(h, dtype=t.float16), i(t, [100, 200, 300], "int32"), value=0.3))
    same_value(lambda t: t.tensor([-1.0, 5.0, 3.0], dtype=t.float64).addcdiv(
        t.tensor([1.796260118484497, -1.2182217836380005, INF]), i(t, [5, 4, 0], "uint8"), value=3.25))
    same_value(lambda t: t.tensor([-1, 5, 3]).addcmul(t.tensor([1, 2, 3]), t.tensor([5, 4, 0]), value=2.5))
    # integer operands are rounded to float16 before the float32 arithmetic
    same_value(lambda t: i(t, [[2049, 60000, -3]], "int32").addcdiv(
        t.tensor([[1.5, 2.0, 0.1]], dtype=t.float16), t.tensor([[3, 2049, 7]]), value=0.7))
    x = gt.tensor([1.0, 2.0], dtype=gt.float16, requires_grad=True)
    y = gt.tensor([3.0, 4.0], dtype=gt.float16, requires_grad=True)
    x.addcmul(y, gt.tensor([2.0, 2.0], dtype=gt.float16), value=0.5).sum().backward()
    assert x.grad.dtype == gt.float16 and x.grad.tolist() == [1.0, 1.0] and y.grad.tolist() == [1.0, 1.0]


def test_digamma_of_signed_zero():
    for dtype in ("float16", "float32", "float64"):
        same_value(lambda t, d=dtype: t.digamma(t.tensor([0.0, -0.0, 1.0, -1.0, -2.5], dtype=getattr(t, d))))


def test_exponential_of_an_empty_integer_tensor():
    same_value(lambda t: t.ones(0, dtype=t.int64).exponential_())
    same_error(lambda t: t.ones(2, dtype=t.int64).exponential_(), "must be a floating point")


def test_bool_add_with_bool_alpha_stays_bool():
    same_value(lambda t: t.ones(2, dtype=t.bool).add(False, alpha=False))
    same_value(lambda t: t.ones(2, dtype=t.bool).add(True, alpha=True))
