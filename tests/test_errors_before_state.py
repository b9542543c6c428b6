"""Bad input raises torch's error before anything changes: state dicts, in-place writes, .grad."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glasstorch as gt

LIBS = pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])


def _snapshot(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _net(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Linear(4, 2))


def _good_state(lib):
    return {k: lib.full(tuple(v.shape), 7.0) if v.is_floating_point() else v
            for k, v in _net(lib).state_dict().items()}


BAD = {
    "last entry has the wrong shape": lambda sd, lib: sd.update({"2.bias": lib.ones(5)}),
    "a missing key": lambda sd, lib: sd.pop("2.weight"),
    "an unexpected key": lambda sd, lib: sd.update({"2.extra": lib.ones(1)}),
    "not a tensor": lambda sd, lib: sd.update({"2.bias": [1.0, 2.0]}),
}


@pytest.mark.parametrize("case", list(BAD))
def test_load_state_dict_checks_every_entry_before_copying(case):
    msgs = {}
    for lib in (gt, torch):
        net = _net(lib)
        before = _snapshot(net)
        sd = _good_state(lib)
        BAD[case](sd, lib)
        with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict for Sequential") as e:
            net.load_state_dict(sd)
        msgs[lib] = str(e.value).replace("torch.Size", "Size")
        if lib is gt:  # torch has already copied the good entries by now; glasstorch promises more
            assert _same(_snapshot(net), before)
    assert msgs[gt].split(":", 1)[1].strip()[:40] == msgs[torch].split(":", 1)[1].strip()[:40]


def test_load_state_dict_still_copies_everything_when_valid():
    net = _net(gt)
    result = net.load_state_dict(_good_state(gt))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert all((v == 7.0).all() for k, v in net.state_dict().items() if v.is_floating_point())
    # non-strict: missing keys are reported, the rest is copied
    sd = _good_state(gt)
    sd.pop("0.bias")
    net = _net(gt)
    result = net.load_state_dict(sd, strict=False)
    assert list(result.missing_keys) == ["0.bias"]
    assert (net[2].weight == 7.0).all() and not (net[0].bias == 7.0).all()


def test_load_state_dict_with_assign_is_all_or_nothing():
    net = _net(gt)
    weight = net[0].weight
    sd = _good_state(gt)
    sd["2.bias"] = gt.ones(9)
    with pytest.raises(RuntimeError, match="size mismatch for 2.bias"):
        net.load_state_dict(sd, assign=True)
    assert net[0].weight is weight


@LIBS
def test_optimizer_load_state_dict_is_all_or_nothing(lib):
    model = lib.nn.Linear(2, 3)
    opt = lib.optim.Adam(model.parameters(), lr=0.1)
    model(lib.ones(1, 2)).sum().backward()
    opt.step()
    saved = opt.state_dict()
    bad = {"state": saved["state"], "param_groups": [dict(saved["param_groups"][0], lr=5.0, params=[0])]}
    before = {k: v.clone() for k, v in opt.state[model.weight].items()}
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1
    for k, v in opt.state[model.weight].items():
        assert (v == before[k]).all()


@LIBS
def test_inplace_errors_leave_the_tensor_and_its_version_alone(lib):
    a = lib.zeros(2, 3)
    version = a._version
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        a.add_(lib.ones(4, 2, 3))
    i = lib.zeros(3, dtype=lib.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.add_(lib.ones(3) * 1.5)
    with pytest.raises(RuntimeError, match="must match the existing size"):
        a[:, :2] = lib.ones(3, 3)
    assert a.tolist() == [[0.0] * 3] * 2 and i.tolist() == [0, 0, 0]
    assert a._version == version


def test_setitem_out_of_range_writes_nothing():
    # torch has written the in-range element before it raises; glasstorch checks first
    a = gt.zeros(4)
    with pytest.raises(IndexError, match="index 9 is out of bounds for dimension 0 with size 4"):
        a[gt.tensor([0, 9])] = gt.tensor([1.0, 2.0])
    assert a.tolist() == [0.0] * 4


VIEWS = {
    "slice": lambda a: a[:2],
    "view": lambda a: a.view(6),
    "select": lambda a: a[0],
    "transpose": lambda a: a.t(),
    "view of a view": lambda a: a[1:].view(3)[1:],
}


@LIBS
@pytest.mark.parametrize("view", list(VIEWS))
def test_inplace_on_a_view_of_a_leaf_raises_like_torch(lib, view):
    a = lib.ones(2, 3, requires_grad=True)
    msg = "a view of a leaf Variable that requires grad is being used in an in-place operation"
    with pytest.raises(RuntimeError, match=msg):
        VIEWS[view](a).mul_(2)
    with pytest.raises(RuntimeError, match=msg):
        VIEWS[view](a)[0] = 5.0
    assert a.detach().numpy().tolist() == [[1.0] * 3] * 2
    with lib.no_grad():  # allowed without grad mode, and it writes through
        VIEWS[view](a).mul_(2)
    assert a.detach().numpy().sum() > 6


VIEW_WRITES = {
    "slice": lambda b, w: (b[:1].mul_(3), b)[1],
    "row times a weight": lambda b, w: (b[1].mul_(w), b)[1],
    "column": lambda b, w: (b[:, 1].add_(w[:2]), b)[1],
    "transposed": lambda b, w: (b.t()[1:].mul_(w[:2].reshape(2, 1)), b)[1],
    "view of a view": lambda b, w: (b.view(6)[2:5].view(3).mul_(w), b * b)[1],
    "strided": lambda b, w: (b.view(6)[::2].mul_(w), b)[1],
    "setitem into a view": lambda b, w: (b[1].__setitem__(slice(0, 2), w[:2]), b.sin())[1],
    "the view used after": lambda b, w: (lambda v: (v.mul_(w[0]), v * 2 + b.sum())[1])(b[0]),
    "two writes": lambda b, w: (b[0].mul_(w), b[0].add_(w), b)[2],
    "a saved output": lambda b, w: (b[:, :2].exp_(), b * w)[1],
}


@pytest.mark.parametrize("case", list(VIEW_WRITES))
def test_inplace_on_a_view_rewrites_the_base_history_like_torch(case):
    """The base's gradient passes through the write (torch's CopySlices), to second order."""
    results = {}
    for lib in (gt, torch):
        a = lib.tensor(np.arange(1.0, 7.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
        w = lib.tensor([2.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True)
        out = VIEW_WRITES[case](a * 1, w)
        weights = lib.tensor(np.arange(1.0, 1.0 + out.numel()).reshape(tuple(out.shape)))
        grads = lib.autograd.grad((out * weights).sum(), (a, w), create_graph=True, allow_unused=True)
        used = [g for g in grads if g is not None and g.requires_grad]  # none: a linear case
        second = lib.autograd.grad(sum((g * g).sum() for g in used), (a, w), allow_unused=True) \
            if used else (None, None)
        results[lib] = [out.detach().numpy()] + [None if g is None else g.detach().numpy()
                                                 for g in grads + second]
    for got, want in zip(results[gt], results[torch]):
        assert (got is None) == (want is None)
        if got is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@LIBS
@pytest.mark.parametrize("make, out", [(lambda b: b.chunk(2)[0], "Output 0 of Split"),
                                       (lambda b: b.unbind(0)[1], "Output 1 of Unbind"),
                                       (lambda b: b.split(2)[1], "Output 1 of Split")])
def test_inplace_on_one_of_several_views_raises_like_torch(lib, make, out):
    b = lib.ones(4, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=out + " is a view and is being modified inplace"):
        make(b).mul_(2)
    with lib.no_grad():
        make(b).mul_(2)  # allowed without grad mode
    assert b.detach().numpy().tolist() != [1.0] * 4


@LIBS
def test_write_into_a_view_of_a_plain_tensor_makes_it_require_grad(lib):
    w = lib.tensor([2.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True)
    b = lib.ones(2, 3, dtype=lib.float64)
    b[0].mul_(w)
    assert b.requires_grad and type(b.grad_fn).__name__ == "CopySlices"
    (g,) = lib.autograd.grad((b * b).sum(), w)
    assert g.tolist() == [4.0, 6.0, 8.0]


GRADS = {
    "wrong shape": (lambda lib: lib.ones(4), RuntimeError,
                    r"attempting to assign a gradient of size '\[4\]' to a tensor of size '\[3\]'"),
    "wrong dtype": (lambda lib: lib.ones(3, dtype=lib.float64), RuntimeError,
                    "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'"),
    "integer": (lambda lib: lib.ones(3, dtype=lib.int64), RuntimeError, "dtype 'long int'"),
    "not a tensor": (lambda lib: [1.0, 2.0, 3.0], TypeError,
                     "assigned grad expected to be a Tensor or None but got grad of type list"),
}


@LIBS
@pytest.mark.parametrize("case", list(GRADS))
def test_assigning_a_bad_grad_raises_like_torch(lib, case):
    make, exc, msg = GRADS[case]
    a = lib.ones(3, requires_grad=True)
    a.grad = lib.full((3,), 2.0)
    with pytest.raises(exc, match=msg):
        a.grad = make(lib)
    assert a.grad.tolist() == [2.0, 2.0, 2.0]
    a.grad = None
    assert a.grad is None
