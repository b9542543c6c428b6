"""Transformer layers, stacks and the full model against torch, in float64 (eval mode)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import check

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

RNG = np.random.default_rng(0)


def twins(name, *args, **kwargs):
    tkw = dict(kwargs)
    if kwargs.get("activation") == "gelu_fn":
        kwargs["activation"], tkw["activation"] = F.gelu, torch.nn.functional.gelu
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **tkw).double().eval()
    gm = getattr(nn, name)(*args, **kwargs).double().eval()
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    return gm, tm


def param_grads_match(gm, tm):
    for (name, p), q in zip(gm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


LAYER_CONFIGS = [
    dict(),
    dict(norm_first=True, activation="gelu"),
    dict(batch_first=True, activation="gelu_fn"),
    dict(bias=False, norm_first=True, layer_norm_eps=1e-3),
]


@pytest.mark.parametrize("kw", LAYER_CONFIGS)
@pytest.mark.parametrize("masks", ["none", "causal", "kpm"])
def test_encoder_layer(kw, masks):
    gm, tm = twins("TransformerEncoderLayer", 8, 2, 16, **kw)
    bf = kw.get("batch_first", False)
    x = RNG.standard_normal((2, 5, 8) if bf else (5, 2, 8))
    kpm = np.zeros((2, 5), bool)
    kpm[0, 3:] = True
    mask = np.triu(np.full((5, 5), -np.inf), 1)

    def run(mod, lib, a):
        if masks == "causal":
            return mod(a, src_mask=lib.tensor(mask), is_causal=True)
        if masks == "kpm":
            return mod(a, src_key_padding_mask=lib.tensor(kpm))
        return mod(a)

    check(lambda a: run(gm, gt, a), lambda a: run(tm, torch, a), x, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kw", LAYER_CONFIGS)
def test_decoder_layer_with_masks(kw):
    gm, tm = twins("TransformerDecoderLayer", 8, 2, 16, **kw)
    bf = kw.get("batch_first", False)
    tgt = RNG.standard_normal((2, 4, 8) if bf else (4, 2, 8))
    mem = RNG.standard_normal((2, 6, 8) if bf else (6, 2, 8))
    tmask = np.triu(np.full((4, 4), -np.inf), 1)
    mkpm = np.zeros((2, 6), bool)
    mkpm[1, 4:] = True
    mmask = RNG.random((4, 6)) > 0.8

    def run(mod, lib, a, b):
        return mod(a, b, tgt_mask=lib.tensor(tmask), memory_mask=lib.tensor(mmask),
                   memory_key_padding_mask=lib.tensor(mkpm), tgt_is_causal=True)

    check(lambda a, b: run(gm, gt, a, b), lambda a, b: run(tm, torch, a, b), tgt, mem, rtol=1e-9, atol=1e-11)


def test_encoder_stack_param_grads():
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False).double()
    gm = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=nn.LayerNorm(8)).double()
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    x = RNG.standard_normal((5, 2, 8))
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=gt.float64)
    xt, xg = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    out_t = tm(xt, mask=torch.tensor(mask.numpy()))
    out_g = gm(xg, mask=mask)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-9, atol=1e-11)
    w = RNG.standard_normal(x.shape)
    (out_t * torch.tensor(w)).sum().backward()
    (out_g * gt.tensor(w)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    param_grads_match(gm, tm)


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, activation="gelu", batch_first=True)])
def test_full_transformer(kw):
    gm, tm = twins("Transformer", d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
                   dim_feedforward=16, **kw)
    bf = kw.get("batch_first", False)
    src = RNG.standard_normal((2, 5, 8) if bf else (5, 2, 8))
    tgt = RNG.standard_normal((2, 3, 8) if bf else (3, 2, 8))
    skpm = np.zeros((2, 5), bool)
    skpm[1, 4] = True
    tmask = nn.Transformer.generate_square_subsequent_mask(3, dtype=gt.float64)
    st, sg = torch.tensor(src, requires_grad=True), gt.tensor(src, requires_grad=True)
    tt, tg = torch.tensor(tgt, requires_grad=True), gt.tensor(tgt, requires_grad=True)
    out_t = tm(st, tt, tgt_mask=torch.tensor(tmask.numpy()), src_key_padding_mask=torch.tensor(skpm),
               memory_key_padding_mask=torch.tensor(skpm))
    out_g = gm(sg, tg, tgt_mask=tmask, src_key_padding_mask=gt.tensor(skpm), memory_key_padding_mask=gt.tensor(skpm))
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-9, atol=1e-11)
    out_t.pow(2).sum().backward()
    out_g.pow(2).sum().backward()
    np.testing.assert_allclose(sg.grad.numpy(), st.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(tg.grad.numpy(), tt.grad.numpy(), rtol=1e-9, atol=1e-11)
    param_grads_match(gm, tm)


def test_defaults_structure_and_mask():
    m = nn.Transformer()
    t = torch.nn.Transformer()
    assert list(m.state_dict()) == list(t.state_dict())
    assert repr(m) == repr(t)
    assert sum(p.numel() for p in m.parameters()) == sum(p.numel() for p in t.parameters())
    layer = nn.TransformerEncoderLayer(16, 4)
    assert layer.linear1.out_features == 2048 and layer.dropout.p == 0.1 and layer.norm1.eps == 1e-5
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == gt.float32
    np.testing.assert_array_equal(mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    # xavier on every matrix: bounded by sqrt(6 / (fan_in + fan_out))
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= np.sqrt(6 / (512 + 2048))


def test_train_mode_dropout_is_random_and_eval_deterministic():
    gt.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 32, dropout=0.5).double()
    x = gt.tensor(RNG.standard_normal((5, 2, 8)))
    a, b = layer(x).detach().numpy(), layer(x).detach().numpy()
    assert not np.allclose(a, b)
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_errors():
    m = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(gt.randn(5, 2, 8), gt.randn(3, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        m(gt.randn(5, 2, 8), gt.randn(3, 2, 6))
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.TransformerEncoderLayer(10, 3)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
