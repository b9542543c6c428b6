"""Batches of variable-length sequences: padding and packing (``torch.nn.utils.rnn``).

Every function here moves rows with one gather or one scatter over
precomputed indices, so it is differentiable and has no loop over the batch.
Lengths and batch sizes are bookkeeping: they are read on the host (as torch
keeps them on the CPU) and the row indices made from them move to the data's device.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ... import ops
from ...autograd.function import Function
from ...backend import array_module, from_numpy, to_numpy
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]


class PackedSequence(NamedTuple):
    """A packed batch: ``data`` holds the steps of all sequences time-major, and
    ``batch_sizes[t]`` is how many sequences are still running at step ``t``."""

    data: Tensor
    batch_sizes: Tensor | None = None
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> PackedSequence:
        return self._replace(data=self.data.to(*args, **kwargs))

    def double(self) -> PackedSequence:
        return self._replace(data=self.data.double())

    def float(self) -> PackedSequence:
        return self._replace(data=self.data.float())

    @property
    def is_cuda(self) -> bool:
        return False


class _ScatterRows(Function):
    """Rows of ``src`` (N, *) written at row positions ``index`` of a new
    (n_rows, *) array filled with ``value``; backward gathers them back."""

    array_io = True
    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, src, index, n_rows, value):
        xp = array_module(src)
        index = xp.asarray(index)  # made on the host
        out = xp.full((n_rows,) + src.shape[1:], value, src.dtype)
        out[index] = src
        ctx.index = index
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[Tensor._make(ctx.index, False, None, 0)], None, None, None


def _scatter_rows(src: Tensor, index: np.ndarray, n_rows: int, value: float) -> Tensor:
    return _ScatterRows.apply(src, index, n_rows, value)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation``."""
    if permutation is None:
        return None
    p = permutation._data
    xp = array_module(p)
    inv = xp.empty_like(p)
    inv[p] = xp.arange(p.shape[0], dtype=p.dtype)
    return Tensor._make(inv, False, None, 0)


def _lengths_array(lengths) -> np.ndarray:  # host: lengths
    if isinstance(lengths, Tensor):
        return to_numpy(lengths._data).astype(np.int64).reshape(-1)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *)) of sequences with the given lengths."""
    lens = _lengths_array(lengths)
    if enforce_sorted:
        if np.any(lens[:-1] < lens[1:]):  # host: lengths
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                "requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")  # host: lengths
        sorted_indices = Tensor._make(array_module(input._data).asarray(order.astype(np.int64)), False, None, 0)
        lens = lens[order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = int(lens[0]), input.shape[1]
    active = np.arange(steps)[:, None] < lens[None, :]  # host: layout from lengths; (T, B), time-major
    batch_sizes = active.sum(1).astype(np.int64)
    rows = np.flatnonzero(active)  # host: layout
    flat = input[:steps].reshape((steps * batch,) + tuple(input.shape[2:]))
    xp = array_module(input._data)
    data = flat[Tensor._make(xp.asarray(rows), False, None, 0)]
    return PackedSequence(data, Tensor._make(xp.asarray(batch_sizes), False, None, 0), sorted_indices,
                          invert_permutation(sorted_indices))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """Undo :func:`pack_padded_sequence`: returns ``(padded, lengths)``."""
    sizes = to_numpy(sequence.batch_sizes._data).astype(np.int64)
    steps, batch = sizes.shape[0], int(sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {steps}")
        steps_out = total_length
    else:
        steps_out = steps
    active = np.arange(batch)[None, :] < sizes[:, None]  # host: layout from batch sizes; (T, B)
    rows = np.flatnonzero(active)  # host: layout
    data = sequence.data
    padded = _scatter_rows(data, rows, steps_out * batch, padding_value)
    padded = padded.reshape((steps_out, batch) + tuple(data.shape[1:]))
    lengths = active.sum(0).astype(np.int64)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        padded = padded.index_select(1, unsorted)
        lengths = lengths[to_numpy(unsorted._data)]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._make(array_module(data._data).asarray(lengths), False, None, 0)


def pad_sequence(sequences: Tensor | Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (L_max, B, *) (or (B, L_max, *)),
    filling the gap with ``padding_value``."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)  # host: lengths
    batch, longest = len(sequences), int(lens.max())
    t = np.arange(longest)[None, :]  # host: layout from lengths
    keep = t < lens[:, None] if padding_side == "right" else t >= (longest - lens)[:, None]  # (B, L)
    # cat() lists the rows sequence by sequence, which is the row-major order of ``keep``.
    order = np.flatnonzero(keep)  # host: layout
    if not batch_first:
        b, tt = np.divmod(order, longest)  # host: layout
        order = tt * batch + b
    data = ops.cat(sequences, 0)
    out = _scatter_rows(data, order, batch * longest, padding_value)
    lead = (batch, longest) if batch_first else (longest, batch)
    return out.reshape(lead + tuple(sequences[0].shape[1:]))


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (a list of (L_i, *) tensors)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(_lengths_array(lengths))]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of variable-length sequences."""
    lengths = Tensor._make(from_numpy(np.array([s.shape[0] for s in sequences], dtype=np.int64)), False, None, 0)  # host: lengths
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences inside a packed batch."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
