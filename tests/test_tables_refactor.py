"""The shared tables and helpers: one hook handle, one set of dtype-name tables, one
reduction check for the losses, one per-parameter walk for the optimizers."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glasstorch as gt
import glasstorch.nn.functional as F
from glasstorch import dtypes, nn, optim
from glasstorch.utils.hooks import RemovableHandle

SRC = pathlib.Path(gt.__file__).parent


# ---------------------------------------------------------------- RemovableHandle
def _registrations():
    """Each kind of hook registration, as (name, register -> handle, hooks still registered)."""
    leaf = gt.ones(2, requires_grad=True)
    mid = leaf * 2
    lin = nn.Linear(2, 2)
    opt = optim.SGD(lin.parameters(), lr=0.1)
    return [
        ("tensor", lambda f: leaf.register_hook(f), lambda: len(leaf._hooks or ())),
        ("non-leaf tensor", lambda f: mid.register_hook(f), lambda: len(mid.grad_fn._pre_hooks or ())),
        ("node", lambda f: mid.grad_fn.register_hook(f), lambda: len(mid.grad_fn._hooks or ())),
        ("post accumulate", lambda f: leaf.register_post_accumulate_grad_hook(f),
         lambda: len(leaf.__dict__.get("_post_accumulate_grad_hooks", ()))),
        ("module", lambda f: lin.register_forward_hook(f), lambda: len(lin._forward_hooks)),
        ("optimizer", lambda f: opt.register_step_pre_hook(f), lambda: len(opt._optimizer_step_pre_hooks)),
        ("optimizer state_dict", lambda f: opt.register_state_dict_pre_hook(f, prepend=True),
         lambda: len(opt._optimizer_state_dict_pre_hooks)),
    ]


@pytest.mark.parametrize("name", [r[0] for r in _registrations()])
def test_every_hook_registration_returns_one_removable_handle(name):
    _, register, count = next(r for r in _registrations() if r[0] == name)
    before = count()
    handle = register(lambda *a: None)
    assert type(handle) is RemovableHandle
    assert count() == before + 1
    handle.remove()
    assert count() == before
    handle.remove()  # a second remove does nothing
    assert count() == before
    with register(lambda *a: None) as h2:
        assert isinstance(h2, RemovableHandle) and count() == before + 1
    assert count() == before


def test_handle_ids_are_unique_and_the_public_path_is_torchs():
    lin = nn.Linear(1, 1)
    ids = [lin.register_forward_pre_hook(lambda *a: None).id for _ in range(3)]
    assert len(set(ids)) == 3 and ids == sorted(ids)
    assert gt.utils.hooks.RemovableHandle is RemovableHandle
    assert hasattr(torch.utils.hooks.RemovableHandle, "remove")  # the API it mirrors


def test_removed_tensor_hook_no_longer_runs():
    x = gt.ones(3, requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(1))
    (x * 2).sum().backward()
    h.remove()
    (x * 2).sum().backward()
    assert seen == [1]


# ---------------------------------------------------------------- dtype names
_REAL = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("name", _REAL)
def test_dtype_name_tables_match_torch(name):
    t = torch.empty(0, dtype=getattr(torch, name))
    assert "torch." + dtypes.TENSOR_TYPE_NAMES[name] == t.type()
    assert gt.empty(0, dtype=getattr(gt, name)).type() == t.type()
    # torch's storage class names carry the scalar-type name
    assert dtypes.STORAGE_TYPE_NAMES[name] == dtypes.SCALAR_TYPE_NAMES[name] + "Storage"
    assert dtypes.TENSOR_TYPE_NAMES[name] == dtypes.SCALAR_TYPE_NAMES[name] + "Tensor"
    assert name in dtypes.CPP_TYPE_NAMES


@pytest.mark.parametrize("mask_dtype", ["float16", "float32", "int64", "int16"])
def test_dtype_names_in_torchs_messages(mask_dtype):
    def message(lib, fn):
        with pytest.raises(RuntimeError) as info:
            fn(lib)
        return str(info.value)

    def cdist(lib):  # the scalar-type name (Float)
        lib.cdist(lib.zeros(2, 3), lib.zeros(2, 3, dtype=lib.float64))

    def masked_fill(lib):  # the C++ type name (float, c10::Half, long int)
        lib.zeros(3).masked_fill(lib.zeros(3, dtype=getattr(lib, mask_dtype)), 1.0)

    for fn in (cdist, masked_fill):
        assert message(gt, fn) == message(torch, fn)


def _name_tables(path: pathlib.Path):
    """Dict literals in ``path`` that map "float32" to a torch name for the dtype."""
    torch_names = {"Float", "float", "FloatTensor", "FloatStorage"}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if (isinstance(k, ast.Constant) and k.value == "float32" and isinstance(v, ast.Constant)
                        and v.value in torch_names):
                    yield node.lineno


def test_dtype_name_tables_live_only_in_dtypes():
    found = {str(p.relative_to(SRC)): list(_name_tables(p)) for p in SRC.rglob("*.py")
             if '"float32"' in p.read_text()}
    found = {k: v for k, v in found.items() if v}
    assert list(found) == ["dtypes.py"], found


# ---------------------------------------------------------------- loss reductions
_LOSS_ARGS = {
    "l1_loss": lambda: 2, "mse_loss": lambda: 2, "smooth_l1_loss": lambda: 2, "huber_loss": lambda: 2,
    "soft_margin_loss": lambda: 2, "kl_div": lambda: 2, "poisson_nll_loss": lambda: 2,
    "binary_cross_entropy": lambda: 2, "binary_cross_entropy_with_logits": lambda: 2,
    "multilabel_soft_margin_loss": lambda: 2, "hinge_embedding_loss": lambda: 2,
    "margin_ranking_loss": lambda: 3, "cosine_embedding_loss": lambda: 3,
    "triplet_margin_loss": lambda: 3, "triplet_margin_with_distance_loss": lambda: 3,
}


def _loss_inputs(name, lib):
    x = np.full((2, 3), 0.5)
    arrays = {"margin_ranking_loss": [x, x, np.ones((2, 3))],
              "cosine_embedding_loss": [x, x + 1, np.ones(2)]}.get(name, [x] * _LOSS_ARGS[name]())
    return [lib.tensor(a) for a in arrays]


@pytest.mark.parametrize("name", sorted(_LOSS_ARGS))
def test_bad_reduction_is_refused_as_torch_refuses_it(name):
    with pytest.raises(ValueError) as theirs:
        getattr(TF, name)(*_loss_inputs(name, torch), reduction="avg")
    with pytest.raises(ValueError) as ours:
        getattr(F, name)(*_loss_inputs(name, gt), reduction="avg")
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_class_losses_reduce_rows_as_torch(reduction):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4))
    t = np.array([0, 3, -100, 1, 3])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    for fn in ("cross_entropy", "nll_loss"):
        ours = getattr(F, fn)(gt.tensor(x), gt.tensor(t), weight=gt.tensor(w), reduction=reduction)
        theirs = getattr(TF, fn)(torch.tensor(x), torch.tensor(t), weight=torch.tensor(w),
                                 reduction=reduction)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    # every target ignored: the weighted mean is 0 / 0
    ignored = gt.tensor(np.full(5, -100))
    out = F.cross_entropy(gt.tensor(x), ignored, reduction=reduction)
    ref = TF.cross_entropy(torch.tensor(x), torch.tensor(np.full(5, -100)), reduction=reduction)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_weighted_mean_divides_by_the_summed_weight():
    x, y, w = gt.tensor([1.0, 2.0, 4.0]), gt.tensor([0.0, 0.0, 0.0]), gt.tensor([1.0, 0.0, 3.0])
    assert F.mse_loss(x, y, weight=w).item() == pytest.approx((1 + 48) / 4)
    assert F.l1_loss(x, y, weight=w, reduction="sum").item() == pytest.approx(13)
    # huber's mean is the plain mean of the weighted losses
    assert F.huber_loss(x, y, weight=w, delta=10.0).item() == pytest.approx((0.5 + 24) / 3)


# ---------------------------------------------------------------- optimizers' per-parameter walk
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
                                  "NAdam", "RAdam", "Rprop", "ASGD"])
def test_state_is_made_only_for_parameters_with_a_gradient(name):
    kw = {"lr": 0.1}
    ours = [nn.Parameter(gt.ones(2)), nn.Parameter(gt.ones(3))]
    theirs = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))]
    opt, topt = getattr(optim, name)(ours, **kw), getattr(torch.optim, name)(theirs, **kw)
    (ours[0] * 2).sum().backward()
    (theirs[0] * 2).sum().backward()
    version = ours[0]._version[0]
    opt.step()
    topt.step()
    assert ours[0]._version[0] == version + 1  # the update bumped the version once
    state, tstate = opt.state_dict()["state"], topt.state_dict()["state"]
    assert sorted(state) == sorted(tstate)
    for i in tstate:
        assert sorted(state[i]) == sorted(tstate[i])
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(ours[1].detach().numpy(), np.ones(3))


def test_sgd_without_momentum_keeps_no_state_and_with_momentum_one_buffer():
    p = nn.Parameter(gt.ones(2))
    p.grad = gt.ones(2)
    plain = optim.SGD([p], lr=0.1)
    plain.step()
    assert plain.state_dict()["state"] == {}
    momentum = optim.SGD([p], lr=0.1, momentum=0.9)
    momentum.step()
    assert list(momentum.state_dict()["state"][0]) == ["momentum_buffer"]
