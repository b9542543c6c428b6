"""A backward formula that meets 0 gives inf/nan silently, as torch does (no NumPy warning)."""

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt


@pytest.mark.parametrize("op", ["sqrt", "log", "rsqrt"])
def test_backward_at_zero_is_silent_and_matches_torch(op):
    x = gt.tensor([0.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        getattr(x, op)().sum().backward()
    tx = torch.tensor([0.0, 4.0], requires_grad=True)
    getattr(tx, op)().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_warnings_outside_backward_are_untouched():
    x = gt.tensor([0.0, 1.0], requires_grad=True)
    x.sqrt().sum().backward()
    # the engine restores NumPy's error state on the way out
    with pytest.warns(RuntimeWarning):
        np.array([1.0]) / np.array([0.0])
