"""Learning-rate schedules against torch.optim.lr_scheduler: the same rates, step by step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch import optim
from glasstorch.optim import lr_scheduler as gls

STEPS = 30


def _optimizer(mod, lib, kind="SGD"):
    a = lib.ones(2, dtype=lib.float64).requires_grad_()
    b = lib.ones(3, dtype=lib.float64).requires_grad_()
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return mod.SGD(groups, lr=0.1, momentum=0.9)
    return mod.Adam(groups, lr=0.1)


def _record(opt, sched):
    return (list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
            [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])


def _sequence(mod, lib, make, kind="SGD", metrics=None, steps=STEPS):
    opt = _optimizer(mod, lib, kind)
    sched = make(mod.lr_scheduler, opt)
    out = [_record(opt, sched)]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        out.append(_record(opt, sched))
    return out, sched


def _same(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        for u, v in zip(x, y):
            np.testing.assert_allclose(np.array(u, dtype=float), np.array(v, dtype=float),
                                       rtol=1e-13, atol=1e-15, err_msg=f"step {i}")


PLATEAU = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.85, 0.86, 0.86, 0.86, 0.87, 0.88, 0.5, 0.5, 0.5,
           0.5, 0.5, 0.5, 0.49999, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 0.1, 0.1, 0.1]


def _halve(epoch):
    return 0.5 ** (epoch // 4)


CASES = {
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda s, o: s.LambdaLR(o, [lambda e: 1 / (e + 1), _halve]),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.9),
    "MultiplicativeLR-list": lambda s, o: s.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.0 + 0.01 * e]),
    "StepLR": lambda s, o: s.StepLR(o, step_size=7),
    "StepLR-gamma": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3),
    "ConstantLR": lambda s, o: s.ConstantLR(o),
    "ConstantLR-long": lambda s, o: s.ConstantLR(o, factor=0.25, total_iters=12),
    "LinearLR": lambda s, o: s.LinearLR(o),
    "LinearLR-down": lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=17),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=30),
    "CosineAnnealingLR-wrap": lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=5),
    "CosineAnnealingWarmRestarts-mult": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                                   eta_min=0.01),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=20, power=2.0),
    "PolynomialLR-linear": lambda s, o: s.PolynomialLR(o),
    "CyclicLR": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-tri2": lambda s, o: s.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                             step_size_down=5, mode="triangular2"),
    "CyclicLR-exp": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                                            gamma=0.95, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-fn": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                           scale_fn=lambda x: 1 / x, scale_mode="cycle",
                                           cycle_momentum=False),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=30),
    "OneCycleLR-linear-3phase": lambda s, o: s.OneCycleLR(o, max_lr=[0.1, 0.2], epochs=3, steps_per_epoch=11,
                                                          anneal_strategy="linear", three_phase=True,
                                                          pct_start=0.25),
    "OneCycleLR-nomomentum": lambda s, o: s.OneCycleLR(o, max_lr=0.3, total_steps=40, cycle_momentum=False,
                                                       div_factor=10.0, final_div_factor=100.0),
    "SequentialLR": lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=5),
                                                    s.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "SequentialLR-three": lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o, factor=0.5, total_iters=3), s.StepLR(o, step_size=4, gamma=0.5),
            s.CosineAnnealingLR(o, T_max=10)], milestones=[6, 18]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler([s.ConstantLR(o, factor=0.5, total_iters=4),
                                                         s.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-three": lambda s, o: s.ChainedScheduler(
        [s.LinearLR(o, start_factor=0.2, total_iters=6), s.MultiStepLR(o, [10, 20]),
         s.CosineAnnealingLR(o, T_max=12)], optimizer=o),
}
ADAM_CASES = {"OneCycleLR-adam", "CyclicLR-adam"}
CASES["OneCycleLR-adam"] = lambda s, o: s.OneCycleLR(o, max_lr=0.01, total_steps=35)
CASES["CyclicLR-adam"] = lambda s, o: s.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=6)

PLATEAU_CASES = {
    "min": lambda s, o: s.ReduceLROnPlateau(o, patience=2),
    "min-abs-cooldown": lambda s, o: s.ReduceLROnPlateau(o, factor=0.5, patience=1, threshold=0.02,
                                                         threshold_mode="abs", cooldown=2, min_lr=0.004),
    "max-rel": lambda s, o: s.ReduceLROnPlateau(o, mode="max", factor=0.7, patience=0, min_lr=[0.01, 0.0]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_matches_torch(case):
    kind = "Adam" if case in ADAM_CASES else "SGD"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "step before optimizer.step()" etc. come from both alike
        ref, _ = _sequence(torch.optim, torch, CASES[case], kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # we step the optimizer first: no warning expected
        got, sched = _sequence(optim, gt, CASES[case], kind)
    _same(got, ref)
    if hasattr(sched, "last_epoch"):
        assert isinstance(sched.last_epoch, int)


@pytest.mark.parametrize("case", list(PLATEAU_CASES))
def test_reduce_on_plateau_matches_torch(case):
    ref, st = _sequence(torch.optim, torch, PLATEAU_CASES[case], metrics=PLATEAU)
    got, sg = _sequence(optim, gt, PLATEAU_CASES[case], metrics=PLATEAU)
    _same(got, ref)
    assert (sg.best, sg.num_bad_epochs, sg.cooldown_counter, sg.last_epoch) == \
        (st.best, st.num_bad_epochs, st.cooldown_counter, st.last_epoch)
    assert min(r[1][0] for r in got) < got[0][1][0]  # the metric sequence does trigger reductions


def test_initial_lr_and_base_lrs():
    opt = _optimizer(optim, gt)
    sched = gls.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    with pytest.raises(KeyError, match="initial_lr"):
        gls.StepLR(_optimizer(optim, gt), step_size=2, last_epoch=3)


@pytest.mark.parametrize("case", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "LinearLR-down", "PolynomialLR", "ConstantLR-long"])
def test_closed_form_step_epoch(case):
    """``step(epoch)`` jumps with the closed form, as torch's deprecated path does."""
    res = {}
    for lib, mod in ((torch, torch.optim), (gt, optim)):
        opt = _optimizer(mod, lib)
        sched = CASES[case](mod.lr_scheduler, opt)
        seq = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for epoch in (3, 9, 4, 15, 28):
                opt.step()
                sched.step(epoch)
                seq.append(sched.get_last_lr())
        assert any("epoch parameter" in str(x.message) for x in w)
        res[lib] = seq
    np.testing.assert_allclose(res[gt], res[torch], rtol=1e-13)


def test_warm_restarts_fractional_epochs():
    res = {}
    for lib, mod in ((torch, torch.optim), (gt, optim)):
        opt = _optimizer(mod, lib)
        sched = mod.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in np.arange(0, 20, 0.7):
                sched.step(float(epoch))
                seq.append(sched.get_last_lr() + [sched.T_cur, sched.T_i])
        res[lib] = seq
    np.testing.assert_allclose(res[gt], res[torch], rtol=1e-13)


@pytest.mark.parametrize("case", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "CyclicLR", "SequentialLR",
                                  "ChainedScheduler", "MultiStepLR", "LambdaLR"])
def test_state_dict_resume(case):
    opt = _optimizer(optim, gt)
    sched = CASES[case](gls, opt)
    full = []
    for _ in range(20):
        opt.step()
        sched.step()
        full.append(sched.get_last_lr())

    opt1 = _optimizer(optim, gt)
    s1 = CASES[case](gls, opt1)
    for _ in range(10):
        opt1.step()
        s1.step()
    osd, ssd = opt1.state_dict(), s1.state_dict()
    assert "optimizer" not in ssd
    opt2 = _optimizer(optim, gt)
    s2 = CASES[case](gls, opt2)
    opt2.load_state_dict(osd)
    s2.load_state_dict(ssd)
    resumed = []
    for _ in range(10):
        opt2.step()
        s2.step()
        resumed.append(s2.get_last_lr())
    np.testing.assert_allclose(resumed, full[10:], rtol=1e-15)


def test_plateau_state_dict_resume():
    opt = _optimizer(optim, gt)
    sched = PLATEAU_CASES["min-abs-cooldown"](gls, opt)
    for m in PLATEAU[:12]:
        sched.step(m)
    sd = sched.state_dict()
    opt2 = _optimizer(optim, gt)
    opt2.load_state_dict(opt.state_dict())
    s2 = PLATEAU_CASES["min-abs-cooldown"](gls, opt2)
    s2.load_state_dict(sd)
    for m in PLATEAU[12:]:
        sched.step(m)
        s2.step(m)
        assert s2.get_last_lr() == sched.get_last_lr()


def test_warnings_like_torch():
    opt = _optimizer(optim, gt)
    sched = gls.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


@pytest.mark.parametrize("make,exc,msg", [
    (lambda s, o: s.StepLR(object(), 3), TypeError, "object is not an Optimizer"),
    (lambda s, o: s.ConstantLR(o, factor=1.5), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda s, o: s.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor expected"),
    (lambda s, o: s.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda s, o: s.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda s, o: s.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg is unknown!"),
    (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "Expected positive integer T_0, but got 0"),
    (lambda s, o: s.OneCycleLR(o, max_lr=0.1), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda s, o: s.OneCycleLR(o, max_lr=[0.1], total_steps=10), ValueError,
     "max_lr must have the same length as optimizer.param_groups"),
    (lambda s, o: s.CyclicLR(o, 0.1, 0.2, mode="sine"), ValueError, "mode is invalid and scale_fn is None"),
    (lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2)], milestones=[3]), ValueError,
     "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
     "milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1"),
    (lambda s, o: s.ChainedScheduler([s.ReduceLROnPlateau(o)]), ValueError,
     "ChainedScheduler does not support `ReduceLROnPlateau`"),
])
def test_errors_match_torch(make, exc, msg):
    for lib, mod in ((gt, optim), (torch, torch.optim)):
        with pytest.raises(exc) as e:
            make(mod.lr_scheduler, _optimizer(mod, lib))
        assert msg in str(e.value), (lib.__name__, str(e.value))


def test_one_cycle_too_many_steps():
    opt = _optimizer(optim, gt)
    sched = gls.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        sched.step()
