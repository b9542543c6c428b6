"""glasstorch.save / glasstorch.load: safetensors files, exact round trips, no pickle."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import struct
from collections import Counter, OrderedDict

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.nn as nn
from glasstorch import serialization

safetensors = pytest.importorskip("safetensors")
from safetensors.numpy import load_file as st_load_file  # noqa: E402
from safetensors.torch import save_file as st_torch_save_file  # noqa: E402

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]


def _roundtrip(obj, tmp_path, via="path"):
    if via == "path":
        path = tmp_path / "obj.safetensors"
        gt.save(obj, path)
        return gt.load(str(path))
    buf = io.BytesIO()
    gt.save(obj, buf)
    buf.seek(0)
    return gt.load(buf)


def _assert_same(a, b):
    """Structural equality including container types and tensor dtype/shape/values."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, gt.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


@pytest.mark.parametrize("dtype", DTYPES, ids=[np.dtype(d).name for d in DTYPES])
@pytest.mark.parametrize("via", ["path", "fileobj"])
def test_tensor_roundtrip_every_dtype(dtype, via, tmp_path):
    rng = np.random.default_rng(0)
    for arr in (rng.standard_normal((3, 4)) * 50, np.array(7.5), np.zeros((0, 3)),
                rng.standard_normal((4, 3)).T):  # a transposed (non-contiguous) array too
        t = gt.tensor(arr.astype(dtype))
        back = _roundtrip(t, tmp_path, via)
        _assert_same(back, t)
        assert back._data.flags.writeable


def test_nested_structure_roundtrip(tmp_path):
    t = gt.arange(6, dtype=gt.float32).reshape(2, 3)
    obj = {
        "tensor": t,
        "same": t,  # stored once, loaded as the same object
        "grad": gt.ones(2, dtype=gt.float64).requires_grad_(),
        "param": nn.Parameter(gt.zeros(3)),
        "ints": [1, -2, 2**70, 0],
        "floats": (1.0, -0.0, 1e-300, float("inf"), -float("inf"), float("nan")),
        "flags": [True, False, None],
        "text": ["", "ünïcødé", "with \"quotes\" and \\ backslash", "{\"tensor\": \"t0\"}"],
        0: "int key", 1.5: "float key", (1, 2): "tuple key", None: "none key", True: "bool key",
        "ordered": OrderedDict([("b", 1), ("a", [2, (3, 4)])]),
        "empty": [{}, [], (), OrderedDict()],
        "tuple_vs_list": ([1, 2], (1, 2), [(1,)], ((),)),
        "counter": Counter({3: 2, 7: 1}),
        "size": gt.Size([2, 3]),
        "dtype": gt.float16,
    }
    for via in ("path", "fileobj"):
        back = _roundtrip(obj, tmp_path, via)
        _assert_same(back, obj)
        assert back["same"] is back["tensor"]
        assert isinstance(back["param"], nn.Parameter) and back["param"].requires_grad
        assert type(back["size"]) is gt.Size and back["dtype"] is gt.float16


def test_top_level_values(tmp_path):
    for obj in (None, 3, "x", [gt.ones(1)], (gt.ones(2, dtype=gt.int64),), OrderedDict()):
        _assert_same(_roundtrip(obj, tmp_path), obj)


def test_file_is_plain_safetensors(tmp_path):
    path = tmp_path / "f.safetensors"
    gt.save({"w": gt.tensor([[1.0, 2.0]]), "step": 3}, path)
    arrays = st_load_file(str(path))
    assert list(arrays) == ["t0"]
    np.testing.assert_array_equal(arrays["t0"], [[1.0, 2.0]])
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    meta = json.loads(data[8:8 + n])["__metadata__"]
    assert meta["format"] == "glasstorch"
    json.loads(meta["glasstorch"])  # the structure is plain JSON
    assert b"pickle" not in data and data[:1] != b"\x80"


def test_module_state_dict_roundtrip(tmp_path):
    gt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    path = tmp_path / "model.safetensors"
    gt.save(model.state_dict(), path)
    sd = gt.load(path, weights_only=True, map_location="cpu")
    assert type(sd) is type(model.state_dict()) and list(sd) == list(model.state_dict())
    gt.manual_seed(1)
    twin = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    twin.load_state_dict(sd)
    x = gt.randn(5, 3)
    np.testing.assert_array_equal(twin(x).detach().numpy(), model(x).detach().numpy())


def test_optimizer_checkpoint_resumes_identically(tmp_path):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 1))]
    x, y = gt.tensor(rng.standard_normal((6, 3))), gt.tensor(rng.standard_normal((6, 1)))

    def build():
        ps = [nn.Parameter(gt.tensor(a)) for a in init]
        opt = gt.optim.Adam([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.003}], lr=0.01, amsgrad=True)
        sched = gt.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 12, 12], gamma=0.5)
        return ps, opt, sched

    def train(ps, opt, sched, n):
        for _ in range(n):
            opt.zero_grad()
            ((gt.tanh(x @ ps[0] + ps[1]) @ ps[2] - y) ** 2).mean().backward()
            opt.step()
            sched.step()
        return [p.detach().numpy().copy() for p in ps]

    ps, opt, sched = build()
    full = train(ps, opt, sched, 20)

    ps1, opt1, sched1 = build()
    train(ps1, opt1, sched1, 10)
    path = tmp_path / "ckpt.safetensors"
    gt.save({"params": ps1, "optimizer": opt1.state_dict(), "scheduler": sched1.state_dict(),
             "epoch": 10}, path)
    ck = gt.load(path)
    assert ck["epoch"] == 10 and sorted(ck["optimizer"]["state"]) == [0, 1, 2]
    assert ck["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert ck["scheduler"]["milestones"] == Counter([3, 12, 12])
    _assert_same(ck["optimizer"], opt1.state_dict())
    ps2, opt2, sched2 = build()
    for p, q in zip(ps2, ck["params"]):
        p.data = q.detach()
    opt2.load_state_dict(ck["optimizer"])
    sched2.load_state_dict(ck["scheduler"])
    resumed = train(ps2, opt2, sched2, 10)
    for a, b in zip(resumed, full):
        np.testing.assert_array_equal(a, b)


def test_plateau_scheduler_state_with_inf(tmp_path):
    p = gt.ones(2).requires_grad_()
    opt = gt.optim.SGD([p], lr=0.1)
    sched = gt.optim.lr_scheduler.ReduceLROnPlateau(opt)
    back = _roundtrip(sched.state_dict(), tmp_path)
    assert back["best"] == math.inf and back["mode_worse"] == math.inf
    _assert_same(back, sched.state_dict())


def test_torch_safetensors_file_loads_into_twin(tmp_path):
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Linear(5, 2)).double()
    path = tmp_path / "torch_model.safetensors"
    st_torch_save_file(tmodel.state_dict(), str(path))
    sd = gt.load(path)
    assert type(sd) is dict and sorted(sd) == sorted(tmodel.state_dict())
    for k, v in tmodel.state_dict().items():
        assert sd[k].dtype == gt.float64 and tuple(sd[k].shape) == tuple(v.shape)
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
    model = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2)).double()
    model.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((4, 3))
    np.testing.assert_allclose(model(gt.tensor(x)).detach().numpy(),
                               tmodel(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-14)


def test_torch_save_file_loads_without_unpickling(tmp_path):
    # read by glasstorch's own opcode interpreter (tests/interop/ covers it in depth)
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    assert gt.load(path)["w"].tolist() == [1.0, 1.0]


class _Payload:
    """Unpickling this would create a folder: the side effect the tests look for."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_payload_never_runs(tmp_path, protocol):
    target = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": _Payload(str(target))}, protocol=protocol))
    for src in (path, io.BytesIO(path.read_bytes())):
        with pytest.raises(RuntimeError, match="not a glasstorch/safetensors file.*never unpickles"):
            gt.load(src, weights_only=False)
    assert not target.exists()


def test_truncated_and_corrupted_files_name_the_file(tmp_path):
    path = tmp_path / "ck.safetensors"
    gt.save({"w": gt.randn(10, 10), "b": gt.randn(10)}, path)
    data = path.read_bytes()
    bad = tmp_path / "bad.safetensors"
    for broken in (data[:-7], data[:20], data[:5], b"", data[:8] + b"{" + b"\x00" * (len(data) - 9),
                   b"\xff" * 100):
        bad.write_bytes(broken)
        with pytest.raises(RuntimeError) as e:
            gt.load(bad)
        assert "bad.safetensors" in str(e.value)
        assert "truncated or corrupted" in str(e.value) or "not a glasstorch/safetensors file" in str(e.value)
    # a structure that names a tensor the file does not hold
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header["__metadata__"]["glasstorch"] = json.dumps({"dict": [["w", {"tensor": "t9"}]]})
    text = json.dumps(header).encode()
    bad.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n:])
    with pytest.raises(RuntimeError, match="bad.safetensors.*t9"):
        gt.load(bad)


def test_unsupported_object_leaves_existing_file_intact(tmp_path):
    path = tmp_path / "ck.safetensors"
    gt.save({"w": gt.ones(3)}, path)
    before = path.read_bytes()
    for obj in ({"w": gt.ones(3), "f": lambda: 0}, {"s": {1, 2}}, object()):
        with pytest.raises(TypeError, match="glasstorch.save can't store an object of type"):
            gt.save(obj, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ck.safetensors"]


def test_interrupted_write_leaves_existing_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ck.safetensors"
    gt.save({"w": gt.ones(3)}, path)
    before = path.read_bytes()

    def half_then_fail(fh, data):
        fh.write(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(serialization, "_write_all", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        gt.save({"w": gt.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ck.safetensors"]
    _assert_same(gt.load(path), {"w": gt.ones(3)})


def test_save_replaces_existing_file(tmp_path):
    path = tmp_path / "ck.safetensors"
    gt.save([1], path)
    gt.save([2], os.fspath(path))
    assert gt.load(path) == [2]
    assert sorted(os.listdir(tmp_path)) == ["ck.safetensors"]


def test_missing_safetensors_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install glasstorch\[weights\].*safetensors"):
        gt.save(gt.ones(1), io.BytesIO())
