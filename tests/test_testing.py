"""glasstorch.testing.assert_close: torch's tolerances, outcomes and messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.testing import assert_close


def _outcome(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the type and text are what is compared
        text = str(e).replace("glasstorch.tensor.Tensor", "Tensor")
        return type(e).__name__, text.replace("glasstorch.", "").replace("torch.", "")
    return "ok", ""


def _both(make_a, make_e, **kwargs):
    ours = _outcome(assert_close, make_a(gt), make_e(gt), **kwargs)
    theirs = _outcome(torch.testing.assert_close, make_a(torch), make_e(torch), **kwargs)
    return ours, theirs


CASES = [
    (lambda L: L.tensor([1.0, 2.0, 3.0]), lambda L: L.tensor([1.0, 2.5, 3.1]), {}),
    (lambda L: L.tensor([1.0, 2.0, 3.0]), lambda L: L.tensor([1.0, 2.0, 3.0 + 1e-6]), {}),
    (lambda L: L.tensor([[1.0, 2.0], [3.0, 4.0]]), lambda L: L.tensor([[1.0, 2.0], [3.0, 5.0]]), {}),
    (lambda L: L.tensor([1.0, 2.0], dtype=L.float64), lambda L: L.tensor([1.0, 3.0], dtype=L.float64), {}),
    (lambda L: L.tensor([1.0, 2.0], dtype=L.float64), lambda L: L.tensor([1.0, 2.0 + 1e-8], dtype=L.float64), {}),
    (lambda L: L.tensor([1.0, 2.0], dtype=L.float16), lambda L: L.tensor([1.0, 2.001], dtype=L.float16), {}),
    (lambda L: L.tensor([1, 2, 3]), lambda L: L.tensor([1, 2, 4]), {}),
    (lambda L: L.tensor([True]), lambda L: L.tensor([False]), {}),
    (lambda L: L.tensor([1.0, 2.0, 3.0]), lambda L: L.tensor([1.0, 2.0, 3.0], dtype=L.float64), {}),
    (lambda L: L.tensor([1.0, 2.0, 3.0]), lambda L: L.tensor([1.0, 2.0, 3.0], dtype=L.float64),
     {"check_dtype": False}),
    (lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.0, 2.0, 3.0]), {}),
    (lambda L: L.tensor([float("nan")]), lambda L: L.tensor([float("nan")]), {}),
    (lambda L: L.tensor([float("nan")]), lambda L: L.tensor([float("nan")]), {"equal_nan": True}),
    (lambda L: L.tensor([1.0, float("inf")]), lambda L: L.tensor([1.0, float("inf")]), {}),
    (lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.1, 2.0]), {"rtol": 0.0, "atol": 0.2}),
    (lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.1, 2.0]), {"rtol": 0.0, "atol": 0.01}),
    (lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.0, 2.0]), {"rtol": 1e-3}),
    (lambda L: L.tensor(1.0), lambda L: L.tensor(2.0), {}),
    (lambda L: L.tensor(1), lambda L: L.tensor(2), {}),
    (lambda L: 1.0, lambda L: 1.1, {}),
    (lambda L: 1, lambda L: 1.0, {}),
    (lambda L: [L.tensor(1.0)], lambda L: [L.tensor(1.5)], {}),
    (lambda L: {"a": L.tensor(1.0)}, lambda L: {"a": L.tensor(1.5)}, {}),
    (lambda L: {"a": 1}, lambda L: {"b": 1}, {}),
    (lambda L: [1, 2], lambda L: [1, 2, 3], {}),
    (lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.0, 3.0]), {"msg": "custom"}),
    (lambda L: np.array([1.0, 2.0]), lambda L: np.array([1.0, 3.0]), {}),
    (lambda L: L.tensor([1.0, 2.0]), lambda L: [1.0, 2.0], {}),
]


@pytest.mark.parametrize("make_a,make_e,kwargs", CASES)
def test_same_outcome_and_message_as_torch(make_a, make_e, kwargs):
    ours, theirs = _both(make_a, make_e, **kwargs)
    assert ours == theirs


def test_requires_grad_is_ignored():
    assert_close(gt.tensor([1.0, 2.0], requires_grad=True), gt.tensor([1.0, 2.0]))
