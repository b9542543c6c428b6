"""Every exportable layer: onnx.checker passes and ONNX Runtime agrees with glasstorch at two batch sizes."""

from __future__ import annotations

import pytest
from _onnx_check import export_and_compare, op_types

import glasstorch as torch
from glasstorch import nn

F = nn.functional
B1, B2 = 3, 5  # the traced batch size and another one (dynamic axis 0)


def randn(*shape):
    return torch.randn(*shape)


def batch_pair(*rest):
    return (randn(B1, *rest),), ((randn(B2, *rest),),)


LAYERS = {
    "linear": (lambda: nn.Linear(6, 4), (6,)),
    "linear_nd": (lambda: nn.Linear(6, 4), (7, 6)),
    "linear_nobias": (lambda: nn.Linear(6, 4, bias=False), (7, 6)),
    "conv1d": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1), (4, 11)),
    "conv2d": (lambda: nn.Conv2d(4, 6, 3, padding=1, groups=2, dilation=1), (4, 8, 8)),
    "conv2d_strided": (lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
                       (2, 9, 8)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
                         (4, 6, 6)),
    "conv_transpose2d_plain": (lambda: nn.ConvTranspose2d(4, 6, 2), (4, 6, 7)),
    "max_pool2d": (lambda: nn.MaxPool2d(2), (4, 8, 8)),
    "max_pool2d_ceil": (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (4, 8, 8)),
    "max_pool1d": (lambda: nn.MaxPool1d(2), (4, 9)),
    "avg_pool2d": (lambda: nn.AvgPool2d(2), (4, 8, 8)),
    "avg_pool2d_pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                       (4, 8, 8)),
    "avg_pool1d": (lambda: nn.AvgPool1d(3, stride=2), (4, 9)),
    "adaptive_avg_pool2d_1": (lambda: nn.AdaptiveAvgPool2d(1), (4, 8, 8)),
    "adaptive_avg_pool2d_2": (lambda: nn.AdaptiveAvgPool2d((2, 4)), (4, 8, 8)),
    "batch_norm1d": (lambda: _stats(nn.BatchNorm1d(4)), (4,)),
    "batch_norm1d_3d": (lambda: _stats(nn.BatchNorm1d(4)), (4, 7)),
    "batch_norm2d": (lambda: _stats(nn.BatchNorm2d(4)), (4, 6, 6)),
    "layer_norm": (lambda: _affine(nn.LayerNorm(6)), (7, 6)),
    "layer_norm_2d": (lambda: _affine(nn.LayerNorm((4, 6))), (4, 6)),
    "layer_norm_plain": (lambda: nn.LayerNorm(6, elementwise_affine=False), (6,)),
    "group_norm": (lambda: _affine(nn.GroupNorm(2, 4)), (4, 6, 6)),
    "dropout": (lambda: nn.Dropout(0.4), (4, 6)),
    "flatten": (lambda: nn.Flatten(), (4, 2, 6)),
    "unflatten": (lambda: nn.Unflatten(1, (2, 6)), (12,)),
    "identity": (lambda: nn.Identity(), (4,)),
    "conv3d": (lambda: nn.Conv3d(2, 4, 2, padding=1), (2, 4, 4, 4)),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(4, 2, 3, stride=2), (4, 7)),
    "adaptive_avg_pool1d": (lambda: nn.AdaptiveAvgPool1d(2), (4, 8)),
    "avg_pool2d_divisor": (lambda: nn.AvgPool2d(2, divisor_override=3), (4, 6, 6)),
    "max_pool2d_dilated": (lambda: nn.MaxPool2d(2, stride=1, dilation=2, padding=1), (4, 7, 7)),
    "zero_pad2d": (lambda: nn.ZeroPad2d((1, 0, 2, 1)), (4, 6, 6)),
    "constant_pad1d": (lambda: nn.ConstantPad1d(2, 0.5), (4, 6)),
}

ACTIVATIONS = {
    "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.1), "elu": lambda: nn.ELU(0.7), "selu": nn.SELU,
    "celu": lambda: nn.CELU(1.3), "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU("tanh"), "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "softplus": nn.Softplus,
    "softplus_beta": lambda: nn.Softplus(beta=2.0, threshold=3.0), "hardtanh": lambda: nn.Hardtanh(-0.5, 0.7),
    "relu6": nn.ReLU6, "hardswish": nn.Hardswish, "hardsigmoid": nn.Hardsigmoid, "mish": nn.Mish,
    "prelu": lambda: _prelu(nn.PReLU(4)), "prelu_one": nn.PReLU, "softmax": lambda: nn.Softmax(dim=1),
    "log_softmax": lambda: nn.LogSoftmax(dim=-1), "softsign": nn.Softsign, "logsigmoid": nn.LogSigmoid,
    "tanhshrink": nn.Tanhshrink, "hardshrink": nn.Hardshrink, "softshrink": nn.Softshrink,
    "threshold": lambda: nn.Threshold(0.1, 2.0), "glu": nn.GLU,
}


def _stats(bn):
    bn.running_mean.copy_(torch.randn(bn.num_features) * 0.3)
    bn.running_var.copy_(torch.rand(bn.num_features) + 0.5)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(bn.num_features))
        bn.bias.copy_(torch.randn(bn.num_features))
    return bn


def _affine(m):
    with torch.no_grad():
        m.weight.copy_(torch.randn(*m.weight.shape))
        m.bias.copy_(torch.randn(*m.bias.shape))
    return m


def _prelu(m):
    with torch.no_grad():
        m.weight.copy_(torch.randn(4) * 0.3)
    return m


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer(name):
    torch.manual_seed(0)
    make, rest = LAYERS[name]
    model = make()
    example, others = batch_pair(*rest)
    export_and_compare(model, example, others, dynamic={0: {0: "batch"}})
    assert model.training  # export ran in eval mode and gave the flag back


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation(name):
    torch.manual_seed(0)
    model = ACTIVATIONS[name]()
    example, others = batch_pair(4, 6)
    example = (example[0] * 4,)  # reach the saturated and thresholded parts too
    export_and_compare(model, example, others, dynamic={0: [0]})


def test_module_level_ops():
    """Conv, batch norm, LSTM and GRU become one ONNX node each."""
    bn = _stats(nn.BatchNorm2d(4))
    proto = export_and_compare(nn.Sequential(nn.Conv2d(2, 4, 3), bn), (randn(B1, 2, 6, 6),))
    assert op_types(proto) == ["Conv", "BatchNormalization"]
    proto = export_and_compare(nn.LSTM(4, 6), (randn(7, B1, 4),))
    assert op_types(proto).count("LSTM") == 1
    proto = export_and_compare(nn.Linear(4, 6), (randn(B1, 4),))
    assert op_types(proto) == ["Gemm"]


def test_embedding():
    torch.manual_seed(0)
    emb = nn.Embedding(11, 6, padding_idx=0)
    example = (torch.randint(0, 11, (B1, 7)),)
    proto = export_and_compare(emb, example, ((torch.randint(0, 11, (B2, 4)),),),
                               dynamic={0: {0: "batch", 1: "seq"}})
    assert op_types(proto) == ["Gather"]


RNNS = {
    "lstm": lambda: nn.LSTM(4, 6),
    "lstm_deep_bi": lambda: nn.LSTM(4, 6, num_layers=2, bidirectional=True),
    "lstm_batch_first": lambda: nn.LSTM(4, 6, num_layers=2, batch_first=True),
    "lstm_nobias": lambda: nn.LSTM(4, 6, bias=False),
    "gru": lambda: nn.GRU(4, 6),
    "gru_deep_bi_bf": lambda: nn.GRU(4, 6, num_layers=2, bidirectional=True, batch_first=True),
    "rnn_tanh": lambda: nn.RNN(4, 6, num_layers=2),
    "rnn_relu": lambda: nn.RNN(4, 6, nonlinearity="relu", bidirectional=True),
}


@pytest.mark.parametrize("name", sorted(RNNS))
@pytest.mark.parametrize("with_state", [False, True])
def test_rnn(name, with_state):
    torch.manual_seed(0)
    m = RNNS[name]()
    D = 2 if m.bidirectional else 1
    L = m.num_layers

    def inputs(batch, seq):
        x = randn(batch, seq, 4) if m.batch_first else randn(seq, batch, 4)
        if not with_state:
            return (x,)
        h = randn(L * D, batch, 6)
        return (x, (h, randn(L * D, batch, 6))) if isinstance(m, nn.LSTM) else (x, h)

    bdim = 0 if m.batch_first else 1
    dyn = {0: {bdim: "batch", 1 - bdim: "seq"}}
    if with_state:
        dyn.update({i: {1: "batch"} for i in range(1, 3 if isinstance(m, nn.LSTM) else 2)})
    proto = export_and_compare(m, inputs(B1, 7), (inputs(B2, 4),), dynamic=dyn)
    op = {"LSTM": "LSTM", "GRU": "GRU"}.get(m.mode, "RNN")
    assert op_types(proto).count(op) == L


def test_rnn_unbatched():
    torch.manual_seed(0)
    m = nn.LSTM(4, 6, num_layers=2)
    export_and_compare(m, (randn(7, 4),))


def test_multihead_attention():
    torch.manual_seed(0)

    class SelfAttention(nn.Module):
        def __init__(self, batch_first):
            super().__init__()
            self.mha = nn.MultiheadAttention(8, 2, batch_first=batch_first)

        def forward(self, x, mask):
            return self.mha(x, x, x, attn_mask=mask)

    mask = nn.Transformer.generate_square_subsequent_mask(7)
    for bf in (False, True):
        m = SelfAttention(bf)
        shape = (B1, 7, 8) if bf else (7, B1, 8)
        other = (B2, 7, 8) if bf else (7, B2, 8)
        bdim = 0 if bf else 1
        export_and_compare(m, (randn(*shape), mask), ((randn(*other), mask),), dynamic={0: {bdim: "batch"}})


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder(norm_first):
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation="gelu", norm_first=norm_first,
                                       batch_first=True)
    enc = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    export_and_compare(enc, (randn(B1, 7, 8),), ((randn(B2, 7, 8),),), dynamic={0: {0: "batch"}}, atol=1e-5)


def test_rnn_state_as_keyword():
    """A state given by keyword reaches the exported LSTM (global hooks alone would not see it)."""
    torch.manual_seed(0)

    class KwState(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 6)

        def forward(self, x, h):
            return self.rnn(x, hx=h * 2)

    m = KwState()
    export_and_compare(m, (randn(7, B1, 4), randn(1, B1, 6)), ((randn(7, B2, 4), randn(1, B2, 6)),),
                       dynamic={0: {1: "batch"}, 1: {1: "batch"}})
    assert "forward" not in m.rnn.__dict__
