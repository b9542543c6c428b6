"""``out=`` as torch has it: which casts into ``out`` it allows, the ops that allow none,
the factories' dtype and shape rules, and the order of the checks; each compared with
torch (the fuzzer draws ``out=`` for every op of the registry that takes it)."""

from __future__ import annotations

import pytest

import glasstorch as gt
from fuzz.test_regressions_final import same

FLOATS = ("float16", "float32", "float64")


def _out(t, dtype, shape=(2,)):
    return t.zeros(shape, dtype=getattr(t, dtype))


# ---------------------------------------------------------------- casts into out
@pytest.mark.parametrize("src,dst", [("int64", "uint8"), ("int32", "int8"), ("int64", "float16"), ("bool", "int64"),
                                     ("float32", "float64"), ("float64", "float16"), ("float32", "int64"),
                                     ("int64", "bool"), ("float32", "bool"), ("bool", "bool")])
def test_add_casts_into_out_as_torch_does(src, dst):
    # torch allows any cast but float into an integer and a number into bool (int64 into uint8 too)
    same(lambda t: t.add(t.tensor([1, 0]).to(getattr(t, src)), t.tensor([3, 0]).to(getattr(t, src)),
                         out=_out(t, dst)))


@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "fix"])
@pytest.mark.parametrize("src,dst", [("float32", "float64"), ("float64", "float32"), ("float32", "float16"),
                                     ("int64", "float32"), ("int32", "int64"), ("float32", "float32"),
                                     ("bool", "float16"), ("bool", "bool")])
def test_rounding_ops_take_no_cast_into_out(op, src, dst):
    # the dtype is checked before the kernel: a bool input with a float out gets the dtype error
    same(lambda t: getattr(t, op)(t.tensor([0.5, -1.5]).to(getattr(t, src)), out=_out(t, dst)))


@pytest.mark.parametrize("bounds", [(None, -1), (0.5, None), (0, 1)])
@pytest.mark.parametrize("dst", ["float64", "float16", "float32"])
def test_clamp_with_number_bounds_takes_no_cast_into_out(bounds, dst):
    same(lambda t: t.clamp(t.tensor([-2.0, 0.3, 4.0]), *bounds, out=_out(t, dst, (3,))))
    same(lambda t: t.clip(t.tensor([-2.0, 0.3, 4.0]), *bounds, out=_out(t, dst, (3,))))


def test_clamp_with_tensor_bounds_casts_into_out():
    same(lambda t: t.clamp(t.tensor([[0, 1], [-3, 2]], dtype=t.int32), t.tensor([0.06, -0.2], dtype=t.float64),
                           out=_out(t, "float32", (0,))))


@pytest.mark.parametrize("case", [
    lambda t: t.addmm(t.zeros(2, 2), t.ones(2, 3), t.ones(3, 2), out=_out(t, "float64", (2, 2))),
    lambda t: t.addmm(t.zeros(2, 2, dtype=t.float64), t.ones(2, 3, dtype=t.float64), t.ones(3, 2, dtype=t.float64),
                      out=_out(t, "float32", (2, 2))),
    lambda t: t.norm(t.tensor([[3.0, 4.0]]), out=_out(t, "float16", ())),
    lambda t: t.norm(t.tensor([[3.0, 4.0]], dtype=t.float64), out=_out(t, "float32", ())),
    lambda t: t.norm(t.tensor([[3.0, 4.0]]), out=_out(t, "float32", ())),
    lambda t: t.inverse(t.tensor([[2.0, 1.0], [1.0, 3.0]]), out=_out(t, "float64", (2, 2))),
    lambda t: t.matrix_power(t.tensor([[0.87]]), 0, out=_out(t, "float64", (1, 1))),  # these two cast
    lambda t: t.matrix_power(t.tensor([[0.87]]), 1, out=_out(t, "float64", (1, 1))),
    lambda t: t.matrix_power(t.tensor([[0.87]]), 2, out=_out(t, "float64", (1, 1))),
    lambda t: t.matrix_power(t.tensor([[0.87]]), -1, out=_out(t, "float16", (1, 1))),
    lambda t: t.det(t.eye(2), out=_out(t, "float32", ())),  # torch.det takes no out= (linalg.det does)
    lambda t: t.linalg.det(t.eye(2), out=_out(t, "float32", ())),
])
def test_matrix_ops_take_no_cast_into_out(case):
    same(case)


# ---------------------------------------------------------------- factories
@pytest.mark.parametrize("factory", [
    lambda t, **kw: t.zeros(2, 3, **kw), lambda t, **kw: t.ones(2, **kw), lambda t, **kw: t.empty(0, **kw),
    lambda t, **kw: t.full((2,), 3, **kw), lambda t, **kw: t.eye(3, **kw), lambda t, **kw: t.eye(2, 3, **kw),
    lambda t, **kw: t.arange(5, **kw), lambda t, **kw: t.arange(0.5, **kw), lambda t, **kw: t.arange(-2, -1, **kw),
    lambda t, **kw: t.linspace(0, 1, 4, **kw), lambda t, **kw: t.linspace(2, 1, 1, **kw),
])
@pytest.mark.parametrize("dtype", [None, "int32", "float64"])
@pytest.mark.parametrize("out_dtype", ["float32", "int64", "float64", "bool"])
def test_factories_take_out_dtype_or_refuse_another(factory, dtype, out_dtype):
    # no dtype: the result is made in out's; a dtype that differs from out's is an error, not a cast
    kw = {} if dtype is None else {"dtype": dtype}
    same(lambda t: factory(t, out=_out(t, out_dtype, (0,)), **{k: getattr(t, v) for k, v in kw.items()}))


@pytest.mark.parametrize("shape", [(1, 1), (), (2,), (4,), (2, 2)])
def test_ranges_fill_an_out_of_as_many_elements_in_its_shape(shape):
    same(lambda t: t.linspace(0, 1, 1, out=t.zeros(shape)))
    same(lambda t: t.linspace(0, 1, 4, out=t.zeros(shape)))
    same(lambda t: t.arange(0, 1, out=t.zeros(shape)))
    same(lambda t: t.arange(4, out=t.zeros(shape, dtype=t.int64)))


def test_ranges_write_into_out():
    out = gt.zeros(5, dtype=gt.int64)
    assert gt.arange(5, out=out) is out and out.tolist() == [0, 1, 2, 3, 4]
    grid = gt.zeros(2, 2)
    assert gt.linspace(0, 3, 4, out=grid) is grid and grid.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    eye = gt.zeros(0, dtype=gt.int32)
    assert gt.eye(2, out=eye) is eye and eye.dtype == gt.int32 and eye.tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("case", [
    lambda t: t.randn(2, 3, dtype=t.float64, out=_out(t, "float32", (0,))),
    lambda t: t.rand(2, dtype=t.int32, out=_out(t, "float32", (0,))),
])
def test_random_factories_refuse_a_dtype_other_than_outs(case):
    same(case)


def test_random_factories_sample_in_outs_dtype():
    out = gt.zeros(0, dtype=gt.float64)
    assert gt.randn(2, 3, out=out) is out and out.dtype == gt.float64 and out.shape == (2, 3)


# ---------------------------------------------------------------- cat and stack
@pytest.mark.parametrize("case", [
    lambda t: t.cat([t.zeros(2, 1, 3, 0, dtype=t.float16), t.zeros(2, 2, 3, 0, dtype=t.int64)],
                    out=_out(t, "int64", (0,))),  # the cast is refused before the shapes are read
    lambda t: t.concat([t.zeros(2, 3), t.zeros(2, 3, dtype=t.int32)], 1, out=_out(t, "bool", (0,))),
    lambda t: t.concatenate([t.ones(2, dtype=t.int32), t.ones(3, dtype=t.int32)], out=_out(t, "uint8", (0,))),
    lambda t: t.cat([t.zeros(1, 1, dtype=t.float64), t.zeros(1, 1, dtype=t.float64)], 2, out=_out(t, "int32", (1,))),
    lambda t: t.cat([t.zeros(0), t.zeros(0)], 2, out=_out(t, "int32", (1,))),
    lambda t: t.cat([t.zeros(2, 1), t.tensor(0)], 2),
    lambda t: t.cat([t.zeros(0), t.tensor(0)]),
    lambda t: t.cat([t.tensor(0), t.zeros(2, 1)]),
    lambda t: t.stack([t.tensor(5), t.tensor(-3, dtype=t.int8), t.tensor(1.2)], out=_out(t, "int32", (0,))),
    lambda t: t.stack([t.zeros(2), t.zeros(3)], out=_out(t, "int64", (0,))),  # here the shapes come first
    lambda t: t.stack([t.zeros(2), t.zeros(2)], dim=5, out=_out(t, "int64", (0,))),
    lambda t: t.stack([t.ones(2, dtype=t.int64), t.ones(2, dtype=t.int64)], out=_out(t, "float16", (0,))),
])
def test_cat_and_stack_out(case):
    same(case)


# ---------------------------------------------------------------- pow and float_power
@pytest.mark.parametrize("case", [
    lambda t: t.pow(t.tensor([2, 3]), 2, out=_out(t, "uint8")),
    lambda t: t.pow(t.tensor([2.0, 3.0]), 2, out=_out(t, "int32")),
    lambda t: t.float_power(t.tensor([2, 3]), 2, out=_out(t, "float32")),
    lambda t: t.float_power(t.tensor([2, 3]), 2, out=_out(t, "float64", (0,))),
])
def test_pow_out(case):
    same(case)


@pytest.mark.parametrize("src", FLOATS)
def test_errors_leave_out_as_it_was(src):
    out = gt.full((2,), 7.0, dtype=getattr(gt, src))
    with pytest.raises(RuntimeError):
        gt.floor(gt.tensor([0.5, 1.5], dtype=gt.float64 if src != "float64" else gt.float32), out=out)
    with pytest.raises(TypeError):
        gt.cat([gt.ones(2), gt.ones(2)], out=gt.zeros(2, dtype=gt.int64))
    assert out.tolist() == [7.0, 7.0]


@pytest.mark.parametrize("case", [
    lambda t: t.arange(5, dtype=t.bool), lambda t: t.arange(0, dtype=t.bool), lambda t: t.arange(5, 0, dtype=t.bool),
    lambda t: t.linspace(0, 1, 3, dtype=t.bool), lambda t: t.linspace(2, 1, 1, dtype=t.bool),
    lambda t: t.linspace(2, 1, 0, dtype=t.bool), lambda t: t.linspace(0, 1, -1, dtype=t.bool),
    lambda t: t.arange(0, 5, dtype=t.bool, out=t.zeros(0, dtype=t.uint8)),  # the out dtype first
])
def test_ranges_have_no_bool_kernel(case):
    # torch has no bool arange; linspace fills one step without its kernel
    same(case)
