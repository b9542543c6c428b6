"""Each speed trick in glasstorch.kernels agrees with the plain code it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from glasstorch import backend, kernels

# ---------------------------------------------------------------- sum_axes


@pytest.fixture
def always_product(monkeypatch):
    """Take the product path at every size and row length, so small cases test it."""
    monkeypatch.setattr(kernels, "SUM_BY_PRODUCT_MIN_SIZE", 0)
    monkeypatch.setattr(kernels, "SUM_BY_PRODUCT_MAX_RUN", 1 << 62)
    monkeypatch.setattr(kernels, "SUM_BY_PRODUCT_MAX_SIZE", 1 << 62)


def _close(fast, plain, a, axes, keepdims=False):
    """Values equal up to rounding. BLAS adds in a different order from NumPy's
    pairwise summation, so the two may differ in the last bits: the error of
    either order is bounded by (count x eps x sum of |terms|), so that is the
    tolerance (per output element), not a fixed rtol."""
    assert fast.shape == plain.shape and fast.dtype == plain.dtype
    count = max(a.size // max(plain.size, 1), 1)
    bound = count * np.finfo(a.dtype).eps * np.sum(np.abs(a), axis=axes, keepdims=keepdims).astype(np.float64)
    np.testing.assert_array_less(np.abs(fast.astype(np.float64) - plain), bound + np.finfo(a.dtype).tiny)


CASES = [(-1, (64, 33)), (1, (8, 50)), (0, (70, 9)), ((0, 2), (6, 5, 40)), ((0, 1), (4, 6, 7)),
         ((1, 2), (5, 6, 7)), ((0, 3), (3, 4, 5, 6)), (-1, (2, 3, 4, 64))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axes,shape", CASES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_axes_matches_plain(always_product, axes, shape, dtype, keepdims):
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    fast = kernels.sum_axes(a, axes, keepdims)
    _close(fast, kernels.sum_axes_plain(a, axes, keepdims), a, axes, keepdims)


def test_sum_axes_takes_the_product_only_where_it_pays():
    big_rows = np.ones((1024, 64), np.float32)
    assert kernels._lead_trail(big_rows, -1) == (0, 1)
    assert kernels._lead_trail(big_rows, 0) == (1, 0)
    assert kernels._lead_trail(np.ones((64, 64, 16), np.float32), (0, 2)) == (1, 1)
    assert kernels._lead_trail(np.ones((8, 8), np.float32), -1) is None  # too small
    assert kernels._lead_trail(np.ones((64, 1024), np.float32), -1) is None  # long rows: NumPy is as fast
    assert kernels._lead_trail(np.ones((1024, 64), np.int64), -1) is None  # not a BLAS dtype
    assert kernels._lead_trail(np.ones((64, 1024), np.float32).T, -1) is None  # not C-contiguous
    assert kernels._lead_trail(np.ones((16, 64, 16), np.float32), 1) is None  # a middle axis
    assert kernels._lead_trail(big_rows, (0, 1)) is None  # everything
    assert kernels._lead_trail(big_rows, None) is None
    assert kernels._lead_trail(np.ones((8192, 64), np.float32), -1) is None  # BLAS would go multi-threaded


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_axes_special_values(always_product, dtype):
    a = np.array([[1.0, np.inf, 2.0], [np.inf, -np.inf, 0.0], [np.nan, 1.0, 1.0], [-np.inf, -np.inf, 5.0],
                  [-0.0, -0.0, -0.0], [np.finfo(dtype).max, 0.0, 0.0]], dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        for axes in (-1, 0):
            fast, plain = kernels.sum_axes(a, axes), kernels.sum_axes_plain(a, axes)
            np.testing.assert_array_equal(fast, plain)  # inf, -inf, NaN and the largest float exactly
            np.testing.assert_array_equal(np.signbit(fast), np.signbit(plain))
        assert not np.signbit(kernels.sum_axes(a, -1)[4])  # a sum of -0.0 is +0.0, as in NumPy and torch


@pytest.mark.parametrize("axes,shape", [(-1, (3, 0)), (-1, (0, 3)), (0, (0, 3)), (0, (3, 0)),
                                        ((0, 2), (0, 4, 5)), ((0, 2), (2, 0, 5)), ((0, 2), (2, 3, 0))])
def test_sum_axes_empty(always_product, axes, shape):
    a = np.ones(shape, np.float32)
    fast, plain = kernels.sum_axes(a, axes), kernels.sum_axes_plain(a, axes)
    assert fast.shape == plain.shape and fast.dtype == plain.dtype
    np.testing.assert_array_equal(fast, plain)


def test_sum_axes_large_inputs():
    """Above the size rule (no forcing): many rows, wide columns, large magnitudes."""
    rng = np.random.default_rng(1)
    for axes, shape in ((-1, (2048, 100)), (0, (2048, 100)), ((0, 2), (32, 64, 128))):
        a = (rng.standard_normal(shape) * 1e30).astype(np.float32)
        assert kernels._lead_trail(a, axes) is not None
        _close(kernels.sum_axes(a, axes), kernels.sum_axes_plain(a, axes), a, axes)


def test_sum_axes_bad_axes_raise_as_numpy_does(always_product):
    a = np.ones((4, 5), np.float32)
    with pytest.raises(np.exceptions.AxisError):
        kernels.sum_axes(a, 2)
    with pytest.raises(ValueError, match="duplicate"):
        kernels.sum_axes(a, (0, 0))


# ---------------------------------------------------------------- max_axis


@pytest.fixture
def always_halving(monkeypatch):
    monkeypatch.setattr(kernels, "MAX_BY_HALVING_MIN_SIZE", 0)
    monkeypatch.setattr(kernels, "MAX_BY_HALVING_MAX_RUN", 1 << 62)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [2, 3, 5, 7, 8, 10, 17, 33, 100])
def test_max_axis_matches_plain_exactly(always_halving, n, dtype):
    a = np.random.default_rng(n).standard_normal((6, 4, n)).astype(dtype)
    fast = kernels.max_axis(a, -1)
    plain = kernels.max_axis_plain(a, -1)
    assert fast.shape == plain.shape == (6, 4, 1) and fast.dtype == plain.dtype
    np.testing.assert_array_equal(fast, plain)  # maximum is exact: bit for bit


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_axis_special_values(always_halving, dtype):
    big = np.finfo(dtype).max
    a = np.array([[1.0, np.nan, 2.0, 0.5, 3.0], [np.inf, 1.0, 2.0, 3.0, 4.0], [-np.inf] * 5,
                  [0.0, 1.0, 2.0, 3.0, np.nan], [-1.0, -2.0, -0.0, -3.0, -4.0], [big, -big, 0.0, 1.0, big]], dtype)
    fast, plain = kernels.max_axis(a, -1), kernels.max_axis_plain(a, -1)
    np.testing.assert_array_equal(fast, plain)  # NaN wherever a row has one, inf, -inf
    assert np.signbit(fast[4, 0]) == np.signbit(plain[4, 0])  # a lone -0.0 maximum keeps its sign


def test_max_axis_empty_rows_and_other_axes(always_halving):
    a = np.ones((0, 5), np.float32)
    assert kernels.max_axis(a, -1).shape == (0, 1)
    b = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    np.testing.assert_array_equal(kernels.max_axis(b, 0), kernels.max_axis_plain(b, 0))  # not the last axis
    assert not kernels._max_by_halving_pays(b.T, 1)  # not C-contiguous


def test_max_axis_large_input():
    a = np.random.default_rng(2).standard_normal((8192, 10)).astype(np.float32)
    assert kernels._max_by_halving_pays(a, 1)
    np.testing.assert_array_equal(kernels.max_axis(a, 1), kernels.max_axis_plain(a, 1))


# ---------------------------------------------------------------- the ops that use them


def test_linear_bias_gradient_and_norm_sums_use_the_kernel():
    import glasstorch as gt
    from glasstorch.nn._functional.normalization import _sum02

    x = np.random.default_rng(3).standard_normal((6, 5, 40)).astype(np.float32)
    np.testing.assert_allclose(_sum02(x), x.sum(axis=(0, 2)), rtol=1e-5)
    g = np.random.default_rng(4).standard_normal((300, 70)).astype(np.float32)
    w = gt.zeros(70, 3, requires_grad=True)
    b = gt.zeros(70, requires_grad=True)
    out = gt.nn.functional.linear(gt.ones(300, 3), w, b)
    out.backward(gt.tensor(g))
    np.testing.assert_allclose(b.grad.numpy(), g.sum(0), rtol=1e-5)


# ---------------------------------------------------------------- a scalar broadcast to a shape


@pytest.mark.parametrize("value", [np.float32(1.5), np.array(-0.0), np.array(np.inf, np.float32),
                                   np.array(np.nan), np.array(7, np.int64), np.array(True)])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 4), (500, 400)])
def test_broadcast_scalar_agrees_with_plain(value, shape):
    fast, plain = kernels.broadcast_scalar(value, shape), kernels.broadcast_scalar_plain(value, shape)
    assert fast.shape == plain.shape == shape and fast.dtype == plain.dtype
    assert fast.strides == plain.strides
    # read-only where the array can say so (NumPy's flags; a device array's have no writeable)
    assert not any(a.flags.writeable for a in (fast, plain) if type(a) is np.ndarray)
    fast, plain = backend.to_numpy(fast), backend.to_numpy(plain)  # host copies (a session may run on a device)
    np.testing.assert_array_equal(fast, plain)
    assert np.signbit(fast).tolist() == np.signbit(plain).tolist()


def test_broadcast_scalar_on_the_strict_device():
    from device.strict import StrictArray, module

    value = module.asarray(np.array(2.5, np.float32))
    with backend.cpu_module_replaced(module, StrictArray):
        got = kernels.broadcast_scalar(value, (2, 3))
    assert isinstance(got, StrictArray)
    np.testing.assert_array_equal(module.asnumpy(got), np.full((2, 3), 2.5, np.float32))
