"""Cases the last long campaigns found (values, dtypes, silent acceptances), each compared with torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt


def _outcome(fn, lib):
    """("ok", results as (dtype, shape, values)) or ("raise", exception type name, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn(lib)
        except Exception as e:  # noqa: BLE001  (the exception is what is compared)
            return ("raise", type(e).__name__, str(e).split("(Triggered")[0].strip())
    rs = r if isinstance(r, tuple) else (r,)
    return ("ok", [(str(x.dtype).rsplit(".", 1)[-1], tuple(x.shape), np.array(x.detach().numpy(), copy=True))
                   for x in rs])


def same(fn, rtol: float = 1e-6, message: bool = True):
    """``fn(lib)`` gives the same dtypes, shapes and values (NaN where torch has NaN) in both
    libraries, or raises the same exception type (and message) in both."""
    want, got = _outcome(fn, torch), _outcome(fn, gt)
    assert got[0] == want[0], (got, want)
    if want[0] == "raise":
        assert got[1] == want[1], (got, want)
        if message:
            assert got[2] == want[2], (got, want)
        return
    assert len(got[1]) == len(want[1])
    for (gd, gs, gv), (wd, ws, wv) in zip(got[1], want[1]):
        assert (gd, gs) == (wd, ws)
        if wv.dtype.kind in "fc":
            np.testing.assert_allclose(gv.astype(np.complex128), wv.astype(np.complex128), rtol=rtol, equal_nan=True)
        else:
            np.testing.assert_array_equal(gv, wv)


INF, NAN = float("inf"), float("nan")


# ---------------------------------------------------------------- var_mean / std_mean
@pytest.mark.parametrize("fn", ["var_mean", "std_mean"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_var_mean_with_infinities_follows_the_running_mean(fn, dtype, dim):
    # an inf is the mean only when it is the last element reduced and the only non-finite one
    rows = [[1.0, 2.0, INF], [INF, 2.0, 1.0], [1.0, -INF, 3.0], [2.0, 3.0, -INF], [NAN, 1.0, INF], [INF, -INF, 1.0]]
    for keepdim in (False, True):
        same(lambda t, k=keepdim: getattr(t, fn)(t.tensor(rows, dtype=getattr(t, dtype)), dim, keepdim=k), rtol=1e-3)
        same(lambda t, k=keepdim: getattr(t, fn)(t.tensor(rows, dtype=getattr(t, dtype)).T, dim, keepdim=k), rtol=1e-3)


@pytest.mark.parametrize("fn", ["var_mean", "std_mean"])
def test_var_mean_of_huge_float32_accumulates_in_double(fn):
    same(lambda t: getattr(t, fn)(t.tensor([[1e38, 3e38, -3e38], [3e38, 3e38, 3e38], [1.0, 2.0, 3.0]]), 1), rtol=1e-5)
    same(lambda t: getattr(t, fn)(t.tensor([[1e38, 3e38, -3e38], [3e38, 3e38, 3e38]])), rtol=1e-5)


@pytest.mark.parametrize("fn", ["var_mean", "std_mean"])
def test_var_mean_of_empty_tensors(fn):
    same(lambda t: getattr(t, fn)(t.tensor([], dtype=t.float64)))
    same(lambda t: getattr(t, fn)(t.tensor([]), (), correction=2))
    same(lambda t: getattr(t, fn)(t.zeros(0, 3), 0))
    same(lambda t: getattr(t, fn)(t.zeros(0, 3), 1, keepdim=True))


def test_var_mean_gradients_unchanged():
    x = gt.tensor([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]], dtype=gt.float64, requires_grad=True)
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    for lib, a in ((gt, x), (torch, xt)):
        v, m = lib.std_mean(a, 1)
        (v * 2 + m * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- linalg
LOGDET_CASES = [
    [[-0.37, 1e4, 1.18, 0.81], [1.04, 0.0, 1.24, 1.5], [-0.22, 2.0, -0.34, NAN], [1.05, 0.76, -1.97, 1.49]],
    [[1.0, -INF, -0.0, -0.0], [-0.0, INF, 1.0, 0.0], [INF, INF, -0.0, -1.0], [-1.0, -1.0, 0.0, -1.0]],
    [[1.0, INF, 2.0, 0.0], [-1.0, 0.0, 0.0, -1.0], [-1.0, 2.0, -INF, -INF], [1.0, -1.0, 1.0, 2.0]],
    [[0.0, -0.69, 0.32, 0.63], [0.85, INF, 1e4, -0.55], [0.07, -1.07, -INF, -0.17], [-0.17, 1.44, 0.6, 0.42]],
]


@pytest.mark.parametrize("fn", ["logdet", "slogdet"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logdet_with_infinities_follows_torchs_lu(fn, dtype):
    same(lambda t: getattr(t, fn)(t.tensor(LOGDET_CASES, dtype=getattr(t, dtype))), rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("n", [3, -3, 5])
def test_matrix_power_cube_multiplies_in_torchs_order(dtype, n):
    a = [[[-2.5, 3.54, INF], [0.13, -1.87, 2.8], [-3.3, -1.89, 0.17]], [[-0.03, -0.44, 0.0], [-INF, 0.99, 0.0],
                                                                         [0.0, 0.0, 1.0]]]
    same(lambda t: t.matrix_power(t.tensor(a if n > 0 else [[2.0, 1.0], [0.5, 3.0]], dtype=getattr(t, dtype)), n)
         if dtype == "float32" or n > 0 else t.zeros(1), rtol=1e-6)
    b = np.random.default_rng(0).standard_normal((4, 4)).astype(dtype)
    # float16 products are formed in float32 and rounded once: bit for bit as torch
    same(lambda t: t.matrix_power(t.tensor(b), abs(n)), rtol=0 if dtype == "float16" else 1e-5)


# ---------------------------------------------------------------- creation
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int8"])
@pytest.mark.parametrize("start,end,steps,base", [
    (1, 0.5, 2, 10.0), (2, 0.5, 2, 10.0), (1, 3.5, 5, 10.0), (1, 3.5, 5, 2.5), (-1.5, 2.7, 4, 2.0),
    (2.23, -3.0, 1, 10.0), (-0.58, 1.0, 1, 2.5), (2.5, 3.0, 1, 10.0), (4.86, 4.0, 1, 10.0), (0, 2, 0, 10.0)])
def test_integer_logspace_casts_its_ends_first(dtype, start, end, steps, base):
    same(lambda t: t.logspace(start, end, steps, base=base, dtype=getattr(t, dtype)))


# ---------------------------------------------------------------- view_as_complex
@pytest.mark.parametrize("make", [
    lambda t: t.from_numpy(np.zeros((0, 2))), lambda t: t.from_numpy(np.zeros((0, 3, 2), np.float32)),
    lambda t: t.zeros(2, 4).T, lambda t: t.zeros(3, 1).expand(3, 2), lambda t: t.zeros(3, 2).expand(2, 3, 2),
    lambda t: t.zeros(3, 3)[:, 1:3], lambda t: t.zeros(1, 3)[:, 0:2], lambda t: t.zeros(5)[1:3],
    lambda t: t.zeros(6)[2:4], lambda t: t.zeros(3, 4)[1:, 2:], lambda t: t.zeros(4, 2)[::2],
    lambda t: t.zeros((), dtype=t.int32), lambda t: t.zeros(3, 4, dtype=t.int64)[:, :3]])
def test_view_as_complex_checks_the_layout_in_torchs_order(make):
    # the dtype message differs (torch also takes half); the exception type is torch's
    same(lambda t: t.view_as_complex(make(t)), message=False)
    same(lambda t: t.view_as_complex(make(t)) if make(t).dtype != t.int32 and make(t).dtype != t.int64 else t.zeros(1))


# ---------------------------------------------------------------- convolutions of empty inputs
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float16", "float32"), ("int32", "int64"),
                                    ("int64", "float64"), ("uint8", "float32"), ("float64", "int64"),
                                    ("bool", "float32"), ("int64", "bool")])
@pytest.mark.parametrize("shape", [(0, 1, 2), (1, 0, 2), (0, 0, 2), (0, 2)])
def test_conv_of_an_empty_input_takes_torchs_dtype(dtypes, shape):
    a, b = dtypes
    cin = shape[-2]
    same(lambda t: t.nn.functional.conv1d(t.zeros(shape, dtype=getattr(t, a)),
                                          t.zeros(1, cin, 2, dtype=getattr(t, b))))
    if cin:
        same(lambda t: t.nn.functional.conv_transpose1d(t.zeros(shape, dtype=getattr(t, a)),
                                                        t.zeros(cin, 1, 2, dtype=getattr(t, b))))
    same(lambda t: t.nn.functional.conv3d(t.zeros((0, 4, 5, 5, 3), dtype=getattr(t, a)),
                                          t.zeros(4, 4, 1, 3, 2, dtype=getattr(t, b)), stride=2))


# ---------------------------------------------------------------- normalisation
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("w", [[0.1, -INF], [INF, -0.0], [1e4, INF]])
def test_instance_and_batch_norm_with_an_infinite_weight(dtype, w):
    x = np.random.default_rng(0).standard_normal((2, 2, 3, 2))
    d = (lambda t: getattr(t, dtype))
    same(lambda t: t.nn.functional.instance_norm(t.tensor(x, dtype=d(t)), weight=t.tensor(w, dtype=d(t))), rtol=2e-3)
    same(lambda t: t.nn.functional.instance_norm(t.tensor(x, dtype=d(t)), weight=t.tensor(w, dtype=d(t)),
                                                 bias=t.tensor([1.0, 2.0], dtype=d(t))), rtol=2e-3)
    same(lambda t: t.nn.functional.batch_norm(t.tensor(x, dtype=d(t)), None, None, t.tensor(w, dtype=d(t)),
                                              training=True), rtol=2e-3)


@pytest.mark.parametrize("p", [2, 3, 1, 0.5, INF, 0])
def test_half_vector_norm_accumulates_in_float32(p):
    same(lambda t: t.tensor([[-0.0172], [10000.0]], dtype=t.float16).norm(p, None, True), rtol=1e-3)
    same(lambda t: t.linalg.vector_norm(t.tensor([300.0, 400.0], dtype=t.float16), p), rtol=1e-3)
    same(lambda t: t.tensor([[300.0, 400.0], [1.0, 2.0]], dtype=t.float16).norm(p, 1), rtol=1e-3)


# ---------------------------------------------------------------- grid_sample
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [True, False])
def test_grid_sample_skips_outside_corners_holding_infinities(padding_mode, align_corners):
    x = [[[[[INF]]], [[[-0.48]]], [[[-0.366]]]]]
    g = [[[[[-1.1762843132019043, -0.19460371136665344, 0.0935894325375557]]]]]
    for shrink in (False, True):  # 3-D, then the 2-D case
        same(lambda t, s=shrink: t.nn.functional.grid_sample(t.tensor(x)[..., 0] if s else t.tensor(x),
                                                             t.tensor(g)[..., 0, :2] if s else t.tensor(g),
                                                             padding_mode=padding_mode,
                                                             align_corners=align_corners),
             rtol=1e-5)


@pytest.mark.parametrize("eps", [None, 0.0, 1e-5])
def test_half_rms_norm_computes_in_float32(eps):
    rows = [[10000.0, 0.69, -0.35, 0.14, 0.77], [0.3, -INF, INF, 1.18, INF], [0.47, -0.5, 0.12, 0.001, 0.0],
            [0.0, 0.0, -1.0, 2.0, NAN]]
    same(lambda t: t.nn.functional.rms_norm(t.tensor(rows, dtype=t.float16), [5], eps=eps), rtol=1e-3)
    same(lambda t: t.nn.functional.rms_norm(t.tensor(rows, dtype=t.float16)[:, :1], [1], eps=eps), rtol=1e-3)
    same(lambda t: t.nn.functional.rms_norm(t.tensor(rows, dtype=t.float16), [5], t.tensor(
        [3.0, 60000.0, 0.9, -1.0, 2.0], dtype=t.float16), eps=eps), rtol=1e-3)


@pytest.mark.parametrize("dtypes", [("float16", "float32"), ("float32", "float64"), ("float64", "float32"),
                                    ("float32", "float16"), ("float16", "float64")])
def test_rms_norm_keeps_the_input_dtype(dtypes):
    a, b = dtypes
    same(lambda t: t.nn.functional.rms_norm(t.tensor([[0.3, 0.5, 2.0]], dtype=getattr(t, a)), [3],
                                            t.tensor([3.0, -2.0, 0.9], dtype=getattr(t, b))), rtol=1e-3)


# ---------------------------------------------------------------- nansum
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("out", ["int64", "int32", "uint8", "bool"])
def test_nansum_into_integers_sends_infinities_to_the_float_extremes(dtype, out):
    rows = [[-INF, INF, 1.5, NAN], [0.33, -INF, 2.0, 3.0]]
    for dim in (None, 0, 1, ()):
        same(lambda t, d=dim: t.tensor(rows, dtype=getattr(t, dtype)).nansum(d, dtype=getattr(t, out)))


# ---------------------------------------------------------------- half with a Python number
HALF = np.random.default_rng(0).standard_normal(2000).astype(np.float16) * np.float16(30)


@pytest.mark.parametrize("s", [0.1, 1 / 3, 1e5, 1e-5, 7.0001, 3, 70000, -0.0])
@pytest.mark.parametrize("op", ["mul", "rmul", "div", "rdiv", "add", "sub", "rsub"])
def test_half_with_a_number_bit_for_bit(op, s):
    # a product or quotient is formed in float32 and rounded once; a sum casts the number to half first
    f = {"mul": lambda x: x * s, "rmul": lambda x: s * x, "div": lambda x: x / s, "rdiv": lambda x: s / x,
         "add": lambda x: x + s, "sub": lambda x: x - s, "rsub": lambda x: s - x}[op]
    same(lambda t: f(t.tensor(HALF)), rtol=0)


@pytest.mark.parametrize("s", [1e5, 70000, 3])
def test_half_add_with_alpha_casts_the_number_to_half_first(s):
    same(lambda t: t.tensor(HALF[:50]).add(s, alpha=0.3), rtol=1e-3)


def test_half_scalar_product_and_quotient_gradients():
    grads = []
    for lib in (torch, gt):
        x = lib.tensor([1.5, -2.0, 3e4], dtype=lib.float16, requires_grad=True)
        ((x / 0.1) / 1e5 + x * 1e-5 * 1e3).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


# ---------------------------------------------------------------- the nuclear norm
@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4), (4,), ()])
@pytest.mark.parametrize("dtype", ["float16", "float64", "int64"])
@pytest.mark.parametrize("dim", [None, 0, (0, 1), (-1, -2), (0, 0), [0, 5]])
def test_norm_nuc_is_the_matrix_norm_over_the_dims_given(shape, dtype, dim):
    x = np.random.default_rng(0).standard_normal(shape)
    for odt in (None, "float32", "float64"):
        same(lambda t, o=odt: t.tensor(x, dtype=getattr(t, dtype)).norm("nuc", dim, True, dtype=o and getattr(t, o)),
             rtol=1e-5)
        same(lambda t, o=odt: t.norm(t.tensor(x, dtype=getattr(t, dtype)), "nuc", dim, dtype=o and getattr(t, o)),
             rtol=1e-5)


def test_norm_of_an_unknown_order_string():
    same(lambda t: t.norm(t.ones(3, 4), "abc"))
    same(lambda t: t.ones(3, 4).norm("abc", 0))


# ---------------------------------------------------------------- polygamma
@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_polygamma_at_infinities_and_poles(n, dtype):
    v = [-1.0, INF, -INF, -0.0, 0.0, 1e4, -5.34, 1.589, -2.0, NAN, -3.33, 0.65]
    same(lambda t: t.polygamma(n, t.tensor(v, dtype=getattr(t, dtype))), rtol=1e-5)
    same(lambda t: t.tensor(v, dtype=getattr(t, dtype)).polygamma(n), rtol=1e-5)


# ---------------------------------------------------------------- split / unflatten: checks in torch's order
@pytest.mark.parametrize("make", [lambda t: t.zeros(3), lambda t: t.zeros(()), lambda t: t.zeros(1, 3, 2)])
def test_split_and_unflatten_check_sizes_before_the_dim(make):
    for size in (-1, 0, 2):
        same(lambda t, s=size: make(t).split(s, 5))
        same(lambda t, s=size: make(t).split(s, -4))
    for sizes in ((), (3,), (2,), (1,), (-1,)):
        for dim in (5, 0, -1, -2, 1):
            # torch's message for a 0-d input carries a C++ trace: the messages are not compared
            same(lambda t, s=sizes, d=dim: make(t).unflatten(d, s), message=False)
            same(lambda t, s=sizes, d=dim: t.unflatten(make(t), d, s), message=False)


# ---------------------------------------------------------------- clamp / where: promotion and scalar checks
@pytest.mark.parametrize("dtypes", [("int64", "float64", "float32"), ("int32", "float32", "float16"),
                                    ("uint8", "int64", "int8"), ("float16", "float64", "float32")])
def test_clamp_promotes_input_and_both_bounds_together(dtypes):
    a, b, c = dtypes
    for sb, sc in (((), (3,)), ((3,), ()), ((), ())):
        same(lambda t, sb=sb, sc=sc: t.clamp(t.tensor([-1, 0, 1], dtype=getattr(t, a)),
                                             t.full(sb, -0.35, dtype=getattr(t, b)),
                                             t.full(sc, 0.7, dtype=getattr(t, c))), rtol=1e-3)


@pytest.mark.parametrize("value", [300, -129, 128, -256, 256, -255, 255, -1, 2.5, 1e6])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "bool"])
def test_where_checks_that_a_number_fits_an_integer_tensor(value, dtype):
    c = [True, False]
    same(lambda t: t.where(t.tensor(c), t.tensor([1, 0], dtype=getattr(t, dtype)), value))
    same(lambda t: t.where(t.tensor(c), value, t.tensor([1, 0], dtype=getattr(t, dtype))))
    same(lambda t: t.where(t.tensor([[]], dtype=t.bool), t.tensor([[]], dtype=getattr(t, dtype)), value))


# ---------------------------------------------------------------- repeat_interleave / scatter: checks in torch's order
@pytest.mark.parametrize("shape", [(), (3,), (0,), (2, 3), (1,)])
@pytest.mark.parametrize("reps", [-1, 0, 2, [-1], [2], [-1, 1, 1], [1, 1, 1]])
def test_repeat_interleave_checks_in_torchs_order(shape, reps):
    for dim in (None, 0, -1, 1, 5):
        same(lambda t, d=dim: t.repeat_interleave(t.zeros(shape), t.tensor(reps) if isinstance(reps, list) else reps,
                                                  dim=d), message=False)


@pytest.mark.parametrize("ishape", [(2, 3), (3,), (1, 1), (3, 3), (2, 1), ()])
@pytest.mark.parametrize("sshape", [(1,), (3,), (2, 3), (1, 1), (3, 1), (), (1, 3), (2, 2, 2)])
def test_scatter_size_checks_stop_at_the_first_dim_that_does_not_fit(ishape, sshape):
    for d in (0, 1, -1):
        for fn in ("scatter_add", "scatter"):
            same(lambda t, d=d, fn=fn: getattr(t, fn)(t.zeros(3, 3), d, t.zeros(ishape, dtype=t.int64), t.ones(sshape)),
                 message=False)


@pytest.mark.parametrize("value,dtype", [(NAN, "int32"), (300, "int8"), (-1, "uint8"), (2.7, "int8"), (INF, "int64"),
                                         (1e10, "int32"), (5, "bool"), (-2.7, "uint8"), (NAN, "float16")])
def test_scalar_tensor_checks_that_the_number_fits(value, dtype):
    same(lambda t: t.scalar_tensor(value, dtype=getattr(t, dtype)))


def test_clamp_with_two_tensor_bounds_checks_broadcasting():
    same(lambda t: t.clamp(t.zeros(3, 4, dtype=t.int64), t.zeros(4, 1, 2, dtype=t.float16), t.zeros(3, 4, dtype=t.int32)))


@pytest.mark.parametrize("shape,d", [((1, 2, 1), 1), ((3,), 0), ((2, 2), 0), ((2, 2), 1), ((2, 3, 2), 1), ((), 0)])
@pytest.mark.parametrize("alpha", [1, 2.5, NAN, 1e10, True])
def test_index_add_checks_indices_and_alpha_in_torchs_order(shape, d, alpha):
    src = list(shape)
    if src:
        src[d] = 1
    for idx in ([-1], [0], [5]):
        for dtype in ("int32", "float32", "uint8"):
            same(lambda t, i=idx, dt=dtype: t.zeros(shape, dtype=getattr(t, dt)).index_add_(
                d, t.tensor(i), t.ones(src, dtype=getattr(t, dt)), alpha=alpha), message=False)


def test_cat_of_legacy_empty_tensors_promotes_their_dtypes():
    for dts in (("float16", "bool", "float32"), ("float16", "float32"), ("bool", "bool", "float32"), ("int64",)):
        same(lambda t, dts=dts: t.cat([t.zeros(0, dtype=getattr(t, d)) for d in dts]))
        same(lambda t, dts=dts: t.concatenate([t.zeros(0, dtype=getattr(t, d)) for d in dts], 0))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_bilinear_contracts_the_first_input_first(dtype):
    x1 = [[0.1257, -0.1321], [0.6404, 0.1049]]
    x2 = [[-2.1112, -3.7963, -1.8698], [0.124, INF, 0.0]]
    w = [[[-0.7435, -0.9217, -0.4577], [0.2202, -1.0096, -0.2092]],
         [[-0.1592, 0.5408, 0.2147], [0.3554, -0.6538, -0.1296]]]
    d = (lambda t: getattr(t, dtype))
    same(lambda t: t.nn.functional.bilinear(t.tensor(x1, dtype=d(t)), t.tensor(x2, dtype=d(t)), t.tensor(w, dtype=d(t)),
                                            t.tensor([4.54, 4.04], dtype=d(t))), rtol=2e-3)


@pytest.mark.parametrize("dtype", ["int64", "float32"])  # torch has no pooling kernel for the other integers
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_local_response_norm_of_integers_truncates_the_window_mean(dtype, size):
    x = np.random.default_rng(size).integers(-6, 7, size=(2, 4, 3))
    same(lambda t: t.nn.functional.local_response_norm(t.tensor(x, dtype=getattr(t, dtype)), size, 0.01, 0.5, 2.0),
         rtol=1e-5)
    same(lambda t: t.nn.functional.local_response_norm(t.tensor(x[..., None], dtype=getattr(t, dtype)), size, 0.5,
                                                       0.75, 1.0), rtol=1e-5)


def test_topk_of_bools_checks_dim_and_k_first():
    for k, dim in ((5, 0), (1, 3), (-1, 0), (1, 0), (3, -2)):
        same(lambda t, k=k, d=dim: t.tensor([True, False]).topk(k, d))
        same(lambda t, k=k, d=dim: t.tensor(False).topk(k, d))


# ---------------------------------------------------------------- max pooling: the last NaN of a window wins
def test_max_pool_indices_point_at_the_last_nan_of_a_window():
    x = [[[-1.398, 0.4585, -2.4832, NAN, NAN]], [[-1.9495, 5.221, NAN, -0.0805, -INF]]]
    same(lambda t: t.nn.functional.adaptive_max_pool1d(t.tensor(x, dtype=t.float64), 2, return_indices=True))
    same(lambda t: t.nn.functional.max_pool1d(t.tensor(x, dtype=t.float64), 3, 2, return_indices=True))
    same(lambda t: t.nn.functional.adaptive_max_pool1d(t.tensor([[[1.0, NAN, NAN, 2.0]]]), 1, return_indices=True))
    grid = np.random.default_rng(3).standard_normal((2, 2, 5, 5))
    grid[np.random.default_rng(4).random(grid.shape) < 0.3] = np.nan
    same(lambda t: t.nn.functional.adaptive_max_pool2d(t.tensor(grid), (2, 3), return_indices=True))
    same(lambda t: t.nn.functional.max_pool2d(t.tensor(grid), 3, 1, 1, return_indices=True))


# ---------------------------------------------------------------- scatter(reduce='multiply')
@pytest.mark.parametrize("case", [
    lambda t: t.tensor([[1.0, 2.0], [3.0, 4.0]]).scatter(1, t.tensor([[0], [1]]), t.tensor([[5.0], [6.0]]),
                                                        reduce="multiply"),
    lambda t: t.tensor([[1.0, 2.0], [3.0, 4.0]]).scatter(1, t.tensor([[0], [0]]), 2.5, reduce="multiply"),
    lambda t: t.tensor([[1, 2], [3, 4]]).scatter(1, t.tensor([[0, 0]]), 3, reduce="multiply"),
    lambda t: t.tensor([[1, 2], [3, 4]]).scatter(1, t.tensor([[0, 0]]), t.tensor([[3, 5]]), reduce="multiply"),
    lambda t: t.tensor([[1, 2], [3, 4]]).scatter(1, t.tensor([[0, 0]]), 2.5, reduce="multiply"),
    lambda t: t.tensor([[-4, 2], [-3, 5]]).scatter_(-1, t.tensor([], dtype=t.int64), -3, reduce="multiply"),
    lambda t: t.tensor([1.0, 2.0, 3.0]).scatter(0, t.tensor([2, 2, 0]), t.tensor([2.0, 3.0, 4.0]), reduce="multiply"),
    lambda t: t.tensor(2.0).scatter(0, t.tensor(0), 3.0, reduce="multiply"),
    lambda t: t.tensor([[1.0, 2.0]]).scatter(1, t.tensor([[0]]), 3.0, reduce="divide"),
])
def test_scatter_multiply(case):
    same(case)


def test_scatter_multiply_has_no_derivative_as_in_torch():
    for lib in (torch, gt):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x.scatter(1, lib.tensor([[0], [1]]), lib.tensor([[5.0], [6.0]]), reduce="multiply")
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()
