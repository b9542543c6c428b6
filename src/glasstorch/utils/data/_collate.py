"""default_collate: turn a list of samples into one batch.

Tensors are stacked with their own array module; NumPy arrays and Python
numbers are host data, batched on the host and moved by ``backend.from_numpy``.
"""

from __future__ import annotations

import collections.abc
import numbers

import numpy as np

from ... import backend
from ...backend import array_module
from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def default_collate(batch):
    """Stack tensors/arrays/numbers into tensors; keep the structure of tuples, lists and dicts.

    Strings stay a list of strings. Numbers become a float64 tensor (floats)
    or int64 tensor (ints), as in torch.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(t.shape) for t in batch}
        if len(shapes) > 1:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(batch[0].shape)} at entry 0 "
                f"and {next(list(t.shape) for t in batch if tuple(t.shape) != tuple(batch[0].shape))} at entry "
                f"{next(i for i, t in enumerate(batch) if tuple(t.shape) != tuple(batch[0].shape))}"
            )
        return Tensor._make(array_module(elem._data).stack([t._data for t in batch]), False, None, 0)
    if isinstance(elem, np.ndarray) and elem.dtype.kind not in "SaUO":
        return _host_tensor(np.stack(batch))  # host
    if isinstance(elem, np.generic) and elem.dtype.kind not in "SaUO":
        return _host_tensor(np.asarray(batch))  # host
    if isinstance(elem, bool):
        return _host_tensor(np.asarray(batch, dtype=np.bool_))  # host
    if isinstance(elem, float):
        return _host_tensor(np.asarray(batch, dtype=np.float64))  # host
    if isinstance(elem, int):
        return _host_tensor(np.asarray(batch, dtype=np.int64))  # host
    if isinstance(elem, numbers.Number):
        return _host_tensor(np.asarray(batch))  # host
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem}) \
            if not isinstance(elem, dict) or type(elem) is dict or _can_build(elem) \
            else {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem)}"
    )


def _host_tensor(arr: np.ndarray) -> Tensor:
    """A tensor holding the host array ``arr`` (moved to the device's array module)."""
    return Tensor._make(backend.from_numpy(arr), False, None, 0)


def _can_build(elem) -> bool:
    try:
        type(elem)()
        return True
    except TypeError:
        return False


def default_convert(data):
    """Turn NumPy arrays into tensors inside a sample, leaving the structure alone."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "SaUO":
        return _host_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data
