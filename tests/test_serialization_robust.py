"""Checkpoints under attack: killed saves, malformed files, permissions."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch import serialization


def _file(header: dict | str, data: bytes = b"") -> bytes:
    text = header if isinstance(header, str) else json.dumps(header)
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw + data


def _with_structure(structure: str) -> bytes:
    """A file holding one float32 tensor ``t0`` and the given glasstorch structure text."""
    header = {"__metadata__": {"format": "glasstorch", "glasstorch": structure, "glasstorch.version": "1"},
              "t0": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
    return _file(header, b"\x00\x00\x80\x3f")


def _load_fails(tmp_path, content: bytes, *words: str) -> str:
    """Loading ``content`` raises RuntimeError (and nothing else) naming the file and what is wrong."""
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(content)
    try:
        gt.load(bad)
    except Exception as e:  # noqa: BLE001 - the exact type is what is tested
        assert type(e) is RuntimeError, f"{type(e).__name__}: {e}"
        assert "broken.safetensors" in str(e)
        for w in words:
            assert w in str(e), str(e)
        return str(e)
    raise AssertionError("loading the malformed file did not raise")


DEEP = 100_000

MALFORMED_HEADERS = {
    "deeply nested JSON": ('{"a":' + "[" * DEEP + "]" * DEEP + "}", "nests too deeply"),
    "a list, not an object": ("[1, 2, 3]", "header"),
    "dtype is a number": ({"x": {"dtype": 5, "shape": [1], "data_offsets": [0, 4]}}, "'x'"),
    "shape is a string": ({"x": {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}}, "'x'"),
    "negative size": ({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, "'x'"),
    "a float size": ({"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}, "'x'"),
    "three offsets": ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}, "'x'"),
    "entry is a list": ({"x": [1]}, "'x'"),
    "huge shape": ({"x": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 4]}}, ""),
    "huge offsets": ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 2 ** 62]}}, "data offsets"),
    "offsets reversed": ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, "data offsets"),
    "unknown dtype": ({"x": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}, ""),
    "metadata not a mapping": ({"__metadata__": [1]}, "__metadata__"),
    "metadata value not a string": ({"__metadata__": {"glasstorch": 5}}, "__metadata__"),
}


@pytest.mark.parametrize("case", list(MALFORMED_HEADERS))
def test_malformed_header_raises_one_error_naming_the_file(tmp_path, case):
    header, word = MALFORMED_HEADERS[case]
    _load_fails(tmp_path, _file(header, b"\x00" * 4), word)


def test_header_length_beyond_the_limit(tmp_path):
    _load_fails(tmp_path, struct.pack("<Q", 2 ** 62) + b'{"x": 1}', "claims", "limit")


def test_every_truncation_of_a_real_checkpoint(tmp_path):
    path = tmp_path / "ck.safetensors"
    gt.save({"w": gt.randn(4, 3), "step": 3, "names": ("a", "b")}, path)
    data = path.read_bytes()
    for cut in sorted(set(range(0, len(data), 7)) | {len(data) - 1, 8, 9}):
        _load_fails(tmp_path, data[:cut])


MALFORMED_STRUCTURES = {
    "nested past the JSON parser": ("[" * DEEP + "]" * DEEP, "nests deeper than"),
    "nested past the limit": ("[" * 150 + "]" * 150, "nests deeper than 100 levels"),
    "tuple of a number": ('{"tuple": 5}', "a tuple is int"),
    "unhashable key": ('{"dict": [[[1], 2]]}', "unhashable key"),
    "pairs not pairs": ('{"dict": [[1, 2, 3]]}', "[key, value] pairs"),
    "size of strings": ('{"size": ["a"]}', "a Size"),
    "size of a number": ('{"size": 3}', "a Size is int"),
    "dtype a list": ('{"dtype": [1]}', "a dtype is list"),
    "tensor name a list": ('{"tensor": [1]}', "a tensor's name is list"),
    "missing tensor": ('{"tensor": "t9"}', "t9"),
    "bytes not hex": ('{"bytes": "zz"}', "hexadecimal"),
    "float a list": ('{"float": [1]}', "a float is list"),
    "float a word": ('{"float": "big"}', "bad float"),
    "factory an object": ('{"defaultdict": {}, "items": []}', "a factory is dict"),
    "defaultdict without items": ('{"defaultdict": "list"}', "[key, value] pairs"),
    "slice of strings": ('{"slice": ["a", null, null]}', "a slice"),
    "slice of two": ('{"slice": [1, 2]}', "a slice"),
    "unknown node": ('{"lambda": 1}', "unknown node"),
    "not JSON": ("{nope", "not valid JSON"),
}


@pytest.mark.parametrize("case", list(MALFORMED_STRUCTURES))
def test_malformed_structure_raises_one_error_naming_the_file(tmp_path, case):
    structure, words = MALFORMED_STRUCTURES[case]
    _load_fails(tmp_path, _with_structure(structure), "corrupted", words)


def test_structure_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_MAX_STRUCTURE", 1000)
    _load_fails(tmp_path, _with_structure(json.dumps(list(range(500)))), "more than the limit of 1000")
    bad = tmp_path / "fine.safetensors"
    bad.write_bytes(_with_structure(json.dumps(list(range(10)))))
    assert gt.load(bad) == list(range(10))


def test_deepest_allowed_structure_round_trips(tmp_path):
    obj = 1.0
    for _ in range(serialization._MAX_DEPTH):
        obj = [obj]
    gt.save(obj, tmp_path / "deep.safetensors")
    assert gt.load(tmp_path / "deep.safetensors") == obj


# -- a save killed with SIGKILL ----------------------------------------------------------
_CHILD = textwrap.dedent("""
    import sys, time
    import glasstorch as gt
    from glasstorch import serialization

    def half_then_hang(fh, data):
        fh.write(data[: len(data) // 2])
        fh.flush()
        print("writing", flush=True)
        time.sleep(60)

    serialization._write_all = half_then_hang
    gt.save({"w": gt.zeros(100_000)}, sys.argv[1])
""")


def test_save_killed_midway_leaves_no_orphan_after_the_next_save(tmp_path):
    path = tmp_path / "ck.safetensors"
    gt.save({"w": gt.ones(3)}, path)
    before = path.read_bytes()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, env=env)
    try:
        line = child.stdout.readline()  # the child is inside save, its temporary half written
        assert line == b"writing\n"
        orphans = [n for n in os.listdir(tmp_path) if n != "ck.safetensors"]
        assert len(orphans) == 1 and orphans[0].startswith(".ck.safetensors.")
        assert orphans[0].endswith(".glasstorch-tmp")
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=20) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    assert path.read_bytes() == before  # the old checkpoint survived the crash
    assert len(os.listdir(tmp_path)) == 2  # and the orphan is still there...
    gt.save({"w": gt.full((3,), 2.0)}, path)
    assert sorted(os.listdir(tmp_path)) == ["ck.safetensors"]  # ...until the next save
    np.testing.assert_array_equal(gt.load(path)["w"].numpy(), [2.0, 2.0, 2.0])


def test_next_save_leaves_live_and_foreign_temporaries_alone(tmp_path):
    live = tmp_path / f".ck.safetensors.{os.getpid()}.0123abcd.glasstorch-tmp"  # a save in progress
    other_target = tmp_path / ".ck.safetensors.bak.999999.0123abcd.glasstorch-tmp"
    unrelated = tmp_path / ".ck.safetensors.notes"
    for p in (live, other_target, unrelated):
        p.write_bytes(b"x")
    gt.save([1], tmp_path / "ck.safetensors")
    assert sorted(os.listdir(tmp_path)) == sorted(["ck.safetensors", live.name, other_target.name,
                                                   unrelated.name])


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_file_mode_follows_the_umask_like_torch(tmp_path, umask):
    prev = os.umask(umask)
    try:
        gt.save({"w": gt.ones(2)}, tmp_path / "g.safetensors")
        torch.save({"w": torch.ones(2)}, tmp_path / "t.pt")
    finally:
        os.umask(prev)
    mode = (tmp_path / "g.safetensors").stat().st_mode & 0o777
    assert mode == (tmp_path / "t.pt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_replacing_a_file_keeps_its_mode_like_torch(tmp_path):
    for name, save in (("g", lambda p: gt.save([1], p)), ("t", lambda p: torch.save([1], p))):
        p = tmp_path / name
        save(p)
        os.chmod(p, 0o600)
        save(p)
        assert p.stat().st_mode & 0o777 == 0o600
