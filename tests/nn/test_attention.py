"""scaled_dot_product_attention and MultiheadAttention against torch, in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from compare import check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

RNG = np.random.default_rng(0)


def qkv(b=2, h=3, lq=4, lk=5, e=6, ev=6):
    return (RNG.standard_normal((b, h, lq, e)), RNG.standard_normal((b, h, lk, e)),
            RNG.standard_normal((b, h, lk, ev)))


@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal", "scale", "bool_broadcast"])
def test_sdpa_matches_torch(kind):
    q, k, v = qkv(ev=7)
    mask_np = RNG.standard_normal((4, 5))
    kw_t, kw_g = {}, {}
    if kind == "bool":
        m = RNG.random((2, 3, 4, 5)) > 0.3
        m[..., 0] = True
        kw_t["attn_mask"], kw_g["attn_mask"] = torch.tensor(m), gt.tensor(m)
    elif kind == "bool_broadcast":
        m = np.tril(np.ones((4, 5), bool))
        kw_t["attn_mask"], kw_g["attn_mask"] = torch.tensor(m), gt.tensor(m)
    elif kind == "causal":
        kw_t["is_causal"] = kw_g["is_causal"] = True
    elif kind == "scale":
        kw_t["scale"] = kw_g["scale"] = 0.7
    if kind == "float":
        check(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
              lambda a, b, c, m: TF.scaled_dot_product_attention(a, b, c, attn_mask=m), q, k, v, mask_np)
    else:
        check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kw_g),
              lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, **kw_t), q, k, v)


def test_sdpa_unbatched_gqa_and_float32():
    q, k, v = qkv(b=1, h=1)
    check(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, q[0, 0], k[0, 0], v[0, 0])
    q4 = RNG.standard_normal((2, 4, 3, 6))
    k2, v2 = RNG.standard_normal((2, 2, 5, 6)), RNG.standard_normal((2, 2, 5, 6))
    check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, enable_gqa=True),
          lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, enable_gqa=True), q4, k2, v2)
    q, k, v = (a.astype(np.float32) for a in qkv())
    check(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, q, k, v)


def test_sdpa_fully_masked_rows_are_zero_like_torch():
    q, k, v = qkv()
    m = np.ones((4, 5), bool)
    m[1] = False
    check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=gt.tensor(m)),
          lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, attn_mask=torch.tensor(m)), q, k, v)


def test_sdpa_gradcheck_and_gradgradcheck():
    q, k, v = (a[:1, :2, :3, :3] for a in qkv())
    m = RNG.standard_normal((3, 3))
    gradchecks(lambda a, b, c, d: F.scaled_dot_product_attention(a, b, c, attn_mask=d), q, k, v, m)


def test_sdpa_dropout_statistics():
    gt.manual_seed(0)
    q = gt.zeros(1, 1, 200, 4, dtype=gt.float64)  # uniform weights 1/S
    k = gt.zeros(1, 1, 50, 4, dtype=gt.float64)
    v = gt.ones(1, 1, 50, 1, dtype=gt.float64)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25).numpy()
    # each output is (kept count / S) / (1 - p): mean 1, clearly not constant
    assert abs(out.mean() - 1.0) < 0.05
    assert out.std() > 0.05
    ref = F.scaled_dot_product_attention(q, k, v).numpy()
    np.testing.assert_allclose(ref, 1.0)


def twins(*args, **kwargs):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(*args, **kwargs).double()
    gm = nn.MultiheadAttention(*args, **kwargs).double()
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    return gm, tm


CONFIGS = [{}, dict(kdim=5, vdim=3), dict(add_bias_kv=True, add_zero_attn=True), dict(batch_first=True, bias=False),
           dict(batch_first=True, kdim=4)]
MASKS = ["none", "kpm", "float", "bool+kpm", "3d", "noweights", "per_head"]


@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("masks", MASKS)
def test_mha_matches_torch(kw, masks):
    gm, tm = twins(8, 2, **kw)
    bf = kw.get("batch_first", False)
    kd, vd = kw.get("kdim", 8), kw.get("vdim", 8)
    shape = (lambda s, e: (2, s, e)) if bf else (lambda s, e: (s, 2, e))
    q, k, v = RNG.standard_normal(shape(4, 8)), RNG.standard_normal(shape(5, kd)), RNG.standard_normal(shape(5, vd))
    kpm = np.zeros((2, 5), bool)
    kpm[1, 3:] = True
    extra = {}
    if masks == "kpm":
        extra["key_padding_mask"] = kpm
    elif masks == "float":
        extra["attn_mask"] = RNG.standard_normal((4, 5))
    elif masks == "bool+kpm":
        extra["attn_mask"], extra["key_padding_mask"] = RNG.random((4, 5)) > 0.6, kpm
    elif masks == "3d":
        extra["attn_mask"] = RNG.standard_normal((4, 4, 5))
    elif masks == "per_head":
        extra["average_attn_weights"] = False
    elif masks == "noweights":
        extra["need_weights"] = False
        extra["attn_mask"] = RNG.random((4, 5)) > 0.6
    if kw.get("add_bias_kv") and "attn_mask" in extra and masks == "3d":
        pass

    def run(mod, lib, a, b, c):
        kws = {n: (lib.tensor(x) if isinstance(x, np.ndarray) else x) for n, x in extra.items()}
        return mod(a, b, c, **kws)

    check(lambda a, b, c: run(gm, gt, a, b, c), lambda a, b, c: run(tm, torch, a, b, c), q, k, v)


def test_mha_self_attention_param_grads_and_unbatched():
    gm, tm = twins(6, 3, dropout=0.5)
    gm.eval()
    tm.eval()
    x = RNG.standard_normal((4, 2, 6))
    xt, xg = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    out_t, w_t = tm(xt, xt, xt)
    out_g, w_g = gm(xg, xg, xg)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out_t.sum() + w_t.pow(2).sum()).backward()
    (out_g.sum() + w_g.pow(2).sum()).backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for p, q in zip(gm.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12)
    u = RNG.standard_normal((4, 6))
    check(lambda a: gm(a, a, a), lambda a: tm(a, a, a), u)


def test_mha_causal_hint_and_dropout_train_mode():
    gm, tm = twins(8, 2, dropout=0.3)
    mask = np.triu(np.full((4, 4), -np.inf), 1)
    x = RNG.standard_normal((4, 2, 8))
    gm.eval()
    tm.eval()
    check(lambda a: gm(a, a, a, attn_mask=gt.tensor(mask), is_causal=True)[0],
          lambda a: tm(a, a, a, attn_mask=torch.tensor(mask), is_causal=True)[0], x)
    gm.train()
    xg = gt.tensor(x)
    a, b = gm(xg, xg, xg)[0].detach().numpy(), gm(xg, xg, xg)[0].detach().numpy()
    assert not np.allclose(a, b)
    w = gm(xg, xg, xg, average_attn_weights=False)[1].detach().numpy()
    assert 0.15 < np.mean(w == 0) < 0.45  # dropped attention weights are returned, as torch does


def test_mha_errors_and_repr():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(8, 2)
    x = gt.randn(3, 2, 8)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is torch.Size\(\[4, 3\]\), but should be "
                                           r"\(3, 3\)."):
        m(x, x, x, attn_mask=gt.ones(4, 3, dtype=gt.bool))
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 7"):
        y = gt.randn(3, 2, 7)
        m(y, y, y)
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supported"):
        m(x, x, x, attn_mask=gt.ones(3, 3, dtype=gt.int64))
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, "
                       "out_features=8, bias=True)\n)")
    assert m.in_proj_weight.shape == (24, 8) and m.q_proj_weight is None
    s = nn.MultiheadAttention(8, 2, kdim=3, vdim=5)
    assert s.in_proj_weight is None and s.k_proj_weight.shape == (8, 3) and s.v_proj_weight.shape == (8, 5)
    np.testing.assert_array_equal(m.in_proj_bias.detach().numpy(), 0)


@pytest.mark.parametrize("lq,lk", [(6, 6), (4, 7), (7, 4)])
def test_sdpa_causal_on_split_heads_float32(lq, lk):
    # the GPT layout: q, k, v are strided views of one projection; float32, causal
    # (a cached mask per shape), gradients computed on arrays
    b, h, e = 2, 3, 4

    def split(fw):
        def f(xq, xkv):
            q = xq.reshape(b, lq, h, e).transpose(1, 2)
            k, v = (t.reshape(b, lk, h, e).transpose(1, 2) for t in xkv.split(h * e, dim=2))
            return fw.scaled_dot_product_attention(q, k, v, is_causal=True)
        return f

    xq = RNG.standard_normal((b, lq, h * e)).astype(np.float32)
    xkv = RNG.standard_normal((b, lk, 2 * h * e)).astype(np.float32)
    check(split(F), split(TF), xq, xkv)
    check(split(F), split(TF), xq, xkv)  # the cached mask, reused
    check(split(F), split(TF), xq.astype(np.float64), xkv.astype(np.float64))  # one per dtype


def test_sdpa_float32_masks_with_grad():
    q, k, v = (a.astype(np.float32) for a in qkv())
    fm = RNG.standard_normal((2, 1, 4, 5)).astype(np.float32)  # broadcast over heads, needs grad
    check(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
          lambda a, b, c, m: TF.scaled_dot_product_attention(a, b, c, attn_mask=m), q, k, v, fm)
    bm = RNG.random((4, 5)) > 0.4
    bm[:, 0] = True
    check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=gt.tensor(bm)),
          lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, attn_mask=torch.tensor(bm)), q, k, v)


def test_sdpa_fully_masked_rows_float32_grads_are_zero():
    q, k, v = (a.astype(np.float32) for a in qkv())
    m = np.ones((4, 5), bool)
    m[2] = False
    qg = gt.tensor(q, requires_grad=True)
    out = F.scaled_dot_product_attention(qg, gt.tensor(k), gt.tensor(v), attn_mask=gt.tensor(m))
    out.sum().backward()
    assert not out.detach().numpy()[:, :, 2].any()
    assert not qg.grad.numpy()[:, :, 2].any() and np.isfinite(qg.grad.numpy()).all()


def test_sdpa_causal_double_backward():
    q, k, v = (a[:1, :2, :4, :3] for a in qkv())
    gradchecks(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), q, k, v[:, :, :4])


def test_mha_per_head_weights_are_contiguous():
    gm, tm = twins(6, 2, batch_first=True)
    x = gt.tensor(RNG.standard_normal((2, 3, 6)))
    _, w = gm(x, x, x, average_attn_weights=False)
    assert w.is_contiguous() and tuple(w.shape) == (2, 2, 3, 3)
    assert w.view(-1).shape == (36,)
