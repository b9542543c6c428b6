"""Cases the differential fuzzer found, each checked against torch (values, dtypes, messages)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glasstorch as gt
import glasstorch.nn.functional as F


def same_error(fn, match=None):
    """``fn(lib, F)`` raises the same exception type in both libraries (and ``match`` in ours)."""
    with pytest.raises(Exception) as want:
        fn(torch, TF)
    with pytest.raises(Exception) as got:
        fn(gt, F)
    assert type(got.value) is type(want.value), f"{type(got.value).__name__}: {got.value} vs {want.value!r}"
    if match is not None:
        assert match in str(got.value), str(got.value)
    return got.value


def same_value(fn):
    want, got = fn(torch, TF), fn(gt, F)
    assert str(got.dtype).rsplit(".", 1)[-1] == str(want.dtype).rsplit(".", 1)[-1]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, equal_nan=True)
    return got


# ---------------------------------------------------------------- wrong values
def test_add_alpha_scales_in_the_result_dtype():
    out = gt.add(gt.zeros(2, dtype=gt.float64), gt.tensor([5, 1], dtype=gt.uint8), alpha=-1)
    assert out.dtype == gt.float64 and out.tolist() == [-5.0, -1.0]
    same_value(lambda t, F: t.sub(t.ones(2), 300, alpha=0.5))
    same_value(lambda t, F: t.add(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool), alpha=2))
    same_error(lambda t, F: t.add(t.ones(2), t.ones(2), alpha=True), "Boolean alpha")
    same_error(lambda t, F: t.add(t.ones(2, dtype=t.int64), 2, alpha=0.5), "must not be a floating point")


def test_integer_pooling():
    x = np.array([[[[-3, 0, 5, 2], [1, 1, -7, 4]]]]) - 10
    for kw in ({}, {"padding": 1}, {"stride": 1}):
        same_value(lambda t, F, kw=kw: F.max_pool2d(t.tensor(x), 2, **kw))
        out = same_value(lambda t, F, kw=kw: F.avg_pool2d(t.tensor(x), 2, **kw))
        assert out.dtype == gt.int64
    same_value(lambda t, F: F.avg_pool1d(t.tensor(x[0]), 2))


def test_ignored_rows_do_not_leak_nan():
    x = [[math.nan, 0.0], [1.0, 2.0]]
    for reduction in ("mean", "sum", "none"):
        same_value(lambda t, F, r=reduction: F.nll_loss(t.tensor(x), t.tensor([-100, 1]), reduction=r))
        same_value(lambda t, F, r=reduction: F.cross_entropy(t.tensor(x), t.tensor([-100, 1]), reduction=r))
    same_value(lambda t, F: F.cross_entropy(t.tensor(x), t.tensor([-100, 1]), label_smoothing=0.1))


def test_area_interpolation_keeps_inf_in_its_window():
    out = same_value(lambda t, F: F.interpolate(t.tensor([[[1.0, math.inf, 2.0, 3.0]]]), size=2, mode="area"))
    assert out.tolist() == [[[math.inf, 2.5]]]
    x = np.array([[[[1, math.inf, 2, 3, 4], [1, 2, 3, 4, 5], [0, 0, 0, 1, 2]]]])
    same_value(lambda t, F: F.adaptive_avg_pool2d(t.tensor(x), (2, 3)))


def test_chunk_of_empty_and_numpy_scalars():
    assert [tuple(c.shape) for c in gt.chunk(gt.ones(0), 2)] == [(0,), (0,)]
    assert len(gt.chunk(gt.ones(0, 3), 3)) == 3
    same_error(lambda t, F: t.chunk(t.tensor(1.0), 2), "at least a 1-dimensional")
    for v in (np.float64(2.0), np.float32(2.0), np.int32(2), np.uint8(2), np.bool_(True)):
        assert str(gt.tensor(v).dtype) == str(torch.tensor(v).dtype)


def test_diag_embed_places_the_diagonal_at_dim1_dim2():
    x = np.arange(6.0).reshape(2, 3)
    for args in ((0, 0, 2), (1, 0, 1), (-1, 2, 0)):
        same_value(lambda t, F, a=args: t.diag_embed(t.tensor(x), *a))
    same_error(lambda t, F: t.diag_embed(t.tensor(x), 0, 1, 1), "cannot be identical")


# ---------------------------------------------------------------- misleading errors
def test_float_and_int32_labels_to_cross_entropy():
    same_error(lambda t, F: F.cross_entropy(t.zeros(4, 3), t.tensor([0.0, 1, 2, 0])),
               "expected target dtype to be Long or Byte, but got Float")
    for fn in ("cross_entropy", "nll_loss"):
        same_error(lambda t, F, fn=fn: getattr(F, fn)(t.zeros(2, 3), t.tensor([0, 1], dtype=t.int32)),
                   "but got Int")
    same_value(lambda t, F: F.cross_entropy(t.zeros(2, 3), t.tensor([0, 1], dtype=t.uint8)))


def test_numpy_array_to_linear():
    err = same_error(lambda t, F: t.nn.Linear(3, 4)(np.ones((2, 3), np.float32)))
    assert str(err) == "linear(): argument 'input' (position 1) must be Tensor, not numpy.ndarray"


# ---------------------------------------------------------------- internal errors
@pytest.mark.parametrize("case", [
    lambda t, F: t.gather(t.tensor(1.0), 0, t.tensor(0)),
    lambda t, F: t.scatter(t.tensor(1.0), 0, t.tensor(0), t.tensor(5.0)),
    lambda t, F: t.scatter_add(t.tensor(1.0), 0, t.tensor(0), t.tensor(5.0)),
    lambda t, F: t.log_softmax(t.tensor(1.0), 0),
    lambda t, F: t.log_softmax(t.tensor(math.inf), 0),
    lambda t, F: t.movedim(t.tensor(1.0), 0, -1),
    lambda t, F: t.topk(t.tensor(1.0), 0).values,
    lambda t, F: t.index_add(t.tensor(1.0), 0, t.tensor([0]), t.tensor(2.0)),
    lambda t, F: t.tile(t.tensor(1.0), (2,)),
    lambda t, F: t.ones(3).unfold(0, 0, 1),
], ids=["gather", "scatter", "scatter_add", "log_softmax", "log_softmax_inf", "movedim", "topk", "index_add",
        "tile", "unfold"])
def test_zero_dim_inputs(case):
    same_value(case)


@pytest.mark.parametrize("case, match", [
    (lambda t, F: t.argmax(t.ones(2, 3), dim=()), "must be int, not tuple"),
    (lambda t, F: t.prod(t.ones(2, 3), dim=()), "must be int, not tuple"),
    (lambda t, F: t.max(t.ones(2, 3), dim=()), "must be int, not tuple"),
    (lambda t, F: t.pow(t.tensor([2]), -1), "negative integer powers"),
    (lambda t, F: t.index_add(t.zeros(3), 0, t.tensor([5]), t.ones(1)), "index out of range"),
    (lambda t, F: t.index_add(t.zeros(3, 2), 0, t.tensor([5]), t.ones(1, 2)), "out of bounds"),
    (lambda t, F: t.index_add(t.zeros(3, 2), 0, t.tensor([0, 1]), t.ones(1, 2)), "Number of indices (2)"),
    (lambda t, F: t.where(t.ones(2, dtype=t.bool), t.ones(3), t.ones(2)), "must match the size"),
    (lambda t, F: t.ones(2, dtype=t.int64).fill_(math.nan), "int64_t without overflow"),
    (lambda t, F: t.full((2,), 300, dtype=t.int8), "int8_t without overflow"),
    (lambda t, F: t.masked_fill(t.ones(2, dtype=t.int32), t.ones(2, dtype=t.bool), math.inf), "without overflow"),
    (lambda t, F: t.roll(t.tensor(1.0), 1, 0), "no dimensions"),
    (lambda t, F: t.roll(t.ones(2), (1, 2), 0), "must align"),
    (lambda t, F: t.movedim(t.ones(2, 3), (0, 0), (0, 1)), "repeated dim"),
    (lambda t, F: t.movedim(t.ones(2, 3), (0,), (0, 1)), "same number of dims"),
    (lambda t, F: t.split(t.tensor(1.0), 1), "at least a 1-dimensional"),
    (lambda t, F: t.tensor_split(t.ones(3), 0), "larger than 0"),
    (lambda t, F: t.narrow(t.tensor(1.0), 0, 0, 1), "0-dim"),
    (lambda t, F: t.hstack([]), "non-empty TensorList"),
    (lambda t, F: t.column_stack([]), "non-empty TensorList"),
    (lambda t, F: t.rot90(t.ones(2, 2), 1, 0), "tuple of ints"),
    (lambda t, F: t.rot90(t.tensor(1.0)), "total dims >= 2"),
    (lambda t, F: t.ones(3).unfold(0, 2, 0), "step is 0"),
    (lambda t, F: t.ones(3).unfold(0, 4, 1), "maximum size"),
])
def test_clean_errors(case, match):
    same_error(case, match)


# ---------------------------------------------------------------- silently accepted
@pytest.mark.parametrize("case, match", [
    (lambda t, F: F.linear(t.ones(2), t.ones(2), t.ones(3)), "mat2 must be a matrix"),
    (lambda t, F: F.embedding(t.tensor([0, 1]), t.ones(3)), "'weight' must be 2-D"),
    (lambda t, F: F.conv2d(t.ones(1, 1, 0, 4), t.ones(1, 1, 1, 1)), "Kernel size can't be greater"),
    (lambda t, F: F.max_pool2d(t.ones(1, 1, 4, 4), 2, dilation=0), "dilation should be greater than zero"),
    (lambda t, F: t.fmod(t.tensor([1, 2]), 0), "ZeroDivisionError"),
    (lambda t, F: t.fmod(t.tensor([1, 2]), t.tensor([0, 1])), "ZeroDivisionError"),
    (lambda t, F: F.nll_loss(t.zeros(2, 3), t.tensor([0, 1, 2])), "batch_size"),
    (lambda t, F: t.sub(t.ones(2), t.tensor([True, False])), "with a bool tensor"),
    (lambda t, F: t.ones(2).sub_(True), "with a bool tensor"),
    (lambda t, F: t.diag(t.ones(2, 2, 2)), "Supports 1D or 2D"),
    (lambda t, F: t.argmax(t.tensor([True, False])), "does not support bool"),
    (lambda t, F: t.multinomial(t.ones(3), 0), "n_sample <= 0"),
    (lambda t, F: t.flip(t.ones(2), 0), "tuple of ints"),
    (lambda t, F: t.ones(2).flip(), "dims"),
])
def test_no_longer_silent(case, match):
    same_error(case, match)


# ---------------------------------------------------------------- exception types
@pytest.mark.parametrize("case, match", [
    (lambda t, F: t.cat([]), "expected a non-empty list of Tensors"),
    (lambda t, F: F.cross_entropy(t.zeros(2, 3), t.tensor([0, 1]), label_smoothing=1.5), "label_smoothing"),
])
def test_exception_types(case, match):
    same_error(case, match)


@pytest.mark.parametrize("case", [
    lambda t, F: F.threshold(t.tensor([1.37, -0.91, math.nan]), math.nan, 0.001),
    lambda t, F: F.threshold(t.tensor([1.37, -0.91, math.nan]), 0.0, -5.0),
    lambda t, F: F.hardshrink(t.tensor([0.3, -0.7, 0.5, -0.5, math.nan, 0.0])),
    lambda t, F: F.kl_div(t.tensor([2.0, 1.0], dtype=t.float64), t.tensor([-0.762, 0.0], dtype=t.float64),
                          reduction="sum"),
    lambda t, F: t.std_mean(t.tensor([[-2.0, -5.0], [10000.0, 3.0]], dtype=t.float16), correction=2)[0],
    lambda t, F: t.var(t.tensor([300.0, -300.0, 0.0], dtype=t.float16)),
    lambda t, F: t.pow(t.tensor([2, -1, 1, -1]), t.tensor([1, -1, -3, -2])),
    lambda t, F: t.take_along_dim(t.arange(12.0).reshape(3, 4), t.tensor([[-1]]), 0),
    lambda t, F: t.take_along_dim(t.arange(12.0).reshape(3, 4), t.tensor([[0, 1]]), 1),
    lambda t, F: t.ones(2, 2, dtype=t.uint8).sum_to_size((1, 2)),
    lambda t, F: t.roll(t.arange(3), 1, [0]),
    lambda t, F: t.repeat_interleave(t.arange(3), t.tensor([1, 0, 2]), dim=0),
    lambda t, F: t.flip(t.tensor(1.0), (0,)),
], ids=["threshold_nan", "threshold", "hardshrink_nan", "kl_div_negative_target", "std_half", "var_half",
        "int_negative_power", "take_along_dim_negative", "take_along_dim_broadcast", "sum_to_size_uint8",
        "roll_list_dims", "repeat_interleave", "flip_0d"])
def test_values_after_fixes(case):
    same_value(case)


@pytest.mark.parametrize("case, match", [
    (lambda t, F: t.ones(2, dtype=t.long).addcdiv(t.tensor([1]), t.tensor([2])), "Integer division with addcdiv"),
    (lambda t, F: t.topk(t.tensor([True, False]), 1), "does not support bool"),
    (lambda t, F: t.index_select(t.ones(3, 4), 1, t.tensor([-1])), "out of DATA bounds"),
    (lambda t, F: t.index_select(t.ones(3, 4), 0, t.tensor([3])), "index out of range in self"),
    (lambda t, F: t.narrow(t.ones(2), 0, 3, 0), "start out of range"),
    (lambda t, F: t.adjoint(t.ones(2)), "only supported on matrices"),
    (lambda t, F: t.amax(t.ones(0, 2)), "Expected reduction dim to be specified"),
    (lambda t, F: t.eye(-1), "n must be greater or equal to 0"),
    (lambda t, F: t.tensordot(t.ones(()), t.ones(()), dims=1), "tensordot expects dims"),
    (lambda t, F: t.repeat_interleave(t.ones(3), -1), "Repeats must be non-negative"),
    (lambda t, F: t.repeat_interleave(t.ones(3), t.tensor([1, 2]), dim=0), "same size as input"),
    (lambda t, F: F.adaptive_avg_pool2d(t.ones(1, 2, 3, 3), -1), "greater than or equal to 0"),
    (lambda t, F: F.adaptive_max_pool2d(t.ones(1, 2, 3, 3), None), "NoneType"),
    (lambda t, F: t.poisson(t.tensor([-1.0])), "invalid Poisson rate"),
    (lambda t, F: t.masked_scatter(t.ones(3), t.tensor([True, True, True]), t.ones(2)), "Number of elements"),
    (lambda t, F: t.tensor([[1, 2], [3]]), None),
    (lambda t, F: t.randperm(-1), "negative dimension"),
    (lambda t, F: t.logspace(0, 1, -1), "non-negative"),
    (lambda t, F: t.ones(2).size(3), "Dimension out of range"),
    (lambda t, F: t.tensor(1.0).size(0), "no dimensions"),
])
def test_errors_after_fixes(case, match):
    same_error(case, match)


@pytest.mark.parametrize("case, match", [
    (lambda t, F: F.kl_div(t.ones(2), t.tensor([1, 2])), "Integral inputs not supported"),
    (lambda t, F: F.group_norm(t.ones(2, 4, 3), 0), "division or modulo by zero"),
    (lambda t, F: t.index_add(t.ones(3, 2), 1, t.tensor([0]), t.ones(3)), "out of bounds of the source"),
    (lambda t, F: t.index_add(t.ones(3, 2), 0, t.tensor([0, 1]), t.ones(2)), "source tensor shape must match"),
    (lambda t, F: F.scaled_dot_product_attention(t.ones(1, 2, 4), t.ones(1, 2, 4), t.ones(1, 2, 4),
                                                 attn_mask=t.ones(2, 2), is_causal=True), "is_causal=True"),
])
def test_errors_late(case, match):
    same_error(case, match)


def test_empty_median_and_broadcast_tensors():
    for dtype in ("int64", "uint8", "float32"):
        same_value(lambda t, F, d=dtype: t.median(t.ones(0, dtype=getattr(t, d))))
    same_error(lambda t, F: t.broadcast_tensors(t.ones(3, 2, 0), t.ones(2, 2)), "must match the size")


# ---------------------------------------------------------------- the special, linalg and complex ops
def test_special_functions_of_a_0d_input():
    same_value(lambda t, F: t.lgamma(t.tensor(-1.557072405688074, dtype=t.float64)))
    same_value(lambda t, F: t.erfinv(t.tensor(True)))
    same_value(lambda t, F: t.erfc(t.tensor(3.0, dtype=t.float64)))


def test_real_imag_conj_angle_keep_a_0d_complex_tensor_0d():
    for op in ("real", "imag", "conj", "angle"):
        got = same_value(lambda t, F, op=op: getattr(t, op)(t.tensor(1 - 2j, dtype=t.complex64)).resolve_conj())
        assert got.shape == ()


def test_linalg_refuses_float16_and_bool_mvlgamma():
    same_error(lambda t, F: t.det(t.ones(2, 2, dtype=t.float16)), "lu_cpu")
    for op in ("inverse", "slogdet", "logdet"):
        same_error(lambda t, F, op=op: getattr(t, op)(t.ones(2, 2, dtype=t.float16)), "Low precision dtypes not supported")
    same_error(lambda t, F: t.pinverse(t.ones(2, 2, dtype=t.float16)), "float, double, cfloat or cdouble")
    same_error(lambda t, F: t.mvlgamma(t.tensor([True]), 2), "may not be a boolean tensor")


def test_nanmean_cdist_complex_argument_checks():
    same_error(lambda t, F: t.nanmean(t.ones(2, dtype=t.int64), dtype=t.float64), "floating point or complex")
    same_error(lambda t, F: t.nanmean(t.ones(2), dtype=t.int16), "could not infer output dtype")
    same_error(lambda t, F: t.cdist(t.ones(2), t.ones(3), compute_mode="bogus"), "not a valid value")
    same_error(lambda t, F: t.complex(t.zeros(2, 3, 0, dtype=t.float64), t.zeros(3, 3, 0, dtype=t.float64)),
               "must match the size")
