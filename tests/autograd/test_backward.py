"""backward(), autograd.grad(), the graph's structure, hooks, errors, deep graphs."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch
from compare import assert_close, check

import glasstorch as gt

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))
W = rng.standard_normal((4, 2))


def both(arr, requires_grad=True):
    return (gt.tensor(arr, requires_grad=requires_grad), torch.tensor(arr, requires_grad=requires_grad))


def describe(fn, depth=4):
    """The graph below a grad_fn as nested (name, children) tuples, for comparison."""
    if fn is None:
        return None
    name = fn.name()
    if depth == 0:
        return name
    return (name, tuple((describe(n, depth - 1), nr) for n, nr in fn.next_functions))


def test_graph_structure_matches_torch():
    def build(lib, x, w):
        h = (x @ w).tanh()
        return (h * h + 1.0).sum() / 2

    (xg, xt), (wg, wt) = both(X), both(W)
    lg, lt = build(gt, xg, wg), build(torch, xt, wt)
    assert describe(lg.grad_fn, 6) == describe(lt.grad_fn, 6)
    assert lg.grad_fn.name() == "DivBackward0"
    acc = lg.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    assert acc.name() == "MulBackward0"
    leaf_acc = wg.grad_fn  # leaves have no grad_fn...
    assert leaf_acc is None and wg.is_leaf and not lg.is_leaf
    # ...but their AccumulateGrad node is reachable, holding the leaf
    mm = lg.grad_fn
    while mm.name() != "MmBackward0":
        mm = mm.next_functions[0][0]
    assert mm.next_functions[1][0].name() == "torch::autograd::AccumulateGrad"
    assert mm.next_functions[1][0].variable is wg


def test_constant_inputs_have_none_edges():
    xg, xt = both(X, requires_grad=False)
    (wg, wt) = both(W)
    assert describe((xg @ wg).grad_fn) == describe((xt @ wt).grad_fn)
    yg, yt = xg * 2 + wg.sum(), xt * 2 + wt.sum()
    assert describe(yg.grad_fn) == describe(yt.grad_fn)


def test_simple_gradients_and_accumulation():
    xg, xt = both(X)
    for _ in range(2):  # the second backward adds to .grad
        (xg.sin() * xg).sum().backward()
        (xt.sin() * xt).sum().backward()
        assert_close(xg.grad, xt.grad)
    xg.grad = None
    (xg * 3).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), 3.0)


def test_grad_array_is_not_shared_with_other_tensors():
    x = gt.ones(3, requires_grad=True)
    seed = gt.ones(3)
    (x * 1.0).backward(seed)
    x.grad.add_(1)
    assert seed.tolist() == [1.0, 1.0, 1.0]
    y = gt.ones(3, requires_grad=True)
    z = gt.ones(3, requires_grad=True)
    (y + z).sum().backward()  # Add passes the same gradient to both inputs
    y.grad.mul_(5)
    assert z.grad.tolist() == [1.0, 1.0, 1.0]


def test_sum_gradient_reaching_a_leaf_is_its_own_array():
    # sum's backward hands on one value seen at every position (no copy); the
    # leaf's .grad must still be a writable array of its own, in its dtype
    for dtype in (gt.float32, gt.float64):
        x = gt.ones(2, 3, dtype=dtype, requires_grad=True)
        xt = x.t()  # a non-contiguous input
        xt.sum().backward()
        assert x.grad.dtype == dtype and x.grad.shape == (2, 3)
        x.grad.add_(1)
        assert x.grad.tolist() == [[2.0] * 3] * 2
        x.sum().backward()  # accumulates into the grad edited above
        assert x.grad.tolist() == [[3.0] * 3] * 2
    y = gt.ones(4, requires_grad=True)
    s = (y * 2).sum()
    s.backward(retain_graph=True)
    s.backward()
    assert y.grad.tolist() == [4.0] * 4


def test_op_with_a_tensor_and_a_setting_records_one_edge():
    # sum(dtype=...) and reshape(shape) pass a tensor and a non-tensor argument:
    # torch's graph has one edge, to the tensor
    xg, xt = both(X)
    for fg, ft in ((lambda t: t.sum(dtype=gt.float32), lambda t: t.sum(dtype=torch.float32)),
                   (lambda t: t.reshape(12), lambda t: t.reshape(12)),
                   (lambda t: t.pow(2), lambda t: t.pow(2))):
        yg, yt = fg(xg), ft(xt)
        assert describe(yg.grad_fn) == describe(yt.grad_fn)
        yg.sum().backward()
        yt.sum().backward()
        assert_close(xg.grad, xt.grad)
        xg.grad = xt.grad = None


def test_backward_with_gradient_argument():
    xg, xt = both(X)
    g = rng.standard_normal((3, 4))
    (xg.exp() * 2).backward(gt.tensor(g))
    (xt.exp() * 2).backward(torch.tensor(g))
    assert_close(xg.grad, xt.grad)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        gt.ones(2, requires_grad=True).mul(2).backward(gt.ones(3))


def test_non_scalar_without_gradient_raises():
    for lib in (gt, torch):
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            y.backward()


def test_backward_on_tensor_without_grad_raises():
    for lib in (gt, torch):
        with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
            lib.ones(2).sum().backward()


def test_second_backward_through_freed_graph_raises():
    for lib in (gt, torch):
        x = lib.ones(2, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            y.backward()


def test_retain_graph_allows_second_backward():
    xg, xt = both(X)
    yg, yt = (xg * xg).sum(), (xt * xt).sum()
    yg.backward(retain_graph=True)
    yt.backward(retain_graph=True)
    yg.backward()
    yt.backward()
    assert_close(xg.grad, xt.grad)


def test_graph_without_saved_tensors_can_run_twice():
    # torch only complains when a freed node needs its saved tensors
    for lib in (gt, torch):
        x = lib.ones(2, requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        assert x.grad.tolist() == [2.0, 2.0]


def test_backward_inputs_argument():
    (ag, at), (bg, bt) = both(X), both(X + 1)
    lg, lt = (ag * bg).sum(), (at * bt).sum()
    lg.backward(inputs=[bg])
    lt.backward(inputs=[bt])
    assert ag.grad is None and at.grad is None
    assert_close(bg.grad, bt.grad)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (ag * 2).sum().backward(inputs=[])


def test_backward_inputs_on_a_non_leaf():
    (xg, xt) = both(X)
    hg, ht = xg * 2, xt * 2
    (hg.exp().sum()).backward(inputs=[hg])
    (ht.exp().sum()).backward(inputs=[ht])
    assert_close(hg.grad, ht.grad)
    assert xg.grad is None and xt.grad is None


def test_autograd_grad_basic_and_grad_outputs():
    (xg, xt), (wg, wt) = both(X), both(W)
    go = rng.standard_normal((3, 2))
    gg = gt.autograd.grad(xg @ wg, (xg, wg), grad_outputs=gt.tensor(go))
    tg = torch.autograd.grad(xt @ wt, (xt, wt), grad_outputs=torch.tensor(go))
    assert isinstance(gg, tuple) and len(gg) == 2
    assert_close(gg, tg)
    assert xg.grad is None and wg.grad is None  # .grad untouched
    (single,) = gt.autograd.grad((xg * xg).sum(), xg)
    assert_close(single, 2 * xt.detach())


def test_autograd_grad_allow_unused():
    (ag, at), (bg, bt) = both(X), both(X)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        gt.autograd.grad((ag * 2).sum(), [ag, bg])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad((at * 2).sum(), [at, bt])
    ga, gb = gt.autograd.grad((ag * 2).sum(), [ag, bg], allow_unused=True)
    assert gb is None and ga.tolist() == [[2.0] * 4] * 3
    ga, gb = gt.autograd.grad((ag * 2).sum(), [ag, bg], materialize_grads=True)
    assert gb.tolist() == [[0.0] * 4] * 3


def test_autograd_grad_retain_graph():
    xg = gt.tensor(X, requires_grad=True)
    y = (xg * xg).sum()
    g1 = gt.autograd.grad(y, xg, retain_graph=True)[0]
    g2 = gt.autograd.grad(y, xg)[0]
    assert_close(g1, torch.tensor(2 * X))
    assert_close(g2, torch.tensor(2 * X))
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        gt.autograd.grad(y, xg)


def test_autograd_grad_several_outputs():
    (xg, xt) = both(X)
    og = [xg.sum(), (xg * xg).sum()]
    ot = [xt.sum(), (xt * xt).sum()]
    assert_close(gt.autograd.grad(og, xg), torch.autograd.grad(ot, xt))


def test_value_used_twice_sums_its_gradients():
    check(lambda x: x * x.exp() + x.sin() * x, lambda x: x * x.exp() + x.sin() * x, X)
    check(lambda x, w: (x @ w) @ w.T + x, lambda x, w: (x @ w) @ w.T + x, X, W)


def test_broadcast_gradients_are_summed_back():
    b = rng.standard_normal((4,))
    c = rng.standard_normal((3, 1))
    check(lambda x, b, c: x * b + c, lambda x, b, c: x * b + c, X, b, c)
    s = np.array(2.0)
    check(lambda x, s: x / s, lambda x, s: x / s, X, s)


def test_retain_grad():
    (xg, xt) = both(X)
    hg, ht = xg * 2, xt * 2
    hg.retain_grad()
    ht.retain_grad()
    assert hg.retains_grad and ht.retains_grad
    (hg * hg).sum().backward()
    (ht * ht).sum().backward()
    assert_close(hg.grad, ht.grad)
    hg2 = xg * 3
    (hg2 * hg2).sum().backward()
    assert hg2.grad is None  # not retained
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        gt.ones(2).retain_grad()


def test_hooks_on_leaves_and_non_leaves():
    (xg, xt) = both(X)
    seen = {}
    for lib, x in (("gt", xg), ("torch", xt)):
        calls = []
        h1 = x.register_hook(lambda g, calls=calls: calls.append("leaf") or g * 2)
        h = x * 3
        h.register_hook(lambda g, calls=calls: calls.append("mid") or g + 1)
        (h * h).sum().backward()
        seen[lib] = (calls, x.grad.detach().numpy().copy())
        h1.remove()
        x.grad = None
        (x * 3).sum().backward()
        seen[lib] += (x.grad.detach().numpy().copy(),)
    assert seen["gt"][0] == seen["torch"][0] == ["mid", "leaf"]
    np.testing.assert_allclose(seen["gt"][1], seen["torch"][1])
    np.testing.assert_allclose(seen["gt"][2], 3.0)  # hook removed


def test_hook_returning_none_keeps_gradient_and_sees_it():
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    got = []
    x.register_hook(lambda g: got.append(g.tolist()))
    (x * x).sum().backward()
    assert got == [[2.0, 4.0]] and x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        gt.ones(1).register_hook(lambda g: g)


def test_node_hooks():
    logs = []
    for lib in (gt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * lib.tensor([3.0, 4.0])
        log = []
        y.grad_fn.register_prehook(lambda gouts, log=log: log.append(("pre", gouts[0].tolist())))
        y.grad_fn.register_hook(lambda gins, gouts, log=log: log.append(("post", gins[0].tolist(), gins[1])))
        y.sum().backward()
        logs.append(log)
    assert logs[0] == logs[1] == [("pre", [1.0, 1.0]), ("post", [3.0, 4.0], None)]


def test_integer_inputs_get_no_gradient():
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    idx = gt.tensor([1, 0])
    y = x * idx
    assert y.requires_grad and y.dtype == gt.float32
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]
    assert not (x > 1).requires_grad and (x > 1).grad_fn is None


def test_deep_chain_has_no_recursion_limit():
    x = gt.tensor([0.5, -0.25], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.0001 ** 10_000, rtol=1e-3)


def test_saved_arrays_are_freed_after_backward():
    x = gt.ones(1000, requires_grad=True)
    h = x * 2
    arr_ref = weakref.ref(h._data)  # ndarray supports weakrefs
    y = (h * h).sum()  # MulBackward saves h's array
    del h
    gc.collect()
    assert arr_ref() is not None  # kept alive by the graph
    y.backward()
    gc.collect()
    assert arr_ref() is None  # freed: retain_graph=False releases saved values


def test_graph_is_freed_when_the_output_dies():
    x = gt.ones(1000, requires_grad=True)
    h = x.exp()
    arr_ref = weakref.ref(h._data)
    node_ref = weakref.ref(h.grad_fn)
    y = (h * 3).sum()
    del h
    y.backward(retain_graph=True)
    gc.collect()
    assert arr_ref() is not None
    del y
    gc.collect()
    assert node_ref() is None and arr_ref() is None


def test_output_nodes_do_not_form_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = gt.ones(100, requires_grad=True)
        y = x.exp()  # Exp saves its own output
        ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None  # plain reference counting frees it
    finally:
        gc.enable()


def test_grad_of_a_leaf_used_in_two_graphs():
    xg, xt = both(X)
    ag, at = xg.exp(), xt.exp()
    bg, bt = xg.cos(), xt.cos()
    ag.sum().backward()
    at.sum().backward()
    bg.sum().backward()
    bt.sum().backward()
    assert_close(xg.grad, xt.grad)


def test_multi_output_op_with_one_output_used():
    check(lambda x: x.max(dim=1)[0] * 2, lambda x: x.max(dim=1)[0] * 2, X)
    check(lambda x: x.split(2, dim=1)[1].exp(), lambda x: x.split(2, dim=1)[1].exp(), X)


# -- raw mode: without create_graph, arithmetic-only backward formulas run on bare arrays


def test_chain_of_arithmetic_ops_on_a_0d_tensor_matches_torch():
    # NumPy turns 0-d results into scalars: the engine must still hand back a Tensor .grad
    g, t = both(np.array(0.3))
    for x in (g, t):
        y = x
        for _ in range(3):
            y = ((y * 1.5 + x).tanh() - 0.25).sigmoid() / (x + 2.0)
        y.backward()
    assert isinstance(g.grad, gt.Tensor) and g.grad.shape == ()
    assert_close(g.grad, t.grad)


def test_custom_function_backward_sees_tensors_in_raw_mode():
    seen = {}

    class Square(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            seen["types"] = (type(grad), type(x))
            return 2 * x * grad

    x = gt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    Square.apply(x.exp()).sum().backward()  # ExpBackward0 (arrays) after a Tensor backward
    assert seen["types"] == (gt.Tensor, gt.Tensor)
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * np.array([1.0, -2.0, 3.0])), rtol=1e-6)


def test_custom_function_gradient_of_the_wrong_shape_raises_torch_message():
    class Bad(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return gt.ones(3)

    x = gt.ones(2, requires_grad=True)
    msg = r"Function BadBackward returned an invalid gradient at index 0 - got \[3\] but expected shape compatible with \[2\]"
    with pytest.raises(RuntimeError, match=msg):
        Bad.apply(x).sum().backward()


def test_hook_in_a_chain_of_array_ops_gets_and_replaces_a_tensor():
    g, t = both(X)
    for x in (g, t):
        h = (x * 2.0).sigmoid()
        h.register_hook(lambda grad: grad * 3.0 if isinstance(grad, (gt.Tensor, torch.Tensor)) else None)
        (h.tanh() - 1.0).sum().backward()
    assert_close(g.grad, t.grad)


def test_value_used_early_and_late_waits_for_every_gradient():
    # a feeds ops made right after it and one made much later: the walk runs a
    # node only once all its consumers have (creation order), whatever the path lengths
    g, t = both(X)
    for x in (g, t):
        a = x * 2.0
        b = a.exp()
        c = (b * 3.0).sin().tanh()
        for _ in range(5):
            c = c * 0.5 + b.sigmoid()
        (a + c + a * a).sum().backward()
    assert_close(g.grad, t.grad)


def test_backward_on_two_outputs_where_one_feeds_the_other():
    g, t = both(X)
    grads = []
    for m, x in ((gt, g), (torch, t)):
        y = (x * 3.0).tanh()
        z = (y * y).sum()
        m.autograd.backward([y, z], [m.ones_like(y), m.tensor(2.0, dtype=z.dtype)])
        grads.append(x.grad)
    assert_close(grads[0], grads[1])
