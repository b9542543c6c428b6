"""The device contract: the strict stand-in device, the backend's explicit host copies,
and training steps that give the same bits on the strict device as on NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from device.strict import REFUSED, StrictArray, module

import glasstorch
from glasstorch import backend, nn
from glasstorch.tensor import _writable


@pytest.fixture
def strict():
    with backend.cpu_module_replaced(module, StrictArray):
        yield module


# -- the stand-in behaves like a device array ----------------------------------------
def test_strict_arrays_refuse_numpy():
    a = module.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    if StrictArray.__array_ufunc__ is None:  # not under GLASSTORCH_STRICT_DEVICE=cupy (CuPy's dispatch)
        with pytest.raises(TypeError):
            np.exp(a)
        with pytest.raises(TypeError):
            np.sum(a)
    with pytest.raises(TypeError, match="Unsupported type"):
        a + np.ones(3)
    with pytest.raises(TypeError, match="Unsupported type"):
        module.add(a, np.ones(3))
    with pytest.raises(TypeError, match="Unsupported index type"):
        a[np.array([0])]
    assert REFUSED.startswith("Implicit conversion")


def test_strict_arrays_compute_like_numpy():
    host = np.arange(12.0).reshape(3, 4)
    a = module.asarray(host)
    for got, want in [
        (module.exp(a), np.exp(host)),
        (a.sum(axis=0), host.sum(axis=0)),
        (a.T @ a, host.T @ host),
        (a[a > 4], host[host > 4]),
        (a[module.asarray(np.array([2, 0]))], host[[2, 0]]),
        (2.0 * a - np.float32(1), 2.0 * host - np.float32(1)),
        (module.maximum.reduce(a, axis=1), np.maximum.reduce(host, axis=1)),
        (a.reshape(2, 6).astype(np.float32), host.reshape(2, 6).astype(np.float32)),
    ]:
        assert isinstance(got, StrictArray)
        np.testing.assert_array_equal(module.asnumpy(got), want)
        assert got.dtype == want.dtype
    b = a.copy()
    b += 1
    b[0, :] = 0
    out = module.empty((3, 4))
    assert module.add(a, b, out=out) is out
    np.testing.assert_array_equal(out.get(), host + np.where(np.arange(3)[:, None] == 0, 0, host + 1))
    assert isinstance(a.sum(), StrictArray) and float(a.sum()) == 66.0  # reductions stay on the device
    assert module.prod((2, 3)) == 6 and module.float32 is np.float32  # shapes and dtypes are NumPy's
    with pytest.raises(AttributeError, match="random"):
        module.random  # noqa: B018
    flags = a.T.flags  # CuPy's flags: layout and ownership, no writeable
    assert (flags.c_contiguous, flags.f_contiguous, flags.owndata) == (False, True, False)
    assert flags["C_CONTIGUOUS"] is False and not hasattr(flags, "writeable")
    assert _writable(a.T)  # every device array may be written


# -- the backend's explicit crossings ------------------------------------------------
@pytest.fixture
def numpy_cpu(monkeypatch):
    """The backend as it starts ("cpu" on NumPy, no other device), also in a session
    run on the strict device."""
    monkeypatch.setattr(backend, "_MODULE_OF_TYPE", {np.ndarray: np})
    monkeypatch.setattr(backend, "_MODULE_OF_DEVICE", {"cpu": np})


def test_to_numpy_and_from_numpy_on_the_cpu(numpy_cpu):
    host = np.arange(3.0)
    assert backend.to_numpy(host) is host
    assert backend.from_numpy(host) is host
    assert backend.array_module(host) is np and backend.device_module("cpu") is np


def test_cpu_module_replaced_installs_and_restores(numpy_cpu):
    host = np.arange(3.0)
    with backend.cpu_module_replaced(module, StrictArray):
        assert backend.device_module("cpu") is module
        dev = backend.from_numpy(host)
        assert isinstance(dev, StrictArray) and backend.array_module(dev) is module
        back = backend.to_numpy(dev)
        assert type(back) is np.ndarray and back is not host
        np.testing.assert_array_equal(back, host)
        assert backend.array_module(1.5) is module  # scalars belong to the device's module
    assert backend.device_module("cpu") is np and backend.array_module(dev) is np


# -- whole models on the strict device -------------------------------------------------
def _mlp():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))


def _cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
                         nn.Tanh(), nn.Flatten(), nn.Linear(6 * 2 * 2, 5))


def _train(build, x_shape, classes):
    """Two SGD (momentum) steps: the losses, the gradients and the weights after, on the host."""
    glasstorch.manual_seed(0)
    model = build()
    opt = glasstorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = glasstorch.randn(*x_shape)
    y = glasstorch.randint(0, classes, (x_shape[0],))
    losses = []
    for _ in range(2):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    grads = [p.grad.numpy() for p in model.parameters()]
    weights = [p.detach().numpy() for p in model.parameters()]
    return x, losses, grads, weights


@pytest.mark.parametrize(("build", "x_shape", "classes"), [(_mlp, (10, 8), 3), (_cnn, (4, 1, 8, 8), 5)],
                         ids=["mlp", "cnn"])
def test_training_steps_are_bit_identical(strict, build, x_shape, classes):
    x, losses, grads, weights = _train(build, x_shape, classes)
    assert isinstance(x._data, StrictArray)  # the data lived on the strict device
    with backend.cpu_module_replaced(np, np.ndarray):
        _, want_losses, want_grads, want_weights = _train(build, x_shape, classes)
    assert losses == want_losses
    for got, want in zip(grads + weights, want_grads + want_weights):
        assert type(got) is np.ndarray
        np.testing.assert_array_equal(got, want)


def _view_write_and_diagonal():
    """An in-place write into a view (the base's history is rewritten) and a diagonal's backward."""
    glasstorch.manual_seed(1)
    a = glasstorch.randn(4, 3, requires_grad=True)
    b = a * 1
    b[1:3].mul_(3)
    m = glasstorch.randn(3, 5, 5, requires_grad=True)
    loss = b.sum() + (m.diagonal(1, 1, 2) * 2).sum()
    loss.backward()
    return a.grad.numpy(), m.grad.numpy()


def test_view_writes_and_diagonals_on_the_strict_device(strict):
    got = _view_write_and_diagonal()
    with backend.cpu_module_replaced(np, np.ndarray):
        want = _view_write_and_diagonal()
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert got[0][1:3].tolist() == [[3.0] * 3] * 2 and got[1][0].trace(1) == 8.0
