"""Argument checks of the reductions: torch's errors, raised before any work.

Each ``check_*`` takes the op's arguments (already normalised dims where
noted) and raises what torch raises; it returns nothing.
"""

from __future__ import annotations

import numpy as np

from ...dtypes import SCALAR_TYPE_NAMES
from .._util import Tensor, wrap_dim


def kind_name(t: Tensor) -> str:
    """Torch's name for a tensor's dtype in messages (``Float``, ``Long``, ...)."""
    return SCALAR_TYPE_NAMES[t.dtype.name]


def check_nonempty(input: Tensor, dims, name: str, dim_given: bool = True) -> None:
    """An extreme over an empty dim has no identity: torch refuses it."""
    shape = input._data.shape
    if input._data.size == 0:
        if not dim_given:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        for d in dims:
            if shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def check_empty_dims_in_order(input: Tensor, dim, name: str) -> None:
    """amax/amin of an empty tensor: torch looks at the dims one by one, as given, before it
    looks for repeats; the first empty one is named as it was written."""
    if input._data.size or dim is None or input._data.ndim == 0:
        return
    for d in ([dim] if isinstance(dim, (int, np.integer)) else dim):
        if input._data.shape[wrap_dim(int(d), input._data.ndim)] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def check_scalar_scan_dim(input: Tensor, dim, name: str) -> None:
    """cummax/cummin of a 0-d tensor take dim 0 or -1 only, in their own words."""
    if input._data.ndim == 0 and dim not in (0, -1):
        raise IndexError(f"{name}(): Expected reduction dim -1 or 0 for scalar but got {dim}")


def check_aminmax(input: Tensor, dims, dim) -> None:
    if input._data.size == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                               "has no identity.")
        for d in dims:
            if input._data.shape[d] == 0:
                raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")


def check_size_given(size: tuple) -> None:
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')


def check_sum_to_size(input: Tensor, shape: tuple) -> None:
    try:
        ok = np.broadcast_shapes(shape, input._data.shape) == input._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(input.shape)}}}.")


def check_mean_dtype(input: Tensor) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {kind_name(input)}"
        )


def check_var_dtype(input: Tensor) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")


def check_norm_input(input: Tensor) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {kind_name(input)}"
        )


def check_norm_dtype(input: Tensor, converted: Tensor) -> None:
    if not converted.is_floating_point() or converted.element_size() < input.element_size():
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({kind_name(input)}) should be convertible "
                           f"without narrowing to the specified dtype ({kind_name(converted)})")


def check_norm_p(p) -> None:
    if isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")


def check_norm_order(input: Tensor, p: float, dims=None) -> None:
    """A norm with no identity (p < 0, inf) over an empty reduction: torch's error."""
    if input._data.size == 0 and (p < 0 or p == float("inf")):
        shown = int(p) if p.is_integer() else p
        if dims is not None and input._data.ndim:
            empty = [d for d in sorted(dims) if input._data.shape[d] == 0]
            if not empty:
                return  # the reduced dims have elements: an empty result, not an error
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {shown} norm on the dimension {empty[0]}because this "
                "dimension is empty and the operation does not have an identity")
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {shown} norm on an empty tensor because the "
            "operation does not have an identity"
        )


def check_arg_input(input: Tensor, dim, name: str) -> None:
    """argmax/argmin: no bools; over all elements, not of an empty tensor."""
    if input._data.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None and input._data.size == 0:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")


def check_topk_dtype(input: Tensor) -> None:
    if input._data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")


def check_topk_k(k: int, size: int) -> None:
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")


def check_kthvalue(k: int, d: int, size: int) -> None:
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
