"""Embedding and EmbeddingBag against torch."""

import numpy as np
import pytest
import torch
from _twin import copy_state
from compare import assert_close, check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(3)


def _pair(cls, *args, **kw):
    m_t = getattr(torch.nn, cls)(*args, **kw).double()
    m_g = getattr(nn, cls)(*args, **kw).double()
    copy_state(m_g, m_t)
    return m_g, m_t


def _compare(m_g, m_t, *inputs, weights=None):
    out_g = m_g(*[gt.tensor(i) if i is not None else None for i in inputs], **({} if weights is None else
                {"per_sample_weights": gt.tensor(weights, requires_grad=True)}))
    out_t = m_t(*[torch.tensor(i) if i is not None else None for i in inputs], **({} if weights is None else
                {"per_sample_weights": torch.tensor(weights, requires_grad=True)}))
    assert_close(out_g, out_t, msg="forward")
    g = rng.standard_normal(tuple(out_t.shape))
    out_g.backward(gt.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_close(m_g.weight.grad, m_t.weight.grad, msg="weight grad")
    assert_close(m_g.weight, m_t.weight, msg="weight")


IDX = [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([[0, 2, 0, 5], [2, 2, 0, 9]]), np.array(3),
       np.zeros((2, 0), np.int64)]


@pytest.mark.parametrize("idx", IDX)
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 0}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                {"max_norm": 1.0}, {"max_norm": 1.5, "norm_type": 1.0},
                                {"padding_idx": 2, "scale_grad_by_freq": True}])
def test_embedding_matches_torch(idx, kw):
    m_g, m_t = _pair("Embedding", 10, 3, **kw)
    _compare(m_g, m_t, idx)
    assert repr(m_g) == repr(m_t)


def test_init_padding_and_repeated_indices():
    m = nn.Embedding(10, 3, padding_idx=0)
    assert m.weight.shape == (10, 3) and not m.weight.detach().numpy()[0].any()
    assert repr(m) == "Embedding(10, 3, padding_idx=0)"
    w = nn.Embedding(2000, 50).weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01  # N(0, 1)
    out = m(gt.tensor([[1, 1, 0], [1, 2, 0]]))
    out.sum().backward()
    np.testing.assert_array_equal(m.weight.grad.numpy()[:3], [[0, 0, 0], [3, 3, 3], [1, 1, 1]])
    assert out.dtype == gt.float32 and out.shape == (2, 3, 3)
    assert type(out.grad_fn).__name__ == "EmbeddingBackward0"


def test_int32_indices_and_functional():
    w = rng.standard_normal((6, 4))
    idx = np.array([[5, 0], [1, 1]], np.int32)
    check(lambda w: F.embedding(gt.tensor(idx), w, padding_idx=1),
          lambda w: torch.nn.functional.embedding(torch.tensor(idx), w, padding_idx=1), w)


def test_max_norm_renormalises_in_place():
    m_g, m_t = _pair("Embedding", 5, 4, max_norm=0.5)
    before = m_g.weight.detach().numpy().copy()
    _compare(m_g, m_t, np.array([0, 3]))
    after = m_g.weight.detach().numpy()
    np.testing.assert_array_equal(after[[1, 2, 4]], before[[1, 2, 4]])
    assert np.all(np.linalg.norm(after[[0, 3]], axis=1) <= 0.5 + 1e-6)


def test_from_pretrained():
    w = gt.tensor(rng.standard_normal((4, 3)))
    m = nn.Embedding.from_pretrained(w)
    assert not m.weight.requires_grad and m(gt.tensor([2])).numpy().tolist() == [w.numpy()[2].tolist()]
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    assert nn.Embedding.from_pretrained(w, padding_idx=1).padding_idx == 1
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(gt.randn(3))


def test_gradchecks():
    idx = gt.tensor([[0, 2, 2], [1, 0, 3]])
    gradchecks(lambda w: F.embedding(idx, w), rng.standard_normal((4, 2)))
    gradchecks(lambda w: F.embedding_bag(idx, w, mode="max"), rng.standard_normal((4, 2)))
    gradchecks(lambda w: F.embedding_bag(idx, w, mode="mean"), rng.standard_normal((4, 2)))


@pytest.mark.parametrize("lib", [torch, gt])
def test_errors_match_torch(lib):
    e = lib.nn.Embedding(10, 3, padding_idx=0)
    for bad in ([10], [-1]):
        with pytest.raises(IndexError, match="index out of range in self"):
            e(lib.tensor(bad))
    with pytest.raises(RuntimeError) as info:
        e(lib.tensor([1.0]))
    assert str(info.value) == ("Expected tensor for argument #1 'indices' to have one of the following scalar "
                               "types: Long, Int; but got torch.FloatTensor instead (while checking arguments "
                               "for embedding)")
    for pad in (10, -11):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            lib.nn.Embedding(10, 3, padding_idx=pad)
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        lib.nn.Embedding(10, 3, _weight=lib.randn(9, 3))


BAGS = [(np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3, 6])),
        (np.array([[0, 2, 0, 5], [2, 2, 7, 9]]), None)]


@pytest.mark.parametrize("idx,offsets", BAGS)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"max_norm": 1.0}, {"padding_idx": 0, "max_norm": 2.0}])
def test_embedding_bag_matches_torch(idx, offsets, mode, kw):
    m_g, m_t = _pair("EmbeddingBag", 10, 3, mode=mode, **kw)
    _compare(m_g, m_t, idx, offsets)
    assert repr(m_g) == repr(m_t)


@pytest.mark.parametrize("lib", [torch, gt])
def test_embedding_bag_scale_grad_by_freq(lib):
    # each row's gradient is divided by its index's count, as in Embedding (torch's CPU bag
    # kernel scales inconsistently here, so the expectation is written out)
    bag = nn.EmbeddingBag(10, 1, mode="sum", scale_grad_by_freq=True)
    bag(gt.tensor([1, 1, 1, 2, 2, 3]), gt.tensor([0, 2, 3])).sum().backward()
    np.testing.assert_allclose(bag.weight.grad.numpy()[:5, 0], [0, 1, 1, 1, 0])
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient by the frequency"):
        lib.nn.EmbeddingBag(10, 3, mode="max", scale_grad_by_freq=True)(lib.tensor([[1, 2]]))


def test_embedding_bag_per_sample_weights_and_last_offset():
    m_g, m_t = _pair("EmbeddingBag", 10, 3, mode="sum", include_last_offset=True)
    idx, off, w = np.array([1, 2, 4, 5, 4, 3]), np.array([0, 2, 2, 6]), rng.standard_normal(6)
    xw_g, xw_t = gt.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out_g = m_g(gt.tensor(idx), gt.tensor(off), per_sample_weights=xw_g)
    out_t = m_t(torch.tensor(idx), torch.tensor(off), per_sample_weights=xw_t)
    assert_close(out_g, out_t)
    g = rng.standard_normal(tuple(out_t.shape))
    out_g.backward(gt.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_close(xw_g.grad, xw_t.grad)
    assert_close(m_g.weight.grad, m_t.weight.grad)


@pytest.mark.parametrize("lib", [torch, gt])
def test_embedding_bag_errors(lib):
    bag = lib.nn.EmbeddingBag(10, 3)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        bag(lib.tensor([[1, 2], [3, 4]]), lib.tensor([0, 1]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        bag(lib.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        bag(lib.tensor([1, 2, 3, 4]), lib.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        bag(lib.tensor([1, 2, 3, 4]), lib.tensor([0, 2]), lib.ones(4))


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 4}, {"scale_grad_by_freq": True}])
def test_embedding_grad_many_repeated_unsorted_indices_float32(kw):
    # the weight gradient sums the rows of every repeat of an index (sorted runs, not np.add.at)
    idx = rng.integers(0, 7, (5, 33))
    m_t = torch.nn.Embedding(9, 4, **kw)
    m_g = nn.Embedding(9, 4, **kw)
    copy_state(m_g, m_t)
    out_g, out_t = m_g(gt.tensor(idx)), m_t(torch.tensor(idx))
    g = rng.standard_normal(tuple(out_t.shape)).astype(np.float32)
    out_g.backward(gt.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_close(m_g.weight.grad, m_t.weight.grad, rtol=1e-5, atol=1e-5)
    assert not m_g.weight.grad.numpy()[7:].any()  # rows never looked up stay zero


def test_embedding_grad_keeps_inf_in_its_own_row():
    m = nn.Embedding(3, 2)
    out = m(gt.tensor(np.array([0, 2, 0])))
    g = np.ones((3, 2))
    g[1, 0] = np.inf
    out.backward(gt.tensor(g.astype(np.float32)))
    np.testing.assert_array_equal(m.weight.grad.numpy(), [[2, 2], [0, 0], [np.inf, 1]])
