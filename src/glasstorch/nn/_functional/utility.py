"""Small helpers of ``nn.functional``: ``one_hot`` and ``normalize``."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...backend import array_module
from ...dtypes import SCALAR_TYPE_NAMES
from ...ops._util import wrap_dim, write_out
from ...tensor import Tensor
from .distance import _norm

__all__ = ["one_hot", "normalize"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor with a trailing dim of size ``num_classes``: 1 at each index, 0 elsewhere."""
    if tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    if num_classes <= 0 and idx.size == 0:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size:
        if idx.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if idx.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (idx[..., None] == array_module(idx).arange(num_classes)).astype(np.int64)
    return Tensor._make(out, False, None, 0)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    if input.ndim and (input.dtype.name == "float16" or not input._data.size):
        # float16 accumulates in float32, as torch's kernel; an empty input only needs its reduced dim non-empty
        d = wrap_dim(dim, input.ndim)
        if not input.is_floating_point():
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                               f"{SCALAR_TYPE_NAMES[input.dtype.name]}")
        if input.shape[d] == 0 and (p < 0 or p == float("inf")):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {d}because this "
                               "dimension is empty and the operation does not have an identity")
        norm = _norm(input, p, d, True)
    else:
        norm = ops.norm(input, p, dim, keepdim=True)
    result = input / ops.clamp_min(norm, eps).expand_as(input)
    return result if out is None else write_out("normalize", out, result, (input,))
