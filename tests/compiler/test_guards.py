"""Guards: each property a program depends on, changed between calls, gives a new capture
(or an eager call) and the eager result; the cache of programs is bounded."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _models import MODELS, state_of, step_for

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F


def _twins(name="mlp", **opt_kw):
    runs = []
    for compiled in (False, True):
        model, opt, batches = MODELS[name](gt.float32)
        for k, v in opt_kw.items():
            opt.param_groups[0][k] = v
        step = step_for(model, opt)
        runs.append((model, opt, batches, gt.compile(step) if compiled else step))
    return runs


def _run_both(runs, calls):
    """Apply ``calls(model, opt, batches, step) -> loss`` to the eager and the compiled twin."""
    out = []
    for r in runs:
        gt.manual_seed(0)
        out.append(calls(*r))
    assert out[0] == out[1]
    for a, b in zip(state_of(*runs[0][:2]), state_of(*runs[1][:2])):
        assert np.array_equal(a, b)
    return runs[1][3]


def test_shape_change_captures_again():
    def calls(model, opt, batches, step):
        x, y = batches[0]
        return [step(x[: 8 - i % 2 * 3], y[: 8 - i % 2 * 3]).item() for i in range(8)]

    compiled = _run_both(_twins(), calls)
    assert len(compiled.programs) == 2
    shapes = {p.inputs[0][0]._a.shape for p in compiled.programs}
    assert shapes == {(8, 12), (5, 12)}


def test_train_eval_and_grad_mode_are_guarded():
    gt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    x = gt.randn(3, 4)
    f = gt.compile(lambda t: model(t) * 2)
    eager = lambda t: model(t) * 2  # noqa: E731
    with gt.no_grad():
        model.eval()
        out = [f(x) for _ in range(3)]
        assert all(np.array_equal(o.numpy(), eager(x).numpy()) for o in out)
        model.train()
        gt.manual_seed(5)
        got = [f(x).numpy() for _ in range(3)]
        gt.manual_seed(5)
        want = [eager(x).numpy() for _ in range(3)]
        assert all(np.array_equal(a, b) for a, b in zip(got, want))
    assert len(f.programs) == 2
    # grad mode is part of the signature too: with grad the output needs autograd
    with pytest.warns(UserWarning, match="needs autograd") as caught:
        f(x), f(x)
    assert caught[0].filename == __file__  # the warning points at the user's call
    assert "signature 2: eager" in f.explain()


def test_dtype_and_requires_grad_are_guarded():
    f = gt.compile(lambda a, b: (a * b + 1).sum())
    a32, b32 = gt.ones(3), gt.arange(3.0)
    a64, b64 = a32.double(), b32.double()
    for _ in range(3):
        assert f(a32, b32).dtype == gt.float32
        assert f(a64, b64).dtype == gt.float64
    assert f(a32, b32).item() == 6.0 and f(a64, b64).item() == 6.0
    assert len(f.programs) == 2


def test_hyperparameter_branch_is_guarded():
    # weight_decay == 0 skips a kernel: the program keeps a guard on it, and a new value
    # captures again instead of replaying the wrong program
    def calls(model, opt, batches, step):
        losses = []
        for i in range(8):
            if i == 4:
                opt.param_groups[0]["weight_decay"] = 0.01
                opt.param_groups[0]["nesterov"] = True
            losses.append(step(*batches[i % 4]).item())
        return losses

    compiled = _run_both(_twins(weight_decay=0.0), calls)
    assert any("weight_decay" in g for p in compiled.programs for g in p.guards)


def test_learning_rate_is_read_on_every_replay():
    def calls(model, opt, batches, step):
        losses = []
        for i in range(8):
            opt.param_groups[0]["lr"] = 0.1 / (i + 1)
            losses.append(step(*batches[i % 4]).item())
        return losses

    compiled = _run_both(_twins(), calls)
    assert len(compiled.programs) == 1
    assert "['lr']" in compiled.code


def test_cache_is_bounded():
    from glasstorch.compiler import CACHE_SIZE

    f = gt.compile(lambda a: a * 2)
    with pytest.warns(UserWarning, match="signatures"):
        for n in range(1, CACHE_SIZE + 4):
            for _ in range(3):
                assert np.array_equal(f(gt.ones(n)).numpy(), np.full(n, 2, np.float32))
    assert len(f._entries) == CACHE_SIZE


def test_a_failed_data_check_runs_the_call_eagerly():
    model, opt, batches = MODELS["mlp"](gt.float32)
    step = gt.compile(step_for(model, opt))
    x, y = batches[0]
    for _ in range(3):
        step(x, y)
    assert "checks on the arguments' data" in step.code
    before = state_of(model, opt)
    with pytest.raises(IndexError, match="out of bounds"):
        step(x, gt.full_like(y, 7))  # class 7 of 5: the eager error, nothing changed
    after = state_of(model, opt)
    # zero_grad ran (as in eager) before cross_entropy raised; the parameters did not move
    assert all(np.array_equal(a, b) for a, b in zip(before[:4], after[:4]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step(x, y)  # and the program still replays
    assert len(step.programs) == 1


def test_branch_on_argument_data_becomes_a_check():
    def f(x):
        if (x > 0).all():
            return x * 2
        return x - 1

    c = gt.compile(f)
    pos, neg = gt.ones(3), -gt.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = [c(pos), c(pos), c(pos), c(neg), c(pos)]
    assert [g.tolist() for g in got] == [[2.0] * 3] * 3 + [[-2.0] * 3, [2.0] * 3]
    assert len(c.programs) == 1 and "_CheckFailed" in c.code


def test_loss_function_with_autograd_runs_eagerly_with_a_warning():
    model = nn.Linear(3, 1)
    f = gt.compile(lambda x: F.mse_loss(model(x), gt.zeros(2, 1)))
    x = gt.ones(2, 3)
    f(x)
    with pytest.warns(UserWarning, match="autograd"):
        loss = f(x)
    loss.backward()  # the eager result keeps its graph
    assert model.weight.grad is not None


def test_a_failed_check_inside_an_op_undoes_the_state_written_before_it():
    # BatchNorm writes its running statistics, then max-pooling checks for NaN: on a replay
    # whose input holds a NaN, the program puts the statistics (and the generator) back and
    # the call runs eagerly: the statistics change once, as in eager
    def build():
        gt.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Dropout(0.2), nn.Linear(8, 3))
        return model, gt.optim.SGD(model.parameters(), lr=0.1)

    x = gt.randn(3, 1, 4, 4)
    bad = x.clone()
    bad[0, 0, 0, 0] = float("nan")
    y = gt.tensor([0, 1, 2])
    runs = []
    for compiled in (False, True):
        model, opt = build()
        step = step_for(model, opt)
        step = gt.compile(step) if compiled else step
        gt.manual_seed(1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            losses = [step(x, y).item() for _ in range(4)] + [step(bad, y).item()]
        runs.append((losses, state_of(model, opt), gt.get_rng_state().numpy()))
        if compiled:
            assert "_kept = (" in step.code and "np.copyto(" in step.code
    (le, se, re), (lc, sc, rc) = runs
    assert np.array_equal(le, lc, equal_nan=True)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(se, sc))
    assert np.array_equal(re, rc)


def test_replacing_a_parameter_captures_again():
    gt.manual_seed(0)
    model = nn.Linear(3, 2)
    f = gt.compile(lambda x: model(x))
    x = gt.ones(1, 3)
    with gt.no_grad():
        for _ in range(3):
            f(x)
        model.weight = nn.Parameter(gt.zeros(2, 3))
        got = [f(x) for _ in range(3)]
    assert all(np.array_equal(g.numpy(), model.bias.detach().numpy()[None]) for g in got)


def test_shapes_that_depend_on_data_are_sized_at_each_replay():
    # x[x > 0] has as many elements as x has positive ones: the program keeps computing
    # it with NumPy's own sizing (no preallocated array for it)
    f = gt.compile(lambda x: (x[x > 0] * 2 + 1).sum())
    rng = np.random.default_rng(0)
    for _ in range(8):
        x = gt.tensor(rng.standard_normal(16).astype(np.float32))
        want = (x.numpy()[x.numpy() > 0] * 2 + 1).sum()
        assert f(x).item() == pytest.approx(float(want), rel=1e-6)
    assert len(f.programs) == 1 and "memory plan" in f.explain()


def test_a_capture_leaves_other_threads_eager_and_exact():
    # while one thread captures (the recording module stands behind "cpu" for that time),
    # another trains eagerly: its numbers are those of training alone
    import threading

    def build(model_name):  # in the main thread: both share the default generator
        model, opt, batches = MODELS[model_name](gt.float32)
        model.eval()  # no dropout draws during training either
        return model, opt, batches

    def train(built, compiled, steps, barrier=None):
        model, opt, batches = built
        step = step_for(model, opt)
        step = gt.compile(step) if compiled else step
        if barrier is not None:
            barrier.wait()
        for i in range(steps):
            step(*batches[i % len(batches)])
        return state_of(model, opt)

    alone_a, alone_b = train(build("lstm"), False, 6), train(build("resnet"), False, 30)
    got = {}
    barrier = threading.Barrier(2)
    a, b = build("lstm"), build("resnet")
    threads = [threading.Thread(target=lambda: got.__setitem__("a", train(a, True, 6, barrier))),
               threading.Thread(target=lambda: got.__setitem__("b", train(b, False, 30, barrier)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(x, y) for x, y in zip(got["a"], alone_a))
    assert all(np.array_equal(x, y) for x, y in zip(got["b"], alone_b))
