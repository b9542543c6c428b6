"""Cases campaigns on seeds 2 and 3 and deeper runs on the class losses found: the losses'
check order and empty shapes, pow's exponent conversion, normal's NaN std, index_add's
alpha, sum_to_size, lerp and tensordot; each compared with torch (exception type and
message, or dtype, shape and values)."""

from __future__ import annotations

import pytest
import torch

import glasstorch as gt
from fuzz.test_regressions_final import same

NAN = float("nan")
LOSSES = ("nll_loss", "cross_entropy")


# ---------------------------------------------------------------- class losses: shapes and check order
@pytest.mark.parametrize("fn", LOSSES)
@pytest.mark.parametrize("shapes", [
    ((2, 0, 3), (2, 3)),        # 3-D, no classes: torch's 4-D view (2, 0, 0, 0) fits no target
    ((1, 0, 1), (1, 1)),
    ((2, 0, 3, 4, 5), (2, 3, 4, 5)),
    ((1, 0, 2, 2), (1, 2, 2)),  # 4-D goes straight to the kernel: nan, or the target out of range
    ((0, 0, 3), (0, 3)),
    ((2, 3, 0), (2, 0)),
    ((1, 0, 1), (1, 2)),
])
@pytest.mark.parametrize("target", [-100, 0])
def test_spatial_losses_with_no_classes(fn, shapes, target):
    inp, tgt = shapes
    same(lambda t: getattr(t.nn.functional, fn)(t.zeros(inp), t.zeros(tgt, dtype=t.int64) + target))


@pytest.mark.parametrize("fn", LOSSES)
@pytest.mark.parametrize("inp", [(2, 3), (0, 2), (2, 3, 5), (0, 3, 5), (3,), (0,), (2, 3, 5, 5), (0, 3, 5, 5),
                                 (2, 3, 5, 5, 5), (0, 3, 5, 5, 5), (0, 3, 0)])
def test_class_losses_with_a_0d_target(fn, inp):
    same(lambda t: getattr(t.nn.functional, fn)(t.zeros(inp), t.tensor(1)))


@pytest.mark.parametrize("case", [
    lambda t: t.nn.functional.nll_loss(t.zeros(3), t.tensor([False, False])),  # 1-D input: the dtype first
    lambda t: t.nn.functional.nll_loss(t.zeros(3), t.tensor([1.0, 2.0])),
    lambda t: t.nn.functional.nll_loss(t.zeros(3), t.tensor([[False]])),
    lambda t: t.nn.functional.nll_loss(t.zeros(2, 3), t.tensor([False, True, False])),  # 2-D: the batch first
    lambda t: t.nn.functional.nll_loss(t.zeros(1, 0, 2, dtype=t.int64), t.tensor([[0, 0]]), ignore_index=1),
    lambda t: t.nn.functional.nll_loss(t.zeros(1, 0, 1, dtype=t.float16), t.tensor([[-100]])),
    lambda t: t.nn.functional.nll_loss(t.zeros(1, 0, 1), t.tensor([[0]], dtype=t.uint8)),
])
def test_nll_loss_check_order(case):
    same(case)


@pytest.mark.parametrize("case", [
    # class probabilities: the target's dtype, then ignore_index, then the logits, the weight, the smoothing
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, 3), ignore_index=1),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, 3), ignore_index=0),
    lambda t: t.nn.functional.cross_entropy(t.zeros(0, 3, dtype=t.float16), t.zeros(0, 3, dtype=t.float16),
                                            ignore_index=1, reduction="sum"),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, 3, dtype=t.int64), ignore_index=1),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3, dtype=t.int64), t.zeros(2, 3), ignore_index=1),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, 3), weight=t.zeros(2), ignore_index=1),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, 3), ignore_index=1, label_smoothing=2.0),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, 3), label_smoothing=2.0),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, 3), weight=t.zeros(2), label_smoothing=2.0),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3, dtype=t.int64), t.zeros(2, 3), label_smoothing=2.0),
    # class indices: the smoothing first
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(3, dtype=t.int64), label_smoothing=2.0),
    lambda t: t.nn.functional.cross_entropy(t.zeros(2, 3), t.zeros(2, dtype=t.int64), label_smoothing=1.0000001),
    # a 0-d input
    lambda t: t.nn.functional.cross_entropy(t.zeros(()), t.zeros(())),
    lambda t: t.nn.functional.cross_entropy(t.zeros(()), t.zeros((), dtype=t.int64)),
    lambda t: t.nn.functional.cross_entropy(t.zeros(()), t.zeros(()), label_smoothing=2.0),
    lambda t: t.nn.functional.cross_entropy(t.zeros(()), t.zeros(()), ignore_index=1),
    lambda t: t.nn.functional.cross_entropy(t.zeros(()), t.zeros(2), ignore_index=1),
    lambda t: t.nn.functional.cross_entropy(t.zeros(()), t.zeros(2, dtype=t.int64)),
    lambda t: t.nn.functional.cross_entropy(t.zeros(()), t.zeros(2, dtype=t.int64), label_smoothing=2.0),
])
def test_cross_entropy_check_order(case):
    same(case)


# ---------------------------------------------------------------- class losses: a summed weight of 0
@pytest.mark.parametrize("kwargs", [
    {"label_smoothing": 0.1, "weight": [1.0, 0.0]},  # the target's class weighs 0: torch's NLL part is 0 / 0
    {"label_smoothing": 0.1, "weight": [1.0, 0.0], "reduction": "sum"},
    {"weight": [1.0, 0.0]},
])
def test_cross_entropy_smoothing_with_no_counted_weight_is_nan(kwargs):
    def run(t):
        kw = dict(kwargs, weight=t.tensor(kwargs["weight"]))
        return t.nn.functional.cross_entropy(t.tensor([[1.903693675994873, 0.23638664186000824]]), t.tensor([1]), **kw)
    same(run)


@pytest.mark.parametrize("fn,kwargs", [
    ("nll_loss", {}), ("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.1}),
    ("cross_entropy", {"label_smoothing": 0.1, "weight": [1.0, 2.0]}), ("nll_loss", {"weight": [1.0, 0.0]}),
    ("cross_entropy", {"weight": [1.0, 0.0]}), ("cross_entropy", {"weight": [1.0, 0.0], "label_smoothing": 0.2}),
])
@pytest.mark.parametrize("targets", [[-100, -100], [1, -100], [1, 1]])
@pytest.mark.parametrize("create_graph", [False, True])
def test_ignored_rows_get_a_zero_gradient_even_when_mean_divides_by_zero(fn, kwargs, targets, create_graph):
    grads = []
    for t in (torch, gt):
        x = t.tensor([[0.1, 0.2], [1.9, 0.23]], requires_grad=True)
        kw = {k: (t.tensor(v) if k == "weight" else v) for k, v in kwargs.items()}
        loss = getattr(t.nn.functional, fn)(x, t.tensor(targets), **kw)
        (g,) = t.autograd.grad(loss, x, create_graph=create_graph)
        grads.append((loss.item(), g.tolist()))
    (want_loss, want), (got_loss, got) = grads
    assert str(got_loss) == str(want_loss) or abs(got_loss - want_loss) <= 1e-6 * abs(want_loss)
    assert [[str(v) if v != v else round(v, 6) for v in row] for row in got] == \
           [[str(v) if v != v else round(v, 6) for v in row] for row in want]


# ---------------------------------------------------------------- pow: the exponent converted to the dtype
@pytest.mark.parametrize("case", [
    lambda t: t.tensor([1, 2], dtype=t.uint8).pow_(300),
    lambda t: t.tensor([1, 2], dtype=t.uint8).pow(300),
    lambda t: t.tensor([1, 2], dtype=t.uint8) ** 300,
    lambda t: t.pow(t.tensor([1, 2], dtype=t.uint8), 300),
    lambda t: t.zeros(0, dtype=t.uint8).pow(300),
    lambda t: t.tensor([1, 2], dtype=t.uint8).pow_(255),
    lambda t: t.tensor([1, 2], dtype=t.int8).pow_(200),
    lambda t: t.tensor([1, 2], dtype=t.int8).pow_(-200),
    lambda t: t.tensor([1, 2], dtype=t.int16).pow(40000),
    lambda t: t.tensor([1, 2], dtype=t.int32).pow(2 ** 31),
    lambda t: t.tensor([1, 2], dtype=t.int64).pow(2 ** 63),
    lambda t: t.tensor([True, False]).pow(300),
    lambda t: t.tensor([1, 2], dtype=t.uint8).pow(300.0),
    lambda t: t.pow(300, t.tensor([1, 2], dtype=t.uint8)),  # a base the dtype cannot hold wraps around
    lambda t: t.pow(-1, t.tensor([1, 2, 3], dtype=t.uint8)),
    lambda t: t.pow(t.tensor([1, 2], dtype=t.uint8), 300, out=t.zeros(2, dtype=t.uint8)),
    lambda t: t.pow(t.tensor([1, 2], dtype=t.int64), 2, out=t.zeros(2)),
    lambda t: t.pow(t.tensor([1.0, 2.0]), 2, out=t.zeros(2, dtype=t.int64)),
    lambda t: t.float_power(t.tensor([1.0, 2.0]), 2, out=t.zeros(2, dtype=t.float64)),
    lambda t: t.float_power(t.tensor([1.0, 2.0]), 2, out=t.zeros(2)),
    lambda t: t.float_power(t.tensor([1.0, 2.0], requires_grad=True), 2, out=t.zeros(2, dtype=t.float64)),
])
def test_pow_integer_exponents_and_out(case):
    same(case)


def test_pow_out_writes_into_the_given_tensor():
    out = gt.zeros(3)
    assert gt.pow(gt.tensor([1.0, 2.0, 3.0]), 2, out=out) is out
    assert out.tolist() == [1.0, 4.0, 9.0]
    out64 = gt.zeros(2, dtype=gt.float64)
    assert gt.float_power(gt.tensor([2, 3]), 3, out=out64) is out64 and out64.tolist() == [8.0, 27.0]


# ---------------------------------------------------------------- normal: NaN is not a std
@pytest.mark.parametrize("case", [
    lambda t: t.normal(1.0, t.tensor([[[NAN]]])),
    lambda t: t.normal(t.tensor([1.0]), t.tensor([NAN])),
    lambda t: t.normal(t.tensor([1.0]), NAN),
    lambda t: t.normal(t.tensor([1.0]), -1.0),
    lambda t: t.normal(1.0, NAN, size=(2,)),
    lambda t: t.normal(1.0, -2, size=(2,)),
    lambda t: t.zeros(2).normal_(0.0, NAN),
    lambda t: t.zeros(2).normal_(0.0, -1.0),
    lambda t: t.zeros(0).normal_(0.0, NAN),
    lambda t: t.zeros(2, dtype=t.int64).normal_(0.0, NAN),
    lambda t: t.normal(1.0, t.zeros(0)),
])
def test_normal_refuses_a_nan_or_negative_std(case):
    same(case)


# ---------------------------------------------------------------- index_add: alpha against the first index
@pytest.mark.parametrize("shape,dim,index", [
    ((1, 4), -1, [1, 0, -3]), ((1, 4), 0, [-1]), ((1, 4), 0, [5]), ((3, 4), 1, [1, 0, -3]), ((3, 4), 1, [5, 0, 1]),
    ((3, 3, 3), 0, [0, 5]), ((3, 3, 3), 1, [0, 5]), ((3, 3, 3), 2, [7, 0]), ((4,), 0, [9]),
])
@pytest.mark.parametrize("alpha", [300, 2, 1])
def test_index_add_casts_alpha_at_the_first_index(shape, dim, index, alpha):
    def run(t):
        src_shape = [len(index) if k == (dim % len(shape)) else n for k, n in enumerate(shape)]
        return t.zeros(shape, dtype=t.uint8).index_add(dim, t.tensor(index), t.ones(src_shape, dtype=t.uint8),
                                                       alpha=alpha)
    same(run)


# ---------------------------------------------------------------- sum_to_size to (), lerp's three shapes
@pytest.mark.parametrize("case", [
    lambda t: t.tensor(True).sum_to_size(()), lambda t: t.tensor(True).sum_to_size([]),
    lambda t: t.tensor([True, False]).sum_to_size(()), lambda t: t.tensor(2.5).sum_to_size(()),
    lambda t: t.tensor([True, False]).sum_to_size((2,)), lambda t: t.tensor(True).sum_to_size((1,)),
    lambda t: t.tensor(True).sum_to_size(),
    lambda t: t.lerp(t.tensor(-1.5, dtype=t.float16), t.zeros(1, 2, 3, dtype=t.float16), t.zeros(3, 3, dtype=t.float16)),
    lambda t: t.lerp(t.zeros(3, 1), t.zeros(1, 2), t.zeros(3, 3)),
    lambda t: t.lerp(t.zeros(3, 1), t.zeros(1, 2), t.zeros(3, 2)),
])
def test_sum_to_size_and_lerp_shapes(case):
    same(case)


# ---------------------------------------------------------------- tensordot: sizes 1 and n contracted
@pytest.mark.parametrize("case", [
    # torch sums the size-n side first, so an inf meets a sum (-inf * 0.74), not its terms (-inf + inf)
    lambda t: t.tensordot(t.tensor([[[2.7, -1.5]], [[-float("inf"), 2.8]]], dtype=t.float64),
                          t.tensor([[[0.97, 0.037]], [[-0.22, 0.0]]], dtype=t.float64)),
    lambda t: t.tensordot(t.ones(2, 1), t.ones(4, 2), dims=([1], [0])),
    lambda t: t.tensordot(t.ones(2, 3), t.ones(1, 2), dims=([1], [0])),
    lambda t: t.tensordot(t.ones(2, 3), t.ones(4, 2), dims=([1], [0])),
    lambda t: t.tensordot(t.ones(2, 3, 4), t.ones(3, 1, 5), dims=([1, 2], [0, 1])),
])
def test_tensordot_contracts_sizes_one_and_n_as_torch(case):
    same(case)


def test_tensordot_gradient_through_a_broadcast_pair():
    grads = []
    for t in (torch, gt):
        a = t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        b = t.tensor([[0.5, -1.0]], requires_grad=True)
        t.tensordot(a, b, dims=([1], [0])).pow(2).sum().backward()
        grads.append((a.grad.tolist(), b.grad.tolist()))
    assert grads[0] == grads[1]


# ---------------------------------------------------------------- scatter: a float value into an integer tensor
@pytest.mark.parametrize("value", [float("-inf"), float("inf"), float("nan"), 1e20, 255.9, 255.5, -0.5, 2.5, 300, -1])
@pytest.mark.parametrize("dtype", ["uint8", "int32"])
@pytest.mark.parametrize("reduce", [None, "add"])
def test_scatter_checks_a_float_value_against_an_integer_dtype(value, dtype, reduce):
    kw = {} if reduce is None else {"reduce": reduce}
    same(lambda t: t.tensor([[5, 0, 4]], dtype=getattr(t, dtype)).scatter(0, t.tensor([[0]]), value, **kw))


# ---------------------------------------------------------------- norm('fro') over three dims: the matrix norm's checks
@pytest.mark.parametrize("case", [
    lambda t: t.norm(t.ones(2, 2, 2), "fro", (0, 1, 2)),
    lambda t: t.norm(t.ones(2, 2, 2, dtype=t.int64), "fro", (0, 1, 2)),  # not floating: said first
    lambda t: t.norm(t.ones(2), "fro", (0, 0, 0)),  # one dim: said first
    lambda t: t.norm(t.ones(2, 2, 2, dtype=t.float16), "fro", [0, 1, 2]),
    lambda t: t.norm(t.ones(2, 2, 2), "fro", (0, 1, 2), dtype=t.int64),
    lambda t: t.norm(t.ones(2, 2, 2), "fro", (0, 1)),
])
def test_norm_fro_over_three_dims_goes_through_the_matrix_norm(case):
    same(case)
