"""Cases the differential fuzzer found in ops named k..z, each checked against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import glasstorch as gt


def outcome(fn, lib):
    """("ok", dtype, shape, values) or ("raise", exception type name, message)."""
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001  (the exception is what is compared)
        return ("raise", type(e).__name__, str(e))
    return ("ok", str(r.dtype).rsplit(".", 1)[-1], tuple(r.shape), np.asarray(r.detach().numpy()).tolist())


def same(fn, values: bool = True):
    """``fn(lib)`` succeeds in both libraries with equal dtype/shape (and values), or raises
    the same exception type in both, with torch's message."""
    want, got = outcome(fn, torch), outcome(fn, gt)
    if not values and want[0] == "ok":
        want, got = want[:3], got[:3]
    if want[0] == "raise" and got[0] == "raise":
        assert got[1] == want[1], (got, want)
        assert got[2].split("(Triggered")[0].strip() == want[2].split("(Triggered")[0].strip(), (got, want)
        return
    assert got[:3] == want[:3]
    if values:
        np.testing.assert_array_equal(np.array(got[3]), np.array(want[3]))


# ---------------------------------------------------------------- gather / scatter
SHAPES = [(), (2,), (2, 3), (0, 3)]
INDEX_SHAPES = [(0,), (0, 2), (1, 0, 5), (), (1,), (1, 1)]
SRC_SHAPES = [(), (1,), (3,), (2, 3, 2)]


@pytest.mark.parametrize("xs", SHAPES)
@pytest.mark.parametrize("ishape", INDEX_SHAPES)
def test_gather_scatter_index_ranks(xs, ishape):
    # an empty index may have any rank; a 0-d input, index or src counts as one element on one dim
    for dim in (0, -1, 1):
        same(lambda t, dim=dim: t.ones(xs).gather(dim, t.zeros(ishape, dtype=t.int64)))
        same(lambda t, dim=dim: t.ones(xs).scatter(dim, t.zeros(ishape, dtype=t.int64), 2.0))
        for ss in SRC_SHAPES:
            same(lambda t, ss=ss, dim=dim: t.ones(xs).scatter(dim, t.zeros(ishape, dtype=t.int64), t.full(ss, 2.0)))
            same(lambda t, ss=ss, dim=dim: t.scatter_add(t.ones(xs), dim, t.zeros(ishape, dtype=t.int64), t.full(ss, 2.0)))


def test_scatter_empty_index_gradients():
    x = gt.ones(2, 3, requires_grad=True)
    src = gt.ones(2, 3, requires_grad=True)
    for op in (gt.scatter, gt.scatter_add):
        out = op(x, 1, gt.zeros(0, dtype=gt.int64), src)
        out.sum().backward()
        assert x.grad.tolist() == [[1.0] * 3] * 2 and src.grad.tolist() == [[0.0] * 3] * 2
        x.grad = src.grad = None


def test_scatter_add_zero_d_src_gradient():
    src = gt.tensor(2.0, dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradcheck(lambda s: gt.scatter_add(gt.zeros(3, dtype=gt.float64), 0,
                                                          gt.tensor([1]), s), (src,))
    ts = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    torch.scatter_add(torch.zeros(3, dtype=torch.float64), 0, torch.tensor([1]), ts).sum().backward()
    gt.scatter_add(gt.zeros(3, dtype=gt.float64), 0, gt.tensor([1]), src).sum().backward()
    assert src.grad.shape == () and src.grad.item() == ts.grad.item()


# ---------------------------------------------------------------- where, softmax, multinomial
def test_where_shapes_that_do_not_broadcast():
    same(lambda t: t.where(t.ones(2, dtype=t.bool), t.ones(3), t.ones(3)))
    same(lambda t: t.where(t.ones(3, dtype=t.bool), t.ones(3), t.ones(2)))
    same(lambda t: t.ones(3).where(t.ones(3, dtype=t.bool), t.ones(2)))
    same(lambda t: t.where(t.ones(3, dtype=t.bool), t.ones(2, 1), 2.0))


@pytest.mark.parametrize("dim", [1, -2, 0, -1])
def test_softmax_dim_on_a_zero_d_tensor(dim):
    same(lambda t: t.softmax(t.tensor(3.0), dim))
    same(lambda t: t.tensor(3.0).log_softmax(dim))


def test_multinomial_without_categories():
    for shape in ((2, 0), (0, 3), (0, 0), (0,)):
        for replacement in (True, False):
            same(lambda t, s=shape, r=replacement: t.multinomial(t.ones(s), 1, r), values=False)
            same(lambda t, s=shape, r=replacement: t.ones(s).multinomial(2, r), values=False)


# ---------------------------------------------------------------- random ranges, division by False
@pytest.mark.parametrize("low,high,dtype", [(0, 300, "uint8"), (-1, 5, "uint8"), (0, 3, "bool"), (-1, 1, "bool"),
                                            (0, 2 ** 31 + 1, "int32"), (0, 2, "bool"), (-128, 128, "int8")])
def test_randint_range_fits_the_dtype(low, high, dtype):
    same(lambda t: t.randint(low, high, (3,), dtype=getattr(t, dtype)), values=False)
    same(lambda t: t.randint_like(t.ones(2, dtype=getattr(t, dtype)), low, high), values=False)


def test_integer_division_by_false():
    same(lambda t: t.tensor([1, 2]).remainder(False))
    same(lambda t: t.tensor([1, 2]).fmod(False))
    same(lambda t: t.tensor([1.0, 2.0]).remainder(False))
    same(lambda t: t.floor_divide(t.tensor([1, 2]), False))
    same(lambda t: t.floor_divide(t.tensor([1.0, 2.0]), False))
    same(lambda t: t.floor_divide(t.tensor([1.0, 2.0]), 0))


# ---------------------------------------------------------------- polygamma, roll, logsumexp
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_poles_and_negative_arguments(n, dtype):
    # poles (an int64 minimum among them once hung the series) and negative non-integers
    x = [-2.0, 0.0, -1.0, -3e6, -2147483648.0, -2.5, 0.3, 1.7, 30.0]
    want = torch.polygamma(n, torch.tensor(x, dtype=getattr(torch, dtype)))
    got = gt.polygamma(n, gt.tensor(x, dtype=getattr(gt, dtype)))
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5 if dtype == "float32" else 1e-9)
    same(lambda t: t.polygamma(n, t.tensor([-9223372036854775808, 3, -4])), values=False)


def test_roll_with_no_dims_rolls_the_flattened_tensor():
    same(lambda t: t.roll(t.arange(6.0).reshape(2, 3), 1, ()))
    same(lambda t: t.roll(t.arange(6.0).reshape(2, 3), (1,), []))
    same(lambda t: t.roll(t.ones(3, 0, dtype=t.float64), -3, ()))
    same(lambda t: t.roll(t.arange(6.0).reshape(2, 3), (1, 2), []))
    same(lambda t: t.roll(t.arange(6.0).reshape(2, 3), (), ()))


def test_logsumexp_over_no_dims():
    same(lambda t: t.tensor([0, -5, 0, 0], dtype=t.int32).logsumexp(()))
    same(lambda t: t.tensor([[0.0, -5.0], [0.0, 0.0]]).logsumexp([]))
    same(lambda t: t.tensor([[0.0, -5.0], [0.0, 0.0]]).logsumexp((), keepdim=True))
    same(lambda t: t.tensor(3.0).logsumexp(()))


# ---------------------------------------------------------------- reductions, pow, linalg, rounding
def test_reductions_check_dim_on_a_zero_d_tensor():
    same(lambda t: t.max(t.tensor(3, dtype=t.uint8), 2, False)[0])
    same(lambda t: t.tensor(-3).max(1)[0])
    same(lambda t: t.tensor(-3).min(-1)[0])
    same(lambda t: t.tensor(-3.0).median(-2)[0])
    same(lambda t: t.tensor(-3.0).kthvalue(1, 0)[0])


def test_integer_pow_by_a_negative_int():
    same(lambda t: t.pow(t.tensor([2, 3], dtype=t.uint8), -1))
    same(lambda t: t.pow(t.tensor([2, 3], dtype=t.int8), -2))
    same(lambda t: t.pow(t.tensor([True]), -1))
    same(lambda t: t.pow(t.tensor([2.0]), -1))


def test_matrix_power_needs_a_matrix():
    same(lambda t: t.matrix_power(t.tensor(2.37), 0))
    same(lambda t: t.ones(3).matrix_power(2))
    same(lambda t: t.ones(2, 3).matrix_power(2))


def test_softmax_of_an_empty_integer_tensor_keeps_its_dtype():
    same(lambda t: t.softmax(t.tensor([], dtype=t.int32), 0))
    same(lambda t: t.softmax(t.tensor([], dtype=t.uint8), 0, dtype=t.int64))
    same(lambda t: t.log_softmax(t.ones(2, 0, dtype=t.int64), 0))
    same(lambda t: t.log_softmax(t.ones(2, 0, dtype=t.int64), 3))


@pytest.mark.parametrize("decimals", [1, 2, 3, 5, -1, -2])
def test_round_float16_decimals_in_float32(decimals):
    x = (np.random.default_rng(0).standard_normal(4000) * 3).astype(np.float16)
    x = np.concatenate([x, np.array([60000, -65504, 0.1, np.inf, np.nan], np.float16)])
    same(lambda t: t.tensor(x).round(decimals=decimals))


def test_slogdet_sign_is_zero_where_the_log_is_nan():
    inf, nan = float("inf"), float("nan")
    m = [[[1.0, nan, 0.0], [inf, 1.0, 2.0], [-4.0, 1.0, -0.6]], [[1.0, inf, 0.0], [2.0, 3.0, 1.0], [0.0, 0.0, -1.0]],
         [[-2.3, 1.3, -0.1], [3.2, 1e4, -inf], [-3.5, 4.2, inf]]]
    for dtype in ("float64", "float32"):
        same(lambda t, d=dtype: t.tensor(m, dtype=getattr(t, d)).slogdet()[0])
        same(lambda t, d=dtype: t.tensor(m, dtype=getattr(t, d)).slogdet()[1])


def test_poisson_rate_past_int64():
    same(lambda t: t.poisson(t.tensor([0.5, 3.4028234663852886e38])), values=False)
    assert gt.poisson(gt.tensor([1e30]))[0].item() == torch.poisson(torch.tensor([1e30]))[0].item()


# ---------------------------------------------------------------- alpha, tensor_split, lerp, norm, masks
@pytest.mark.parametrize("dtype,alpha", [("int8", 300), ("int8", -129), ("int8", -128), ("uint8", -255),
                                         ("uint8", -256), ("int64", 2 ** 63), ("int64", -2 ** 63), ("int16", 40000),
                                         ("int16", -32768), ("int32", -2 ** 31), ("uint8", 255)])
def test_integer_alpha_must_fit_the_result(dtype, alpha):
    same(lambda t: t.sub(t.tensor([5], dtype=getattr(t, dtype)), 0, alpha=alpha))
    same(lambda t: t.add(t.tensor([5], dtype=getattr(t, dtype)), t.tensor([1], dtype=getattr(t, dtype)), alpha=alpha))


def test_tensor_split_indices_that_go_down():
    same(lambda t: t.tensor_split(t.tensor([0, 1, 2], dtype=t.uint8), [2, 0])[2])
    for idx in ([3, 1, 4], [-1, 2], [-9, 2, 9]):
        for k in range(len(idx) + 1):
            same(lambda t, idx=idx, k=k: t.tensor_split(t.arange(5), idx)[k])
    same(lambda t: t.tensor_split(t.tensor([], dtype=t.int32), [1, 0], -1)[1])


def test_logsumexp_of_an_empty_tensor_over_no_dims():
    same(lambda t: t.ones(3, 2, 0).logsumexp(()))
    same(lambda t: t.ones(3, 0).logsumexp((), True))


def test_lerp_with_a_zero_d_weight_of_another_dtype():
    same(lambda t: t.lerp(t.tensor(1.0), t.tensor(3.0), t.tensor(0.5, dtype=t.float64)))
    same(lambda t: t.lerp(t.tensor([1.0]), t.tensor([3.0]), t.tensor(0.5, dtype=t.float16)))
    same(lambda t: t.lerp(t.tensor([1.0]), t.tensor([3.0]), t.tensor(True)))
    same(lambda t: t.tensor([1.0]).lerp_(t.tensor([3.0]), t.tensor(0.25, dtype=t.float64)))
    same(lambda t: t.lerp(t.tensor([1.0]), t.tensor([3.0]), t.tensor([0.5], dtype=t.float64)))
    same(lambda t: t.lerp(t.tensor(True), t.tensor([3]), 0.0))
    same(lambda t: t.lerp(t.tensor(1), t.tensor([3.0]), 0.0))
    x = gt.tensor([1.0, 2.0], dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradcheck(lambda a: gt.lerp(a, a * 3, gt.tensor(0.25, dtype=gt.float32)), (x,))


def test_norm_without_identity_on_empty_tensors():
    same(lambda t: t.ones(3, 0).norm(-1, (1, 0)))
    same(lambda t: t.ones(3, 0, 2).norm(-1, (0, 2)))
    same(lambda t: t.ones(0, 3).norm(float("inf"), -1))
    same(lambda t: t.ones(0, 3).norm(float("-inf"), 0, keepdim=True))
    same(lambda t: t.ones(0, 3).norm(-1, ()))
    same(lambda t: t.ones(0, 3).norm(-1))


def test_masked_scatter_needs_a_bool_mask():
    same(lambda t: t.tensor([5, 2], dtype=t.int16).masked_scatter(t.tensor([[1.0, 1.0]]),
                                                                   t.tensor([-5, 0], dtype=t.float32)))
    same(lambda t: t.tensor([5, 2], dtype=t.int16).masked_scatter(t.tensor([[1, 1]], dtype=t.uint8),
                                                                   t.tensor([-5, 0], dtype=t.int16)))


# ---------------------------------------------------------------- linspace, bool pow, unfold, repeat_interleave
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
def test_integer_linspace(dtype):
    # the ends cast to the dtype first (negative ints wrap into an unsigned type), or torch's overflow error
    for start, end in ((1, -2), (-3, 7), (0, 1000), (300, 7), (2.5, 3.9), (-0.7, -2), (-129, 7)):
        for steps in (0, 1, 2, 5, 6):
            same(lambda t, a=start, b=end, n=steps: t.linspace(a, b, n, dtype=getattr(t, dtype)))


def test_bool_pow_by_a_bool():
    same(lambda t: t.pow(t.tensor([True, False]), True))
    same(lambda t: t.pow(t.tensor([True, False]), False))
    same(lambda t: t.tensor([True, False]).pow(2))


def test_unfold_of_a_zero_d_tensor():
    for args in ((-1, 0, 1), (0, 1, 1), (0, 1, 3), (0, 2, 1), (0, 1, 0), (1, 1, 1)):
        same(lambda t, a=args: t.tensor(-2.0).unfold(*a))


def test_repeat_interleave_checks_sizes_before_the_dtype():
    same(lambda t: t.repeat_interleave(t.ones(0, 3), t.tensor([], dtype=t.float64), dim=-1))
    same(lambda t: t.repeat_interleave(t.tensor([1.0, 2.0]), t.tensor([1, 1.0]), dim=0))


def test_multinomial_needs_floating_probabilities():
    same(lambda t: t.multinomial(t.tensor([1, 2]), 1))
    same(lambda t: t.multinomial(t.tensor([True, True]), 1))
    same(lambda t: t.multinomial(t.tensor([[1, 2]]), 5))
    same(lambda t: t.multinomial(t.tensor(2), 1))
    same(lambda t: t.multinomial(t.ones(1, 1, 1), 0))
    same(lambda t: t.ones(2).multinomial(-1))
    same(lambda t: t.multinomial(t.tensor([1.0, 2.0], dtype=t.float16), 1), values=False)


def test_python_floats_into_an_integer_tensor_must_fit():
    for data, dtype in (([[5, -math.inf], [math.inf, -3]], "int32"), ([5.0, math.nan], "int64"), ([255.5], "uint8"),
                        ([-0.5], "uint8"), (-1.5, "uint8"), ([2.5], "int8"), ([-1], "uint8"), ([], "int8")):
        same(lambda t, v=data, d=dtype: t.tensor(v, dtype=getattr(t, d)))


def test_digamma_of_negative_zero_through_polygamma():
    x = [-0.0, 0.0, -1.0, 2.5]
    np.testing.assert_allclose(gt.polygamma(0, gt.tensor(x)).numpy(), torch.polygamma(0, torch.tensor(x)).numpy(),
                               rtol=1e-6)


def test_roll_checks_alignment_before_dims():
    same(lambda t: t.roll(t.ones(2, 3), [0], (0, 2, -4)))
    same(lambda t: t.roll(t.ones(2, 3), [0, 1], (0, -4)))


def test_scatter_an_int_value_into_an_integer_tensor():
    for value in (300, -1, 2.7, -256):
        same(lambda t, v=value: t.tensor([[5, 3, 1], [0, 2, 3]], dtype=t.uint8).scatter(-1, t.tensor([[1, 1]]), v))


def test_integer_division_of_an_empty_tensor_by_zero():
    same(lambda t: t.tensor([], dtype=t.int32).remainder(0))
    same(lambda t: t.tensor([], dtype=t.int32).fmod(0))
    same(lambda t: t.floor_divide(t.tensor([], dtype=t.int32), 0))
    same(lambda t: t.tensor([], dtype=t.int32).remainder(t.tensor(0)))
    same(lambda t: t.tensor([1], dtype=t.int32).remainder(0))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_integer_range_counts_on_the_cast_bounds():
    for start, end, step in ((0.5, 4, 2), (2.5, 5, 1.5), (3, 3.5, -1), (0.5, 0, 1), (-2, 3.5, 3)):
        for dtype in ("int64", "int32", "uint8", "float32"):
            same(lambda t, a=start, b=end, s=step, d=dtype: t.range(a, b, s, dtype=getattr(t, d)))
    assert gt.range(0, 3, 0.5, dtype=gt.float32).tolist() == torch.range(0, 3, 0.5).tolist()


def test_repeated_dims_are_reported_in_order():
    same(lambda t: t.ones(2, 3, 2, 1).nansum((-4, -4, 4, -2)))
    same(lambda t: t.ones(2, 3, 2, 1).sum((1, 3, 1)))
    same(lambda t: t.ones(2, 3, 2, 1).sum((5, 1, 1)))
    same(lambda t: t.ones(2, 3, 2, 1).mean((3, -1)))
    # logsumexp checks every dim's range first
    same(lambda t: t.ones(4, 1, 3, 1, dtype=t.float64).logsumexp([-1, -1, -5, 0]))
    same(lambda t: t.ones(4, 1, 3, 1, dtype=t.float64).logsumexp([-1, -1, 0]))
