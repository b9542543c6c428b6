"""torch's zip checkpoints: torch writes and glasstorch reads, glasstorch writes and torch reads."""

from __future__ import annotations

import io
from collections import OrderedDict

import numpy as np
import pytest
import torch

import glasstorch as gt
import glasstorch.nn as nn
from glasstorch.serialization import CheckpointError

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _torch_file(obj, tmp_path, name="ck.pt"):
    path = tmp_path / name
    torch.save(obj, path)
    return path


def _values(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_loads_with_its_values(tmp_path, name):
    src = (torch.arange(-6, 6).reshape(3, 4) % 5 * 1.75).to(getattr(torch, name))
    out = gt.load(_torch_file({"x": src, "scalar": src[1, 2].clone()}, tmp_path))
    assert out["x"].dtype == getattr(gt, name) and out["x"].shape == (3, 4)
    np.testing.assert_array_equal(out["x"].numpy(), src.numpy())
    assert out["scalar"].shape == () and out["scalar"].item() == src[1, 2].item()


def test_bfloat16_widens_to_float32_exactly(tmp_path):
    src = torch.tensor([1.5, -3.25, 1e30, 7e-39, float("inf")], dtype=torch.bfloat16)
    out = gt.load(_torch_file({"x": src, "d": torch.bfloat16}, tmp_path))
    assert out["x"].dtype == gt.float32 and out["d"] == gt.float32
    np.testing.assert_array_equal(out["x"].numpy(), src.float().numpy())


def test_shared_storages_views_offsets_and_strides(tmp_path):
    base = torch.arange(24.0)
    obj = {"base": base, "rows": base[4:16].view(3, 4), "t": base[4:16].view(3, 4).t(),
           "step": base[1::3], "expanded": base[5:6].expand(3, 4), "empty": base[3:3],
           "nested": [base[2:5], (base[:2],)]}
    out = gt.load(_torch_file(obj, tmp_path))
    for k in ("base", "rows", "t", "step", "expanded", "empty"):
        assert out[k].shape == tuple(obj[k].shape), k
        np.testing.assert_array_equal(out[k].numpy(), obj[k].numpy())
    np.testing.assert_array_equal(out["nested"][1][0].numpy(), [0.0, 1.0])
    # one storage in the file is one buffer in glasstorch: writes show through the views
    out["base"][5] = 100.0
    assert out["rows"][0, 1].item() == 100.0 and out["t"][1, 0].item() == 100.0
    assert out["expanded"][2, 3].item() == 100.0 and out["step"].shape == (8,)


def test_nested_containers_and_plain_values(tmp_path):
    obj = {"a": [1, -2, 2**40, -2**70, 3.5, float("inf"), None, True, False, "txt", b"\x00\xffraw"],
           "b": (torch.ones(2), {"deep": OrderedDict(w=torch.zeros(1))}), 7: "int key",
           "s": {1, 2}, "size": torch.Size([2, 3]), "dt": torch.int16, "dev": torch.device("cpu")}
    out = gt.load(_torch_file(obj, tmp_path))
    assert out["a"][:5] == [1, -2, 2**40, -2**70, 3.5] and out["a"][5] == float("inf")
    assert out["a"][6:] == [None, True, False, "txt", b"\x00\xffraw"]
    assert type(out["b"]) is tuple and type(out["b"][1]["deep"]) is OrderedDict
    assert out[7] == "int key" and out["s"] == {1, 2}
    assert out["size"] == (2, 3) and type(out["size"]) is gt.Size and out["dt"] == gt.int16
    assert str(out["dev"]) == "cpu"


class _TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


class _GNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(gt.relu(self.bn(self.conv(x))).flatten(1))


def test_torch_state_dict_loads_into_glasstorch_twin(tmp_path):
    torch.manual_seed(0)
    tnet = _TNet()
    tnet.train()
    tnet(torch.randn(8, 1, 8, 8))  # running stats away from their defaults
    tnet.eval()
    path = _torch_file(tnet.state_dict(), tmp_path)
    sd = gt.load(path)
    assert type(sd) is OrderedDict and sd._metadata[""]["version"] == 1
    assert sd["bn.num_batches_tracked"].dtype == gt.int64
    gnet = _GNet()
    gnet.load_state_dict(sd)
    gnet.eval()
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(gnet(gt.tensor(x)).detach().numpy(),
                               tnet(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_optimizer_state_resumes_in_glasstorch(tmp_path):
    torch.manual_seed(1)
    tlin, glin = torch.nn.Linear(3, 2), nn.Linear(3, 2)
    x, y = torch.randn(6, 3), torch.randn(6, 2)
    topt = torch.optim.Adam(tlin.parameters(), lr=0.05)
    for _ in range(3):
        topt.zero_grad()
        torch.nn.functional.mse_loss(tlin(x), y).backward()
        topt.step()
    path = _torch_file({"model": tlin.state_dict(), "opt": topt.state_dict()}, tmp_path)
    ck = gt.load(path)
    glin.load_state_dict(ck["model"])
    gopt = gt.optim.Adam(glin.parameters(), lr=0.05)
    gopt.load_state_dict(ck["opt"])
    assert ck["opt"]["param_groups"][0]["betas"] == (0.9, 0.999)
    gx, gy = gt.tensor(x.numpy()), gt.tensor(y.numpy())
    for _ in range(2):
        topt.zero_grad()
        torch.nn.functional.mse_loss(tlin(x), y).backward()
        topt.step()
        gopt.zero_grad()
        gt.nn.functional.mse_loss(glin(gx), gy).backward()
        gopt.step()
    np.testing.assert_allclose(glin.weight.detach().numpy(), tlin.weight.detach().numpy(), rtol=1e-5)


def test_parameters_keep_requires_grad(tmp_path):
    out = gt.load(_torch_file({"p": torch.nn.Parameter(torch.ones(2)),
                               "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False),
                               "leaf": torch.ones(2, requires_grad=True)}, tmp_path))
    assert isinstance(out["p"], nn.Parameter) and out["p"].requires_grad
    assert isinstance(out["frozen"], nn.Parameter) and not out["frozen"].requires_grad
    assert out["leaf"].requires_grad and not isinstance(out["leaf"], nn.Parameter)


def test_big_endian_archive(tmp_path):
    path = _torch_file({"x": torch.arange(4, dtype=torch.int32)}, tmp_path)
    import zipfile

    src, dst = zipfile.ZipFile(path), tmp_path / "be.pt"
    with zipfile.ZipFile(dst, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename:
                data = np.frombuffer(data, "<i4").astype(">i4").tobytes()
            out.writestr(info.filename, data)
    np.testing.assert_array_equal(gt.load(dst)["x"].numpy(), [0, 1, 2, 3])


# -- glasstorch writes, torch reads -------------------------------------------------------
def _torch_reads(obj, tmp_path):
    path = tmp_path / "gt.pt"
    gt.save(obj, path, format="torch")
    return torch.load(path, weights_only=True), path


@pytest.mark.parametrize("name", DTYPES)
def test_torch_reads_every_dtype(tmp_path, name):
    x = gt.tensor(np.arange(12).reshape(3, 4) % 5 * 1.25).to(getattr(gt, name))
    out, _ = _torch_reads({"x": x}, tmp_path)
    assert out["x"].dtype == getattr(torch, name)
    np.testing.assert_array_equal(out["x"].numpy(), x.numpy())


def test_torch_reads_state_dict_views_and_values(tmp_path):
    gnet = _GNet()
    base = gt.arange(12.0)
    obj = {"sd": gnet.state_dict(), "t": base.view(3, 4).t(), "base": base, "col": base.view(3, 4)[:, 1],
           "misc": [1, 2**40, -2**70, 0.1, None, True, "s", b"\x00\xff", (1, 2), {3}],
           "size": gt.Size([2, 3]), "dt": gt.float16, "p": nn.Parameter(gt.ones(2)), "empty": gt.zeros(0, 3),
           "od": OrderedDict(a=gt.tensor(1.5))}
    out, path = _torch_reads(obj, tmp_path)
    for k, v in gnet.state_dict().items():
        np.testing.assert_array_equal(out["sd"][k].numpy(), v.numpy())
    np.testing.assert_array_equal(out["t"].numpy(), base.view(3, 4).t().numpy())
    np.testing.assert_array_equal(out["col"].numpy(), [1.0, 5.0, 9.0])
    assert out["t"].untyped_storage().data_ptr() == out["base"].untyped_storage().data_ptr()
    assert out["misc"] == [1, 2**40, -2**70, 0.1, None, True, "s", b"\x00\xff", (1, 2), {3}]
    assert out["size"] == torch.Size([2, 3]) and out["dt"] == torch.float16
    assert isinstance(out["p"], torch.nn.Parameter) and out["p"].requires_grad
    assert out["empty"].shape == (0, 3) and type(out["od"]) is OrderedDict
    # and back: the same file read by glasstorch
    again = gt.load(path)
    np.testing.assert_array_equal(again["t"].numpy(), out["t"].numpy())
    tnet = _TNet()
    tnet.load_state_dict(out["sd"])
    x = np.random.default_rng(2).standard_normal((2, 1, 8, 8)).astype(np.float32)
    gnet.eval()
    tnet.eval()
    np.testing.assert_allclose(tnet(torch.tensor(x)).detach().numpy(),
                               gnet(gt.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_reads_glasstorch_optimizer_state(tmp_path):
    lin = nn.Linear(3, 2)
    opt = gt.optim.Adam(lin.parameters(), lr=0.01)
    lin(gt.randn(4, 3)).sum().backward()
    opt.step()
    out, _ = _torch_reads(opt.state_dict(), tmp_path)
    tlin = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(tlin.parameters(), lr=0.01)
    topt.load_state_dict(out)
    np.testing.assert_allclose(topt.state[tlin.weight]["exp_avg"].numpy(),
                               opt.state[lin.weight]["exp_avg"].numpy())


def test_format_torch_to_a_buffer_and_bad_format():
    buf = io.BytesIO()
    gt.save({"x": gt.ones(3)}, buf, format="torch")
    buf.seek(0)
    assert torch.load(buf, weights_only=True)["x"].tolist() == [1.0, 1.0, 1.0]
    buf.seek(0)
    assert gt.load(buf)["x"].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="format must be"):
        gt.save({}, io.BytesIO(), format="pickle")
    with pytest.raises(TypeError, match="can't store an object of type"):
        gt.save({"f": print}, io.BytesIO(), format="torch")


def test_storages_are_64_byte_aligned(tmp_path):
    import zipfile

    path = tmp_path / "a.pt"
    gt.save({"a": gt.ones(3), "b": gt.zeros(5, dtype=gt.int8)}, path, format="torch")
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if "/data/" in info.filename:
                start = info.header_offset + 30 + len(info.filename) + len(info.extra)
                assert start % 64 == 0


def test_legacy_format_is_refused_clearly(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"x": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="legacy"):
        gt.load(path)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_torchscript_archive_is_refused_clearly(tmp_path):
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path)
    with pytest.raises(CheckpointError, match="TorchScript archive"):
        gt.load(path)
