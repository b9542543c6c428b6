"""RNN / LSTM / GRU and their cells against torch, on the same weights, in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import gradchecks

import glasstorch as gt
import glasstorch.nn as nn
from glasstorch.nn._functional.rnn import GRUCellFn, GRULayer, LSTMCellFn, LSTMLayer
from glasstorch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


def twins(name, *args, **kwargs):
    """A torch module and its glasstorch twin holding the same float64 weights."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    gm = getattr(nn, name)(*args, **kwargs).double()
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    return gm, tm


def flat(out):
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in flat(x)]
    return [out]


def compare_run(gm, tm, arrays, rtol=1e-9, atol=1e-11):
    """Forward both modules on the arrays; compare outputs, input grads and parameter grads."""
    xs_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    xs_g = [gt.tensor(a, requires_grad=True) for a in arrays]
    args_t = [xs_t[0]] + ([tuple(xs_t[1:])] if len(xs_t) > 2 else xs_t[1:])
    args_g = [xs_g[0]] + ([tuple(xs_g[1:])] if len(xs_g) > 2 else xs_g[1:])
    out_t, out_g = flat(tm(*args_t)), flat(gm(*args_g))
    assert len(out_t) == len(out_g)
    rng = np.random.default_rng(1)
    loss_t = loss_g = 0
    for a, b in zip(out_g, out_t):
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
        w = rng.standard_normal(tuple(b.shape))
        loss_t = loss_t + (b * torch.tensor(w)).sum()
        loss_g = loss_g + (a * gt.tensor(w)).sum()
    loss_t.backward()
    loss_g.backward()
    for a, b in zip(xs_g, xs_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)
    for (name, p), q in zip(gm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)


CONFIGS = [
    ("LSTM", {}),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(bias=False, num_layers=2)),
    ("LSTM", dict(proj_size=3)),
    ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True)),
    ("GRU", {}),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(bias=False, batch_first=True)),
    ("RNN", {}),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True)),
    ("RNN", dict(nonlinearity="tanh", bias=False, batch_first=True)),
]


@pytest.mark.parametrize("name,kw", CONFIGS)
def test_layer_matches_torch(name, kw):
    gm, tm = twins(name, 5, 6, **kw)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5) if kw.get("batch_first") else (4, 3, 5))
    compare_run(gm, tm, [x])


@pytest.mark.parametrize("name,kw", CONFIGS)
def test_layer_initial_state(name, kw):
    gm, tm = twins(name, 5, 6, **kw)
    rng = np.random.default_rng(2)
    dirs = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1)
    x = rng.standard_normal((3, 4, 5) if kw.get("batch_first") else (4, 3, 5))
    h0 = rng.standard_normal((layers * dirs, 3, kw.get("proj_size") or 6))
    states = [h0, rng.standard_normal((layers * dirs, 3, 6))] if name == "LSTM" else [h0]
    compare_run(gm, tm, [x] + states)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_unbatched(name):
    gm, tm = twins(name, 5, 6, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    compare_run(gm, tm, [x])
    states = [rng.standard_normal((4, 6)) for _ in range(2 if name == "LSTM" else 1)]
    compare_run(gm, tm, [x] + states)


def test_eval_mode_ignores_dropout_and_train_mode_drops():
    gm, tm = twins("LSTM", 5, 6, num_layers=2, dropout=0.5)
    gm.eval()
    tm.eval()
    compare_run(gm, tm, [np.random.default_rng(0).standard_normal((4, 3, 5))])
    gm.train()
    x = gt.tensor(np.random.default_rng(0).standard_normal((4, 3, 5)))
    a, b = gm(x)[0].detach(), gm(x)[0].detach()
    assert not np.allclose(a.numpy(), b.numpy())  # a fresh mask each call
    gm.eval()
    c, d = gm(x)[0].detach(), gm(x)[0].detach()
    np.testing.assert_array_equal(c.numpy(), d.numpy())


def test_dropout_between_layers_statistics():
    # With identity-like first layer output, dropout zeroes about p of the second layer's inputs.
    gt.manual_seed(0)
    m = nn.RNN(4, 200, num_layers=2, dropout=0.3, nonlinearity="relu").double()
    seen = []
    orig = m._run_direction

    def spy(x, state, weights, reverse):
        seen.append(x.detach().numpy().copy())
        return orig(x, state, weights, reverse)

    m._run_direction = spy
    m(gt.randn(50, 8, 4, dtype=gt.float64))
    first, second = seen
    assert second.shape == (50, 8, 200)
    zeros = np.mean(second == 0)
    relu_zeros = np.mean(first == 0)  # the layer-0 input never sees dropout
    assert relu_zeros == 0
    # relu already zeroes some units; dropout adds p of the rest
    assert 0.3 < zeros < 0.85


@pytest.mark.parametrize("name,kw", [("LSTMCell", {}), ("GRUCell", {}), ("RNNCell", {}),
                                     ("RNNCell", dict(nonlinearity="relu", bias=False)), ("GRUCell", dict(bias=False))])
def test_cells(name, kw):
    gm, tm = twins(name, 5, 6, **kw)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5))
    compare_run(gm, tm, [x])
    states = [rng.standard_normal((3, 6)) for _ in range(2 if name == "LSTMCell" else 1)]
    compare_run(gm, tm, [x] + states)
    compare_run(gm, tm, [x[0]] + [s[0] for s in states])  # unbatched


def test_float32_matches_torch():
    torch.manual_seed(0)
    tm = torch.nn.LSTM(5, 6, batch_first=True)
    gm = nn.LSTM(5, 6, batch_first=True)
    gm.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 7, 5)).astype(np.float32)
    out_g, (h_g, c_g) = gm(gt.tensor(x))
    out_t, (h_t, c_t) = tm(torch.tensor(x))
    assert out_g.dtype == gt.float32
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_g.detach().numpy(), c_t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_and_repr():
    m = nn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)
    assert repr(m) == "LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)"
    assert repr(nn.RNN(10, 20, nonlinearity="relu", bias=False)) == "RNN(10, 20, bias=False)"  # torch 2.13 omits it
    assert repr(nn.LSTM(10, 20, proj_size=5)) == "LSTM(10, 20, proj_size=5)"
    assert repr(nn.GRUCell(10, 20, bias=False)) == "GRUCell(10, 20, bias=False)"
    assert repr(nn.RNNCell(10, 20, nonlinearity="relu")) == "RNNCell(10, 20, nonlinearity=relu)"
    tm = torch.nn.LSTM(10, 20, proj_size=5, bidirectional=True)
    assert list(nn.LSTM(10, 20, proj_size=5, bidirectional=True).state_dict()) == list(tm.state_dict())
    assert m.weight_hh_l1_reverse.shape == (80, 20)
    assert m.weight_ih_l1.shape == (80, 40)
    assert m.weight_ih_l0.dtype == gt.float32


def test_default_init_range():
    gt.manual_seed(0)
    m = nn.GRU(3, 16, num_layers=2)
    bound = 1 / 4
    for p in m.parameters():
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound
        assert a.max() - a.min() > bound  # spread over the range, not constant


def test_errors_match_torch():
    m = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 10, got 7"):
        m(gt.randn(5, 3, 7))
    g = nn.GRU(10, 20, num_layers=2)
    with pytest.raises(RuntimeError, match=r"^Expected hidden size \(2, 3, 20\), got \[1, 3, 20\]$"):
        g(gt.randn(5, 3, 10), gt.zeros(1, 3, 20))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 3, 20\), got \[1, 3, 20\]"):
        m(gt.randn(5, 3, 10), (gt.zeros(1, 3, 20), gt.zeros(2, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(2, 3, 20\), got \[2, 3, 21\]"):
        m(gt.randn(5, 3, 10), (gt.zeros(2, 3, 20), gt.zeros(2, 3, 21)))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        m(gt.randn(2, 5, 3, 10))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        g(gt.randn(5, 10), gt.zeros(2, 3, 20))
    with pytest.raises(ValueError, match=r"RNN input dtype \(torch.float64\) does not match weight dtype"):
        m(gt.randn(5, 3, 10, dtype=gt.float64))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'foo'. Select from 'tanh' or 'relu'."):
        nn.RNN(10, 20, nonlinearity="foo")
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(10, 20, proj_size=20)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(10, 20, proj_size=3)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(10, 20, dropout=1.5)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(10, 20, dropout=0.5)
    cell = nn.LSTMCell(10, 20)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 7 expected 10"):
        cell(gt.randn(3, 7))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size 2"):
        cell(gt.randn(3, 10), (gt.randn(2, 20), gt.randn(3, 20)))
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D instead"):
        nn.GRUCell(10, 20)(gt.randn(2, 3, 10))


def test_fused_ops_gradcheck():
    rng = np.random.default_rng(5)
    T, B, H = 3, 2, 3

    def lstm(x, h0, c0, w_ih, w_hh, b):
        return LSTMLayer.apply(x, h0, c0, w_ih, w_hh, b, False)

    def lstm_rev(x, h0, c0, w_ih, w_hh, b):
        return LSTMLayer.apply(x, h0, c0, w_ih, w_hh, b, True)

    def lstm_no_bias(x, h0, c0, w_ih, w_hh):
        return LSTMLayer.apply(x, h0, c0, w_ih, w_hh, None, False)[:2]

    def gru(xw, h0, w, b):
        return GRULayer.apply(xw, h0, w, b, True)[0]

    E = 2
    args = [rng.standard_normal((T, B, E)), rng.standard_normal((B, H)), rng.standard_normal((B, H)),
            rng.standard_normal((4 * H, E)) * 0.5, rng.standard_normal((4 * H, H)) * 0.5,
            rng.standard_normal(4 * H)]
    gradchecks(lstm, *args)
    gradchecks(lstm_rev, *args)
    gradchecks(lstm_no_bias, *args[:5])
    gradchecks(gru, rng.standard_normal((T, B, 3 * H)), rng.standard_normal((B, H)),
               rng.standard_normal((3 * H, H)) * 0.5, rng.standard_normal(3 * H))
    gradchecks(lambda g, c: LSTMCellFn.apply(g, c)[:2], rng.standard_normal((B, 4 * H)), rng.standard_normal((B, H)))
    gradchecks(lambda a, b, h: GRUCellFn.apply(a, b, h)[0], rng.standard_normal((B, 3 * H)),
               rng.standard_normal((B, 3 * H)), rng.standard_normal((B, H)))


def test_module_gradgrad_against_torch():
    # second derivatives through the fused LSTM layer agree with torch's
    gm, tm = twins("LSTM", 3, 4)
    x = np.random.default_rng(6).standard_normal((3, 2, 3))
    xt, xg = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    (gx_t,) = torch.autograd.grad(tm(xt)[0].pow(2).sum(), xt, create_graph=True)
    (gx_g,) = gt.autograd.grad(gm(xg)[0].pow(2).sum(), xg, create_graph=True)
    np.testing.assert_allclose(gx_g.detach().numpy(), gx_t.detach().numpy(), rtol=1e-9, atol=1e-11)
    gx_t.sum().backward()
    gx_g.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    for p, q in zip(gm.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-11)


# -- nn.utils.rnn ------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    rng = np.random.default_rng(7)
    seqs = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    gs = [gt.tensor(s, requires_grad=True) for s in seqs]
    out_t = torch.nn.utils.rnn.pad_sequence(ts, batch_first=batch_first, padding_value=-1.0, padding_side=side)
    out_g = pad_sequence(gs, batch_first=batch_first, padding_value=-1.0, padding_side=side)
    np.testing.assert_array_equal(out_g.detach().numpy(), out_t.detach().numpy())
    w = rng.standard_normal(tuple(out_t.shape))
    (out_t * torch.tensor(w)).sum().backward()
    (out_g * gt.tensor(w)).sum().backward()
    for a, b in zip(gs, ts):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_packed_sequence_through_rnn(name):
    gm, tm = twins(name, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 3, 3))
    lengths = [2, 5, 3]
    xt, xg = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False)
    pg = pack_padded_sequence(xg, gt.tensor(lengths), enforce_sorted=False)
    np.testing.assert_array_equal(pg.batch_sizes.numpy(), pt.batch_sizes.numpy())
    np.testing.assert_array_equal(pg.data.detach().numpy(), pt.data.detach().numpy())
    out_t, h_t = tm(pt)
    out_g, h_g = gm(pg)
    pad_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(out_t)
    pad_g, len_g = pad_packed_sequence(out_g)
    np.testing.assert_array_equal(len_g.numpy(), len_t.numpy())
    np.testing.assert_allclose(pad_g.detach().numpy(), pad_t.detach().numpy(), rtol=1e-9, atol=1e-12)
    for a, b in zip(flat(h_g), flat(h_t)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)
    loss_t = pad_t.pow(2).sum() + sum(h.sum() for h in flat(h_t))
    loss_g = pad_g.pow(2).sum() + sum(h.sum() for h in flat(h_g))
    loss_t.backward()
    loss_g.backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("zero_h0", [False, True])
def test_lstm_layer_array_backward_matches_graph_backward(reverse, zero_h0):
    # Without create_graph, LSTMLayer's backward runs on arrays; with it, on Tensor
    # ops. Both must give the same gradients, also when Y, C and A all receive one.
    rng = np.random.default_rng(9)
    T, B, H, E = 4, 3, 5, 2
    inputs = [gt.tensor(rng.standard_normal((T, B, E)), requires_grad=True),
              gt.tensor(np.zeros((B, H)) if zero_h0 else rng.standard_normal((B, H)), requires_grad=True),
              gt.tensor(rng.standard_normal((B, H)), requires_grad=True),
              gt.tensor(rng.standard_normal((4 * H, E)) * 0.5, requires_grad=True),
              gt.tensor(rng.standard_normal((4 * H, H)) * 0.5, requires_grad=True),
              gt.tensor(rng.standard_normal(4 * H), requires_grad=True)]
    weights = [gt.tensor(rng.standard_normal(s)) for s in [(T, B, H), (T, B, H), (T, B, 4 * H)]]
    grads = []
    for create_graph in (False, True):
        outs = LSTMLayer.apply(*inputs, reverse)
        loss = sum((o * w).sum() for o, w in zip(outs, weights))
        grads.append(gt.autograd.grad(loss, inputs, create_graph=create_graph))
    for fast, graph in zip(*grads):
        np.testing.assert_allclose(fast.numpy(), graph.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_float32_training_grads_match_torch():
    # the benchmark's setting: float32 end to end, batch_first, zero initial state,
    # the output's gradient arriving through a transpose (a non-contiguous array)
    torch.manual_seed(0)
    tm = torch.nn.LSTM(6, 8, batch_first=True)
    gm = nn.LSTM(6, 8, batch_first=True)
    gm.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(10)
    x = rng.standard_normal((3, 7, 6)).astype(np.float32)
    w = rng.standard_normal((3, 7, 8)).astype(np.float32)
    xt, xg = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    (tm(xt)[0] * torch.tensor(w)).sum().backward()
    out_g = gm(xg)[0]
    (out_g * gt.tensor(w)).sum().backward()
    assert xg.grad.dtype == gt.float32
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), q in zip(gm.named_parameters(), tm.parameters()):
        assert p.grad.dtype == gt.float32, name
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_lstm_single_step_and_states_only():
    # one time step (no recurrent weight-gradient rows) and a loss on (h_n, c_n) alone
    gm, tm = twins("LSTM", 5, 6, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(11)
    compare_run(gm, tm, [rng.standard_normal((1, 3, 5))])
    x = rng.standard_normal((4, 3, 5))
    xt, xg = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    _, (h_t, c_t) = tm(xt)
    _, (h_g, c_g) = gm(xg)
    (h_t.sum() + (c_t * 2).sum()).backward()
    (h_g.sum() + (c_g * 2).sum()).backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (name, p), q in zip(gm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)
