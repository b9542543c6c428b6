"""Each speed trick in glasstorch.kernels agrees with the plain code it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from glasstorch import backend, kernels
from glasstorch.ops import conv as conv_ops
from glasstorch.ops.conv import _conv_transpose_plain

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
    assert kernels._lead_trail(np.ones((64, 1024), np.float32), -1) == (0, 1)  # long rows too
    assert kernels._lead_trail(np.ones((1024, 64), np.int64), -1) is None  # not a BLAS dtype
    assert kernels._lead_trail(np.ones((64, 1024), np.float32).T, -1) is None  # not C-contiguous
    assert kernels._lead_trail(np.ones((16, 64, 16), np.float32), 1) is None  # a middle axis
    assert kernels._lead_trail(big_rows, (0, 1)) is None  # everything
    assert kernels._lead_trail(big_rows, None) is None
    assert kernels._lead_trail(np.ones((8192, 64), np.float32), -1) == (0, 1)  # large: uncapped


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


# ---------------------------------------------------------------- GELU and its derivative


def _gelu_inputs(dtype, n):
    rng = np.random.default_rng(n)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 1e-30, -1e-30, 9.9, -9.9, 10.5, -10.5, -12.0,
               np.finfo(dtype).tiny, -np.finfo(dtype).tiny, np.finfo(dtype).smallest_subnormal]
    with np.errstate(over="ignore"):  # 1e30 is inf in float16
        x = np.concatenate([(rng.standard_normal(n) * 4), special]).astype(dtype)
    return rng.permutation(x)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 5, 1000, kernels.GELU_BLOCK + 3])
def test_gelu_and_derivative_matches_plain(dtype, n):
    """Both evaluate the same formula per dtype (the exact erf for float64, A&S
    7.1.26 below) with the rounding in another order (the fast one folds powers
    of p into the coefficients and forms p t = 1/(1/p + |x|)) and the tail capped
    at e^-50 past |x| = 10 (Phi(-|x|) < 1e-23 there). So they agree within a few
    eps of the dtype absolutely, relative to max(1, |x|) for GELU's value x Phi(x)
    and absolutely for the derivative (which lies in [-0.17, 1.13]): measured at
    most 1.25 eps and 3 eps; the tolerance is 4 eps for both. float64 is bit for bit.
    Every inf, -inf and NaN is where the other has it; -0.0 keeps its sign."""
    x = _gelu_inputs(dtype, n)
    with np.errstate(invalid="ignore", over="ignore"):
        out, d = kernels.gelu_and_derivative(x, True)
        p_out, p_d = kernels.gelu_and_derivative_plain(x, True)
        only_out, none = kernels.gelu_and_derivative(x, False)
    assert none is None and out.shape == d.shape == x.shape
    assert out.dtype == d.dtype == p_out.dtype == p_d.dtype == dtype
    np.testing.assert_array_equal(only_out, out)
    eps = np.finfo(dtype).eps
    for fast, plain, scale in ((out, p_out, np.maximum(1, np.abs(x.astype(np.float64)))), (d, p_d, 1.0)):
        assert (np.isnan(fast) == np.isnan(plain)).all()
        inf = np.isinf(fast) | np.isinf(plain)
        np.testing.assert_array_equal(fast[inf], plain[inf])
        fin = np.isfinite(fast) & np.isfinite(plain)
        err = np.abs(fast[fin].astype(np.float64) - plain[fin]) / (scale if np.isscalar(scale) else scale[fin])
        assert (err <= (0 if dtype == np.float64 else 4 * eps)).all(), err.max() / eps
    zero = x == 0
    np.testing.assert_array_equal(np.signbit(out[zero]), np.signbit(x[zero]))  # -0.0 -> -0.0
    np.testing.assert_array_equal(np.signbit(out[zero]), np.signbit(p_out[zero]))


def test_gelu_special_values_as_torch():
    x = np.array([np.inf, -np.inf, np.nan, 1e30, -1e30, 0.0], np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        out, d = kernels.gelu_and_derivative(x, True)
    np.testing.assert_array_equal(out, np.array([np.inf, np.nan, np.nan, 1e30, 0.0, 0.0], np.float32))
    np.testing.assert_array_equal(d[:5], np.array([np.nan, np.nan, np.nan, 1.0, 0.0], np.float32))  # as torch
    assert abs(d[5] - 0.5) <= np.finfo(np.float32).eps  # A&S's Phi(0) is 1/2 to within its error


# ---------------------------------------------------------------- rows added into rows by index


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,rows", [(0, 5), (1, 5), (50, 7), (2000, 40), (300, 1)])
def test_sum_rows_into_matches_add_at(dtype, n, rows):
    """Equal up to the order of the additions: add.at adds each row into ``out`` in
    turn, the fast one sums each run of equal indices first. Either order's error
    is at most (terms x eps x the sum of |terms|) per element: that is the tolerance."""
    rng = np.random.default_rng(n)
    idx = rng.integers(0, rows, n)
    g = rng.standard_normal((n, 3)).astype(dtype) * 100
    start = rng.standard_normal((rows, 3)).astype(dtype)
    fast, plain = start.copy(), start.copy()
    kernels.sum_rows_into(fast, idx, g)
    kernels.sum_rows_into_plain(plain, idx, g)
    magnitude = np.abs(start).astype(np.float64)
    np.add.at(magnitude, idx, np.abs(g))
    count = np.bincount(idx, minlength=rows)[:, None] + 1
    np.testing.assert_array_less(np.abs(fast.astype(np.float64) - plain),
                                 count * np.finfo(dtype).eps * magnitude + np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_rows_into_special_values(dtype):
    idx = np.array([2, 0, 2, 1, 2, 0, 3])
    g = np.array([[np.inf, 1.0, np.nan], [1.0, -np.inf, 0.0], [-np.inf, 2.0, 1.0], [np.nan, 0.0, -0.0],
                  [1.0, 3.0, 2.0], [2.0, np.inf, 0.0], [-0.0, -0.0, -0.0]], dtype)
    fast, plain = np.zeros((5, 3), dtype), np.zeros((5, 3), dtype)
    with np.errstate(invalid="ignore"):
        kernels.sum_rows_into(fast, idx, g)
        kernels.sum_rows_into_plain(plain, idx, g)
    np.testing.assert_array_equal(fast, plain)  # inf - inf is NaN either way; untouched rows stay 0
    np.testing.assert_array_equal(np.signbit(fast), np.signbit(plain))


# ---------------------------------------------------------------- transposed convolution


def _conv_case(dtype, n, c, o, in_sp, kernel, pads, dilation, groups, stride=None):
    from glasstorch.ops.conv import ConvGeometry

    stride = stride or (1,) * len(in_sp)
    geom = ConvGeometry(kernel, stride, pads, dilation, groups, in_sp)
    rng = np.random.default_rng(n * 31 + c)
    g = rng.standard_normal((n, o) + geom.out_sp).astype(dtype)
    w = rng.standard_normal((o, c // groups) + tuple(kernel)).astype(dtype)
    wmat = w.reshape(groups, o // groups, -1) if groups > 1 else w.reshape(o, -1)
    return g, wmat, geom


CONV_CASES = [
    (1, 3, 4, (9,), (3,), ((1, 1),), (1,), 1),
    (2, 4, 6, (7, 8), (3, 3), ((1, 1), (1, 1)), (1, 1), 1),
    (3, 4, 6, (10, 9), (3, 2), ((0, 0), (2, 1)), (2, 1), 2),
    (2, 6, 6, (5, 6), (3, 3), ((1, 1), (1, 1)), (1, 1), 6),
    (1, 2, 3, (4, 5, 6), (2, 3, 2), ((1, 0), (1, 1), (0, 1)), (1, 1, 2), 1),
    (2, 3, 2, (6, 6), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_transpose_matches_col2im(monkeypatch, dtype, case):
    """Both form each input-gradient element as the same O/G x K products and add the
    K offsets in the same order; only how BLAS blocks the product may differ. So the
    error of either is at most (O/G x K x eps x the same sum over |g| |w|), the
    tolerance used (the plain function on |g| and |w| gives that sum)."""
    g, wmat, geom = _conv_case(dtype, *case)
    c = case[1]
    for block in (kernels.CONV_FLAT_BLOCK, 7):  # a tiny block: many blocks, ragged last one
        monkeypatch.setattr(kernels, "CONV_FLAT_BLOCK", block)
        fast = kernels.conv_transpose(g, wmat, geom, c)
        plain = _conv_transpose_plain(g, wmat, geom, c)
        assert fast.shape == plain.shape == (g.shape[0], c) + geom.in_sp and fast.dtype == plain.dtype == dtype
        terms = wmat.shape[-2] * geom.ksize
        bound = terms * np.finfo(dtype).eps * _conv_transpose_plain(np.abs(g), np.abs(wmat), geom, c)
        np.testing.assert_array_less(np.abs(fast.astype(np.float64) - plain), bound + np.finfo(dtype).tiny)


def test_conv_transpose_with_stride_takes_the_plain_path(monkeypatch):
    g, wmat, geom = _conv_case(np.float32, 2, 3, 4, (9, 8), (3, 3), ((1, 1), (0, 1)), (1, 1), 1, stride=(2, 1))
    monkeypatch.setattr(conv_ops, "conv_transpose", None)  # the fast kernel must not be called
    w = wmat.reshape(4, 3, 3, 3)
    np.testing.assert_array_equal(conv_ops._conv_transpose_forward(g, w, geom), _conv_transpose_plain(g, wmat, geom, 3))


def test_gelu_rows_and_conv_kernels_on_the_strict_device():
    """The three kernels take and return the device's arrays (no NumPy on data)."""
    from device.strict import StrictArray, module

    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 70)).astype(np.float32)
    idx, g = rng.integers(0, 4, 9), rng.standard_normal((9, 2)).astype(np.float32)
    cg, wmat, geom = _conv_case(np.float32, *CONV_CASES[2])
    with backend.cpu_module_replaced(module, StrictArray):
        out, d = kernels.gelu_and_derivative(module.asarray(x), True)
        rows = module.zeros((4, 2), np.float32)
        kernels.sum_rows_into(rows, module.asarray(idx), module.asarray(g))
        conv = kernels.conv_transpose(module.asarray(cg), module.asarray(wmat), geom, 4)
    assert all(isinstance(a, StrictArray) for a in (out, d, rows, conv))
    want_rows = np.zeros((4, 2), np.float32)
    kernels.sum_rows_into(want_rows, idx, g)
    wants = (*kernels.gelu_and_derivative(x, True), want_rows, kernels.conv_transpose(cg, wmat, geom, 4))
    for got, want in zip((out, d, rows, conv), wants):
        np.testing.assert_array_equal(module.asnumpy(got), want)
