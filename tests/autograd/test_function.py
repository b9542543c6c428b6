"""Custom autograd.Function with torch's API; gradcheck, gradgradcheck; detect_anomaly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from compare import assert_close, gradchecks

import glasstorch as gt

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))


def make_cube(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x ** 3 * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2 * ctx.scale, None

    return Cube


def make_split_style(lib):
    """The separate ``setup_context`` style: forward has no ctx."""

    class MulAdd(lib.autograd.Function):
        @staticmethod
        def forward(x, y, c):
            return x * y + c

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, y, c = inputs
            ctx.save_for_backward(x, y)
            ctx.c = c

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return grad * y, grad * x, None

    return MulAdd


def test_custom_function_matches_torch():
    xg, xt = gt.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    yg, yt = make_cube(gt).apply(xg, 2.0), make_cube(torch).apply(xt, 2.0)
    assert_close(yg, yt)
    assert yg.grad_fn.name() == type(yt.grad_fn).__name__ == "CubeBackward"
    assert yg.requires_grad and not yg.is_leaf
    yg.sum().backward()
    yt.sum().backward()
    assert_close(xg.grad, xt.grad)


def test_setup_context_style():
    ag, at = gt.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    bg, bt = gt.tensor(X + 1, requires_grad=True), torch.tensor(X + 1, requires_grad=True)
    yg, yt = make_split_style(gt).apply(ag, bg, 0.5), make_split_style(torch).apply(at, bt, 0.5)
    assert_close(yg, yt)
    assert yg.grad_fn.name() == "MulAddBackward"
    (yg * yg).sum().backward()
    (yt * yt).sum().backward()
    assert_close(ag.grad, at.grad)
    assert_close(bg.grad, bt.grad)


def test_custom_function_gradcheck():
    cube = make_cube(gt)
    gradchecks(lambda x: cube.apply(x, 1.5), X[:2, :2])
    split = make_split_style(gt)
    gradchecks(lambda a, b: split.apply(a, b, 1.0), X[:2], X[1:])


def test_needs_input_grad_and_no_recording_without_grad():
    seen = []

    class Probe(gt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            assert not gt.is_grad_enabled()  # forward itself is never recorded
            return a * b * k

        @staticmethod
        def backward(ctx, grad):
            return None, grad * 3, None

    a = gt.ones(2)
    b = gt.ones(2, requires_grad=True)
    y = Probe.apply(a, b, 3)
    assert seen[-1] == (False, True, False)
    y.sum().backward()
    assert b.grad.tolist() == [3.0, 3.0]
    z = Probe.apply(a, a, 1)
    assert not z.requires_grad and z.grad_fn is None
    with gt.no_grad():
        w = Probe.apply(b, b, 1)
    assert not w.requires_grad


def test_mark_non_differentiable_and_multiple_outputs():
    def make(lib):
        class ScaleAndFloor(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                scaled, floored, idx = x * 2, x.floor(), x.argmax(-1)
                ctx.mark_non_differentiable(floored)
                return scaled, floored, idx

            @staticmethod
            def backward(ctx, g_scaled, g_floored, g_idx):
                return g_scaled * 2

        return ScaleAndFloor

    v = np.array([[3.5, 1.0, 2.25]])
    xg, xt = gt.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    (vg, fg, ig), (vt, ft, it) = make(gt).apply(xg), make(torch).apply(xt)
    assert_close([vg, fg, ig], [vt, ft, it])
    assert vg.requires_grad and vt.requires_grad
    assert not fg.requires_grad and not ft.requires_grad and fg.grad_fn is None
    assert not ig.requires_grad and not it.requires_grad
    w = np.array([[1.0, 10.0, 100.0]])
    (vg * gt.tensor(w)).sum().backward()
    (vt * torch.tensor(w)).sum().backward()
    assert_close(xg.grad, xt.grad)


def test_set_materialize_grads():
    def make(lib, materialize):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                got.append(g2 is None)
                total = g1 * 2
                return total if g2 is None else total + g2 * 3

        return Two

    for lib in (gt, torch):
        for materialize, expect_none in ((True, False), (False, True)):
            got = []
            x = lib.ones(2, requires_grad=True)
            a, _ = make(lib, materialize).apply(x)
            a.sum().backward()
            assert got == [expect_none], (lib.__name__, materialize)
            assert x.grad.tolist() == [2.0, 2.0]


def test_function_that_returns_an_input_view_of_constants():
    class Scale(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = gt.tensor([1.0, 2.0], requires_grad=True)
    y = Scale.apply(Scale.apply(x))  # nested, each one node
    assert y.grad_fn.next_functions[0][0].name() == "ScaleBackward"
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_wrong_number_of_gradients_raises():
    class Bad(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = gt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="function BadBackward returned an incorrect number of gradients \\(expected 2, got 1\\)"):
        Bad.apply(x, x).sum().backward()


def test_gradcheck_true_and_false():
    x = gt.tensor(X[:2], requires_grad=True)
    assert gt.autograd.gradcheck(lambda t: (t * t).sin(), (x,)) is True
    assert gt.autograd.gradgradcheck(lambda t: (t * t).sin(), (x,)) is True

    class WrongBackward(gt.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t.exp()

        @staticmethod
        def backward(ctx, grad):
            (t,) = ctx.saved_tensors
            return grad * t.exp() * 1.1  # 10% off

    from glasstorch.autograd.gradcheck import GradcheckError

    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gt.autograd.gradcheck(WrongBackward.apply, (x,))
    assert gt.autograd.gradcheck(WrongBackward.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class FirstOrderOnly(gt.autograd.Function):
        """Right first derivative of x**3, but written so its own gradient is wrong."""

        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t ** 3

        @staticmethod
        def backward(ctx, grad):
            (t,) = ctx.saved_tensors
            return grad * 3 * t.detach() ** 2  # detached: d/dt of this is lost

    x = gt.tensor(X[:1, :3], requires_grad=True)
    assert gt.autograd.gradcheck(FirstOrderOnly.apply, (x,))
    with pytest.raises(RuntimeError):
        gt.autograd.gradgradcheck(FirstOrderOnly.apply, (x,))


def test_detect_anomaly_names_the_node():
    x = gt.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with gt.autograd.detect_anomaly():
            y = (x / x * gt.tensor([0.0, 1.0])).sum()  # 0/0 in DivBackward0's first gradient
            with pytest.raises(RuntimeError) as err:
                y.backward()
    assert str(err.value) == "Function 'DivBackward0' returned nan values in its 0th output."
    messages = [str(m.message) for m in w]
    trace = [m for m in messages if "Traceback of forward call" in m]
    assert trace and "DivBackward0" in trace[0] and "test_detect_anomaly_names_the_node" in trace[0]
    assert "y = (x / x * gt.tensor([0.0, 1.0])).sum()" in trace[0]
    assert not gt.autograd.is_anomaly_enabled()
    # the same graph without anomaly mode just produces nan
    x.grad = None
    with np.errstate(invalid="ignore"):
        (x / x * gt.tensor([0.0, 1.0])).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_detect_anomaly_matches_torch_message():
    def run(lib):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                with pytest.raises(RuntimeError) as err:
                    (x / x).sum().backward()  # only the divisor's gradient is 0/0
        return str(err.value)

    assert run(gt) == run(torch) == "Function 'DivBackward0' returned nan values in its 1th output."


def test_set_detect_anomaly():
    gt.autograd.set_detect_anomaly(True)
    try:
        assert gt.autograd.is_anomaly_enabled()
    finally:
        gt.autograd.set_detect_anomaly(False)
    assert not gt.autograd.is_anomaly_enabled()
