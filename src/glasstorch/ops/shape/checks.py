"""Argument checks of the shape ops: torch's errors, raised before any work.

``infer_shape`` and ``expanded_size`` also resolve what they check (a -1 in a
shape; -1 and new leading dims of an expand) and return it.
"""

from __future__ import annotations

import builtins

import numpy as np

from ...dtypes import SCALAR_TYPE_NAMES
from .._util import Tensor, can_cast_out, wrap_dim


def infer_shape(shape, numel, input_shape):
    """Resolve one -1 and check the element count, raising torch's error."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def check_view_strides(viewable: bool) -> None:
    if not viewable:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )


def check_flatten(s: int, e: int) -> None:
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")


def check_unflatten_input(input: Tensor, dim) -> None:
    if input._data.ndim == 0:
        wrap_dim(dim, 0)  # out of [-1, 0]: torch's IndexError; else the wrapped dim is reported
        raise RuntimeError("unflatten got an unexpected error:\nDimension specified as 0 but tensor has no "
                           "dimensions")


def check_unflatten_sizes(sizes, size: int, dim) -> None:
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if int(np.prod(sizes)) != size:  # host: shape arithmetic
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({size}) in the input tensor"
        )


def checked_permutation(dims, nd: int) -> tuple:
    """``dims`` as non-negative dims, checked to be a permutation of the input's."""
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return dims


def check_t(nd: int) -> None:
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")


def check_adjoint(nd: int) -> None:
    if nd < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{nd}-D tensor.")


def checked_movedim(src: list, dst: list, nd: int):
    """Source and destination dims, non-negative, checked to pair up without repeats."""
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain "
                           f"the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(s, nd) for s in src]
    dst = [wrap_dim(d, nd) for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    return src, dst


def expanded_size(shape: tuple, sizes: tuple, type_name: str) -> tuple:
    """The shape ``expand(*sizes)`` gives a tensor of ``shape`` (-1 keeps a dim), checked."""
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({type_name}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        if cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}"
            )
        out.append(s)
    return tuple(out)


def check_cat_list(tensors: list) -> None:
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    for i, t in enumerate(tensors):  # before the dim is read
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")


def check_cat_out(dtype, out) -> None:
    """torch's cat and stack refuse a cast into ``out`` (as a TypeError) before they look at the shapes."""
    if isinstance(out, Tensor) and not can_cast_out(dtype.np, out._data.dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                        f"{SCALAR_TYPE_NAMES[out.dtype.name]}")


def checked_cat_dim(tensors: list, ref: Tensor, dim: int) -> int:
    """The join dim, non-negative, after checking every piece fits ``ref`` off that dim."""
    nd = ref._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, nd)
    for i, t in enumerate(tensors):
        if t._data.ndim == 1 and t._data.shape[0] == 0:
            continue
        if t._data.ndim != nd:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {nd} and {t._data.ndim}"
            )
        for k in range(nd):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref._data.shape[k]} but got size {t._data.shape[k]} for tensor number {i} in the list."
                )
    return d


def check_stack(tensors: list, dim: int) -> int:
    """``dim`` wrapped for the stacked result; torch checks it before the shapes."""
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    dim = wrap_dim(dim, len(shape) + 1)
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"
            )
    return dim


def check_nonempty_list(tensors: list, name: str) -> None:
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")


def check_narrow(size: int, start: int, length: int) -> None:
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")


def check_split_size(step: int, size: int) -> None:
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    if step == 0 and size:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")


def check_split_sizes(sizes: list, size: int, d: int) -> None:
    if builtins.sum(sizes) != size or builtins.any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
            f"at dimension {d}), but got split_sizes={sizes}"
        )


def check_sections(n: int) -> None:
    if n <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {n}")


def check_chunks(chunks: int) -> None:
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")


def broadcast_of_shapes(shapes) -> tuple:
    """The shape ``shapes`` (sizes or ints) broadcast to, or torch's error."""
    try:
        return np.broadcast_shapes(*[tuple(s) if not isinstance(s, int) else (s,) for s in shapes])
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {shapes}") from None


def check_at_least_1d(input: Tensor, message: str, error=RuntimeError) -> None:
    if input._data.ndim == 0:
        raise error(message)


def check_min_dims(input: Tensor, nd: int, message: str) -> None:
    if input._data.ndim < nd:
        raise RuntimeError(message)


def check_flip_dims(dims) -> None:
    if isinstance(dims, (int, np.integer)):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")


def check_rot90(dims, nd: int):
    """The two rotation dims, non-negative and different."""
    if isinstance(dims, int):
        raise TypeError("rot90(): argument 'dims' (position 3) must be tuple of ints, not int")
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return d0, d1


def check_repeat(sizes, nd: int) -> None:
    if len(sizes) < nd:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )


def check_repeats(reps, n: int, d: int, is_array: bool) -> None:
    """repeat_interleave's ``repeats``: a non-negative number, or an integer vector of 1 or ``n`` counts."""
    if not is_array:
        if reps < 0:
            raise RuntimeError("Repeats must be non-negative")
        return
    if reps.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if reps.ndim == 1 and reps.size not in (1, n):
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{reps.size} and input.size({d}) = {n}")
    if reps.dtype.kind not in "iu":  # after the sizes, as torch
        raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for '
                                  f'\'{SCALAR_TYPE_NAMES[reps.dtype.name]}\'')
    if n and (reps < 0).any():  # one count for no elements is never used, so never checked
        raise RuntimeError("repeats can not be negative")


def check_diagonal_dims(d1: int, d2: int, dim1, dim2) -> None:
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")


def check_diag(nd: int) -> None:
    if nd not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def roll_args(shifts, dims, nd: int):
    """``roll``'s shifts and dims, normalised (an int, or tuples that align) and checked."""
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(int(v) for v in shifts)
        if not shifts:
            raise RuntimeError("`shifts` required")
    elif isinstance(dims, (list, tuple)):
        shifts = (int(shifts),)
    if dims is None or (isinstance(dims, (list, tuple)) and not dims):  # no dims: the flattened tensor
        dims = None
    if dims is None:
        if isinstance(shifts, tuple):
            if len(shifts) != 1:
                raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
            shifts = shifts[0]
        return int(shifts), None
    if isinstance(dims, (list, tuple)):
        if not isinstance(shifts, tuple) or len(shifts) != len(dims):  # before the dims are checked, as torch
            n = len(shifts) if isinstance(shifts, tuple) else 1
            raise RuntimeError(f"shifts and dimensions must align. shifts: {n}, dims:{len(dims)}")
        dims = tuple(wrap_dim(int(d), nd) for d in dims)
    else:
        if isinstance(shifts, tuple) and len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:1")
        dims = wrap_dim(int(dims), nd)
    if nd == 0:
        raise IndexError(f"Dimension specified as {dims if isinstance(dims, int) else dims[0]} but tensor has "
                         "no dimensions")
    return shifts, dims
