"""The Tensor object itself: conversions, sizes, truth values, dtypes and devices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import assert_close

import glasstorch as gt
from glasstorch import backend

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def test_numpy_item_tolist():
    v = [[1.5, -2.0], [3.25, 4.0]]
    a, b = gt.tensor(v), torch.tensor(v)
    assert isinstance(a.numpy(), np.ndarray)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.numpy().dtype == b.numpy().dtype
    assert a.tolist() == b.tolist()
    assert a[1, 0].item() == b[1, 0].item() == 3.25
    assert type(gt.tensor(3).item()) is int and type(gt.tensor(True).item()) is bool
    assert type(gt.tensor(2.5).item()) is float
    assert gt.tensor([[7]]).item() == 7  # any one-element shape
    assert gt.tensor(5).tolist() == torch.tensor(5).tolist() == 5
    with pytest.raises(RuntimeError, match="a Tensor with 4 elements cannot be converted to Scalar"):
        a.item()
    with pytest.raises(RuntimeError, match="a Tensor with 4 elements cannot be converted to Scalar"):
        b.item()


def test_numpy_shares_memory_and_refuses_grad():
    a = gt.ones(3)
    if backend.device_module("cpu") is np:  # a device's numpy() is a host copy, not a view
        a.numpy()[0] = 5.0
        assert a.tolist() == [5.0, 1.0, 1.0]
    w = gt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        w.numpy()
    np.testing.assert_array_equal(w.detach().numpy(), np.ones(3, np.float32))


def test_shape_size_ndim_numel_len():
    a, b = gt.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert a.shape == b.shape == (2, 3, 4)
    assert a.size() == (2, 3, 4) and a.size(1) == 3 and a.size(-1) == 4
    assert isinstance(a.shape, gt.Size) and repr(a.shape) == repr(b.shape) == "torch.Size([2, 3, 4])"
    assert a.shape[1:] == (3, 4) and isinstance(a.shape[1:], gt.Size)
    assert a.ndim == a.dim() == 3 and a.numel() == 24 and len(a) == 2
    assert gt.tensor(1.0).ndim == 0 and gt.tensor(1.0).shape == ()
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        a.size(3)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(gt.tensor(1.0))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(torch.tensor(1.0))


def test_iteration_gives_rows():
    v = [[1, 2], [3, 4], [5, 6]]
    rows = list(gt.tensor(v))
    assert len(rows) == 3 and all(isinstance(r, gt.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [r.tolist() for r in torch.tensor(v)]
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(gt.tensor(2))
    # iteration keeps rows in the graph
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    sum(r * r for r in x).backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_bool_one_element_only():
    assert bool(gt.tensor([3])) is True and bool(gt.tensor(0.0)) is False
    assert bool(gt.tensor([[True]])) is True
    for v in ([1, 2], []):
        with pytest.raises(RuntimeError) as e_gt:
            bool(gt.tensor(v))
        with pytest.raises(RuntimeError) as e_t:
            bool(torch.tensor(v))
        assert str(e_gt.value) == str(e_t.value)
    x = gt.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="ambiguous"):
        if x > 0:
            pass


def test_int_float_index():
    assert int(gt.tensor(3.7)) == 3 and float(gt.tensor(2)) == 2.0
    assert [10, 20, 30][gt.tensor(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][gt.tensor(1.0)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes_match_torch(dtype):
    g, t = getattr(gt, dtype), getattr(torch, dtype)
    a = gt.tensor([0, 1, 2], dtype=g)
    b = torch.tensor([0, 1, 2], dtype=t)
    assert a.dtype is g and str(a.dtype) == str(b.dtype) == f"torch.{dtype}"
    assert a.numpy().dtype == b.numpy().dtype
    assert a.element_size() == b.element_size()
    assert a.is_floating_point() == b.is_floating_point()
    assert g.is_floating_point == t.is_floating_point and g.itemsize == t.itemsize
    assert a.type() == b.type()


def test_dtype_aliases():
    assert gt.float is gt.float32 and gt.double is gt.float64 and gt.half is gt.float16
    assert gt.long is gt.int64 and gt.int is gt.int32 and gt.short is gt.int16


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "bool", "short", "char",
                                    "byte"])
def test_conversion_methods(src, method):
    v = np.array([0, 1, 2, 5], dtype=np.float64)
    a = gt.tensor(v).to(getattr(gt, src))
    b = torch.tensor(v).to(getattr(torch, src))
    assert_close(getattr(a, method)(), getattr(b, method)())


def test_to_and_type():
    v = [1.7, -2.2]
    a, b = gt.tensor(v), torch.tensor(v)
    for d in ("float64", "int32", "bool", "float16"):
        assert_close(a.to(getattr(gt, d)), b.to(getattr(torch, d)))
        assert_close(a.type(getattr(gt, d)), b.type(getattr(torch, d)))
        assert_close(a.to("cpu", getattr(gt, d)), b.to("cpu", getattr(torch, d)))
        assert_close(a.to(dtype=getattr(gt, d)), b.to(dtype=getattr(torch, d)))
    assert_close(a.type("torch.DoubleTensor"), b.type("torch.DoubleTensor"))
    assert a.type() == b.type() == "torch.FloatTensor"
    assert a.to(a.dtype) is a and a.float() is a  # no copy when nothing changes
    assert a.to(gt.ones(1, dtype=gt.float64)).dtype == gt.float64
    assert a.to(gt.float32, copy=True) is not a
    # a cast is recorded: gradient flows back in the source dtype
    x = gt.tensor(v, requires_grad=True)
    y = x.double()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype == gt.float32
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array(v, np.float32))


def test_device():
    a = gt.ones(2)
    assert a.device == gt.device("cpu") and a.device.type == "cpu" and str(a.device) == "cpu"
    assert repr(a.device) == repr(torch.ones(2).device) == "device(type='cpu')"
    assert a.to("cpu") is a and a.cpu() is a and a.to(gt.device("cpu")) is a
    assert not a.is_cuda and a.get_device() == -1
    for bad in (lambda: a.to("cuda"), lambda: a.cuda(), lambda: a.to("cuda:0"), lambda: gt.ones(1, device="cuda")):
        with pytest.raises(RuntimeError, match="only the 'cpu' device is available"):
            bad()
    with pytest.raises(RuntimeError, match="Expected one of cpu"):
        a.to("tpu")


def test_requires_grad_flags():
    a = gt.ones(2)
    assert not a.requires_grad and a.is_leaf and a.grad is None
    assert a.requires_grad_() is a and a.requires_grad
    a.requires_grad = False
    assert not a.requires_grad
    b = gt.ones(2, requires_grad=True) * 2
    assert b.requires_grad and not b.is_leaf
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        b.requires_grad = False
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        gt.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        torch.tensor([1, 2]).requires_grad_()


def test_detach_shares_data_and_version():
    x = gt.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d[0] = 10.0
    assert y[0].item() == 10.0  # same memory
    y2 = x * 3
    y2.detach_()
    assert y2.grad_fn is None and not y2.requires_grad and y2.is_leaf


def test_data_attribute():
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad
    d.mul_(3)  # .data edits the values without autograd noticing
    assert x.tolist() == [3.0, 6.0]
    x.data = gt.tensor([0.5, 0.5])
    assert x.tolist() == [0.5, 0.5] and x.requires_grad


def test_contains_and_format():
    a = gt.tensor([1, 2, 3])
    assert 2 in a and 5 not in a
    assert f"{gt.tensor(3.14159):.3f}" == "3.142"


def test_deepcopy_and_pickle_round_trip():
    import copy
    import pickle

    x = gt.tensor([1.0, 2.0], requires_grad=True)
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.tolist() == x.tolist()
    c.data.add_(1)
    assert x.tolist() == [1.0, 2.0]
    p = pickle.loads(pickle.dumps(x))
    assert p.requires_grad and p.tolist() == [1.0, 2.0] and p.dtype == gt.float32
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_operators_with_numpy_scalars_on_the_left():
    a = gt.tensor([1.0, 2.0])
    r = np.float32(2.0) * a
    assert isinstance(r, gt.Tensor) and r.tolist() == [2.0, 4.0]
    assert isinstance(np.float64(1.0) + a, gt.Tensor)
