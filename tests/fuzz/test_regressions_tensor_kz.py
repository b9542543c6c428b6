"""Cases the differential fuzzer found in ops named k..z, each checked against torch."""

from __future__ import annotations

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
