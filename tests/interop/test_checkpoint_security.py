"""Crafted torch checkpoints: every one is refused with CheckpointError and nothing in it runs."""

from __future__ import annotations

import io
import os
import pickle
import random
import struct
import time
import tracemalloc
import zipfile

import pytest
import torch

import glasstorch as gt
from glasstorch.serialization import CheckpointError


def _valid(obj=None) -> bytes:
    buf = io.BytesIO()
    torch.save({"w": torch.arange(6.0).view(2, 3), "b": torch.ones(3, dtype=torch.int64)}
               if obj is None else obj, buf)
    return buf.getvalue()


def _with_entries(data: bytes, replace: dict, compress: int = zipfile.ZIP_STORED) -> bytes:
    """The archive ``data`` with some entries' contents replaced (CRCs recomputed)."""
    src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as out:
        for info in src.infolist():
            name = info.filename.split("/", 1)[1]
            out.writestr(info.filename, replace.get(name, src.read(info)))
    return buf.getvalue()


def _with_pickle(pkl: bytes) -> bytes:
    return _with_entries(_valid(), {"data.pkl": pkl})


def _refused(data: bytes, *needles: str) -> CheckpointError:
    with pytest.raises(CheckpointError) as e:
        gt.load(io.BytesIO(data))
    for needle in needles:
        assert needle in str(e.value), str(e.value)
    return e.value


def _peak_memory(fn):
    tracemalloc.start()
    try:
        return fn(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Payload:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def test_one_error_type_that_is_an_unpickling_error():
    assert issubclass(CheckpointError, pickle.UnpicklingError) and issubclass(CheckpointError, RuntimeError)
    assert gt.serialization.CheckpointError is CheckpointError


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_reduce_payload_never_runs(tmp_path, protocol):
    marker = tmp_path / "marker"
    payload = {"w": _Payload(os.system, f"touch {marker}"), "m": _Payload(os.mkdir, str(marker))}
    path = tmp_path / "evil.pt"
    path.write_bytes(_with_pickle(pickle.dumps(payload, protocol=protocol)))
    with pytest.raises(CheckpointError) as e:
        gt.load(path)
    assert str(path) in str(e.value) and ("posix.system" in str(e.value) or "os.system" in str(e.value))
    assert not marker.exists()
    # torch's own whitelist agrees this is not a weights file
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


@pytest.mark.parametrize("module,name", [("os", "system"), ("builtins", "eval"), ("__builtin__", "eval"),
                                         ("subprocess", "Popen"), ("builtins", "getattr"),
                                         ("torch", "load"), ("torch._utils", "_rebuild_qtensor"),
                                         ("numpy.core.multiarray", "_reconstruct"), ("collections", "deque")])
def test_other_globals_are_refused_by_name(module, name):
    pkl = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x02\x00\x00\x00id\x85R."
    _refused(_with_pickle(pkl), f"{module}.{name}", "not allowed", "<BytesIO>")
    # STACK_GLOBAL spells the same thing another way
    pkl4 = (b"\x80\x04\x8c" + bytes([len(module)]) + module.encode() + b"\x8c" + bytes([len(name)])
            + name.encode() + b"\x93)R.")
    _refused(_with_pickle(pkl4), f"{module}.{name}")


@pytest.mark.parametrize("pkl,needle", [
    (b"\x80\x02ccollections\nOrderedDict\n)R)R.", "a call of a OrderedDict value"),  # nested REDUCE
    (b"\x80\x02ctorch\nFloatStorage\n)R.", "a call of torch.FloatStorage"),
    (b"\x80\x02ctorch\nfloat32\n)R.", "a call of a dtype value"),
    (b"\x80\x02]}b.", "BUILD on a list"),
    (b"\x80\x02ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00__class__Ns\x62.", "BUILD on a OrderedDict"),
    (b"\x80\x02ctorch\nSize\n)\x85R}b.", "BUILD on a Size"),
    (b"\x80\x02(ccollections\nOrderedDict\no.", "OBJ"),
    (b"\x80\x02(ios\nsystem\nX\x02\x00\x00\x00id.", "INST"),
    (b"\x80\x02ccollections\nOrderedDict\n)\x81.", "NEWOBJ"),
    (b"\x80\x02\x82\x01.", "EXT1"),
    (b"(S'x'\np0\n.", "STRING"),
    (b"\x80\x02X\x02\x00\x00\x00idQ.", "persistent id 'id'"),
    (b"\x80\x02h\x05.", "memo entry 5"),
    (b"\x80\x02(.", "pops an empty stack"),
    (b"\x80\x02Nt.", "closes a MARK"),
    (b"\x80\x02)Na.", "APPEND on a tuple"),
    (b"\x80\x02}]]s.", "unhashable"),
    (b"\x80\x02\x8b\x00\x00\x00\x10.", "an integer of"),
    (b"\x80\x02X\xff\xff\xff\x7f", "truncated"),
    (b"\x80\x02N.N", "follow the pickle's STOP"),
    (b"\x80\x02ctorch\nfloat32", "unterminated"),
])
def test_crafted_pickles_are_refused(pkl, needle):
    _refused(_with_pickle(pkl), needle)


def _tensor_expr(kind="FloatStorage", key="0", numel=6, offset=0, size=(2, 3), stride=(3, 1),
                 requires_grad=False) -> bytes:
    """The opcodes that push one _rebuild_tensor_v2 call, as torch writes it."""
    def ints(vals):
        return b"".join(b"J" + struct.pack("<i", v) if -2**31 <= v < 2**31 else
                        b"\x8a\x09" + v.to_bytes(9, "little", signed=True) for v in vals)
    return (b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
            + b"ctorch\n" + kind.encode() + b"\nX" + struct.pack("<I", len(key)) + key.encode()
            + b"X\x03\x00\x00\x00cpu" + ints([numel]) + b"tQ" + ints([offset]) + b"(" + ints(size) + b"t("
            + ints(stride) + b"t" + (b"\x88" if requires_grad else b"\x89") + b"}tR")


def _tensor_pickle(**kwargs) -> bytes:
    return b"\x80\x02}X\x01\x00\x00\x00w" + _tensor_expr(**kwargs) + b"s."


@pytest.mark.parametrize("wrap,needle", [
    (lambda t: b"ccollections\nOrderedDict\n" + t + b"\x85R", "OrderedDict built from"),
    (lambda t: b"c_codecs\nencode\nX\x01\x00\x00\x00x" + t + b"\x86R", "_codecs.encode used"),
    (lambda t: b"ctorch._utils\n_rebuild_parameter\n" + t + b"\x89" + t + b"\x87R", "backward hooks"),
    (lambda t: b"ctorch._utils\n_rebuild_parameter\n(" + t + b"\x89N" + t + b"tR", "carries Python"),
    (lambda t: b"ctorch._utils\n_rebuild_tensor_v2\n(" + t + b"K\x00))\x89}" + t + b"tR", "not a storage"),
    (lambda t: _tensor_expr()[:-2] + t + b"tR", "metadata glasstorch does not know"),
])
def test_tensors_where_values_belong_are_refused(wrap, needle):
    # a tensor's == and bool() are elementwise: the checks look at types first
    pkl = b"\x80\x02" + wrap(_tensor_expr()) + b"."
    _refused(_with_entries(_valid(), {"data.pkl": pkl}), needle)


def test_integer_tensors_that_require_grad_are_refused():
    pkl = _tensor_pickle(kind="LongStorage", numel=3, size=(3,), stride=(1,), requires_grad=True)
    _refused(_with_entries(_valid(), {"data.pkl": pkl}), "integer tensor (data/0) requires grad")


def test_one_storage_named_with_two_types_is_refused():
    as_int = _tensor_pickle(kind="IntStorage")
    assert gt.load(io.BytesIO(_with_entries(_valid(), {"data.pkl": as_int})))["w"].dtype == gt.int32
    two = (b"\x80\x02}X\x01\x00\x00\x00v" + _tensor_expr() + b"sX\x01\x00\x00\x00w"
           + _tensor_expr(kind="IntStorage") + b"s.")
    _refused(_with_entries(_valid(), {"data.pkl": two}), "two different types")


def test_a_handmade_tensor_pickle_is_valid():
    out = gt.load(io.BytesIO(_with_entries(_valid(), {"data.pkl": _tensor_pickle()})))
    assert out["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    # a checkpoint saved from a GPU names its device; it loads on the CPU
    gpu = _tensor_pickle().replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    out = gt.load(io.BytesIO(_with_entries(_valid(), {"data.pkl": gpu})), map_location="cpu")
    assert out["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and out["w"].device.type == "cpu"


@pytest.mark.parametrize("kwargs,needle", [
    (dict(numel=10**12), "claims 1000000000000 elements"),
    (dict(numel=-1), "claims -1 elements"),
    (dict(kind="DoubleStorage"), "claims 6 elements of 8 bytes but holds 24"),
    (dict(kind="ComplexFloatStorage"), "torch.ComplexFloatStorage is not allowed"),
    (dict(key="../../etc/passwd"), "missing from the archive"),
    (dict(key="data.pkl"), "missing from the archive"),
    (dict(size=(3, 3)), "reads element 8 of a storage of 6"),
    (dict(offset=4), "reads element"),
    (dict(offset=-1), "invalid"),
    (dict(stride=(-3, 1)), "invalid"),
    (dict(size=(-2, 3)), "invalid"),
    (dict(stride=(2**62, 1)), "reads element"),
    (dict(size=(2**20, 2**20), stride=(0, 0)), None),  # a broadcast view: allowed, allocates nothing
    (dict(size=(2, 3, 4)), "invalid"),
    (dict(size=(0, 2**62), offset=7), "past its storage"),
])
def test_tensor_claims_are_checked_against_the_storage(kwargs, needle):
    data = _with_entries(_valid(), {"data.pkl": _tensor_pickle(**kwargs)})
    if needle is None:
        out, peak = _peak_memory(lambda: gt.load(io.BytesIO(data)))
        assert out["w"].shape == (2**20, 2**20) and out["w"]._data.strides == (0, 0) and peak < 10**6
        return
    _refused(_with_entries(_valid(), {"data.pkl": _tensor_pickle(**kwargs)}), needle)


def test_truncated_archives_are_refused():
    data = _valid()
    for n in (0, 4, 30, 100, len(data) // 2, len(data) - 23, len(data) - 1):
        with pytest.raises((CheckpointError,)):
            gt.load(io.BytesIO(b"PK\x03\x04" + data[4:n] if n >= 4 else b"PK\x03\x04"))


def test_bad_zip_entries_are_refused():
    good = _valid()
    _refused(_with_entries(good, {}, compress=zipfile.ZIP_DEFLATED), "is compressed")
    # no data.pkl at all, or two archives in one zip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a/data/0", b"\x00" * 8)
    _refused(buf.getvalue(), "no single <name>/data.pkl")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a/data.pkl", b"\x80\x02N.")
        z.writestr("b/data.pkl", b"\x80\x02N.")
    _refused(buf.getvalue(), "no single <name>/data.pkl")
    _refused(_with_entries(good, {"byteorder": b"middle"}), "unknown byteorder")
    # a storage entry whose bytes no longer match its CRC
    raw = bytearray(good)
    at = raw.find(struct.pack("<f", 5.0))  # inside the float storage data/0
    raw[at] ^= 0xFF
    _refused(bytes(raw), "corrupted")


def test_zip_bomb_is_refused_without_inflating():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/data.pkl", b"\x80\x02N.")
        z.writestr("a/data/0", bytes(64 * 2**20))  # 64 MiB of zeros in ~64 KiB
    data = bomb.getvalue()
    assert len(data) < 2**18
    _, peak = _peak_memory(lambda: _refused(data, "is compressed"))
    assert peak < 8 * len(data) + 2**20


def test_an_entry_claiming_more_bytes_than_the_file_is_refused():
    data = bytearray(_with_pickle(b"\x80\x02N."))
    # raise the sizes of the first entry (data.pkl) in its central directory record
    cd = data.find(b"PK\x01\x02")
    data[cd + 20:cd + 28] = struct.pack("<II", 2**31, 2**31)
    _refused(bytes(data), "claims 2147483648 bytes")



def test_an_encrypted_entry_is_refused():
    data = bytearray(_valid())
    cd = data.find(b"PK\x01\x02")
    data[cd + 8] |= 1  # the "encrypted" bit of the first entry's flags
    _refused(bytes(data), "is encrypted")


def _fuzz_once(rng: random.Random, seed_files: list[bytes]) -> bytes:
    data = seed_files[rng.randrange(len(seed_files))]
    zf = zipfile.ZipFile(io.BytesIO(data))
    pkl_name = next(n for n in zf.namelist() if n.endswith("/data.pkl"))
    target = rng.random()
    blob = bytearray(zf.read(pkl_name) if target < 0.8 else data)
    for _ in range(rng.randint(1, 4)):
        kind, at = rng.random(), rng.randrange(len(blob))
        if kind < 0.4:
            blob[at] = rng.randrange(256)
        elif kind < 0.6:
            del blob[at:at + rng.randint(1, 8)]
        elif kind < 0.8:
            blob[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            blob[at:at + 4] = struct.pack("<i", rng.choice([0, -1, 2**31 - 1, 255, 65535, 10**9]))
    if target < 0.8:  # keep the zip and CRCs valid so the mutation reaches the interpreter
        return _with_entries(data, {"data.pkl": bytes(blob)})
    return bytes(blob)


def test_mutation_fuzzer_loads_or_refuses(tmp_path):
    marker = tmp_path / "marker"
    opt_state = {"state": {0: {"momentum_buffer": torch.ones(2, 3)}, 1: {"momentum_buffer": torch.ones(2)}},
                 "param_groups": [{"lr": 0.1, "momentum": 0.9, "nesterov": False, "params": [0, 1]}]}
    base = torch.arange(10.0)
    seeds = [_valid(), _valid({"sd": torch.nn.Conv1d(2, 3, 2).state_dict(), "opt": opt_state}),
             _valid({"v": base[2:8].view(2, 3).t(), "b": base, "x": [1, 2.5, "s", b"b", (None, True)]}),
             _with_pickle(pickle.dumps({"w": _Payload(os.system, f"touch {marker}")}, protocol=2))]
    rng = random.Random(0)
    loaded = refused = 0
    deadline = time.monotonic() + 2.0  # a fixed budget; the count varies with the machine
    while time.monotonic() < deadline and loaded + refused < 5000:
        data = _fuzz_once(rng, seeds)
        try:
            gt.load(io.BytesIO(data))
            loaded += 1
        except CheckpointError:
            refused += 1
        except RuntimeError as e:  # the safetensors path: a mutation that broke the zip magic
            assert not data.startswith(b"PK\x03\x04"), repr(e)
            refused += 1
    assert refused > 20 and loaded > 0 and not marker.exists()
