"""Each example, shortened (fewer steps or samples, same code path), reaches its target."""

from __future__ import annotations

import math

import pytest


@pytest.fixture(autouse=True)
def _out(tmp_path, monkeypatch):
    import examples._common as common

    monkeypatch.setattr(common, "OUT", tmp_path)
    return tmp_path


def test_scalar_graph_matches_torch(tmp_path):
    import torch

    from examples import scalar_graph

    got = scalar_graph.main()
    x = torch.tensor(-4.0, requires_grad=True)
    z = ((((((x + 6) * 3) ** 0.5) / 4).tanh() + 1.1) * 1.2).relu()
    z = ((z - 2.3) / 1.4).sigmoid()
    z.backward()
    assert math.isclose(got["z"], z.item(), rel_tol=1e-6)
    assert math.isclose(got["grad"], x.grad.item(), rel_tol=1e-5)
    assert (tmp_path / "scalar_graph.html").exists() and (tmp_path / "scalar_graph.dot").exists()


def test_tensor_graph(tmp_path):
    from examples import tensor_graph

    assert math.isfinite(tensor_graph.main()["loss"])
    assert "MmBackward0" in (tmp_path / "tensor_graph.dot").read_text()


def test_moons_mlp(tmp_path):
    from examples import moons_mlp

    res = moons_mlp.main(steps=150)
    assert res["accuracy"] >= 0.95
    assert (tmp_path / "moons_boundary.png").exists() and (tmp_path / "moons_loss.png").exists()


def test_mnist_mlp_on_10000_images_reaches_90_percent(data_dir):
    from examples import mnist_mlp

    res = mnist_mlp.main(epochs=1, train_limit=10000, quiet=True)
    assert res["test_accuracy"] >= 0.90  # on all 10,000 test images


def test_mnist_cnn_and_checkpoint(data_dir, tmp_path):
    from examples import mnist_cnn

    res = mnist_cnn.main(epochs=1, train_limit=6000, test_limit=2000, batch_size=32, quiet=True)
    assert res["test_accuracy"] >= 0.90
    assert res["restored_accuracy"] == res["test_accuracy"]
    assert (tmp_path / "mnist_cnn.safetensors").exists()


def test_fashion_cnn(data_dir):
    from examples import fashion_cnn

    res = fashion_cnn.main(epochs=1, train_limit=4000, test_limit=2000, quiet=True)
    assert res["test_accuracy"] >= 0.72


def test_char_lstm_learns(data_dir):
    from examples import char_lstm

    res = char_lstm.main(steps=80, quiet=True)
    assert res["first_loss"] > 3.9 and res["loss"] < 3.3
    assert res["sample"].startswith("ROMEO:\n") and len(res["sample"]) == 207


def test_tiny_gpt_learns(data_dir):
    from examples import tiny_gpt

    res = tiny_gpt.main(steps=80, quiet=True)
    assert res["first_loss"] > 3.9 and res["loss"] < 3.3
    assert res["sample"].startswith("ROMEO:\n")


def test_custom_rnn_adds_binary_numbers():
    from examples import custom_rnn

    res = custom_rnn.main(steps=400, quiet=True)
    assert res["bit_accuracy"] >= 0.97


def test_custom_function():
    from examples import custom_function

    res = custom_function.main()
    assert res["gradcheck"] and res["gradgradcheck"]
    assert res["big"] == [1000.0, 0.0]


def test_higher_order():
    from examples import higher_order

    res = higher_order.main()
    assert res["hvp"] == [6.0, 1.0, 18.0]
    assert res["penalty"] < 0.05


def test_demo_writes_all_outputs(data_dir, tmp_path):
    from examples import demo

    res = demo.main(epochs=1, train_limit=4000, batch_size=32, quiet=True)
    assert res["test_accuracy"] >= 0.88
    for name in ("loss.png", "predictions.png", "filters.png", "model_graph.html", "lenet5.safetensors"):
        assert (tmp_path / name).stat().st_size > 0, name
    html = (tmp_path / "model_graph.html").read_text()
    assert "Conv2d" in html and "Linear" in html


@pytest.mark.parametrize("name,kwargs", [
    ("moons_mlp", dict(steps=40, plots=False)),
    ("mnist_mlp", dict(epochs=1, train_limit=640, quiet=True)),
    ("fashion_cnn", dict(epochs=1, train_limit=384, test_limit=200, batch_size=64, quiet=True)),
    ("char_lstm", dict(steps=12, block=16, batch_size=4, quiet=True)),
    ("tiny_gpt", dict(steps=12, block=16, batch_size=4, quiet=True)),
])
def test_example_compiled_equals_eager(name, kwargs, data_dir):
    # --compile replays the captured training step: the same numbers, bit for bit
    import importlib
    import warnings

    example = importlib.import_module(f"examples.{name}")
    eager = example.main(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a graph break would warn
        compiled = example.main(**kwargs, compiled=True)
    for key in ("accuracy", "test_accuracy", "loss", "first_loss", "sample"):
        if key in eager:
            assert compiled[key] == eager[key], key
