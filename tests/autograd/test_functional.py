"""autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp against torch (float64) and finite differences."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import numpy as np
import pytest
import torch
from compare import assert_close

import glasstorch as gt
from glasstorch.autograd import functional as F

FUNCTIONAL = {gt: F, torch: torch.autograd.functional}
rng = np.random.default_rng(0)


def arrays(*shapes):
    return tuple(rng.standard_normal(s) for s in shapes)


def inputs_for(lib, xs, as_tuple):
    ts = tuple(lib.tensor(a) for a in xs)
    return ts if as_tuple else ts[0]


def scalar_sum(f):
    return lambda *a: f(*a).sum()


# name: (function written with Tensor methods only, input shapes, pass inputs as a tuple)
CASES = {
    "elementwise": (lambda x: x.sin() * x.exp(), [(2, 3)], False),
    "reduction": (lambda x: x.logsumexp(dim=1) + x.mean(0)[:1], [(3, 4)], False),
    "matmul": (lambda a, b: (a @ b).tanh(), [(2, 3), (3, 2)], True),
    "two outputs": (lambda a, b: (a * b.exp(), (a ** 2).sum() + b.mean()), [(3,), (3,)], True),
    "scalar output": (lambda x: (x ** 3).sum() * x.mean(), [(4,)], False),
    "zero-dim input": (lambda x: x.sin() * x, [()], False),
    "one-tuple in, one-tuple out": (lambda x: (x.cos(),), [(2,)], True),
}
SCALAR_CASES = {
    "cubic": (lambda x: (x ** 3).sum() * x.mean(), [(4,)], False),
    "matrix": (lambda a: (a @ a.T).tanh().sum(), [(2, 3)], False),
    "two inputs": (lambda a, b: (a.sin() * b).sum() + (a @ b).exp(), [(3,), (3,)], True),
    "zero-dim": (lambda x: x.exp() * x, [()], False),
    "one-element output": (lambda x: (x ** 2).sum().reshape(1), [(2,)], False),
}


def shaped_like(lib, ref):
    """A random tensor (or tuple) shaped like ``ref``, the same values for both libraries."""
    if isinstance(ref, tuple):
        return tuple(shaped_like(lib, r) for r in ref)
    return lib.tensor(np.random.default_rng(ref.numel()).standard_normal(tuple(ref.shape)))


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("mode", [dict(), dict(vectorize=True),
                                  dict(vectorize=True, strategy="forward-mode")])
def test_jacobian_matches_torch(name, mode):
    f, shapes, as_tuple = CASES[name]
    xs = arrays(*shapes)
    res = {lib: FUNCTIONAL[lib].jacobian(f, inputs_for(lib, xs, as_tuple), **mode) for lib in (gt, torch)}
    assert_close(res[gt], res[torch], msg=name)
    for t in (res[gt] if isinstance(res[gt], tuple) else (res[gt],)):
        for u in (t if isinstance(t, tuple) else (t,)):
            assert not u.requires_grad and u.grad_fn is None


@pytest.mark.parametrize("name", CASES)
def test_vjp_and_jvp_match_torch(name):
    f, shapes, as_tuple = CASES[name]
    xs = arrays(*shapes)
    out = {lib: f(*(lib.tensor(a) for a in xs)) for lib in (gt, torch)}
    for fn, like in (("vjp", out), ("jvp", {lib: inputs_for(lib, xs, as_tuple) for lib in (gt, torch)})):
        res = {lib: getattr(FUNCTIONAL[lib], fn)(f, inputs_for(lib, xs, as_tuple), shaped_like(lib, like[lib]))
               for lib in (gt, torch)}
        assert_close(res[gt], res[torch], msg=f"{name} {fn}")


@pytest.mark.parametrize("name", SCALAR_CASES)
def test_hessian_hvp_vhp_match_torch(name):
    f, shapes, as_tuple = SCALAR_CASES[name]
    xs = arrays(*shapes)
    for fn in ("hessian", "hvp", "vhp"):
        res = {}
        for lib in (gt, torch):
            inp = inputs_for(lib, xs, as_tuple)
            args = () if fn == "hessian" else (shaped_like(lib, inp),)
            res[lib] = getattr(FUNCTIONAL[lib], fn)(f, inp, *args)
        assert_close(res[gt], res[torch], msg=f"{name} {fn}")
    # torch's forward-over-reverse result may still require grad, and comes in lists for
    # several inputs; glasstorch's never requires grad and is a tuple as in reverse mode
    forward = {lib: detached(FUNCTIONAL[lib].hessian(f, inputs_for(lib, xs, as_tuple), vectorize=True,
                                                     outer_jacobian_strategy="forward-mode"))
               for lib in (gt, torch)}
    assert_close(forward[gt], forward[torch], msg=f"{name} forward-over-reverse")


def detached(result):
    return tuple(detached(r) for r in result) if isinstance(result, (tuple, list)) else result.detach()


def test_v_may_be_left_out_for_a_single_element():
    res = {}
    for lib in (gt, torch):
        fn, x, x0 = FUNCTIONAL[lib], lib.tensor([0.5, -1.0], dtype=lib.float64), lib.tensor(0.3, dtype=lib.float64)
        res[lib] = (fn.vjp(lambda a: (a.exp() * a).sum(), x), fn.vjp(lambda a: a[:1].sin(), x),
                    fn.jvp(lambda a, c=x: a * c, x0), fn.hvp(lambda a: a.exp() * a, x0),
                    fn.vhp(lambda a: (a ** 4).reshape(1), x0.reshape(1)))
    assert_close(res[gt], res[torch])


def test_tuple_structure_for_several_inputs_and_outputs():
    a, b = gt.tensor(arrays((2,))[0]), gt.tensor(arrays((3,))[0])
    jac = F.jacobian(lambda a, b: (a * 2, b.sum(), a.sum() * b), (a, b))
    assert [[tuple(j.shape) for j in row] for row in jac] == [[(2, 2), (2, 3)], [(2,), (3,)], [(3, 2), (3, 3)]]
    hes = F.hessian(lambda a, b: (a ** 2).sum() * b.sum(), (a, b))
    assert [[tuple(h.shape) for h in row] for row in hes] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    assert isinstance(F.jacobian(lambda a: a.sum(), (a,)), tuple)
    assert isinstance(F.jacobian(lambda a: (a.sum(),), a), tuple)


# ---- finite differences ------------------------------------------------------------------------

def numeric_jacobian(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of f (NumPy in, NumPy out) at x: shape f(x).shape + x.shape."""
    cols = []
    for k in range(x.size):
        d = np.zeros(x.size)
        d[k] = eps
        d = d.reshape(x.shape)
        cols.append((f(x + d) - f(x - d)) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def test_jacobian_and_hessian_match_finite_differences():
    def f(x):
        return (x.sin() @ x.T).tanh()

    x = arrays((2, 3))[0]
    jac = F.jacobian(f, gt.tensor(x)).numpy()
    np.testing.assert_allclose(jac, numeric_jacobian(lambda a: f(gt.tensor(a)).numpy(), x), rtol=1e-6, atol=1e-8)

    def g(x):
        return (x.exp() * x.roll(1, 0)).sum() / (1 + (x ** 2).sum())

    def grad_g(a):
        return F.vjp(g, gt.tensor(a))[1].numpy()

    y = arrays((4,))[0]
    np.testing.assert_allclose(F.hessian(g, gt.tensor(y)).numpy(), numeric_jacobian(grad_g, y),
                               rtol=1e-6, atol=1e-8)
    v = arrays((4,))[0]
    hv = F.hvp(g, gt.tensor(y), gt.tensor(v))[1].numpy()
    np.testing.assert_allclose(hv, numeric_jacobian(grad_g, y) @ v, rtol=1e-6, atol=1e-8)
    jv = F.jvp(lambda a: a.sin().cumsum(0), gt.tensor(y), gt.tensor(v))[1].numpy()
    np.testing.assert_allclose(jv, numeric_jacobian(lambda a: np.sin(a).cumsum(), y) @ v, rtol=1e-6, atol=1e-8)


# ---- create_graph ------------------------------------------------------------------------------

def test_gradient_through_a_hessian_matches_torch():
    x0 = arrays((3,))[0]
    grads = {}
    for lib in (gt, torch):
        x = lib.tensor(x0, requires_grad=True)
        h = FUNCTIONAL[lib].hessian(lambda a: (a ** 3).sum() * a.sin().sum(), x, create_graph=True)
        assert h.requires_grad and h.grad_fn is not None
        (h * h).sum().backward()
        grads[lib] = x.grad
    assert_close(grads[gt], grads[torch])


def test_create_graph_results_are_differentiable_and_pass_gradcheck():
    def f(a):
        return (a.exp() * a).sum()

    x = gt.tensor(arrays((3,))[0], requires_grad=True)
    assert gt.autograd.gradcheck(lambda a: F.hessian(f, a, create_graph=True), (x,))
    assert gt.autograd.gradcheck(lambda a: F.jacobian(lambda b: b.sin() * b, a, create_graph=True), (x,))
    v = gt.tensor(arrays((3,))[0])
    for fn in (F.vjp, F.jvp, F.hvp, F.vhp):
        out, prod = fn(f if fn in (F.hvp, F.vhp) else (lambda b: b.sin() * b), x, v, create_graph=True)
        assert out.requires_grad and prod.requires_grad, fn.__name__
        assert gt.autograd.gradcheck(lambda a, fn=fn: fn(f if fn in (F.hvp, F.vhp) else (lambda b: b.sin() * b),
                                                        a, v, create_graph=True)[1], (x,)), fn.__name__


def test_without_create_graph_nothing_requires_grad_and_no_graph_is_kept():
    class Marked(gt.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return 2 * a * grad

    marks = []

    def f(a):
        y = Marked.apply(a)
        marks.append(weakref.ref(y.grad_fn))
        return y

    x = gt.tensor([1.0, 2.0], dtype=gt.float64, requires_grad=True)
    results = [F.jacobian(f, x), F.vjp(f, x, x), F.jvp(f, x, x),
               F.hessian(lambda a: f(a).sum(), x), F.hvp(lambda a: f(a).sum(), x, x)]
    gc.collect()
    assert marks and all(m() is None for m in marks)
    for r in results:
        for t in (r if isinstance(r, tuple) else (r,)):
            assert not t.requires_grad and t.grad_fn is None
    assert x.grad is None
    with gt.no_grad():  # the functions switch grad mode on for themselves, as torch's do
        np.testing.assert_allclose(F.jacobian(f, x).numpy(), np.diag([2.0, 4.0]))


def test_independent_inputs_give_zeros_unless_strict():
    x, y = gt.tensor([1.0, 2.0]), gt.tensor([3.0])
    jac = F.jacobian(lambda a, b: a * 2, (x, y))
    assert jac[1].shape == (2, 1) and not jac[1].any()
    _, (ga, gb) = F.vjp(lambda a, b: (a * a).sum(), (x, y))
    assert gb.tolist() == [0.0] and ga.tolist() == [2.0, 4.0]
    assert F.hessian(lambda a: a.sum(), x).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert F.hvp(lambda a: gt.ones(()), x, x)[1].tolist() == [0.0, 0.0]


# ---- errors: the same type and message as torch ------------------------------------------------

def _f(lib, name):
    return getattr(FUNCTIONAL[lib], name)


BAD_CALLS = {
    "vjp v None for a vector output": lambda lib, x, y: _f(lib, "vjp")(lambda a: a * 2, x),
    "vjp v of the wrong size": lambda lib, x, y: _f(lib, "vjp")(lambda a: a * 2, x, y),
    "vjp v tuple too long": lambda lib, x, y: _f(lib, "vjp")(lambda a: a * 2, x, (x, x)),
    "vjp v for two outputs": lambda lib, x, y: _f(lib, "vjp")(lambda a: (a, a), x, (x, y)),
    "vjp v tuple, wrong length": lambda lib, x, y: _f(lib, "vjp")(lambda a: (a, a), x, (x,)),
    "vjp v a list": lambda lib, x, y: _f(lib, "vjp")(lambda a: a * 2, x, [x]),
    "inputs a list": lambda lib, x, y: _f(lib, "jacobian")(lambda a: a, [x]),
    "inputs with a number": lambda lib, x, y: _f(lib, "vjp")(lambda a, b: a, (x, 3)),
    "output a number": lambda lib, x, y: _f(lib, "jacobian")(lambda a: 3, x),
    "output a list": lambda lib, x, y: _f(lib, "jvp")(lambda a: [a], x, x),
    "output None in a tuple": lambda lib, x, y: _f(lib, "hvp")(lambda a: (a.sum(), None), x, x),
    "jvp v None": lambda lib, x, y: _f(lib, "jvp")(lambda a: a, x),
    "jvp v wrong size": lambda lib, x, y: _f(lib, "jvp")(lambda a: a, x, y),
    "hvp v None": lambda lib, x, y: _f(lib, "hvp")(lambda a: a.sum(), x),
    "vhp v wrong size": lambda lib, x, y: _f(lib, "vhp")(lambda a, b: a.sum(), (x, y), (x, x)),
    "hessian of a vector": lambda lib, x, y: _f(lib, "hessian")(lambda a: a, x),
    "hessian of a tuple": lambda lib, x, y: _f(lib, "hessian")(lambda a: (a.sum(),), x),
    "hvp of a vector": lambda lib, x, y: _f(lib, "hvp")(lambda a: a, x, x),
    "vhp of a tuple": lambda lib, x, y: _f(lib, "vhp")(lambda a: (a.sum(),), x, x),
    "strict, output independent": lambda lib, x, y: _f(lib, "vjp")(lambda a, b: a.sum(), (x, y), strict=True),
    "strict, constant output": lambda lib, x, y: _f(lib, "jvp")(lambda a: lib.ones(()), x, x, strict=True),
    "strict, jvp independent": lambda lib, x, y: _f(lib, "jvp")(lambda a, b: a * 2, (x, y), (x, y), strict=True),
    "strict, jacobian independent": lambda lib, x, y: _f(lib, "jacobian")(lambda a, b: a, (x, y), strict=True),
    "strict, constant jacobian": lambda lib, x, y: _f(lib, "vjp")(lambda a: a.sum(), x, strict=True,
                                                                  create_graph=True),
    "strict, linear for hessian": lambda lib, x, y: _f(lib, "hessian")(lambda a: a.sum(), x, strict=True),
    "strict, linear for hvp": lambda lib, x, y: _f(lib, "hvp")(lambda a, b: (a ** 3).sum() + b.sum(), (x, y),
                                                               (x, y), strict=True),
    "strict, vhp independent": lambda lib, x, y: _f(lib, "vhp")(lambda a, b: (a ** 3).sum(), (x, y), (x, y),
                                                                strict=True),
    "strict with vectorize": lambda lib, x, y: _f(lib, "jacobian")(lambda a: a * a, x, strict=True,
                                                                   vectorize=True),
    "hessian strict with vectorize": lambda lib, x, y: _f(lib, "hessian")(lambda a: (a ** 3).sum(), x,
                                                                          strict=True, vectorize=True),
    "forward-mode without vectorize": lambda lib, x, y: _f(lib, "jacobian")(lambda a: a, x,
                                                                            strategy="forward-mode"),
    "forward-mode with create_graph": lambda lib, x, y: _f(lib, "jacobian")(
        lambda a: a, x, strategy="forward-mode", vectorize=True, create_graph=True),
    "forward-mode with strict": lambda lib, x, y: _f(lib, "jacobian")(
        lambda a: a, x, strategy="forward-mode", vectorize=True, strict=True),
    "unknown strategy": lambda lib, x, y: _f(lib, "jacobian")(lambda a: a, x, strategy="central"),
    "unknown outer strategy": lambda lib, x, y: _f(lib, "hessian")(lambda a: a.sum(), x,
                                                                   outer_jacobian_strategy="central"),
    "integer input": lambda lib, x, y: _f(lib, "jacobian")(lambda a: a * 2, lib.arange(3)),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_bad_calls_raise_what_torch_raises(name):
    caught = {}
    for lib in (gt, torch):
        x, y = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64), lib.tensor([1.0, 2.0], dtype=lib.float64)
        with pytest.raises(Exception) as info:
            BAD_CALLS[name](lib, x, y)
        caught[lib] = info.value
    assert type(caught[gt]) is type(caught[torch]), (caught[gt], caught[torch])
    if name == "integer input":
        assert str(caught[gt]).startswith("only Tensors of floating point")
        return
    # the same words; spaces are ignored (torch's forward-mode message lacks one)
    assert str(caught[gt]).replace(" ", "") == str(caught[torch]).replace(" ", ""), (caught[gt], caught[torch])


def test_strict_create_graph_names_the_input_in_the_jacobian():
    x, y = gt.tensor([1.0, 2.0]), gt.tensor([3.0])
    with pytest.raises(RuntimeError, match="independent of input 1. This is not allowed in strict mode when"):
        F.jacobian(lambda a, b: a * a + b.sum(), (x, y), strict=True, create_graph=True)


def test_v_of_another_dtype_is_accepted_as_in_torch():
    x = gt.tensor([1.0, 2.0], dtype=gt.float64)
    _, g = F.vjp(lambda a: (a * a).sum(), x, gt.tensor(1.0, dtype=gt.float32))
    assert g.dtype == gt.float64 and g.tolist() == [2.0, 4.0]


def test_torch_autograd_functional_under_compat():
    code = ("from glasstorch import compat; compat.install()\n"
            "import torch, torch.autograd.functional as AF\n"
            "from torch.autograd.functional import hessian\n"
            "x = torch.tensor([1.0, 2.0])\n"
            "j = torch.autograd.functional.jacobian(lambda a: a ** 2, x)\n"
            "assert AF is __import__('glasstorch').autograd.functional\n"
            "print(j.tolist(), hessian(lambda a: (a ** 3).sum(), x).tolist())\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "[[2.0, 0.0], [0.0, 4.0]] [[6.0, 0.0], [0.0, 12.0]]"


def test_star_import_of_autograd_works():
    namespace = {}
    exec("from glasstorch.autograd import *", namespace)
    assert namespace["functional"] is F
