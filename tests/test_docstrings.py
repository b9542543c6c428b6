"""Every public callable says what it does, and the main layers' examples run."""

from __future__ import annotations

import doctest
import inspect

import pytest

import glasstorch
import glasstorch.nn as nn
import glasstorch.nn.functional as F
import glasstorch.optim as optim
import glasstorch.utils.data as data

NAMESPACES = (glasstorch, nn, F, optim, optim.lr_scheduler, data, glasstorch.autograd, nn.init, nn.utils)


def _undocumented() -> list[str]:
    out = []
    for mod in NAMESPACES:
        for name in dir(mod):
            obj = getattr(mod, name)
            if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
                continue
            if isinstance(obj, glasstorch.dtype) or not getattr(obj, "__module__", "").startswith("glasstorch"):
                continue  # dtypes are values; typing names imported for annotations are not ours
            doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
            if not (doc or "").strip():
                out.append(f"{mod.__name__}.{name}")
    for name, member in vars(glasstorch.Tensor).items():
        if not name.startswith("_") and (callable(member) or isinstance(member, property)):
            if not (getattr(member, "__doc__", None) or "").strip():
                out.append(f"Tensor.{name}")
    return out


def test_every_public_callable_has_a_docstring():
    assert _undocumented() == []


@pytest.mark.parametrize("cls", [nn.GRU, nn.LSTM, nn.RNN])
def test_recurrent_layers_show_their_real_signature(cls):
    params = inspect.signature(cls).parameters
    for name in ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional"):
        assert name in params, (cls.__name__, name)
    assert "args" not in params
    assert "batch_first" in cls.__doc__ and "Shapes" in cls.__doc__


@pytest.mark.parametrize("cls", [nn.Linear, nn.Conv2d, nn.RNN, nn.GRU, nn.LSTM])
def test_layer_examples_run(cls):
    assert ">>>" in cls.__doc__ and "Shapes" in cls.__doc__
    finder, runner = doctest.DocTestFinder(recurse=False), doctest.DocTestRunner()
    for test in finder.find(cls, globs={"torch": glasstorch, "nn": nn}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0
