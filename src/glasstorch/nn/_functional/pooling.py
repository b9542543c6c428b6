"""Pooling: max, average, adaptive, power-average, and max-unpooling."""

from __future__ import annotations

import math

import numpy as np

from ...backend import array_module
from ...dtypes import SCALAR_TYPE_NAMES
from ...ops import where
from ...ops.conv import AvgPool, AvgPool3D, ConvGeometry, MaxPool, MaxPool3D, avg_divisor
from ...tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "lp_pool1d", "lp_pool2d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _tuple(value, n: int, name: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]),) * n
        if len(value) != n:
            raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _pool_out(n, k, s, p, d, ceil_mode) -> int:
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


_BATCH_MODE = "tensor with optional 0 dim batch size for input, but got:"


def _check_rank(x, nd: int, name: str) -> None:
    """torch's own wording for a wrong rank or an empty non-batch dim, which differs between the kernels."""
    dim, shape = x.dim(), list(x.shape)
    ok_rank = dim in (nd + 1, nd + 2)
    empty = ok_rank and 0 in shape[dim - nd - 1:]
    if ok_rank and not empty:
        return
    if name == "max_pool1d":
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) {_BATCH_MODE}{shape}")
    if name == "avg_pool1d":
        if not ok_rank:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {dim}-dimensional tensor for argument #1 "
                               "'self' (while checking arguments for avg_pool1d)")
        raise RuntimeError(f"Expected 3D or 4D (batch mode) {_BATCH_MODE}{shape[:-1] + [1] + shape[-1:]}")
    if name == "avg_pool2d" and dim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(dim, 1)}, "
                         f"{max(dim, 1) - 1}], but got -3)")
    if nd == 2 and (ok_rank or name == "avg_pool2d"):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) {_BATCH_MODE}{shape}")
    if not ok_rank:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    where = "max_pool3d_with_indices_out_cpu_template()" if name == "max_pool3d" else "avg_pool3d()"
    zero = shape[dim - 4:].index(0)
    raise RuntimeError(f"{where}: Expected input's non-batch dimensions to have positive length, but input has a "
                       f"shape of {shape} and non-batch dimension {zero} has length zero!")


def _check_no_bool(x, nd: int, name: str) -> None:
    if x.dtype.name == "bool":
        kernel = {"max_pool1d": "max_pool1d_impl", "avg_pool1d": "avg_pool2d", "avg_pool3d": "avg_pool3d_out_frame"}
        raise NotImplementedError(f'"{kernel.get(name, name)}" not implemented for \'Bool\'')


def _max_pool_pad_error(kernel, padding):
    """torch's max-pooling kernels refuse padding over half the kernel, whatever the dilation."""
    if len(kernel) == 3:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got kT: {kernel[0]} "
                           f"kW: {kernel[2]} kH: {kernel[1]} padT: {padding[0]} padW: {padding[2]} "
                           f"padH: {padding[1]}")
    (kh, kw), (ph, pw) = ((1,) + kernel, (0,) + padding) if len(kernel) == 1 else (kernel, padding)
    raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {pw}, "
                       f"padH = {ph}, kW = {kw}, kH = {kh}")


def _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, nd, name, own_1d=True):
    _check_rank(x, nd, name)
    kernel = _tuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _tuple(stride, nd, "stride")
    padding = _tuple(padding, nd, "padding")
    dilation = _tuple(dilation, nd, "dilation")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{name}(): stride should be greater than zero, but got stride: {list(stride)}")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{name}(): kernel_size must be greater than zero, but got {list(kernel)}")
    if any(d <= 0 for d in dilation):
        got = " ".join(f"dilation{axis}: {d}" for axis, d in zip("THW"[3 - nd:], dilation))
        raise RuntimeError(f"dilation should be greater than zero, but got {got}")
    for p, k, d in zip(padding, kernel, dilation):
        if name == "max_pool1d" and own_1d and p > k // 2:  # max_pool1d's own kernel checks first
            raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} "
                               f"and kernel_size={k}")
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    if name.startswith("max_pool") and any(p > k // 2 for p, k in zip(padding, kernel)):
        _max_pool_pad_error(kernel, padding)  # the kernel's own check: half the kernel, dilation aside
    in_sp = tuple(x.shape[-nd:])
    if name == "avg_pool3d" and any(n < k for n, k in zip(in_sp, kernel)):
        raise RuntimeError(f"input image (T: {in_sp[0]} H: {in_sp[1]} W: {in_sp[2]}) smaller than kernel size "
                           f"(kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")
    out_sp = tuple(_pool_out(n, k, s, p, d, ceil_mode)
                   for n, k, s, p, d in zip(in_sp, kernel, stride, padding, dilation))
    if any(o <= 0 for o in out_sp):
        if name == "max_pool1d":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {out_sp[0]}")
        lead = (x.shape[-nd - 1],) + ((1,) if name == "avg_pool1d" else ())  # avg_pool1d runs as 2-d
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, lead + in_sp))}). Calculated output size: "
            f"({'x'.join(map(str, lead + out_sp))}). Output size is too small"
        )
    _check_no_bool(x, nd, name)
    # the high side is padded far enough to hold every window (ceil mode may overhang)
    pads = tuple((p, max((o - 1) * s + d * (k - 1) + 1 - n - p, 0))
                 for p, o, s, d, k, n in zip(padding, out_sp, stride, dilation, kernel, in_sp))
    return ConvGeometry(kernel, stride, pads, dilation, 1, in_sp, out_sp)


def _batched(x: Tensor, nd: int):
    return (x.unsqueeze(0), True) if x.dim() == nd + 1 else (x, False)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    geom = _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, nd, f"max_pool{nd}d",
                          own_1d=not return_indices)
    x, unbatched = _batched(input, nd)
    if not return_indices:
        out = (MaxPool3D if nd == 3 else MaxPool).apply(x, geom, False)
        return out.squeeze(0) if unbatched else out
    out, idx = (MaxPool3D if nd == 3 else MaxPool).apply(x, geom, True)
    return (out.squeeze(0), idx.squeeze(0)) if unbatched else (out, idx)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling over (N, C, L); with ``return_indices`` also the argmax positions."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling over (N, C, H, W); the gradient flows to each window's (first) max."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling over (N, C, D, H, W)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    name = f"avg_pool{nd}d"
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geom = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, nd, name)
    x, unbatched = _batched(input, nd)
    div = avg_divisor(geom, count_include_pad, divisor_override, x._data.dtype, array_module(x._data))
    out = (AvgPool3D if nd == 3 else AvgPool).apply(x, geom, div)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over (N, C, L)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over (N, C, H, W)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling over (N, C, D, H, W)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3)


# ------------------------------------------------------------------- adaptive
def _single_size(input, output_size, name: str) -> int:
    """The 1-d pools' output size as torch reads it (an int or a sequence of one int), with the rank check
    torch makes between parsing the argument and checking its length."""
    if output_size is None:
        raise TypeError(f"{name}(): argument 'output_size' (position 2) must be tuple of ints, not NoneType")
    if isinstance(output_size, (tuple, list)):
        for i, v in enumerate(output_size):
            if v is None:
                raise TypeError(f"{name}(): argument 'output_size' (position 2) must be tuple of ints, but found "
                                f"element of type NoneType at pos {i}")
    _check_1d_rank(input, name)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise RuntimeError(f"{name}() argument 'output_size' should contain one int (got {len(output_size)})")
        return int(output_size[0])
    return int(output_size)


def _check_1d_rank(input, name: str) -> None:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {name})")


def _listed_sizes(input, output_size, nd: int, name: str) -> tuple:
    """The output size as torch's functional layer passes it on (``None`` keeps the input's size), and
    its length checked like torch's kernel (``internal``: the max kernel's wording)."""
    if output_size is None:
        raise TypeError("object of type 'NoneType' has no len()")
    if not isinstance(output_size, (tuple, list)):
        return (int(output_size),) * nd
    if input.dim() <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    sizes = tuple(n if v is None else int(v) for v, n in zip(output_size, input.shape[-len(output_size):]))
    return sizes


def _check_nonempty(input, dims, name: str) -> None:
    for i in dims:
        if input.shape[i] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input has "
                f"sizes {list(input.shape)} with dimension {i} being empty")


def _adaptive_avg_sizes(input, output_size, nd: int, name: str):
    """The output size, or None when torch's kernel takes its all-ones shortcut (a mean, without
    looking at the input's rank or empty dims)."""
    sizes = _listed_sizes(input, output_size, nd, name)
    if len(sizes) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    if any(s < 0 for s in sizes):
        got = ", ".join(map(str, sizes)) if nd == 2 else f"{sizes[0]}, {sizes[1]},{sizes[2]}"
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received {{{got}}}")
    if all(o == 1 for o in sizes):
        return None
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    _check_nonempty(input, range(1 if nd == 3 else input.dim() - nd, input.dim()), name)
    return sizes


def _adaptive_max_sizes(input, output_size, nd: int, name: str) -> tuple:
    if nd == 1:
        o = _single_size(input, output_size, name)
        sizes = (o,)
    else:
        sizes = _listed_sizes(input, output_size, nd, name)
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    _check_nonempty(input, range(1, input.dim()), name)
    if len(sizes) != nd:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
    if any(s < 0 for s in sizes):
        shape = list(input.shape[:-nd]) + ([1] if nd == 1 else []) + list(sizes)
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {shape}")
    return sizes


def _bounds(n: int, o: int):  # host: window geometry from sizes
    """Start and end of each adaptive window: floor(i*n/o) .. ceil((i+1)*n/o)."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _averaging_matrix(n: int, o: int, dtype, xp) -> Tensor:  # host: made on the host, moved by xp
    """The (o, n) matrix that averages each adaptive window, made on the host, moved by ``xp``."""
    start, end = _bounds(n, o)
    pos = np.arange(n)
    inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None])
    m = inside / (end - start)[:, None]
    return Tensor._make(xp.asarray(m.astype(dtype)), False, None, 0)


def _adaptive_avg(input, output_size, nd):
    name = f"adaptive_avg_pool{nd}d"
    if nd == 1:  # torch runs it as 2-d on a (..., 1, L) view
        o = _single_size(input, output_size, name)
        return _adaptive_avg(input.unsqueeze(-2), (1, o), 2).squeeze(-2)
    sizes = _adaptive_avg_sizes(input, output_size, nd, name)
    if sizes is None:
        return input.mean(dim=tuple(range(-nd, 0)), keepdim=True)
    in_sp = tuple(input.shape[-nd:])
    out = input
    # a product with an averaging matrix would spread inf * 0 = NaN into every window
    xp = array_module(input._data)
    finite = input._data.dtype.kind != "f" or bool(xp.isfinite(input._data).all())
    # each spatial dim is averaged independently: one small matrix product per dim
    for i in range(nd):
        dim = input.dim() - nd + i
        if sizes[i] == in_sp[i]:
            continue
        if not finite:
            out = _window_means(out, dim, in_sp[i], sizes[i])
            continue
        m = _averaging_matrix(in_sp[i], sizes[i], input._data.dtype, xp)
        out = (out.transpose(dim, -1) @ m.t()).transpose(dim, -1)
    return out if out is not input else input.clone()


def _window_means(x: Tensor, dim: int, n: int, o: int) -> Tensor:
    """The adaptive windows along ``dim`` gathered side by side and averaged, so a
    value only ever meets the windows that hold it. The window geometry is made on the host."""
    xp = array_module(x._data)
    start, end = _bounds(n, o)
    pos = start[:, None] + np.arange(int((end - start).max(initial=1)))  # host: window offsets
    inside = pos < end[:, None]
    shape = [1] * (x.dim() + 1)
    shape[dim:dim + 2] = pos.shape
    g = x.index_select(dim, Tensor._make(xp.asarray(np.minimum(pos, n - 1).reshape(-1)), False, None, 0))  # host: window indices
    g = g.unflatten(dim, pos.shape)
    g = where(Tensor._make(xp.asarray(inside.reshape(shape)), False, None, 0), g, 0.0)
    counts = xp.asarray((end - start).astype(x._data.dtype).reshape(shape[:dim + 1] + shape[dim + 2:]))
    return g.sum(dim + 1) / Tensor._make(counts, False, None, 0)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output length."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output size (H_out, W_out); ``None`` keeps that dim."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output size (D_out, H_out, W_out)."""
    return _adaptive_avg(input, output_size, 3)


def _adaptive_max(input, output_size, return_indices, nd):
    sizes = _adaptive_max_sizes(input, output_size, nd, f"adaptive_max_pool{nd}d")
    x, unbatched = _batched(input, nd)
    in_sp = tuple(x.shape[2:])
    N, C = x.shape[:2]
    # every window padded to the widest one by repeating its last position (max is unchanged)
    grids = []
    for n, o in zip(in_sp, sizes):
        start, end = _bounds(n, o)
        width = int((end - start).max(initial=1))
        pos = np.minimum(start[:, None] + np.arange(width)[None, :], end[:, None] - 1)  # host: window geometry
        grids.append(pos)  # (o, width)
    if nd == 1:
        flat = grids[0]
    else:
        flat = grids[0][:, None, :, None] * in_sp[1] + grids[1][None, :, None, :]
        flat = flat.transpose(0, 2, 1, 3).reshape(sizes[0], grids[0].shape[1], sizes[1], grids[1].shape[1])
        flat = flat.transpose(0, 2, 1, 3)  # (oh, ow, wh, ww)
    kk = int(np.prod(flat.shape[nd:]))  # host: shape arithmetic
    xp = array_module(x._data)
    flat = xp.asarray(flat.reshape(tuple(sizes) + (kk,)))  # the geometry, made on the host
    xa = x._data.reshape(N, C, math.prod(in_sp))
    vals = xa[:, :, flat]  # (N, C, *sizes, kk)
    # torch's kernel takes every NaN it meets: the window's last NaN wins, else the first largest
    nan = xp.isnan(vals)
    pick = xp.where(nan.any(-1), kk - 1 - nan[..., ::-1].argmax(-1), vals.argmax(-1))
    idx = xp.take_along_axis(xp.broadcast_to(flat, vals.shape), pick[..., None], -1)[..., 0]
    index = Tensor._make(idx.astype(np.int64), False, None, 0)
    out = x.reshape(N, C, math.prod(in_sp)).gather(2, index.reshape(N, C, math.prod(sizes))).reshape((N, C) + tuple(sizes))
    if unbatched:
        out, index = out.squeeze(0), index.squeeze(0)
    return (out, index) if return_indices else out


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed output length."""
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed output size (H_out, W_out)."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


# ------------------------------------------------------------------- lp pool
def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, nd):
    kernel = _tuple(kernel_size, nd, "kernel_size")
    pool = avg_pool1d if nd == 1 else avg_pool2d
    out = pool(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    # torch's steps after the pooling: the kernel size as a multiplier, then the 1/p power
    if nd == 1 and isinstance(kernel_size, (tuple, list)):
        raise TypeError(f"mul(): argument 'other' (position 1) must be Tensor, not {type(kernel_size).__name__}")
    if norm_type == 0:
        raise ZeroDivisionError("float division by zero")
    return (out.sign() * out.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


# ------------------------------------------------------------------- unpool
def _check_unpool(input, indices, nd: int) -> None:
    """torch's checks of max_unpool (max_unpool1d runs as 2-d on views with a trailing dim of 1)."""
    if input.dim() < nd:  # torch's default output size reads nd trailing sizes
        raise IndexError("tuple index out of range")
    xs, js = list(input.shape), list(indices.shape)
    if nd == 1:
        xs, js = xs + [1], js + [1]
    k = max(nd, 2)
    if indices.dtype.name != "int64":
        raise RuntimeError("elements in indices should be type int64"
                           + (f" but got: {SCALAR_TYPE_NAMES[indices.dtype.name]}" if k == 2 else ""))
    if len(xs) not in (k + 1, k + 2):
        raise RuntimeError(f"Input to max_unpooling{k}d should be a {k + 1}d or {k + 2}d Tensor, but got a "
                           f"tensor with {len(xs)} dimensions.")
    if xs != js:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({xs}) but got "
                           f"indices tensor with shape: {js}")
    for i in range(1, len(xs)):
        if xs[i] == 0:
            raise RuntimeError(f"max_unpooling{k}d_forward_out_cpu(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but got {xs} with dimension {i} being empty.")


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    kernel = _tuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None else _tuple(stride, nd, "stride")
    padding = _tuple(padding, nd, "padding")
    _check_unpool(input, indices, nd)
    x, unbatched = _batched(input, nd)
    idx = indices.unsqueeze(0) if unbatched else indices
    in_sp = tuple(x.shape[2:])
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(in_sp, stride, padding, kernel))
    if output_size is None:
        out_sp = default
    else:
        out_sp = tuple(int(v) for v in tuple(output_size)[-nd:])
        for o, d, s in zip(out_sp, default, stride):
            if not d - s < o < d + s:
                raise ValueError(
                    f"invalid output_size \"{list(output_size)}\" (dim {nd} must be between "
                    f"{d - s} and {d + s})")
    N, C = x.shape[:2]
    total = math.prod(out_sp)
    if idx._data.size and (idx._data.max() >= total or idx._data.min() < 0):
        raise RuntimeError(f"Found an invalid max index: {int(idx._data.max())} (output volumes are of "
                           f"size {'x'.join(map(str, out_sp))}")
    zeros = Tensor._make(array_module(x._data).zeros((N, C, total), dtype=x._data.dtype), False, None, 0)
    n_in = math.prod(in_sp)
    out = zeros.scatter(2, idx.reshape(N, C, n_in), x.reshape(N, C, n_in)).reshape((N, C) + out_sp)
    return out.squeeze(0) if unbatched else out


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: values back at their argmax positions, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: values back at their argmax positions, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)
