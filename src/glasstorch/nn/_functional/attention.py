"""Attention: ``scaled_dot_product_attention`` (one fused op) and ``multi_head_attention_forward``."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import ops
from ...autograd.function import Function
from ...backend import array_module
from ...dtypes import CPP_TYPE_NAMES, SCALAR_TYPE_NAMES
from ...random import _rng
from ...tensor import Tensor
from .dropout import dropout as _dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


class _SDPA(Function):
    """``softmax(q k^T * scale + bias) @ v`` in one node; returns ``(out, weights)``.

    ``bias`` is an additive float mask (or None) and ``keep`` the dropout
    multiplier (0 or 1/(1-p), or None). Rows whose every score is -inf get zero
    weights (NaN with ``zero_dead=False``, as a plain softmax gives). The weights
    are returned as an output so that backward, written from them, stays
    differentiable.
    """

    array_io = True
    node_name = "ScaledDotProductAttentionBackward0"

    @staticmethod
    def forward(ctx, q, k, v, bias, keep, scale, zero_dead=True):
        # The scores are held transposed, (..., S, L), and are the one large
        # array of the op: every step below rewrites them in place. Reducing
        # over the key axis is then a reduction over rows, which NumPy
        # vectorises; along the short last axis it is several times slower.
        xp = array_module(q)
        st = xp.matmul(k, xp.swapaxes(q, -1, -2))
        st *= st.dtype.type(scale)
        if bias is not None:
            bias_t = xp.swapaxes(bias, -1, -2)
            if xp.broadcast_shapes(st.shape, bias_t.shape) == st.shape:
                st += bias_t
            else:  # the mask has batch dims the scores lack
                st = st + bias_t
        # no keys at all: every row is fully masked
        m = st.max(-2, keepdims=True) if st.shape[-2] else xp.full(st.shape[:-2] + (1,) + st.shape[-1:], -np.inf,
                                                                    st.dtype)
        dead = None
        if zero_dead:
            dead = m == -np.inf  # fully masked rows (a +inf score gives NaN, as in torch)
            if dead.any():
                m[dead] = 0
            else:
                dead = None
        st -= m
        xp.exp(st, out=st)
        total = st.sum(-2, keepdims=True)
        if dead is not None:
            total[dead] = 1
        st *= xp.reciprocal(total, out=total)  # a product pass is cheaper than a division pass
        p = xp.swapaxes(st, -1, -2)  # the weights, (..., L, S), a view
        w = p if keep is None else p * keep
        out = xp.matmul(w, v)
        ctx.scale = scale
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(q, k, v, p, keep)
        return out, p

    @staticmethod
    def backward(ctx, grad, grad_p):
        q, k, v, p, keep = ctx.saved_tensors
        need_q, need_k, need_v, need_bias = ctx.needs_input_grad[:4]
        w = p if keep is None else p * keep
        dv = w.mT @ grad if (need_v and grad is not None) else None
        dp = None
        if grad is not None:
            dp = grad @ v.mT
            if keep is not None:
                dp = dp * keep
        if grad_p is not None:
            dp = grad_p if dp is None else dp + grad_p
        if dp is None:
            return None, None, dv, None, None, None, None
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        dq = ds @ k * ctx.scale if need_q else None
        dk = ds.mT @ q * ctx.scale if need_k else None
        return dq, dk, dv, (ds if need_bias else None), None, None, None

    @staticmethod
    def backward_arrays(ctx, g, gp):
        """The backward above on arrays (no graph to build), in the forward's
        transposed (..., S, L) layout and reusing its temporaries."""
        q, k, v, p, keep = ctx.saved_tensors
        xp = array_module(p)
        need_q, need_k, need_v, need_bias = ctx.needs_input_grad[:4]
        pt = xp.swapaxes(p, -1, -2)
        wt = pt if keep is None else pt * xp.swapaxes(keep, -1, -2)
        dv = xp.matmul(wt, g) if (need_v and g is not None) else None
        dst = None  # d loss / d weights, transposed
        if g is not None:
            dst = xp.matmul(v, xp.swapaxes(g, -1, -2))
            if keep is not None:
                dst *= xp.swapaxes(keep, -1, -2)
        if gp is not None:
            gpt = xp.swapaxes(gp, -1, -2)
            if dst is None:
                dst = gpt.copy()
            elif dst.shape == gpt.shape:
                dst += gpt
            else:
                dst = dst + gpt
        if dst is None:
            return None, None, dv, None, None, None, None
        # softmax backward: p * (dp - sum over keys of dp * p)
        dst -= xp.einsum("...ji,...ji->...i", dst, pt)[..., None, :]
        dst *= pt
        scale = dst.dtype.type(ctx.scale)
        dq = dk = None
        if need_q:
            dq = xp.matmul(xp.swapaxes(dst, -1, -2), k)
            dq *= scale
        if need_k:
            dk = xp.matmul(dst, q)
            dk *= scale
        ds = xp.swapaxes(dst, -1, -2) if need_bias else None
        return dq, dk, dv, ds, None, None, None


def _dtype_name(t: Tensor) -> str:
    return CPP_TYPE_NAMES.get(t.dtype.name, t.dtype.name)


_CAUSAL: dict = {}


def _causal_bias(length: int, source: int, dtype, xp):
    """The additive upper-triangle -inf mask, built once per shape, dtype and array module (read-only)."""
    key = (length, source, np.dtype(dtype).str, xp)
    bias = _CAUSAL.get(key)
    if bias is None:
        bias = xp.zeros((length, source), dtype)
        bias[xp.triu_indices(length, 1, source)] = -np.inf
        if isinstance(bias, np.ndarray):  # a NumPy array can guard itself against writes
            bias.flags.writeable = False
        if len(_CAUSAL) >= 64:  # bounded: a model sees few sequence lengths
            _CAUSAL.clear()
        _CAUSAL[key] = bias
    return bias


def _dropout_keep(shape, p: float, dtype) -> np.ndarray:  # host: mask drawn on the host, moved by the caller
    if p >= 1:
        return np.zeros(shape, dtype)
    return (_rng(None).random(shape) >= p).astype(dtype) * dtype.type(1.0 / (1.0 - p))


def _sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False,
          zero_dead=True):
    """scaled_dot_product_attention that also returns the attention weights."""
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_dtype_name(query)} key.dtype: {_dtype_name(key)} and value.dtype: {_dtype_name(value)} instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("scaled_dot_product_attention expects query, key and value of at least 2 dims")
    length, source, dim = query.shape[-2], key.shape[-2], query.shape[-1]
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(groups, dim=-3)
        value = value.repeat_interleave(groups, dim=-3)
    scale = 1.0 / math.sqrt(dim) if scale is None else float(scale)
    np_dtype = query._data.dtype
    xp = array_module(query._data)
    bias = None
    if is_causal:
        bias = Tensor._make(_causal_bias(length, source, np_dtype, xp), False, None, 0)
    if attn_mask is not None:
        if attn_mask.dtype.name == "bool":  # True = may attend
            m = Tensor._make(xp.where(attn_mask._data, 0, -np.inf).astype(np_dtype), False, None, 0)
        else:
            m = attn_mask if attn_mask.dtype == query.dtype else attn_mask.to(query.dtype)
        bias = m if bias is None else bias + m
    keep = None
    if dropout_p > 0:
        batch_shape = np.broadcast_shapes(query.shape[:-2], key.shape[:-2])
        keep = xp.asarray(_dropout_keep(tuple(batch_shape) + (length, source), dropout_p, np_dtype))  # drawn on the host
    return _SDPA.apply(query, key, value, bias, keep, scale, zero_dead)


def _broadcast_error(a: tuple, b: tuple) -> RuntimeError | None:
    """torch's error for shapes that do not broadcast, or None."""
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and a[-i] != 1 and b[-i] != 1:
            return RuntimeError(f"The size of tensor a ({a[-i]}) must match the size of tensor b ({b[-i]}) at "
                                f"non-singleton dimension {max(len(a), len(b)) - i}")
    return None


def _check_product(a: tuple, b: tuple) -> tuple:
    """The shape of ``a @ b`` (both at least 2-d), or torch's error for shapes that do not fit."""
    err = _broadcast_error(a[:-2], b[:-2])
    if err is not None:
        raise err
    batch = tuple(np.broadcast_shapes(a[:-2], b[:-2]))
    if a[-1] != b[-2]:
        if len(a) == len(b) == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and {b[0]}x{b[1]})")
        n = math.prod(batch)
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {a[-1]}] "
                           f"but got: [{n}, {b[-2]}].")
    return batch + (a[-2], b[-1])


def _check_sdpa(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None, enable_gqa: bool) -> None:
    """torch's checks of scaled_dot_product_attention's inputs, in its order (the dtype check of q, k, v
    and their ranks, the mask's dtype, then the shapes of the two products and the mask)."""
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_dtype_name(query)} key.dtype: {_dtype_name(key)} and value.dtype: {_dtype_name(value)} instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if attn_mask is not None and attn_mask.dtype.name not in ("bool", "float32", query.dtype.name):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
            f"{_dtype_name(attn_mask)} and  query.dtype: {_dtype_name(query)} instead.")
    q, k, v = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    if q[-2] == 0:  # no queries: torch returns the empty result without looking at the other shapes
        return
    if enable_gqa and len(q) >= 3 and len(k) >= 3 and len(v) >= 3 and k[-3] and q[-3] % k[-3] == 0:
        k, v = k[:-3] + q[-3:-2] + k[-2:], v[:-3] + q[-3:-2] + v[-2:]  # the key/value heads are repeated
    scores = _check_product(q, k[:-2] + (k[-1], k[-2]))  # q @ k^T
    _check_product(scores, v)  # weights @ v
    if attn_mask is not None:
        m = tuple(attn_mask.shape)
        err = _broadcast_error(scores, m)
        if err is not None:
            raise err
        full = tuple(np.broadcast_shapes(scores, m))
        if full != scores:
            raise RuntimeError(f"output with shape {list(scores)} doesn't match the broadcast shape {list(full)}")
    if query._data.dtype.kind != "f":
        if attn_mask is not None and attn_mask.dtype.name == "bool":
            raise RuntimeError(f"value cannot be converted to type {_dtype_name(query)} without overflow")
        raise RuntimeError(f"expected scalar type Float but found {SCALAR_TYPE_NAMES[query.dtype.name]}")


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q K^T * scale + mask) V`` over the last two dims of (..., L, E), (..., S, E), (..., S, Ev).

    A bool ``attn_mask`` marks the positions that may be attended (True); a float
    one is added to the scores. ``is_causal`` masks positions above the diagonal.
    ``dropout_p`` drops attention weights (always applied when > 0, as torch does).
    """
    _check_sdpa(query, key, value, attn_mask, enable_gqa)
    if query.shape[-2] == 0:
        shape = tuple(np.broadcast_shapes(query.shape[:-2], key.shape[:-2])) + (0, value.shape[-1])
        return Tensor._make(array_module(query._data).zeros(shape, query._data.dtype), False, None, 0)
    if attn_mask is not None and is_causal:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    return _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)[0]


# -- multi-head attention -----------------------------------------------------------------
def _float_mask(mask: Tensor | None, dtype, name: str) -> Tensor | None:
    """A bool mask (True = masked out) as an additive float mask; float masks pass through."""
    if mask is None:
        return None
    if mask.dtype.name == "bool":
        return Tensor._make(array_module(mask._data).where(mask._data, -np.inf, 0).astype(dtype.np), False, None, 0)
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True, key_padding_mask: Tensor | None = None,
        need_weights: bool = True, attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None, static_v: Tensor | None = None,
        average_attn_weights: bool = True, is_causal: bool = False) -> tuple:
    """Multi-head attention on sequence-first inputs (L, N, E) (or unbatched (L, E)).

    Returns ``(output (L, N, E), weights)``; weights are (N, L, S) averaged over heads,
    (N, num_heads, L, S) with ``average_attn_weights=False``, or None without ``need_weights``.
    """
    batched = query.dim() == 3
    query, key, value, key_padding_mask = _as_batched(query, key, value, key_padding_mask)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    head_dim = _mha_check(query, key, value, embed_dim_to_check, num_heads, use_separate_proj_weight,
                          is_causal, attn_mask, key_padding_mask)
    attn_mask = _float_mask(attn_mask, query.dtype, "attn_mask")
    key_padding_mask = _float_mask(key_padding_mask, query.dtype, "key_padding_mask")

    q, k, v = _in_projections(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                              q_proj_weight, k_proj_weight, v_proj_weight)
    attn_mask = _attn_mask_3d(attn_mask, tgt_len, src_len, bsz * num_heads)
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key/value.")
        k = ops.cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = ops.cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)

    # (L, N, E) -> (N * heads, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:
        k = ops.cat([k, k.new_zeros((bsz * num_heads, 1, head_dim))], dim=1)
        v = ops.cat([v, v.new_zeros((bsz * num_heads, 1, head_dim))], dim=1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    attn_mask = _merge_padding_mask(attn_mask, key_padding_mask, bsz, num_heads, k.shape[1])

    out, weights = _attend(q, k, v, attn_mask, bsz, num_heads, dropout_p if training else 0.0, need_weights)
    out = out.permute(2, 0, 1, 3).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if weights is not None:
        # the op's weights are a transposed view; the caller gets them contiguous, as torch's
        weights = weights.mean(dim=1) if average_attn_weights else weights.contiguous()
    if not batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights


def _as_batched(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None) -> tuple:
    """Checks the ranks of query/key/value; unbatched (L, E) inputs gain a batch of one at dim 1."""
    if query.dim() != 3:
        if query.dim() != 2:
            raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                                 "query tensor")
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    elif key.dim() != 3 or value.dim() != 3:
        raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    return query, key, value, key_padding_mask


def _mha_check(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
               use_separate_proj_weight: bool, is_causal: bool, attn_mask: Tensor | None,
               key_padding_mask: Tensor | None) -> int:
    """Checks the batched inputs' sizes and the mask hints; returns the head size."""
    embed_dim = query.shape[2]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if key_padding_mask is not None and attn_mask is not None and key_padding_mask.dtype != attn_mask.dtype:
        # stacklevel 3: the warning names the caller of multi_head_attention_forward
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for "
                      "both instead.", UserWarning, stacklevel=3)
    return head_dim


def _in_projections(query: Tensor, key: Tensor, value: Tensor, in_proj_weight: Tensor | None,
                    in_proj_bias: Tensor | None, use_separate_proj_weight: bool, q_proj_weight: Tensor | None,
                    k_proj_weight: Tensor | None, v_proj_weight: Tensor | None) -> tuple:
    """q, k, v: the inputs through their projections (one packed matmul where inputs are shared)."""
    if not use_separate_proj_weight and in_proj_weight is None:
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = in_proj_bias.chunk(3)
    if use_separate_proj_weight:
        return linear(query, q_proj_weight, bq), linear(key, k_proj_weight, bk), linear(value, v_proj_weight, bv)
    if query is key and key is value:
        return linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
    wq, wk, wv = in_proj_weight.chunk(3)
    q = linear(query, wq, bq)
    if key is value:
        k, v = linear(key, ops.cat([wk, wv]), None if bk is None else ops.cat([bk, bv])).chunk(2, dim=-1)
    else:
        k, v = linear(key, wk, bk), linear(value, wv, bv)
    return q, k, v


def _attn_mask_3d(attn_mask: Tensor | None, tgt_len: int, src_len: int, batch_heads: int) -> Tensor | None:
    """Checks a 2-D (L, S) or 3-D (N * heads, L, S) float mask; returns it 3-D."""
    if attn_mask is None:
        return None
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                               f"{(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (batch_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                               f"{(batch_heads, tgt_len, src_len)}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _merge_padding_mask(attn_mask: Tensor | None, key_padding_mask: Tensor | None, bsz: int, num_heads: int,
                        src_len: int) -> Tensor | None:
    """The (N, S) key padding mask, repeated per head, added to the attention mask."""
    if key_padding_mask is None:
        return attn_mask
    if tuple(key_padding_mask.shape) != (bsz, src_len):
        raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                             f"{key_padding_mask.shape}")
    kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
    kpm = kpm.reshape(bsz * num_heads, 1, src_len)
    return kpm if attn_mask is None else attn_mask + kpm


def _attend(q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor | None, bsz: int, num_heads: int, p: float,
            need_weights: bool) -> tuple:
    """Attention of (N * heads, L, head_dim) q over k, v; returns (out (N, heads, L, hd), weights or None)."""
    tgt_len, src_len, head_dim = q.shape[1], k.shape[1], q.shape[2]
    q4 = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k4 = k.reshape(bsz, num_heads, src_len, head_dim)
    v4 = v.reshape(bsz, num_heads, src_len, head_dim)
    mask4 = attn_mask
    if attn_mask is not None and attn_mask.shape[0] != 1:
        mask4 = attn_mask.reshape(bsz, num_heads, attn_mask.shape[1], src_len)
    if not need_weights:
        return _sdpa(q4, k4, v4, mask4, p)[0], None
    # torch computes the weights first, then applies dropout to them for the output
    out, weights = _sdpa(q4, k4, v4, mask4, zero_dead=False)
    if p > 0:
        weights = _dropout(weights, p, True)
        out = weights @ v4
    return out, weights


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more allowed (zero) column at the end of a float mask."""
    if mask is None:
        return None
    return ops.cat([mask, mask.new_zeros(tuple(mask.shape[:-1]) + (1,))], dim=-1)

