"""The edges of the package on the strict stand-in device: distributions, testing,
data loading, datasets and transforms, save/load, TensorBoard, ONNX, optimizers.

Each test runs the same code with NumPy and with the strict module behind ``"cpu"``
and compares the values bit for bit: data made on the host (draws, files, batches)
must reach the device through ``backend.from_numpy``, and data read back must go
through ``backend.to_numpy``, or the strict arrays refuse.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from device.strict import StrictArray, module

import glasstorch
from glasstorch import backend, nn
from glasstorch import distributions as D


def _host(value):
    """Tensors (in nested tuples, lists and dicts) as host arrays, so runs can be compared."""
    if isinstance(value, glasstorch.Tensor):
        return backend.to_numpy(value._data)
    if isinstance(value, (list, tuple)):
        return [_host(v) for v in value]
    if isinstance(value, dict):
        return {k: _host(v) for k, v in value.items()}
    return value


def _on_device(value) -> bool:
    """Whether every tensor in ``value`` holds a strict device array."""
    if isinstance(value, glasstorch.Tensor):
        return isinstance(value._data, StrictArray)
    if isinstance(value, (list, tuple)):
        return all(_on_device(v) for v in value)
    if isinstance(value, dict):
        return all(_on_device(v) for v in value.values())
    return True


def _same_on_both(fn):
    """``fn()`` on the strict device, then on NumPy (same seed): the results, on the host, must agree."""
    glasstorch.manual_seed(0)
    with backend.cpu_module_replaced(module, StrictArray):
        got = fn()
        assert _on_device(got), "a tensor made here did not reach the device"
        got = _host(got)
    glasstorch.manual_seed(0)
    want = _host(fn())
    np.testing.assert_equal(got, want)
    return got


def _core_ready() -> bool:
    """Whether recording a graph (tensor core, autograd) runs on the strict device."""
    try:
        with backend.cpu_module_replaced(module, StrictArray):
            x = glasstorch.ones(2, requires_grad=True)
            (x * 2).sum().backward()
            return isinstance(x.grad._data, StrictArray)
    except TypeError:
        return False


_needs_core = pytest.mark.xfail(not _core_ready(), raises=TypeError, strict=True,
                                reason="recording a graph on the device needs the converted tensor core "
                                       "and autograd engine (autograd/function.py)")


# -- distributions --------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: D.Normal(glasstorch.zeros(3), glasstorch.ones(3)),
    lambda: D.Bernoulli(probs=glasstorch.tensor([0.2, 0.5, 0.9])),
    lambda: D.Categorical(probs=glasstorch.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])),
    lambda: D.Gamma(glasstorch.tensor([0.5, 2.0]), glasstorch.tensor([1.0, 3.0])),
], ids=["normal", "bernoulli", "categorical", "gamma"])
def test_distribution_sample_and_log_prob(make):
    def run():
        d = make()
        x = d.sample((4,))
        return x, d.log_prob(x)
    x, lp = _same_on_both(run)
    assert x.shape[0] == 4 and np.isfinite(lp).all()


@pytest.mark.parametrize(("constraint", "value", "want"), [
    (D.constraints.positive, [1.0, -1.0, 0.0], [True, False, False]),
    (D.constraints.unit_interval, [0.5, 1.5], [True, False]),
    (D.constraints.simplex, [[0.25, 0.75], [0.5, 0.6]], [True, False]),
    (D.constraints.lower_cholesky, [[[1.0, 0.0], [2.0, 3.0]], [[1.0, 1.0], [0.0, 1.0]]], [True, False]),
    (D.constraints.positive_definite, [[[2.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]], [True, False]),
], ids=["positive", "unit_interval", "simplex", "lower_cholesky", "positive_definite"])
def test_constraints_check(constraint, value, want):
    got = _same_on_both(lambda: constraint.check(glasstorch.tensor(value)))
    assert got.tolist() == want


# -- testing ----------------------------------------------------------------------------
def test_assert_close_reads_device_tensors():
    with backend.cpu_module_replaced(module, StrictArray):
        glasstorch.testing.assert_close(glasstorch.ones(3), glasstorch.ones(3))
        with pytest.raises(AssertionError, match="Mismatched elements: 1 / 3"):
            glasstorch.testing.assert_close(glasstorch.ones(3), glasstorch.tensor([1.0, 1.0, 2.0]))
    _same_on_both(lambda: glasstorch.testing.make_tensor(2, 3, dtype=glasstorch.float32))


# -- data --------------------------------------------------------------------------------
def test_collate_makes_device_tensors():
    from glasstorch.utils.data import default_collate

    got = _same_on_both(lambda: [default_collate([glasstorch.ones(2), glasstorch.zeros(2)]),
                                 default_collate([1, 2, 3]), default_collate([0.5, 1.5]),
                                 default_collate([np.ones(2, np.float32), np.zeros(2, np.float32)]),
                                 default_collate([{"x": glasstorch.ones(1), "y": 3}] * 2)])
    assert got[1].dtype == np.int64 and got[2].dtype == np.float64 and got[4]["x"].shape == (2, 1)


def test_dataloader_with_sampler_on_the_device():
    from glasstorch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

    def run():
        ds = TensorDataset(glasstorch.arange(10.0), glasstorch.arange(10))
        sampler = WeightedRandomSampler(glasstorch.arange(1.0, 11.0), 8)
        return [list(b) for b in DataLoader(ds, batch_size=4, sampler=sampler)]
    batches = _same_on_both(run)
    assert len(batches) == 2 and batches[0][0].shape == (4,)


def test_datasets_and_transforms():
    from glasstorch.datasets import make_moons, transforms
    from glasstorch.vision.utils import make_grid

    def run():
        X, y = make_moons(12, noise=0.1, seed=1)
        img = transforms.ToTensor()(np.arange(48, dtype=np.uint8).reshape(4, 4, 3))
        norm = transforms.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])(img)
        resized = transforms.Resize((2, 2))(norm)
        gray = transforms.Grayscale()(img)
        padded = transforms.Pad(1)(img)
        return X, y, norm, resized, gray, padded, make_grid(glasstorch.rand(3, 1, 4, 4), nrow=2)
    got = _same_on_both(run)
    assert got[0].shape == (12, 2) and got[3].shape == (3, 2, 2) and got[5].shape == (3, 6, 6)


def test_mnist_items_on_the_device(data_dir):
    from glasstorch.datasets import MNIST

    def run():
        ds = MNIST(data_dir / "mnist", train=False)
        return [ds[0], ds.__getitems__([3, 1])]
    got = _same_on_both(run)
    assert got[0][0].shape == (1, 28, 28) and got[0][1] == 7


# -- files -------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path):
    def run():
        t = glasstorch.arange(6.0).reshape(2, 3)
        glasstorch.save({"t": t, "view": t[1], "n": 3}, tmp_path / "a.pt")
        return glasstorch.load(tmp_path / "a.pt")
    got = _same_on_both(run)
    assert got["view"].tolist() == [3.0, 4.0, 5.0] and got["n"] == 3


def test_torch_checkpoint_round_trip(tmp_path):
    torch = pytest.importorskip("torch")

    def run():
        t = glasstorch.arange(6.0).reshape(2, 3)
        glasstorch.save({"w": t, "row": t[1]}, tmp_path / "g.pt", format="torch")
        written = torch.load(tmp_path / "g.pt", weights_only=True)
        torch.save({"w": torch.arange(4.0), "i": torch.tensor([1, 2])}, tmp_path / "t.pt")
        return glasstorch.load(tmp_path / "t.pt"), written["row"].tolist()
    got = _same_on_both(run)
    assert got[0]["w"].tolist() == [0.0, 1.0, 2.0, 3.0] and got[1] == [3.0, 4.0, 5.0]


def test_onnx_export_reads_weights_from_the_device():
    pytest.importorskip("onnx")

    def run():
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        f = io.BytesIO()
        glasstorch.onnx.export(model, (glasstorch.ones(1, 3),), f)
        return np.frombuffer(f.getvalue(), np.uint8)
    _same_on_both(run)


def test_tensorboard_logs_device_tensors(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from glasstorch.utils.tensorboard import SummaryWriter

    with backend.cpu_module_replaced(module, StrictArray):
        w = SummaryWriter(str(tmp_path))
        w.add_scalar("loss", glasstorch.tensor(1.5), 0)
        w.add_histogram("w", glasstorch.arange(100.0), 0)
        w.add_image("img", glasstorch.rand(3, 4, 4), 0)
        w.close()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    assert acc.Scalars("loss")[0].value == 1.5
    assert acc.Histograms("w")[0].histogram_value.num == 100
    assert acc.Images("img")[0].width == 4


@_needs_core
def test_graph_drawing_shows_device_values():
    from glasstorch.viz import draw_graph

    with backend.cpu_module_replaced(module, StrictArray):
        x = glasstorch.ones(2, requires_grad=True)
        g = draw_graph((x * 2).sum())
    assert g is not None


# -- optimizers ------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda p: glasstorch.optim.Adam(p, lr=0.1),
    lambda p: glasstorch.optim.ASGD(p, lr=0.1),
    lambda p: glasstorch.optim.LBFGS(p, lr=0.1),
], ids=["adam", "asgd", "lbfgs"])
def test_optimizer_steps_on_the_device(make):
    def run():
        p = nn.Parameter(glasstorch.tensor([1.0, -2.0, 3.0]))
        opt = make([p])

        def closure():
            opt.zero_grad()
            p.grad = p.detach() * 2  # the gradient of sum(p ** 2), without recording a graph
            return (p.detach() ** 2).sum()
        for _ in range(2):
            opt.step(closure)
        opt.zero_grad(set_to_none=False)
        return p.detach(), opt.state_dict()["state"]
    got = _same_on_both(run)
    assert (got[0] != [1.0, -2.0, 3.0]).all()


def test_grad_scaler_unscales_device_gradients():
    def run():
        p = nn.Parameter(glasstorch.ones(3))
        opt = glasstorch.optim.SGD([p], lr=0.1)
        scaler = glasstorch.amp.GradScaler("cpu", init_scale=4.0)
        p.grad = glasstorch.full((3,), 8.0)
        scaler.unscale_(opt)
        return p.grad
    assert _same_on_both(run).tolist() == [2.0, 2.0, 2.0]
