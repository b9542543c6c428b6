"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, Flatten, Unflatten."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
from _twin import copy_state, run_twins

import glasstorch as gt
import glasstorch.nn as nn


def seq(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 4), lib.nn.Tanh(),
                             lib.nn.Linear(4, 2)).double()


def keys(m):
    return list(m._modules)


def test_sequential_forward_matches_torch():
    g, t = seq(gt), seq(torch)
    copy_state(g, t)
    run_twins(g, t, np.random.default_rng(0).standard_normal((5, 3)))
    assert repr(g) == repr(t)


def test_sequential_from_ordered_dict():
    od = lambda lib: OrderedDict([("fc", lib.nn.Linear(2, 3)), ("act", lib.nn.ReLU())])  # noqa: E731
    g, t = nn.Sequential(od(gt)), torch.nn.Sequential(od(torch))
    assert list(g.state_dict()) == list(t.state_dict()) == ["fc.weight", "fc.bias"]
    assert repr(g) == repr(t)
    assert g[1] is g.act


def test_sequential_indexing_and_editing_like_torch():
    g, t = seq(gt), seq(torch)
    assert type(g[-1]) is nn.Linear and g[-1] is g[4]
    sg, st = g[1:4], t[1:4]
    assert isinstance(sg, nn.Sequential) and keys(sg) == keys(st) and repr(sg) == repr(st)
    assert repr(g[::2]) == repr(t[::2])
    for lib_m in (g, t):
        del lib_m[1]
    assert keys(g) == keys(t) and repr(g) == repr(t)
    g.append(nn.ReLU())
    t.append(torch.nn.ReLU())
    g.insert(1, nn.Sigmoid())
    t.insert(1, torch.nn.Sigmoid())
    g.insert(-1, nn.Identity())
    t.insert(-1, torch.nn.Identity())
    g.extend([nn.Tanh()])
    t.extend([torch.nn.Tanh()])
    assert keys(g) == keys(t) and repr(g) == repr(t) and len(g) == len(t)
    g[0] = nn.Linear(3, 5)
    t[0] = torch.nn.Linear(3, 5)
    assert repr(g) == repr(t)
    assert [type(m).__name__ for m in g] == [type(m).__name__ for m in t]
    assert repr(g + g) == repr(t + t)
    assert len(g.pop(0)._parameters) == 2 and len(g) == len(t) - 1
    with pytest.raises(IndexError, match="index 10 is out of range"):
        g[10]
    with pytest.raises(IndexError, match="index -20 is out of range"):
        g[-20]


def test_sequential_delete_slice_and_state_dict_keys():
    g, t = seq(gt), seq(torch)
    del g[1:3]
    del t[1:3]
    assert list(g.state_dict()) == list(t.state_dict())


def test_module_list():
    layers = lambda lib: lib.nn.ModuleList(  # noqa: E731
        [lib.nn.Linear(2, 2), lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 3)])
    g, t = layers(gt), layers(torch)
    assert repr(g) == repr(t)  # runs of equal reprs collapse: "(0-1): 2 x Linear(...)"
    assert list(g.state_dict()) == list(t.state_dict())
    assert len(g) == 4 and g[-1] is g[3]
    assert repr(g[1:]) == repr(t[1:])
    g.append(nn.Tanh())
    t.append(torch.nn.Tanh())
    g.insert(0, nn.Tanh())
    t.insert(0, torch.nn.Tanh())
    g.extend([nn.ReLU()])
    t.extend([torch.nn.ReLU()])
    del g[2]
    del t[2]
    assert repr(g) == repr(t) and keys(g) == keys(t)
    g += [nn.Identity()]
    assert isinstance(g[-1], nn.Identity)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"
    with pytest.raises(IndexError, match="index 99 is out of range"):
        g[99]
    with pytest.raises(NotImplementedError):
        g(gt.ones(1))
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        g.extend(nn.ReLU())
    nested = lambda lib: lib.nn.ModuleList(  # noqa: E731
        [lib.nn.Sequential(lib.nn.Linear(1, 1)), lib.nn.Sequential(lib.nn.Linear(1, 1))])
    assert repr(nested(gt)) == repr(nested(torch))


def test_module_dict():
    d = lambda lib: lib.nn.ModuleDict({"b": lib.nn.Linear(2, 2), "a": lib.nn.ReLU()})  # noqa: E731
    g, t = d(gt), d(torch)
    assert list(g.keys()) == list(t.keys()) == ["b", "a"]
    assert repr(g) == repr(t) and list(g.state_dict()) == list(t.state_dict())
    g["c"] = nn.Tanh()
    assert "c" in g and len(g) == 3 and list(g) == ["b", "a", "c"]
    assert isinstance(g.pop("b"), nn.Linear) and "b" not in g
    g.update([("z", nn.Identity())])
    assert list(g.keys()) == ["a", "c", "z"]
    assert [type(v).__name__ for v in g.values()] == ["ReLU", "Tanh", "Identity"]
    del g["a"]
    assert list(dict(g.items())) == ["c", "z"]
    g.clear()
    assert len(g) == 0
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        g.update([("a", nn.ReLU(), 1)])


def test_parameter_list():
    g = nn.ParameterList([nn.Parameter(gt.ones(2, 3)), gt.zeros(3)])
    t = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3)), torch.zeros(3)])
    assert repr(g) == repr(t)
    assert isinstance(g[1], nn.Parameter) and g[1].requires_grad
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()] == ["0", "1"]
    g.append(gt.ones(1))
    assert len(g) == 3 and len(list(g.parameters())) == 3
    g[0] = gt.full((1,), 5.0)
    assert g[0].item() == 5.0 and isinstance(g[0], nn.Parameter)
    assert [p.shape for p in g] == [(1,), (3,), (1,)]
    assert len(g[1:]) == 2

    class Owner(nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = nn.ParameterList([nn.Parameter(gt.ones(2)) for _ in range(2)])

    assert list(Owner().state_dict()) == ["ps.0", "ps.1"]


def test_parameter_dict():
    g = nn.ParameterDict({"w": nn.Parameter(gt.ones(2)), "b": gt.zeros(3, dtype=gt.float64)})
    t = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.ones(2)), "b": torch.zeros(3, dtype=torch.float64)})
    assert repr(g) == repr(t)
    assert list(g.keys()) == list(t.keys())
    assert isinstance(g["b"], nn.Parameter)
    g["c"] = gt.ones(1)
    assert "c" in g and len(g) == 3
    assert list(g.state_dict()) == ["b", "w", "c"]
    del g["w"]
    assert list(g) == ["b", "c"] and g.get("zz") is None
    assert isinstance(g.pop("c"), nn.Parameter) and len(g) == 1


def test_flatten_unflatten():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    for args in [(), (0, -1), (2, 3), (1, 2)]:
        run_twins(nn.Flatten(*args), torch.nn.Flatten(*args), x)
        assert repr(nn.Flatten(*args)) == repr(torch.nn.Flatten(*args))
    run_twins(nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)), x)
    run_twins(nn.Unflatten(-1, (5, 1)), torch.nn.Unflatten(-1, (5, 1)), x)
    assert repr(nn.Unflatten(1, (2, 3))) == repr(torch.nn.Unflatten(1, (2, 3)))
    with pytest.raises(TypeError):
        nn.Unflatten(1, 3)
