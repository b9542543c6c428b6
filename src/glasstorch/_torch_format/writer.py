"""Write checkpoints in torch's zip format, which ``torch.load(f, weights_only=True)`` opens.

The object is pickled (protocol 2) by a small writer of our own that emits only
the opcodes a checkpoint of tensors needs: containers, numbers, strings, and
torch's tensor/parameter rebuild calls over storages referenced by persistent
id. Tensors that are NumPy views of one base array share one storage, as
torch's views do. Each storage is a zip entry ``archive/data/<key>``, aligned
to 64 bytes as torch writes them. Storages are host arrays: a tensor's data is
read through ``backend.to_numpy`` (no copy on a NumPy device, so views still
share their storage there).
"""

# host module: writes host copies of tensor data
from __future__ import annotations

import io
import struct
import sys
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import backend
from .. import dtypes as _dt
from ..backend import device
from ..tensor import Size, Tensor

__all__ = ["write_torch_zip"]

_ALIGN = 64
_BATCH = 1000  # items per APPENDS/SETITEMS, as pickle does


def _contiguous_strides(shape: tuple) -> tuple:
    strides, n = [], 1
    for s in reversed(shape):
        strides.append(n)
        n *= max(s, 1)
    return tuple(reversed(strides))


class _Pickler:
    def __init__(self) -> None:
        self.out = bytearray(b"\x80\x02")  # PROTO 2, what torch.save writes
        self.storages: list[np.ndarray] = []
        self.storage_of: dict[int, int] = {}  # id(base array) -> key
        self.active: set[int] = set()

    # -- primitives ---------------------------------------------------------------------
    def op(self, code: bytes, payload: bytes = b"") -> None:
        self.out += code + payload

    def global_(self, module: str, name: str) -> None:
        self.op(b"c", f"{module}\n{name}\n".encode("ascii"))

    def int_(self, v: int) -> None:
        if 0 <= v < 256:
            self.op(b"K", struct.pack("<B", v))
        elif 0 <= v < 65536:
            self.op(b"M", struct.pack("<H", v))
        elif -2**31 <= v < 2**31:
            self.op(b"J", struct.pack("<i", v))
        else:
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            self.op(b"\x8a", struct.pack("<B", len(raw)) + raw)

    def str_(self, s: str) -> None:
        raw = s.encode("utf-8", "surrogatepass")
        self.op(b"X", struct.pack("<I", len(raw)) + raw)

    def tuple_(self, items) -> None:
        items = list(items)
        if not items:
            self.op(b")")
            return
        if len(items) > 3:
            self.op(b"(")
        for v in items:
            self.dump(v)
        self.op({1: b"\x85", 2: b"\x86", 3: b"\x87"}.get(len(items), b"t"))

    def call(self, module: str, name: str, args: tuple) -> None:
        self.global_(module, name)
        self.tuple_(args)
        self.op(b"R")

    def items(self, pairs: list) -> None:
        for i in range(0, len(pairs), _BATCH):
            self.op(b"(")
            for k, v in pairs[i:i + _BATCH]:
                self.dump(k)
                self.dump(v)
            self.op(b"u")

    # -- tensors ----------------------------------------------------------------------
    def storage(self, arr: np.ndarray) -> tuple[int, int, tuple]:
        """(key, element offset, element strides) of ``arr`` inside a storage: its
        base array's when ``arr`` is a plain view of one, else a copy of its own."""
        base = arr
        while isinstance(base.base, np.ndarray):
            base = base.base
        size = arr.itemsize
        if base is not arr and base.dtype == arr.dtype and base.flags.c_contiguous and arr.size:
            start = arr.__array_interface__["data"][0] - base.__array_interface__["data"][0]
            if start % size == 0 and all(s >= 0 and s % size == 0 for s in arr.strides):
                offset, strides = start // size, tuple(s // size for s in arr.strides)
                last = offset + sum((n - 1) * s for n, s in zip(arr.shape, strides))
                if offset >= 0 and last < base.size:
                    return self.key(base), offset, strides
        if arr.flags.c_contiguous:
            return self.key(arr), 0, _contiguous_strides(arr.shape)
        return self.key(np.ascontiguousarray(arr)), 0, _contiguous_strides(arr.shape)

    def key(self, base: np.ndarray) -> int:
        k = self.storage_of.get(id(base))
        if k is None:
            k = self.storage_of[id(base)] = len(self.storages)
            self.storages.append(base)
        return k

    def tensor(self, t: Tensor) -> None:
        arr = backend.to_numpy(t._data)
        kind = _dt.STORAGE_TYPE_NAMES.get(arr.dtype.name)
        if kind is None:
            raise TypeError(f"glasstorch.save can't store a tensor of dtype {arr.dtype} in torch's format")
        param_mod = sys.modules.get("glasstorch.nn.parameter")
        is_param = param_mod is not None and isinstance(t, param_mod.Parameter)
        if is_param:
            self.global_("torch._utils", "_rebuild_parameter")
            self.op(b"(")
        key, offset, strides = self.storage(arr)
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(")
        self.op(b"(")  # the persistent id: ('storage', type, key, location, numel)
        self.str_("storage")
        self.global_("torch", kind)
        self.str_(str(key))
        self.str_("cpu")
        self.int_(int(self.storages[key].size))
        self.op(b"t")
        self.op(b"Q")
        self.int_(offset)
        self.tuple_(int(s) for s in arr.shape)
        self.tuple_(strides)
        self.dump(bool(t.requires_grad) and not is_param)
        self.call("collections", "OrderedDict", ())
        self.op(b"t")
        self.op(b"R")
        if is_param:
            self.dump(bool(t.requires_grad))
            self.call("collections", "OrderedDict", ())
            self.op(b"t")
            self.op(b"R")

    # -- everything ---------------------------------------------------------------------
    def dump(self, obj: Any) -> None:
        if obj is None:
            self.op(b"N")
        elif obj is True or obj is False:
            self.op(b"\x88" if obj else b"\x89")
        elif isinstance(obj, Tensor):
            self.tensor(obj)
        elif isinstance(obj, int):
            self.int_(int(obj))
        elif isinstance(obj, float):
            self.op(b"G", struct.pack(">d", obj))
        elif isinstance(obj, str):
            self.str_(obj)
        elif isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            self.dump(obj.item())
        elif isinstance(obj, _dt.dtype):
            self.global_("torch", obj.name)
        elif isinstance(obj, device):
            self.call("torch", "device", (str(obj),))
        elif isinstance(obj, (bytes, bytearray)):
            # protocol 2 has no bytes opcode: pickle itself writes this call
            self.call("_codecs", "encode", (bytes(obj).decode("latin1"), "latin1"))
        else:
            self.container(obj)

    def container(self, obj: Any) -> None:
        if id(obj) in self.active:
            raise ValueError("glasstorch.save can't store a container that contains itself")
        self.active.add(id(obj))
        try:
            if isinstance(obj, Size):
                self.call("torch", "Size", (tuple(int(v) for v in obj),))
            elif type(obj) is tuple:
                self.tuple_(obj)
            elif type(obj) is list:
                self.op(b"]")
                for i in range(0, len(obj), _BATCH):
                    self.op(b"(")
                    for v in obj[i:i + _BATCH]:
                        self.dump(v)
                    self.op(b"e")
            elif type(obj) is dict:
                self.op(b"}")
                self.items(list(obj.items()))
            elif type(obj) is OrderedDict:
                self.call("collections", "OrderedDict", ())
                self.items(list(obj.items()))
            elif type(obj) in (set, frozenset):
                self.call("builtins", type(obj).__name__, ([*obj],))
            else:
                raise TypeError(f"glasstorch.save can't store an object of type {type(obj).__module__}."
                                f"{type(obj).__qualname__} in torch's format: it stores tensors, numbers, "
                                "strings, bytes, None, dtypes and dicts/lists/tuples/sets of them")
        finally:
            self.active.discard(id(obj))


def _aligned(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add a stored entry whose data starts on a 64-byte boundary (torch's layout):
    the local header's extra field is padded to get there."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = zf.fp.tell() + 30 + len(name.encode("utf-8")) + 4
    pad = -start % _ALIGN
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # "FB", torch's padding tag
    zf.writestr(info, data)


def write_torch_zip(obj: Any) -> bytes:
    """``obj`` as the bytes of a torch zip checkpoint."""
    p = _Pickler()
    p.dump(obj)
    p.op(b".")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        _aligned(zf, "archive/data.pkl", bytes(p.out))
        _aligned(zf, "archive/.format_version", b"1")
        _aligned(zf, "archive/.storage_alignment", str(_ALIGN).encode())
        _aligned(zf, "archive/byteorder", b"little")
        for key, arr in enumerate(p.storages):
            flat = arr.reshape(-1)
            if flat.dtype.byteorder == ">":
                flat = flat.astype(flat.dtype.newbyteorder("<"))
            _aligned(zf, f"archive/data/{key}", flat.tobytes())
        _aligned(zf, "archive/version", b"3\n")
    return buf.getvalue()


