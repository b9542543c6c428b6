"""Shape ops: reshape, permute, expand, cat, split, flip, ...

Most are views in torch; here the forward is a NumPy view where NumPy gives
one, and the backward is the inverse rearrangement of the gradient.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..autograd.function import Function
from ..backend import xp
from ._util import Tensor, accepts_out, broadcast_shape, dims_tuple, wrap_dim


class _Op(Function):
    array_io = True


class _View(_Op):
    is_view = True


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer(shape, numel, input_shape):
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


class _ToShape(_Op):
    """Give ``x`` a new shape with the same elements; the gradient takes the old shape back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Reshape(_View, _ToShape):
    """A reshape NumPy can do without copying: a view, as ``view`` is in torch."""

    node_name = "ViewBackward0"


class UnsafeView(_ToShape):
    """A reshape that has to copy (the input's strides do not allow a view)."""

    node_name = "UnsafeViewBackward0"


class Alias(_View):
    """The same tensor under a new name (``x[...]``)."""

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, grad):
        return grad


def _viewable(arr, shape) -> bool:
    """Whether NumPy can give ``arr`` this shape without a copy."""
    if arr.flags.c_contiguous:
        return True
    if _RESHAPE_HAS_COPY:
        # a failed shape assignment costs NumPy 2 some 50 us; this refusal about 1 us
        try:
            arr.reshape(shape, copy=False)
        except ValueError:
            return False
        return True
    v = arr.view()
    try:
        v.shape = shape
    except AttributeError:
        return False
    return True


_RESHAPE_HAS_COPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (one dim may be -1); a view when the strides allow."""
    shape = _infer(_shape_args(shape), input._data.size, input._data.shape)
    if _viewable(input._data, shape):
        return Reshape.apply(input, shape)
    return UnsafeView.apply(input, shape)


def view(input: Tensor, *shape) -> Tensor:
    """The same memory in a new shape (an error when the strides do not allow it).

    A dtype argument reinterprets the bytes instead.
    """
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        from .. import dtypes as _dt

        return Tensor._make(input._data.view(_dt.to_dtype(shape[0]).np), False, None, 0)
    shape = _infer(_shape_args(shape), input._data.size, input._data.shape)
    if not _viewable(input._data, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return Reshape.apply(input, shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    nd = input._data.ndim
    if nd == 0:
        wrap_dim(start_dim, 0), wrap_dim(end_dim, 0)
        return reshape(input, 1)
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one of them may be -1)."""
    if input._data.ndim == 0:
        raise RuntimeError(f"unflatten got an unexpected error:\nDimension specified as {dim} but tensor has no "
                           "dimensions")
    d = wrap_dim(dim, input._data.ndim)
    shape = input._data.shape
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 in sizes:
        sizes = _infer(sizes, shape[d], shape)
    if int(np.prod(sizes)) != shape[d]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({shape[d]}) in the input tensor"
        )
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


class Permute(_View):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*ctx.inverse), None


def permute(input: Tensor, *dims) -> Tensor:
    """Reorder the dimensions."""
    dims = _shape_args(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims)


class Transpose(_View):
    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.d = (d0, d1)
        return xp.swapaxes(x, d0, d1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.d), None, None


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    nd = input._data.ndim
    if nd == 0:
        wrap_dim(dim0, 0), wrap_dim(dim1, 0)
        return Alias.apply(input)
    return Transpose.apply(input, wrap_dim(dim0, nd), wrap_dim(dim1, nd))


swapaxes = swapdims = transpose


class T(Transpose):
    node_name = "TBackward0"


def t(input: Tensor) -> Tensor:
    """Transpose a matrix (a 0-d or 1-d tensor comes back as a view of itself)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    if input._data.ndim < 2:
        return T.apply(input, 0, 0) if input._data.ndim else Alias.apply(input)
    return T.apply(input, 0, 1)


def adjoint(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


def movedim(input: Tensor, source, destination) -> Tensor:
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain "
                           f"the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(s, nd) for s in src]
    dst = [wrap_dim(d, nd) for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    if nd == 0:
        return input.view(())
    rest = [d for d in range(nd) if d not in src]
    perm = [None] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(rest)
    perm = [p if p is not None else next(it) for p in perm]
    return permute(input, *perm)


moveaxis = movedim


class Expand(_View):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.shape), None


def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast to a larger shape without copying; -1 keeps a dim."""
    sizes = _shape_args(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({_type(input)}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
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
    return Expand.apply(input, tuple(out))


def _type(t) -> str:
    from ..tensor import _type_name

    return _type_name(t._data.dtype)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def broadcast_tensors(*tensors):
    shape = ()
    for t in tensors:  # pairwise, for torch's message naming the clashing sizes
        shape = broadcast_shape(shape, t._data.shape)
    return tuple(expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes):
    from ..tensor import Size

    try:
        return Size(np.broadcast_shapes(*[tuple(s) if not isinstance(s, int) else (s,) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {shapes}") from None


class Squeeze(Reshape):
    """Drop size-1 dims (``squeeze()``: all of them): a reshape, named as torch names it."""

    node_name = "SqueezeBackward0"


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    node_name = "SqueezeBackward2"


class Unsqueeze(Squeeze):
    node_name = "UnsqueezeBackward0"


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Drop dims of size 1 (only those in ``dim`` when given: an int or a tuple)."""
    shape = input._data.shape
    if dim is None:
        return Squeeze.apply(input, tuple(s for s in shape if s != 1))
    dims = dims_tuple(dim, input._data.ndim)
    new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return (SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim).apply(input, new)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim``."""
    d = wrap_dim(dim, input._data.ndim + 1)
    shape = input._data.shape
    return Unsqueeze.apply(input, shape[:d] + (1,) + shape[d:])


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    if input._data.flags.c_contiguous:
        return input
    return _Contiguous.apply(input)


class _Contiguous(_Op):
    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return xp.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Clone(_Op):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy that is still connected to the graph."""
    return Clone.apply(input)


# ---------------------------------------------------------------- joining and splitting
class Cat(_Op):
    """Join along ``dim``; the gradient is split back into the pieces' sizes."""

    @staticmethod
    def forward(ctx, dim, *xs):
        # torch lets legacy empty 1-d tensors of shape (0,) join anything
        legacy = [x.ndim == 1 and x.shape[0] == 0 for x in xs]
        kept = [x for x, skip in zip(xs, legacy) if not skip] or [xs[0]]
        ctx.dim, ctx.legacy = dim, legacy
        ctx.sizes = [x.shape[dim] for x in kept]
        return xp.concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        if not builtins.any(ctx.legacy):
            return (None,) + tuple(grad.split(ctx.sizes, ctx.dim))
        pieces = iter(grad.split(ctx.sizes, ctx.dim))
        empty = Tensor._make(np.zeros(0, grad._data.dtype), False, None, 0)
        return (None,) + tuple(empty if skip else next(pieces) for skip in ctx.legacy)


@accepts_out
def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dim (dtypes promote as torch does)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    # torch skips legacy empty 1-d tensors of shape (0,)
    nonempty = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)]
    if not nonempty:
        return tensors[0].clone()
    tensors = _promoted(tensors)
    nonempty = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)]
    ref = nonempty[0]
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
    return Cat.apply(d, *tensors)


concat = concatenate = cat


class Stack(_Op):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return xp.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(grad.unbind(ctx.dim))


def _promoted(tensors):
    from .. import dtypes as _dt

    target = tensors[0].dtype
    for t in tensors[1:]:
        target = _dt.promote_types(target, t.dtype)
    return [t._cast(target) for t in tensors]


@accepts_out
def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors along a new dim; all must have the same shape."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"
            )
    d = wrap_dim(dim, len(shape) + 1)
    return Stack.apply(d, *_promoted(tensors))


def _nonempty(tensors, name: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors) -> Tensor:
    tensors = [atleast_1d(t) for t in _nonempty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return cat([atleast_2d(t) for t in _nonempty(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    return cat([atleast_3d(t) for t in _nonempty(tensors, "dstack")], 2)


def column_stack(tensors) -> Tensor:
    return hstack([t.reshape(-1, 1) if t._data.ndim < 2 else t for t in _nonempty(tensors, "column_stack")])


def atleast_1d(t: Tensor) -> Tensor:
    return t.reshape(1) if t._data.ndim == 0 else t


def atleast_2d(t: Tensor) -> Tensor:
    return t.reshape(1, -1) if t._data.ndim < 2 else t


def atleast_3d(t: Tensor) -> Tensor:
    nd = t._data.ndim
    if nd == 0:
        return t.reshape(1, 1, 1)
    if nd == 1:
        return t.reshape(1, -1, 1)
    if nd == 2:
        return t.unsqueeze(-1)
    return t


class Narrow(_View):
    """A slice ``[start, start + length)`` along one dim."""

    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.shape, ctx.dim, ctx.start = x.shape, dim, start
        idx = [slice(None)] * x.ndim
        idx[dim] = slice(start, start + length)
        return x[tuple(idx)]

    @staticmethod
    def backward(ctx, grad):
        pad = [(0, 0)] * len(ctx.shape)
        pad[ctx.dim] = (ctx.start, ctx.shape[ctx.dim] - ctx.start - grad.shape[ctx.dim])
        return _pad_zeros(grad, pad), None, None, None


class PadZeros(_Op):
    """Place a gradient inside a zero tensor (the backward of slicing)."""

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pad):
        ctx.pad = pad
        return xp.pad(x, pad)

    @staticmethod
    def backward(ctx, grad):
        idx = tuple(slice(lo, grad.shape[i] - hi) for i, (lo, hi) in enumerate(ctx.pad))
        return grad[idx], None


def _pad_zeros(x, pad):
    return PadZeros.apply(x, tuple(pad))


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """The ``length`` elements from ``start`` along ``dim`` (a view)."""
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return Narrow.apply(input, d, start, int(length))


class Split(_View):
    """Consecutive pieces along ``dim``: views; the gradient joins the pieces' gradients."""

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.dim = dim
        out, start = [], 0
        for n in sizes:
            key = (slice(None),) * dim + (slice(start, start + n),)
            out.append(x[key])
            start += n
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim), None, None


class SplitWithSizes(Split):
    pass


def _share_version(input: Tensor, outs):
    """Multi-output views share the input's version counter, like single-output ones."""
    for o in outs:
        o._version = input._version
    return outs


def split(tensor: Tensor, split_size_or_sections, dim: int = 0):
    """Split into chunks of a given size, or of the listed sizes (views)."""
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and size:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sizes = [builtins.min(step, size - i) for i in range(0, size, step)] if size else [0]
        return _share_version(tensor, Split.apply(tensor, d, tuple(sizes)))
    sizes = [int(s) for s in split_size_or_sections]
    if builtins.sum(sizes) != size or builtins.any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
            f"at dimension {d}), but got split_sizes={sizes}"
        )
    return _share_version(tensor, SplitWithSizes.apply(tensor, d, tuple(sizes)))


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
    else:
        bounds = [0] + [min(int(i), size) for i in indices_or_sections] + [size]
        sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    out, start = [], 0
    for s in sizes:
        out.append(narrow(input, d, start, s))
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0):
    """Split into ``chunks`` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if size == 0:  # torch hands back ``chunks`` empty pieces
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, -(-size // chunks), d)


class Unbind(_View):
    """Every slice along ``dim`` (views); the gradient stacks the slices' gradients."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        # the Ellipsis keeps a 1-d input's slices 0-d views (a bare index gives scalars, copies)
        return tuple(x[(slice(None),) * dim + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim), None


def unbind(input: Tensor, dim: int = 0):
    """All slices along ``dim``, each with that dim removed."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, input._data.ndim)
    if input._data.shape[d] == 0:
        return ()
    return _share_version(input, Unbind.apply(input, d))


class Flip(_Op):
    """Reverse along ``dims`` (a copy, as in torch); the gradient flips back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return xp.flip(x, dims).copy() if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims), None


def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along ``dims``."""
    if isinstance(dims, (int, np.integer)):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    return Flip.apply(input, dims_tuple(dims, input._data.ndim))


def fliplr(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(_Op):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return xp.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return grad.roll(back, ctx.dims), None, None


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims`` (over the flattened tensor when None)."""
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(int(v) for v in shifts)
        if not shifts:
            raise RuntimeError("`shifts` required")
    elif isinstance(dims, (list, tuple)):
        shifts = (int(shifts),)
    if dims is None:
        if isinstance(shifts, tuple):
            if len(shifts) != 1:
                raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
            shifts = shifts[0]
        return Roll.apply(input, int(shifts), None)
    if isinstance(dims, (list, tuple)):
        dims = tuple(wrap_dim(int(d), input._data.ndim) for d in dims)
        if not isinstance(shifts, tuple) or len(shifts) != len(dims):
            n = len(shifts) if isinstance(shifts, tuple) else 1
            raise RuntimeError(f"shifts and dimensions must align. shifts: {n}, dims:{len(dims)}")
    else:
        if isinstance(shifts, tuple) and len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:1")
        dims = wrap_dim(int(dims), input._data.ndim)
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dims if isinstance(dims, int) else dims[0]} but tensor has "
                         "no dimensions")
    return Roll.apply(input, shifts, dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    if isinstance(dims, int):
        raise TypeError("rot90(): argument 'dims' (position 3) must be tuple of ints, not int")
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input._data.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input._data.ndim}")
    d0, d1 = wrap_dim(dims[0], input._data.ndim), wrap_dim(dims[1], input._data.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


class Repeat(_Op):
    """Tile the tensor; the gradient sums over the copies."""

    @staticmethod
    def forward(ctx, x, reps):
        lead = len(reps) - x.ndim
        ctx.shape = (1,) * lead + x.shape
        ctx.reps, ctx.orig = reps, x.shape
        return xp.tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        split = []
        for r, s in zip(ctx.reps, ctx.shape):
            split += [r, s]
        g = grad.reshape(split).sum(tuple(range(0, len(split), 2)))
        return g.reshape(ctx.orig), None


def repeat(input: Tensor, *sizes) -> Tensor:
    """Repeat the tensor ``sizes[i]`` times along dim ``i``."""
    sizes = _shape_args(sizes)
    if len(sizes) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    return Repeat.apply(input, sizes)


def tile(input: Tensor, *dims) -> Tensor:
    """Repeat the tensor; ``dims`` shorter than the tensor's rank is padded with ones in front."""
    dims = _shape_args(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input: Tensor, repeats, dim=None, *, output_size=None) -> Tensor:
    from .indexing import index_select

    if dim is None:
        input = input.flatten()
        dim = 0
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    n = input._data.shape[d]
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    _check_repeats(reps, n, d)
    idx = np.repeat(np.arange(n), reps)
    return index_select(input, d, Tensor._make(idx, False, None, 0))


def _check_repeats(reps, n: int, d: int) -> None:
    if not isinstance(reps, np.ndarray):
        if reps < 0:
            raise RuntimeError("Repeats must be non-negative")
        return
    if reps.dtype.kind not in "iu":
        raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{reps.dtype.name}\'')
    if reps.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if reps.ndim == 1 and reps.size not in (1, n):
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{reps.size} and input.size({d}) = {n}")
    if (reps < 0).any():
        raise RuntimeError("repeats can not be negative")


class Tril(_Op):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return xp.tril(x, k)

    @staticmethod
    def backward(ctx, grad):
        return grad.tril(ctx.k), None


class Triu(_Op):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return xp.triu(x, k)

    @staticmethod
    def backward(ctx, grad):
        return grad.triu(ctx.k), None


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero everything above the ``diagonal``-th diagonal of the last two dims."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zero everything below the ``diagonal``-th diagonal of the last two dims."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, int(diagonal))


class Diagonal(_View):
    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        out = xp.diagonal(x, offset, d1, d2)
        if x.flags.writeable:  # NumPy hands out read-only diagonals; torch's are writable views
            out.flags.writeable = True
        return out

    @staticmethod
    def backward(ctx, grad):
        return _DiagonalBackward.apply(grad, ctx.shape, *ctx.args), None, None, None


class _DiagonalBackward(_Op):
    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        out = xp.zeros(shape, g.dtype)
        view = xp.diagonal(out, offset, d1, d2)
        view.setflags(write=True)
        view[...] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.diagonal(*ctx.args), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the matrices in dims ``dim1``, ``dim2`` (as the last dim; a view)."""
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    if input._data.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input._data.ndim}D")
    if input._data.ndim == 1:
        n = input._data.shape[0] + builtins.abs(diagonal)
        return _DiagonalBackward.apply(input, (n, n), diagonal, 0, 1)
    return Diagonal.apply(input, diagonal, 0, 1)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    d1, d2 = wrap_dim(dim1, input._data.ndim + 1), wrap_dim(dim2, input._data.ndim + 1)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._data.shape[-1] + builtins.abs(offset) if input._data.ndim else 1 + builtins.abs(offset)
    shape = input._data.shape[:-1] + (n, n)
    out = _DiagonalBackward.apply(input.reshape(1) if input._data.ndim == 0 else input, shape, offset,
                                  len(shape) - 2, len(shape) - 1)
    if (d1, d2) == (len(shape) - 2, len(shape) - 1):
        return out
    return movedim(out, (len(shape) - 2, len(shape) - 1), (d1, d2))
