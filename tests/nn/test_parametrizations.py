"""nn.utils.parametrize, parametrizations.weight_norm/spectral_norm and the older hook-based
weight_norm/spectral_norm, against torch with copied weights and power-iteration vectors."""

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.nn.utils import parametrize

pytestmark = pytest.mark.filterwarnings("ignore:.*weight_norm. is deprecated:FutureWarning")


def _layers(lib, kind):
    lib.manual_seed(0)
    if kind == "linear":
        return lib.nn.Linear(4, 3).double(), (5, 4)
    if kind == "conv":
        return lib.nn.Conv2d(2, 3, 3).double(), (2, 2, 5, 5)
    return lib.nn.ConvTranspose2d(2, 3, 3).double(), (2, 2, 4, 4)


def _twin(kind, wrap, **kw):
    """The same layer in both libraries, wrapped, with every state entry copied from torch."""
    mt, shape = _layers(torch, kind)
    mg, _ = _layers(gt, kind)
    wrap(torch, mt, **kw)
    wrap(gt, mg, **kw)
    sd = mt.state_dict()
    assert list(mg.state_dict()) == list(sd)
    mg.load_state_dict({k: gt.tensor(v.detach().numpy().copy()) for k, v in sd.items()})
    return mt, mg, shape


def _new_wn(lib, m, **kw):
    lib.nn.utils.parametrizations.weight_norm(m, **kw)


def _new_sn(lib, m, **kw):
    lib.nn.utils.parametrizations.spectral_norm(m, **kw)


def _old_wn(lib, m, **kw):
    lib.nn.utils.weight_norm(m, **kw)


def _old_sn(lib, m, **kw):
    lib.nn.utils.spectral_norm(m, **kw)


def _check_steps(mt, mg, shape, steps=2):
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = rng.standard_normal(shape)
        yt, yg = mt(torch.tensor(x)), mg(gt.tensor(x))
        np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
        w = rng.standard_normal(tuple(yt.shape))
        (yt * torch.tensor(w)).sum().backward()
        (yg * gt.tensor(w)).sum().backward()
        for (nt, pt), (ng, pg) in zip(mt.named_parameters(), mg.named_parameters()):
            assert nt == ng
            np.testing.assert_allclose(pg.grad.numpy(), pt.grad.detach().numpy(), rtol=1e-9, atol=1e-10)
        for (_, bt), (_, bg) in zip(mt.named_buffers(), mg.named_buffers()):
            np.testing.assert_allclose(bg.numpy(), bt.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
@pytest.mark.parametrize("wrap,kw", [(_new_wn, {}), (_new_wn, {"dim": 1}), (_new_wn, {"dim": None}),
                                     (_new_sn, {}), (_new_sn, {"n_power_iterations": 3}),
                                     (_old_wn, {}), (_old_wn, {"dim": None}), (_old_sn, {}),
                                     (_old_sn, {"n_power_iterations": 2, "dim": 1})])
def test_norms_forward_backward_against_torch(kind, wrap, kw):
    mt, mg, shape = _twin(kind, wrap, **kw)
    _check_steps(mt, mg, shape)
    mt.eval()
    mg.eval()
    _check_steps(mt, mg, shape, steps=1)


def test_weight_norm_values_and_round_trip():
    m = gt.nn.Linear(4, 3)
    w = m.weight.detach().numpy().copy()
    gt.nn.utils.parametrizations.weight_norm(m)
    np.testing.assert_allclose(m.weight.detach().numpy(), w, rtol=1e-6)
    g = m.parametrizations.weight.original0
    np.testing.assert_allclose(g.detach().numpy()[:, 0], np.linalg.norm(w, axis=1), rtol=1e-6)
    assert type(m).__name__ == "ParametrizedLinear" and parametrize.is_parametrized(m, "weight")
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is gt.nn.Linear and list(m.state_dict()) == ["bias", "weight"]  # as torch
    np.testing.assert_allclose(m.weight.detach().numpy(), w, rtol=1e-6)
    assert isinstance(m.weight, gt.nn.Parameter)
    m2 = gt.nn.utils.weight_norm(gt.nn.Linear(4, 3))
    gt.nn.utils.remove_weight_norm(m2)
    assert list(m2.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        gt.nn.utils.remove_weight_norm(m2)
    m3 = gt.nn.utils.spectral_norm(gt.nn.Linear(4, 3))
    gt.nn.utils.remove_spectral_norm(m3)
    assert list(m3.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        gt.nn.utils.remove_spectral_norm(m3)


def test_spectral_norm_reaches_unit_spectral_norm():
    m = gt.nn.utils.parametrizations.spectral_norm(gt.nn.Linear(6, 5).double())
    for _ in range(20):
        w = m.weight
    assert np.linalg.svd(w.detach().numpy(), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-6)


class _Symmetric(gt.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).mT

    def right_inverse(self, a):
        return a.triu()


def test_custom_parametrization_set_cache_and_stacking():
    m = gt.nn.Linear(3, 3)
    parametrize.register_parametrization(m, "weight", _Symmetric())
    w = m.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    target = gt.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
    m.weight = target  # goes through right_inverse
    np.testing.assert_array_equal(m.weight.detach().numpy(), target.numpy())
    np.testing.assert_array_equal(m.parametrizations.weight.original.detach().numpy(), np.triu(target.numpy()))
    with parametrize.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight

    class Double(gt.nn.Module):
        def forward(self, x):
            return 2 * x

    parametrize.register_parametrization(m, "weight", Double())
    np.testing.assert_array_equal(m.weight.detach().numpy(), 2 * target.numpy())
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        m.weight = target
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.triu(target.numpy()))
    assert parametrize.type_before_parametrizations(m) is gt.nn.Linear


def test_parametrize_errors_as_torch():
    class Shrink(gt.nn.Module):
        def forward(self, x):
            return x[:1]

    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(gt.nn.Linear(3, 3), "weight", Shrink())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        parametrize.register_parametrization(gt.nn.Linear(3, 3), "nothing", _Symmetric())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(gt.nn.Linear(3, 3), "weight")
    m = gt.nn.utils.parametrizations.weight_norm(gt.nn.Linear(3, 3))
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        gt.nn.utils.weight_norm(gt.nn.utils.weight_norm(gt.nn.Linear(2, 2)))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal_against_torch(shape, omap, triv):
    torch.manual_seed(0)
    mt = torch.nn.Linear(shape[1], shape[0]).double()
    mg = gt.nn.Linear(shape[1], shape[0]).double()
    torch.nn.utils.parametrizations.orthogonal(mt, orthogonal_map=omap, use_trivialization=triv)
    gt.nn.utils.parametrizations.orthogonal(mg, orthogonal_map=omap, use_trivialization=triv)
    sd = mt.state_dict()
    assert list(mg.state_dict()) == list(sd)
    mg.load_state_dict({k: gt.tensor(v.detach().numpy().copy()) for k, v in sd.items()})
    with torch.no_grad():  # move away from the identity so every map is exercised
        # off the diagonal only: householder reads the diagonal's signs, truncated
        noise = np.random.default_rng(2).standard_normal(shape) * (1 - np.eye(*shape))
        mt.parametrizations.weight.original.add_(0.3 * torch.tensor(noise))
    with gt.no_grad():
        mg.parametrizations.weight.original.copy_(gt.tensor(mt.parametrizations.weight.original.detach().numpy()))
    w = mg.weight.detach().numpy()
    small = min(shape)
    gram = w @ w.T if shape[0] < shape[1] else w.T @ w
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    _check_steps(mt, mg, (2, shape[1]), steps=1)


def test_matrix_exp_and_solve_gradcheck():
    from glasstorch.autograd import gradcheck, gradgradcheck
    from glasstorch.linalg import matrix_exp, solve

    a = gt.tensor(np.random.default_rng(0).standard_normal((2, 3, 3)), requires_grad=True)
    assert gradcheck(matrix_exp, (a,)) and gradgradcheck(matrix_exp, (a,))
    np.testing.assert_allclose(matrix_exp(a).detach().numpy(), torch.linalg.matrix_exp(torch.tensor(a.detach().numpy())),
                               rtol=1e-12, atol=1e-12)
    m = gt.tensor(np.random.default_rng(1).standard_normal((3, 3)) + 3 * np.eye(3), requires_grad=True)
    b = gt.tensor(np.random.default_rng(2).standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(solve, (m, b))
