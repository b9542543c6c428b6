"""Every loss against torch: all reductions and options, gradients, stability, bad input."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _twin import copy_state
from compare import check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(0)
REDUCTIONS = ["none", "mean", "sum"]


def randn(*s):
    return rng.standard_normal(s)


def lt(a, lib):
    return (gt.tensor if lib is gt else torch.tensor)(a)


def both(fn_name, *args, **kwargs):
    """Call F.<fn_name> in each library with fixed (non-differentiated) extra tensors."""
    def make(lib, F_):
        def f(*xs):
            extra = {k: lt(v, lib) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
            return getattr(F_, fn_name)(*xs, *[lt(a, lib) for a in args], **extra)
        return f
    return make(gt, F), make(torch, TF)


# ---------------------------------------------------------------- regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.3}),
    ("soft_margin_loss", {}),
])
def test_pointwise_losses(name, kw, reduction):
    x, y = randn(3, 4), randn(3, 4)
    if name == "soft_margin_loss":
        check(*both(name, np.sign(y), reduction=reduction), x)
        return
    check(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw),
          lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kw), x, y)


def test_mse_broadcast_warning_and_bad_reduction():
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(gt.randn(3, 4), gt.randn(4))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(gt.randn(3), gt.randn(3), reduction="foo")


# ---------------------------------------------------------------- cross-entropy and NLL
CE_CASES = [
    ((5, 4), (5,), {}),
    ((5, 4), (5,), {"weight": "w"}),
    ((5, 4), (5,), {"ignore_index": 1}),
    ((5, 4), (5,), {"weight": "w", "ignore_index": 2}),
    ((5, 4), (5,), {"label_smoothing": 0.2}),
    ((5, 4), (5,), {"label_smoothing": 0.1, "weight": "w", "ignore_index": 0}),
    ((70, 65), (70,), {}),  # >= 4096 logits: row max and sums by the long-row path
    ((70, 65), (70,), {"label_smoothing": 0.1}),
    ((2, 4, 3), (2, 3), {}),
    ((2, 4, 3, 2), (2, 3, 2), {"weight": "w", "label_smoothing": 0.3}),
    ((4,), (), {}),
    ((4,), (), {"label_smoothing": 0.25, "weight": "w"}),
]


def _targets(tshape, c):
    t = rng.integers(0, c, size=tshape)
    return np.asarray(t, dtype=np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("xshape,tshape,opts", CE_CASES)
def test_cross_entropy_class_indices(xshape, tshape, opts, reduction):
    c = xshape[1] if len(xshape) > 1 else xshape[0]
    t = _targets(tshape, c)
    if "ignore_index" in opts and t.ndim:
        t.reshape(-1)[0] = opts["ignore_index"]
    kw = dict(opts)
    if kw.get("weight") == "w":
        kw["weight"] = np.abs(randn(c)) + 0.1
    check(*both("cross_entropy", t, reduction=reduction, **kw), randn(*xshape))
    check(*both("nll_loss", t, reduction=reduction,
                **{k: v for k, v in kw.items() if k != "label_smoothing"}), randn(*xshape))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"label_smoothing": 0.2}, {"weight": "w"}])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (3,)])
def test_cross_entropy_probabilities(shape, opts, reduction):
    c = shape[1] if len(shape) > 1 else shape[0]
    kw = dict(opts)
    if kw.get("weight") == "w":
        kw["weight"] = np.abs(randn(c)) + 0.1
    p = np.exp(randn(*shape))
    p /= p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
    extra = {k: (gt.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    extra_t = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    # gradients flow to both the logits and the target probabilities
    check(lambda x, q: F.cross_entropy(x, q, reduction=reduction, **extra),
          lambda x, q: TF.cross_entropy(x, q, reduction=reduction, **extra_t), randn(*shape), p)


def test_cross_entropy_and_nll_higher_order():
    t = np.array([0, 2, 1, 2])
    gradchecks(lambda x: F.cross_entropy(x, gt.tensor(t)), randn(4, 3))
    gradchecks(lambda x: F.cross_entropy(x, gt.tensor(t), reduction="none", label_smoothing=0.2,
                                         weight=gt.tensor([1.0, 2.0, 0.5], dtype=gt.float64)), randn(4, 3))
    gradchecks(lambda x: F.nll_loss(x, gt.tensor(t), reduction="sum"), randn(4, 3))
    p = np.full((4, 3), 1 / 3)
    gradchecks(lambda x, q: F.cross_entropy(x, q, label_smoothing=0.1), randn(4, 3), p)


def test_cross_entropy_stable_for_extreme_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [3.0, 1e4, 1e4]])
    t = np.array([1, 1, 0])
    for dtype in (np.float64, np.float32):
        g, tt = check(lambda a: F.cross_entropy(a, gt.tensor(t), reduction="none"),
                      lambda a: TF.cross_entropy(a, torch.tensor(t), reduction="none"), x.astype(dtype),
                      rtol=1e-6, atol=1e-6)
        assert np.isfinite(g.detach().numpy()).all()
        np.testing.assert_allclose(g.detach().numpy(), [2e4, 0.0, 1e4 + np.log(2) - 3], rtol=1e-6)
        ls = F.log_softmax(gt.tensor(x.astype(dtype)), 1)
        assert np.isfinite(ls.numpy()).all()
    check(lambda a: F.log_softmax(a, 1), lambda a: TF.log_softmax(a, 1), x)
    xg = gt.tensor(x, requires_grad=True)
    F.cross_entropy(xg, gt.tensor(t)).backward()
    assert np.isfinite(xg.grad.numpy()).all()


def test_bce_with_logits_stable_for_extreme_logits():
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    g, _ = check(lambda a: F.binary_cross_entropy_with_logits(a, gt.tensor(y), reduction="none"),
                 lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(y), reduction="none"), x)
    np.testing.assert_allclose(g.detach().numpy(), [0, 0, 1e4, 1e4, np.log(2)], atol=1e-12)
    out = F.logsigmoid(gt.tensor([-1e4, 1e4]))
    np.testing.assert_allclose(out.numpy(), [-1e4, 0.0])


def test_class_target_errors():
    x = gt.randn(3, 5)
    for fn in (F.cross_entropy, F.nll_loss):
        with pytest.raises(IndexError, match="Target 7 is out of bounds."):
            fn(x, gt.tensor([0, 1, 7]))
        with pytest.raises(IndexError, match="Target -3 is out of bounds."):
            fn(x, gt.tensor([0, 1, -3]))
        with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)."):
            fn(x, gt.tensor([0, 1]))
        with pytest.raises(RuntimeError, match=r"Expected target size \[3, 2\], got \[3, 3\]"):
            fn(gt.randn(3, 5, 2), gt.zeros(3, 3, dtype=gt.int64))
        with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 5 classes"):
            fn(x, gt.tensor([0, 1, 2]), weight=gt.ones(4))
        with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
            fn(x, gt.tensor([0, 1, 2]), reduction="foo")
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        F.nll_loss(x, gt.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"0D or 1D target tensor expected.*\[3, 5\].*\[3, 4\]"):
        F.cross_entropy(x, gt.rand(3, 4))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        TF.cross_entropy(torch.randn(3, 5), torch.rand(3, 4))


def test_loss_modules_state_dict_and_repr():
    w = np.abs(randn(4)) + 0.1
    g = nn.CrossEntropyLoss(weight=gt.tensor(w), ignore_index=1, label_smoothing=0.1)
    t = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=1, label_smoothing=0.1)
    assert list(g.state_dict()) == list(t.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=gt.ones(2)).state_dict()) == \
        list(torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(2)).state_dict())
    assert list(nn.MSELoss().state_dict()) == []
    x, tgt = randn(5, 4), np.array([0, 1, 2, 3, 1])
    np.testing.assert_allclose(g(gt.tensor(x), gt.tensor(tgt)).item(), t(torch.tensor(x), torch.tensor(tgt)).item())
    for cls in ["L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
                "HuberLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
                "PoissonNLLLoss", "GaussianNLLLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
                "HingeEmbeddingLoss", "TripletMarginLoss"]:
        assert repr(getattr(nn, cls)()) == repr(getattr(torch.nn, cls)())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.MSELoss(size_average=False).reduction == torch.nn.MSELoss(size_average=False).reduction
        assert nn.MSELoss(reduce=False).reduction == "none"


# ---------------------------------------------------------------- binary cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(reduction, weighted):
    x = rng.uniform(0.05, 0.95, (3, 4))
    x[0, 0], x[0, 1] = 0.0, 1.0  # log clamps at -100 as in torch
    y = rng.uniform(0, 1, (3, 4))
    kw = {"weight": np.abs(randn(4))} if weighted else {}
    check(*both("binary_cross_entropy", reduction=reduction, **kw), x, y, grad=False)
    x = rng.uniform(0.05, 0.95, (3, 4))
    check(*both("binary_cross_entropy", reduction=reduction, **kw), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": (4,)}, {"pos_weight": (4,)}, {"weight": (3, 4), "pos_weight": (4,)}])
def test_bce_with_logits(reduction, opts):
    kw = {k: np.abs(randn(*s)) + 0.1 for k, s in opts.items()}
    check(*both("binary_cross_entropy_with_logits", reduction=reduction, **kw), 3 * randn(3, 4),
          rng.uniform(0, 1, (3, 4)))
    gradchecks(lambda x, y: F.binary_cross_entropy_with_logits(
        x, y, **{k: gt.tensor(v) for k, v in kw.items()}), randn(3, 4), rng.uniform(0, 1, (3, 4)))


def test_bce_errors():
    with pytest.raises(ValueError, match=r"Using a target size \(torch.Size\(\[4\]\)\) that is different to the input size"):
        F.binary_cross_entropy(gt.rand(3), gt.rand(4))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(gt.rand(3) * 3 + 1.5, gt.rand(3))
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[4\]\)\) must be the same as input size \(torch.Size\(\[3\]\)\)"):
        F.binary_cross_entropy_with_logits(gt.rand(3), gt.rand(4))


# ---------------------------------------------------------------- divergences, likelihoods
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(rng.dirichlet(np.ones(4), size=3))
    p = rng.dirichlet(np.ones(4), size=3)
    p[0, 0] = 0.0
    y = np.log(p + 1e-3) if log_target else p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # torch's target gradient is NaN where target == 0: compare it only on positive targets
        check(*both("kl_div", y, reduction=reduction, log_target=log_target), x)
        check(*both("kl_div", reduction=reduction, log_target=log_target), x, np.abs(y) + 0.1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll(reduction, log_input, full):
    x = randn(3, 4) if log_input else rng.uniform(0.1, 3, (3, 4))
    y = rng.poisson(2.0, (3, 4)).astype(np.float64)
    check(*both("poisson_nll_loss", y, log_input=log_input, full=full, reduction=reduction), x)
    check(*both("poisson_nll_loss", log_input=log_input, full=full, reduction=reduction), x, y + 1.5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("vshape", [(3, 4), (3,), (3, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(reduction, vshape, full):
    var = rng.uniform(0.1, 2, vshape)
    var.reshape(-1)[0] = 1e-9  # below eps: clamped
    check(lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=full, reduction=reduction),
          lambda x, y, v: TF.gaussian_nll_loss(x, y, v, full=full, reduction=reduction),
          randn(3, 4), randn(3, 4), var)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(gt.randn(3, 4), gt.randn(3, 4), gt.ones(2, 2))
    with pytest.raises(ValueError, match="var has negative entry/entries"):
        F.gaussian_nll_loss(gt.randn(3, 4), gt.randn(3, 4), -gt.ones(3, 4))


# ---------------------------------------------------------------- margin / embedding losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_losses(reduction):
    y = np.sign(randn(5))
    for m in (0.0, 0.5):
        check(*both("margin_ranking_loss", y, margin=m, reduction=reduction), randn(5), randn(5))
        check(*both("hinge_embedding_loss", y, margin=m + 1, reduction=reduction), randn(5))
        check(*both("cosine_embedding_loss", y, margin=m, reduction=reduction), randn(5, 3), randn(5, 3))
    check(*both("cosine_embedding_loss", np.array(-1.0), margin=0.1, reduction=reduction), randn(3), randn(3))
    yl = (rng.uniform(0, 1, (4, 3)) > 0.5).astype(np.float64)
    check(*both("multilabel_soft_margin_loss", yl, reduction=reduction), randn(4, 3))
    check(*both("multilabel_soft_margin_loss", yl, weight=np.abs(randn(3)), reduction=reduction), randn(4, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 0.5, False), (1, 2.0, True), (2, 1.0, True)])
def test_multi_margin(reduction, p, margin, weighted):
    kw = {"weight": np.abs(randn(4))} if weighted else {}
    t = np.array([0, 3, 1, 2, 3])
    check(*both("multi_margin_loss", t, p=p, margin=margin, reduction=reduction, **kw), randn(5, 4))
    check(*both("multi_margin_loss", np.array(2), p=p, margin=margin, reduction=reduction, **kw), randn(4))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(gt.randn(2, 3), gt.tensor([0, 1]), p=3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2.0, False), (1.0, True), (3.0, False)])
def test_triplet_margin(reduction, p, swap):
    check(*both("triplet_margin_loss", margin=0.7, p=p, swap=swap, reduction=reduction),
          randn(4, 3), randn(4, 3), randn(4, 3))
    g = nn.TripletMarginWithDistanceLoss(margin=0.5, reduction=reduction)
    t = torch.nn.TripletMarginWithDistanceLoss(margin=0.5, reduction=reduction)
    a, b, c = randn(4, 3), randn(4, 3), randn(4, 3)
    np.testing.assert_allclose(g(gt.tensor(a), gt.tensor(b), gt.tensor(c)).numpy(),
                               t(torch.tensor(a), torch.tensor(b), torch.tensor(c)).numpy())


def test_loss_module_twins_float32():
    x = randn(6, 5).astype(np.float32)
    t = np.array([0, 4, 2, 2, 1, 3])
    for g, tt in [(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
                  (nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum"))]:
        copy_state(g, tt)
        out, _ = check(lambda a, g=g: g(a, gt.tensor(t)), lambda a, tt=tt: tt(a, torch.tensor(t)), x)
        assert out.dtype == gt.float32


def test_one_hot_and_normalize():
    idx = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(F.one_hot(gt.tensor(idx)).numpy(), TF.one_hot(torch.tensor(idx)).numpy())
    assert F.one_hot(gt.tensor(idx), 5).shape == (2, 2, 5) and F.one_hot(gt.tensor(idx)).dtype == gt.int64
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(gt.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(gt.tensor([0, -1]), 3)
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type LongTensor"):
        F.one_hot(gt.tensor([0.0]), 3)
    for p, dim in [(2.0, 1), (1.0, 0), (3.0, -1)]:
        check(lambda a, p=p, dim=dim: F.normalize(a, p=p, dim=dim),
              lambda a, p=p, dim=dim: TF.normalize(a, p=p, dim=dim), randn(3, 4))
    check(lambda a: F.normalize(a), lambda a: TF.normalize(a), np.zeros((2, 3)))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_elementwise_weight(name, reduction):
    w = np.abs(randn(3, 4))
    check(*both(name, weight=w, reduction=reduction), randn(3, 4), randn(3, 4))
    with pytest.raises(ValueError, match="Weights and input must have the same size."):
        getattr(F, name)(gt.randn(3, 4), gt.randn(3, 4), weight=gt.ones(4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    t = np.array([[3, 0, -1, 1], [1, 2, 3, 0], [2, -1, 0, 0], [1, 1, -1, 2]])
    check(*both("multilabel_margin_loss", t, reduction=reduction), randn(4, 4))
    check(*both("multilabel_margin_loss", np.array([2, 0, -1]), reduction=reduction), randn(3))
    g, tt = nn.MultiLabelMarginLoss(reduction=reduction), torch.nn.MultiLabelMarginLoss(reduction=reduction)
    x = randn(4, 4)
    np.testing.assert_allclose(g(gt.tensor(x), gt.tensor(t)).numpy(), tt(torch.tensor(x), torch.tensor(t)).numpy())
