"""Packed input through RNN, GRU and LSTM against torch: every combination of options."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from test_rnn import flat, twins

import glasstorch as gt
from glasstorch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OPTIONS = list(itertools.product([False, True], [1, 2], [False, True], [False, True]))
CASES = ([("RNN", *o, 0) for o in OPTIONS] + [("GRU", *o, 0) for o in OPTIONS]
         + [("LSTM", *o, p) for o in OPTIONS for p in (0, 2)])


@pytest.mark.parametrize("name, batch_first, layers, bidirectional, enforce_sorted, proj", CASES,
                         ids=[f"{c[0]}-bf{int(c[1])}-L{c[2]}-bi{int(c[3])}-sorted{int(c[4])}-proj{c[5]}"
                              for c in CASES])
def test_packed_input_matches_torch(name, batch_first, layers, bidirectional, enforce_sorted, proj):
    kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    if proj:
        kw["proj_size"] = proj
    gm, tm = twins(name, 3, 4, **kw)
    rng = np.random.default_rng(layers + 2 * bidirectional + 4 * enforce_sorted)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 3]
    x = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    xt, xg = torch.tensor(x, requires_grad=True), gt.tensor(x, requires_grad=True)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first=batch_first,
                                                 enforce_sorted=enforce_sorted)
    pg = pack_padded_sequence(xg, gt.tensor(lengths), batch_first=batch_first,
                              enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(pg.batch_sizes.numpy(), pt.batch_sizes.numpy())
    np.testing.assert_array_equal(pg.data.detach().numpy(), pt.data.detach().numpy())

    directions = 2 if bidirectional else 1
    h_size = proj or 4
    hx_t = hx_g = None
    if layers == 2:  # an initial state too, which must follow the sorting of the batch
        h0 = rng.standard_normal((directions * layers, 4, h_size))
        states = [h0] if name != "LSTM" else [h0, rng.standard_normal((directions * layers, 4, 4))]
        ts = [torch.tensor(s, requires_grad=True) for s in states]
        gs = [gt.tensor(s, requires_grad=True) for s in states]
        hx_t, hx_g = (ts[0], gs[0]) if name != "LSTM" else (tuple(ts), tuple(gs))
    out_t, h_t = tm(pt, hx_t)
    out_g, h_g = gm(pg, hx_g)
    assert isinstance(out_g, type(pg))
    np.testing.assert_array_equal(out_g.batch_sizes.numpy(), out_t.batch_sizes.numpy())
    np.testing.assert_allclose(out_g.data.detach().numpy(), out_t.data.detach().numpy(), rtol=1e-9, atol=1e-12)
    pad_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(out_t, batch_first=batch_first)
    pad_g, len_g = pad_packed_sequence(out_g, batch_first=batch_first)
    np.testing.assert_array_equal(len_g.numpy(), len_t.numpy())
    assert tuple(pad_g.shape) == tuple(pad_t.shape)
    np.testing.assert_allclose(pad_g.detach().numpy(), pad_t.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert len(flat(h_g)) == len(flat(h_t)) == (2 if name == "LSTM" else 1)
    for a, b in zip(flat(h_g), flat(h_t)):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)

    w = rng.standard_normal(tuple(pad_t.shape))
    loss_t = (pad_t * torch.tensor(w)).sum() + sum((h * (i + 2)).sum() for i, h in enumerate(flat(h_t)))
    loss_g = (pad_g * gt.tensor(w)).sum() + sum((h * (i + 2)).sum() for i, h in enumerate(flat(h_g)))
    loss_t.backward()
    loss_g.backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    if hx_t is not None:
        for a, b in zip(flat(hx_g), flat(hx_t)):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (pname, p), q in zip(gm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=pname)


@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
def test_batch_first_packed_classifier_runs_on_many_lengths(name):
    """A text classifier's shape of use: long, unsorted lengths, batch_first, the final state only."""
    gm, tm = twins(name, 6, 5, batch_first=True, num_layers=2)
    rng = np.random.default_rng(3)
    lengths = rng.integers(1, 40, size=17)
    x = rng.standard_normal((17, int(lengths.max()), 6))
    pt = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), batch_first=True,
                                                 enforce_sorted=False)
    pg = pack_padded_sequence(gt.tensor(x), gt.tensor(lengths), batch_first=True, enforce_sorted=False)
    h_t, h_g = flat(tm(pt)[1])[0], flat(gm(pg)[1])[0]
    np.testing.assert_allclose(h_g.detach().numpy(), h_t.detach().numpy(), rtol=1e-9, atol=1e-12)
