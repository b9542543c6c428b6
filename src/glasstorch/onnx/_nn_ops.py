"""Converters for the nn-level ops: activations, linear, embedding, convolution, pooling,
normalisation and attention (the tensor-level ones are in ``_ops.py``)."""

# host module: ONNX initializers are host arrays; tensor data is read through backend.to_numpy
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ._common import UnsupportedOperatorError, _f, _out, _srcs, register


# -- activations ---------------------------------------------------------------------------
@register("LeakyRelu")
def _leaky(b, args, outs):
    _out(b, outs, b.node("LeakyRelu", [b.name(args[0])], alpha=float(args[1])), args)


@register("Hardtanh")
def _hardtanh(b, args, outs):
    x, lo, hi = args
    _out(b, outs, b.node("Clip", [b.name(x), b.const(_f(x, lo)), b.const(_f(x, hi))]), args)


@register("Threshold")
def _threshold(b, args, outs):
    x, th, value = args
    xn = b.name(x)
    keep = b.node("Greater", [xn, b.const(_f(x, th))])
    _out(b, outs, b.node("Where", [keep, xn, b.const(_f(x, value))]), args)


@register("Hardsigmoid")
def _hardsigmoid(b, args, outs):
    _out(b, outs, b.node("HardSigmoid", [b.name(args[0])], alpha=1.0 / 6, beta=0.5), args)


@register("Hardswish")
def _hardswish(b, args, outs):
    _out(b, outs, b.node("HardSwish", [b.name(args[0])]), args)


@register("Hardshrink", "Softshrink")
def _shrink(b, args, outs):
    x, lambd = args
    bias = float(lambd) if b.current == "Softshrink" else 0.0
    _out(b, outs, b.node("Shrink", [b.name(x)], lambd=float(lambd), bias=bias), args)


@register("Prelu")
def _prelu(b, args, outs):
    x, w = args
    slope = b.name(w)
    if w._data.size > 1 and x.ndim > 2:  # one slope per channel (dim 1)
        slope = b.node("Reshape", [slope, b.ints([-1] + [1] * (x.ndim - 2))])
    _out(b, outs, b.node("PRelu", [b.name(x), slope]), args)


@register("Elu", "Celu")
def _elu(b, args, outs):
    x = args[0]
    if b.current == "Celu":
        alpha = float(args[1])
        return _out(b, outs, b.node("Celu", [b.name(x)], alpha=alpha), args)
    _, alpha, scale, input_scale = args
    xn = b.name(x)
    if input_scale != 1:
        xn = b.node("Mul", [xn, b.const(_f(x, input_scale))])
    if scale != 1 and alpha != 0:
        # SELU: scale * (x if x > 0 else alpha * (exp(x) - 1))
        y = b.node("Selu", [xn], alpha=float(alpha), gamma=float(scale))
    else:
        y = b.node("Elu", [xn], alpha=float(alpha))
        if scale != 1:
            y = b.node("Mul", [y, b.const(_f(x, scale))])
    _out(b, outs, y, args)


@register("Softplus")
def _softplus(b, args, outs):
    x, beta, threshold = args
    xn = b.name(x)
    bx = xn if beta == 1 else b.node("Mul", [xn, b.const(_f(x, beta))])
    sp = b.node("Softplus", [bx])
    if beta != 1:
        sp = b.node("Div", [sp, b.const(_f(x, beta))])
    big = b.node("Greater", [bx, b.const(_f(x, threshold))])
    _out(b, outs, b.node("Where", [big, xn, sp]), args)


@register("LogSigmoid")
def _logsigmoid(b, args, outs):
    x = args[0]
    # log(sigmoid(x)) = -softplus(-x)
    neg = b.node("Neg", [b.name(x)])
    _out(b, outs, b.node("Neg", [b.node("Softplus", [neg])]), args)


@register("Silu")
def _silu(b, args, outs):
    xn = b.name(args[0])
    _out(b, outs, b.node("Mul", [xn, b.node("Sigmoid", [xn])]), args)


@register("Mish")
def _mish(b, args, outs):
    x = args[0]
    xn = b.name(x)
    sp = b.node("Softplus", [xn])
    big = b.node("Greater", [xn, b.const(_f(x, 20.0))])
    sp = b.node("Where", [big, xn, sp])
    _out(b, outs, b.node("Mul", [xn, b.node("Tanh", [sp])]), args)


@register("Tanhshrink")
def _tanhshrink(b, args, outs):
    xn = b.name(args[0])
    _out(b, outs, b.node("Sub", [xn, b.node("Tanh", [xn])]), args)


@register("Gelu")
def _gelu(b, args, outs):
    x, approximate = args
    xn = b.name(x)
    half = b.const(_f(x, 0.5))
    one = b.const(_f(x, 1.0))
    if approximate == "tanh":
        x3 = b.node("Mul", [b.node("Mul", [xn, xn]), xn])
        inner = b.node("Add", [xn, b.node("Mul", [x3, b.const(_f(x, 0.044715))])])
        inner = b.node("Mul", [inner, b.const(_f(x, math.sqrt(2.0 / math.pi)))])
        t = b.node("Tanh", [inner])
    else:
        t = b.node("Erf", [b.node("Mul", [xn, b.const(_f(x, 1.0 / math.sqrt(2.0)))])])
    y = b.node("Mul", [b.node("Mul", [xn, half]), b.node("Add", [t, one])])
    _out(b, outs, y, args)


@register("Glu")
def _glu(b, args, outs):
    x, dim = args
    a, g = b.node("Split", [b.name(x), b.ints([x.shape[dim] // 2] * 2)], n_out=2, axis=int(dim))
    _out(b, outs, b.node("Mul", [a, b.node("Sigmoid", [g])]), args)


@register("Softmax", "LogSoftmax")
def _softmax(b, args, outs):
    x, dim = args
    _out(b, outs, b.node(b.current, [b.name(x)], axis=int(dim)), args)


# -- linear and embedding ----------------------------------------------------------------
@register("_Linear", "_LinearNoBias", "_LinearND", "_LinearNDNoBias")
def _linear(b, args, outs):
    x, w, bias = args
    if x.ndim == 2:
        ins = [b.name(x), b.name(w)] + ([b.name(bias)] if bias is not None else [])
        return _out(b, outs, b.node("Gemm", ins, transB=1), args)
    y = b.node("MatMul", [b.name(x), b.node("Transpose", [b.name(w)], perm=[1, 0])])
    if bias is not None:
        y = b.node("Add", [y, b.name(bias)])
    _out(b, outs, y, args)


@register("Embedding")
def _embedding(b, args, outs):
    weight, idx = args[0], args[1]
    _out(b, outs, b.node("Gather", [b.name(weight), b.name(idx)], axis=0), args)


# -- convolution and pooling ---------------------------------------------------------------------
def _geom_attrs(geom):
    lo = [p[0] for p in geom.pads]
    hi = [p[1] for p in geom.pads]
    return dict(kernel_shape=list(geom.kernel), strides=list(geom.stride), pads=lo + hi,
                dilations=list(geom.dilation))


@register("Convolution")
def _conv(b, args, outs):
    x, w, bias, geom = args
    ins = [b.name(x), b.name(w)] + ([b.name(bias)] if bias is not None else [])
    _out(b, outs, b.node("Conv", ins, group=int(geom.groups), **_geom_attrs(geom)), args)


@register("ConvTranspose")
def _conv_transpose(b, args, outs):
    x, w, bias, geom = args
    attrs = _geom_attrs(geom)
    # geom is the forward convolution this op is the adjoint of: its input is our output
    out_pad = []
    for n_in, n_out, s, d, k, (lo, hi) in zip(x.shape[2:], geom.in_sp, geom.stride, geom.dilation,
                                             geom.kernel, geom.pads):
        out_pad.append(n_out - (s * (n_in - 1) + d * (k - 1) + 1 - lo - hi))
    ins = [b.name(x), b.name(w)] + ([b.name(bias)] if bias is not None else [])
    y = b.node("ConvTranspose", ins, group=int(geom.groups), output_padding=out_pad, **attrs)
    _out(b, outs, y, args)


@register("MaxPool")
def _max_pool(b, args, outs):
    x, geom, with_indices = args
    if with_indices:
        raise UnsupportedOperatorError("Exporting max pooling with return_indices=True is not supported")
    _out(b, outs, b.node("MaxPool", [b.name(x)], **_geom_attrs(geom)), args)


@register("AvgPool")
def _avg_pool(b, args, outs):
    x, geom, div = args
    attrs = _geom_attrs(geom)
    attrs.pop("dilations")
    y = b.node("AveragePool", [b.name(x)], count_include_pad=1, **attrs)
    k = math.prod(geom.kernel)
    div = backend.to_numpy(div)
    if not (div.ndim == 0 and float(div) == k):
        y = b.node("Mul", [y, b.const((k / div).astype(x._data.dtype))])
    _out(b, outs, y, args)


# -- normalisation and attention -----------------------------------------------------------------
@register("_FusedNorm")
def _fused_norm(b, args, outs):
    """Statistics over axes 0 and 2 of a 3-D view: layer norm when per-feature, else the
    group/instance form (or batch norm in training, which export does not use)."""
    x, w, bias, shape3, per_b, eps, _ = args
    A, B, L = shape3
    dt = x._data.dtype
    if A == 1 and not per_b:  # layer norm over the trailing dims that hold L elements
        k, n = 0, 1
        while n < L and k < x.ndim:
            k += 1
            n *= x.shape[-k]
        scale = b.name(w) if w is not None else b.const(np.ones(x.shape[-k:], dt))
        ins = [b.name(x), scale] + ([b.name(bias)] if bias is not None else [])
        return _out(b, outs, b.node("LayerNormalization", ins, axis=-k, epsilon=float(eps)), args)
    if A == 1 and per_b and w is None and bias is None and x.ndim >= 2 and B % x.shape[0] == 0:
        # group norm: (N, G, rest) normalised per (sample, group) by InstanceNormalization
        groups = B // x.shape[0]
        xs, _ = b.shape_input([x.shape[0], groups, L], x)
        y = b.node("Reshape", [b.name(x), xs])
        y = b.node("InstanceNormalization", [y, b.const(np.ones(groups, dt)), b.const(np.zeros(groups, dt))],
                   epsilon=float(eps))
        y = b.node("Reshape", [y, b.node("Shape", [b.name(x)])])
        return _out(b, outs, y, args)
    raise UnsupportedOperatorError(
        f"Exporting the operator '{b.current}' is supported for layer and group norm, and batch norm "
        "in eval mode")


@register("_SDPA")
def _sdpa(b, args, outs):
    q, k, v, bias, keep, scale, zero_dead = (list(args) + [True])[:7]
    if keep is not None:
        raise UnsupportedOperatorError("Exporting attention with dropout in training mode is not supported")
    dt = q._data.dtype
    kt = b.node("Transpose", [b.name(k)], perm=list(range(k.ndim - 2)) + [k.ndim - 1, k.ndim - 2])
    s = b.node("Mul", [b.node("MatMul", [b.name(q), kt]), b.const(np.asarray(scale, dt))])
    if bias is not None:
        s = b.node("Add", [s, b.name(bias)])
    p = b.node("Softmax", [s], axis=-1)
    if bias is not None and zero_dead:  # fully masked rows: zero weights, not NaN
        p = b.node("Where", [b.node("IsNaN", [p]), b.const(np.zeros((), dt)), p])
    y = b.node("MatMul", [p, b.name(v)])
    srcs = _srcs(args[:4])
    b.bind(outs[0], y, sources=srcs)
    b.bind(outs[1], p, sources=srcs)
