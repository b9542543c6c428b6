"""Elementwise ops against PyTorch, driven by one table.

Every entry of ``OPS`` is run on several inputs (0-d, broadcasting pairs,
empty tensors) in float64 and float32: forward values, shape, dtype and
input gradients are compared with torch; in float64 the op also passes
gradcheck and, where it is twice differentiable, gradgradcheck.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
from compare import assert_close, check, gradchecks

import glasstorch as gt
from glasstorch.ops._registry import OPS as REGISTRY

# ---------------------------------------------------------------- sample inputs
_RNG = np.random.default_rng(20240611)


def _values(shape, domain, rng=_RNG):
    """Random values of ``shape`` drawn from a named domain (kept away from kinks for gradcheck)."""
    u = rng.uniform
    if domain == "real":
        v = u(-2.0, 2.0, shape)
    elif domain == "pos":
        v = u(0.3, 3.0, shape)
    elif domain == "unit":
        v = u(-0.9, 0.9, shape)
    elif domain == "away0":  # nonzero, sign random: kinks at 0 stay far
        v = rng.choice([-1.0, 1.0], shape) * u(0.2, 2.0, shape)
    elif domain == "frac":  # well inside (k, k+1): rounding ops are flat here
        v = rng.integers(-3, 3, shape) + u(0.1, 0.4, shape) + rng.choice([0.0, 0.5], shape)
    elif domain == "wide":
        v = u(-8.0, 8.0, shape)
    elif domain == "grid":  # few distinct values: ties for comparisons
        v = rng.integers(-2, 3, shape).astype(np.float64)
    else:
        raise ValueError(domain)
    return np.asarray(v, dtype=np.float64)


UNARY_SHAPES = [(), (5,), (2, 3), (0, 3)]
BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 1), (1, 3)), ((), (4,)), ((3, 1, 2), (2,)), ((0, 3), (1, 3))]


@dataclass
class Op:
    """One table entry: ``fn(lib, *tensors)`` runs the op with ``lib`` = glasstorch or torch."""

    name: str
    fn: object
    domains: tuple
    shapes: list = field(default_factory=list)
    grad: bool = True  # outputs carry gradients in both frameworks
    gradgrad: bool = True  # twice differentiable (gradgradcheck)
    check_grads: bool = True  # finite differences are meaningful on the sampled inputs

    def samples(self):
        """Lists of float64 arrays, one list per sample (the same on every call)."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        out = []
        for shapes in self.shapes:
            shapes = (shapes,) if len(self.domains) == 1 else shapes
            out.append([_values(s, d, rng) for s, d in zip(shapes, self.domains)])
        return out


def unary(name, fn, domain="real", **kw):
    return Op(name, fn, (domain,), UNARY_SHAPES, **kw)


def binary(name, fn, domains=("real", "real"), **kw):
    return Op(name, fn, domains, BINARY_SHAPES, **kw)


def _named(name):
    """``lib.<name>(a, b)``."""
    return lambda m, a, b: getattr(m, name)(a, b)


OPS = [
    # arithmetic, as functions, methods and operators
    binary("add", lambda m, a, b: m.add(a, b)),
    binary("add_alpha", lambda m, a, b: m.add(a, b, alpha=2.5)),
    binary("add_op", lambda m, a, b: a + b),
    binary("sub", lambda m, a, b: m.sub(a, b)),
    binary("sub_op", lambda m, a, b: a - b),
    binary("mul", lambda m, a, b: m.mul(a, b)),
    binary("mul_op", lambda m, a, b: a * b),
    binary("div", lambda m, a, b: m.div(a, b), ("real", "away0")),
    binary("div_op", lambda m, a, b: a / b, ("real", "away0")),
    binary("div_floor", lambda m, a, b: m.div(a, b, rounding_mode="floor"), ("real", "away0"), grad=False),
    binary("div_trunc", lambda m, a, b: m.div(a, b, rounding_mode="trunc"), ("real", "away0"), gradgrad=False),
    binary("floordiv_op", lambda m, a, b: a // b, ("real", "away0"), grad=False),
    binary("remainder", lambda m, a, b: m.remainder(a, b), ("pos", "pos"), gradgrad=False),
    binary("mod_op", lambda m, a, b: a % b, ("pos", "pos"), gradgrad=False),
    binary("fmod", lambda m, a, b: m.fmod(a, b), ("pos", "pos"), gradgrad=False),
    binary("pow", lambda m, a, b: m.pow(a, b), ("pos", "real")),
    binary("pow_op", lambda m, a, b: a ** b, ("pos", "real")),
    unary("neg", lambda m, x: m.neg(x)),
    unary("neg_op", lambda m, x: -x),
    unary("abs", lambda m, x: m.abs(x), "away0"),
    unary("abs_op", lambda m, x: abs(x), "away0"),
    # Python scalars on either side
    unary("add_scalar", lambda m, x: x + 2.5),
    unary("radd_scalar", lambda m, x: 2.5 + x),
    unary("sub_scalar", lambda m, x: x - 2),
    unary("rsub_scalar", lambda m, x: 2 - x),
    unary("rsub_float", lambda m, x: 1.5 - x),
    unary("mul_scalar", lambda m, x: x * 3),
    unary("rmul_scalar", lambda m, x: 0.5 * x),
    unary("div_scalar", lambda m, x: x / 4),
    unary("rdiv_scalar", lambda m, x: 2 / x, "away0"),
    unary("floordiv_scalar", lambda m, x: x // 0.7, grad=False),
    unary("rfloordiv_scalar", lambda m, x: 3 // x, "away0", grad=False),
    unary("mod_scalar", lambda m, x: x % 0.7, "frac", gradgrad=False),
    unary("rmod_scalar", lambda m, x: 3.0 % x, "pos", grad=False),
    unary("pow_int", lambda m, x: x ** 2),
    unary("pow_3", lambda m, x: m.pow(x, 3)),
    unary("pow_half", lambda m, x: x ** 0.5, "pos"),
    unary("pow_neg", lambda m, x: x ** -1.5, "pos"),
    unary("pow_zero", lambda m, x: x ** 0),
    unary("rpow_int", lambda m, x: 2 ** x),
    unary("rpow_float", lambda m, x: 0.5 ** x),
    unary("rpow_fn", lambda m, x: m.pow(3.0, x)),
    unary("float_power", lambda m, x: m.float_power(x, 2), "pos"),
    # unary maths
    unary("exp", lambda m, x: m.exp(x)),
    unary("exp2", lambda m, x: m.exp2(x)),
    unary("log", lambda m, x: m.log(x), "pos"),
    unary("log2", lambda m, x: m.log2(x), "pos"),
    unary("log10", lambda m, x: m.log10(x), "pos"),
    unary("log1p", lambda m, x: m.log1p(x), "pos"),
    unary("expm1", lambda m, x: m.expm1(x)),
    unary("sqrt", lambda m, x: m.sqrt(x), "pos"),
    unary("rsqrt", lambda m, x: m.rsqrt(x), "pos"),
    unary("reciprocal", lambda m, x: m.reciprocal(x), "away0"),
    unary("square", lambda m, x: m.square(x)),
    unary("sin", lambda m, x: m.sin(x)),
    unary("cos", lambda m, x: m.cos(x)),
    unary("tan", lambda m, x: m.tan(x), "unit"),
    unary("asin", lambda m, x: m.asin(x), "unit"),
    unary("acos", lambda m, x: m.acos(x), "unit"),
    unary("atan", lambda m, x: m.atan(x)),
    unary("arcsin", lambda m, x: m.arcsin(x), "unit"),
    binary("atan2", lambda m, a, b: m.atan2(a, b), ("away0", "away0")),
    unary("sinh", lambda m, x: m.sinh(x)),
    unary("cosh", lambda m, x: m.cosh(x)),
    unary("tanh", lambda m, x: m.tanh(x)),
    unary("sigmoid", lambda m, x: m.sigmoid(x), "wide"),
    unary("relu", lambda m, x: m.relu(x), "away0", gradgrad=True),
    unary("erf", lambda m, x: m.erf(x), "wide"),
    unary("sign", lambda m, x: m.sign(x), "away0"),
    unary("floor", lambda m, x: m.floor(x), "frac"),
    unary("ceil", lambda m, x: m.ceil(x), "frac"),
    unary("round", lambda m, x: m.round(x), "frac"),
    unary("round_decimals", lambda m, x: m.round(x * 10, decimals=1), "frac"),
    unary("trunc", lambda m, x: m.trunc(x), "frac"),
    unary("frac", lambda m, x: m.frac(x), "frac"),
    unary("nan_to_num", lambda m, x: m.nan_to_num(x / (x > 0.5) - 1.0 / (x < -1.0)), "away0", check_grads=False),
    unary("nan_to_num_args", lambda m, x: m.nan_to_num(x.log(), nan=2.0, posinf=9.0, neginf=-9.0), "real"),
    # clamp with number and tensor bounds
    unary("clamp", lambda m, x: m.clamp(x, -0.55, 0.75)),
    unary("clamp_min", lambda m, x: m.clamp(x, min=-0.55)),
    unary("clamp_max", lambda m, x: m.clamp(x, max=0.75)),
    unary("clip", lambda m, x: m.clip(x, -1.05, 0.35)),
    unary("clamp_min_fn", lambda m, x: m.clamp_min(x, 0.25)),
    unary("clamp_max_fn", lambda m, x: m.clamp_max(x, 0.25)),
    Op("clamp_tensor", lambda m, x, lo, hi: m.clamp(x, lo, hi), ("real", "real", "real"),
       [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((), (), ()), ((0, 2), (2,), (1, 2))]),
    binary("clamp_tensor_min", lambda m, x, lo: m.clamp(x, min=lo)),
    binary("clamp_tensor_max", lambda m, x, hi: m.clamp(x, max=hi)),
    # selection
    Op("where", lambda m, c, a, b: m.where(c > 0, a, b), ("real", "real", "real"),
       [((2, 3), (2, 3), (2, 3)), ((2, 1), (1, 3), (3,)), ((), (4,), ()), ((0, 3), (3,), (1, 3))]),
    binary("where_scalar", lambda m, c, a: m.where(c > 0, a, 0.5)),
    binary("where_method", lambda m, c, a: a.where(c > 0, a * 2)),
    binary("maximum", lambda m, a, b: m.maximum(a, b)),
    binary("minimum", lambda m, a, b: m.minimum(a, b)),
    binary("lerp", lambda m, a, b: m.lerp(a, b, 0.3)),
    binary("lerp_big_weight", lambda m, a, b: m.lerp(a, b, 0.75)),
    Op("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w), ("real", "real", "real"),
       [((2, 3), (2, 3), (2, 3)), ((2, 1), (1, 3), (3,)), ((), (), ()), ((0, 3), (3,), (1, 3))]),
    # comparisons and logic (bool results, no gradient)
    *[binary(n, _named(n), ("grid", "grid"), grad=False)
      for n in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "less_equal", "not_equal")],
    binary("eq_op", lambda m, a, b: a == b, ("grid", "grid"), grad=False),
    binary("ne_op", lambda m, a, b: a != b, ("grid", "grid"), grad=False),
    binary("lt_op", lambda m, a, b: a < b, ("grid", "grid"), grad=False),
    binary("le_op", lambda m, a, b: a <= b, ("grid", "grid"), grad=False),
    binary("gt_op", lambda m, a, b: a > b, ("grid", "grid"), grad=False),
    binary("ge_op", lambda m, a, b: a >= b, ("grid", "grid"), grad=False),
    unary("eq_scalar", lambda m, x: x == 1.0, "grid", grad=False),
    unary("lt_rscalar", lambda m, x: 0 < x, "grid", grad=False),
    *[binary(n, _named(n), ("grid", "grid"), grad=False)
      for n in ("logical_and", "logical_or", "logical_xor")],
    unary("logical_not", lambda m, x: m.logical_not(x), "grid", grad=False),
    binary("bitwise_and_op", lambda m, a, b: (a > 0) & (b > 0), ("grid", "grid"), grad=False),
    binary("bitwise_or_op", lambda m, a, b: (a > 0) | (b > 0), ("grid", "grid"), grad=False),
    binary("bitwise_xor_op", lambda m, a, b: (a > 0) ^ (b > 0), ("grid", "grid"), grad=False),
    binary("bitwise_int", lambda m, a, b: (a.long() & b.long(), a.long() | b.long(), a.long() ^ b.long()),
           ("grid", "grid"), grad=False),
    unary("invert_bool", lambda m, x: ~(x > 0), "grid", grad=False),
    unary("invert_int", lambda m, x: ~x.long(), "grid", grad=False),
    unary("bitwise_not", lambda m, x: m.bitwise_not(x.long()), "grid", grad=False),
    unary("isnan", lambda m, x: m.isnan(x.log()), "real", grad=False),
    unary("isinf", lambda m, x: m.isinf(1 / x.round()), "real", grad=False),
    unary("isfinite", lambda m, x: m.isfinite(x.log() / x.round()), "real", grad=False),
    binary("isclose", lambda m, a, b: m.isclose(a, a + b * 1e-6), grad=False),
    binary("allclose", lambda m, a, b: (m.allclose(a, a + b * 1e-6), m.allclose(a, a + b * 1e-4)), grad=False),
    binary("equal", lambda m, a, b: (m.equal(a, a.clone()), m.equal(a, b)), grad=False),
]

OP_NAMES = [op.name for op in OPS]
assert len(set(OP_NAMES)) == len(OP_NAMES)

CASES = [pytest.param(op, i, dt, id=f"{op.name}-{i}-{np.dtype(dt).name}")
         for op in OPS for i in range(len(op.shapes)) for dt in (np.float64, np.float32)]


def _sample(op, i, dtype):
    return [a.astype(dtype) for a in op.samples()[i]]


@pytest.mark.parametrize("op,i,dtype", CASES)
def test_forward_and_grad_match_torch(op, i, dtype):
    arrays = _sample(op, i, dtype)
    check(lambda *xs: op.fn(gt, *xs), lambda *xs: op.fn(torch, *xs), *arrays, grad=op.grad, msg=op.name)


GRADCHECK_CASES = [pytest.param(op, i, id=f"{op.name}-{i}")
                   for op in OPS if op.grad and op.check_grads
                   for i, shapes in enumerate(op.shapes)
                   if i < 2]  # two non-empty samples each: one plain, one broadcasting or 0-d


@pytest.mark.parametrize("op,i", GRADCHECK_CASES)
def test_gradcheck(op, i):
    arrays = op.samples()[i]
    gradchecks(lambda *xs: op.fn(gt, *xs), *arrays, second=op.gradgrad)


# ---------------------------------------------------------------- Tensor methods and in-place variants
METHODS = [
    ("abs", (), "away0"), ("neg", (), "real"), ("negative", (), "real"), ("exp", (), "real"),
    ("exp2", (), "real"), ("expm1", (), "real"), ("log", (), "pos"), ("log2", (), "pos"),
    ("log10", (), "pos"), ("log1p", (), "pos"), ("sqrt", (), "pos"), ("rsqrt", (), "pos"),
    ("reciprocal", (), "away0"), ("square", (), "real"), ("sin", (), "real"), ("cos", (), "real"),
    ("tan", (), "unit"), ("asin", (), "unit"), ("acos", (), "unit"), ("atan", (), "real"),
    ("sinh", (), "real"), ("cosh", (), "real"), ("tanh", (), "real"), ("sigmoid", (), "real"),
    ("relu", (), "real"), ("erf", (), "real"), ("sign", (), "real"), ("floor", (), "real"),
    ("ceil", (), "real"), ("round", (), "real"), ("trunc", (), "real"), ("frac", (), "real"),
    ("clamp", (-0.5, 0.5), "real"), ("clip", (-0.5, 0.5), "real"), ("clamp_min", (0.1,), "real"),
    ("clamp_max", (0.1,), "real"), ("nan_to_num", (), "real"), ("add", (1.5,), "real"),
    ("sub", (1.5,), "real"), ("mul", (1.5,), "real"), ("div", (1.5,), "real"), ("pow", (2,), "real"),
    ("remainder", (0.7,), "real"), ("fmod", (0.7,), "real"), ("atan2", ("T",), "real"),
    ("lerp", ("T", 0.25), "real"), ("maximum", ("T",), "real"), ("minimum", ("T",), "real"),
    ("true_divide", (3.0,), "real"), ("multiply", (3.0,), "real"), ("subtract", (3.0,), "real"),
    ("floor_divide", (0.7,), "real"), ("arctan2", ("T",), "real"), ("fix", (), "real"),
    ("absolute", (), "real"), ("arcsin", (), "unit"), ("arccos", (), "unit"), ("arctan", (), "real"),
    ("float_power", (2,), "real"), ("divide", (3.0,), "real"), ("round", (), "frac"),
    ("logical_not", (), "grid"), ("logical_and", ("T",), "grid"), ("logical_or", ("T",), "grid"),
    ("logical_xor", ("T",), "grid"), ("eq", ("T",), "grid"), ("ne", ("T",), "grid"), ("lt", ("T",), "grid"),
    ("le", ("T",), "grid"), ("gt", ("T",), "grid"), ("ge", ("T",), "grid"),
]


def _method_args(lib, args, other):
    return [lib.tensor(other) if a == "T" else a for a in args]


@pytest.mark.parametrize("name,args,domain", METHODS, ids=[m[0] for m in METHODS])
def test_method_and_inplace(name, args, domain):
    x = _values((2, 3), domain)
    other = _values((2, 3), domain)
    got = getattr(gt.tensor(x), name)(*_method_args(gt, args, other))
    want = getattr(torch.tensor(x), name)(*_method_args(torch, args, other))
    assert_close(got, want, msg=name)
    if not REGISTRY[name].inplace:  # the registry's flag i: Tensor.<name>_ exists
        assert not hasattr(torch.Tensor, name + "_") or name in ("maximum", "minimum"), f"{name}_ missing"
        return
    assert hasattr(torch.Tensor, name + "_"), f"{name}_ is not torch's"
    xg, xt = gt.tensor(x), torch.tensor(x)
    rg = getattr(xg, name + "_")(*_method_args(gt, args, other))
    rt = getattr(xt, name + "_")(*_method_args(torch, args, other))
    assert rg is xg
    assert_close(xg, xt, msg=name + "_")
    assert_close(rg, rt, msg=name + "_")


def test_inplace_records_gradient():
    x = np.array([0.3, -1.2, 2.0])
    xg = gt.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yg, yt = xg * 2, xt * 2
    yg.sin_().clamp_(-0.5, 0.9).mul_(3).add_(xg)
    yt.sin_().clamp_(-0.5, 0.9).mul_(3).add_(xt)
    assert_close(yg, yt)
    yg.sum().backward()
    yt.sum().backward()
    assert_close(xg.grad, xt.grad)


def test_inplace_on_leaf_requiring_grad_raises():
    x = gt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.exp_()


def test_inplace_cannot_change_dtype():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        gt.ones(3, dtype=gt.int64).mul_(0.5)
    with pytest.raises(RuntimeError):
        torch.ones(3, dtype=torch.int64).mul_(0.5)


# ---------------------------------------------------------------- integer and bool inputs
INT_OPS = [
    ("add", lambda m, a, b: a + b), ("sub", lambda m, a, b: a - b), ("mul", lambda m, a, b: a * b),
    ("div", lambda m, a, b: a / b), ("floordiv", lambda m, a, b: a // b), ("mod", lambda m, a, b: a % b),
    ("div_trunc", lambda m, a, b: m.div(a, b, rounding_mode="trunc")), ("fmod", lambda m, a, b: m.fmod(a, b)),
    ("pow", lambda m, a, b: a ** b.abs()), ("neg", lambda m, a, b: -a), ("abs", lambda m, a, b: a.abs()),
    ("exp", lambda m, a, b: a.exp()), ("sqrt", lambda m, a, b: b.abs().sqrt()), ("sigmoid", lambda m, a, b: a.sigmoid()),
    ("relu", lambda m, a, b: a.relu()), ("sign", lambda m, a, b: a.sign()), ("floor", lambda m, a, b: a.floor()),
    ("round", lambda m, a, b: a.round()), ("square", lambda m, a, b: a.square()),
    ("reciprocal", lambda m, a, b: b.reciprocal()), ("erf", lambda m, a, b: a.erf()),
    ("clamp", lambda m, a, b: a.clamp(-1, 1)), ("clamp_float", lambda m, a, b: a.clamp(-0.5, 1.5)),
    ("maximum", lambda m, a, b: m.maximum(a, b)), ("minimum", lambda m, a, b: m.minimum(a, b)),
    ("where", lambda m, a, b: m.where(a > 0, a, b)), ("eq", lambda m, a, b: a == b), ("lt", lambda m, a, b: a < b),
    ("atan2", lambda m, a, b: m.atan2(a, b)), ("scalar_float", lambda m, a, b: a + 0.5),
    ("rsub", lambda m, a, b: 3 - a), ("rdiv", lambda m, a, b: 3 / b), ("rpow", lambda m, a, b: 2 ** a.abs()),
    ("nan_to_num", lambda m, a, b: m.nan_to_num(a)), ("isnan", lambda m, a, b: m.isnan(a)),
    ("isfinite", lambda m, a, b: m.isfinite(a)), ("logical_and", lambda m, a, b: m.logical_and(a, b)),
    ("bitwise", lambda m, a, b: (a & b, a | b, a ^ b, ~a)), ("square_bool", lambda m, a, b: (a > 0).square()),
]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8])
@pytest.mark.parametrize("name,fn", INT_OPS, ids=[n for n, _ in INT_OPS])
def test_integer_inputs(name, fn, dtype):
    a = _RNG.integers(-3, 4, (2, 3))
    b = _RNG.choice([-3, -2, -1, 1, 2, 3], (2, 3))
    if dtype == np.uint8:
        a, b = np.abs(a), np.abs(b)
    a, b = a.astype(dtype), b.astype(dtype)
    if name == "sqrt" or name == "reciprocal":
        b = np.abs(b)
    check(lambda x, y: fn(gt, x, y), lambda x, y: fn(torch, x, y), a, b, grad=False, msg=name)


def test_bool_arithmetic():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    for fn in (lambda m, x, y: x + y, lambda m, x, y: x * y, lambda m, x, y: x & y, lambda m, x, y: x | y,
               lambda m, x, y: x ^ y, lambda m, x, y: ~x, lambda m, x, y: x + 1, lambda m, x, y: x * 2.5,
               lambda m, x, y: x & True, lambda m, x, y: m.sign(x), lambda m, x, y: x / y,
               lambda m, x, y: m.logical_xor(x, y), lambda m, x, y: x == y, lambda m, x, y: m.where(x, 1, 2.0)):
        check(lambda x, y, fn=fn: fn(gt, x, y), lambda x, y, fn=fn: fn(torch, x, y), a, b, grad=False)


def test_integer_scalars_wrap_like_torch():
    for dt in (np.int8, np.uint8):
        a = np.array([1, 2, 100], dtype=dt)
        check(lambda x: (x + 1000, x - 3, x * 300, x // -1), lambda x: (x + 1000, x - 3, x * 300, x // -1),
              a, grad=False)


def test_float16():
    a = _values((2, 3), "real").astype(np.float16)
    b = _values((3,), "pos").astype(np.float16)
    for fn in (lambda m, x, y: x + y, lambda m, x, y: x * y.long(), lambda m, x, y: x / 3,
               lambda m, x, y: m.maximum(x, y), lambda m, x, y: x > y):
        check(lambda x, y, fn=fn: fn(gt, x, y), lambda x, y, fn=fn: fn(torch, x, y), a, b, grad=False)


# ---------------------------------------------------------------- gradients at special points
def _grad_at(fn, *values):
    """Input gradients of ``fn(*inputs).sum()`` in glasstorch and in torch (float64)."""
    out = []
    for lib in (gt, torch):
        xs = [lib.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
        fn(lib, *xs).sum().backward()
        out.append([x.grad for x in xs])
    return out


SPECIAL = [
    ("relu_at_0", lambda m, x: m.relu(x), [[-1.0, 0.0, 2.0]], [[0.0, 0.0, 1.0]]),
    ("abs_at_0", lambda m, x: m.abs(x), [[-1.0, 0.0, 2.0]], [[-1.0, 0.0, 1.0]]),
    ("sqrt_at_0", lambda m, x: m.sqrt(x), [[0.0, 4.0]], [[math.inf, 0.25]]),
    ("clamp_boundary", lambda m, x: m.clamp(x, -1.0, 1.0), [[-1.0, 1.0, 1.5, -2.0]], [[1.0, 1.0, 0.0, 0.0]]),
    ("clamp_min_boundary", lambda m, x: m.clamp(x, min=0.0), [[0.0, -1.0]], [[1.0, 0.0]]),
    ("clamp_lo_above_hi", lambda m, x: m.clamp(x, 2.0, 1.0), [[1.5, 0.0, 3.0]], [[0.0, 0.0, 0.0]]),
    ("clamp_tensor_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi),
     [[-2.0, 0.0, 1.0, 2.0, 3.0, 0.5], [0.0, 0.0, 2.0, 2.0, 4.0, 1.0], [1.0, 1.0, 1.0, 2.0, 3.0, 1.0]], None),
    ("maximum_tie", lambda m, a, b: m.maximum(a, b), [[1.0, 2.0, 3.0], [1.0, 1.0, 5.0]],
     [[0.5, 1.0, 0.0], [0.5, 0.0, 1.0]]),
    ("minimum_tie", lambda m, a, b: m.minimum(a, b), [[1.0, 2.0, 3.0], [1.0, 1.0, 5.0]],
     [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]]),
    ("maximum_nan", lambda m, a, b: m.maximum(a, b), [[math.nan, 1.0], [1.0, math.nan]], None),
    ("pow_zero_base", lambda m, a, b: m.pow(a, b), [[0.0, 0.0, 0.0, 2.0, 0.0], [2.0, 0.0, -1.0, 0.0, 0.5]], None),
    ("pow_scalar_zero_exp", lambda m, x: x ** 0, [[0.0, 2.0]], [[0.0, 0.0]]),
    ("pow_scalar_half_at_0", lambda m, x: x ** 0.5, [[0.0, 4.0]], [[math.inf, 0.25]]),
    ("rpow_zero_base", lambda m, x: 0.0 ** x, [[2.0, 0.0, -1.0]], None),
    ("rpow_negative_base", lambda m, x: (-2.0) ** x, [[2.0, 1.0]], None),
    ("floor_at_integer", lambda m, x: m.floor(x), [[1.0, 2.5]], [[0.0, 0.0]]),
    ("sign_at_0", lambda m, x: m.sign(x), [[0.0, -1.0]], [[0.0, 0.0]]),
    ("where_inf_other", lambda m, x: m.where(x > 0, x, 1 / x), [[1.0, 0.0]], None),
    ("nan_to_num_grad", lambda m, x: m.nan_to_num(x), [[1.0, math.nan, math.inf]], [[1.0, 0.0, 0.0]]),
    ("log_at_0", lambda m, x: m.log(x), [[0.0, 2.0]], [[math.inf, 0.5]]),
    ("atan2_origin", lambda m, a, b: m.atan2(a, b), [[0.0, 1.0], [0.0, 1.0]], None),
]


@pytest.mark.parametrize("name,fn,values,expected", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_gradient_at_special_points(name, fn, values, expected):
    got, want = _grad_at(fn, *values)
    for g, w in zip(got, want):
        assert_close(g, w, msg=name)
    if expected is not None:
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g.numpy(), np.array(e))


def test_sign_of_nan_is_zero():
    x = np.array([math.nan, -0.0, -3.0, 2.0])
    check(lambda t: gt.sign(t), lambda t: torch.sign(t), x)


def test_minmax_and_clamp_propagate_nan():
    a = np.array([math.nan, 1.0, 2.0])
    b = np.array([0.0, math.nan, 1.0])
    check(lambda x, y: (gt.maximum(x, y), gt.minimum(x, y), x.clamp(0.5, 1.5), x.clamp(y)),
          lambda x, y: (torch.maximum(x, y), torch.minimum(x, y), x.clamp(0.5, 1.5), x.clamp(y)), a, b)


def test_division_by_zero_floats():
    a = np.array([1.0, -1.0, 0.0])
    check(lambda x: (x / 0, x // 0.0, x % 0.0, gt.fmod(x, 0.0)),
          lambda x: (x / 0, x // 0.0, x % 0.0, torch.fmod(x, 0.0)), a, grad=False)


# ---------------------------------------------------------------- erf accuracy
def test_erf_matches_torch_to_float64_precision():
    x = np.concatenate([np.linspace(-7.0, 7.0, 20001), [0.0, 1e-300, 5e-324, -1e-10, 1.9999999, 2.0, 5.9999, 6.0],
                        np.logspace(-15, 0.8, 500)])
    got = gt.erf(gt.tensor(x)).numpy()
    want = torch.erf(torch.from_numpy(x)).numpy()
    nz = want != 0
    assert np.max(np.abs(got[nz] / want[nz] - 1)) < 1e-13
    assert np.array_equal(got == 0, want == 0)


def test_erf_special_values_and_float32():
    x = np.array([math.inf, -math.inf, math.nan, -0.0, 0.0])
    got = gt.erf(gt.tensor(x)).numpy()
    np.testing.assert_array_equal(got, [1.0, -1.0, math.nan, -0.0, 0.0])
    assert np.signbit(got[3])
    x32 = np.linspace(-5, 5, 1001, dtype=np.float32)
    out = gt.erf(gt.tensor(x32))
    assert out.dtype == gt.float32
    np.testing.assert_allclose(out.numpy(), torch.erf(torch.from_numpy(x32)).numpy(), rtol=2e-7, atol=1e-7)


# ---------------------------------------------------------------- errors
def _raises_like_torch(fn, match_message=True):
    """``fn(lib)`` must raise the same exception type (and message) in both frameworks."""
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(gt)
    assert type(got.value) is type(want.value), f"{type(got.value)} != {type(want.value)}: {got.value}"
    if match_message:
        assert str(got.value) == str(want.value)


ERRORS = [
    ("add_shapes", lambda m: m.ones(2, 3) + m.ones(4), True),
    ("mul_shapes_3d", lambda m: m.ones(2, 3, 4) * m.ones(5, 3, 7), True),
    ("maximum_shapes", lambda m: m.maximum(m.ones(2, 3), m.ones(2)), True),
    ("where_shapes", lambda m: m.where(m.ones(2) > 0, m.ones(3), m.ones(2)), False),
    ("sub_bool", lambda m: m.ones(2).bool() - m.ones(2).bool(), True),
    ("neg_bool", lambda m: -m.ones(2).bool(), True),
    ("abs_bool", lambda m: m.abs(m.ones(2).bool()), True),
    ("relu_bool", lambda m: m.relu(m.ones(2).bool()), True),
    ("floor_bool", lambda m: m.floor(m.ones(2).bool()), True),
    ("round_bool", lambda m: m.round(m.ones(2).bool()), True),
    ("frac_int", lambda m: m.frac(m.ones(2).long()), True),
    ("bitwise_and_float", lambda m: m.ones(2) & m.ones(2), True),
    ("bitwise_or_float", lambda m: m.bitwise_or(m.ones(2), m.ones(2)), True),
    ("bitwise_not_float", lambda m: m.bitwise_not(m.ones(2)), True),
    ("invert_float", lambda m: ~m.ones(2), True),
    ("int_pow_negative", lambda m: m.tensor([2, 3]) ** -1, True),
    ("int_floordiv_zero", lambda m: m.tensor([2, 3]) // 0, True),
    ("int_mod_zero", lambda m: m.tensor([2, 3]) % m.tensor([1, 0]), True),
    ("int_trunc_div_zero", lambda m: m.div(m.tensor([2, 3]), 0, rounding_mode="trunc"), True),
    ("div_bad_mode", lambda m: m.div(m.ones(2), 2, rounding_mode="round"), True),
    ("where_float_cond", lambda m: m.where(m.ones(2), m.ones(2), m.ones(2)), True),
    ("clamp_no_bounds", lambda m: m.clamp(m.ones(2)), True),
    ("clamp_bound_shape", lambda m: m.clamp(m.ones(2), m.ones(3)), True),
    ("maximum_scalar", lambda m: m.maximum(m.ones(2), 2), True),
    ("lerp_dtype", lambda m: m.lerp(m.ones(2), m.ones(2).double(), 0.5), True),
    ("lerp_weight_dtype", lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2).double()), True),
    ("lerp_int", lambda m: m.lerp(m.ones(2).long(), m.ones(2).long(), 0.5), True),
    ("allclose_dtype", lambda m: m.allclose(m.ones(2), m.ones(2).double()), True),
    ("allclose_shapes", lambda m: m.allclose(m.ones(2), m.ones(3)), True),
    ("exp_not_tensor", lambda m: m.exp(2.0), True),
    ("sqrt_str", lambda m: m.sqrt("a"), True),
    ("add_str", lambda m: m.ones(2) + "a", False),
    ("inplace_broadcast", lambda m: m.ones(3).add_(m.ones(2, 3)), True),
    ("inplace_dtype", lambda m: m.ones(3).long().add_(m.ones(3)), True),
]


@pytest.mark.parametrize("name,fn,same_message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, fn, same_message):
    _raises_like_torch(fn, same_message)


def test_the_pointwise_package_keeps_every_import_path():
    """Split into modules, ``glasstorch.ops.pointwise`` still offers every op, Function class and
    the private helpers other modules import from it."""
    from glasstorch.ops import pointwise

    classes = """Cast Add Sub Rsub Mul Div Neg PowScalar Pow RPowScalar FloorDivide Remainder Fmod Atan2
    Exp Exp2 Expm1 Log Log2 Log10 Log1p Sqrt Rsqrt Reciprocal Sin Cos Tan Asin Acos Atan Sinh Cosh Tanh
    Sigmoid Erf Relu Abs Sign Floor Ceil Round Trunc Frac Clamp Where Maximum Minimum Lerp NanToNum
    LogicalNot BitwiseNot IsNan IsInf IsFinite""".split()
    for name in classes:
        cls = getattr(pointwise, name)
        assert isinstance(cls, type) and issubclass(cls, gt.autograd.Function), name
    functions = """add sub subtract rsub mul multiply div divide true_divide floor_divide remainder fmod neg
    negative pow float_power square atan2 arctan2 exp exp2 expm1 log log2 log10 log1p sqrt rsqrt reciprocal
    sin cos tan asin arcsin acos arccos atan arctan sinh cosh tanh sigmoid erf relu abs absolute sign floor
    ceil trunc fix round frac clamp clip clamp_min clamp_max where maximum minimum fmax fmin lerp nan_to_num
    eq ne not_equal lt less le less_equal gt greater ge greater_equal logical_and logical_or logical_xor
    logical_not bitwise_and bitwise_or bitwise_xor bitwise_not isnan isinf isfinite isposinf isneginf
    isclose allclose equal _erf _invert""".split()
    for name in functions:
        assert callable(getattr(pointwise, name)), name
    assert pointwise.arcsin is pointwise.asin and pointwise.clip is pointwise.clamp


def test_fmax_fmin_ignore_nan_as_torch():
    a = np.array([1.0, np.nan, np.nan, -2.0, 0.0])
    b = np.array([np.nan, 3.0, np.nan, 5.0, -0.0])
    for name in ("fmax", "fmin"):
        got = getattr(gt, name)(gt.tensor(a), gt.tensor(b)).numpy()
        want = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)).numpy()
        np.testing.assert_array_equal(got, want)


def test_isposinf_isneginf_as_torch():
    a = np.array([np.inf, -np.inf, np.nan, 0.0, 1e308])
    for name in ("isposinf", "isneginf"):
        got = getattr(gt, name)(gt.tensor(a)).numpy()
        want = getattr(torch, name)(torch.from_numpy(a)).numpy()
        np.testing.assert_array_equal(got, want)
