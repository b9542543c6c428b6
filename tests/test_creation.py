"""Making tensors: from data, filled, ranges; dtype inference and the default dtype."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import assert_close

import glasstorch as gt


def same(a, b):
    """Values, dtype and shape identical to torch's."""
    assert_close(a, b)


@pytest.mark.parametrize("data", [
    [1, 2], [[1, 2], [3, 4]], 5, [1.0, 2], 2.5, [True, False], True, [[0.5], [1.5]], [],
    [[], []], (1, 2, 3), [1, 2.5, True],
])
def test_tensor_infers_dtype_like_torch(data):
    a, b = gt.tensor(data), torch.tensor(data)
    same(a, b)
    assert a.dtype == gt.int64 if b.dtype == torch.int64 else True


@pytest.mark.parametrize("np_dtype", [np.float16, np.float32, np.float64, np.int8, np.int16,
                                      np.int32, np.int64, np.uint8, np.bool_])
def test_numpy_arrays_keep_their_dtype(np_dtype):
    arr = np.arange(6).reshape(2, 3).astype(np_dtype)
    same(gt.tensor(arr), torch.tensor(arr))
    same(gt.as_tensor(arr), torch.as_tensor(arr))
    same(gt.from_numpy(arr), torch.from_numpy(arr))


def test_tensor_copies_but_from_numpy_and_as_tensor_share():
    arr = np.zeros(3, dtype=np.float32)
    t, f, s = gt.tensor(arr), gt.from_numpy(arr), gt.as_tensor(arr)
    arr[0] = 7.0
    assert t[0].item() == 0.0
    assert f[0].item() == 7.0 and s[0].item() == 7.0
    f.add_(1.0)  # writes go the other way too
    assert arr.tolist() == [8.0, 1.0, 1.0]
    assert f.numpy() is arr
    # as_tensor with another dtype must copy
    c = gt.as_tensor(arr, dtype=gt.float64)
    arr[1] = 5.0
    assert c[1].item() == 1.0 and c.dtype == gt.float64


def test_from_numpy_rejects_what_torch_rejects():
    with pytest.raises(TypeError):
        gt.from_numpy([1, 2])
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        gt.from_numpy(np.array(["a"]))


def test_tensor_of_tensors_and_explicit_dtype():
    same(gt.tensor([gt.tensor(1.5), gt.tensor(2.0)]), torch.tensor([torch.tensor(1.5), torch.tensor(2.0)]))
    same(gt.tensor([1, 2], dtype=gt.float64), torch.tensor([1, 2], dtype=torch.float64))
    same(gt.tensor([1.7, -2.7], dtype=gt.int32), torch.tensor([1.7, -2.7], dtype=torch.int32))
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    with pytest.raises(RuntimeError, match="floating point"):
        gt.tensor([1, 2], requires_grad=True)


def test_default_dtype_round_trip():
    assert gt.get_default_dtype() is gt.float32
    try:
        gt.set_default_dtype(gt.float64)
        torch.set_default_dtype(torch.float64)
        for fn in ("zeros", "ones", "empty", "rand", "randn"):
            assert getattr(gt, fn)(2).dtype == gt.float64
        same(gt.tensor([1.5]), torch.tensor([1.5]))
        same(gt.arange(0.0, 1.0, 0.25), torch.arange(0.0, 1.0, 0.25))
        same(gt.linspace(0, 1, 3), torch.linspace(0, 1, 3))
        same(gt.tensor([1, 2]), torch.tensor([1, 2]))  # ints are untouched
        assert (gt.ones(2, dtype=gt.int32) * 0.5).dtype == gt.float64
    finally:
        gt.set_default_dtype(gt.float32)
        torch.set_default_dtype(torch.float32)
    assert gt.tensor([1.5]).dtype == gt.float32
    with pytest.raises(TypeError):
        gt.set_default_dtype(gt.int64)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_filled(name):
    for args in [(3,), (2, 3), ((2, 3),), ([4],), ((),)]:
        a, b = getattr(gt, name)(*args), getattr(torch, name)(*args)
        assert a.shape == tuple(b.shape) and a.dtype == gt.float32
        if name != "empty":
            same(a, b)
    a = getattr(gt, name)(2, dtype=gt.int64, requires_grad=False)
    assert a.dtype == gt.int64
    a = getattr(gt, name)(2, 2, requires_grad=True)
    assert a.requires_grad and a.is_leaf


def test_full_and_like():
    same(gt.full((2, 3), 1.5), torch.full((2, 3), 1.5))
    same(gt.full((2,), 7), torch.full((2,), 7))
    same(gt.full((2,), True), torch.full((2,), True))
    same(gt.full((2,), 7, dtype=gt.float64), torch.full((2,), 7, dtype=torch.float64))
    base = np.arange(6, dtype=np.int32).reshape(2, 3)
    g, t = gt.tensor(base), torch.tensor(base)
    for name in ("zeros_like", "ones_like"):
        same(getattr(gt, name)(g), getattr(torch, name)(t))
        same(getattr(gt, name)(g, dtype=gt.float16), getattr(torch, name)(t, dtype=torch.float16))
    assert gt.empty_like(g).shape == (2, 3) and gt.empty_like(g).dtype == gt.int32
    same(gt.full_like(g, 4), torch.full_like(t, 4))
    same(gt.full_like(g, 2.5, dtype=gt.float64), torch.full_like(t, 2.5, dtype=torch.float64))
    r = gt.zeros_like(gt.ones(2, 2), requires_grad=True)
    assert r.requires_grad and r.is_leaf


def test_negative_size_raises():
    with pytest.raises(RuntimeError, match="negative dimension"):
        gt.zeros(2, -1)


@pytest.mark.parametrize("args,kw", [
    ((5,), {}), ((1, 10, 3), {}), ((0.0, 1.0, 0.1), {}), ((10, 0, -3), {}), ((2.5,), {}),
    ((0, 5), {"dtype": "float64"}), ((-1.0, 1.0, 0.5), {}), ((0, 1, 0.3), {}), ((3, 3), {}),
])
def test_arange(args, kw):
    kg = {k: getattr(gt, v) for k, v in kw.items()}
    kt = {k: getattr(torch, v) for k, v in kw.items()}
    same(gt.arange(*args, **kg), torch.arange(*args, **kt))


def test_arange_errors():
    with pytest.raises(RuntimeError):
        gt.arange(0, 5, 0)
    with pytest.raises(RuntimeError):
        gt.arange(5, 0, 1)


@pytest.mark.parametrize("args", [(0, 1, 5), (-3.0, 3.0, 7), (2, 2, 1), (0, 1, 0), (10, -10, 4)])
def test_linspace(args):
    same(gt.linspace(*args), torch.linspace(*args))
    same(gt.linspace(*args, dtype=gt.float64), torch.linspace(*args, dtype=torch.float64))


def test_eye():
    same(gt.eye(3), torch.eye(3))
    same(gt.eye(2, 4), torch.eye(2, 4))
    same(gt.eye(3, dtype=gt.int64), torch.eye(3, dtype=torch.int64))


def test_device_arguments():
    assert gt.zeros(2, device="cpu").device == gt.device("cpu")
    assert str(gt.ones(1, device=gt.device("cpu")).device) == "cpu"
    with pytest.raises(RuntimeError, match="cuda"):
        gt.zeros(2, device="cuda")


def test_size_is_required():
    for name in ("zeros", "ones", "empty"):
        with pytest.raises(TypeError, match="size"):
            getattr(gt, name)()
        with pytest.raises(TypeError, match="size"):
            getattr(torch, name)()
