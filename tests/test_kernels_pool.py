"""kernels.first_match (max pooling's bit-code argmax) agrees with its plain version."""

from __future__ import annotations

import numpy as np
import pytest

from glasstorch.kernels import first_match, first_match_plain


def _windows(x, k):
    """The k*k offset views of 2-D k x k pooling with stride k over (N, C, H, W), and their max."""
    views = [x[:, :, i::k, j::k] for i in range(k) for j in range(k)]
    best = views[0].copy()
    for v in views[1:]:
        np.maximum(best, v, out=best)
    return views, best


def _agree(x, k):
    views, best = _windows(x, k)
    fast, plain = first_match(views, best), first_match_plain(views, best)
    np.testing.assert_array_equal(fast.astype(np.int64), plain.astype(np.int64))
    return fast


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])  # 1, 4, 9, 16 offsets take the bit codes; 25 the plain walk
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values(k, dtype):
    x = np.random.default_rng(k).standard_normal((2, 3, 4 * k, 2 * k)).astype(dtype)
    arg = _agree(x, k)
    views, best = _windows(x, k)
    picked = np.choose(arg.astype(np.int64), views)
    np.testing.assert_array_equal(picked, best)


def test_ties_pick_the_first_offset():
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 5.0  # window (0, 0): offsets 1 and 2 tie
    arg = _agree(x, 2)
    assert arg[0, 0, 0, 0] == 1 and arg[0, 0, 1, 1] == 0  # all-zero window: offset 0
    x = np.full((1, 1, 4, 4), 7.0)
    assert (_agree(x, 4) == 0).all()


def test_nan_and_infinities():
    x = np.full((1, 1, 3, 3), -np.inf)
    x[0, 0, 2, 1] = -np.inf
    assert (_agree(x, 3) == 0).all()  # all -inf: every offset ties, the first wins
    x[0, 0, 1, 2] = np.inf
    assert _agree(x, 3)[0, 0, 0, 0] == 5
    x[0, 0, 0, 1] = np.nan  # NaN equals nothing: both give 0 and max pooling fixes it up
    assert _agree(x, 3)[0, 0, 0, 0] == 0
    assert _agree(np.array([[[[-0.0, 0.0], [0.0, -1.0]]]]), 2)[0, 0, 0, 0] == 0  # -0.0 == 0.0


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64])
def test_integer_dtypes(dtype):
    info = np.iinfo(dtype)
    x = np.random.default_rng(1).integers(info.min, info.max, (2, 2, 6, 6), dtype=dtype, endpoint=True)
    x[0, 0, :3, :3] = info.min
    x[1, 1, 3:, 3:] = info.max
    _agree(x, 3)
    _agree(x, 2)


def test_empty():
    x = np.zeros((0, 3, 4, 4), np.float32)
    assert _agree(x, 2).shape == (0, 3, 2, 2)
