"""no_grad, enable_grad, set_grad_enabled, inference_mode: as blocks and as decorators."""

from __future__ import annotations

import pytest
import torch

import glasstorch as gt


def recorded(lib, x):
    return (x * 2).requires_grad


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_no_grad_block_and_nesting(lib):
    x = lib.ones(2, requires_grad=True)
    assert recorded(lib, x) and lib.is_grad_enabled()
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad and y.grad_fn is None
        with lib.enable_grad():
            assert recorded(lib, x)
        assert not recorded(lib, x)
    assert lib.is_grad_enabled() and recorded(lib, x)


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_decorators_with_and_without_parentheses(lib):
    x = lib.ones(2, requires_grad=True)

    @lib.no_grad()
    def f1():
        return recorded(lib, x)

    @lib.no_grad
    def f2():
        return recorded(lib, x)

    @lib.inference_mode()
    def f3():
        return recorded(lib, x)

    @lib.inference_mode
    def f4():
        return recorded(lib, x)

    @lib.set_grad_enabled(False)
    def f5():
        return recorded(lib, x)

    assert (f1(), f2(), f3(), f4(), f5()) == (False,) * 5
    assert lib.is_grad_enabled()

    with lib.no_grad():
        @lib.enable_grad()
        def g1():
            return recorded(lib, x)

        @lib.enable_grad
        def g2():
            return recorded(lib, x)

        assert g1() and g2()
        assert not recorded(lib, x)
    assert f1.__name__ == "f1"  # functools.wraps


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_set_grad_enabled_as_call_and_block(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.set_grad_enabled(False):
        assert not recorded(lib, x)
        with lib.set_grad_enabled(True):
            assert recorded(lib, x)
        assert not recorded(lib, x)
    assert recorded(lib, x)
    lib.set_grad_enabled(False)  # a plain call switches it until switched back
    try:
        assert not lib.is_grad_enabled() and not recorded(lib, x)
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_inference_mode(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.inference_mode():
        assert lib.is_inference_mode_enabled() and not lib.is_grad_enabled()
        assert not recorded(lib, x)
    with lib.inference_mode(False):
        assert not lib.is_inference_mode_enabled()
        assert recorded(lib, x)
    assert not lib.is_inference_mode_enabled() and lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [gt, torch], ids=["glasstorch", "torch"])
def test_mode_restored_after_an_exception(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError

    @lib.no_grad()
    def boom():
        raise ValueError

    with pytest.raises(ValueError):
        boom()
    assert lib.is_grad_enabled()


def test_no_grad_results_can_be_used_later():
    x = gt.ones(2, requires_grad=True)
    with gt.no_grad():
        c = x * 3  # a constant
    y = (c * x).sum()
    y.backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_backward_runs_formulas_without_recording():
    x = gt.ones(2, requires_grad=True)
    (x.exp() * x).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    assert gt.is_grad_enabled()


def test_autograd_namespace_exports():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode"):
        assert getattr(gt.autograd, name) is getattr(gt, name)
    assert gt.autograd.grad_mode.no_grad is gt.no_grad
