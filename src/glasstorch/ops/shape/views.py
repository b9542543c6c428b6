"""Views: reshape, view, flatten, permute, transpose, movedim, expand, squeeze, ...

Most are views in torch; here the forward is a view where the array module
gives one, and the backward is the inverse rearrangement of the gradient.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...backend import array_module
from .._util import Tensor, broadcast_shape, dims_tuple, wrap_dim
from ._common import _Op, _shape_args, _View
from .checks import (
    broadcast_of_shapes,
    check_adjoint,
    check_flatten,
    check_t,
    check_unflatten_input,
    check_unflatten_sizes,
    check_view_strides,
    checked_movedim,
    checked_permutation,
    expanded_size,
    infer_shape,
)

_infer = infer_shape  # the name the family used before its checks moved


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
    """A reshape the array module can do without copying: a view, as ``view`` is in torch."""

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
    """Whether ``arr`` can take this shape without a copy."""
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


_RESHAPE_HAS_COPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"  # host: version string


def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (one dim may be -1); a view when the strides allow."""
    shape = infer_shape(_shape_args(shape), input._data.size, input._data.shape)
    if _viewable(input._data, shape):
        return Reshape.apply(input, shape)
    return UnsafeView.apply(input, shape)


def view(input: Tensor, *shape) -> Tensor:
    """The same memory in a new shape (an error when the strides do not allow it).

    A dtype argument reinterprets the bytes instead.
    """
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        from ... import dtypes as _dt

        return Tensor._make(input._data.view(_dt.to_dtype(shape[0]).np), False, None, 0)
    shape = infer_shape(_shape_args(shape), input._data.size, input._data.shape)
    check_view_strides(_viewable(input._data, shape))
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
    check_flatten(s, e)
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])  # host: shape arithmetic


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one of them may be -1)."""
    sizes = tuple(int(s) for s in sizes)
    if not sizes:  # after the dim's range (the method checks the sizes first), before a 0-d input
        wrap_dim(dim, input._data.ndim)
        check_unflatten_sizes(sizes, 0, dim)
    check_unflatten_input(input, dim)
    d = wrap_dim(dim, input._data.ndim)
    shape = input._data.shape
    if sizes and -1 in sizes:
        sizes = infer_shape(sizes, shape[d], shape)
    check_unflatten_sizes(sizes, shape[d], dim)
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


class Permute(_View):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))  # host: dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*ctx.inverse), None


def permute(input: Tensor, *dims) -> Tensor:
    """Reorder the dimensions."""
    dims = checked_permutation(_shape_args(dims), input._data.ndim)
    return Permute.apply(input, dims)


class Transpose(_View):
    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.d = (d0, d1)
        return array_module(x).swapaxes(x, d0, d1)

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
    check_t(input._data.ndim)
    if input._data.ndim < 2:
        return T.apply(input, 0, 0) if input._data.ndim else Alias.apply(input)
    return T.apply(input, 0, 1)


def adjoint(input: Tensor) -> Tensor:
    if input._data.ndim == 0:  # torch still allows it, with a deprecation warning
        warnings.warn("adjoint() is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return input.view(())
    check_adjoint(input._data.ndim)
    return transpose(input, -2, -1)


def movedim(input: Tensor, source, destination) -> Tensor:
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src, dst = checked_movedim(src, dst, nd)
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
        return array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.shape), None


def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast to a larger shape without copying; -1 keeps a dim."""
    return Expand.apply(input, expanded_size(input._data.shape, _shape_args(sizes), _type(input)))


def _type(t) -> str:
    from ...tensor import _type_name

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
    from ...tensor import Size

    return Size(broadcast_of_shapes(shapes))


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
    dims = dims_tuple(dim, input._data.ndim, in_order=True)  # torch reports a repeat before a later dim out of range
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
        return array_module(x).ascontiguousarray(x)

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
