"""nn.Module: registration, traversal, state_dict, modes, conversions, hooks, repr."""

import copy
import pickle

import numpy as np
import pytest
import torch
from _twin import copy_state, run_twins

import glasstorch as gt
import glasstorch.nn as nn


def make(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 4)
            self.act = lib.nn.Tanh() if hasattr(lib.nn, "Tanh") else lib.nn.Identity()
            self.scale = lib.nn.Parameter(lib.ones(4, dtype=lib.float64))
            self.register_buffer("count", lib.zeros(1, dtype=lib.float64))
            self.register_buffer("tmp", lib.zeros(2, dtype=lib.float64), persistent=False)

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.Identity(), lib.nn.Linear(4, 2))
            self.shared = self.head[0]  # the same module twice: listed once

        def forward(self, x):
            return self.head(self.block(x))

    return Net().double()


def test_registration_and_traversal_match_torch():
    g, t = make(gt), make(torch)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in g.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in g.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in g.named_children()] == [n for n, _ in t.named_children()]
    assert list(g.state_dict()) == list(t.state_dict())
    assert [n for n, _ in g.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert [n for n, _ in g.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(remove_duplicate=False)]
    assert len(list(g.parameters())) == len(list(t.parameters())) == 7
    assert g.get_submodule("head.2") is g.head[2]
    assert g.get_parameter("block.scale") is g.block.scale
    assert g.get_buffer("block.count") is g.block.count
    with pytest.raises(AttributeError, match="Sequential has no attribute `7`"):
        g.get_submodule("head.7")


def test_twin_forward_backward_and_repr():
    g, t = make(gt), make(torch)
    copy_state(g, t)
    x = np.random.default_rng(0).standard_normal((5, 3))
    for train in (True, False):
        g.zero_grad()
        t.zero_grad()
        run_twins(g, t, x, train=train)
    assert repr(g) == repr(t)


def test_setattr_rules():
    m = nn.Module()
    m.w = nn.Parameter(gt.ones(2))
    assert "w" in m._parameters and "w" not in m.__dict__
    m.w = None
    assert m._parameters["w"] is None and m.w is None
    with pytest.raises(TypeError, match="cannot assign"):
        m.w = gt.ones(2)
    m.sub = nn.Linear(2, 2)
    assert "sub" in m._modules
    with pytest.raises(TypeError, match="cannot assign"):
        m.sub = 3
    m.register_buffer("b", gt.zeros(2))
    m.b = gt.ones(2)
    assert m._buffers["b"].sum().item() == 2
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.x = 1
        m.register_buffer("x", gt.zeros(1))
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="cannot assign 'int' object to parameter"):
        m.register_parameter("p", 1)
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        _ = m.nope
    m.add_module("c", nn.Identity())
    m.register_module("d", nn.Identity())
    assert list(m._modules) == ["c", "d"]
    m.buf = nn.Buffer(gt.ones(3), persistent=False)
    assert "buf" in m._buffers and "buf" not in m.state_dict()


def test_uninitialised_module_errors():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(gt.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


def test_state_dict_round_trip_and_errors():
    g = make(gt)
    sd = g.state_dict()
    assert "block.tmp" not in sd
    assert sd["block.fc.weight"].requires_grad is False
    assert g.state_dict(keep_vars=True)["block.fc.weight"] is g.block.fc.weight
    g2 = make(gt)
    res = g2.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    np.testing.assert_array_equal(g2.block.fc.weight.detach().numpy(), g.block.fc.weight.detach().numpy())

    bad = dict(sd)
    del bad["head.2.bias"]
    bad["head.9.weight"] = gt.ones(1)
    bad["extra"] = gt.ones(1)
    t = make(torch)
    tbad = {k: torch.from_numpy(v.numpy().copy()) for k, v in bad.items()}
    with pytest.raises(RuntimeError) as eg:
        g2.load_state_dict(bad)
    with pytest.raises(RuntimeError) as et:
        t.load_state_dict(tbad)
    assert str(eg.value) == str(et.value)
    res = g2.load_state_dict(bad, strict=False)
    rt = t.load_state_dict(tbad, strict=False)
    assert res.missing_keys == rt.missing_keys and res.unexpected_keys == rt.unexpected_keys

    wrong = dict(sd)
    wrong["block.fc.weight"] = gt.ones(5, 3, dtype=gt.float64)
    with pytest.raises(RuntimeError) as eg:
        g2.load_state_dict(wrong)
    with pytest.raises(RuntimeError) as et:
        t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in wrong.items()})
    assert str(eg.value) == str(et.value)
    assert "size mismatch for block.fc.weight" in str(eg.value)


def test_load_state_dict_assign_and_casts():
    m = nn.Linear(2, 3)
    sd = {"weight": gt.ones(3, 2, dtype=gt.float64), "bias": gt.zeros(3, dtype=gt.float64)}
    m.load_state_dict(sd)
    assert m.weight.dtype == gt.float32 and m.weight.sum().item() == 6
    m.load_state_dict(sd, assign=True)
    assert m.weight.dtype == gt.float64 and isinstance(m.weight, nn.Parameter)
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias"'):
        m.load_state_dict({"weight": gt.ones(3, 2), "bias": 1})


def test_train_eval_requires_grad_zero_grad_apply():
    g = make(gt)
    assert g.training and g.block.fc.training
    assert g.eval() is g and not g.head[2].training
    g.train()
    assert g.head[2].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        g.train(1)
    g(gt.randn(2, 3, dtype=gt.float64)).sum().backward()
    assert all(p.grad is not None for p in g.parameters())
    g.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in g.parameters())
    g.zero_grad()
    assert all(p.grad is None for p in g.parameters())
    g.requires_grad_(False)
    assert not any(p.requires_grad for p in g.parameters())
    seen = []
    g.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


def test_dtype_conversions():
    m = nn.Sequential(nn.Linear(2, 3))
    m.register_buffer("idx", gt.tensor([1, 2]))
    w = m[0].weight
    assert m.double() is m
    assert m[0].weight is w and w.dtype == gt.float64  # same Parameter object, new data
    assert m.idx.dtype == gt.int64  # integer buffers are left alone
    m.half()
    assert w.dtype == gt.float16
    m.to(gt.float32)
    assert w.dtype == gt.float32
    m.to("cpu")
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        m.to(gt.int64)
    m.float()
    out = m(gt.randn(4, 2))
    assert out.dtype == gt.float32


def test_deepcopy_and_pickle():
    g = make(gt)
    g2 = copy.deepcopy(g)
    assert g2.shared is g2.head[0]
    for (n1, p1), (n2, p2) in zip(g.named_parameters(), g2.named_parameters()):
        assert n1 == n2 and p1 is not p2 and isinstance(p2, nn.Parameter)
        np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())
    with gt.no_grad():
        g2.block.fc.weight.add_(1)
    assert not np.allclose(g.block.fc.weight.detach().numpy(), g2.block.fc.weight.detach().numpy())
    g3 = pickle.loads(pickle.dumps(nn.Linear(2, 2)))
    assert isinstance(g3.weight, nn.Parameter) and g3.weight.requires_grad


def test_forward_hooks():
    m = nn.Linear(3, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: out + 1)
    m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    x = gt.ones(1, 3)
    expected = (x * 2) @ m.weight.T + m.bias + 1
    np.testing.assert_allclose(m(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    assert calls == ["first"]
    h1.remove()
    h2.remove()
    with m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 0,), kwargs), with_kwargs=True):
        np.testing.assert_allclose(m(x).detach().numpy(), m.bias.detach().numpy()[None], rtol=1e-6)
    np.testing.assert_allclose(m(x).detach().numpy(), (x @ m.weight.T + m.bias).detach().numpy(), rtol=1e-6)


def _record_backward_hooks(lib, x_grad, y_grad):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.l = lib.nn.Linear(3, 2).double()

        def forward(self, x, y, k):
            return self.l(x) * y * k

    m = M()
    with lib.no_grad():
        m.l.weight.fill_(0.5)
        m.l.bias.fill_(0.1)
    seen = []

    def hook(mod, gi, go):
        seen.append(([None if g is None else g.detach().numpy().copy() for g in gi],
                     [g.detach().numpy().copy() for g in go]))

    m.register_full_backward_hook(hook)
    x = lib.tensor(np.arange(12.0).reshape(4, 3), requires_grad=x_grad)
    y = lib.tensor(np.linspace(-1, 1, 8).reshape(4, 2), requires_grad=y_grad)
    m(x, y, 2.0).sum().backward()
    return seen


@pytest.mark.parametrize("x_grad,y_grad", [(True, True), (False, True), (False, False)])
def test_full_backward_hook_matches_torch(x_grad, y_grad):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sg = _record_backward_hooks(gt, x_grad, y_grad)
        st = _record_backward_hooks(torch, x_grad, y_grad)
    assert len(sg) == len(st) == 1
    (gi_g, go_g), (gi_t, go_t) = sg[0], st[0]
    assert len(gi_g) == len(gi_t) and len(go_g) == len(go_t)
    for a, b in zip(gi_g + go_g, gi_t + go_t):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b)


def test_backward_hook_can_replace_grad_input_and_pre_hook():
    m = nn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0,))
    x = gt.randn(3, 2, requires_grad=True)
    m(x).sum().backward()
    assert np.all(x.grad.numpy() == 0)
    m2 = nn.Identity()
    m2.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
    x = gt.randn(3, requires_grad=True)
    m2(x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0)


def _custom(lib):
    class Custom(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = lib.nn.Sequential(lib.nn.Linear(1, 2), lib.nn.Sequential(lib.nn.Identity()))

        def extra_repr(self):
            return "alpha=1\nbeta=2"

    return Custom()


def test_module_repr_custom_extra_repr():
    assert repr(_custom(gt)) == repr(_custom(torch))
    assert repr(nn.Module()) == "Module()"


def test_parameter_repr_and_type():
    p = nn.Parameter(gt.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert p.requires_grad and p.is_leaf and isinstance(p, gt.Tensor)
    q = nn.Parameter(gt.ones(2), requires_grad=False)
    assert not q.requires_grad
    assert isinstance(copy.deepcopy(p), nn.Parameter)
