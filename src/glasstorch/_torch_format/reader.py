"""Read the zip checkpoints that ``torch.save`` writes, without unpickling.

A checkpoint is a zip archive with one top folder ``<name>/`` holding
``data.pkl`` (the object, pickled), ``data/<key>`` (one raw storage per key),
``byteorder`` and ``version``. ``data.pkl`` is run by the opcode interpreter
in :mod:`.unpickler` with the whitelist built here; storages are read only when
a tensor names them, checked against the sizes the archive really holds, and
tensors are NumPy views into them (so shared storages stay shared).
"""

# host module: decodes the archive's storages into host arrays, moved by backend.from_numpy
from __future__ import annotations

import io
import struct
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import backend
from .. import dtypes as _dt
from ..tensor import Size, Tensor
from .unpickler import CheckpointError, Global, Interpreter

__all__ = ["read_torch_zip", "STORAGE_TYPES", "LEGACY_MAGIC"]

# torch's legacy (pre-1.6, non-zip) files open with this pickled integer
LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"

# storage class -> NumPy dtype of its elements; bfloat16 has no NumPy type and is
# widened to float32 on load (exact: every bfloat16 is a float32)
STORAGE_TYPES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
}
_ITEMSIZE = {"bfloat16": 2}
_MAX_DIMS = 64
# what zipfile raises on a damaged archive (its own types and the ones it lets through)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
               NotImplementedError, RuntimeError, struct.error, KeyError, IndexError, OverflowError)


class _Storage:
    """One storage of the archive: its elements as a flat, writable array."""

    __slots__ = ("array", "key", "kind")

    def __init__(self, array: np.ndarray, key: str, kind: str) -> None:
        self.array, self.key, self.kind = array, key, kind


# -- the handlers REDUCE runs instead of the names in the file ------------------------------
def _ints(interp, value, what: str) -> tuple:
    if type(value) is not tuple or len(value) > _MAX_DIMS or any(type(v) is not int for v in value):
        raise interp.refuse(f"a tensor's {what} is not a tuple of at most {_MAX_DIMS} ints")
    return value


def _no_hooks(interp, hooks) -> None:
    if hooks is not None and (type(hooks) not in (dict, OrderedDict) or hooks):
        raise interp.refuse("a tensor carries backward hooks")


def _rebuild_tensor(interp, storage, offset, size, stride, requires_grad=False, hooks=None,
                    metadata=None) -> Tensor:
    if type(storage) is not _Storage:
        raise interp.refuse("a tensor's storage is not a storage of the archive")
    size, stride = _ints(interp, size, "size"), _ints(interp, stride, "stride")
    if type(offset) is not int or type(requires_grad) is not bool:
        raise interp.refuse("a tensor's offset or requires_grad has the wrong type")
    _no_hooks(interp, hooks)
    if metadata is not None and (type(metadata) is not dict or metadata):
        raise interp.refuse("a tensor carries metadata glasstorch does not know")
    if requires_grad and storage.array.dtype.kind != "f":
        raise interp.refuse(f"an integer tensor (data/{storage.key}) requires grad")
    arr = storage.array
    n = arr.shape[0]
    # every element the view can reach must lie inside the storage
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise interp.refuse(f"tensor size {size} / stride {stride} / offset {offset} is invalid")
    if 0 in size:
        if offset > n:
            raise interp.refuse(f"tensor offset {offset} is past its storage of {n} elements")
        view = np.empty(size, arr.dtype)
    else:
        last = offset + sum((s - 1) * st for s, st in zip(size, stride))
        if last >= n:
            raise interp.refuse(f"tensor of size {size}, stride {stride} and offset {offset} reads "
                                f"element {last} of a storage of {n} (data/{storage.key})")
        view = np.lib.stride_tricks.as_strided(arr[offset:], shape=size,
                                               strides=tuple(st * arr.itemsize for st in stride))
    t = Tensor._make(backend.from_numpy(view), False, None, 0)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(interp, data, requires_grad, hooks, state=None):
    from ..nn.parameter import Parameter

    if type(data) is not Tensor or type(requires_grad) is not bool:
        raise interp.refuse("a parameter is not built from a tensor")
    _no_hooks(interp, hooks)
    if state is not None and (type(state) not in (dict, OrderedDict) or state):
        raise interp.refuse("a parameter carries Python attributes")
    if requires_grad and not data.is_floating_point():
        raise interp.refuse(f"a parameter of dtype {data.dtype} requires grad")
    p = Parameter(Tensor._make(data._data, False, None, 0), requires_grad=False)
    if requires_grad:
        p.requires_grad_(True)
    return p


def _ordered_dict(interp, *args):
    # (file values are compared only after their types are known: a tensor's == is elementwise)
    if args and (len(args) > 1 or type(args[0]) is not list or args[0]):
        raise interp.refuse("OrderedDict built from anything but nothing")
    return OrderedDict()


def _size(interp, dims):
    if type(dims) not in (tuple, list) or any(type(v) is not int for v in dims):
        raise interp.refuse("torch.Size of non-integers")
    return Size(dims)


def _set(interp, items=()):
    if type(items) not in (list, tuple):
        raise interp.refuse("a set built from a non-list")
    return set(items)


def _frozenset(interp, items=()):
    return frozenset(_set(interp, items))


def _encode(interp, text, encoding):
    # protocol 2 writes bytes as _codecs.encode(text, "latin1")
    if type(text) is not str or type(encoding) is not str or encoding != "latin1":
        raise interp.refuse("_codecs.encode used for anything but bytes")
    return text.encode("latin1")


def _device(interp, kind, index=None):
    from ..backend import device

    if type(kind) is not str or (index is not None and type(index) is not int):
        raise interp.refuse("torch.device of non-strings")
    try:
        return device(kind, index)
    except RuntimeError as e:
        raise interp.refuse(str(e)) from None


def _build_globals() -> dict:
    g: dict[tuple[str, str], Global] = {}
    for name, fn in (("_rebuild_tensor_v2", _rebuild_tensor), ("_rebuild_tensor", _rebuild_tensor),
                     ("_rebuild_parameter", _rebuild_parameter),
                     ("_rebuild_parameter_with_state", _rebuild_parameter)):
        g["torch._utils", name] = Global("torch._utils." + name, fn)
    g["collections", "OrderedDict"] = Global("collections.OrderedDict", _ordered_dict)
    g["torch", "Size"] = Global("torch.Size", _size)
    g["torch", "device"] = Global("torch.device", _device)
    g["_codecs", "encode"] = Global("_codecs.encode", _encode)
    for mod in ("builtins", "__builtin__"):
        g[mod, "set"] = Global("builtins.set", _set)
        g[mod, "frozenset"] = Global("builtins.frozenset", _frozenset)
    for cls, np_name in STORAGE_TYPES.items():
        g["torch", cls] = Global("torch." + cls, value=np_name)
    for d in _dt._ALL:
        g["torch", d.name] = Global("torch." + d.name, value=d, plain=True)
    g["torch", "bfloat16"] = Global("torch.bfloat16", value=_dt.float32, plain=True)
    return g


_GLOBALS = _build_globals()


# -- the archive ------------------------------------------------------------------
class _Archive:
    def __init__(self, data: bytes, where: str) -> None:
        self.where = where
        self.size = len(data)
        self.storages: dict[str, _Storage] = {}
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except _ZIP_ERRORS as e:
            raise self.bad(f"not a readable zip archive ({e})") from None
        if any(i.filename.count("/") == 1 and i.filename.endswith("/constants.pkl") for i in infos):
            raise self.bad("it is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; "
                           "save the model's state_dict() with torch.save instead")
        for info in infos:
            # torch stores entries uncompressed; a compressed entry could be a zip bomb
            if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                raise self.bad(f"entry {info.filename!r} is compressed (torch checkpoints never are)")
            if info.flag_bits & 0x1:
                raise self.bad(f"entry {info.filename!r} is encrypted")
            if info.file_size > self.size:
                raise self.bad(f"entry {info.filename!r} claims {info.file_size} bytes in a "
                               f"{self.size}-byte file")
        self.entries = {i.filename: i for i in infos}
        tops = [n[:-len("/data.pkl")] for n in self.entries
                if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(tops) != 1:
            raise self.bad("it has no single <name>/data.pkl (not a torch checkpoint)")
        self.prefix = tops[0] + "/"
        order = self.read_small("byteorder", b"little")
        if order not in (b"little", b"big"):
            raise self.bad(f"unknown byteorder {order[:16]!r}")
        self.byteorder = "<" if order == b"little" else ">"

    def bad(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.where}: refused to load: {what}")

    def read(self, name: str) -> bytes:
        info = self.entries.get(self.prefix + name)
        if info is None:
            raise self.bad(f"the archive has no entry {self.prefix + name!r}")
        try:
            return self.zip.read(info)
        except _ZIP_ERRORS as e:
            raise self.bad(f"entry {info.filename!r} is corrupted ({e})") from None

    def read_small(self, name: str, default: bytes) -> bytes:
        return self.read(name).strip() if self.prefix + name in self.entries else default

    def storage(self, interp: Interpreter, pid) -> _Storage:
        if (type(pid) is not tuple or len(pid) != 5 or type(pid[0]) is not str or pid[0] != "storage"
                or type(pid[1]) is not Global
                or pid[1].name[len("torch."):] not in STORAGE_TYPES or type(pid[2]) is not str
                or type(pid[3]) is not str or type(pid[4]) is not int):
            raise interp.refuse(f"persistent id {pid!r:.80} is not a storage reference")
        _, kind, key, _location, numel = pid
        np_name = kind.value
        itemsize = _ITEMSIZE.get(np_name) or np.dtype(np_name).itemsize
        st = self.storages.get(key)
        if st is not None:
            if st.kind != np_name or st.array.shape[0] != numel:
                raise interp.refuse(f"storage data/{key} is named with two different types or sizes")
            return st
        info = self.entries.get(self.prefix + "data/" + key)
        if info is None:
            raise interp.refuse(f"storage data/{key!r:.40} is missing from the archive")
        if numel < 0 or info.file_size != numel * itemsize:
            raise interp.refuse(f"storage data/{key} claims {numel} elements of {itemsize} bytes but "
                                f"holds {info.file_size} bytes")
        raw = self.read("data/" + key)
        if np_name == "bfloat16":
            bits = np.frombuffer(raw, self.byteorder + "u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, np.dtype(np_name).newbyteorder(self.byteorder)).astype(np_name)
        st = self.storages[key] = _Storage(arr, key, np_name)
        return st


def read_torch_zip(data: bytes, where: str) -> Any:
    """The object a torch zip checkpoint holds, its tensors as glasstorch tensors."""
    archive = _Archive(data, where)
    pkl = archive.read("data.pkl")
    interp = Interpreter(pkl, where, _GLOBALS, lambda pid: archive.storage(interp, pid))
    try:
        obj = interp.run()
    except CheckpointError:
        raise
    except (TypeError, ValueError, OverflowError, RecursionError, MemoryError, RuntimeError, AttributeError,
            KeyError, IndexError) as e:
        # e.g. an unhashable dict key, a tensor's elementwise == on a dict key collision,
        # or a view NumPy can't make: the file's doing, reported as the one error type
        raise interp.refuse(f"malformed pickle ({type(e).__name__}: {e})") from None
    if isinstance(obj, Global):
        raise interp.refuse(f"the file holds the bare name {obj.name}")
    return obj
