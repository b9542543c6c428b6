"""save / load: tensors and nested containers in one safetensors file, never pickle.

The file is an ordinary safetensors file. Tensor data sits in its tensor
table (named ``t0``, ``t1``, ...); the object around the tensors (dicts,
lists, tuples, numbers, strings) is written as JSON into the header's string
metadata under the key ``glasstorch``. Loading parses JSON and copies array
bytes: nothing from the file is ever executed. A plain safetensors file (for
example written by ``safetensors.torch.save_file``) loads as a dict of tensors.

Every way a file can be malformed (truncated, a header or structure that is
not what this format writes, nesting deeper than ``_MAX_DEPTH``, a structure
larger than ``_MAX_STRUCTURE`` bytes) raises ``RuntimeError`` naming the file
and what is wrong; no other exception type escapes from :func:`load`.

Each JSON node is a plain JSON value (null, true/false, an int, a finite
float, a string, or a list for a Python list) or a one-key object for
everything else: ``{"tensor": ...}``, ``{"tuple": [...]}``, ``{"dict": [[k, v], ...]}``,
``{"odict": ...}``, ``{"float": "inf"}`` and so on.

torch's zip checkpoints are handled in :mod:`._torch_format`: ``load`` reads
them with a whitelisting pickle-opcode interpreter, ``save(format="torch")``
writes them.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import struct
import sys
from collections import Counter, OrderedDict, defaultdict
from typing import IO, Any

import numpy as np

from . import dtypes as _dt
from ._torch_format import LEGACY_MAGIC, CheckpointError, read_torch_zip, write_torch_zip
from .backend import from_numpy, to_numpy
from .tensor import Size, Tensor, _writable

__all__ = ["save", "load", "CheckpointError"]

_KEY = "glasstorch"
_VERSION = "1"
_MAX_HEADER = 100 * 1024 * 1024
_MAX_STRUCTURE = 64 * 1024 * 1024  # bytes of the JSON structure in the metadata
_MAX_DEPTH = 100  # nesting of containers in a saved object
_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}


def _safetensors_numpy():
    try:
        import safetensors.numpy as stn
    except ImportError as e:
        raise ImportError("glasstorch.save/load store tensors in the safetensors format: "
                          "pip install glasstorch[weights]  (or: pip install safetensors)") from e
    return stn


# -- encoding ---------------------------------------------------------------------
class _Encoder:
    """Turns an object into a JSON-able tree plus a table of arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.seen: dict[int, str] = {}  # id(tensor) -> name: a tensor stored twice is one entry

    def tensor(self, t: Tensor) -> dict:
        name = self.seen.get(id(t))
        if name is None:
            arr = to_numpy(t._data)  # the host copy that is written
            if arr.dtype.name not in _DTYPES:
                raise TypeError(f"glasstorch.save can't store a tensor of dtype {t.dtype}")
            name = self.seen[id(t)] = f"t{len(self.arrays)}"
            self.arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")
        node: dict[str, Any] = {"tensor": name}
        if t.requires_grad:
            node["requires_grad"] = True
        param_mod = sys.modules.get("glasstorch.nn.parameter")  # no nn loaded: no Parameter exists
        if param_mod is not None and isinstance(t, param_mod.Parameter):
            node["parameter"] = True
        return node

    def items(self, d: dict) -> list:
        return [[self.encode(k), self.encode(v)] for k, v in d.items()]

    def encode(self, obj) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, np.ndarray):
            return _encode_ndarray(self, obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item())
        if isinstance(obj, _dt.dtype):
            return {"dtype": obj.np.name}
        if type(obj) is list:
            return [self.encode(v) for v in obj]
        if isinstance(obj, Size):
            return {"size": [int(v) for v in obj]}
        if type(obj) is tuple:
            return {"tuple": [self.encode(v) for v in obj]}
        if type(obj) is dict:
            return {"dict": self.items(obj)}
        if type(obj) is OrderedDict:
            return {"odict": self.items(obj)}
        if type(obj) is defaultdict and obj.default_factory in (dict, list):
            return {"defaultdict": obj.default_factory.__name__, "items": self.items(obj)}
        if type(obj) is Counter:
            return {"counter": self.items(obj)}
        if isinstance(obj, (bytes, bytearray)):
            return {"bytes": bytes(obj).hex()}
        if isinstance(obj, slice):
            return {"slice": [self.encode(obj.start), self.encode(obj.stop), self.encode(obj.step)]}
        raise TypeError(f"glasstorch.save can't store an object of type {type(obj).__module__}."
                        f"{type(obj).__qualname__}: it stores tensors, numbers, strings, None and "
                        "dicts/lists/tuples of them (no pickle)")


def _to_bytes(obj) -> bytes:
    enc = _Encoder()
    tree = enc.encode(obj)
    meta = {"format": _KEY, _KEY: json.dumps(tree, allow_nan=False, separators=(",", ":")),
            f"{_KEY}.version": _VERSION}
    return _safetensors_numpy().save(enc.arrays, metadata=meta)


# -- decoding ---------------------------------------------------------------------
class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], where: str) -> None:
        self.arrays = arrays
        self.where = where
        self.made: dict[str, Tensor] = {}

    def bad(self, what: str) -> RuntimeError:
        return RuntimeError(f"{self.where} is corrupted: {what}")

    def tensor(self, node: dict) -> Tensor:
        name = node["tensor"]
        if name not in self.arrays:
            raise self.bad(f"the structure names a tensor {name!r} that the file does not hold")
        param, grad = bool(node.get("parameter")), bool(node.get("requires_grad"))
        key = f"{name}/{param}/{grad}"
        t = self.made.get(key)
        if t is None:
            arr = self.arrays[name]
            if param:
                from .nn.parameter import Parameter

                t = Parameter(Tensor._make(from_numpy(arr), False, None, 0), requires_grad=grad)
            else:
                t = Tensor._make(from_numpy(arr), False, None, 0)
                if grad:
                    t.requires_grad_(True)
            self.made[key] = t
        return t

    def field(self, node: dict, key: str, kind: type, what: str):
        value = node.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.bad(f"{what} is {type(value).__name__}, not {kind.__name__}")
        return value

    def pairs(self, items, depth: int) -> list:
        if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 for p in items):
            raise self.bad("a mapping is not a list of [key, value] pairs")
        out = []
        for k, v in items:
            key = self.decode(k, depth)
            try:
                hash(key)
            except TypeError:
                raise self.bad(f"a mapping has an unhashable key of type {type(key).__name__}") from None
            out.append((key, self.decode(v, depth)))
        return out

    def decode(self, node, depth: int = 0) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        depth += 1
        if depth > _MAX_DEPTH:
            raise self.bad(f"its structure nests deeper than {_MAX_DEPTH} levels")
        if isinstance(node, list):
            return [self.decode(v, depth) for v in node]
        if not isinstance(node, dict):
            raise self.bad(f"unexpected JSON node {type(node).__name__}")
        if "tensor" in node:
            self.field(node, "tensor", str, "a tensor's name")
            return self.tensor(node)
        if "ndarray" in node:
            return _decode_ndarray(self, node)
        if "dict" in node:
            return dict(self.pairs(node["dict"], depth))
        if "odict" in node:
            return OrderedDict(self.pairs(node["odict"], depth))
        if "tuple" in node:
            return tuple(self.decode(v, depth) for v in self.field(node, "tuple", list, "a tuple"))
        if "float" in node:
            if self.field(node, "float", str, "a float") not in ("inf", "-inf", "nan"):
                raise self.bad(f"bad float {node['float']!r}")
            return float(node["float"])
        if "size" in node:
            dims = self.field(node, "size", list, "a Size")
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in dims):
                raise self.bad(f"a Size holds something other than sizes: {dims!r:.80}")
            return Size(dims)
        if "dtype" in node:
            if self.field(node, "dtype", str, "a dtype") not in _DTYPES:
                raise self.bad(f"unknown dtype {node['dtype']!r}")
            return _dt._FROM_NP[np.dtype(node["dtype"])]
        if "defaultdict" in node:
            factory = {"dict": dict, "list": list}.get(self.field(node, "defaultdict", str, "a factory"))
            if factory is None:
                raise self.bad(f"unknown defaultdict factory {node['defaultdict']!r}")
            return defaultdict(factory, self.pairs(node.get("items"), depth))
        if "counter" in node:
            return Counter(dict(self.pairs(node["counter"], depth)))
        if "bytes" in node:
            try:
                return bytes.fromhex(self.field(node, "bytes", str, "a bytes value"))
            except ValueError:
                raise self.bad("a bytes value is not hexadecimal") from None
        if "slice" in node:
            parts = self.field(node, "slice", list, "a slice")
            bounds = [self.decode(v, depth) for v in parts]
            if len(bounds) != 3 or not all(b is None or isinstance(b, int) for b in bounds):
                raise self.bad(f"a slice is not [start, stop, step] of ints or null: {parts!r:.80}")
            return slice(*bounds)
        raise self.bad(f"unknown node {sorted(node)!r:.80}")


# -- NumPy arrays ------------------------------------------------------------------
# torch.save stores an ndarray as an ndarray (time_sequence_prediction saves one);
# here it is one more entry of the tensor table, marked in the structure so that
# load hands back an ndarray, not a tensor.
def _encode_ndarray(enc: _Encoder, arr: np.ndarray) -> dict:
    if arr.dtype.name not in _DTYPES:
        raise TypeError(f"glasstorch.save can't store a NumPy array of dtype {arr.dtype}")
    name = enc.seen.get(id(arr))
    if name is None:
        name = enc.seen[id(arr)] = f"t{len(enc.arrays)}"
        enc.arrays[name] = np.ascontiguousarray(arr)  # host: a NumPy array the caller saved
    return {"ndarray": name}


def _decode_ndarray(dec: _Decoder, node: dict) -> np.ndarray:
    name = node["ndarray"]
    if name not in dec.arrays:
        raise dec.bad(f"the structure names an array {name!r} that the file does not hold")
    return dec.arrays[name]


_NOT_OURS = ("{where} is not a glasstorch/safetensors file{why}; glasstorch never unpickles files "
             "(loading a pickle can run arbitrary code). Re-save it as safetensors, e.g. with "
             "safetensors.torch.save_file(state_dict, path), and load that.")


def _name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    return repr(getattr(f, "name", None) or f"<{type(f).__name__}>")


def _header(data: bytes, where: str) -> dict:
    """Parse the safetensors header (8-byte little-endian length, then JSON), or say
    what the file is instead."""
    n = struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else None
    if n is not None and n > _MAX_HEADER and data[8:9] == b"{":
        raise RuntimeError(f"{where} is corrupted: its safetensors header claims {n} bytes, more than "
                           f"the limit of {_MAX_HEADER}")
    looks_safetensors = n is not None and 1 < n <= _MAX_HEADER and data[8:9] == b"{"
    if looks_safetensors and 8 + n <= len(data):
        try:
            header = json.loads(data[8:8 + n].decode("utf-8"))
        except RecursionError:
            raise RuntimeError(f"{where} is corrupted: its safetensors header nests too deeply") from None
        except (UnicodeDecodeError, ValueError):
            header = None
        if isinstance(header, dict):
            _check_header(header, where)
            return header
        raise RuntimeError(f"{where} is truncated or corrupted: its safetensors header is not valid JSON")
    if looks_safetensors:
        raise RuntimeError(f"{where} is truncated or corrupted: its header needs {n} bytes but the "
                           f"file holds {len(data) - 8}")
    if data.startswith(LEGACY_MAGIC):
        raise CheckpointError(f"{where}: refused to load: it is in torch's legacy (pre-1.6) format, which "
                              "glasstorch does not read; re-save it with torch.save(obj, path) from "
                              "torch >= 1.6 (the zip format)")
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        why = ": it is a pickle"
    elif len(data) < 8:
        why = f" (only {len(data)} bytes)"
    else:
        why = ""
    raise RuntimeError(_NOT_OURS.format(where=where, why=why))


def _check_header(header: dict, where: str) -> None:
    """The header's shape as the safetensors format defines it, before anything reads it."""
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                raise RuntimeError(f"{where} is corrupted: its __metadata__ is not a mapping of strings")
            continue
        ok = (isinstance(entry, dict) and isinstance(entry.get("dtype"), str)
              and isinstance(entry.get("shape"), list) and isinstance(entry.get("data_offsets"), list)
              and all(type(v) is int and v >= 0 for v in entry["shape"])
              and len(entry["data_offsets"]) == 2 and all(type(v) is int and v >= 0 for v in entry["data_offsets"]))
        if not ok:
            raise RuntimeError(f"{where} is corrupted: its header entry for tensor {name!r:.80} is not "
                               "{dtype: str, shape: [ints >= 0], data_offsets: [begin, end]}")
        begin, end = entry["data_offsets"]
        if end < begin or end > _MAX_FILE:
            raise RuntimeError(f"{where} is corrupted: tensor {name!r:.80} has data offsets [{begin}, {end}]")


_MAX_FILE = 1 << 50  # no data offset points further than this


def _from_bytes(data: bytes, where: str) -> Any:
    if data[:4] == b"PK\x03\x04":  # torch.save's zip format: read by our own opcode interpreter
        return read_torch_zip(data, where)
    header = _header(data, where)
    stn = _safetensors_numpy()
    try:
        arrays = stn.load(data)
    except Exception as e:  # safetensors' own error types differ between versions
        raise RuntimeError(f"{where} is truncated or corrupted: {e}") from None
    for name, arr in arrays.items():
        if not _writable(arr):
            arrays[name] = arr.copy()
    meta = header.get("__metadata__") or {}
    tree_text = meta.get(_KEY) if isinstance(meta, dict) else None
    if tree_text is None:
        # a plain safetensors file: a dict of tensors, in the file's order
        names = [k for k in header if k != "__metadata__"]
        names.sort(key=lambda k: header[k].get("data_offsets", [0])[0] if isinstance(header[k], dict) else 0)
        return {k: Tensor._make(from_numpy(arrays[k]), False, None, 0) for k in names if k in arrays}
    if len(tree_text) > _MAX_STRUCTURE:
        raise RuntimeError(f"{where} is corrupted: its glasstorch structure is {len(tree_text)} bytes, "
                           f"more than the limit of {_MAX_STRUCTURE}")
    try:
        tree = json.loads(tree_text)
    except RecursionError:
        raise RuntimeError(f"{where} is corrupted: its glasstorch structure nests deeper than "
                           f"{_MAX_DEPTH} levels") from None
    except ValueError:
        raise RuntimeError(f"{where} is corrupted: its glasstorch structure is not valid JSON") from None
    return _Decoder(arrays, where).decode(tree)


# -- public API ---------------------------------------------------------------------
def _write_all(fh: IO[bytes], data: bytes) -> None:
    fh.write(data)


def save(obj: Any, f: str | os.PathLike | IO[bytes], pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True, *,
         format: str = "safetensors") -> None:  # noqa: A002 - the option's natural name
    """Save ``obj`` (tensors, state_dicts, nested dicts/lists/tuples of tensors and
    plain values) to ``f``, a path or a writable binary file.

    The file is safetensors: tensor data plus a JSON description of the structure.
    Writing to a path goes to a temporary file in the same folder
    (``.<name>.<pid>.<random>.glasstorch-tmp``), which is flushed to disk and
    renamed over ``f``: an interrupted save leaves any existing file untouched,
    and the next save of ``f`` removes what a killed process left behind. The
    file gets the permissions ``open()`` would give it (``0o666`` less the
    umask), or keeps those of the file it replaces. ``pickle_module`` and
    ``pickle_protocol`` are accepted for compatibility and ignored: nothing is
    pickled.

    ``format="torch"`` writes torch's zip checkpoint instead, which
    ``torch.load(f, weights_only=True)`` opens (see docs/interop.md).
    """
    if format not in ("safetensors", "torch"):
        raise ValueError(f"glasstorch.save: format must be 'safetensors' or 'torch', got {format!r}")
    data = write_torch_zip(obj) if format == "torch" else _to_bytes(obj)  # fails before the file is touched if obj can't be stored
    if not isinstance(f, (str, os.PathLike)):
        _write_all(f, data)
        if hasattr(f, "flush"):
            f.flush()
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(folder, os.path.basename(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
    # os.open applies the umask to 0o666, as open() does for torch.save.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # replacing a file: keep its permissions
        except OSError:
            pass
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


_TMP_SUFFIX = ".glasstorch-tmp"


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Delete temporaries of ``name`` whose writing process no longer runs (it was killed mid-save).

    A temporary of a process still alive may be a save in progress (another
    process, or another thread of this one): it is left alone.
    """
    prefix = f".{name}."
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(_TMP_SUFFIX)):
            continue
        parts = entry[len(prefix):-len(_TMP_SUFFIX)].split(".")  # [pid, random hex]
        if len(parts) != 2 or not parts[0].isdigit() or _process_alive(int(parts[0])):
            continue
        try:
            os.unlink(os.path.join(folder, entry))
        except OSError:
            pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process, or we cannot tell: keep its file
    return True


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders can't be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(f: str | os.PathLike | IO[bytes], map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load an object saved by :func:`save`, a plain safetensors file (as a dict of
    tensors), or a checkpoint written by ``torch.save``.

    ``f`` is a path or a readable binary file. Nothing in the file is executed:
    torch's zip checkpoints are read by glasstorch's own pickle-opcode interpreter,
    which accepts tensors and plain containers only and raises
    :class:`CheckpointError` for anything else (any other global or call).
    ``map_location``, ``weights_only`` and ``mmap`` are accepted for compatibility;
    every tensor loads on the CPU.
    """
    if isinstance(f, (str, os.PathLike)):
        where = f"file {_name(f)}"
        with open(f, "rb") as fh:
            data = fh.read()
    else:
        where = f"file {_name(f)}"
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("glasstorch.load needs a path or a binary file object opened with 'rb'")
    return _from_bytes(bytes(data), where)
