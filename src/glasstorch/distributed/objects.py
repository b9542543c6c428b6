"""Collectives on plain Python objects, sent as data, never as pickles.

torch pickles these objects, so a rank runs whatever code another rank's bytes
name. Here an object travels as tagged JSON: None, bools, numbers, strings,
bytes, lists, tuples, dicts, NumPy arrays and Tensors (values, dtype and
shape). Anything else raises ``TypeError`` on the sending rank.

The bytes are host arrays: a tensor is read with ``backend.to_numpy`` and
rebuilt with ``backend.from_numpy``.
"""

# host module: JSON bytes and MPI buffers on the host

from __future__ import annotations

import base64
import json

import numpy as np

from .. import backend
from ..tensor import Tensor
from .process_group import _resolve, _wait

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list"]


def _encode(obj):
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)):  # float nan/inf pass through json's own extension
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        return {"t": type(obj).__name__, "v": [_encode(x) for x in obj]}
    if isinstance(obj, dict):
        return {"t": "dict", "v": [[_encode(k), _encode(v)] for k, v in obj.items()]}
    if isinstance(obj, bytes):
        return {"t": "bytes", "v": base64.b64encode(obj).decode()}
    if isinstance(obj, (np.ndarray, Tensor)):
        arr = np.ascontiguousarray(backend.to_numpy(obj._data) if isinstance(obj, Tensor) else obj)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot send an array of dtype {arr.dtype} between ranks")
        return {"t": "tensor" if isinstance(obj, Tensor) else "ndarray", "dtype": arr.dtype.str,
                "shape": list(arr.shape), "v": base64.b64encode(arr.tobytes()).decode()}
    raise TypeError(f"cannot send an object of type {type(obj).__name__} between ranks: glasstorch sends "
                    "None, bools, numbers, strings, bytes, lists, tuples, dicts, arrays and Tensors")


def _decode(obj):
    if not isinstance(obj, dict):
        return obj
    kind, value = obj["t"], obj["v"]
    if kind == "list":
        return [_decode(x) for x in value]
    if kind == "tuple":
        return tuple(_decode(x) for x in value)
    if kind == "dict":
        return {_key(_decode(k)): _decode(v) for k, v in value}
    if kind == "bytes":
        return base64.b64decode(value)
    if kind in ("tensor", "ndarray"):
        arr = np.frombuffer(base64.b64decode(value), dtype=np.dtype(obj["dtype"])).reshape(obj["shape"]).copy()
        return Tensor._make(backend.from_numpy(arr), False, None, 0) if kind == "tensor" else arr
    raise ValueError(f"unknown object tag {kind!r} received from another rank")


def _key(k):
    return tuple(k) if isinstance(k, list) else k


def _to_bytes(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(_encode(obj)).encode(), dtype=np.uint8)


def _from_bytes(buf: np.ndarray):
    return _decode(json.loads(buf.tobytes().decode()))


def _gather_bytes(pg, payload: np.ndarray, root: int | None):
    """Every rank's bytes to every rank (``root=None``) or to ``root``: lengths first, then the bytes."""
    n = pg.size()
    sizes = np.empty(n, dtype=np.int64)
    _wait(pg.comm.Iallgather(np.array([payload.size], dtype=np.int64), sizes), pg, "object collective")
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    spec = [out, (sizes, offsets)]
    if root is None:
        _wait(pg.comm.Iallgatherv(payload, spec), pg, "all_gather_object")
    else:
        _wait(pg.comm.Igatherv(payload, spec, root=root), pg, "gather_object")
    return [out[o:o + s] for o, s in zip(offsets, sizes)]


def broadcast_object_list(object_list: list, src: int = 0, group=None, device=None, group_src=None) -> None:
    """Replace ``object_list``'s items on every rank with rank ``src``'s."""
    pg = _resolve(group)
    root = group_src if group_src is not None else pg.ranks.index(src)
    payload = _to_bytes(list(object_list)) if pg.rank() == root else np.empty(0, dtype=np.uint8)
    size = np.array([payload.size], dtype=np.int64)
    _wait(pg.comm.Ibcast(size, root=root), pg, "broadcast_object_list")
    buf = payload if pg.rank() == root else np.empty(int(size[0]), dtype=np.uint8)
    _wait(pg.comm.Ibcast(buf, root=root), pg, "broadcast_object_list")
    if pg.rank() != root:
        received = _from_bytes(buf)
        if len(received) != len(object_list):
            raise RuntimeError(f"broadcast_object_list: rank {src} sent {len(received)} objects, this rank's "
                               f"list has {len(object_list)} places")
        object_list[:] = received


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Fill ``object_list`` (one place per rank) with every rank's ``obj``."""
    pg = _resolve(group)
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list must have {pg.size()} places, has {len(object_list)}")
    for i, part in enumerate(_gather_bytes(pg, _to_bytes(obj), None)):
        object_list[i] = _from_bytes(part)


def gather_object(obj, object_gather_list: list | None = None, dst: int = 0, group=None) -> None:
    """Every rank's ``obj`` into ``object_gather_list`` on rank ``dst``."""
    pg = _resolve(group)
    root = pg.ranks.index(dst)
    parts = _gather_bytes(pg, _to_bytes(obj), root)
    if pg.rank() == root:
        if object_gather_list is None or len(object_gather_list) != pg.size():
            raise ValueError(f"gather_object: the destination rank needs a list of {pg.size()} places")
        for i, part in enumerate(parts):
            object_gather_list[i] = _from_bytes(part)


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list: list | None = None,
                        src: int = 0, group=None) -> None:
    """Rank i gets rank ``src``'s ``scatter_object_input_list[i]`` in ``scatter_object_output_list[0]``."""
    pg = _resolve(group)
    holder = [scatter_object_input_list if pg.rank() == pg.ranks.index(src) else None]
    broadcast_object_list(holder, src=src, group=group)
    scatter_object_output_list[0] = holder[0][pg.rank()]
