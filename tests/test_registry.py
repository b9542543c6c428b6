"""The op registry (``glasstorch.ops._registry``): what it declares is what glasstorch has.

* The public surface (``dir(glasstorch)``, ``dir(glasstorch.ops)``, the Tensor
  methods and what kind of object each name is) matches the snapshot in
  ``registry_data/public_api.json``.
* Every registry line resolves, and its columns (Function, flags, torch's backward
  node, dtypes) are true of the op.
* Every public op of glasstorch has a line; every torch op and Tensor method is in
  glasstorch or in the reviewed not-supported list (``registry_data/torch_not_supported.py``).
* Every line is named by a test table; the ops with a generic call (a ``domain``) are
  run against torch here, forward and backward, as functions, methods, in place and
  with ``out=``, from their registry line alone.
"""

from __future__ import annotations

import inspect
import json
import re
import types
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from compare import assert_close, check, gradchecks
from registry_data import torch_not_supported as unsupported
from registry_data.snapshot import surface

import glasstorch as gt
from glasstorch.autograd.function import Function
from glasstorch.ops._registry import OPS

HERE = Path(__file__).parent

# Public glasstorch callables that are not ops: settings, state, queries and I/O.
NOT_OPS = set("""
compile can_cast get_default_dtype get_float32_matmul_precision get_num_threads get_rng_state initial_seed
is_autocast_enabled is_floating_point is_grad_enabled is_inference_mode_enabled is_tensor load manual_seed
numel promote_types result_type save seed set_default_dtype set_float32_matmul_precision set_num_threads
set_printoptions set_rng_state use_deterministic_algorithms
""".split())

# Registry ops whose glasstorch backward node is named differently from torch's (reviewed).
NODE_DIFFERS = {
    "fmax": "WhereBackward0", "fmin": "WhereBackward0",  # composed of where()
    "fmod": "FmodBackward0", "remainder": "RemainderBackward0",  # torch numbers the tensor-divisor overload 1
    "rsub": "SubBackward0",  # composed of sub()
    "nansum": "SumBackward0",  # composed of sum()
    "digamma": "PolygammaBackward0", "i0": "BesselIBackward0",  # one Function serves a family
    "vdot": "DotBackward0",  # composed of dot()
    "index_add": "AddBackward0",  # composed of an index and add()
    "masked_scatter": "IndexPutBackward0",  # composed of index_put()
    "atleast_2d": "ViewBackward0", "atleast_3d": "ViewBackward0",  # a reshape where torch unsqueezes
}


def _public_functions(mod) -> set[str]:
    return {n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))
            and not inspect.isclass(getattr(mod, n)) and not inspect.ismodule(getattr(mod, n))}


def _takes_out(fn) -> bool:
    """Whether ``fn`` has an ``out`` parameter (its own, not the one of a function it wraps)."""
    code = getattr(fn, "__code__", None)
    return code is not None and "out" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]


def _unwrapped(obj):
    return inspect.unwrap(obj) if callable(obj) else obj


# ---------------------------------------------------------------- the public surface, unchanged
def test_public_surface_matches_the_snapshot():
    want = json.loads((HERE / "registry_data" / "public_api.json").read_text())
    got = surface()
    for space in want:
        missing = sorted(set(want[space]) - set(got[space]))
        extra = sorted(set(got[space]) - set(want[space]))
        assert not missing and not extra, f"{space}: missing {missing}, new {extra}"
        changed = {n: (want[space][n], got[space][n]) for n in want[space] if want[space][n] != got[space][n]}
        assert not changed, f"{space}: names that now resolve to another kind of object: {changed}"


# ---------------------------------------------------------------- every line is true
@pytest.mark.parametrize("name", list(OPS))
def test_entry_resolves_where_it_says(name):
    e = OPS[name]
    fn = e.resolve()
    assert callable(fn)
    space = gt.ops if e.exported_by == "glasstorch.ops" else gt
    assert _unwrapped(getattr(space, name)) is _unwrapped(fn), f"{e.exported_by}.{name} is not {e.module}.{name}"
    if e.function is not None:
        cls = e.function_class()
        assert inspect.isclass(cls) and issubclass(cls, Function), e.function
    assert set(e.flags) <= set("mvci o2".replace(" ", "")), e.flags
    assert e.dtypes == "-" or set(e.dtypes) <= set("fib"), e.dtypes
    assert set(e.domain) <= set(DOMAINS), e.domain


@pytest.mark.parametrize("name", list(OPS))
def test_flags_match_the_tensor_methods(name):
    e = OPS[name]
    fn = _unwrapped(e.resolve())
    method = inspect.getattr_static(gt.Tensor, name, None)
    if "m" in e.flags:
        assert _unwrapped(method) is fn, f"Tensor.{name} should be the function itself"
    elif "v" in e.flags or "c" in e.flags:
        assert method is not None and _unwrapped(method) is not fn, f"Tensor.{name} should be its own method"
    else:
        assert method is None or name in ("index_put_",), f"Tensor.{name} exists: flag it m, v or c"
    has_inplace = inspect.getattr_static(gt.Tensor, name + "_", None) is not None
    assert has_inplace == (e.inplace or name + "_" in OPS), f"Tensor.{name}_ exists: {has_inplace}, flag i: {e.inplace}"
    takes_out = _takes_out(e.resolve())
    assert takes_out == e.out, f"{name}: out= in signature {takes_out}, flag o {e.out}"


@pytest.mark.parametrize("name", [n for n, e in OPS.items() if e.function is not None])
def test_function_records_the_declared_node(name):
    e = OPS[name]
    node = e.function_class()._node_cls.__name__
    assert node == NODE_DIFFERS.get(name, e.node) or node.lower() == e.node.lower(), f"{e.function} records {node}"


# ---------------------------------------------------------------- every public op has a line
def test_every_public_op_has_a_registry_entry():
    public = (_public_functions(gt) | _public_functions(gt.ops)) - NOT_OPS
    missing = sorted(public - set(OPS))
    assert not missing, f"public ops with no line in ops/_registry.py: {missing}"
    stale = sorted(set(OPS) - public)
    assert not stale, f"registry lines that are no longer public: {stale}"


# Which torch callables count as ops: the ATen bindings in ``torch`` (builtin functions)
# and the Python-level ops torch documents beside them (torch.functional, the
# linear-algebra helpers). Python helpers in torch/__init__.py (settings, compile,
# is_tensor, ...), torch.random and torch.serialization are runtime utilities, not ops.
_TORCH_OP_MODULES = {"torch.functional", "torch._linalg_utils", "torch._lowrank", "torch._lobpcg"}


def _torch_ops() -> set[str]:
    out = set()
    for n in dir(torch):
        obj = getattr(torch, n)
        if n.startswith("_") or inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
            continue
        if isinstance(obj, types.BuiltinFunctionType) and getattr(obj, "__module__", "torch") in ("torch", None):
            out.add(n)
        elif getattr(obj, "__module__", None) in _TORCH_OP_MODULES:
            out.add(n)
    return out


def _torch_methods() -> set[str]:
    return {n for n in dir(torch.Tensor) if not n.startswith("_") and callable(getattr(torch.Tensor, n))}


def _listed(groups: dict) -> dict[str, str]:
    out = {}
    for group, names in groups.items():
        assert group in unsupported.REASONS, f"group {group} has no reason"
        for n in names:
            assert n not in out, f"{n} is listed twice"
            out[n] = group
    return out


def test_torch_ops_are_supported_or_listed_as_not_supported():
    listed = _listed(unsupported.FUNCTIONS)
    torch_ops = _torch_ops()
    unreviewed = sorted(n for n in torch_ops if not hasattr(gt, n) and n not in listed)
    assert not unreviewed, f"torch ops neither in glasstorch nor in torch_not_supported.FUNCTIONS: {unreviewed}"
    now_supported = sorted(n for n in listed if hasattr(gt, n))
    assert not now_supported, f"listed as not supported but glasstorch has them: {now_supported}"
    gone = sorted(n for n in listed if n not in torch_ops)
    assert not gone, f"listed as not supported but not a torch op: {gone}"


def test_torch_tensor_methods_are_supported_or_listed_as_not_supported():
    listed = _listed(unsupported.METHODS)
    methods = _torch_methods()
    unreviewed = sorted(n for n in methods if not hasattr(gt.Tensor, n) and n not in listed)
    assert not unreviewed, f"torch.Tensor methods neither on glasstorch's Tensor nor listed: {unreviewed}"
    now_supported = sorted(n for n in listed if hasattr(gt.Tensor, n))
    assert not now_supported, f"listed as not supported but glasstorch's Tensor has them: {now_supported}"
    gone = sorted(n for n in listed if n not in methods)
    assert not gone, f"listed as not supported but not a torch.Tensor method: {gone}"


# ---------------------------------------------------------------- every line is tested
def _named_in_tests() -> set[str]:
    """Op names a test calls or lists: ``.name(`` or a quoted ``"name"`` in a test file (the
    fuzzer's table names every op, so it does not count)."""
    names = set()
    pattern = re.compile(r"""\.([a-z_][a-z0-9_]*)\(|["']([a-z_][a-z0-9_]*)["']""")
    for path in HERE.rglob("*.py"):
        if path.name == Path(__file__).name or "registry_data" in path.parts or "fuzz" in path.parts:
            continue
        for a, b in pattern.findall(path.read_text()):
            names.add(a or b)
    return names


def test_every_entry_is_named_in_a_test_table():
    covered = _named_in_tests() | {n for n, e in OPS.items() if e.domain} | set(EXTRA) | set(RANDOM_EXTRA) | {"complex_unsupported"}
    missing = sorted(set(OPS) - covered)
    assert not missing, f"registry ops no test names (add a domain or an EXTRA case): {missing}"


def test_every_entry_is_fuzzed_or_skipped_with_a_reason():
    from fuzz.engine import NOT_IN_TORCH, fuzzed_entries
    from fuzz.specs import SKIP

    fuzzed = set(fuzzed_entries())
    missing = sorted(n for n in OPS if n not in fuzzed and n not in SKIP and n not in NOT_IN_TORCH)
    assert not missing, f"registry ops the differential fuzzer does not draw: {missing}"


# ---------------------------------------------------------------- the table built from the registry

DOMAINS = {
    "real": lambda g, s: g.uniform(-2.0, 2.0, s),
    "pos": lambda g, s: g.uniform(0.3, 3.0, s),
    "unit": lambda g, s: g.uniform(-0.9, 0.9, s),
    "away0": lambda g, s: g.choice([-1.0, 1.0], s) * g.uniform(0.2, 2.0, s),
    "frac": lambda g, s: g.integers(-3, 3, s) + g.uniform(0.1, 0.4, s) + g.choice([0.0, 0.5], s),
    "wide": lambda g, s: g.uniform(-8.0, 8.0, s),
    "grid": lambda g, s: g.integers(-2, 3, s).astype(np.float64),
    # inf, -inf and NaN among ordinary values (no gradient through them is checked)
    "special": lambda g, s: g.choice([np.inf, -np.inf, np.nan, 0.0, -1.5, 2.0], s),
}
SHAPES = {1: [(2, 3), (), (0, 2)], 2: [((2, 3), (2, 3)), ((2, 1), (3,)), ((), (4,))]}


def _sample(e, i: int) -> list[np.ndarray]:
    """The same arrays on every call, whatever ran before."""
    rng = np.random.default_rng(zlib.crc32(f"{e.name}-{i}".encode()))
    shapes = SHAPES[len(e.domain)][i] if len(e.domain) > 1 else (SHAPES[1][i],)
    return [np.asarray(DOMAINS[d](rng, s), dtype=np.float64) for d, s in zip(e.domain, shapes)]


GENERIC = [n for n, e in OPS.items() if e.domain]
GRADS = [n for n in GENERIC if OPS[n].node is not None and "special" not in OPS[n].domain]


def _call(name, lib):
    return lambda *xs: getattr(lib, name)(*xs)


@pytest.mark.parametrize("i", range(3))
@pytest.mark.parametrize("name", GENERIC)
def test_generic_call_matches_torch(name, i):
    e = OPS[name]
    arrays = _sample(e, i)
    grad = e.node is not None and "special" not in e.domain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notes torch gives for some aliases
        check(_call(name, gt), _call(name, torch), *arrays, grad=grad, msg=name)
        check(_call(name, gt), _call(name, torch), *[a.astype(np.float32) for a in arrays], grad=grad, msg=name)
        for code, dtype in (("i", np.int64), ("b", np.bool_)):
            if code in e.dtypes:
                # integers away from 0 (no division by zero); bools from the sign
                ints = [np.asarray(a > 0 if dtype is np.bool_ else np.sign(a) * np.ceil(np.abs(a))).astype(dtype)
                        for a in arrays]
                check(_call(name, gt), _call(name, torch), *ints, grad=False, msg=f"{name} {dtype.__name__}")


@pytest.mark.parametrize("name", GRADS)
def test_generic_gradcheck_and_backward_node(name):
    e = OPS[name]
    arrays = _sample(e, 0)
    gradchecks(_call(name, gt), *arrays, second=e.twice_differentiable)
    xs = [gt.tensor(a, requires_grad=True) for a in arrays]
    node = getattr(gt, name)(*xs).grad_fn.name()
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    assert getattr(torch, name)(*ts).grad_fn.name() == e.node, f"torch's node for {name} is not {e.node}"
    assert node == NODE_DIFFERS.get(name, e.node), f"{name} records {node}, torch {e.node}"


@pytest.mark.parametrize("name", [n for n in GENERIC if OPS[n].method or OPS[n].inplace])
def test_generic_method_and_inplace(name):
    e = OPS[name]
    x, *rest = _sample(e, 0)
    if e.method:
        got = getattr(gt.tensor(x), name)(*[gt.tensor(a) for a in rest])
        want = getattr(torch.tensor(x), name)(*[torch.tensor(a) for a in rest])
        assert_close(got, want, msg=f"Tensor.{name}")
    if e.inplace:
        xg, xt = gt.tensor(x), torch.tensor(x)
        rg = getattr(xg, name + "_")(*[gt.tensor(a) for a in rest])
        rt = getattr(xt, name + "_")(*[torch.tensor(a) for a in rest])
        assert rg is xg
        assert_close(xg, xt, msg=f"Tensor.{name}_")
        assert_close(rg, rt, msg=f"Tensor.{name}_")


@pytest.mark.parametrize("name", [n for n in GENERIC if OPS[n].out])
def test_generic_out(name):
    e = OPS[name]
    arrays = _sample(e, 0)
    want = getattr(torch, name)(*[torch.tensor(a) for a in arrays])
    out = gt.empty(0, dtype=getattr(gt, str(want.dtype).split(".")[1]))
    got = getattr(gt, name)(*[gt.tensor(a) for a in arrays], out=out)
    assert got is out
    assert_close(out, want, msg=f"{name}(out=)")


# Ops with no generic call that no other test table names: one case each, against torch
# (float64; forward, gradients where the op records one, gradcheck).
_RNG = np.random.default_rng(20261206)  # drawn once, at import: the EXTRA arrays are fixed


def _r(*shape):
    return _RNG.uniform(-2.0, 2.0, shape)


def _ints(*shape):
    return _RNG.integers(-5, 6, shape)


def _torch_or_gt(m, gt_fn, torch_fn):
    return gt_fn if m is gt else torch_fn


EXTRA = {
    # name: (fn(lib, *tensors), arrays, gradients compared)
    "bitwise_and": (lambda m, a, b: m.bitwise_and(a, b), [_ints(2, 3), _ints(3)], False),
    "bitwise_xor": (lambda m, a, b: (m.bitwise_xor(a, b), m.bitwise_xor(a > 0, b > 0)), [_ints(2, 3), _ints(3)],
                    False),
    "broadcast_shapes": (lambda m, a: (a * 0).expand(m.broadcast_shapes((2, 1, 3), (4, 1), (3,))),
                         [_r(1)], True),
    "column_stack": (lambda m, a, b, c: m.column_stack([a, b, c]), [_r(4), _r(4, 2), _r(4, 1)], True),
    "dstack": (lambda m, a, b, c: m.dstack([a, b, c]), [_r(3), _r(1, 3), _r(1, 3, 2)], True),
    "row_stack": (lambda m, a, b: m.row_stack([a, b]), [_r(3), _r(2, 3)], True),
    "ger": (lambda m, a, b: m.ger(a, b), [_r(3), _r(4)], True),
    "vdot": (lambda m, a, b: m.vdot(a, b), [_r(5), _r(5)], True),
    "getitem": (lambda m, x: _torch_or_gt(m, gt.ops.getitem, lambda t, k: t[k])(x, (slice(None), [2, 0, 2])),
                [_r(3, 4)], True),
    "index_put_": (lambda m, x, v: _torch_or_gt(m, gt.ops.index_put_, lambda t, k, w: t.index_put_(k, w))(
        x * 1, (m.tensor([0, 2]),), v), [_r(3, 4), _r(2, 4)], True),
    "index_add": (lambda m, x, s: m.index_add(x, 1, m.tensor([2, 0, 2]), s, alpha=0.5), [_r(2, 4), _r(2, 3)],
                  True),
    "masked_scatter": (lambda m, x, s: m.masked_scatter(x, x > 0, s), [_r(3, 4), _r(3, 4)], True),
    "adjoint": (lambda m, x: m.adjoint(x), [_r(2, 3, 4)], True),
    "flipud": (lambda m, x: m.flipud(x), [_r(3, 2)], True),
    "atleast_1d": (lambda m, x: m.atleast_1d(x), [np.array(1.5)], True),
    "atleast_2d": (lambda m, x, y: (m.atleast_2d(y), m.atleast_2d(x)), [np.array(1.5), _r(3)], True),
    "atleast_3d": (lambda m, x, y: (m.atleast_3d(x), m.atleast_3d(y)), [_r(3), _r(2, 3)], True),
    "moveaxis": (lambda m, x: m.moveaxis(x, (0, 2), (2, 0)), [_r(2, 3, 4)], True),
    "swapdims": (lambda m, x: m.swapdims(x, 0, -1), [_r(2, 3, 4)], True),
    "reshape_as": (lambda m, x, y: x.reshape_as(y), [_r(2, 6), _r(3, 4)], True),
    "sum_to_size": (lambda m, x: (x.sum_to_size(1, 4), x.sum_to_size(3, 1)), [_r(3, 4)], True),
    "imag": (lambda m, re, im: m.imag(m.complex(re, im)), [_r(2, 3), _r(2, 3)], False),
    "range": (lambda m: (m.range(1, 4), m.range(0, 1, 0.25, dtype=m.float64)), [], False),
    "scalar_tensor": (lambda m: (m.scalar_tensor(2.5), m.scalar_tensor(3, dtype=m.int64)), [], False),
}
# Random ops: dtype and shape only.
RANDOM_EXTRA = {
    "bernoulli": lambda m: m.bernoulli(m.full((2, 3), 0.5)),
    "randint_like": lambda m: m.randint_like(m.zeros(2, 3), 0, 5),
}


@pytest.mark.parametrize("name", list(RANDOM_EXTRA))
def test_random_extra_cases_match_torch_in_dtype_and_shape(name):
    got, want = RANDOM_EXTRA[name](gt), RANDOM_EXTRA[name](torch)
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype)


def test_complex_unsupported_refuses_as_a_type_error():
    with pytest.raises(TypeError, match="complex tensors are not supported by glasstorch"):
        gt.ops.complex_unsupported(1.0)


@pytest.mark.parametrize("name", list(EXTRA))
def test_extra_cases_match_torch(name):
    fn, arrays, grad = EXTRA[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.range's deprecation note
        out_gt, out_t = check(lambda *xs: fn(gt, *xs), lambda *xs: fn(torch, *xs), *arrays, grad=grad, msg=name)
    if grad and OPS[name].node is not None:
        first_gt = out_gt[0] if isinstance(out_gt, (tuple, list)) else out_gt
        first_t = out_t[0] if isinstance(out_t, (tuple, list)) else out_t
        assert first_t.grad_fn.name() == OPS[name].node, f"torch records {first_t.grad_fn.name()} for {name}"
        assert first_gt.grad_fn.name() == NODE_DIFFERS.get(name, OPS[name].node), name
        gradchecks(lambda *xs: fn(gt, *xs), *arrays, second=OPS[name].twice_differentiable)
