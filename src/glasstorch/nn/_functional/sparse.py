"""Embedding lookups: ``embedding`` (one row per index) and ``embedding_bag``
(rows of each bag summed, averaged or maxed)."""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function
from ...autograd.grad_mode import no_grad
from ...backend import array_module
from ...kernels import sum_rows_into
from ...ops.indexing import scatter_zeros
from ...tensor import Tensor, _type_name

__all__ = ["embedding", "embedding_bag"]


def _index_array(input, fn: str) -> np.ndarray:
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)  # host: Python indices
    if idx.dtype.kind not in "iu" or idx.dtype.itemsize < 4:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {_type_name(idx.dtype)} instead (while checking arguments for {fn})")
    return idx


def _check_range(idx: np.ndarray, n: int) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")


class Embedding(Function):
    """Rows of ``weight`` picked by integer indices."""

    array_io = True

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.save_for_backward(idx)
        ctx.rows = weight.shape[0]
        ctx.padding_idx, ctx.freq = padding_idx, scale_grad_by_freq
        return weight[idx]

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        return _EmbeddingGrad.apply(grad, idx, ctx.rows, ctx.padding_idx, ctx.freq), None, None, None


def _grad_scale(idx: np.ndarray, rows: int, padding_idx, freq: bool, dtype):
    """Per-lookup weight of the gradient: 0 for the padding row, 1 / count with ``freq``."""
    xp = array_module(idx)
    flat = idx.reshape(-1)
    scale = None
    if freq:
        scale = (1.0 / xp.bincount(flat, minlength=rows)[flat]).astype(dtype)
    if padding_idx is not None:
        if scale is None:
            scale = xp.ones(flat.shape, dtype)
        scale[flat == padding_idx] = 0
    return scale


class _EmbeddingGrad(Function):
    """The gradient of a lookup: each output row added back into its weight row.
    Its own gradient is the lookup again (double backward)."""

    array_io = True
    node_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, grad, idx, rows, padding_idx, freq):
        ctx.save_for_backward(idx)
        ctx.padding_idx, ctx.freq = padding_idx, freq
        xp = array_module(grad)
        flat = idx.reshape(-1)
        g = grad.reshape(flat.size, grad.shape[-1])
        scale = _grad_scale(idx, rows, padding_idx, freq, grad.dtype)
        if scale is not None:
            g = g * scale[:, None]
        out = xp.zeros((rows, g.shape[1]), grad.dtype)
        sum_rows_into(out, flat, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        (idx,) = ctx.saved_tensors
        a = idx._data
        out = gg[idx]
        scale = _grad_scale(a, gg.shape[0], ctx.padding_idx, ctx.freq, gg._data.dtype)
        if scale is not None:
            out = out * Tensor._make(scale.reshape(a.shape + (1,)), False, None, 0)
        return out, None, None, None, None


def _renorm_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the looked-up rows whose norm exceeds ``max_norm``."""
    xp = array_module(idx)
    rows = xp.unique(idx)
    w = weight._data
    sub = w[rows]
    if norm_type == float("inf"):
        norms = xp.abs(sub).max(axis=1)
    elif norm_type == 0:
        norms = (sub != 0).sum(axis=1).astype(w.dtype)
    else:
        norms = (xp.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sub[big] * scale[:, None]
        weight._version[0] += 1


def _padding(padding_idx, rows: int):
    """``padding_idx`` as a row number in [0, rows) (a negative one counts from the end), or None."""
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < rows, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -rows, "Padding_idx must be within num_embeddings"
        padding_idx = rows + padding_idx
    return padding_idx


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` at the integer ``input``: output shape ``input.shape + (dim,)``.

    The ``padding_idx`` row receives no gradient; with ``max_norm`` the
    looked-up rows are first renormalised in place; ``scale_grad_by_freq``
    divides each row's gradient by its count in ``input``.
    """
    rows = weight.shape[0] if weight.ndim else 0
    padding_idx = _padding(padding_idx, rows)  # torch's Python check comes first
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = _index_array(input, "embedding")
    if max_norm is not None and idx.size:  # torch renormalises the picked rows first, selecting each of them
        bad = idx[(idx < -rows) | (idx >= rows)]
        if bad.size:
            raise IndexError(f"select(): index {int(bad.reshape(-1)[0])} out of range for tensor of size "
                             f"{list(weight.shape)} at dimension 0")
    if weight._data.size == 0 and idx.size:  # torch takes another path for an empty weight, with its own errors
        if rows == 0:
            raise RuntimeError("index_select(): self indexing axis dim should be positive")
        bad = idx[(idx < 0) | (idx >= rows)]
        if bad.size:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad[0])} axis_dim={rows}")
    _check_range(idx, rows)
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx.astype(np.int64, copy=False), padding_idx, scale_grad_by_freq)


class _BagMax(Function):
    """Per bag and feature, the largest of the bag's rows (zeros for an empty bag)."""

    array_io = True
    node_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, rows, bag, nbags):
        xp = array_module(rows)
        n, d = rows.shape
        out = xp.full((nbags, d), -np.inf, rows.dtype)
        xp.maximum.at(out, bag, rows)
        # first row attaining the maximum, as the index whose gradient it receives
        pos = xp.where(rows == out[bag], xp.arange(n)[:, None], n)
        first = xp.full((nbags, d), n, np.int64)
        xp.minimum.at(first, bag, pos)
        empty = first == n
        out[empty] = 0
        first[empty] = 0
        ctx.shape = rows.shape
        ctx.first, ctx.keep = first, (~empty).astype(rows.dtype)
        return out

    @staticmethod
    def backward(ctx, grad):
        g = grad * Tensor._make(ctx.keep, False, None, 0)
        first = Tensor._make(ctx.first, False, None, 0)
        return scatter_zeros(g, ctx.shape, 0, first, True), None, None


class _BagSum(Function):
    """Sum of the rows of each bag; the gradient of a row is its bag's gradient."""

    array_io = True
    node_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, rows, bag, nbags):
        xp = array_module(rows)
        out = xp.zeros((nbags, rows.shape[1]), rows.dtype)
        sum_rows_into(out, bag, rows)
        ctx.bag = bag
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[Tensor._make(ctx.bag, False, None, 0)], None, None


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Sum, mean or max of the embedding rows of each bag.

    ``input`` is 2-D (each row a bag of fixed length) or 1-D with
    ``offsets`` marking where each bag starts. Entries equal to
    ``padding_idx`` are left out of their bag. ``scale_grad_by_freq``
    divides each row's gradient by the number of times its index occurs in
    ``input``, as ``embedding`` does.
    """
    if weight._data.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight._data.ndim}")
    idx = _index_array(input, "embedding_bag")
    xp = array_module(weight._data)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed "
                f"length sequences. However, found offsets of type {type(offsets)}")
        nbags, length = idx.shape
        starts = xp.arange(0, nbags * length, length, dtype=np.int64)
        idx = idx.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        starts = (offsets._data if isinstance(offsets, Tensor) else xp.asarray(offsets)).astype(np.int64)
        if starts.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        if starts.size and starts[0] != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                f"position 0. However, got {starts[0]}")
        if include_last_offset:
            if starts.size and starts[-1] > idx.size:
                raise RuntimeError(
                    f"offsets[-1] can not be greater than input's length ({idx.size}), but got {starts[-1]}")
            starts = starts[:-1]
        nbags = starts.size
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub.")
    rows_n = weight._data.shape[0]
    padding_idx = _padding(padding_idx, rows_n)
    _check_range(idx, rows_n)
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    bag = xp.searchsorted(starts, xp.arange(idx.size), side="right") - 1
    keep = xp.ones(idx.size, bool) if padding_idx is None else idx != padding_idx
    idx_k, bag_k = idx[keep].astype(np.int64), bag[keep]
    rows = Embedding.apply(weight, idx_k, None, scale_grad_by_freq)
    if mode == "max":
        return _BagMax.apply(rows, bag_k, nbags)
    if per_sample_weights is not None:
        w = per_sample_weights[Tensor._make(xp.flatnonzero(keep), False, None, 0)]
        rows = rows * w.unsqueeze(1)
    out = _BagSum.apply(rows, bag_k, nbags)
    if mode == "mean":
        counts = xp.bincount(bag_k, minlength=nbags).astype(weight._data.dtype)
        out = out / Tensor._make(xp.maximum(counts, 1)[:, None], False, None, 0)
    return out
