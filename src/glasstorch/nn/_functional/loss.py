"""Loss functions.

``cross_entropy`` (log-softmax and NLL in one op), ``nll_loss``,
``binary_cross_entropy`` and ``binary_cross_entropy_with_logits`` are fused
ops with hand-written backwards; they work for any logits, however large.
The others are short compositions of differentiable ops.

Class-dimension losses accept torch's shapes: (N, C) with target (N), (C)
with a 0-d target, and (N, C, d1, ...) with target (N, d1, ...).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import ops
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...backend import array_module
from ...dtypes import CPP_TYPE_NAMES, OVERFLOW_TYPE_NAMES, SCALAR_TYPE_NAMES, promote_types, result_type
from ...dtypes import get_default_dtype as default_dtype
from ...ops._util import broadcast_shape
from ...ops.reduce import _max_along, _sum_along
from ...tensor import Tensor
from . import _checks_loss as checks
from .activation import logsigmoid, softplus
from .distance import _norm

__all__ = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "cosine_embedding_loss", "margin_ranking_loss",
    "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
    "poisson_nll_loss", "gaussian_nll_loss", "multilabel_margin_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


# ---------------------------------------------------------------- reduction helpers
def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """Map the deprecated ``size_average`` / ``reduce`` flags onto ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  f"{'none' if reduce is False else 'mean' if size_average in (None, True) else 'sum'}"
                  "' instead.", stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduction(reduction: str, size_average=None, reduce=None, also: tuple = (),
               error: str = "{} is not a valid value for reduction") -> str:
    """The checked ``reduction`` ('none' | 'mean' | 'sum', or one of ``also``), after
    the deprecated ``size_average`` / ``reduce`` flags have had their say; a bad one
    raises ValueError with torch's ``error`` (two losses word it shorter)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + also:
        raise ValueError(error.format(reduction))
    return reduction


def _reduce(loss: Tensor, reduction: str, weight: Tensor | None = None) -> Tensor:
    """Reduce a per-element loss: 'none' keeps it, 'sum' adds it up, 'mean' divides the
    sum by the number of elements, or by the summed ``weight`` for a weighted mean."""
    if reduction == "mean":
        return loss.mean() if weight is None else loss.sum() / weight.sum()
    if reduction == "sum":
        return loss.sum()
    return loss


def _reduce_rows(rows, reduction: str, denom):
    """A fused op's per-row losses (an array) reduced: 'mean' divides the sum by ``denom``
    (the rows' summed weight, 0 when every row is ignored: then NaN, as in torch)."""
    if reduction == "none":
        return rows
    xp = array_module(rows)
    total = rows.sum(dtype=rows.dtype)
    if reduction == "sum":
        return xp.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return xp.asarray(total / denom)


# ---------------------------------------------------------------- NLL / cross-entropy (fused)
class _ClassTargets:
    """Per-row target data shared by the NLL and cross-entropy ops on (M, C) input.

    ``tw[i]`` is the weight of row i's target class (0 for ignored rows) and
    ``idx`` the target with ignored rows pointing at class 0.
    """

    def __init__(self, target, weight, ignore_index, n_classes, dtype):
        xp = array_module(target)
        valid = target != ignore_index
        self.mask = valid  # ignored rows add exactly 0, even where the input is NaN
        self.idx = xp.where(valid, target, 0)
        self.rows = xp.arange(target.shape[0])
        self.valid = valid.astype(dtype)
        w = xp.ones(n_classes, dtype) if weight is None else weight.astype(dtype, copy=False)
        self.w = w
        self.tw = w[self.idx] * self.valid
        self.weighted = weight is not None


def _scale(grad: Tensor, reduction: str, n_rows: int, denom: float, counted=None) -> Tensor:
    """Per-row gradient of the reduced loss, as a Tensor of shape (M,); exactly 0 on the
    rows ``counted`` leaves out (ignored targets), even when every row is ignored and
    'mean' divides by a summed weight of 0."""
    if reduction != "none":
        grad = grad.reshape(1).expand(n_rows)
        grad = grad / denom if reduction == "mean" else grad
    if counted is None or counted.all():
        return grad
    return ops.where(Tensor._make(counted, False, None, 0), grad, 0.0)


def _gather_rows(x: Tensor, idx) -> Tensor:
    return ops.gather(x, 1, Tensor._make(idx.reshape(-1, 1), False, None, 0)).reshape(-1)


def _put_rows(values: Tensor, idx, shape) -> Tensor:
    """A (M, C) tensor that is ``values[i]`` at (i, idx[i]) and zero elsewhere."""
    zeros = ops.zeros(shape, dtype=values.dtype)
    return ops.scatter_add(zeros, 1, Tensor._make(idx.reshape(-1, 1), False, None, 0), values.reshape(-1, 1))


class NllLoss(Function):
    """-w[t_i] * x[i, t_i] per row of (M, C) log-probabilities, then reduced."""

    array_io = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp = array_module(x)
        ct = _ClassTargets(target, weight, ignore_index, x.shape[1], x.dtype)
        rows = xp.where(ct.mask, -x[ct.rows, ct.idx] * ct.tw, 0).astype(x.dtype, copy=False)
        ctx.ct, ctx.reduction, ctx.shape = ct, reduction, x.shape
        ctx.denom = ct.tw.sum(dtype=x.dtype)
        return _reduce_rows(rows, reduction, ctx.denom)

    @staticmethod
    def backward(ctx, grad):
        ct = ctx.ct
        g = _scale(grad, ctx.reduction, ctx.shape[0], ctx.denom, ct.mask)
        tw = Tensor._make(ct.tw, False, None, 0)
        return _put_rows(-(g * tw), ct.idx, ctx.shape), None, None, None, None


class CrossEntropy(Function):
    """log_softmax + NLL on (M, C) logits with class-index targets, label smoothing and weights.

    Row loss: L_i = -sum_c q_ic log p_ic with
    q_ic = (1 - eps) tw_i [c = t_i] + eps / C * w_c * valid_i;
    dL_i/dx_ic = (sum_c q_ic) p_ic - q_ic.
    """

    array_io = True
    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, eps):
        xp = array_module(x)
        c = x.shape[1]
        ct = _ClassTargets(target, weight, ignore_index, c, x.dtype)
        shifted = x - _max_along(x, 1)
        e = xp.exp(shifted)
        sum_e = _sum_along(e, 1)
        logp = shifted - xp.log(sum_e)
        rows = -logp[ct.rows, ct.idx] * ct.tw
        qsum = ct.tw
        if eps:
            smooth = -(logp * ct.w).sum(axis=1) * ct.valid
            rows = (1 - eps) * rows + (eps / c) * smooth
            qsum = (1 - eps) * ct.tw + (eps / c) * ct.w.sum() * ct.valid
        rows = xp.where(ct.mask, rows, 0).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, e / sum_e)
        ctx.ct, ctx.reduction, ctx.eps, ctx.qsum = ct, reduction, eps, qsum
        ctx.denom = ct.tw.sum(dtype=x.dtype)
        out = _reduce_rows(rows, reduction, ctx.denom)
        if eps and reduction == "mean" and ctx.denom == 0:
            # torch averages the two parts apart: the NLL part is 0 / 0 whatever the smoothed one is
            out = xp.full((), xp.nan, out.dtype)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, probs = ctx.saved_tensors
        ct, eps = ctx.ct, ctx.eps
        if is_grad_enabled():  # building a graph of the gradient: probs must depend on x
            probs = ops.softmax(x, 1)
        m, c = x.shape
        g = _scale(grad, ctx.reduction, m, ctx.denom, ct.mask)
        qsum = Tensor._make(ctx.qsum, False, None, 0)
        tw = Tensor._make(ct.tw * (1 - eps), False, None, 0)
        gx = (g * qsum).unsqueeze(1) * probs - _put_rows(g * tw, ct.idx, (m, c))
        if eps:
            smooth = Tensor._make(ct.valid[:, None] * (ct.w * (eps / c)), False, None, 0)
            gx = gx - g.unsqueeze(1) * smooth
        return gx, None, None, None, None, None

    @staticmethod
    def backward_arrays(ctx, grad):
        """CrossEntropy's gradient on arrays (no graph to build): one (M, C) array
        written in place instead of a chain of Tensor ops and a scatter."""
        _, probs = ctx.saved_tensors
        ct, eps = ctx.ct, ctx.eps
        c = probs.shape[1]
        g = grad
        if ctx.reduction != "none":
            g = grad.reshape(1)
            if ctx.reduction == "mean":
                g = g / ctx.denom
        if not ct.mask.all():  # ignored rows get exactly 0, also when 'mean' divided by 0
            g = array_module(probs).where(ct.mask, g, 0).astype(g.dtype, copy=False)
        gx = probs * (g * ctx.qsum)[:, None]
        gx[ct.rows, ct.idx] -= g * (ct.tw * (1 - eps))
        if eps:
            gx -= (g * ct.valid)[:, None] * (ct.w * (eps / c))
        return gx.astype(probs.dtype, copy=False), None, None, None, None, None


class SoftCrossEntropy(Function):
    """Cross-entropy against class probabilities: L_i = -sum_c w_c q_ic log p_ic."""

    array_io = True
    node_name = "NegBackward0"

    @staticmethod
    def forward(ctx, x, q, weight, reduction, eps):
        xp = array_module(x)
        c = x.shape[1]
        wq = q * (1 - eps) + eps / c if eps else q
        if weight is not None:
            wq = wq * weight
        shifted = x - x.max(axis=1, keepdims=True)
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        ctx.save_for_backward(x, q, logp)
        ctx.reduction, ctx.eps, ctx.weight = reduction, eps, weight
        return _reduce_rows(-(wq * logp).sum(axis=1), reduction, x.shape[0])

    @staticmethod
    def backward(ctx, grad):
        x, q, logp = ctx.saved_tensors
        if is_grad_enabled():  # building a graph of the gradient: logp must depend on x
            logp = ops.log_softmax(x, 1)
        eps, c = ctx.eps, x.shape[1]
        w = None if ctx.weight is None else Tensor._make(ctx.weight, False, None, 0)
        wq = q * (1 - eps) + eps / c if eps else q
        if w is not None:
            wq = wq * w
        g = _scale(grad, ctx.reduction, x.shape[0], x.shape[0]).unsqueeze(1)
        gx = gq = None
        if ctx.needs_input_grad[0]:
            gx = g * (wq.sum(1, keepdim=True) * logp.exp() - wq)
        if ctx.needs_input_grad[1]:
            gq = -g * logp * (1 - eps)
            if w is not None:
                gq = gq * w
        return gx, gq, None, None, None


def _class_dim_to_rows(input: Tensor, name: str):
    """(N, C, d1, ...) -> (M, C) rows, with the shape to restore a per-row result."""
    if input.ndim == 1:
        return input.unsqueeze(0), ()
    if input.ndim == 2:
        return input, (input.shape[0],)
    c = input.shape[1]
    rest = (input.shape[0],) + tuple(input.shape[2:])
    return input.movedim(1, -1).reshape(-1, c), rest


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` classes under log-probabilities ``input``.

    ``weight`` rescales each class; targets equal to ``ignore_index`` add nothing
    and ``mean`` divides by the summed weight of the counted targets.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if input.ndim == 0:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    checks.check_class_target(input, target, weight, n_classes)
    checks.check_float_logits(input, "nll_loss")
    t = target._data.reshape(-1).astype(np.int64, copy=False)
    checks.check_in_range(t, n_classes, ignore_index)
    if n_classes == 0:
        return _no_classes(input, tuple(target.shape), reduction)
    rows, rest = _class_dim_to_rows(input, "nll_loss")
    w = None if weight is None else weight._data.reshape(-1)
    out = NllLoss.apply(rows, t, w, ignore_index, reduction)
    return out.reshape(rest) if reduction == "none" else out


def _no_classes(input: Tensor, rows: tuple, reduction: str) -> Tensor:
    """No classes (so nothing to add up for any of the ``rows``); 'mean' divides 0 by 0."""
    shape = rows if reduction == "none" else ()
    value = np.nan if reduction == "mean" else 0.0
    return Tensor._make(array_module(input._data).full(shape, value, input._data.dtype), False, None, 0)


def _smoothing(label_smoothing: float) -> float:
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    return max(label_smoothing, 0.0)  # torch smooths only with a positive amount


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits ``input`` and class indices or class probabilities ``target``.

    One fused, numerically stable op: log_softmax over the class dim (dim 1, or
    dim 0 for unbatched input) followed by the negative log-likelihood.
    """
    reduction = _reduction(reduction, size_average, reduce)
    # a target of the input's shape holds class probabilities; any other is checked as class indices
    if tuple(target.shape) == tuple(input.shape):
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{SCALAR_TYPE_NAMES[target.dtype.name]}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if input.ndim == 0:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
        checks.check_float_logits(input, "log_softmax")
        checks.check_class_weight(weight, n_classes, "cross_entropy: ")
        label_smoothing = _smoothing(label_smoothing)
        if n_classes == 0:
            rows = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
            return _no_classes(input, rows, reduction)
        rows, rest = _class_dim_to_rows(input, "cross_entropy")
        q, _ = _class_dim_to_rows(target.to(input.dtype), "cross_entropy")
        w = None if weight is None else weight._data.reshape(-1).astype(input._data.dtype)
        out = SoftCrossEntropy.apply(rows, q, w, reduction, label_smoothing)
        return out.reshape(rest) if reduction == "none" else out
    label_smoothing = _smoothing(label_smoothing)  # class indices: torch checks the amount first
    if input.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    checks.check_class_target(input, target, weight, n_classes)
    checks.check_float_logits(input, "log_softmax")
    t = target._data.reshape(-1).astype(np.int64, copy=False)
    checks.check_in_range(t, n_classes, ignore_index)
    if n_classes == 0:
        return _no_classes(input, tuple(target.shape), reduction)
    rows, rest = _class_dim_to_rows(input, "cross_entropy")
    w = None if weight is None else weight._data.reshape(-1)
    out = CrossEntropy.apply(rows, t, w, ignore_index, reduction, float(label_smoothing))
    return out.reshape(rest) if reduction == "none" else out


# ---------------------------------------------------------------- binary cross-entropy (fused)
class BinaryCrossEntropy(Function):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as torch does."""

    array_io = True

    @staticmethod
    def forward(ctx, x, y, w):
        xp = array_module(x)
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log1p(-x), -100)
        out = -(y * log_x + (1 - y) * log_1mx)
        if w is not None:
            out = out * w
        ctx.save_for_backward(x, y, w)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, y, w = ctx.saved_tensors
        gw = grad if w is None else grad * w
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = gw * (x - y) / ops.clamp_min(x * (1 - x), 1e-12)
        if ctx.needs_input_grad[1]:
            gy = gw * (ops.clamp_min((1 - x).log(), -100) - ops.clamp_min(x.log(), -100))
        return gx, gy, None


class BinaryCrossEntropyWithLogits(Function):
    """(1 - y) x + l * softplus(-x), l = 1 + (pos_weight - 1) y, times weight; stable for any x."""

    array_io = True

    @staticmethod
    def forward(ctx, x, y, w, pw):
        # torch's steps and roundings: softplus(-x) [* l] in x's dtype, the rest in y's dtype
        sp = array_module(x).logaddexp(0, -x)  # softplus(-x) = log(1 + exp(-x)) without overflow
        if pw is not None:
            sp = (sp * (1 + (pw - 1) * y)).astype(x.dtype, copy=False)
        out = ((1 - y) * x).astype(y.dtype, copy=False) + sp
        if w is not None:
            out = out * w
        ctx.save_for_backward(x, y, w, pw)
        return out.astype(y.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, y, w, pw = ctx.saved_tensors
        gw = grad if w is None else grad * w
        lw = 1 if pw is None else (pw - 1) * y + 1
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = gw * ((1 - y) - lw * (-x).sigmoid())
        if ctx.needs_input_grad[1]:
            spn = softplus(-x, 1.0, math.inf)
            gy = gw * (-x + (spn * (pw - 1) if pw is not None else 0))
        gpw = None
        if ctx.needs_input_grad[3]:
            gpw = gw * y * softplus(-x, 1.0, math.inf)
        return gx, gy, None, gpw


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target``."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size.")
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {SCALAR_TYPE_NAMES[target.dtype.name]} but expected "
                           f"{SCALAR_TYPE_NAMES[input.dtype.name]}")
    if not input.is_floating_point():
        raise NotImplementedError(
            f'"binary_cross_entropy" not implemented for \'{SCALAR_TYPE_NAMES[input.dtype.name]}\'')
    x = input._data
    if ((x < 0) | (x > 1)).any() or array_module(x).isnan(x).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(input.shape) if tuple(weight.shape) != tuple(input.shape) else weight
    out = BinaryCrossEntropy.apply(input, target.to(input.dtype), weight)
    return _reduce(out, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """sigmoid + binary cross-entropy in one stable op; ``pos_weight`` weighs the positive term."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    checks.check_bce_with_logits(input, target, weight, pos_weight)
    out = BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight)
    return _reduce(out, reduction)


# ---------------------------------------------------------------- regression losses
def _expanded(input: Tensor, target: Tensor, kernel: str | None = None) -> tuple[Tensor, Tensor]:
    """The pair as torch's functional layer passes it on: broadcast to one shape (so a 0-d operand's
    dtype promotes like any tensor's). ``kernel``: the fused kernel the pair goes to, which has no
    integer version and reads bool operands as numbers."""
    broadcast_shape(tuple(input.shape), tuple(target.shape))
    dt = promote_types(input.dtype, target.dtype)
    if kernel is not None and not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{SCALAR_TYPE_NAMES[dt.name]}\'')

    if result_type(input, target) != dt:  # a 0-d operand would not have promoted on its own
        return input.to(dt), target.to(dt)
    if kernel is not None and "bool" in (input.dtype.name, target.dtype.name):
        return input.to(dt), target.to(dt)
    return input, target


def _pointwise(input, target, loss, weight, reduction, weighted_mean=True):
    """Apply an elementwise ``weight``; for mse/l1 ``mean`` then divides by the summed weight."""
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    return _reduce(loss * weight, reduction, weight if weighted_mean else None)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """|input - target|, reduced."""
    checks.check_same_size(input, target, "l1_loss")
    input, target = _expanded(input, target)
    reduction = _reduction(reduction, size_average, reduce)  # torch reads it after broadcasting
    return _pointwise(input, target, (input - target).abs(), weight, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """(input - target)^2, reduced."""
    checks.check_same_size(input, target, "mse_loss")
    input, target = _expanded(input, target, "mse_cpu" if weight is None else None)
    reduction = _reduction(reduction, size_average, reduce)  # torch reads it after broadcasting
    d = input - target
    return _pointwise(input, target, d * d, weight, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, |d| - beta / 2 elsewhere."""
    checks.check_same_size(input, target, "smooth_l1_loss")
    input, target = _expanded(input, target, "smooth_l1_cpu" if beta != 0 else None)
    reduction = _reduction(reduction, size_average, reduce)  # torch reads it after broadcasting
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    loss = ops.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| <= delta, delta (|d| - delta / 2) elsewhere."""
    checks.check_same_size(input, target, "huber_loss")
    # torch's kernel works on the broadcast pair and writes the loss into a tensor of the input's dtype
    broadcast_shape(tuple(input.shape), tuple(target.shape))
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    reduction = _reduction(reduction)  # torch reads it after broadcasting, then checks delta
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    checks.check_into_input(input, promote_types(input.dtype, target.dtype), "huber_cpu")
    if target.dtype.name == "bool":  # the kernel reads a bool target as 0 / 1
        target = target.to(input.dtype)
    d = (input - target).abs()
    loss = ops.where(d <= delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    if loss.dtype != input.dtype:
        loss = loss.to(input.dtype)
    return _pointwise(input, target, loss, weight, reduction, weighted_mean=False)


# ---------------------------------------------------------------- divergences and likelihoods
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || exp(input)): target * (log target - input), with log-probability ``input``.

    ``reduction='batchmean'`` divides the sum by the batch size (the true KL);
    ``'mean'`` divides by the number of elements.
    """
    reduction = _reduction(reduction, size_average, reduce, also=("batchmean",))
    if input._data.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy(t, t): 0 at t = 0, NaN for a negative t (as in torch)
        zero = target == 0
        safe = ops.where(zero, ops.ones_like(target), target)
        with np.errstate(invalid="ignore"):
            loss = ops.where(zero, ops.zeros_like(target), target * safe.log()) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: exp(x) - y x (log_input) or x - y log(x + eps)."""
    reduction = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = target > 1
        safe = ops.where(big, target, ops.ones_like(target))
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        # torch adds it in place: the loss keeps its dtype
        loss = (loss + ops.where(big, stirling, ops.zeros_like(stirling))).to(loss.dtype)
    return _reduce(loss, reduction)


class _ClampKeepGrad(Function):
    """max(x, eps) forwards, identity backwards (torch clamps the variance under no_grad)."""

    array_io = True
    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x, eps):
        return array_module(x).maximum(x, eps).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """0.5 (log var + (input - target)^2 / var), var clamped below at ``eps``."""
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = ops.full(tuple(input.shape), float(var), dtype=input.dtype)
    elif (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(v for n, v in zip(input.shape, var.shape) if n != v) == 1:
            pass  # one dim of size 1 where the input's differs: a shared variance
        else:
            raise ValueError("var is of incorrect size")
    reduction = _reduction(reduction, error="{} is not valid")
    if not var.is_floating_point():  # torch clamps var in place by a float eps
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{CPP_TYPE_NAMES[var.dtype.name]}")
    var = _ClampKeepGrad.apply(var, eps)
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- margin and embedding losses
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin)."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce(ops.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1."""
    reduction = _reduction(reduction, size_average, reduce)
    broadcast_shape(tuple(input.shape), tuple(target.shape))
    if input.dtype.name == "bool":  # torch's margin - input reads the margin as a bool too
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if not input.is_floating_point():  # torch's kernel works in the input's integer type
        info = np.iinfo(input._data.dtype)
        if not (math.isfinite(margin) and info.min <= math.trunc(margin) <= info.max):
            raise RuntimeError(f"value cannot be converted to type {OVERFLOW_TYPE_NAMES[input.dtype.name]} without overflow")
        margin = math.trunc(margin)
    zeros = ops.zeros_like(input)
    margin_part = ops.where(target != 1, ops.clamp_min(margin - input, 0), zeros)
    self_part = ops.where(target != -1, input, zeros)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)), computed without overflow."""
    reduction = _reduction(reduction, size_average, reduce)
    if input.dtype.name == "bool":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    # torch's kernel: log(1 + exp(-x * y)) step by step in a tensor of the input's dtype (it overflows to inf
    # where exp does)
    checks.check_broadcast_into(tuple(input.shape), tuple(target.shape))
    res = result_type(input, target)
    checks.check_into_input(input, res if res.is_floating_point else default_dtype())
    z = (-input * target).to(input.dtype)
    return _reduce((z.exp() + 1).log(), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Per-class binary logistic loss, averaged over the classes (last dim)."""
    if input.ndim == 0:  # torch reads the class count from the last dim (before it looks at reduction)
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    reduction = _reduction(reduction, size_average, reduce, error="{} is not valid")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _reduce(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """sum over j != y of max(0, margin - x[y] + x[j])^p / C (times weight[y])."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    checks.check_multi_margin(input, target, weight)
    x = input if input.ndim == 2 else input.reshape(1, -1)
    t = target._data.reshape(-1).astype(np.int64)
    xp = array_module(t)
    n, c = x.shape
    idx = Tensor._make(t.reshape(-1, 1), False, None, 0)
    x_y = ops.gather(x, 1, idx)
    z = x - x_y + margin
    z = ops.where(z > 0, z, 0.0)  # torch's kernel adds only terms above 0: a NaN term adds nothing
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * ops.gather(weight.reshape(1, -1).expand(n, c), 1, idx)
    not_target = Tensor._make(xp.arange(c)[None, :] != t[:, None], False, None, 0)
    loss = ops.where(not_target, z, 0.0).sum(1) / c  # the target class adds nothing, even a NaN
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
    reduction = _reduction(reduction, size_average, reduce)
    d = target.ndim
    if d > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != d + 1 or input2.ndim != d + 1:
        raise RuntimeError(
            f"{d}D target tensor expects {d + 1}D input tensors, but found inputs with sizes {list(input1.shape)} "
            f"and {list(input2.shape)}.")
    pair = broadcast_shape(tuple(input1.shape), tuple(input2.shape))
    broadcast_shape(tuple(target.shape), pair[:-1])  # the target selects a loss per row
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    mag = ((input1 * input1).sum(d) + eps) * ((input2 * input2).sum(d) + eps)
    cos = prod / mag.sqrt()
    zeros = ops.zeros_like(cos)
    pos = ops.where(target == 1, 1 - cos, zeros)
    neg = ops.where(target == -1, ops.clamp_min(cos - margin, 0), zeros)
    return _reduce(pos + neg, reduction)


def _pairwise(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    d = x1 - x2 + eps
    return _norm(d, p, d.ndim - 1, False) if d.ndim else d.abs()  # float16 accumulates in float32


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with d the p-norm distance."""
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if not (dims[0] == dims[1] == dims[2]):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = _pairwise(anchor, positive, p, eps)
    d_neg = _pairwise(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, _pairwise(positive, negative, p, eps))
    return _reduce(ops.clamp_min(margin + d_pos - d_neg, 0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """Triplet loss with any distance function (default: pairwise L2 distance)."""
    reduction = _reduction(reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    dist = distance_function or (lambda a, b: _pairwise(a, b, 2.0, 1e-6))
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, dist(positive, negative))
    return _reduce(ops.clamp_min(margin + d_pos - d_neg, 0), reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: sum over target classes j and other classes i of max(0, 1 - x[j] + x[i]) / C.

    Each row of ``target`` lists class indices, ended by the first -1.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if input.ndim <= 2 and (input.shape[-1] if input.ndim else 1) == 0:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if input.ndim > 2 or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    if target.dtype.name != "int64" and input.numel():
        raise RuntimeError(f"expected scalar type Long but found {SCALAR_TYPE_NAMES[target.dtype.name]}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    t = target._data.reshape(x.shape).astype(np.int64)
    xp = array_module(t)
    n, c = x.shape
    live = xp.cumprod(t != -1, axis=1).astype(bool)  # entries before the first -1
    if ((t[live] < 0) | (t[live] >= c)).any():
        bad = t[live][(t[live] < 0) | (t[live] >= c)][0]
        raise IndexError(f"Target {bad} is out of bounds.")
    # how often each class is listed as a target, per row
    counts = xp.zeros((n, c), dtype=x._data.dtype)
    rows = xp.broadcast_to(xp.arange(n)[:, None], t.shape)
    xp.add.at(counts, (rows[live], t[live]), 1)
    not_target = (counts == 0).astype(x._data.dtype)
    pair = 1 - x.unsqueeze(2) + x.unsqueeze(1)  # [n, j, i]
    pair = ops.where(pair > 0, pair, 0.0)  # torch's kernel adds only terms above 0: a NaN term adds nothing
    weights = counts[:, :, None] * not_target[:, None, :]
    mask = Tensor._make(weights, False, None, 0)
    used = Tensor._make(weights != 0, False, None, 0)
    loss = ops.where(used, pair * mask, 0.0).sum((1, 2)) / c  # pairs not counted add nothing, even a NaN
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
