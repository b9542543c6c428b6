"""Argument checks of the matrix products: torch's errors, raised before any work.

Each ``check_*`` takes the op's arguments and raises what torch raises; it returns nothing.
"""

from __future__ import annotations

import math

from ..dtypes import CPP_TYPE_NAMES, SCALAR_TYPE_NAMES
from ._util import Tensor, broadcast_shape


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape)


def dn(t) -> str:
    """A dtype as torch's C++ messages spell it (``float``, ``double``)."""
    return CPP_TYPE_NAMES[t.dtype.name]


def kn(t) -> str:
    """A dtype as torch's scalar-type names spell it (``Float``, ``Double``)."""
    return SCALAR_TYPE_NAMES[t.dtype.name]


def require_tensor(fn: str, **args) -> None:
    for pos, (name, t) in enumerate(args.items(), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(t).__name__}")


def check_no_bool(kernel: str, t: Tensor) -> None:
    if t._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{kn(t)}'")


def check_matmul(a: Tensor, b: Tensor) -> None:
    """Raise torch's error for operands ``matmul`` cannot take.

    torch reduces every case to dot, mv, mm or bmm (folding or broadcasting
    batch dims first), and its message names the shapes that reached that kernel.
    """
    sa, sb = a._data.shape, b._data.shape
    da, db = len(sa), len(sb)
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    same = a._data.dtype == b._data.dtype
    if da == 1 and db == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same "
                f"number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        if not same:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {kn(a)} and {kn(b)}")
        check_no_bool("dot", a)
        return
    if db == 1:  # mv, with the batch dims of ``a`` folded into its rows
        rows = math.prod(sa[:-1])
        if sa[-1] != sb[0]:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec ({sb[0]})")
        if not same:
            raise RuntimeError(
                f"addmv input tensors must have the same dtype, but got {kn(b)}, {kn(a)}, and {kn(b)}")
        check_no_bool("addmv_impl_cpu", a)
        return
    if db == 2:  # mm, with the batch dims of ``a`` folded into its rows
        left = (math.prod(sa[:-1]), sa[-1])
        if sa[-1] != sb[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(left)} and {_shape_str(sb)})")
        if not same:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {dn(a)} != {dn(b)}")
        check_no_bool("addmm_impl_cpu_", a)
        return
    # bmm over the broadcast batch dims
    batch = broadcast_shape(sa[:-2], sb[:-2])
    n = math.prod(batch)
    if sa[-1] != sb[-2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {sa[-1]}] but got: "
            f"[{n}, {sb[-2]}].")
    if not same:
        raise RuntimeError(f"expected scalar type {kn(a)} but found {kn(b)}")
    check_no_bool("bmm", a)


def check_expand(shape, target) -> None:
    """torch's error when ``shape`` cannot be expanded to ``target``."""
    if len(shape) > len(target):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(target)}): the number of sizes provided "
            f"({len(target)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})")
    for i in range(1, len(shape) + 1):
        if shape[-i] != 1 and shape[-i] != target[-i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[-i]}) must match the existing size ({shape[-i]}) at "
                f"non-singleton dimension {len(target) - i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(shape)}")


def check_mm(input: Tensor, mat2: Tensor) -> None:
    require_tensor("mm", input=input, mat2=mat2)
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    check_matmul(input, mat2)


def check_bmm(input: Tensor, mat2: Tensor) -> None:
    require_tensor("bmm", input=input, mat2=mat2)
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (b, _, m), (b2, m2, _) = input._data.shape, mat2._data.shape
    if b != b2 or m != m2:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: [{b2}, {m2}].")
    if bmm_skips_kernel(input, mat2):
        return
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"expected scalar type {kn(input)} but found {kn(mat2)}")
    check_no_bool("bmm", input)


def bmm_skips_kernel(batch1: Tensor, batch2: Tensor) -> bool:
    """Whether torch's bmm returns without its kernel (an empty result, or nothing to contract):
    then it checks no dtypes and its result has batch2's dtype."""
    (b, n, m), p = batch1._data.shape, batch2._data.shape[2]
    return b * n * p == 0 or m == 0


def check_addmm(input: Tensor, mat1: Tensor, mat2: Tensor, beta, alpha) -> None:
    require_tensor("addmm", input=input, mat1=mat1, mat2=mat2)
    for name, t in (("mat1", mat1), ("mat2", mat2)):
        if t._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t._data.ndim}-D tensor")
    for t in (mat1, mat2):
        if t._data.dtype != input._data.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {kn(input)} and {kn(t)}")
    check_matmul(mat1, mat2)
    check_expand(input._data.shape, (mat1._data.shape[0], mat2._data.shape[1]))
