"""save/load of NumPy arrays and plain containers of tensors and arrays (no pickle)."""

from __future__ import annotations

import numpy as np
import pytest

import glasstorch as gt


def test_ndarray_round_trip(tmp_path):
    a = np.sin(np.arange(12.0)).reshape(3, 4)
    gt.save(a, tmp_path / "a.pt")
    back = gt.load(tmp_path / "a.pt")
    assert type(back) is np.ndarray and back.dtype == np.float64 and back.shape == (3, 4)
    np.testing.assert_array_equal(back, a)
    back[0, 0] = 7.0  # a writable array, like torch.load's


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                                   "bool"])
def test_ndarray_dtypes(tmp_path, dtype):
    a = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    gt.save({"x": a}, tmp_path / "d.pt")
    back = gt.load(tmp_path / "d.pt")["x"]
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, a)


def test_nested_containers_of_tensors_and_arrays(tmp_path):
    arr = np.arange(5, dtype=np.int32)
    t = gt.randn(2, 3)
    obj = {"cfg": {"lr": 0.1, "name": "run", "flags": [True, False, None], "pair": (1, 2.5)},
           "data": [arr, t, (arr[::2], "tail")], "scalar": np.float32(1.5), "empty": np.zeros((0, 3))}
    gt.save(obj, tmp_path / "c.pt")
    back = gt.load(tmp_path / "c.pt")
    assert back["cfg"] == {"lr": 0.1, "name": "run", "flags": [True, False, None], "pair": (1, 2.5)}
    np.testing.assert_array_equal(back["data"][0], arr)
    assert isinstance(back["data"][1], gt.Tensor)
    np.testing.assert_array_equal(back["data"][1].numpy(), t.numpy())
    assert isinstance(back["data"][2], tuple) and back["data"][2][1] == "tail"
    np.testing.assert_array_equal(back["data"][2][0], arr[::2])  # a strided view is stored contiguous
    assert back["scalar"] == 1.5
    assert back["empty"].shape == (0, 3)


def test_unsupported_array_dtype_is_refused_before_writing(tmp_path):
    path = tmp_path / "x.pt"
    with pytest.raises(TypeError, match="complex128"):
        gt.save([np.zeros(2, dtype=np.complex128)], path)
    assert not path.exists()
    with pytest.raises(TypeError, match="object"):
        gt.save(np.array([{}, 1], dtype=object), path)


def test_time_series_like_torch_save(tmp_path):
    """The shape of what time_sequence_prediction's generator writes: an array through a file object."""
    data = np.sin(np.arange(3 * 20).reshape(3, 20) / 4.0).astype("float64")
    with open(tmp_path / "traindata.pt", "wb") as f:
        gt.save(data, f)
    loaded = gt.load(tmp_path / "traindata.pt")
    x = gt.from_numpy(loaded[1:, :-1])
    assert x.dtype == gt.float64 and x.shape == (2, 19)
