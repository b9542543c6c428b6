"""In-place ops, version counters, and the errors torch raises around them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare import assert_close

import glasstorch as gt

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))
Y = rng.standard_normal((3, 4))



def version(t) -> int:
    """torch's ``t._version`` is an int; glasstorch keeps a shared one-item box there."""
    return t._version if isinstance(t, torch.Tensor) else t._version_counter


INPLACE = {
    "add_": lambda t, o: t.add_(o),
    "add_alpha": lambda t, o: t.add_(o, alpha=2.0),
    "sub_": lambda t, o: t.sub_(o),
    "mul_": lambda t, o: t.mul_(o),
    "div_": lambda t, o: t.div_(o.abs() + 1),
    "pow_": lambda t, o: t.pow_(2),
    "clamp_": lambda t, o: t.clamp_(-0.5, 0.5),
    "iadd": lambda t, o: t.__iadd__(o),
    "imul": lambda t, o: t.__imul__(o * 3),
    "isub": lambda t, o: t.__isub__(1.5),
    "itruediv": lambda t, o: t.__itruediv__(2.0),
    "exp_": lambda t, o: t.exp_(),
    "copy_": lambda t, o: t.copy_(o * 2),
    "setitem_slice": lambda t, o: t.__setitem__((slice(None), slice(1, 3)), o[:, :2]),
    "setitem_scalar": lambda t, o: t.__setitem__((0, 1), 5.0),
    "setitem_mask": lambda t, o: t.__setitem__(t > 0, 0.0),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_a_non_leaf_matches_torch(name):
    op = INPLACE[name]
    res = {}
    for lib in (gt, torch):
        x = lib.tensor(X, requires_grad=True)
        o = lib.tensor(Y, requires_grad=True)
        y = x * 2  # a non-leaf that nothing saved
        v0 = version(y)
        r = op(y, o)
        assert r is y or (r is None and name.startswith("setitem"))
        assert version(y) > v0
        loss = (y * lib.tensor(X + 3)).sum()
        loss.backward()
        res[lib.__name__] = (y.detach().numpy().copy(), None if x.grad is None else x.grad.numpy().copy(),
                             None if o.grad is None else o.grad.numpy().copy(), y.grad_fn.name())
    g, t = res["glasstorch"], res["torch"]
    np.testing.assert_allclose(g[0], t[0], rtol=1e-12)
    # where torch hands back an all-zero gradient glasstorch may leave None
    for a, b in ((g[1], t[1]), (g[2], t[2])):
        if a is None or b is None:
            assert np.allclose(a if a is not None else b if b is not None else 0.0, 0.0)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_chain_of_inplace_ops():
    res = []
    for lib in (gt, torch):
        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        y.add_(1)
        y.mul_(3)
        y.sub_(x)
        y.pow_(2)
        y.div_(4)
        y.sum().backward()
        res.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12)


def test_inplace_records_torch_node_names():
    for lib in (gt, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        y.add_(1)
        assert y.grad_fn.name() == "AddBackward0", lib
        y.mul_(2)
        assert y.grad_fn.name() == "MulBackward0"
        assert y.grad_fn.next_functions[0][0].name() == "AddBackward0"


def test_version_counter_counts_writes():
    for lib in (gt, torch):
        x = lib.zeros(3)
        assert version(x) == 0
        x.add_(1)
        x.mul_(2)
        x[0] = 5
        x.zero_()
        x.fill_(2.0)
        assert version(x) == 5
        d = x.detach()
        d.add_(1)  # detach shares the counter, as in torch
        assert version(x) == 6


def test_modified_saved_tensor_raises():
    for lib in (gt, torch):
        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        z = y * y  # saves y
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_modified_saved_output_raises():
    for lib in (gt, torch):
        x = lib.tensor(X, requires_grad=True)
        y = x.exp()  # saves its own output
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_modified_saved_leaf_raises():
    for lib in (gt, torch):
        w = lib.tensor(X, requires_grad=True)
        a = lib.tensor(Y)
        y = (w * a).sum()  # saves a
        a.add_(1)
        with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
            y.backward()


def _saved_output(lib):
    y = lib.ones(2, 3, requires_grad=True).sigmoid()
    y.add_(1)
    return y.sum()


def _saved_input(lib):
    y = lib.ones(2, 3, requires_grad=True) * 2
    z = y * y
    y.add_(1)
    return z.sum()


def _saved_leaf(lib):
    a = lib.ones(2)
    y = (lib.ones(2, requires_grad=True) * a).sum()
    a.add_(1)
    return y


@pytest.mark.parametrize("build", [_saved_output, _saved_input, _saved_leaf])
def test_error_message_names_the_tensor_like_torch(build):
    msgs = []
    for lib in (gt, torch):
        loss = build(lib)
        with pytest.raises(RuntimeError) as e:
            loss.backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_inplace_on_a_leaf_requiring_grad_raises():
    for lib in (gt, torch):
        w = lib.ones(3, requires_grad=True)
        ops = (lambda w, lib: w.add_(1), lambda w, lib: w.mul_(2), lambda w, lib: w.zero_(),
               lambda w, lib: w.fill_(1.0), lambda w, lib: w.__setitem__(0, 2.0),
               lambda w, lib: w.copy_(lib.zeros(3)), lambda w, lib: w.clamp_(0, 1))
        for op in ops:
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation."):
                op(w, lib)
        assert w.tolist() == [1.0, 1.0, 1.0]  # nothing was written


def test_parameter_update_under_no_grad():
    res = []
    for lib in (gt, torch):
        w = lib.tensor(X, requires_grad=True)
        for _ in range(3):
            loss = ((w * 2 - 1) ** 2).sum()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        assert w.is_leaf and w.requires_grad and w.grad_fn is None
        res.append(w.detach().numpy().copy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-12)


def test_no_grad_inplace_keeps_leaf_status_and_bumps_version():
    w = gt.ones(3, requires_grad=True)
    v = version(w)
    with gt.no_grad():
        w.mul_(2)
        w[0] = 7.0
        w.zero_()
        w.add_(1)
    assert version(w) == v + 4 and w.is_leaf and w.requires_grad


def test_inplace_makes_constant_require_grad():
    for lib in (gt, torch):
        a = lib.zeros(3)
        x = lib.ones(3, requires_grad=True)
        a.add_(x * 2)
        assert a.requires_grad and a.grad_fn.name() == "AddBackward0"
        a.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_setitem_gradients_match_torch():
    res = []
    for lib in (gt, torch):
        x = lib.tensor(X, requires_grad=True)
        v = lib.tensor(Y[0, :2], requires_grad=True)
        buf = lib.zeros(3, 4, dtype=lib.float64)
        buf[1:] = x[:2] * 3
        buf[0, 1:3] = v
        (buf * lib.tensor(Y)).sum().backward()
        res.append((buf.detach().numpy().copy(), x.grad.numpy().copy(), v.grad.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_inplace_dtype_rule():
    x = gt.ones(3, dtype=gt.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x.add_(0.5)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        torch.ones(3, dtype=torch.int64).add_(0.5)
    assert x.tolist() == [1, 1, 1]
    f = gt.ones(3)
    f.add_(gt.ones(3, dtype=gt.int64))  # int into float is fine
    assert f.dtype == gt.float32 and f.tolist() == [2.0, 2.0, 2.0]


def test_inplace_shape_rule():
    x = gt.ones(3)
    with pytest.raises(RuntimeError, match="output with shape \\[3\\] doesn't match the broadcast shape \\[2, 3\\]"):
        x.add_(gt.ones(2, 3))
    with pytest.raises(RuntimeError, match="output with shape \\[3\\] doesn't match the broadcast shape \\[2, 3\\]"):
        torch.ones(3).add_(torch.ones(2, 3))


def test_grad_accumulation_in_place_keeps_grad_object():
    w = gt.ones(2, requires_grad=True)
    (w * 2).sum().backward()
    g = w.grad
    (w * 3).sum().backward()
    assert w.grad is g and g.tolist() == [5.0, 5.0]  # accumulated in place, as torch does
    tw = torch.ones(2, requires_grad=True)
    (tw * 2).sum().backward()
    tg = tw.grad
    (tw * 3).sum().backward()
    assert tw.grad is tg
    assert_close(w.grad, tw.grad)
