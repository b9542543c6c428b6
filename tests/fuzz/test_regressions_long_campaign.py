"""Cases the 100,000-case campaign after the merge found, each compared with torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from fuzz.test_regressions_tensor_kz import same


@pytest.mark.parametrize("value", [-1, -255, 255, -256, 256])
def test_masked_fill_of_unsigned_wraps_negative_ints(value):
    same(lambda t: t.tensor([[0, 0]], dtype=t.uint8).masked_fill(t.tensor([True, False]), value))
    same(lambda t: t.tensor([[0, 0]], dtype=t.uint8).masked_fill_(t.tensor([True, False]), value))


@pytest.mark.parametrize("kernel,padding,dilation,indices", [
    (3, 2, 2, False), (3, 2, 2, True), (3, 2, 1, False), (3, 1, 2, False), (4, 2, 2, True)])
def test_max_pool1d_padding_over_half_the_kernel(kernel, padding, dilation, indices):
    same(lambda t: t.nn.functional.max_pool1d(t.ones(2, 3, 5), kernel, 1, padding, dilation, True, indices)[0]
         if indices else t.nn.functional.max_pool1d(t.ones(2, 3, 5), kernel, 1, padding, dilation, True))


def test_max_pool2d_and_3d_padding_over_half_the_kernel():
    same(lambda t: t.nn.functional.max_pool2d(t.ones(1, 1, 5, 5), 3, 1, 2, 2))
    same(lambda t: t.nn.functional.max_pool3d(t.ones(1, 1, 5, 5, 5), 3, 1, 2, 2))
    same(lambda t: t.nn.functional.max_pool2d(t.ones(1, 1, 5, 5), 3, 1, 2, 1))


def test_view_as_complex_of_a_0d_tensor():
    same(lambda t: t.view_as_complex(t.tensor(1.0)))


# ---------------------------------------------------------------- the seed-1 campaign
@pytest.mark.parametrize("value,dtype", [(float("nan"), "int32"), (300, "uint8"), (-1, "uint8"), (-256, "uint8"),
                                         (1e20, "int64"), (float("inf"), "int16"), (2.5, "int8"), (True, "uint8")])
def test_scalar_tensor_checks_the_number_fits(value, dtype):
    same(lambda t: t.scalar_tensor(value, dtype=getattr(t, dtype)))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_polygamma_at_infinities(n, dtype):
    x = [float("inf"), float("-inf"), 1e30, 2.5, -2.0, float("nan")]
    np.testing.assert_allclose(
        gt.polygamma(n, gt.tensor(x, dtype=getattr(gt, dtype))).numpy(),
        torch.polygamma(n, torch.tensor(x, dtype=getattr(torch, dtype))).numpy(), rtol=1e-6)


def test_cdist_inf_norm_passes_over_nan_differences():
    nan = float("nan")
    rows = [[nan, 0.0, 0.0], [0.0, nan, 0.0], [nan, nan, nan], [7.0, nan, 0.0], [1.0, 2.0, 3.0]]
    same(lambda t: t.cdist(t.tensor(rows), t.tensor([[2.0, -5.0, -0.0]]), p=float("inf")))


@pytest.mark.parametrize("rows,weight", [([[0.01, 0.02]], None), ([[3.189453125], [2.59765625], [10000.0]], [-4.80859375]),
                                         ([[0.5, -0.25, 1e-3]], [2.0, -1.0, 0.5])])
@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_rms_norm_of_float16_in_float32_with_float32_epsilon(rows, weight, dtype):
    def fn(t):
        w = None if weight is None else t.tensor(weight, dtype=getattr(t, dtype))
        return t.nn.functional.rms_norm(t.tensor(rows, dtype=getattr(t, dtype)), [len(rows[0])], w)
    same(fn)


def test_rms_norm_float16_gradient():
    grads = []
    for t in (torch, gt):
        x = t.tensor([[0.3, -1.2, 2.0]], dtype=t.float16, requires_grad=True)
        t.nn.functional.rms_norm(x, [3]).sum().backward()
        grads.append(np.array(x.grad.tolist()))
    np.testing.assert_array_equal(grads[1], grads[0])


def test_tensor_of_a_float_too_large_for_float32_is_inf_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gt.tensor([1e300]).tolist() == [float("inf")]
        assert gt.tensor([-1e300], dtype=gt.float16).tolist() == [float("-inf")]


# ---------------------------------------------------------------- interpolate
INF = float("inf")


def close(fn):
    """Same dtype and shape, NaN and infinities in the same places, finite values to a few ulps
    (the weighted sums add in another order)."""
    want, got = fn(torch), fn(gt)
    assert (str(got.dtype), tuple(got.shape)) == (str(want.dtype), tuple(want.shape))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=0, equal_nan=True)


@pytest.mark.parametrize("kw", [dict(scale_factor=(2, 1.0)), dict(size=(2, 3), align_corners=True),
                                dict(size=(3, 4)), dict(scale_factor=(1.2, 0.8)), dict(size=(3, 5))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bilinear_keeps_a_dim_of_unchanged_size_as_torch(kw, dtype):
    # torch reads both taps of an unchanged dim on the same element (x * 1 + x * 0): NaN at an
    # infinity, and no NaN from an infinity next to it
    rows = [[[[0.0, 5.0, -5.0, -2.0], [1.0, -INF, 2.0, 1.0]], [[1.0, -2.0, 1e4, -1.0], [2.0, INF, -3.0, 2.0]]]]
    close(lambda t: t.nn.functional.interpolate(t.tensor(rows, dtype=getattr(t, dtype)), mode="bilinear", **kw))


def test_linear_of_an_unchanged_size_ignores_the_scale():
    same(lambda t: t.nn.functional.interpolate(t.tensor([[[1.0, 2.0, 4.0, 8.0]]]), scale_factor=1.2, mode="linear"))
    close(lambda t: t.nn.functional.interpolate(t.tensor([[[[[1.0, INF], [3.0, 4.0]]]]]), size=(1, 3, 2),
                                                mode="trilinear"))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("factor", [1.2, 1.7, 2.0, 2.2, 3.0])
def test_nearest_follows_the_scale_even_at_an_unchanged_or_doubled_size(size, factor):
    same(lambda t: t.nn.functional.interpolate(t.arange(size, dtype=t.float32)[None, None], scale_factor=factor))


@pytest.mark.parametrize("out", [2, 3, 4, 5])
def test_linear_source_coordinates_round_once(out):
    # (dst + 1/2) * scale - 1/2 rounded once: at 1 -> 3 the second point sits just above 0
    same(lambda t: t.nn.functional.interpolate(t.tensor([[[-INF]]]), size=out, mode="linear"))
    same(lambda t: t.nn.functional.interpolate(t.tensor([[[INF, 1.0]]]), size=2 * out, mode="linear"))


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64", "bool"])
@pytest.mark.parametrize("mode,shape", [("linear", (1, 1, 4)), ("bilinear", (1, 1, 4, 4)), ("bicubic", (1, 1, 4, 4)),
                                        ("trilinear", (1, 1, 2, 2, 2))])
def test_interpolate_of_integers(dtype, mode, shape):
    if dtype == "uint8" and mode in ("bilinear", "bicubic"):  # torch's fixed-point uint8 kernels: refused here
        with pytest.raises(NotImplementedError, match="uint8 input with mode='.*' is not supported"):
            gt.nn.functional.interpolate(gt.ones(*shape, dtype=gt.uint8), scale_factor=2, mode=mode)
        return
    same(lambda t: t.nn.functional.interpolate(t.ones(*shape, dtype=getattr(t, dtype)), scale_factor=2, mode=mode))


# ---------------------------------------------------------------- check order
@pytest.mark.parametrize("shapes,dim", [([(4, 2, 2), (4, 2, 3)], 4), ([(), (2, 4, 4)], 2), ([(2,), (3,)], 1),
                                        ([(2,), (2,)], 2), ([(2,), (2,)], -3), ([(2, 3), (2, 3)], -3)])
def test_stack_checks_the_dim_before_the_shapes(shapes, dim):
    same(lambda t: t.stack([t.zeros(s) for s in shapes], dim))


@pytest.mark.parametrize("dims", [(1, 1, 4), (1, 1), (4, 1, 1), (-1, 3), (2, -2, 0)])
def test_squeeze_checks_its_dims_in_turn(dims):
    same(lambda t: t.squeeze(t.zeros(4, 2, 1, 3), dims))
    same(lambda t: t.zeros(4, 2, 1, 3).squeeze(dims))
