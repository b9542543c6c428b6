"""Grad mode is per thread, as in torch: real threads, hard time limits."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch import nn

LIMIT_S = 20.0  # a thread still running after this has hung: the test fails


def run_threads(*targets):
    """Run each target in its own thread; fail (not hang) past LIMIT_S; re-raise a thread's error."""
    errors = []

    def guard(fn):
        def body():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - handed to the main thread
                errors.append(e)
        return body

    threads = [threading.Thread(target=guard(t), daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(LIMIT_S)
        assert not t.is_alive(), f"a thread did not finish within {LIMIT_S} s"
    if errors:
        raise errors[0]


@pytest.fixture
def fast_switching():
    """Let the interpreter switch threads every few bytecodes, so they truly interleave."""
    prev = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(prev)


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_new_thread_starts_with_grad_enabled(lib):
    seen = {}

    def look():
        x = lib.ones(2, requires_grad=True)
        seen["grad"] = lib.is_grad_enabled()
        seen["inference"] = lib.is_inference_mode_enabled()
        seen["recorded"] = (x * 2).requires_grad

    with lib.no_grad(), lib.inference_mode():
        run_threads(look)
        assert not lib.is_grad_enabled() and lib.is_inference_mode_enabled()
    assert seen == {"grad": True, "inference": False, "recorded": True}


def make_model(seed: int):
    gt.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))


def batches(seed: int, n: int):
    rng = np.random.default_rng(seed)
    return [(gt.tensor(rng.standard_normal((8, 4)), dtype=gt.float32),
             gt.tensor(rng.standard_normal((8, 1)), dtype=gt.float32)) for _ in range(n)]


def train(model, data, barrier=None, evaluate_under_no_grad=False):
    """SGD over ``data``; every step checks its graph was recorded."""
    opt = gt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for x, y in data:
        if barrier is not None:
            barrier.wait(LIMIT_S)
        if evaluate_under_no_grad:  # this thread switches grad off now and then
            with gt.no_grad():
                assert model(x).grad_fn is None
        loss = ((model(x) - y) ** 2).mean()
        assert loss.grad_fn is not None, "the graph was lost"
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_concurrent_training_equals_sequential_bit_for_bit(fast_switching):
    data_a, data_b = batches(1, 40), batches(2, 40)
    seq_a = train(make_model(10), data_a)
    seq_b = train(make_model(11), data_b, evaluate_under_no_grad=True)

    model_a, model_b = make_model(10), make_model(11)
    barrier = threading.Barrier(2)
    out = {}
    run_threads(lambda: out.__setitem__("a", train(model_a, data_a, barrier)),
                lambda: out.__setitem__("b", train(model_b, data_b, barrier, True)))
    for got, want in zip(out["a"] + out["b"], seq_a + seq_b):
        np.testing.assert_array_equal(got, want)


def test_eval_thread_under_no_grad_leaves_training_thread_recording(fast_switching):
    data = batches(3, 30)
    want = train(make_model(5), data)
    model, probe = make_model(5), make_model(6)
    stop = threading.Event()
    evaluated = []

    def evaluate():
        x = gt.ones(8, 4)
        with gt.no_grad():
            while not stop.is_set():
                evaluated.append(probe(x).grad_fn is None and not gt.is_grad_enabled())

    def training():
        try:
            got.extend(train(model, data))
        finally:
            stop.set()

    got = []
    run_threads(evaluate, training)
    assert evaluated and all(evaluated)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("lib, share", [(gt, False), (torch, False), (gt, True)],
                         ids=["glasstorch", "torch", "glasstorch-one-instance"])
def test_interleaved_enter_and_exit_keep_each_threads_state(lib, share):
    # One no_grad instance entered by both threads is glasstorch only: torch
    # keeps what __enter__ saved on the instance, so thread a would restore b's.
    one = lib.no_grad()
    block = (lambda: one) if share else lib.no_grad
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    states = {}

    def thread_a():
        with block():
            a_in.set()
            assert b_in.wait(LIMIT_S)
            states["a_inside"] = lib.is_grad_enabled()
        a_out.set()  # leaves while b is still inside
        states["a_after"] = lib.is_grad_enabled()

    def thread_b():
        assert a_in.wait(LIMIT_S)
        states["b_before"] = lib.is_grad_enabled()
        with lib.set_grad_enabled(False):
            with block():
                b_in.set()
                assert a_out.wait(LIMIT_S)
                states["b_inside"] = lib.is_grad_enabled()
            with lib.enable_grad():
                states["b_enabled"] = lib.is_grad_enabled()
            states["b_after_inner"] = lib.is_grad_enabled()
        states["b_after"] = lib.is_grad_enabled()

    with lib.no_grad():  # the main thread's own state is untouched too
        run_threads(thread_a, thread_b)
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()
    assert states == {"a_inside": False, "a_after": True, "b_before": True, "b_inside": False,
                      "b_enabled": True, "b_after_inner": False, "b_after": True}


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_backward_runs_in_another_thread(lib):
    x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    loss = (x.sin() * x).sum()

    def back():
        with lib.no_grad():  # torch's backward works under no_grad as well
            loss.backward()

    with lib.no_grad():
        run_threads(back)
    want = (np.sin([1.0, 2.0, 3.0]) + np.array([1.0, 2.0, 3.0]) * np.cos([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)


def test_double_backward_in_threads_keeps_create_graph_local(fast_switching):
    def second_derivative(out, key, v):
        x = gt.tensor([v], dtype=gt.float64, requires_grad=True)
        for _ in range(50):
            (g,) = gt.autograd.grad((x ** 3).sum(), x, create_graph=True)
            (h,) = gt.autograd.grad(g.sum(), x)
        out[key] = h.item()

    out = {}
    run_threads(lambda: second_derivative(out, "a", 1.0), lambda: second_derivative(out, "b", 2.0))
    assert out == {"a": 6.0, "b": 12.0}


def test_drawing_records_only_its_own_thread():
    from glasstorch.viz import record

    seen = {}
    inside, done = threading.Event(), threading.Event()

    def drawer():
        with record():
            x = gt.ones(2, requires_grad=True)
            seen["drawer"] = "value" in (x * 2).grad_fn.metadata
            inside.set()
            assert done.wait(LIMIT_S)

    def other():
        assert inside.wait(LIMIT_S)
        x = gt.ones(2, requires_grad=True)
        seen["other"] = "value" in (x * 2).grad_fn.metadata
        done.set()

    run_threads(drawer, other)
    assert seen == {"drawer": True, "other": False}


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_anomaly_mode_is_process_wide_as_in_torch(lib):
    is_on = gt.autograd.is_anomaly_enabled if lib is gt else torch.is_anomaly_enabled
    seen = {}
    with pytest.warns(UserWarning, match="Anomaly Detection"), lib.autograd.detect_anomaly():
        run_threads(lambda: seen.__setitem__("inside", is_on()))
    run_threads(lambda: seen.__setitem__("after", is_on()))
    assert seen == {"inside": True, "after": False}
