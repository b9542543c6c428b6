"""save / load: tensors and nested containers in one safetensors file, never pickle.

The file is an ordinary safetensors file. Tensor data sits in its tensor
table (named ``t0``, ``t1``, ...); the object around the tensors (dicts,
lists, tuples, numbers, strings) is written as JSON into the header's string
metadata under the key ``glasstorch``. Loading parses JSON and copies array
bytes: nothing from the file is ever executed. A plain safetensors file (for
example written by ``safetensors.torch.save_file``) loads as a dict of tensors.

Each JSON node is a plain JSON value (null, true/false, an int, a finite
float, a string, or a list for a Python list) or a one-key object for
everything else: ``{"tensor": ...}``, ``{"tuple": [...]}``, ``{"dict": [[k, v], ...]}``,
``{"odict": ...}``, ``{"float": "inf"}`` and so on.
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
import tempfile
from collections import Counter, OrderedDict, defaultdict
from typing import IO, Any

import numpy as np

from . import dtypes as _dt
from .tensor import Size, Tensor

__all__ = ["save", "load"]

_KEY = "glasstorch"
_VERSION = "1"
_MAX_HEADER = 100 * 1024 * 1024
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
            arr = t._data
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

                t = Parameter(Tensor._make(arr, False, None, 0), requires_grad=grad)
            else:
                t = Tensor._make(arr, False, None, 0)
                if grad:
                    t.requires_grad_(True)
            self.made[key] = t
        return t

    def pairs(self, items) -> list:
        if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 for p in items):
            raise self.bad("a mapping is not a list of [key, value] pairs")
        return [(self.decode(k), self.decode(v)) for k, v in items]

    def decode(self, node) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise self.bad(f"unexpected JSON node {type(node).__name__}")
        if "tensor" in node:
            return self.tensor(node)
        if "ndarray" in node:
            return _decode_ndarray(self, node)
        if "dict" in node:
            return dict(self.pairs(node["dict"]))
        if "odict" in node:
            return OrderedDict(self.pairs(node["odict"]))
        if "tuple" in node:
            return tuple(self.decode(v) for v in node["tuple"])
        if "float" in node:
            if node["float"] not in ("inf", "-inf", "nan"):
                raise self.bad(f"bad float {node['float']!r}")
            return float(node["float"])
        if "size" in node:
            return Size(int(v) for v in node["size"])
        if "dtype" in node:
            if node["dtype"] not in _DTYPES:
                raise self.bad(f"unknown dtype {node['dtype']!r}")
            return _dt._FROM_NP[np.dtype(node["dtype"])]
        if "defaultdict" in node:
            factory = {"dict": dict, "list": list}.get(node["defaultdict"])
            if factory is None:
                raise self.bad(f"unknown defaultdict factory {node['defaultdict']!r}")
            return defaultdict(factory, self.pairs(node["items"]))
        if "counter" in node:
            return Counter(dict(self.pairs(node["counter"])))
        if "bytes" in node:
            return bytes.fromhex(node["bytes"])
        if "slice" in node:
            return slice(*(self.decode(v) for v in node["slice"]))
        raise self.bad(f"unknown node {sorted(node)}")


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
        enc.arrays[name] = np.ascontiguousarray(arr)
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
    looks_safetensors = n is not None and 1 < n <= _MAX_HEADER and data[8:9] == b"{"
    if looks_safetensors and 8 + n <= len(data):
        try:
            header = json.loads(data[8:8 + n].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            header = None
        if isinstance(header, dict):
            return header
        raise RuntimeError(f"{where} is truncated or corrupted: its safetensors header is not valid JSON")
    if looks_safetensors:
        raise RuntimeError(f"{where} is truncated or corrupted: its header needs {n} bytes but the "
                           f"file holds {len(data) - 8}")
    if data[:4] == b"PK\x03\x04":
        why = ": it is a ZIP archive (the format torch.save writes, which holds a pickle)"
    elif data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        why = ": it is a pickle"
    elif len(data) < 8:
        why = f" (only {len(data)} bytes)"
    else:
        why = ""
    raise RuntimeError(_NOT_OURS.format(where=where, why=why))


def _from_bytes(data: bytes, where: str) -> Any:
    header = _header(data, where)
    stn = _safetensors_numpy()
    try:
        arrays = stn.load(data)
    except Exception as e:  # safetensors' own error types differ between versions
        raise RuntimeError(f"{where} is truncated or corrupted: {e}") from None
    for name, arr in arrays.items():
        if not arr.flags.writeable:
            arrays[name] = arr.copy()
    meta = header.get("__metadata__") or {}
    tree_text = meta.get(_KEY) if isinstance(meta, dict) else None
    if tree_text is None:
        # a plain safetensors file: a dict of tensors, in the file's order
        names = [k for k in header if k != "__metadata__"]
        names.sort(key=lambda k: header[k].get("data_offsets", [0])[0] if isinstance(header[k], dict) else 0)
        return {k: Tensor._make(arrays[k], False, None, 0) for k in names if k in arrays}
    try:
        tree = json.loads(tree_text)
    except ValueError:
        raise RuntimeError(f"{where} is corrupted: its glasstorch structure is not valid JSON") from None
    return _Decoder(arrays, where).decode(tree)


# -- public API ---------------------------------------------------------------------
def _write_all(fh: IO[bytes], data: bytes) -> None:
    fh.write(data)


def save(obj: Any, f: str | os.PathLike | IO[bytes], pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` (tensors, state_dicts, nested dicts/lists/tuples of tensors and
    plain values) to ``f``, a path or a writable binary file.

    The file is safetensors: tensor data plus a JSON description of the structure.
    Writing to a path goes to a temporary file in the same folder, which is
    flushed to disk and renamed over ``f``; an interrupted save leaves any
    existing file untouched. ``pickle_module``/``pickle_protocol`` are accepted
    for compatibility and ignored: nothing is pickled.
    """
    data = _to_bytes(obj)  # fails before the file is touched if obj can't be stored
    if not isinstance(f, (str, os.PathLike)):
        _write_all(f, data)
        if hasattr(f, "flush"):
            f.flush()
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
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
    """Load an object saved by :func:`save`, or a plain safetensors file (as a dict of tensors).

    ``f`` is a path or a readable binary file. Nothing in the file is executed: a
    pickle (including files written by ``torch.save``) is refused with an error.
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
