"""Argument checks of the indexing ops: torch's errors, raised before any work.

Index bounds are checked here on the index arrays (a reduction each), so the
ops below never see an out-of-range index.
"""

from __future__ import annotations

import builtins

import numpy as np

from ...backend import array_module
from ...dtypes import CPP_TYPE_NAMES as _SCALAR_NAMES
from ...dtypes import SCALAR_TYPE_NAMES as _KIND
from .._util import Tensor
from ..creation import check_fits

BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
             "valid indices (got {})")


# ---------------------------------------------------------------- x[key] and x[key] = v
def reject_index(k) -> None:
    """An index entry of a type torch does not index with."""
    raise IndexError(BAD_INDEX.format(type(k).__name__))


def check_index_dtype(a) -> None:
    if a.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def check_slice_step(step) -> None:
    if step is not None:
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero")


def check_index_count(used: int, nd: int) -> None:
    if used > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")


def check_int_index(k: int, size: int, dim: int) -> None:
    if not -size <= k < size:
        raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")


def check_mask_shape(mask, shape, dim: int) -> None:
    got, want = mask.shape, shape[dim:dim + mask.ndim]
    for j, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise IndexError(
                f"The shape of the mask {list(got)} at index {j} does not match the shape of the "
                f"indexed tensor {list(shape)} at index {dim + j}")


def check_array_index(k, size: int, n_arrays: int) -> None:
    if k.size:
        hi, lo = int(k.max()), int(k.min())
        if hi >= size or lo < -size:
            bad = hi if hi >= size else lo
            raise IndexError(f"index {bad} is out of bounds for dimension {n_arrays} with size {size}")


def check_index_broadcast(arrays) -> None:
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with "
                         f"shapes {shapes}") from None


def check_getitem(input: Tensor, key) -> None:
    if input._data.ndim == 0 and isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")


def check_select_0d(input: Tensor) -> None:
    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")


def check_select(input: Tensor, d: int, index: int) -> None:
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at "
            f"dimension {d}")


def check_value_shape(vshape, target, advanced: bool) -> None:
    """A value written by ``x[key] = v`` must broadcast to ``x[key]``'s shape."""
    try:
        ok = np.broadcast_shapes(vshape, target) == tuple(target) or (
            len(vshape) > len(target) and builtins.all(s == 1 for s in vshape[:len(vshape) - len(target)])
            and np.broadcast_shapes(vshape[len(vshape) - len(target):], target) == tuple(target))
    except ValueError:
        ok = False
    if ok:
        return
    if advanced:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}")
    lead = len(target) - len(vshape)
    for i, s in enumerate(vshape):
        want = target[i + lead] if i + lead >= 0 else 1
        if s != want and s != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({s}) at "
                f"non-singleton dimension {i + lead}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(vshape)}")
    raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
                       f"indexing result of shape {list(target)}")


def check_leaf_write(input: Tensor, view_write: bool) -> None:
    """No in-place write into a leaf that requires grad (or a view of one) while recording."""
    if input._requires_grad and input.grad_fn is None:
        raise RuntimeError(("a view of a leaf Variable" if view_write else "a leaf Variable")
                           + " that requires grad is being used in an in-place operation.")


def check_index_put(input: Tensor, indices, values, accumulate: bool):
    """``index_put``'s checks in torch's order: no more index tensors than dims; no index into an
    empty dim; ``values`` of ``input``'s dtype (except for one mask and one value without
    ``accumulate``: torch fills the mask then, casting the value); ``values`` broadcasting to the
    indexed shape; the index values last. Returns the indexed shape when it could be found
    without the index values (None when a later check will raise)."""
    shape = input._data.shape
    if len(indices) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {len(indices)})")
    if not isinstance(values, Tensor) or not builtins.all(isinstance(k, Tensor) for k in indices):
        if isinstance(values, Tensor) and not is_mask_fill(indices, values, accumulate):
            check_put_dtypes(input, values)
        return None
    dim, parts = 0, []
    for k in indices:
        a = k._data
        if a.dtype in (np.bool_, np.uint8):
            if a.shape != shape[dim:dim + a.ndim]:
                return None  # the mask's own error comes from the index plan
            parts.append((int(array_module(a).count_nonzero(a)),))
            dim += a.ndim
        elif a.dtype.kind in "iu" and dim < len(shape):
            if shape[dim] == 0 and a.size:
                raise IndexError("index is out of bounds for dimension with size 0")
            parts.append(a.shape)
            dim += 1
        else:
            return None
    try:
        target = np.broadcast_shapes(*parts) + shape[dim:]
    except ValueError:
        return None
    if is_mask_fill(indices, values, accumulate):
        check_fits(values._data.item(), input.dtype)  # torch fills with the value as a number
    else:
        vshape = values._data.shape
        try:
            fits = np.broadcast_shapes(vshape, target) == target
        except ValueError:
            fits = False
        if not fits:  # unlike x[i] = v, index_put drops no leading 1s of the value
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
                               f"indexing result of shape {list(target)}")
        check_put_dtypes(input, values)
    return target


def is_mask_fill(indices, values: Tensor, accumulate: bool) -> bool:
    """One mask and one value without ``accumulate``: torch fills the mask with the value, whatever
    the value's shape and dtype."""
    return (not accumulate and values._data.size == 1 and len(indices) == 1 and isinstance(indices[0], Tensor)
            and indices[0]._data.dtype in (np.bool_, np.uint8))


def check_put_dtypes(input: Tensor, values: Tensor) -> None:
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_KIND[input.dtype.name]} for the destination and {_KIND[values.dtype.name]} for the source.")


# ---------------------------------------------------------------- gather / scatter / index_select / index_add
def index_array(index, name: str):
    """The array of an int32/int64 index tensor (torch's error for anything else)."""
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu" or index._data.dtype == np.uint8:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    return index._data


def check_index(name, input, d, idx, src=None):
    """gather/scatter: ``idx`` as large as ``input`` (and ``src``) off ``d``, its values in range."""
    shape = input._data.shape
    # torch counts a 0-d tensor (input, index or src) as one element along one dim
    ishape, padded = idx.shape or (1,), shape or (1,)
    src_nd = getattr(src, "ndim", 0)
    if len(ishape) != len(padded) and idx.size:  # an empty index may have any rank
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           + ("input tensor" if name == "gather" else "self tensor"))
    if not idx.size:
        return
    # torch's order: the sizes against self, then (if those fit) against src, then src's rank,
    # and only then the size error
    wrong = builtins.any(k != d and ishape[k] > padded[k] for k in range(len(ishape)))
    if not wrong and src is not None:
        for k in range(len(ishape)):
            if wrong:  # torch stops at the first dim that does not fit
                break
            if src_nd and k >= src_nd:  # torch reads src's size along every dim of the index
                raise IndexError(f"Dimension out of range (expected to be in range of [{-src_nd}, "
                                 f"{src_nd - 1}], but got {k})")
            wrong = wrong or ishape[k] > (src.shape[k] if src_nd else 1)
    if src is not None and builtins.max(src_nd, 1) != len(ishape):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if wrong:
        if name == "gather":
            k = next(k for k in range(len(ishape)) if k != d and ishape[k] > padded[k])
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(idx.shape)} to be no "
                f"larger than self {list(shape)} apart from dimension {d}")
        raise RuntimeError(
            f"Expected index {list(idx.shape)} to be no larger than self {list(shape)} apart from "
            f"dimension {d}" + ("" if src is None else
                                f" and to be no larger size than src {list(getattr(src, 'shape', ()))}"))
    n = shape[d] if shape else 1  # a 0-d tensor indexes like one element
    hi, lo = int(idx.max()), int(idx.min())
    if hi >= n or lo < 0:
        raise RuntimeError(f"index {hi if hi >= n else lo} is out of bounds for dimension {d} with size {n}")


def check_scatter_src(name: str, input: Tensor, src) -> None:
    if name == "scatter_add" and not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 4) must be Tensor, not {type(src).__name__}")


def check_scatter_dtype(name: str, input: Tensor, src: Tensor) -> None:
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")


def check_scatter_reduce(reduce) -> None:
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")


def check_index_select(input: Tensor, d: int, idx) -> None:
    if idx.dtype.kind not in "iu" or idx.dtype == np.uint8:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    size = input._data.shape[d] if input._data.ndim else 1
    if input._data.ndim == 0 and idx.size > 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    if idx.size and (idx.max() >= size or idx.min() < 0):
        # torch's CPU kernel has three paths, each with its own words: matrices with no elements,
        # dim 1 of a matrix, and everything else
        if input._data.ndim > 1 and (input._data.size == 0 or d == 1):
            if size == 0:
                raise RuntimeError("index_select(): self indexing axis dim should be positive")
            flat = idx.reshape(-1)
            bad = flat[(flat >= size) | (flat < 0)][0]
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad)} axis_dim={size}")
        raise IndexError("index out of range in self")

def check_index_add(input: Tensor, d: int, index: Tensor, source: Tensor, alpha=1) -> None:
    idx = index._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {_KIND[index.dtype.name]}")
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"{_KIND[index.dtype.name]} and size: {list(idx.shape)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({_KIND[input.dtype.name]}) and source ({_KIND[source.dtype.name]}) "
                           "must have the same scalar type")
    xs, ss = input._data.shape, source._data.shape
    if d != 0 and d >= len(ss):
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim {len(ss)}")
    if not ss and idx.size != 1:
        # torch words this check with source.size(dim), which fails first on a 0-d source
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    n_src = ss[d] if ss else 1
    if idx.size != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({n_src}), for dim: {d}")
    if len(xs) != len(ss) or builtins.any(a != b for k, (a, b) in enumerate(zip(xs, ss)) if k != d):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(xs)} source.shape = {list(ss)}")
    if len(xs) > 1 and (input._data.size == 0 or not idx.size):
        return  # torch adds nothing into a matrix and never looks at the indices (nor at alpha)
    n = xs[d] if xs else 1
    # alpha is cast to the integer dtype: a vector casts it first; a matrix (its index is not empty
    # here) is added slice by slice, so at its first index, if that one is in range
    if input._data.dtype.kind in "iu" and not isinstance(alpha, bool) \
            and (len(xs) <= 1 or 0 <= idx.reshape(-1)[0] < n):
        check_fits(alpha, input.dtype)
    if idx.size and (idx.max() >= n or idx.min() < 0):
        # torch adds through scatter_add (with its words) only for alpha 1 along the first or last dim
        if len(xs) <= 1 or type(alpha) is bool or alpha != 1 or 0 < d < len(xs) - 1:
            raise IndexError("index out of range in self")
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")


# ---------------------------------------------------------------- masks and the rest
def check_bool_mask_fill(mask) -> None:
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = _SCALAR_NAMES.get(mask._data.dtype.name, mask._data.dtype.name) if isinstance(mask, Tensor) \
            else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")


def check_fill_value(value: Tensor) -> None:
    if value._data.ndim != 0:
        raise RuntimeError(
            f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s)."
        )


def check_mask_fill_broadcast(input: Tensor, mask: Tensor) -> None:
    try:
        np.broadcast_shapes(mask._data.shape, input._data.shape)
    except ValueError:
        a, b = input._data.shape, mask._data.shape
        k = next(i for i in range(1, builtins.min(len(a), len(b)) + 1) if a[-i] != b[-i] and 1 not in (a[-i], b[-i]))
        raise RuntimeError(
            f"The size of tensor a ({a[-k]}) must match the size of tensor b ({b[-k]}) at non-singleton "
            f"dimension {builtins.max(len(a), len(b)) - k}"
        ) from None


def check_masked_select(input: Tensor, mask) -> None:
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        np.broadcast_shapes(input._data.shape, mask._data.shape)
    except ValueError:
        raise RuntimeError(f"shape mismatch: mask {list(mask._data.shape)} cannot be broadcast to input "
                           f"{list(input._data.shape)}") from None


def check_masked_scatter_dtype(input: Tensor, source: Tensor) -> None:
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_KIND[input.dtype.name]} and {_KIND[source.dtype.name]}")


def check_masked_scatter_mask(mask) -> None:
    if isinstance(mask, Tensor) and mask._data.dtype.kind != "b":
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_KIND[mask.dtype.name]}")


def check_masked_scatter_count(source: Tensor, n: int) -> None:
    if source._data.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")


def check_take_flat(input: Tensor, flat) -> None:
    if flat.size and (flat.min() < 0 or flat.max() >= input._data.size):
        bad = int(flat.min()) if flat.min() < 0 else int(flat.max())
        raise RuntimeError(f"index {bad} is out of bounds for dimension 0 with size {input._data.size}")


def check_take_along_dim(input: Tensor, indices: Tensor, dim) -> None:
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if indices._data.ndim != input._data.ndim:
        raise RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions for indices")


def check_scatter_float_value(input: Tensor, value) -> None:
    """A float written into an integer tensor: torch refuses NaN, infinities and values out of range."""
    if type(value) is float and input._data.dtype.kind in "iu":
        check_fits(value, input.dtype)
