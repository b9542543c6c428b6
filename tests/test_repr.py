"""repr(tensor) is character-for-character torch's, for the same values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import glasstorch as gt

nan, inf = math.nan, math.inf

# Each case is built from the same Python/NumPy value in both frameworks.
VALUES = {
    # integers
    "int_small": [1, 2, 3],
    "int_neg": [-5, 0, 17, -1234],
    "int_2d": [[1, -2, 3], [400, 5, -60]],
    "int_0d": 7,
    "int_big": [123456789012, -3],
    # whole-number floats
    "float_whole": [1.0, 2.0, 3.0],
    "float_whole_neg": [[-1.0, 20.0], [300.0, 0.0]],
    "float_zeros": [0.0, 0.0],
    "float_whole_big": [1.0, 1e9],
    "float_whole_ratio": [1.0, 5000.0],
    # fixed point
    "float_fixed": [0.5, -1.25, 3.14159],
    "float_fixed_2d": [[0.1, 0.2], [-10.5, 100.25]],
    "float_0d": 3.5,
    "float_neg_0d": -0.25,
    # scientific
    "sci_small": [1e-5, 1.0],
    "sci_ratio": [0.5, 1000.5],
    "sci_big": [1.5e10, 2.0],
    "sci_tiny_only": [1e-8, -3e-9],
    "sci_2d": [[1e-7, 2.5], [3.0, -4e3]],
    # special values
    "nan_only": [nan],
    "nan_inf": [nan, inf, -inf],
    "nan_fixed": [1.5, nan, -inf],
    "nan_whole": [0.0, nan, 2.0],
    "nan_sci": [1e-6, nan, 3.0],
    "nan_0d": nan,
    "inf_0d": -inf,
    # bools
    "bool_1d": [True, False, True],
    "bool_0d": False,
    "bool_2d": [[True], [False]],
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_repr_matches_torch(name):
    v = VALUES[name]
    assert repr(gt.tensor(v)) == repr(torch.tensor(v))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "bool"])
def test_dtype_suffix(dtype):
    v = [[0, 1, 2], [3, 4, 5]]
    a = gt.tensor(v, dtype=getattr(gt, dtype))
    b = torch.tensor(v, dtype=getattr(torch, dtype))
    assert repr(a) == repr(b)
    assert repr(a[0, 1]) == repr(b[0, 1])  # 0-d


def test_float_values_in_every_float_dtype():
    v = [0.1, -2.5, 1234.5678, 1e-3]
    for d in ("float16", "float32", "float64"):
        assert repr(gt.tensor(v, dtype=getattr(gt, d))) == repr(torch.tensor(v, dtype=getattr(torch, d)))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 1), (3, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_empty(shape, dtype):
    a = gt.zeros(shape, dtype=getattr(gt, dtype))
    b = torch.zeros(shape, dtype=getattr(torch, dtype))
    assert repr(a) == repr(b)


@pytest.mark.parametrize("shape", [(2000,), (40, 40), (12, 11, 10), (1001,), (3, 2000)])
def test_large_tensors_are_summarised(shape):
    n = int(np.prod(shape))
    a = np.arange(n, dtype=np.float64).reshape(shape) / 7.0
    assert repr(gt.tensor(a)) == repr(torch.tensor(a))
    ints = np.arange(n, dtype=np.int64).reshape(shape) - n // 2
    assert repr(gt.tensor(ints)) == repr(torch.tensor(ints))


@pytest.mark.parametrize("n", [10, 25, 60, 300])
def test_long_rows_wrap_at_80_columns(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n) * 100
    assert repr(gt.tensor(a, dtype=gt.float32)) == repr(torch.tensor(a, dtype=torch.float32))
    b = rng.standard_normal((3, n)).astype(np.float32)
    assert repr(gt.tensor(b)) == repr(torch.tensor(b))
    ints = rng.integers(-10**6, 10**6, size=(2, n))
    assert repr(gt.tensor(ints)) == repr(torch.tensor(ints))


def test_random_values_many_shapes():
    rng = np.random.default_rng(1)
    for shape in [(1,), (5,), (2, 3), (2, 3, 4), (1, 1, 1, 2), (4, 1)]:
        for scale in (1e-6, 1e-2, 1.0, 1e3, 1e9):
            a = (rng.standard_normal(shape) * scale).astype(np.float32)
            assert repr(gt.tensor(a)) == repr(torch.tensor(a)), (shape, scale)


def test_requires_grad_and_grad_fn():
    v = [[1.0, -2.0], [0.5, 4.0]]
    a = gt.tensor(v, requires_grad=True)
    b = torch.tensor(v, requires_grad=True)
    assert repr(a) == repr(b)
    assert repr(a * 2) == repr(b * 2)
    assert repr(a.sum()) == repr(b.sum())
    assert repr((a + 1).tanh()) == repr((b + 1).tanh())
    a64 = gt.tensor(v, dtype=gt.float64, requires_grad=True)
    b64 = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    assert repr(a64) == repr(b64)
    assert repr(a64.exp()) == repr(b64.exp())


def test_suffixes_wrap_when_the_last_line_is_long():
    # a long last line pushes dtype= and grad_fn= onto lines of their own
    v = np.linspace(-3, 3, 14)
    a = gt.tensor(v, dtype=gt.float64, requires_grad=True)
    b = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    assert repr(a) == repr(b)
    assert repr(a * 3) == repr(b * 3)
    for k in (6, 7, 8, 9):  # one line of 62-83 characters: dtype= goes to a new line past 80
        u = [0.1234] * k
        assert repr(gt.tensor(u, dtype=gt.float64)) == repr(torch.tensor(u, dtype=torch.float64))
    w = np.arange(9, dtype=np.int32)
    assert repr(gt.tensor(w)) == repr(torch.tensor(w))


def test_default_dtype_changes_the_suffix():
    prev = gt.get_default_dtype()
    try:
        gt.set_default_dtype(gt.float64)
        torch.set_default_dtype(torch.float64)
        for v, d in (([1.5, 2.0], None), ([1.5, 2.0], "float32")):
            a = gt.tensor(v, dtype=None if d is None else getattr(gt, d))
            b = torch.tensor(v, dtype=None if d is None else getattr(torch, d))
            assert repr(a) == repr(b)
    finally:
        gt.set_default_dtype(prev)
        torch.set_default_dtype(torch.float32)


def test_printoptions_precision_and_sci_mode():
    v = [0.123456, 2.5]
    try:
        gt.set_printoptions(precision=2)
        torch.set_printoptions(precision=2)
        assert repr(gt.tensor(v)) == repr(torch.tensor(v))
        gt.set_printoptions(sci_mode=True)
        torch.set_printoptions(sci_mode=True)
        assert repr(gt.tensor(v)) == repr(torch.tensor(v))
    finally:
        gt.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert repr(gt.tensor(v)) == repr(torch.tensor(v))


def test_str_and_format():
    a, b = gt.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0])
    assert str(a) == str(b)
    assert f"{gt.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"
