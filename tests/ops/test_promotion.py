"""Property tests against PyTorch: broadcasting of random shapes and dtype promotion of random operands."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import glasstorch as gt

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True)

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a ** b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b),
    "lerp": lambda m, a, b: m.lerp(a, b, 0.3),
    "matmul_batch": None,  # placeholder name kept out of the broadcasting draw
}
BROADCAST_OPS = [k for k, v in BINARY.items() if v is not None]


def _pair(lib, xs, ys):
    a = lib.tensor(xs, requires_grad=True)
    b = lib.tensor(ys, requires_grad=True)
    return a, b


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
       op=st.sampled_from(BROADCAST_OPS), seed=st.integers(0, 2**16))
def test_broadcasting_forward_and_gradient_shapes(shapes, op, seed):
    sa, sb = shapes.input_shapes
    rng = np.random.default_rng(seed)
    xa, xb = rng.uniform(0.5, 2.0, sa), rng.uniform(0.5, 2.0, sb)
    fn = BINARY[op]
    ag, bg = _pair(gt, xa, xb)
    at, bt = _pair(torch, xa, xb)
    og, ot = fn(gt, ag, bg), fn(torch, at, bt)
    assert tuple(og.shape) == tuple(ot.shape) == shapes.result_shape
    assert_close(og, ot)
    w = rng.standard_normal(shapes.result_shape)
    (og * gt.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    assert tuple(ag.grad.shape) == sa and tuple(bg.grad.shape) == sb
    assert_close(ag.grad, at.grad)
    assert_close(bg.grad, bt.grad)


@st.composite
def _clashing_shapes(draw):
    """Two shapes that do not broadcast."""
    sa = list(draw(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)))
    sb = list(draw(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)))
    k = draw(st.integers(1, min(len(sa), len(sb))))
    if sa[-k] == sb[-k] or 1 in (sa[-k], sb[-k]):
        sa[-k], sb[-k] = 2, 3
    return tuple(sa), tuple(sb)


@SETTINGS
@given(shapes=_clashing_shapes(), op=st.sampled_from(["add", "mul", "maximum", "where", "atan2", "sub"]))
def test_broadcasting_errors_match_torch(shapes, op):
    sa, sb = shapes
    fn = BINARY[op]
    with pytest.raises(RuntimeError) as want:
        fn(torch, torch.ones(sa), torch.ones(sb))
    with pytest.raises(RuntimeError) as got:
        fn(gt, gt.ones(sa), gt.ones(sb))
    assert str(got.value) == str(want.value)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3, base_shape=(2, 2)),
       seed=st.integers(0, 2**16))
def test_batched_matmul_broadcasting(shapes, seed):
    sa, sb = shapes.input_shapes
    rng = np.random.default_rng(seed)
    xa, xb = rng.standard_normal(sa[:-2] + (2, 3)), rng.standard_normal(sb[:-2] + (3, 2))
    ag, bg = _pair(gt, xa, xb)
    at, bt = _pair(torch, xa, xb)
    og, ot = ag @ bg, at @ bt
    assert_close(og, ot)
    og.sum().backward()
    ot.sum().backward()
    assert_close(ag.grad, at.grad)
    assert_close(bg.grad, bt.grad)


# ---------------------------------------------------------------- dtype promotion
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]

PROMOTING = {
    "add": lambda m, a, b: a + b,
    "radd": lambda m, a, b: b + a,
    "sub": lambda m, a, b: a - b,
    "rsub": lambda m, a, b: b - a,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "rdiv": lambda m, a, b: b / a,
    "floordiv": lambda m, a, b: a // b,
    "mod": lambda m, a, b: a % b,
    "pow": lambda m, a, b: a ** b,
    "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: a < b,
    "ge": lambda m, a, b: b >= a,
    "where": lambda m, a, b: m.where(m.ones((), dtype=m.bool), a, b),
    "and": lambda m, a, b: a & b,
    "or": lambda m, a, b: a | b,
    "xor": lambda m, a, b: a ^ b,
    "logical_and": lambda m, a, b: m.logical_and(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "clamp": lambda m, a, b: m.clamp(a, min=b),
}


@st.composite
def _operand(draw):
    """A tensor with dims, a 0-dim tensor, or a Python scalar: ('tensor', dtype, values) etc."""
    form = draw(st.sampled_from(["tensor", "tensor", "zero_dim", "scalar"]))
    if form == "scalar":
        kind = draw(st.sampled_from(["bool", "int", "float"]))
        value = {"bool": True, "int": draw(st.integers(1, 3)), "float": draw(st.sampled_from([1.5, 2.0, 0.25]))}[kind]
        return ("scalar", kind, value)
    dtype = draw(st.sampled_from(DTYPES))
    values = draw(st.lists(st.integers(1, 3), min_size=3, max_size=3))
    return (form, dtype, values)


def _build(lib, operand):
    form, dtype, values = operand
    if form == "scalar":
        return values
    arr = np.array(values if form == "tensor" else values[0]).astype(dtype)
    return lib.from_numpy(arr) if lib is torch else lib.tensor(arr)


def _outcome(lib, fn, a, b):
    try:
        out = fn(lib, _build(lib, a), _build(lib, b))
    except (RuntimeError, TypeError) as e:
        return type(e), None
    return None, out


@SETTINGS
@given(a=_operand(), b=_operand(), op=st.sampled_from(sorted(PROMOTING)))
def test_dtype_promotion_matches_torch(a, b, op):
    if a[0] == "scalar" and b[0] == "scalar":
        b = ("tensor", "float32", [1, 2, 3])
    if a[0] == "scalar":
        a, b = b, a  # the first operand of every op here is a tensor
    fn = PROMOTING[op]
    err_t, want = _outcome(torch, fn, a, b)
    err_g, got = _outcome(gt, fn, a, b)
    assert err_g is err_t or (err_t and err_g and issubclass(err_g, err_t)), (err_g, err_t)
    if want is None:
        return
    assert str(got.dtype) == str(want.dtype), f"{op}{a, b}: {got.dtype} != {want.dtype}"
    assert tuple(got.shape) == tuple(want.shape)
    tol = 1e-2 if want.dtype == torch.float16 else 1e-5
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64),
                               rtol=tol, atol=tol)


@SETTINGS
@given(a=_operand(), b=_operand())
def test_result_type_matches_torch(a, b):
    if a[0] == "scalar" and b[0] == "scalar":
        return
    assert str(gt.result_type(_build(gt, a), _build(gt, b))) == str(torch.result_type(_build(torch, a), _build(torch, b)))


@pytest.mark.parametrize("x,y", [(d1, d2) for d1 in DTYPES for d2 in DTYPES])
def test_promote_types_table(x, y):
    assert str(gt.promote_types(getattr(gt, x), getattr(gt, y))) == str(torch.promote_types(getattr(torch, x),
                                                                                            getattr(torch, y)))


def test_documented_promotion_examples():
    f32 = gt.ones(2)
    assert (f32 * 2.5).dtype == gt.float32  # a Python float does not upcast float32
    assert (f32 + gt.tensor(1.0, dtype=gt.float64)).dtype == gt.float32  # 0-dim of the same kind loses
    assert (gt.ones(2, dtype=gt.int64) / 2).dtype == gt.float32
    assert (gt.ones(2, dtype=gt.int32) + gt.tensor(1.5, dtype=gt.float64)).dtype == gt.float64  # higher kind wins
    assert (gt.ones(2, dtype=gt.int64) + gt.ones(2, dtype=gt.float16)).dtype == gt.float16
    assert (gt.ones(2, dtype=gt.int8) + gt.ones(2, dtype=gt.uint8)).dtype == gt.int16
    assert (f32 > 1).dtype == gt.bool
    assert (gt.ones(2, dtype=gt.bool) + 1).dtype == gt.int64
    assert (gt.ones(2, dtype=gt.int32) + 10).dtype == gt.int32
