"""Optimizers against torch.optim: same model, same data, same trajectory (float64)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.nn  # noqa: F401  (Parameter)
from glasstorch import optim

RTOL, ATOL = 1e-9, 1e-12

CONFIGS = {
    "SGD": [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.5,
                                                          weight_decay=0.01),
            dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
            dict(lr=0.05, momentum=0.5, maximize=True)],
    "Adam": [dict(lr=0.01), dict(lr=0.01, amsgrad=True), dict(lr=0.01, weight_decay=0.1),
             dict(lr=0.01, maximize=True), dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6),
             dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)],
    "AdamW": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1, amsgrad=True), dict(lr=0.01, maximize=True)],
    "RMSprop": [dict(), dict(centered=True), dict(momentum=0.9),
                dict(lr=0.005, centered=True, momentum=0.5, weight_decay=0.1),
                dict(alpha=0.9, maximize=True)],
    "Adagrad": [dict(lr=0.1), dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
                dict(lr=0.05, weight_decay=0.1, maximize=True, eps=1e-6)],
    "Adadelta": [dict(), dict(rho=0.5, weight_decay=0.1), dict(lr=0.5, maximize=True, eps=1e-4)],
    "Adamax": [dict(), dict(lr=0.01, weight_decay=0.1, betas=(0.8, 0.9)), dict(maximize=True)],
    "NAdam": [dict(), dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(maximize=True)],
    "RAdam": [dict(), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, weight_decay=0.1,
                                                             decoupled_weight_decay=True),
              dict(lr=0.01, betas=(0.9, 0.9), maximize=True)],
    "Rprop": [dict(), dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2)), dict(maximize=True)],
    "ASGD": [dict(lr=0.05), dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=10, weight_decay=0.1),
             dict(lr=0.05, t0=3, maximize=True)],
}
CASES = [(name, cfg) for name, cfgs in CONFIGS.items() for cfg in cfgs]


def _init():
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 5)), "b1": rng.standard_normal(5) * 0.1,
              "W2": rng.standard_normal((5, 2)), "unused": rng.standard_normal(3)}
    data = {"x": rng.standard_normal((8, 3)), "y": rng.standard_normal((8, 2))}
    return params, data


class Run:
    """The same tiny model in either framework; ``unused`` never gets a gradient."""

    def __init__(self, lib, params, data):
        self.lib = lib
        if lib is torch:
            self.p = {k: torch.nn.Parameter(torch.tensor(v)) for k, v in params.items()}
            self.d = {k: torch.tensor(v) for k, v in data.items()}
        else:
            self.p = {k: gt.nn.Parameter(gt.tensor(v)) for k, v in params.items()}
            self.d = {k: gt.tensor(v) for k, v in data.items()}

    def loss(self):
        p, d = self.p, self.d
        return ((self.lib.tanh(d["x"] @ p["W1"] + p["b1"]) @ p["W2"] - d["y"]) ** 2).mean()

    def steps(self, opt, n):
        out = []
        for _ in range(n):
            opt.zero_grad()
            self.loss().backward()
            opt.step()
            out.append({k: v.detach().numpy().copy() for k, v in self.p.items()})
        return out


def _pair(name, cfg, groups=None):
    params, data = _init()
    runs = {}
    for lib, mod in ((torch, torch.optim), (gt, optim)):
        r = Run(lib, params, data)
        ps = [r.p[k] for k in ("W1", "b1", "W2", "unused")] if groups is None else groups(r.p)
        runs[lib] = (r, getattr(mod, name)(ps, **cfg))
    return runs


def _same(traj_gt, traj_t):
    assert len(traj_gt) == len(traj_t)
    for i, (a, b) in enumerate(zip(traj_gt, traj_t)):
        for k in b:
            np.testing.assert_allclose(a[k], b[k], rtol=RTOL, atol=ATOL, err_msg=f"step {i + 1}, {k}")


@pytest.mark.parametrize("name,cfg", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, cfg):
    runs = _pair(name, cfg)
    (rt, ot), (rg, og) = runs[torch], runs[gt]
    tt, tg = rt.steps(ot, 25), rg.steps(og, 25)
    _same(tg, tt)
    # the parameter without a gradient is untouched and has no state (Adagrad makes it up front)
    np.testing.assert_array_equal(tg[-1]["unused"], _init()[0]["unused"])
    assert (rg.p["unused"] in og.state) == (rt.p["unused"] in ot.state)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_state_dict_structure_matches_torch(name):
    cfg = CONFIGS[name][1]
    runs = _pair(name, cfg)
    (rt, ot), (rg, og) = runs[torch], runs[gt]
    rt.steps(ot, 3)
    rg.steps(og, 3)
    st, sg = ot.state_dict(), og.state_dict()
    assert list(sg) == ["state", "param_groups"]
    assert sorted(sg["state"]) == sorted(st["state"])
    for i, s in st["state"].items():
        assert list(sg["state"][i]) == list(s), f"state keys of param {i}"
        for k, v in s.items():
            w = sg["state"][i][k]
            assert isinstance(w, gt.Tensor)
            assert str(w.dtype) == str(v.dtype) and tuple(w.shape) == tuple(v.shape), k
            np.testing.assert_allclose(w.numpy(), v.numpy(), rtol=RTOL, atol=ATOL, err_msg=k)
    assert len(sg["param_groups"]) == len(st["param_groups"])
    for gg, gtorch in zip(sg["param_groups"], st["param_groups"]):
        assert gg == gtorch  # same keys, same values, params as indices


def _resume(lib, mod, name, cfg):
    """10 steps, state_dict, a fresh optimizer loads it, 10 more steps."""
    params, data = _init()
    first = Run(lib, params, data)
    opt1 = getattr(mod, name)(list(first.p.values()), **cfg)
    first.steps(opt1, 10)
    sd = opt1.state_dict()
    before = {i: {k: v.detach().numpy().copy() for k, v in s.items() if isinstance(v, lib.Tensor)}
              for i, s in sd["state"].items()}
    second = Run(lib, params, data)
    for k in first.p:  # the model weights carry over; the optimizer starts fresh and loads
        second.p[k].data = first.p[k].detach().clone()
    opt2 = getattr(mod, name)(list(second.p.values()), **cfg)
    opt2.load_state_dict(sd)
    return second.steps(opt2, 10), opt1, before


@pytest.mark.parametrize("name", list(CONFIGS))
def test_state_dict_resume(name):
    cfg = CONFIGS[name][-1]
    params, data = _init()
    straight = Run(gt, params, data)
    full = straight.steps(getattr(optim, name)(list(straight.p.values()), **cfg), 20)
    resumed, opt1, before = _resume(gt, optim, name, cfg)
    _same(resumed, full[10:])
    _same(resumed, _resume(torch, torch.optim, name, cfg)[0])
    # the loaded state is a copy: the first optimizer's state did not move with the second
    assert before
    for i, s in opt1.state_dict()["state"].items():
        for k, v in before[i].items():
            np.testing.assert_array_equal(s[k].numpy(), v)


def test_param_groups_with_different_lrs():
    def groups(p):
        return [{"params": [p["W1"], p["b1"]]}, {"params": [p["W2"]], "lr": 0.01, "momentum": 0.5}]

    runs = _pair("SGD", dict(lr=0.1, momentum=0.9), groups)
    (rt, ot), (rg, og) = runs[torch], runs[gt]
    assert og.param_groups[1]["lr"] == 0.01 and og.param_groups[0]["lr"] == 0.1
    assert og.param_groups[1]["momentum"] == 0.5 and og.param_groups[1]["nesterov"] is False
    _same(rg.steps(og, 25), rt.steps(ot, 25))
    assert og.state_dict()["param_groups"] == ot.state_dict()["param_groups"]


@pytest.mark.parametrize("name", ["Adam", "RMSprop"])
def test_add_param_group_matches_torch(name):
    runs = _pair(name, dict(lr=0.01), lambda p: [p["W1"], p["b1"]])
    (rt, ot), (rg, og) = runs[torch], runs[gt]
    tt, tg = rt.steps(ot, 5), rg.steps(og, 5)
    ot.add_param_group({"params": [rt.p["W2"]], "lr": 0.003})
    og.add_param_group({"params": [rg.p["W2"]], "lr": 0.003})
    tt += rt.steps(ot, 10)
    tg += rg.steps(og, 10)
    _same(tg, tt)
    assert og.param_groups[1].keys() == ot.param_groups[1].keys()


def test_adagrad_group_added_later_gets_state():
    runs = _pair("Adagrad", dict(lr=0.1), lambda p: [p["W1"]])
    (rt, ot), (rg, og) = runs[torch], runs[gt]
    ot.add_param_group({"params": [rt.p["W2"], rt.p["b1"]]})
    og.add_param_group({"params": [rg.p["W2"], rg.p["b1"]]})
    _same(rg.steps(og, 10), rt.steps(ot, 10))


def test_closure_returns_loss_and_float32_params():
    params, data = _init()
    params = {k: v.astype(np.float32) for k, v in params.items()}
    data = {k: v.astype(np.float32) for k, v in data.items()}
    out = {}
    for lib, mod in ((torch, torch.optim), (gt, optim)):
        r = Run(lib, params, data)
        opt = mod.Adam(list(r.p.values()), lr=0.01)

        def closure(r=r, opt=opt):
            opt.zero_grad()
            loss = r.loss()
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(10)]
        out[lib] = (losses, r.p["W1"].detach().numpy().copy())
        assert r.p["W1"].dtype == lib.float32
    np.testing.assert_allclose(out[gt][0], out[torch][0], rtol=1e-5)
    np.testing.assert_allclose(out[gt][1], out[torch][1], rtol=1e-5, atol=1e-6)


def test_zero_grad():
    p = gt.nn.Parameter(gt.tensor([1.0, 2.0]))
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no gradient: nothing happens
    assert p.tolist() == [1.0, 2.0]


def test_step_does_not_touch_grad_and_bumps_version():
    p = gt.nn.Parameter(gt.tensor([1.0, -2.0]))
    opt = optim.Adam([p], lr=0.1, weight_decay=0.5, maximize=True)
    (p * p).sum().backward()
    v = p._version_counter
    opt.step()
    assert p.grad.tolist() == [2.0, -4.0]
    assert p._version_counter > v
    assert not p.grad.requires_grad and p.requires_grad


@pytest.mark.parametrize("build,exc,msg", [
    (lambda p: optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
    (lambda p: optim.SGD([p], lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda p: optim.Adam([p], lr=-0.5), ValueError, "Invalid learning rate: -0.5"),
    (lambda p: optim.SGD([p], momentum=-0.1), ValueError, "Invalid momentum value: -0.1"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam([p], eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    (lambda p: optim.AdamW([p], weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda p: optim.Adadelta([p], rho=1.5), ValueError, "Invalid rho value: 1.5"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda p: optim.SGD(p, lr=0.1), TypeError,
     "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
     "torch.DoubleTensor"),
    (lambda p: optim.SGD([{"params": {p}}], lr=0.1), TypeError, "optimizer parameters need to be organized in ordered"),
    (lambda p: optim.SGD([p * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda p: optim.SGD([1.0], lr=0.1), TypeError,
     "optimizer can only optimize Tensors, but one of the params is float"),
])
def test_errors_match_torch(build, exc, msg):
    for lib, mod in ((gt, optim), (torch, torch.optim)):
        p = (torch.nn.Parameter(torch.ones(2, dtype=torch.float64)) if lib is torch
             else gt.nn.Parameter(gt.ones(2, dtype=gt.float64)))
        bound = build.__code__
        fn = type(build)(bound, {**build.__globals__, "optim": mod})
        with pytest.raises(exc) as e:
            fn(p)
        assert msg in str(e.value), (lib.__name__, str(e.value))


def test_load_state_dict_errors():
    a, b = gt.nn.Parameter(gt.ones(2)), gt.nn.Parameter(gt.ones(3))
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)


def test_named_parameters_and_repr():
    params, data = _init()
    seen = {}
    for lib, mod in ((torch, torch.optim), (gt, optim)):
        r = Run(lib, params, data)
        opt = mod.SGD(list(r.p.items()), lr=0.1, momentum=0.9)
        r.steps(opt, 2)
        sd = opt.state_dict()
        assert sd["param_groups"][0]["param_names"] == ["W1", "b1", "W2", "unused"]
        seen[lib] = (sd["param_groups"], sorted(sd["state"]), repr(opt))
    assert seen[gt] == seen[torch]


def test_duplicate_parameter_warns():
    p = gt.nn.Parameter(gt.ones(2))
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_step_hooks():
    p = gt.nn.Parameter(gt.ones(2))
    opt = optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    opt.step()
    h1.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]


def test_torch_state_dict_loads_into_glasstorch():
    """A state_dict from torch (tensors converted) resumes identically in glasstorch."""
    cfg = dict(lr=0.01, amsgrad=True, weight_decay=0.05)
    runs = _pair("Adam", cfg)
    (rt, ot), (rg, og) = runs[torch], runs[gt]
    rt.steps(ot, 10)
    rg.steps(og, 10)
    st = ot.state_dict()
    converted = {"state": {i: {k: gt.tensor(v.numpy()) for k, v in s.items()} for i, s in st["state"].items()},
                 "param_groups": st["param_groups"]}
    fresh = optim.Adam(list(rg.p.values()), **cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh.load_state_dict(converted)
    _same(rg.steps(fresh, 5), rt.steps(ot, 5))
