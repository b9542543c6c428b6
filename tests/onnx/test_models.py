"""Whole models (LeNet-5, a tiny GPT, language models), functional ops, and what cannot be exported."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from _onnx_check import export_and_compare, onnx, op_types

import glasstorch as torch
import glasstorch.onnx
from glasstorch import nn

F = nn.functional
B1, B2 = 3, 5


class LeNet5(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def test_lenet5():
    torch.manual_seed(0)
    proto = export_and_compare(LeNet5(), (torch.randn(B1, 1, 28, 28),), ((torch.randn(B2, 1, 28, 28),),),
                               dynamic={0: {0: "batch"}})
    assert op_types(proto).count("Conv") == 2
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"


class GPTBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d), nn.Dropout(0.1))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(att.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    """The shape of examples/tiny_gpt.py, smaller."""

    def __init__(self, vocab=13, block=8, d=16, heads=2, layers=2):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.blocks = nn.Sequential(*[GPTBlock(d, heads) for _ in range(layers)])
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.head(self.ln(self.blocks(x)))


def test_tiny_gpt():
    torch.manual_seed(0)
    model = TinyGPT()
    idx = torch.randint(0, 13, (B1, 7))
    proto = export_and_compare(model, (idx,), ((torch.randint(0, 13, (B2, 7)),),), dynamic={0: {0: "batch"}},
                               atol=1e-5)
    assert "Softmax" in op_types(proto)


def test_tiny_gpt_example_model():
    """The model class of examples/tiny_gpt.py itself."""
    tiny_gpt = pytest.importorskip("examples.tiny_gpt")
    torch.manual_seed(0)
    model = tiny_gpt.TinyGPT(vocab=11, block=8, d=16, heads=2, layers=1)
    export_and_compare(model, (torch.randint(0, 11, (B1, 6)),), ((torch.randint(0, 11, (B2, 6)),),),
                       dynamic={0: {0: "batch"}}, atol=1e-5)


class RNNLanguageModel(nn.Module):
    """Embedding -> LSTM/GRU -> Linear, with the hidden state passed in and out."""

    def __init__(self, kind="LSTM", vocab=17, emb=8, hidden=12, layers=2):
        super().__init__()
        self.kind, self.layers, self.hidden = kind, layers, hidden
        self.drop = nn.Dropout(0.2)
        self.encoder = nn.Embedding(vocab, emb)
        self.rnn = getattr(nn, kind)(emb, hidden, layers, dropout=0.2)
        self.decoder = nn.Linear(hidden, vocab)
        self.vocab = vocab

    def forward(self, tokens, hidden):
        out, hidden = self.rnn(self.drop(self.encoder(tokens)), hidden)
        logits = self.decoder(self.drop(out)).view(-1, self.vocab)
        return F.log_softmax(logits, dim=1), hidden

    def init_hidden(self, batch):
        h = torch.zeros(self.layers, batch, self.hidden)
        return (h, torch.zeros(self.layers, batch, self.hidden)) if self.kind == "LSTM" else h


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_rnn_language_model(kind):
    torch.manual_seed(0)
    model = RNNLanguageModel(kind)

    def inputs(batch, seq):
        h = model.init_hidden(batch)
        h = tuple(torch.randn(*t.shape) for t in h) if isinstance(h, tuple) else torch.randn(*h.shape)
        return (torch.randint(0, 17, (seq, batch)), h)

    dyn = {0: {0: "seq", 1: "batch"}, 1: {1: "batch"}, 2: {1: "batch"}}
    if kind == "GRU":
        dyn.pop(2)
    export_and_compare(model, inputs(B1, 7), (inputs(B2, 4), inputs(1, 9)), dynamic=dyn)


class PositionalEncoding(nn.Module):
    def __init__(self, d, max_len=64):
        super().__init__()
        pos = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe.unsqueeze(1))
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        return self.drop(x + self.pe[: x.size(0)])


class TransformerLanguageModel(nn.Module):
    """Sequence-first encoder-only language model with a causal mask built in forward."""

    def __init__(self, vocab=17, d=8, heads=2, hidden=16, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = PositionalEncoding(d)
        layer = nn.TransformerEncoderLayer(d, heads, hidden, dropout=0.2)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.decoder = nn.Linear(d, vocab)
        self.d = d

    def forward(self, src):
        mask = torch.log(torch.tril(torch.ones(len(src), len(src))))
        x = self.pos(self.emb(src) * math.sqrt(self.d))
        return F.log_softmax(self.decoder(self.encoder(x, mask=mask)), dim=-1)


def test_transformer_language_model():
    torch.manual_seed(0)
    model = TransformerLanguageModel()
    export_and_compare(model, (torch.randint(0, 17, (7, B1)),), ((torch.randint(0, 17, (7, B2)),),),
                       dynamic={0: {1: "batch"}}, atol=1e-5)


class Functional(nn.Module):
    """The shape, index, reduce and elementwise ops models are built from."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(6, 4))

    def forward(self, x, idx):
        a = x.permute(0, 2, 1).contiguous()              # (B, 6, 4)
        b = a.transpose(1, 2) @ self.w                   # (B, 4, 4)
        c = torch.cat([b, b * 2.0], dim=-1)              # (B, 4, 8)
        d = torch.stack([c.sum(-1), c.mean(-1), c.amax(-1)], dim=1)  # (B, 3, 4)
        e = d[:, 1:, ::2] - d[:, :1, 1::2]               # (B, 2, 2)
        f = torch.where(e > 0, e, e.exp() - 1).flatten(1)  # (B, 4)
        g, h = x.chunk(2, dim=2)
        m = (g * h).unsqueeze(1).squeeze(1).max(dim=1).values  # (B, 3)
        n = x.masked_fill(x < -1, 0.5).var(dim=1) + x.std(dim=(1, 2), keepdim=True).squeeze(-1)
        z = x[:, idx].reshape(x.shape[0], -1)            # integer-tensor index
        r = torch.clamp(x, -1, 1).abs().sqrt().neg().pow(2) / (x.abs() + 1)
        s = x.sum(dim=(1, 2)).unsqueeze(1)
        arg = x.argmax(dim=-1).float()
        return (torch.cat([f, m, n], dim=1), z, r.softmax(1), s, arg, x[..., -1], x.expand(-1, -1, -1) ** 2)


def test_functional_ops():
    torch.manual_seed(0)
    idx = torch.tensor([0, 2, 2])
    export_and_compare(Functional(), (torch.randn(B1, 4, 6), idx), ((torch.randn(B2, 4, 6), idx),),
                       dynamic={0: {0: "batch"}})


class MoreOps(nn.Module):
    def forward(self, x):
        a = torch.logsumexp(x, dim=1) + x.prod(dim=1) + x.cumsum(dim=2)[:, -1]      # (B, 6)
        b = x.narrow(2, 1, 3).flip(1).tril() + x[:, :, :3].triu(1)                  # (B, 4, 3)
        c = torch.index_select(x, 2, torch.tensor([5, 0])) * torch.gather(x, 2, (x[:, :, :2] > 0).long())
        d = x.abs().log2() + x.abs().log10() + x.abs().log1p() + x.expm1() + x.sin() * x.cos()
        e = x.sign() * x.floor() + x.ceil() - x.round() + torch.atan(x) + x.sigmoid().tan()
        f = ((x > 0) & (x < 1) | x.isnan()).float() + (x != 0.5).logical_not().float()
        g = x.min(dim=2).values + x.argmin(dim=2).float() + x.amin(dim=2)
        h = torch.cat(x.unbind(1), dim=1) + x.transpose(1, 2).transpose(-1, -2).reshape(x.shape[0], -1)
        i = x.repeat(1, 2, 1)[:, 1:5] + F.pad(x, (1, 1))[..., 1:-1] + x.clamp(min=0) + (x.abs() + 1).rsqrt()
        return a, b, c, d.clamp(-5, 5), e, f, g, h, i, (x.int() + 1).float() / 2, x[0].t().sum().unsqueeze(0)


def test_more_ops():
    torch.manual_seed(0)
    x1, x2 = torch.randn(B1, 4, 6) + 0.1, torch.randn(B2, 4, 6) + 0.1
    export_and_compare(MoreOps(), (x1,), ((x2,),), dynamic={0: {0: "batch"}}, atol=1e-5)


def test_file_path_names_and_defaults(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "m.onnx"
    glasstorch.onnx.export(nn.Linear(4, 2), torch.randn(B1, 4), str(path), input_names=["x"],
                           output_names=["y"], dynamic_axes={"x": [0], "y": [0]})
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["y"]
    assert proto.opset_import[0].version == glasstorch.onnx.DEFAULT_OPSET == 17
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "x_dynamic_axes_1"
    assert sorted(i.name for i in proto.graph.initializer) == ["bias", "weight"]
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_export_params_false_makes_inputs():
    buf = io.BytesIO()
    glasstorch.onnx.export(nn.Linear(4, 2), (torch.randn(2, 4),), buf, export_params=False)
    proto = onnx.load_from_string(buf.getvalue())
    assert [i.name for i in proto.graph.input] == ["input", "weight", "bias"]
    assert not proto.graph.initializer


def test_constant_folding():
    """Ops on parameters and constants only are computed at export time."""

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.randn(4, 4))

        def forward(self, x):
            return x @ (self.w.t() * 2).tanh()

    proto = export_and_compare(Scaled(), (torch.randn(B1, 4),))
    assert op_types(proto) == ["MatMul"]
    buf = io.BytesIO()
    glasstorch.onnx.export(Scaled(), (torch.randn(B1, 4),), buf, do_constant_folding=False)
    assert "Tanh" in op_types(onnx.load_from_string(buf.getvalue()))


def test_state_is_restored():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    model.train()
    x = torch.randn(2, 4, requires_grad=True)
    glasstorch.onnx.export(model, (x,), io.BytesIO())
    assert model.training and model[1].training
    assert x.requires_grad and all(p.requires_grad for p in model.parameters())
    assert not glasstorch.onnx.is_in_onnx_export()
    y = model(x).sum()
    y.backward()  # recording works again
    assert x.grad is not None


def test_unsupported_op_names_it():
    class Sorts(nn.Module):
        def forward(self, x):
            return torch.sort(x, dim=1).values

    with pytest.raises(glasstorch.onnx.UnsupportedOperatorError, match="Sort") as info:
        glasstorch.onnx.export(Sorts(), (torch.randn(2, 4),), io.BytesIO())
    assert isinstance(info.value, RuntimeError)
    assert "opset version 17" in str(info.value)


def test_unsupported_mask_index_and_inplace():
    class Masked(nn.Module):
        def forward(self, x):
            return x[x > 0]

    with pytest.raises(glasstorch.onnx.UnsupportedOperatorError, match="Index"):
        glasstorch.onnx.export(Masked(), (torch.randn(2, 4),), io.BytesIO())

    class Writes(nn.Module):
        def forward(self, x):
            y = x * 2
            y[:, 0] = 1.0
            return y

    with pytest.raises(glasstorch.onnx.UnsupportedOperatorError):
        glasstorch.onnx.export(Writes(), (torch.randn(2, 4),), io.BytesIO())


def test_inplace_arithmetic_is_followed():
    class InPlace(nn.Module):
        def forward(self, x):
            y = x * 2
            y += 1
            y.relu_()
            return y

    export_and_compare(InPlace(), (torch.randn(B1, 4),), ((torch.randn(B2, 4),),), dynamic={0: [0]})


def test_bad_opset():
    with pytest.raises(ValueError, match="opset"):
        glasstorch.onnx.export(nn.Linear(2, 2), (torch.randn(1, 2),), io.BytesIO(), opset_version=9)


def test_opset_18_reductions():
    model = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6))

    class Reduce(nn.Module):
        def forward(self, x):
            return model(x).amax(dim=1) + model(x).mean(dim=1)

    export_and_compare(Reduce(), (torch.randn(B1, 4),), ((torch.randn(B2, 4),),), dynamic={0: [0]},
                       opset_version=18)
    np.testing.assert_equal(1, 1)


def test_word_language_model_export_path(tmp_path):
    """What word_language_model's --onnx-export does, with ``torch`` resolved by glasstorch.compat."""
    from glasstorch import compat

    compat.install()
    try:
        import torch as compat_torch
        import torch.onnx  # noqa: F401

        model = RNNLanguageModel("LSTM")
        model.eval()
        dummy = compat_torch.zeros(10 * 1, dtype=compat_torch.int64).view(-1, 1)
        compat_torch.onnx.export(model, (dummy, model.init_hidden(1)), str(tmp_path / "lm.onnx"))
    finally:
        compat.uninstall()
    proto = onnx.load(str(tmp_path / "lm.onnx"))
    onnx.checker.check_model(proto)
    assert [i.name for i in proto.graph.input] == ["input", "input_1", "input_2"]
    assert op_types(proto).count("LSTM") == 2


def test_custom_function_is_named():
    class Cube(glasstorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            return g

    class UsesCube(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            return Cube.apply(self.lin(x))

    with pytest.raises(glasstorch.onnx.UnsupportedOperatorError, match="'Cube'"):
        glasstorch.onnx.export(UsesCube(), (torch.randn(2, 2),), io.BytesIO())
