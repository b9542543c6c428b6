"""The fuzzer's table: how to draw arguments for every public op.

Which ops exist, and how many tensor operands the simple ones take, comes from the
op registry (``glasstorch.ops._registry``): see ``FROM_REGISTRY``. Keys are op
names. ``"name"`` serves ``glasstorch.name``, ``Tensor.name`` and ``Tensor.name_``
(the in-place form); ``".name"`` overrides it for the method and ``"F.name"`` is
``nn.functional.name``. A value is either a spec string or a function
``g -> (args, kwargs)``. The draws deliberately leave the registry's test domains
and dtypes: the fuzzer is there to find what happens outside them.

A spec string is ``"positional kinds | optional kinds ; kw:kind kw:kind"``.
Positional kinds after ``|`` are left off from the end at random; each keyword
is passed half of the time. Kinds:

    T any tensor           F float tensor (sometimes not)   B tensor broadcasting with the first
    BF float B             BS B or a Python scalar          M bool mask broadcasting with the first
    S scalar               Si int scalar  Sf float scalar   Sp probability-like float
    S? scalar or None      BS? tensor, scalar or None
    d dim of the first     d? dim or None   ds int, tuple or list of dims   ds? ds or None
    n small int            k count in [0, 4]                b bool
    sh shape for view      size a fresh shape               *size a fresh shape as varargs
    dt dtype               dt? dtype or None                L list of tensors
    red reduction          c(a,b,...) one of the literals
"""

from __future__ import annotations

import ast

import numpy as np

from glasstorch.ops._registry import OPS

from .gen import FLOATS, INTS, Arr, Dtype, G, Raw, arr

# Ops whose outputs are random: only dtypes, shapes and exceptions are compared.
NONDET = {
    "bernoulli", "multinomial", "normal", "poisson", "rand", "rand_like", "randint", "randint_like",
    "randn", "randn_like", "randperm", "empty", "empty_like", "new_empty", "uniform_", "normal_",
    "bernoulli_", "exponential_", "random_", "F.dropout", "F.dropout1d", "F.dropout2d", "F.dropout3d",
    "F.alpha_dropout", "F.feature_alpha_dropout", "F.rrelu", "F.rrelu_", "F.gumbel_softmax",
}
# Ops whose integer outputs (indices) may legitimately differ when values tie:
# only the float outputs, dtypes and shapes are compared.
TIES = {"sort", "argsort", "topk", "kthvalue", "median", "cummax", "cummin", "max", "min",
        "F.max_pool1d_with_indices", "F.max_pool2d_with_indices", "F.max_pool3d_with_indices",
        "F.adaptive_max_pool1d_with_indices", "F.adaptive_max_pool2d_with_indices"}

# Public names not fuzzed, each with the reason (reviewed; the coverage test keeps it exact).
SKIP = {
    "compile": "returns the model unchanged; no tensor semantics",
    "get_num_threads": "machine-dependent", "set_num_threads": "process-wide setting",
    "get_rng_state": "generator state layouts differ by design",
    "set_rng_state": "generator state layouts differ by design",
    "initial_seed": "process-wide random state", "seed": "process-wide random state",
    "manual_seed": "process-wide random state",
    "set_default_dtype": "process-wide setting", "set_printoptions": "process-wide setting",
    "use_deterministic_algorithms": "process-wide setting",
    "get_float32_matmul_precision": "process-wide setting", "set_float32_matmul_precision": "process-wide setting",
    "is_autocast_enabled": "autocast state; no autocast on the CPU float path",
    ".is_conj": "conjugate views are never lazy here; resolve_conj and conj are fuzzed",
    ".register_post_accumulate_grad_hook": "autograd (tests/autograd)",
    "load": "file I/O (tests/test_serialization.py)", "save": "file I/O (tests/test_serialization.py)",
    ".backward": "autograd (tests/autograd)", ".register_hook": "autograd (tests/autograd)",
    ".retain_grad": "autograd (tests/autograd)", ".apply_": "takes a Python callable",
    ".cuda": "no CUDA device", ".data_ptr": "addresses differ", ".pin_memory": "no CUDA device",
    ".share_memory_": "process-wide shared memory", ".type": "type strings name the library",
    ".numpy": "covered through every comparison", ".tolist": "compared as a list below",
    "F.multi_head_attention_forward": "twenty coupled arguments; covered by tests/nn/test_attention.py",
    "F.embedding_bag": "offsets/per_sample_weights coupling; covered by tests/nn/test_embedding.py",
    "F.triplet_margin_with_distance_loss": "takes a Python callable; its default is fuzzed as triplet_margin_loss",
}

R = ["'mean'", "'sum'", "'none'"]


def _literal(text: str):
    return None if text == "None" else ast.literal_eval(text)


def draw_kind(g: G, kind: str, out: list):
    """Append the value(s) for one kind to ``out``."""
    if kind.startswith("c(") and kind.endswith(")"):
        out.append(_literal(g.pick(kind[2:-1].split(","))))
        return
    if kind == "*size":
        shape = g.shape(max_ndim=3)
        out.extend(shape if shape or g.chance(0.5) else [()])
        return
    out.append(_KINDS[kind](g))


def _scalar_or_none(g):
    return None if g.chance(0.4) else g.scalar()


def _bs(g):
    return g.scalar() if g.chance(0.3) else g.tensor(g.bshape())


def _ds_or_none(g):
    return None if g.chance(0.3) else g.dims()


def _tensor_list(g):
    first = g.tensor()
    n = g.pick([0, 1, 2, 2, 3])
    if n == 0:
        return []
    out = [first]
    for _ in range(n - 1):
        shape = list(first.shape)
        if shape and g.chance(0.7):
            shape[g.int(0, len(shape) - 1)] = g.pick([0, 1, 2, 3])
        elif g.chance(0.5):
            shape = list(g.shape())
        out.append(g.tensor(shape, first.dtype.name if g.chance(0.7) else None))
    return out


_KINDS = {
    "T": lambda g: g.tensor(),
    "F": lambda g: g.ftensor(),
    "B": lambda g: g.tensor(g.bshape()),
    "BF": lambda g: g.ftensor(g.bshape()),
    "BS": _bs,
    "BS?": lambda g: None if g.chance(0.3) else _bs(g),
    "M": lambda g: g.tensor(g.bshape(), "bool" if g.chance(0.9) else None),
    "S": lambda g: g.scalar(),
    "Si": lambda g: g.scalar("int"),
    "Sf": lambda g: g.scalar("float"),
    "Sp": lambda g: g.pick([0.0, 0.2, 0.5, 1.0, 1.5, -0.1]),
    "S?": _scalar_or_none,
    "d": lambda g: g.dim(),
    "d?": lambda g: None if g.chance(0.3) else g.dim(),
    "ds": lambda g: g.dims(),
    "ds?": _ds_or_none,
    "n": lambda g: g.int(-2, 6),
    "k": lambda g: g.pick([0, 1, 2, 3, 4, -1]),
    "b": lambda g: g.bool(),
    "sh": lambda g: g.reshape_target(g.first.shape if g.first is not None else ()),
    "size": lambda g: g.shape(max_ndim=3),
    "dt": lambda g: g.dtype(),
    "dt?": lambda g: None if g.chance(0.4) else g.dtype(),
    "L": _tensor_list,
    "red": lambda g: _literal(g.pick(R + ["'batchmean'", "'bad'"])) if g.chance(0.9) else "mean",
    "p": lambda g: g.pick(["fro", 1, 2, float("inf"), 0, -1, 0.5, "nuc"]),
}


def from_string(spec: str):
    """A draw function for a spec string."""
    head, _, kw = spec.partition(";")
    req, _, opt = head.partition("|")
    req, opt = req.split(), opt.split()
    kws = [item.split(":", 1) for item in kw.split()]

    def draw(g: G):
        args: list = []
        for kind in req:
            draw_kind(g, kind, args)
        keep = g.int(0, len(opt)) if opt else 0
        for kind in opt[:keep]:
            draw_kind(g, kind, args)
        kwargs = {}
        for name, kind in kws:
            if g.chance(0.5):
                tmp: list = []
                draw_kind(g, kind, tmp)
                kwargs[name] = tmp[0]
        return args, kwargs

    return draw


# ---------------------------------------------------------------- custom draws
def _where(g):
    x = g.tensor()
    cond = g.tensor(g.bshape(), "bool" if g.chance(0.9) else None)
    other = _bs(g)
    if g.chance(0.2):
        x = g.scalar()
    return [cond, x, other], {}


def _where_method(g):
    x = g.tensor()
    return [x, g.tensor(g.bshape(), "bool" if g.chance(0.9) else None), _bs(g)], {}


def _max_min(g):
    x = g.tensor()
    how = g.pick(["none", "dim", "dim", "other"])
    if how == "none":
        return [x], {}
    if how == "other":
        return [x, g.tensor(g.bshape())], {}
    args = [x, g.dim()]
    if g.bool():
        args.append(g.bool())
    return args, {}


def _index_dim(g, x):
    d = g.dim()
    size = x.shape[d] if -x.ndim <= d < x.ndim else 2
    return d, size


def _gather(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    shape = tuple(min(s, g.pick([0, 1, 2, s])) for s in x.shape) if g.chance(0.8) else g.shape()
    return [x, d, g.index(size, shape, "int64" if g.chance(0.9) else "int32")], {}


def _scatter(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    shape = tuple(min(s, g.pick([0, 1, 2, s])) for s in x.shape) if g.chance(0.8) else g.shape()
    idx = g.index(size, shape)
    src = g.tensor(shape if g.chance(0.8) else g.shape(), x.dtype.name if g.chance(0.8) else None)
    if g.chance(0.2):
        src = g.scalar()
    return [x, d, idx, src], {}


def _scatter_reduce_kw(g):
    args, _ = _scatter(g)
    return args, ({"reduce": g.pick(["add", "multiply"])} if g.chance(0.2) and not isinstance(args[3], Arr)
                  else {})


def _index_select(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    return [x, d, g.index(size, (g.int(0, 3),) if g.chance(0.85) else g.shape())], {}


def _index_add(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    n = g.int(0, 3)
    idx = g.index(size, (n,) if g.chance(0.9) else g.shape())
    shape = list(x.shape)
    if shape and -len(shape) <= d < len(shape):
        shape[d] = n
    src = g.tensor(shape if g.chance(0.8) else g.shape(), x.dtype.name if g.chance(0.8) else None)
    kw = {"alpha": g.scalar()} if g.chance(0.3) else {}
    return [x, d, idx, src], kw


def _index_put(g):
    x = g.tensor()
    size = x.shape[0] if x.ndim else 1
    idx = (g.index(size, (g.int(0, 3),)),) if g.chance(0.8) else (g.tensor(x.shape, "bool"),)
    vals = g.tensor(g.pick([(), (1,), idx[0].shape]), x.dtype.name if g.chance(0.8) else None)
    return [x, idx, vals], ({"accumulate": g.bool()} if g.chance(0.5) else {})


def _take(g):
    x = g.tensor()
    return [x, g.index(max(x.size, 1) if x.size else 0)], {}


def _take_along_dim(g):
    x = g.tensor()
    if g.chance(0.2):
        return [x, g.index(x.size, (x.size,))], {}
    d, size = _index_dim(g, x)
    shape = tuple(g.pick([1, s]) for s in x.shape)
    return [x, g.index(size, shape), d], {}


def _masked(g, extra):
    x = g.tensor()
    m = g.tensor(g.bshape(), "bool" if g.chance(0.9) else None)
    if extra == "fill":
        v = g.scalar() if g.chance(0.7) else g.tensor(g.pick([(), (1,), (2,)]))
        return [x, m, v], {}
    if extra == "scatter":
        return [x, m, g.tensor(g.pick([x.shape, (x.size,), (1,)]), x.dtype.name if g.chance(0.8) else None)], {}
    return [x, m], {}


def _matmul_shapes(g, kind):
    n, m, k = g.pick([0, 1, 2, 3]), g.pick([0, 1, 2, 3]), g.pick([0, 1, 2, 3])
    bad = g.chance(0.15)
    k2 = k + 1 if bad else k
    dt = g.pick(FLOATS + ["int64"]) if g.chance(0.9) else None
    dt2 = dt if g.chance(0.9) else None
    t = g.tensor
    if kind == "mm":
        return [t((n, k), dt), t((k2, m), dt2)], {}
    if kind == "mv":
        return [t((n, k), dt), t((k2,), dt2)], {}
    if kind == "dot":
        return [t((k,), dt), t((k2,), dt2)], {}
    if kind == "bmm":
        b = g.pick([0, 1, 2])
        return [t((b, n, k), dt), t((b if not g.chance(0.1) else b + 1, k2, m), dt2)], {}
    if kind == "outer":
        return [t((n,), dt), t((m,) if g.chance(0.9) else (m, 1), dt2)], {}
    if kind == "addmm":
        kw = {"beta": g.pick([1, 0, 0.5]), "alpha": g.pick([1, 2, -1.0])} if g.chance(0.5) else {}
        return [t(g.pick([(n, m), (m,), (1, m), ()]), dt), t((n, k), dt), t((k2, m), dt2)], kw
    if kind == "baddbmm":
        b = g.pick([0, 1, 2])
        kw = {"beta": g.pick([1, 0, 0.5]), "alpha": g.pick([1, 2, -1.0])} if g.chance(0.5) else {}
        return [t(g.pick([(b, n, m), (m,)]), dt), t((b, n, k), dt), t((b, k2, m), dt2)], kw
    # matmul: any ranks
    r1, r2 = g.pick([0, 1, 2, 3]), g.pick([0, 1, 2, 3])
    batch = (g.pick([1, 2]),) if g.chance(0.5) else ()
    s1 = {0: (), 1: (k,), 2: (n, k), 3: batch + (n, k) if batch else (2, n, k)}[r1]
    s2 = {0: (), 1: (k2,), 2: (k2, m), 3: batch + (k2, m) if batch else (2, k2, m)}[r2]
    return [t(s1, dt), t(s2, dt2)], {}


def _tensordot(g):
    a = g.tensor(g.shape(max_ndim=3), g.pick(FLOATS))
    b = g.tensor(a.shape[::-1] if g.chance(0.7) else g.shape(max_ndim=3), a.dtype.name)
    return [a, b], {"dims": g.pick([0, 1, 2, 3])} if g.chance(0.8) else {}


def _einsum(g):
    eq, shapes = g.pick([
        ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk->ik", [(2, 3), (2, 4)]), ("i,i->", [(3,), (3,)]),
        ("bij,bjk->bik", [(2, 1, 3), (2, 3, 0)]), ("ii->i", [(3, 3)]), ("ij->ji", [(0, 2)]),
        ("...i,i->...", [(2, 3), (3,)]), ("ij,ij->", [(2, 2), (2, 3)]), ("i,j->ij", [(2,), (0,)]),
        ("ab", [(2, 2)]), ("i->", [(2, 2)]),
    ])
    dt = g.pick(FLOATS)
    return [eq] + [g.tensor(s, dt) for s in shapes], {}


def _tensor_data(g):
    how = g.pick(["list", "nested", "scalar", "npscalar", "ndarray", "empty", "ragged", "bools", "tensor"])
    if how == "list":
        data = [g.scalar(g.pick(["int", "float"])) for _ in range(g.int(0, 3))]
    elif how == "nested":
        data = [[g.scalar("int"), g.scalar()], [g.scalar("float"), g.scalar("int")]]
    elif how == "scalar":
        data = g.scalar()
    elif how == "npscalar":
        data = Raw(getattr(np, g.pick(["float64", "float32", "int64", "int32", "bool_", "float16", "uint8"]))(2))
    elif how == "ndarray":
        data = Raw(g.values(g.shape(max_ndim=2), g.dtype_name()))
    elif how == "empty":
        data = g.pick([[], [[]], [[], []]])
    elif how == "ragged":
        data = [[1, 2], [3]]
    elif how == "bools":
        data = [True, False]
    else:
        data = g.tensor()
    kw = {"dtype": g.dtype()} if g.chance(0.3) else {}
    return [data], kw


def _from_numpy(g):
    return [Raw(g.values(g.shape(), g.dtype_name()))], {}


def _arange(g):
    args = [g.pick([0, 1, 3, -2, 2.5, 0.5])]
    if g.bool():
        args.append(g.pick([0, 4, 5, -1, 3.5]))
        if g.bool():
            args.append(g.pick([1, 2, -1, 0.5, 0]))
    kw = {"dtype": g.dtype()} if g.chance(0.3) else {}
    return args, kw


def _range(g):
    args, kw = _arange(g)
    # torch.range with an integer dtype and a step that truncates to 0 divides by zero inside torch
    # and kills the process (SIGFPE): a case no campaign can run, so such a step becomes 1
    if len(args) == 3 and "dtype" in kw and kw["dtype"].name in INTS + ["bool"] and abs(args[2]) < 1:
        args[2] = 1
    return args, kw


def _linspace(g):
    args = [g.pick([0, 1, -1.5, 2]), g.pick([1, 3, 0.5, -2]), g.pick([0, 1, 2, 5, -1])]
    kw = {"dtype": Dtype(g.pick(FLOATS + INTS))} if g.chance(0.3) else {}
    return args, kw


def _full(g):
    return [g.shape(max_ndim=3), g.scalar()], ({"dtype": g.dtype()} if g.chance(0.4) else {})


def _eye(g):
    args = [g.int(-1, 4)]
    if g.bool():
        args.append(g.int(0, 4))
    return args, ({"dtype": g.dtype()} if g.chance(0.4) else {})


def _randint(g):
    hi = g.pick([1, 5, 10, 0])
    args = [hi, g.shape(max_ndim=3)] if g.bool() else [g.pick([0, -3]), hi, g.shape(max_ndim=3)]
    return args, ({"dtype": g.dtype()} if g.chance(0.3) else {})


def _randint_like(g):
    x = g.tensor()
    return [x, g.pick([1, 5, 10, 0])], {}


def _randperm(g):
    return [g.int(-1, 5)], ({"dtype": Dtype(g.pick(INTS + FLOATS))} if g.chance(0.3) else {})


def _multinomial(g):
    x = g.tensor(g.shape(g.pick([1, 2, 0, 3])), None if g.chance(0.2) else g.pick(FLOATS))
    x = arr(np.abs(x.view(np.ndarray))) if x.dtype.kind == "f" and g.chance(0.8) else x
    return [x, g.int(0, 4)], ({"replacement": g.bool()} if g.chance(0.6) else {})


def _normal(g):
    how = g.pick(["tt", "ts", "st", "ssz"])
    if how == "tt":
        return [g.ftensor(), g.ftensor(g.bshape())], {}
    if how == "ts":
        return [g.ftensor(), g.pick([1.0, 0.0, -1.0])], {}
    if how == "st":
        return [g.pick([0.0, 1.0]), g.ftensor()], {}
    return [g.pick([0.0, 1.0]), g.pick([1.0, -1.0]), g.shape(max_ndim=3)], {}


def _bernoulli(g):
    x = g.ftensor()
    a = x.view(np.ndarray)
    if a.dtype.kind == "f" and g.chance(0.8):
        x = arr(np.clip(np.nan_to_num(np.abs(a)), 0, 1).astype(a.dtype))
    return [x], ({"p": g.pick([0.5, 0.0, 1.0, 1.5])} if g.chance(0.3) else {})


def _poisson(g):
    x = g.ftensor()
    a = x.view(np.ndarray)
    if a.dtype.kind == "f" and g.chance(0.8):
        x = arr(np.nan_to_num(np.abs(a)).astype(a.dtype))
    return [x], {}


def _broadcast_to(g):
    x = g.tensor()
    target = tuple(g.pick([1, 2, 3]) for _ in range(g.int(0, 2))) + tuple(
        g.pick([s, s, 1, 2, -1]) for s in x.shape)
    if g.chance(0.2):
        target = g.shape()
    return [x, target], {}


def _expand(g):
    args, _ = _broadcast_to(g)
    return [args[0], *args[1]] if g.bool() else args, {}


def _permute(g):
    x = g.tensor()
    dims = list(np.random.default_rng(g.int(0, 99)).permutation(x.ndim))
    if g.chance(0.2) and dims:
        dims[0] = dims[-1] if len(dims) > 1 and g.bool() else x.ndim
    if g.chance(0.1):
        dims = dims + [0]
    dims = [int(d) - x.ndim if g.chance(0.3) else int(d) for d in dims]
    return [x, tuple(dims)], {}


def _permute_method(g):
    args, kw = _permute(g)
    return ([args[0], *args[1]] if g.bool() else args), kw


def _repeat(g):
    x = g.tensor(g.shape(max_ndim=3))
    reps = tuple(g.pick([1, 2, 0, 3]) for _ in range(g.int(max(x.ndim - 1, 0), x.ndim + 1)))
    return ([x, *reps] if g.bool() else [x, reps]), {}


def _tile(g):
    x = g.tensor(g.shape(max_ndim=3))
    return [x, tuple(g.pick([1, 2, 0, 3]) for _ in range(g.int(0, 3)))], {}


def _moveaxis(g):
    x = g.tensor()
    if g.bool():
        return [x, g.dim(), g.dim()], {}
    k = g.int(0, max(x.ndim, 1))
    return [x, tuple(g.dim() for _ in range(k)), tuple(g.dim() for _ in range(k + (g.chance(0.1))))], {}


def _split(g):
    x = g.tensor()
    if g.chance(0.4):
        d, size = _index_dim(g, x)
        parts = [g.int(0, size) for _ in range(g.int(0, 2))]
        parts.append(max(size - sum(parts), 0) if g.chance(0.85) else 1)
        return [x, parts, d], {}
    args = [x, g.pick([1, 2, 3, 0, -1])]
    if g.bool():
        args.append(g.dim())
    return args, {}


def _tensor_split(g):
    x = g.tensor()
    spec = g.pick([1, 2, 3, 0, -1]) if g.bool() else [g.int(0, 3) for _ in range(g.int(0, 2))]
    args = [x, spec]
    if g.bool():
        args.append(g.dim())
    return args, {}


def _repeat_interleave(g):
    x = g.tensor()
    if g.chance(0.6):
        reps = g.pick([0, 1, 2, -1])
    else:
        n = x.shape[0] if x.ndim else 1
        reps = arr(np.array([g.pick([0, 1, 2, -1]) for _ in range(n if g.chance(0.8) else n + 1)]))
    args = [x, reps]
    kw = {"dim": g.dim()} if g.chance(0.5) else {}
    if isinstance(reps, Arr) and "dim" not in kw and not g.chance(0.5):
        kw["dim"] = 0
    return args, kw


def _narrow(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    start = g.pick([0, 1, -1, size, size + 1])
    return [x, d, start, g.pick([0, 1, 2, size])], {}


def _select(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    return [x, d, g.pick([0, 1, -1, size, -size - 1])], {}


def _unflatten(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    sizes = g.pick([(size,), (1, size), (-1, 1), (size, -1), (2, -1), (1, 2), (), (-1, -1)])
    return [x, d, sizes], {}


def _diag(g):
    x = g.tensor(g.shape(g.pick([1, 2, 2, 0, 3])))
    return ([x, g.int(-2, 2)] if g.bool() else [x]), {}


def _diag_embed(g):
    x = g.tensor(g.shape(max_ndim=3))
    args = [x]
    for _ in range(g.int(0, 3)):
        args.append(g.int(-2, 2) if len(args) == 1 else g.int(-x.ndim - 2, x.ndim + 1))
    return args, {}


def _diagonal(g):
    x = g.tensor()
    args = [x]
    if g.bool():
        args += [g.int(-2, 2), g.dim(), g.dim()][: g.int(1, 3)]
    return args, {}


def _cat(g):
    args = [_tensor_list(g)]
    if g.bool():
        args.append(g.dim())
    if g.chance(0.1):
        args[0] = tuple(args[0])
    return args, {}


def _flip(g):
    x = g.tensor()
    d = g.dims()
    return [x, d], {}


def _flip_method(g):
    x = g.tensor()
    d = g.dims()
    return ([x, *d] if isinstance(d, tuple) else [x, d]), {}


def _broadcast_shapes(g):
    return [g.shape() for _ in range(g.int(0, 3))], {}


def _broadcast_tensors(g):
    x = g.tensor()
    return [x] + [g.tensor(g.bshape()) for _ in range(g.int(0, 2))], {}


def _new_tensor(g):
    args, kw = _tensor_data(g)
    return [g.tensor(), *args], kw


def _unfold_method(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    return [x, d, g.pick([0, 1, 2, size, size + 1]), g.pick([1, 2, 0, -1])], {}


def _to(g):
    x = g.tensor()
    return [x, g.dtype()], {}


def _result_type(g):
    a = g.tensor() if g.bool() else g.scalar()
    b = g.tensor() if g.bool() else g.scalar()
    return [a, b], {}


def _fill(g):
    x = g.tensor()
    return [x, g.scalar() if g.chance(0.8) else g.tensor(g.pick([(), (1,), (2,)]))], {}


def _lerp(g):
    x = g.ftensor()
    end = g.ftensor(g.bshape())
    w = g.pick([0.5, 0.0, 1.0]) if g.chance(0.5) else g.ftensor(g.bshape())
    return [x, end, w], {}


def _addc(g):
    x = g.tensor()
    return [x, g.tensor(g.bshape()), g.tensor(g.bshape())], ({"value": g.scalar()} if g.chance(0.5) else {})


def _kthvalue(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    args = [x, g.pick([1, size, 0, size + 1, 2])]
    if g.bool():
        args.append(d)
        if g.bool():
            args.append(g.bool())
    return args, {}


def _topk(g):
    x = g.tensor()
    d, size = _index_dim(g, x)
    args = [x, g.pick([0, 1, size, size + 1, -1])]
    if g.bool():
        args.append(d)
        if g.bool():
            args += [g.bool(), True][: g.int(1, 2)]
    return args, {}


def _dim_of(g):
    """A dim in or out of range for ``Tensor.size(d)`` and friends."""
    return [g.tensor(), g.dim()] if g.bool() else [g.tensor()], {}


# ---------------------------------------------------------------- nn.functional draws
def _batch(g, spatial: int, channels=None, dtype=None):
    """An (N, C, *spatial) input; now and then one dim short or long."""
    nd = spatial + 2 + (g.pick([-1, 1]) if g.chance(0.1) else 0)
    shape = [g.pick([1, 2, 0]), channels or g.pick([1, 2, 3])] + [g.pick([1, 2, 3, 4, 5, 0]) for _ in range(spatial)]
    if nd < len(shape):
        shape = shape[1:]
    elif nd > len(shape):
        shape = [1] + shape
    return g.tensor(tuple(shape), dtype or (g.pick(FLOATS) if g.chance(0.85) else None))


def _conv(spatial, transposed=False):
    def draw(g):
        groups = g.pick([1, 1, 1, 2])
        cin = g.pick([1, 2, 4]) if groups == 1 else g.pick([2, 4])
        x = _batch(g, spatial, cin)
        cout = g.pick([1, 2, 4])
        ks = tuple(g.pick([1, 2, 3]) for _ in range(spatial))
        if transposed:
            wshape = (cin if g.chance(0.9) else cin + 1, cout // groups if cout % groups == 0 else cout, *ks)
        else:
            wshape = (cout, (cin // groups) if g.chance(0.9) else cin + 1, *ks)
        w = g.tensor(wshape, x.dtype.name if g.chance(0.9) else None)
        args = [x, w]
        kw = {}
        if g.bool():
            kw["bias"] = g.tensor((wshape[1] * groups if transposed else cout,) if g.chance(0.9) else (7,),
                                  x.dtype.name)
        if g.bool():
            kw["stride"] = g.pick([1, 2, 0, (1,) * spatial, (2,) * spatial])
        if g.bool():
            kw["padding"] = g.pick([0, 1, -1] + (["same", "valid"] if not transposed else [(1,) * spatial]))
        if g.chance(0.3):
            kw["dilation"] = g.pick([1, 2, 0])
        if groups != 1 or g.chance(0.1):
            kw["groups"] = groups if g.chance(0.9) else g.pick([0, 3])
        if transposed and g.chance(0.2):
            kw["output_padding"] = g.pick([0, 1, 2])
        return args, kw

    return draw


def _pool(spatial, kind):
    def draw(g):
        x = _batch(g, spatial, dtype=None if kind in ("max", "avg") and g.chance(0.3) else None)
        kw = {}
        if kind in ("adaptive_avg", "adaptive_max"):
            out = g.pick([1, 2, 3, 0, None, -1]) if g.chance(0.7) else tuple(
                g.pick([1, 2, None]) for _ in range(spatial))
            if kind == "adaptive_max" and g.chance(0.3):
                kw["return_indices"] = True
            return [x, out], kw
        k = g.pick([1, 2, 3, 0, 7]) if g.chance(0.8) else tuple(g.pick([1, 2]) for _ in range(spatial))
        args = [x, k]
        if kind == "lp":
            args = [x, g.pick([1, 2, 3.0, 0, -1]), k]
        if g.bool():
            kw["stride"] = g.pick([None, 1, 2, 0])
        if kind != "lp" and g.bool():
            kw["padding"] = g.pick([0, 1, 2])
        if kind in ("max",) and g.chance(0.3):
            kw["dilation"] = g.pick([1, 2, 0])
        if kind in ("max", "avg", "lp") and g.chance(0.3):
            kw["ceil_mode"] = g.bool()
        if kind == "avg" and g.chance(0.3):
            kw["count_include_pad"] = g.bool()
        if kind == "avg" and spatial > 1 and g.chance(0.2):
            kw["divisor_override"] = g.pick([None, 1, 3, 0])
        if kind == "max" and g.chance(0.3):
            kw["return_indices"] = True
        return args, kw

    return draw


def _max_pool_with_indices(spatial):
    inner = _pool(spatial, "max")

    def draw(g):
        args, kw = inner(g)
        kw.pop("return_indices", None)
        return args, kw

    return draw


def _adaptive_with_indices(spatial):
    inner = _pool(spatial, "adaptive_max")

    def draw(g):
        args, kw = inner(g)
        kw.pop("return_indices", None)
        return args, kw

    return draw


def _unpool(spatial):
    def draw(g):
        x = _batch(g, spatial)
        idx = g.index(int(np.prod(x.shape[-spatial:])) * 4 if x.ndim >= spatial else 1, x.shape)
        return [x, idx, 2], ({"stride": g.pick([1, 2])} if g.chance(0.3) else {})

    return draw


def _linear(g):
    cin, cout = g.pick([0, 1, 3]), g.pick([1, 2])
    shape = g.shape(max_ndim=2) + (cin,) if g.chance(0.9) else g.shape()
    x = g.ftensor(shape)
    w = g.tensor((cout, cin) if g.chance(0.85) else g.shape(g.pick([1, 2, 3])), x.dtype.name if g.chance(0.9) else None)
    args = [x, w]
    if g.bool():
        args.append(g.tensor((cout,) if g.chance(0.8) else g.shape(), x.dtype.name) if g.chance(0.9) else None)
    if g.chance(0.03):  # a NumPy array where a tensor belongs
        args[0] = Raw(x.view(np.ndarray).copy())
    return args, {}


def _bilinear(g):
    n, a, b, o = g.pick([0, 2]), g.pick([1, 2]), g.pick([1, 3]), g.pick([1, 2])
    dt = g.pick(FLOATS)
    x1 = g.tensor((n, a), dt)
    x2 = g.tensor((n if g.chance(0.9) else n + 1, b), dt)
    w = g.tensor((o, a, b) if g.chance(0.9) else (o, b, a), dt)
    args = [x1, x2, w]
    if g.bool():
        args.append(g.tensor((o,), dt))
    return args, {}


def _norm_layer(kind):
    def draw(g):
        x = _batch(g, g.pick([0, 1, 2]))
        c = x.shape[1] if x.ndim > 1 else 1
        dt = x.dtype.name
        kw = {}
        if kind == "batch":
            rm = g.tensor((c,) if g.chance(0.9) else (c + 1,), dt) if g.chance(0.8) else None
            rv = g.tensor((c,), dt) if rm is not None else None
            if rv is not None:
                rv = arr(np.abs(rv.view(np.ndarray)))
            args = [x, rm, rv]
            if g.bool():
                kw["weight"] = g.tensor((c,), dt)
            if g.bool():
                kw["bias"] = g.tensor((c,), dt)
            kw["training"] = g.bool() if rm is not None else True
            if g.chance(0.3):
                kw["momentum"] = g.pick([0.1, 0.0, 1.0])
            if g.chance(0.3):
                kw["eps"] = g.pick([1e-5, 0.0, 1.0])
            return args, kw
        if kind == "instance":
            if g.bool():
                kw["weight"] = g.tensor((c,), dt)
            if g.chance(0.3):
                kw["use_input_stats"] = True
            return [x], kw
        if kind == "group":
            ng = g.pick([1, 2, 3, 0])
            if g.bool():
                kw["weight"] = g.tensor((c,), dt)
            if g.bool():
                kw["bias"] = g.tensor((c,), dt)
            return [x, ng], kw
        if kind in ("layer", "rms"):
            k = g.int(0, min(x.ndim, 2))
            shape = list(x.shape[x.ndim - k:]) if g.chance(0.9) else list(g.shape(max_ndim=2))
            args = [x, shape]
            if g.bool():
                args.append(g.tensor(tuple(shape), dt) if g.chance(0.9) else None)
                if kind == "layer" and g.bool():
                    args.append(g.tensor(tuple(shape), dt))
            if g.chance(0.3):
                kw["eps"] = g.pick([1e-5, 0.0, None] if kind == "rms" else [1e-5, 0.0])
            return args, kw
        if kind == "lrn":
            return [x, g.pick([1, 2, 3, 0])], ({"alpha": 1e-2, "beta": 0.5, "k": 2.0} if g.bool() else {})
        # normalize
        kw = {}
        if g.bool():
            kw["p"] = g.pick([2.0, 1.0, 0.0, float("inf")])
        if g.bool():
            kw["dim"] = g.dim()
        return [g.ftensor() if g.bool() else x], kw

    return draw


def _class_target(g, x, dtype="int64"):
    """Class indices for an (N, C, ...) or (C,) input, with now and then an ignored or bad label."""
    if x.ndim == 1:
        shape, c = (), x.shape[0]
    elif x.ndim >= 2:
        shape, c = (x.shape[0], *x.shape[2:]), x.shape[1]
    else:
        shape, c = (), 1
    if g.chance(0.1):
        shape = g.shape(max_ndim=2)
    t = g.rng.integers(0, max(c, 1), size=shape)
    if g.chance(0.3) and t.size:
        t.flat[0] = g.pick([-100, -1, c, 1])
    return g.tensor(t.shape, None, None) if dtype is None else arr(t.astype(dtype))


def _nll(g, ce=False):
    x = _batch(g, g.pick([0, 0, 1])) if g.chance(0.8) else g.ftensor(g.shape(g.pick([1, 2])))
    if g.chance(0.7):
        x = arr(x.view(np.ndarray).copy())
    dtype = "int64" if g.chance(0.8) else g.pick(["int32", "uint8", "float32", "bool"])
    target = _class_target(g, x, dtype)
    if ce and dtype == "float32" and g.chance(0.5):
        target = g.tensor(x.shape, x.dtype.name)  # class probabilities
    kw = {}
    c = x.shape[1] if x.ndim > 1 else (x.shape[0] if x.ndim else 1)
    if g.chance(0.3):
        kw["weight"] = g.tensor((c,) if g.chance(0.9) else (c + 1,), x.dtype.name)
        kw["weight"] = arr(np.abs(kw["weight"].view(np.ndarray)))
    if g.chance(0.4):
        kw["ignore_index"] = g.pick([-100, 0, 1, -1])
    if g.chance(0.5):
        kw["reduction"] = _KINDS["red"](g)
    if ce and g.chance(0.3):
        kw["label_smoothing"] = g.pick([0.0, 0.1, 1.0, 1.5, -0.1])
    return [x, target], kw


def _bce(g):
    x = g.ftensor()
    a = x.view(np.ndarray)
    if a.dtype.kind == "f" and g.chance(0.8):
        x = arr(np.clip(np.abs(np.nan_to_num(a)) / 10, 0, 1).astype(a.dtype))
    t = g.tensor(g.bshape() if g.chance(0.3) else x.shape, x.dtype.name if g.chance(0.9) else None)
    ta = t.view(np.ndarray)
    if ta.dtype.kind == "f":
        t = arr(np.clip(np.abs(np.nan_to_num(ta)), 0, 1).astype(ta.dtype))
    kw = {}
    if g.chance(0.3):
        kw["weight"] = g.tensor(g.bshape(), x.dtype.name)
    if g.chance(0.5):
        kw["reduction"] = _KINDS["red"](g)
    return [x, t], kw


def _margin_target(g, shape):
    return arr(g.rng.choice([-1, 1], size=shape).astype(g.pick(["float32", "int64", "float64"])))


def _cosine_embedding(g):
    n, d = g.pick([0, 1, 3]), g.pick([1, 2])
    dt = g.pick(FLOATS)
    x1 = g.tensor((n, d) if g.chance(0.8) else g.shape(), dt)
    x2 = g.tensor(x1.shape if g.chance(0.9) else g.shape(), dt)
    y = _margin_target(g, (n,) if g.chance(0.9) else (n + 1,))
    kw = {"reduction": _KINDS["red"](g)} if g.bool() else {}
    if g.chance(0.3):
        kw["margin"] = g.pick([0.0, 0.5, -0.5])
    return [x1, x2, y], kw


def _margin_ranking(g):
    x1 = g.ftensor()
    return [x1, g.ftensor(g.bshape()), _margin_target(g, g.bshape())], (
        {"margin": 0.5, "reduction": _KINDS["red"](g)} if g.bool() else {})


def _hinge(g):
    x = g.ftensor()
    return [x, _margin_target(g, g.bshape())], ({"margin": g.pick([1.0, 0.0, -1.0])} if g.bool() else {})


def _multi_margin(g):
    x = g.ftensor(g.shape(g.pick([1, 2, 2, 0, 3])))
    args, kw = [x, _class_target(g, x)], {}
    if g.chance(0.3):
        kw["p"] = g.pick([1, 2, 3])
    if g.chance(0.3):
        kw["margin"] = g.pick([1.0, 0.0])
    if g.chance(0.3):
        c = x.shape[1] if x.ndim > 1 else (x.shape[0] if x.ndim else 1)
        kw["weight"] = g.tensor((c,), x.dtype.name)
    if g.chance(0.5):
        kw["reduction"] = _KINDS["red"](g)
    return args, kw


def _multilabel_margin(g):
    x = g.ftensor(g.shape(g.pick([1, 2, 2, 0, 3])))
    c = x.shape[-1] if x.ndim else 1
    t = g.rng.integers(-1, c, size=x.shape if g.chance(0.9) else g.shape())
    return [x, arr(t.astype("int64" if g.chance(0.9) else "int32"))], (
        {"reduction": _KINDS["red"](g)} if g.bool() else {})


def _multilabel_soft(g):
    x = g.ftensor(g.shape(g.pick([1, 2, 2, 0, 3])))
    t = g.tensor(x.shape if g.chance(0.9) else g.bshape(), g.pick(["float32", "int64", x.dtype.name]))
    kw = {"reduction": _KINDS["red"](g)} if g.bool() else {}
    if g.chance(0.3):
        kw["weight"] = g.tensor((x.shape[-1] if x.ndim else 1,), x.dtype.name)
    return [x, t], kw


def _triplet(g):
    n, d = g.pick([0, 1, 3]), g.pick([1, 2])
    dt = g.pick(FLOATS)
    a = g.tensor((n, d) if g.chance(0.8) else g.shape(), dt)
    p = g.tensor(a.shape if g.chance(0.9) else g.shape(), dt)
    ng = g.tensor(a.shape, dt)
    kw = {}
    if g.chance(0.3):
        kw["margin"] = g.pick([1.0, 0.0, -1.0])
    if g.chance(0.3):
        kw["p"] = g.pick([1, 2, 0])
    if g.chance(0.3):
        kw["swap"] = True
    if g.chance(0.3):
        kw["reduction"] = _KINDS["red"](g)
    return [a, p, ng], kw


def _gaussian_nll(g):
    x = g.ftensor()
    t = g.ftensor(g.bshape())
    v = g.ftensor(g.pick([x.shape, x.shape[:-1] + (1,) if x.ndim else (), g.bshape()]))
    va = v.view(np.ndarray)
    if va.dtype.kind == "f" and g.chance(0.8):
        v = arr(np.abs(va))
    kw = {}
    if g.chance(0.3):
        kw["full"] = g.bool()
    if g.chance(0.3):
        kw["eps"] = g.pick([1e-6, 0.0, -1.0])
    if g.chance(0.3):
        kw["reduction"] = _KINDS["red"](g)
    return [x, t, v], kw


def _poisson_nll(g):
    x = g.ftensor()
    t = g.ftensor(g.bshape())
    kw = {}
    for name, vals in (("log_input", [True, False]), ("full", [True, False]), ("eps", [1e-8, 0.0])):
        if g.chance(0.3):
            kw[name] = g.pick(vals)
    if g.chance(0.3):
        kw["reduction"] = _KINDS["red"](g)
    return [x, t], kw


def _embedding(g):
    n, d = g.pick([0, 1, 4]), g.pick([0, 1, 3])
    w = g.tensor((n, d) if g.chance(0.9) else g.shape(g.pick([1, 3])), g.pick(FLOATS))
    idx = g.index(n, g.shape(max_ndim=2), "int64" if g.chance(0.85) else g.pick(["int32", "float32", "uint8"]))
    kw = {}
    if g.chance(0.3):
        kw["padding_idx"] = g.pick([0, -1, n, None])
    if g.chance(0.2):
        kw["max_norm"] = g.pick([1.0, None])
    return [idx, w], kw


def _one_hot(g):
    t = g.index(4, g.shape(max_ndim=3), "int64" if g.chance(0.85) else g.pick(["int32", "float32", "bool"]))
    args = [arr(np.abs(t.view(np.ndarray))) if g.chance(0.8) else t]
    if g.bool():
        args.append(g.pick([-1, 0, 3, 5]))
    return args, {}


def _pad(g):
    x = g.ftensor() if g.chance(0.4) else _batch(g, g.pick([1, 2, 3]))
    mode = g.pick(["constant", "constant", "reflect", "replicate", "circular", "bogus"])
    n = g.pick([2, 4, 6, 1, 0, 8]) if g.chance(0.9) else 3
    pad = tuple(g.pick([0, 1, 2, -1]) for _ in range(n))
    kw = {"mode": mode}
    if mode == "constant" and g.bool():
        kw["value"] = g.scalar()
    return [x, pad], kw


def _interpolate(g, fixed_mode=None):
    spatial = g.pick([1, 2, 3])
    x = _batch(g, spatial, dtype=g.pick(FLOATS) if g.chance(0.9) else None)
    mode = fixed_mode or g.pick(["nearest", "linear", "bilinear", "bicubic", "trilinear", "area",
                                 "nearest-exact", "bogus"])
    kw = {}
    if g.bool():
        kw["size"] = g.pick([1, 2, 5, 0]) if g.bool() else tuple(g.pick([1, 2, 3]) for _ in range(spatial))
    if "size" not in kw or g.chance(0.1):
        kw["scale_factor"] = g.pick([2, 0.5, 1.5, 3.0, 0, -1]) if g.chance(0.8) else tuple(
            g.pick([2, 1.0]) for _ in range(spatial))
    if fixed_mode is None:
        kw["mode"] = mode
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and g.chance(0.5):
        kw["align_corners"] = g.bool()
    return [x], kw


def _interp_fixed(mode):
    return lambda g: _interpolate(g, mode)


def _upsample(g):
    args, kw = _interpolate(g)
    kw.pop("mode", None)
    return args, kw


def _pixel_shuffle(g):
    x = g.tensor(g.shape(g.pick([3, 4, 4, 2])))
    return [x, g.pick([1, 2, 0, 3])], {}


def _fold(g):
    c, k = g.pick([1, 2]), g.pick([1, 2])
    out = g.pick([2, 3, 4])
    nblocks = (out - k + 1) ** 2
    x = g.ftensor((g.pick([1, 2]), c * k * k if g.chance(0.9) else c * k * k + 1,
                   nblocks if g.chance(0.9) else nblocks + 1))
    kw = {"output_size": out, "kernel_size": k}
    if g.chance(0.3):
        kw["stride"] = g.pick([1, 2])
    if g.chance(0.3):
        kw["padding"] = g.pick([0, 1])
    return [x], kw


def _unfold(g):
    x = _batch(g, 2)
    kw = {"kernel_size": g.pick([1, 2, 3, 0])}
    for name, vals in (("stride", [1, 2, 0]), ("padding", [0, 1]), ("dilation", [1, 2])):
        if g.chance(0.3):
            kw[name] = g.pick(vals)
    return [x], kw


def _prelu(g):
    x = g.ftensor()
    c = x.shape[1] if x.ndim > 1 else 1
    w = g.tensor(g.pick([(1,), (c,), (c + 1,), ()]), x.dtype.name)
    return [x, w], {}


def _pairwise(g):
    x = g.ftensor()
    kw = {}
    if g.chance(0.3):
        kw["p"] = g.pick([2.0, 1.0, 0.0, -1.0])
    if g.chance(0.3):
        kw["eps"] = g.pick([1e-6, 0.0])
    if g.chance(0.3):
        kw["keepdim"] = g.bool()
    return [x, g.ftensor(g.bshape())], kw


def _cosine_similarity(g):
    x = g.ftensor()
    kw = {}
    if g.chance(0.5):
        kw["dim"] = g.dim()
    if g.chance(0.3):
        kw["eps"] = g.pick([1e-8, 0.0])
    return [x, g.ftensor(g.bshape())], kw


def _pdist(g):
    x = g.ftensor(g.shape(g.pick([2, 2, 1, 3])))
    return [x], ({"p": g.pick([2.0, 1.0, 0.0, -1.0, float("inf")])} if g.bool() else {})


def _sdpa(g):
    b, l, s, e = g.pick([1, 2]), g.pick([0, 1, 3]), g.pick([1, 2]), g.pick([1, 4])
    dt = g.pick(FLOATS) if g.chance(0.9) else None
    q = g.tensor((b, l, e), dt)
    k = g.tensor((b, s, e if g.chance(0.9) else e + 1), q.dtype.name)
    v = g.tensor((b, s, g.pick([1, 2])), q.dtype.name)
    kw = {}
    if g.chance(0.3):
        kw["attn_mask"] = g.tensor((l, s), g.pick(["bool", q.dtype.name]))
    if g.chance(0.3):
        kw["is_causal"] = True
    if g.chance(0.3):
        kw["scale"] = g.pick([None, 0.5])
    return [q, k, v], kw


def _glu(g):
    x = g.ftensor()
    return ([x, g.dim()] if g.bool() else [x]), {}


def _dropout(g):
    x = g.ftensor()
    args = [x]
    if g.bool():
        args.append(g.pick([0.0, 0.5, 1.0, 1.5, -0.1]))
        if g.bool():
            args.append(g.bool())
    return args, {}


def _square(g):
    """A batch of square matrices, now and then not square (or not a matrix)."""
    n = g.pick([0, 1, 2, 3, 3, 4])
    shape = (*g.shape(g.pick([0, 0, 1, 2]))[:2], n, n)
    if g.chance(0.1):
        shape = g.shape()
    return g.ftensor(shape)


def _linalg(extra: str = ""):
    rest = from_string(extra) if extra else None

    def draw(g):
        x = _square(g)
        args, kw = rest(g) if rest else ([], {})
        return [x, *args], kw
    return draw


def _pinverse(g):
    x = g.ftensor(g.shape(g.pick([1, 2, 2, 3])))
    # finite entries only: NumPy's SVD (LAPACK gesdd) can loop forever on inf/NaN (open)
    x = arr(np.nan_to_num(x.view(np.ndarray), nan=0.0, posinf=1e4, neginf=-1e4)) if x.dtype.kind == "f" else x
    return [x], ({"rcond": g.pick([1e-15, 0.1, 0.0])} if g.bool() else {})


def _cdist(g):
    batch = g.shape(g.pick([0, 0, 1, 2]))[:2]
    m = g.pick([0, 1, 2, 3])
    dt = g.pick(FLOATS) if g.chance(0.9) else None
    x1 = g.tensor((*batch, g.pick([0, 1, 2, 4]), m), dt)
    shape2 = (*batch, g.pick([0, 1, 3]), m if g.chance(0.9) else m + 1)
    if g.chance(0.1):
        shape2 = g.shape()
    x2 = g.tensor(shape2, x1.dtype.name if g.chance(0.9) else None)
    kw = {}
    if g.bool():
        kw["p"] = g.pick([2.0, 1.0, 0.0, 0.5, 3.0, float("inf"), -1.0])
    if g.chance(0.3):
        kw["compute_mode"] = g.pick(["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                                     "donot_use_mm_for_euclid_dist", "bogus"])
    return [x1, x2], kw


def _complex(g):
    dt = g.pick(FLOATS) if g.chance(0.9) else None
    re = g.tensor(None, dt)
    return [re, g.tensor(g.bshape(), re.dtype.name if g.chance(0.8) else None)], {}


def _view_as_complex(g):
    shape = (*g.shape(max_ndim=2), 2 if g.chance(0.85) else g.pick([0, 1, 3]))
    if g.chance(0.05):
        shape = ()
    return [g.tensor(shape, g.pick(FLOATS) if g.chance(0.9) else None)], {}


def _gumbel_softmax(g):
    x = g.ftensor()
    kw = {}
    if g.bool():
        kw["tau"] = g.pick([1.0, 0.5, 2.0])
    if g.bool():
        kw["hard"] = g.bool()
    if g.bool():
        kw["dim"] = g.dim()
    return [x], kw


def _grid_sample(g):
    spatial = g.pick([2, 2, 3])
    n, c = g.pick([1, 2]), g.pick([1, 3])
    dt = g.pick(FLOATS) if g.chance(0.9) else None
    x = g.tensor((n, c, *(g.pick([0, 1, 2, 4]) for _ in range(spatial))), dt)
    out = tuple(g.pick([1, 2, 3]) for _ in range(spatial))
    grid_shape = (n if g.chance(0.9) else n + 1, *out, spatial if g.chance(0.9) else spatial + 1)
    grid = arr(g.rng.uniform(-1.3, 1.3, grid_shape).astype(x.dtype.name if g.chance(0.9) else "float32"))
    kw = {}
    if g.bool():
        kw["mode"] = g.pick(["bilinear", "nearest", "bicubic", "bogus"])
    if g.bool():
        kw["padding_mode"] = g.pick(["zeros", "border", "reflection", "bogus"])
    if g.bool():
        kw["align_corners"] = g.bool()
    return [x, grid], kw


def _affine_grid(g):
    spatial = g.pick([2, 2, 3])
    n = g.pick([1, 2])
    dt = g.pick(FLOATS) if g.chance(0.9) else None
    rows = spatial if g.chance(0.9) else spatial + 1
    theta = g.tensor((n, rows, spatial + 1), dt)
    size = [n if g.chance(0.9) else n + 1, g.pick([1, 3]), *(g.pick([0, 1, 2, 4]) for _ in range(spatial))]
    kw = {"align_corners": g.bool()} if g.bool() else {}
    return [theta, size], kw


def _act(extra: str = ""):
    return "F" + (" " + extra if extra else "")


# An op of the registry with a generic call (one or two tensor operands: its ``domain``
# column) is drawn as one tensor, or a tensor and a tensor-or-scalar broadcasting with it,
# unless an entry of SPECS says otherwise.
_GENERIC = {1: "T", 2: "T BS"}
FROM_REGISTRY = {name: _GENERIC[len(e.domain)] for name, e in OPS.items() if len(e.domain) in _GENERIC}

SPECS: dict = {
    **FROM_REGISTRY,
    # ------------------------------------------------------------ pointwise, one tensor
    **{name: "T" for name in """bitwise_not adjoint atleast_1d atleast_2d atleast_3d contiguous fliplr flipud
        detach detach_ bool byte char double float half int long short cpu dim ndimension nelement numel
        element_size item is_contiguous is_complex is_floating_point get_device is_pinned zero_
        is_tensor""".split()},
    "round": "T ; decimals:c(0,1,-1,2)",
    "digamma": "T",
    "logit": "T | c(None,1e-06,0.25,-0.1)",
    "polygamma": "c(0,1,2,3,-1) T", ".polygamma": "T c(0,1,2,3,-1)",
    "mvlgamma": "T c(1,2,3,0)",
    # complex numbers
    **{name: lambda g: ([g.ztensor()], {}) for name in "real imag conj angle resolve_conj view_as_real".split()},
    "complex": _complex, "view_as_complex": _view_as_complex,
    "nonzero": "T ; as_tuple:b",
    # ------------------------------------------------------------ pointwise, two operands
    **{name: "T BS ; alpha:S" for name in "add sub subtract rsub".split()},
    **{name: "T BS" for name in """floor_divide bitwise_and bitwise_or bitwise_xor clamp_min clamp_max""".split()},
    **{name: "T BS ; rounding_mode:c(None,'trunc','floor')" for name in "div divide".split()},
    **{name: "T B" for name in """maximum minimum fmax fmin logical_and logical_or logical_xor equal
        expand_as reshape_as view_as type_as copy_ inner outer ger""".split()},
    **{name: "T B ; rtol:c(1e-05,0.1) atol:c(1e-08,0.5) equal_nan:b" for name in "allclose isclose".split()},
    "clamp": "T | BS? BS?", "clip": "T | BS? BS?",
    "lerp": _lerp,
    "nan_to_num": "T ; nan:Sf posinf:Sf neginf:Sf",
    "where": _where, ".where": _where_method,
    "addcmul": _addc, "addcdiv": _addc,
    # ------------------------------------------------------------ reductions
    **{name: "T | ds? b ; dtype:dt?" for name in "sum mean".split()},
    "prod": "T | ds b ; dtype:dt?",
    **{name: "T | ds b" for name in "amax amin all any".split()},
    **{name: "T | ds? b ; dtype:dt?" for name in "nansum nanmean".split()},
    **{name: "T | d? b" for name in "argmax argmin".split()},
    "max": _max_min, "min": _max_min,
    "aminmax": "T ; dim:d? keepdim:b",
    # torch takes ``stable`` only with dim and descending as keywords
    "argsort": lambda g: from_string("T | d b" if g.bool() else "T ; dim:d descending:b stable:b")(g),
    "sort": lambda g: from_string("T | d b" if g.bool() else "T ; dim:d descending:b stable:b")(g),
    "count_nonzero": "T | ds?",
    "cummax": "T d", "cummin": "T d",
    "cumsum": "T d ; dtype:dt?", "cumprod": "T d ; dtype:dt?",
    "kthvalue": _kthvalue, "topk": _topk,
    **{name: "T d ; dtype:dt?" for name in "log_softmax softmax softmin".split()},
    "logsumexp": "T ds | b",
    "median": "T | d b",
    "norm": "T | p ds? b ; dtype:dt?",
    **{name: "T | ds? ; correction:c(0,1,2) keepdim:b" for name in "std var std_mean var_mean".split()},
    "sum_to_size": "T size",
    # ------------------------------------------------------------ shape
    "broadcast_shapes": _broadcast_shapes, "broadcast_tensors": _broadcast_tensors,
    "broadcast_to": _broadcast_to, "expand": _expand,
    **{name: _cat for name in "cat concat concatenate".split()},
    "stack": _cat,
    **{name: "L" for name in "hstack vstack dstack column_stack row_stack".split()},
    "chunk": "T n | d",
    "diag": _diag, "diag_embed": _diag_embed, "diagonal": _diagonal,
    "flatten": "T | d d",
    "flip": _flip, ".flip": _flip_method,
    "moveaxis": _moveaxis, "movedim": _moveaxis,
    "narrow": _narrow, "select": _select,
    "permute": _permute, ".permute": _permute_method,
    "repeat": _repeat, "tile": _tile,
    "repeat_interleave": _repeat_interleave,
    "reshape": "T sh", "view": "T sh",
    "roll": "T ds | ds",
    "rot90": "T | n ds",
    "split": _split, "tensor_split": _tensor_split,
    "squeeze": "T | ds",
    **{name: "T d d" for name in "swapaxes swapdims transpose".split()},
    **{name: "T | n" for name in "tril triu".split()},
    "unbind": "T | d", "unsqueeze": "T d", "unflatten": _unflatten,
    ".unfold": _unfold_method,
    # ------------------------------------------------------------ indexing
    "gather": _gather, "scatter": _scatter_reduce_kw, "scatter_add": _scatter,
    "index_add": _index_add, "index_put": _index_put, "index_put_": _index_put,
    "index_select": _index_select,
    "masked_fill": lambda g: _masked(g, "fill"), "masked_scatter": lambda g: _masked(g, "scatter"),
    "masked_select": lambda g: _masked(g, "select"),
    "take": _take, "take_along_dim": _take_along_dim,
    # ------------------------------------------------------------ linear algebra
    "mm": lambda g: _matmul_shapes(g, "mm"), "mv": lambda g: _matmul_shapes(g, "mv"),
    "dot": lambda g: _matmul_shapes(g, "dot"), "vdot": lambda g: _matmul_shapes(g, "dot"),
    "bmm": lambda g: _matmul_shapes(g, "bmm"), "matmul": lambda g: _matmul_shapes(g, "matmul"),
    "addmm": lambda g: _matmul_shapes(g, "addmm"), "baddbmm": lambda g: _matmul_shapes(g, "baddbmm"),
    "tensordot": _tensordot, "einsum": _einsum,
    **{name: _linalg() for name in "det inverse logdet slogdet".split()},
    "matrix_power": _linalg("c(0,1,2,3,-1)"), "pinverse": _pinverse,
    "cdist": _cdist,
    # ------------------------------------------------------------ creation
    **{name: _tensor_data for name in "tensor as_tensor asarray".split()},
    "from_numpy": _from_numpy,
    "arange": _arange, "range": _range,
    "linspace": _linspace, "logspace": _linspace,
    **{name: "size ; dtype:dt?" for name in "zeros ones empty rand randn".split()},
    **{name: "T ; dtype:dt?" for name in "zeros_like ones_like empty_like rand_like randn_like".split()},
    "full": _full, "full_like": "T S ; dtype:dt?",
    "eye": _eye, "scalar_tensor": "S ; dtype:dt?",
    "randint": _randint, "randint_like": _randint_like, "randperm": _randperm,
    "multinomial": _multinomial, "normal": _normal, "bernoulli": _bernoulli, "poisson": _poisson,
    # ------------------------------------------------------------ dtypes and misc
    "can_cast": "dt dt", "promote_types": "dt dt", "result_type": _result_type,
    "get_default_dtype": "", "is_grad_enabled": "", "is_inference_mode_enabled": "",
    # ------------------------------------------------------------ method-only
    ".size": _dim_of, ".stride": _dim_of,
    ".to": _to, ".requires_grad_": "T | b",
    **{name: "T size ; dtype:dt?" for name in ".new_zeros .new_ones .new_empty".split()},
    ".new_full": "T size S ; dtype:dt?", ".new_tensor": _new_tensor,
    ".fill_": _fill,
    **{name: "F" for name in ".uniform_ .normal_ .exponential_ .random_ .bernoulli_".split()},
    # ------------------------------------------------------------ nn.functional: activations
    **{"F." + name: _act() for name in """relu relu_ relu6 selu selu_ sigmoid tanh hardsigmoid hardswish
        logsigmoid softsign tanhshrink mish silu""".split()},
    **{"F." + name: _act("| Sf b") for name in "elu elu_ celu celu_".split()},
    **{"F." + name: _act("| Sf b") for name in "leaky_relu leaky_relu_".split()},
    **{"F." + name: _act("| Sf Sf b") for name in "hardtanh hardtanh_".split()},
    **{"F." + name: _act("Sf Sf | b") for name in "threshold threshold_".split()},
    **{"F." + name: _act("| Sf") for name in "hardshrink softshrink".split()},
    "F.softplus": _act("| c(1,2,0.5) c(20,1)"),
    "F.gelu": _act("; approximate:c('none','tanh','bogus')"),
    **{"F." + name: "F | c(0.125,0.333) c(0.333,0.5) b b" for name in "rrelu rrelu_".split()},
    **{"F." + name: "F | d? ; dtype:dt?" for name in "softmax softmin log_softmax".split()},
    "F.glu": _glu, "F.prelu": _prelu,
    **{"F." + name: _dropout for name in """dropout dropout1d dropout2d dropout3d alpha_dropout
        feature_alpha_dropout""".split()},
    # ------------------------------------------------------------ nn.functional: layers
    "F.linear": _linear, "F.bilinear": _bilinear,
    "F.conv1d": _conv(1), "F.conv2d": _conv(2), "F.conv3d": _conv(3),
    "F.conv_transpose1d": _conv(1, True), "F.conv_transpose2d": _conv(2, True),
    "F.conv_transpose3d": _conv(3, True),
    "F.fold": _fold, "F.unfold": _unfold,
    **{f"F.{kind}_pool{n}d": _pool(n, kind) for kind in ("avg", "max") for n in (1, 2, 3)},
    **{f"F.max_pool{n}d_with_indices": _max_pool_with_indices(n) for n in (1, 2, 3)},
    **{f"F.adaptive_{kind}_pool{n}d": _pool(n, f"adaptive_{kind}") for kind in ("avg", "max") for n in (1, 2, 3)},
    **{f"F.adaptive_max_pool{n}d_with_indices": _adaptive_with_indices(n) for n in (1, 2)},
    "F.lp_pool1d": _pool(1, "lp"), "F.lp_pool2d": _pool(2, "lp"),
    **{f"F.max_unpool{n}d": _unpool(n) for n in (1, 2, 3)},
    "F.batch_norm": _norm_layer("batch"), "F.instance_norm": _norm_layer("instance"),
    "F.group_norm": _norm_layer("group"), "F.layer_norm": _norm_layer("layer"),
    "F.rms_norm": _norm_layer("rms"), "F.local_response_norm": _norm_layer("lrn"),
    "F.normalize": _norm_layer("normalize"),
    "F.embedding": _embedding, "F.one_hot": _one_hot,
    "F.pad": _pad, "F.interpolate": _interpolate, "F.upsample": _interpolate,
    "F.upsample_nearest": _upsample, "F.upsample_bilinear": _upsample,
    "F.pixel_shuffle": _pixel_shuffle, "F.pixel_unshuffle": _pixel_shuffle,
    "F.cosine_similarity": _cosine_similarity, "F.pairwise_distance": _pairwise, "F.pdist": _pdist,
    "F.scaled_dot_product_attention": _sdpa,
    "F.gumbel_softmax": _gumbel_softmax, "F.grid_sample": _grid_sample, "F.affine_grid": _affine_grid,
    # ------------------------------------------------------------ nn.functional: losses
    **{"F." + name: "F BF ; reduction:red" for name in "mse_loss l1_loss soft_margin_loss".split()},
    "F.smooth_l1_loss": "F BF ; reduction:red beta:c(1.0,0.5,0.0,-1.0)",
    "F.huber_loss": "F BF ; reduction:red delta:c(1.0,0.5,0.0,-1.0)",
    "F.kl_div": "F BF ; reduction:red log_target:b",
    "F.binary_cross_entropy": _bce,
    "F.binary_cross_entropy_with_logits": "F BF ; reduction:red pos_weight:BF weight:BF",
    "F.nll_loss": _nll, "F.cross_entropy": lambda g: _nll(g, ce=True),
    "F.cosine_embedding_loss": _cosine_embedding, "F.margin_ranking_loss": _margin_ranking,
    "F.hinge_embedding_loss": _hinge, "F.multi_margin_loss": _multi_margin,
    "F.multilabel_margin_loss": _multilabel_margin, "F.multilabel_soft_margin_loss": _multilabel_soft,
    "F.triplet_margin_loss": _triplet, "F.gaussian_nll_loss": _gaussian_nll,
    "F.poisson_nll_loss": _poisson_nll,
}


def drawer_for(key: str):
    """The draw function for an entry key (``"add"``, ``".add_"``, ``"F.relu"``), or None."""
    spec = SPECS.get(key)
    if spec is None and key.startswith("."):
        base = key[1:]
        spec = SPECS.get(base)
        if spec is None and base.endswith("_"):
            spec = SPECS.get("." + base[:-1], SPECS.get(base[:-1]))
    if spec is None:
        return None
    draw = from_string(spec) if isinstance(spec, str) else spec
    return _with_out(draw) if key in OUT_KEYS else draw


# The functions of the registry that take ``out=`` (flag ``o``) are sometimes drawn with
# one: empty (resized without a word), shaped as their first tensor operand, or any
# shape, of any dtype, so that the cast rules, the resize and the errors of ``out=``
# are fuzzed too.
# Left out: ``normal`` with a tensor mean and a float std, where torch adds the mean into
# ``out`` in place and so resizes some outputs and refuses others by broadcasting rules.
OUT_KEYS = frozenset(name for name, e in OPS.items() if "o" in e.flags) - {"normal"}


def _with_out(draw):
    def drawn(g: G):
        got = draw(g)
        if got is None or not g.chance(0.2):
            return got
        args, kwargs = got
        first = next((a for a in args if isinstance(a, Arr) and a.ndim), None)
        shape = g.pick([(0,), None] + ([tuple(first.shape)] * 2 if first is not None else []))
        return args, {**kwargs, "out": g.tensor(shape)}
    return drawn


def nondet(key: str) -> bool:
    name = key.lstrip(".")
    return name in NONDET or name.rstrip("_") in NONDET


# Ops where torch returns uninitialised memory for some arguments (no value to compare with):
# the margin losses' kernels never write the reduced result of an empty batch.
_EMPTY_BATCH_UNWRITTEN = {"F.multi_margin_loss", "F.multilabel_margin_loss"}


def unwritten(key: str, args, kwargs) -> bool:
    """Whether torch's result for these arguments is uninitialised memory (dtype and shape still compared)."""
    return (key in _EMPTY_BATCH_UNWRITTEN and bool(args) and getattr(args[0], "ndim", 0) == 2
            and args[0].shape[0] == 0 and kwargs.get("reduction", "mean") != "none")


# relative tolerance of the value comparison (engine._TOL) and unit round-off, per dtype
_RTOL_EPS = {np.dtype(np.float32): (1e-4, float(np.finfo(np.float32).eps)),
             np.dtype(np.float64): (1e-7, float(np.finfo(np.float64).eps))}


def round_off_decides(key: str, args, kwargs) -> bool:
    """Whether a pseudo-inverse is decided by round-off rather than by the input, at the input's
    precision (dtype and shape still compared). With the singular values s of the exact input
    (float64) and the SVD's round-off r = max(m, n) * eps * s_max, that is when

    - the cutoff ``rcond * s_max`` is below r while some s is below r: which of those count as
      zero, and the size of their inverses, depend on the SVD's rounding (torch's and NumPy's
      LAPACK round differently), or
    - a kept singular value makes the condition number s_max / s times eps exceed the
      comparison's tolerance: the result's own error bound is larger than what is compared.
    """
    if key.lstrip(".") != "pinverse" or not args or getattr(args[0], "dtype", None) not in _RTOL_EPS:
        return False
    a = np.asarray(args[0], dtype=np.float64)
    if a.size == 0:
        return False
    rtol, eps = _RTOL_EPS[args[0].dtype]
    s = np.linalg.svd(a, compute_uv=False)
    top = s[..., :1]
    noise = max(a.shape[-2:]) * eps * top
    cut = kwargs.get("rcond", 1e-15) * top
    if np.any((cut < noise) & np.any(s <= noise, axis=-1, keepdims=True) & (top > 0)):
        return True
    kept = np.where(s > np.maximum(cut, noise), s, np.inf).min(axis=-1, keepdims=True)
    return bool(np.any(top / kept * eps > rtol))


def ties(key: str) -> bool:
    return key.lstrip(".").rstrip("_") in TIES
