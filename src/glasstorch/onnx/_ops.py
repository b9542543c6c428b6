"""Op-level converters: one glasstorch Function (with its traced arguments) -> ONNX nodes.

Each converter is ``fn(builder, args, outs)``: ``args`` are exactly what the
op's ``apply`` received (Tensors, numbers, shapes, plans), ``outs`` the
Tensor(s) it returned. A converter adds nodes and binds every output.
"""

# host module: ONNX initializers are host arrays; tensor data is read through backend.to_numpy
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._common import INT64_MAX, UnsupportedOperatorError, _f, _out, _tp, register


def _operand(b, x, dtype) -> str:
    """A tensor or a number as an input of ``dtype`` (cast when it differs)."""
    if isinstance(x, Tensor):
        name = b.name(x)
        if x._data.dtype != dtype:
            name = b.node("Cast", [name], to=_tp(dtype))
        return name
    return b.const(backend.to_numpy(x._data) if hasattr(x, "_data") else x, dtype=dtype)








# -- elementwise ---------------------------------------------------------------------------
_UNARY = {
    "Neg": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Reciprocal": "Reciprocal",
    "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin", "Acos": "Acos", "Atan": "Atan",
    "Sinh": "Sinh", "Cosh": "Cosh", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Relu": "Relu",
    "Erf": "Erf", "Abs": "Abs", "Sign": "Sign", "Floor": "Floor", "Ceil": "Ceil",
    "LogicalNot": "Not", "IsNan": "IsNaN", "Softsign": "Softsign",
}


def _unary(op):
    def conv(b, args, outs):
        _out(b, outs, b.node(op, [b.name(args[0])]), args)
    return conv


for _k, _v in _UNARY.items():
    register(_k)(_unary(_v))


@register("Round")
def _round(b, args, outs):
    if len(args) > 1 and args[1]:
        raise UnsupportedOperatorError("Exporting 'round' with decimals is not supported")
    _out(b, outs, b.node("Round", [b.name(args[0])]), args)


@register("Rsqrt")
def _rsqrt(b, args, outs):
    _out(b, outs, b.node("Reciprocal", [b.node("Sqrt", [b.name(args[0])])]), args)


@register("Log2", "Log10")
def _log_base(b, args, outs):
    x = args[0]
    base = {"Log2": 2.0, "Log10": 10.0}[b.current]
    ln = b.node("Log", [b.name(x)])
    _out(b, outs, b.node("Div", [ln, b.const(np.log(base), dtype=x._data.dtype)]), args)


@register("Log1p")
def _log1p(b, args, outs):
    x = args[0]
    one = b.const(1, dtype=x._data.dtype)
    _out(b, outs, b.node("Log", [b.node("Add", [b.name(x), one])]), args)


@register("Expm1")
def _expm1(b, args, outs):
    x = args[0]
    one = b.const(1, dtype=x._data.dtype)
    _out(b, outs, b.node("Sub", [b.node("Exp", [b.name(x)]), one]), args)


_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Maximum": "Max",
           "Minimum": "Min", "Pow": "Pow", "PowScalar": "Pow", "_IntPow": "Pow"}


def _binary(op, swap=False):
    def conv(b, args, outs):
        dt = outs._data.dtype
        a, c = args[0], args[1]
        if swap:
            a, c = c, a
        _out(b, outs, b.node(op, [_operand(b, a, dt), _operand(b, c, dt)]), args)
    return conv


for _k, _v in _BINARY.items():
    register(_k)(_binary(_v))
register("Rsub")(_binary("Sub", swap=True))
register("RPowScalar")(_binary("Pow"))


def _common_dtype(a, c):
    """The dtype both sides of a comparison are cast to (a number follows the tensor's kind)."""
    tensors = [t for t in (a, c) if isinstance(t, Tensor)]
    if len(tensors) == 2:
        return np.promote_types(a._data.dtype, c._data.dtype)
    d = tensors[0]._data.dtype
    other = c if tensors[0] is a else a
    if d.kind in "iub" and isinstance(other, float):
        return np.dtype(np.float32)
    if d.kind == "b" and isinstance(other, int) and not isinstance(other, bool):
        return np.dtype(np.int64)
    return d


_COMPARE = {"Eq": "Equal", "Lt": "Less", "Gt": "Greater", "Le": "LessOrEqual", "Ge": "GreaterOrEqual",
            "Logical_and": "And", "Logical_or": "Or", "Logical_xor": "Xor", "Ne": "Equal"}


def _compare(op, negate=False):
    def conv(b, args, outs):
        a, c = args[0], args[1]
        dt = _common_dtype(a, c)
        if op in ("And", "Or", "Xor"):
            dt = np.dtype(bool)
        y = b.node(op, [_operand(b, a, dt), _operand(b, c, dt)])
        if negate:
            y = b.node("Not", [y])
        _out(b, outs, y, args)
    return conv


for _k, _v in _COMPARE.items():
    register(_k)(_compare(_v, negate=_k == "Ne"))


@register("Cast")
def _cast(b, args, outs):
    _out(b, outs, b.node("Cast", [b.name(args[0])], to=_tp(outs._data.dtype)), args)


@register("Clamp")
def _clamp(b, args, outs):
    x, lo, hi = args
    dt = outs._data.dtype
    xn = _operand(b, x, dt)
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        if lo is not None:
            xn = b.node("Max", [xn, _operand(b, lo, dt)])
        if hi is not None:
            xn = b.node("Min", [xn, _operand(b, hi, dt)])
        return _out(b, outs, xn, args)
    ins = [xn, None if lo is None else b.const(lo, dtype=dt), None if hi is None else b.const(hi, dtype=dt)]
    while ins[-1] is None:
        ins.pop()
    _out(b, outs, b.node("Clip", ins), args)


@register("Where")
def _where(b, args, outs):
    cond, a, c = args
    dt = outs._data.dtype
    _out(b, outs, b.node("Where", [_operand(b, cond, np.dtype(bool)), _operand(b, a, dt), _operand(b, c, dt)]),
         args)


@register("MaskedFill")
def _masked_fill(b, args, outs):
    x, mask, value = args
    dt = outs._data.dtype
    _out(b, outs, b.node("Where", [_operand(b, mask, np.dtype(bool)), _operand(b, value, dt), b.name(x)]), args)


# -- reductions ----------------------------------------------------------------------------
def _dims(x, dims):
    if dims is None:
        return list(range(x.ndim))
    if isinstance(dims, int):
        dims = (dims,)
    return [int(d) % max(x.ndim, 1) for d in dims]


def _reduce(b, op, x, dims, keepdim, name=None):
    axes = _dims(x, dims)
    xn = b.name(x) if name is None else name
    if not axes:
        return xn
    if op == "ReduceSum" or b.opset >= 18:
        return b.node(op, [xn, b.ints(axes)], keepdims=int(bool(keepdim)))
    return b.node(op, [xn], axes=axes, keepdims=int(bool(keepdim)))


@register("Sum")
def _sum(b, args, outs):
    x, dims, keepdim = args[0], args[1], args[2]
    xn = _operand(b, x, outs._data.dtype)
    _out(b, outs, _reduce(b, "ReduceSum", x, dims, keepdim, xn), args)


@register("SumAll")
def _sum_all(b, args, outs):
    x = args[0]
    _out(b, outs, _reduce(b, "ReduceSum", x, None, False, _operand(b, x, outs._data.dtype)), args)


@register("Mean")
def _mean(b, args, outs):
    x = args[0]
    dims, keepdim = (args[1], args[2]) if len(args) > 2 else (None, False)
    _out(b, outs, _reduce(b, "ReduceMean", x, dims, keepdim), args)


@register("Amax", "Amin")
def _amax(b, args, outs):
    x, dims, keepdim = args
    op = "ReduceMax" if b.current == "Amax" else "ReduceMin"
    _out(b, outs, _reduce(b, op, x, dims, keepdim), args)


@register("MaxAll", "MinAll")
def _max_all(b, args, outs):
    op = "ReduceMax" if b.current.startswith("Max") else "ReduceMin"
    _out(b, outs, _reduce(b, op, args[0], None, False), args)


@register("MaxDim", "MinDim")
def _max_dim(b, args, outs):
    x, dim, keepdim = args[0], int(args[1]) % x_ndim(args[0]), bool(args[2])
    is_max = b.current.startswith("Max")
    vals = _reduce(b, "ReduceMax" if is_max else "ReduceMin", x, (dim,), keepdim)
    idx = b.node("ArgMax" if is_max else "ArgMin", [b.name(x)], axis=dim, keepdims=int(keepdim))
    _out(b, outs[0], vals, args)
    _out(b, outs[1], idx, args)


def x_ndim(x):
    return max(x.ndim, 1)


@register("_Arg")
def _arg(b, args, outs):
    x, dim, keepdim, is_max = args
    op = "ArgMax" if is_max else "ArgMin"
    xn = b.name(x)
    if dim is None:
        xn = b.node("Reshape", [xn, b.ints([-1])])
        y = b.node(op, [xn], axis=0, keepdims=0)
    else:
        y = b.node(op, [xn], axis=int(dim) % x_ndim(x), keepdims=int(bool(keepdim)))
    _out(b, outs, y, args)


@register("Var", "Std")
def _var(b, args, outs):
    x, dims, correction, keepdim = args
    axes = _dims(x, dims)
    xn = b.name(x)
    mean = _reduce(b, "ReduceMean", x, axes, True)
    d = b.node("Sub", [xn, mean])
    ss = _reduce(b, "ReduceSum", x, axes, keepdim, b.node("Mul", [d, d]))
    n = math.prod(x.shape[a] for a in axes) - correction
    y = b.node("Div", [ss, b.const(_f(x, n))])
    if b.current == "Std":
        y = b.node("Sqrt", [y])
    _out(b, outs, y, args)


@register("Logsumexp")
def _logsumexp(b, args, outs):
    x, dims, keepdim = args
    _out(b, outs, _reduce(b, "ReduceLogSumExp", x, dims, keepdim), args)


@register("Prod")
def _prod(b, args, outs):
    x, dim, keepdim = args[0], args[1], args[2]
    _out(b, outs, _reduce(b, "ReduceProd", x, dim, keepdim, _operand(b, x, outs._data.dtype)), args)


@register("Cumsum")
def _cumsum(b, args, outs):
    x, dim = args[0], args[1]
    y = b.node("CumSum", [_operand(b, x, outs._data.dtype), b.const(np.int64(int(dim) % x_ndim(x)))])
    _out(b, outs, y, args)


# -- linear algebra ------------------------------------------------------------------------
@register("MatMul", "Dot")
def _matmul(b, args, outs):
    _out(b, outs, b.node("MatMul", [b.name(args[0]), b.name(args[1])]), args)


@register("Addmm")
def _addmm(b, args, outs):
    inp, m1, m2, beta, alpha = args
    _out(b, outs, b.node("Gemm", [b.name(m1), b.name(m2), b.name(inp)], alpha=float(alpha), beta=float(beta)),
         args)


@register("Einsum")
def _einsum(b, args, outs):
    eq, ops = args[0], args[1:]
    _out(b, outs, b.node("Einsum", [b.name(t) for t in ops], equation=eq.replace(" ", "")), args)


# -- shapes ------------------------------------------------------------------------------------
@register("_ToShape")
def _reshape(b, args, outs):
    x = args[0]
    shape, dyn = b.shape_input(outs.shape, x)
    b.bind(outs, b.node("Reshape", [b.name(x), shape]), dyn=dyn)


@register("Alias", "_Contiguous", "Clone", "_AliasIdx")
def _identity(b, args, outs):
    b.bind(outs, b.node("Identity", [b.name(args[0])]), dyn=b.dyn(args[0]))


@register("Permute")
def _permute(b, args, outs):
    x, dims = args
    perm = [int(d) % x.ndim for d in dims]
    d = b.dyn(x)
    b.bind(outs, b.node("Transpose", [b.name(x)], perm=perm), dyn=[d[p] for p in perm])


@register("Transpose")
def _transpose(b, args, outs):
    x, d0, d1 = args
    if x.ndim < 2:
        return _identity(b, args, outs)
    perm = list(range(x.ndim))
    d0, d1 = int(d0) % x.ndim, int(d1) % x.ndim
    perm[d0], perm[d1] = perm[d1], perm[d0]
    d = b.dyn(x)
    b.bind(outs, b.node("Transpose", [b.name(x)], perm=perm), dyn=[d[p] for p in perm])


@register("Expand")
def _expand(b, args, outs):
    x = args[0]
    target = list(outs.shape)
    # dims that stay as they are in x are marked 1: Expand broadcasts them at run time
    lead = len(target) - x.ndim
    plain = [1 if j >= lead and x.shape[j - lead] == n else n for j, n in enumerate(target)]
    b.bind(outs, b.node("Expand", [b.name(x), b.ints(plain)]), sources=[x])


@register("Cat")
def _cat(b, args, outs):
    dim, xs = args[0], args[1:]
    dt = outs._data.dtype
    ins = [_operand(b, t, dt) for t in xs if not (t.ndim == 1 and t.shape[0] == 0 and outs.ndim > 1)]
    _out(b, outs, b.node("Concat", ins, axis=int(dim) % outs.ndim), args)


@register("Stack")
def _stack(b, args, outs):
    dim, xs = args[0], args[1:]
    d = int(dim) % outs.ndim
    ins = [b.node("Unsqueeze", [b.name(t), b.ints([d])]) for t in xs]
    _out(b, outs, ins[0] if len(ins) == 1 else b.node("Concat", ins, axis=d), args)


@register("Split")
def _split(b, args, outs):
    x, dim, sizes = args
    d = int(dim) % x.ndim
    parts = [o.shape[d] for o in outs]
    names = b.node("Split", [b.name(x), b.ints(parts)], n_out=len(parts), axis=d)
    names = [names] if isinstance(names, str) else names
    for o, n in zip(outs, names):
        b.bind(o, n, sources=[x])


@register("Unbind")
def _unbind(b, args, outs):
    x, dim = args
    d = int(dim) % x.ndim
    n = len(outs)
    names = b.node("Split", [b.name(x), b.ints([1] * n)], n_out=n, axis=d)
    names = [names] if isinstance(names, str) else names
    for o, nm in zip(outs, names):
        b.bind(o, b.node("Squeeze", [nm, b.ints([d])]), sources=[x])


@register("Narrow")
def _narrow(b, args, outs):
    x, dim, start, length = args
    d = int(dim) % x.ndim
    y = b.node("Slice", [b.name(x), b.ints([start]), b.ints([start + length]), b.ints([d])])
    _out(b, outs, y, args)


@register("Tril", "Triu")
def _trilu(b, args, outs):
    x, k = args
    _out(b, outs, b.node("Trilu", [b.name(x), b.const(np.int64(k))], upper=int(b.current == "Triu")), args)


@register("Flip")
def _flip(b, args, outs):
    x, dims = args
    axes = [int(d) % x.ndim for d in dims]
    n = len(axes)
    y = b.node("Slice", [b.name(x), b.ints([-1] * n), b.ints([-INT64_MAX] * n), b.ints(axes), b.ints([-1] * n)])
    _out(b, outs, y, args)


@register("Repeat")
def _repeat(b, args, outs):
    x, reps = args
    reps = [int(r) for r in reps]
    xn = b.name(x)
    lead = len(reps) - x.ndim
    if lead:
        xn = b.node("Reshape", [xn, b.ints([1] * lead + list(x.shape))])
    _out(b, outs, b.node("Tile", [xn, b.ints(reps)]), args)


@register("ConstantPad", "PadZeros")
def _pad(b, args, outs):
    x, pads = args[0], args[1]
    value = args[2] if len(args) > 2 else 0
    pairs = _pad_pairs(x, pads)
    lo = [p[0] for p in pairs]
    hi = [p[1] for p in pairs]
    if any(v < 0 for v in lo + hi):
        raise UnsupportedOperatorError("Exporting negative padding is not supported")
    y = b.node("Pad", [b.name(x), b.ints(lo + hi), b.const(_f(x, value))], mode="constant")
    _out(b, outs, y, args)


def _pad_pairs(x, pads):
    """(lo, hi) per dim of ``x`` from either per-dim pairs or torch's flat last-dim-first list."""
    pads = list(pads)
    if pads and isinstance(pads[0], (tuple, list)):
        pairs = [tuple(p) for p in pads]
        return [(0, 0)] * (x.ndim - len(pairs)) + pairs
    pairs = [(pads[i], pads[i + 1]) for i in range(0, len(pads), 2)][::-1]
    return [(0, 0)] * (x.ndim - len(pairs)) + pairs


# -- indexing ----------------------------------------------------------------------------------
@register("_Slice")
def _slice(b, args, outs):
    x, plan = args
    b.bind(outs, _basic_index(b, x, plan.basic), sources=[x])


def _basic_index(b, x, basic):
    """Ints, slices, None and Ellipsis applied to ``x`` as Slice / Gather / Unsqueeze nodes."""
    name = b.name(x)
    if not basic:
        return b.node("Identity", [name])
    items = list(basic)
    used = sum(1 for k in items if k is not None and k is not Ellipsis)
    if Ellipsis in items:
        e = items.index(Ellipsis)
        items = items[:e] + [slice(None)] * (x.ndim - used) + [k for k in items[e + 1:] if k is not Ellipsis]
    starts, ends, axes, steps = [], [], [], []
    axis = 0
    for k in items:
        if isinstance(k, slice):
            if k != slice(None):
                n = x.shape[axis]
                start = 0 if k.start is None else k.start
                stop = k.stop
                if stop is None or stop >= n:
                    stop = INT64_MAX
                starts.append(start)
                ends.append(stop)
                axes.append(axis)
                steps.append(1 if k.step is None else k.step)
            axis += 1
        elif k is not None:
            axis += 1
    if axes:
        name = b.node("Slice", [name, b.ints(starts), b.ints(ends), b.ints(axes), b.ints(steps)])
    # then the integer picks, from the last axis back so the earlier axes keep their numbers
    axis = 0
    picks, news = [], []
    out_axis = 0
    for k in items:
        if k is None:
            news.append(out_axis)
            out_axis += 1
        elif isinstance(k, slice):
            axis += 1
            out_axis += 1
        else:
            picks.append((axis, int(k)))
            axis += 1
    for a, i in reversed(picks):
        name = b.node("Gather", [name, b.const(np.int64(i))], axis=a)
    if news:
        name = b.node("Unsqueeze", [name, b.ints(news)])
    return name


@register("_Index")
def _index(b, args, outs):
    x, plan = args
    name = _basic_index(b, x, plan.basic) if plan.basic else b.name(x)
    arrays = [(i, a) for i, a in enumerate(plan.adv) if backend.is_device_array(a)]
    if len(arrays) != 1 or arrays[0][1].dtype == np.bool_:
        raise UnsupportedOperatorError(
            "Exporting the operator 'Index' is supported for one integer index tensor only")
    axis, arr = arrays[0]
    t = b.index_tensor(arr)
    idx = b.name(t) if t is not None else b.const(arr.astype(np.int64))
    b.bind(outs, b.node("Gather", [name, idx], axis=axis), sources=[x] + ([t] if t is not None else []))


@register("IndexSelect")
def _index_select(b, args, outs):
    x, dim, index = args
    _out(b, outs, b.node("Gather", [b.name(x), b.name(index)], axis=int(dim) % x_ndim(x)), args)


@register("Gather", "TakeAlong")
def _gather(b, args, outs):
    x, dim, index = args
    _out(b, outs, b.node("GatherElements", [b.name(x), b.name(index)], axis=int(dim) % x_ndim(x)), args)


@register("Bitwise_and", "Bitwise_or", "Bitwise_xor", "BitwiseNot")
def _bitwise(b, args, outs):
    kind = b.current.split("_")[-1].capitalize() if "_" in b.current else "Not"
    if outs._data.dtype == np.bool_:
        ins = [_operand(b, a, np.dtype(bool)) for a in args]
        return _out(b, outs, b.node(kind, ins), args)
    if b.opset < 18:
        raise UnsupportedOperatorError(
            f"Exporting the operator '{b.current}' on integers needs opset version 18 or later")
    ins = [_operand(b, a, outs._data.dtype) for a in args]
    _out(b, outs, b.node("Bitwise" + kind, ins), args)


