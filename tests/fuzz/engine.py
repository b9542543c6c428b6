"""Run one fuzz case on glasstorch and on torch, and classify what happened.

Classes (every case gets exactly one):

    ok              both succeed with equal values, dtypes and shapes
    ok-raise        both raise, with the same exception type
    value           both succeed, values differ
    dtype/shape     both succeed, dtypes, shapes or result kinds differ
    internal        glasstorch let a Python/NumPy error escape (not raised by a glasstorch ``raise``)
    state-changed   glasstorch raised after changing an argument
    silent          torch raises, glasstorch returns a result
    we-raise        glasstorch raises, torch returns a result
    exc-type        both raise, different exception types
    torch-no-kernel torch raises only because it lacks a kernel for the dtype ("not implemented for")
    spec-error      the argument spec itself failed (a bug in tests/fuzz/specs.py)
"""

from __future__ import annotations

import dis
import inspect
import math
import os
import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as TF

import glasstorch as gt
import glasstorch.nn.functional as GF

from .gen import Arr, G, describe, materialize
from .specs import SKIP, drawer_for, nondet, round_off_decides, ties, unwritten

CLASSES = ["ok", "ok-raise", "value", "dtype/shape", "internal", "state-changed", "silent", "we-raise",
           "exc-type", "torch-no-kernel", "spec-error"]
FAILING = ("internal", "value", "dtype/shape", "silent", "state-changed", "spec-error")

GT_DIR = os.path.dirname(gt.__file__)
_HERE = os.path.abspath(__file__)

# Public glasstorch names torch does not have under the same name (reviewed; not fuzzed).
# The Tensor methods of the same names are fuzzed.
NOT_IN_TORCH = {"complex_unsupported", "contiguous", "expand", "expand_as", "getitem", "index_put_", "repeat",
                "reshape_as", "softmin", "sum_to_size", "view", "view_as"}


# ---------------------------------------------------------------- the public surface
def _public_functions(mod) -> list[str]:
    return sorted(n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))
                  and not inspect.isclass(getattr(mod, n)) and not inspect.ismodule(getattr(mod, n)))


def public_entries() -> list[str]:
    """Every public op: ``name`` (glasstorch.name), ``.name`` (Tensor.name), ``F.name``."""
    top = _public_functions(gt)
    methods = ["." + n for n in dir(gt.Tensor) if not n.startswith("_")
               and callable(getattr(gt.Tensor, n)) and not isinstance(getattr(gt.Tensor, n), property)]
    functional = ["F." + n for n in _public_functions(GF)]
    return top + sorted(methods) + functional


def in_torch(key: str) -> bool:
    if key.startswith("F."):
        return hasattr(TF, key[2:])
    if key.startswith("."):
        return hasattr(torch.Tensor, key[1:])
    return hasattr(torch, key) and key not in NOT_IN_TORCH


def fuzzed_entries() -> list[str]:
    return [k for k in public_entries() if k not in SKIP and in_torch(k) and drawer_for(k) is not None]


# ---------------------------------------------------------------- calling
def _target(key: str, args: list, lib: str):
    if key.startswith("F."):
        return getattr(TF if lib == "torch" else GF, key[2:]), args
    if key.startswith("."):
        return getattr(args[0], key[1:]), args[1:]
    return getattr(torch if lib == "torch" else gt, key), args


def _call(key, args, kwargs, lib):
    args = materialize(args, lib)
    kwargs = materialize(kwargs, lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn, rest = _target(key, args, lib)
            return True, fn(*rest, **kwargs), (args, kwargs)
        except Exception as e:  # noqa: BLE001  (every exception is an outcome to classify)
            return False, e, (args, kwargs)


_RAISE_OPS = {dis.opmap[name] for name in ("RAISE_VARARGS", "RERAISE") if name in dis.opmap}

_BASES = (NotImplementedError, IndexError, ValueError, TypeError, ZeroDivisionError, OverflowError,
          KeyError, AttributeError, RuntimeError)


def exc_kind(e: BaseException) -> str:
    for cls in type(e).__mro__:
        if cls in _BASES:
            return cls.__name__
    return type(e).__name__


def raised_by_glasstorch(e: BaseException) -> bool:
    """Whether the innermost frame is a ``raise`` statement in glasstorch (or argument
    binding at the call itself, which Python reports as a TypeError from the caller)."""
    tb = e.__traceback__
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None:
        return False
    fname = os.path.abspath(last.tb_frame.f_code.co_filename)
    if fname == _HERE:
        return isinstance(e, TypeError)
    if not fname.startswith(GT_DIR):
        return False
    # the instruction that raised (independent of later edits to the source file)
    return last.tb_frame.f_code.co_code[last.tb_lasti] in _RAISE_OPS


def origin(e: BaseException) -> str:
    tb = e.__traceback__
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None:
        return "?"
    f = last.tb_frame.f_code.co_filename
    short = f[len(GT_DIR) + 1:] if f.startswith(GT_DIR) else os.path.basename(f)
    return f"{short}:{last.tb_lineno}"


# ---------------------------------------------------------------- comparing results
_TOL = {"float16": (1e-2, 1e-2), "float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)}


def _dtype_name(d) -> str:
    return str(d).rsplit(".", 1)[-1]


def _as_plain(x):
    """A result as nested tuples of (dtype name, array) / plain values."""
    if isinstance(x, torch.Tensor):
        x = x.detach().resolve_conj().resolve_neg()  # torch's lazy conjugate views have no numpy()
    if isinstance(x, (gt.Tensor, torch.Tensor)):
        return ("tensor", _dtype_name(x.dtype), np.array(x.detach().numpy(), copy=True))
    if isinstance(x, (torch.dtype, gt.dtype)):
        return ("dtype", _dtype_name(x))
    if isinstance(x, (tuple, list)):  # namedtuples, torch.Size
        return tuple(_as_plain(v) for v in x)
    if isinstance(x, np.ndarray):
        return ("tensor", str(x.dtype), x)
    if isinstance(x, np.generic):
        return x.item()
    return x


def _close(a: np.ndarray, b: np.ndarray, dtype: str) -> bool:
    if a.dtype.kind not in "fc":
        return np.array_equal(a, b)
    if b.dtype.kind == "c" or a.dtype.kind == "c":  # the real and imaginary parts, at the part's tolerance
        part = "float32" if dtype == "complex64" else "float64"
        return _close(np.real(a), np.real(b), part) and _close(np.imag(a), np.imag(b), part)
    rtol, atol = _TOL.get(dtype, (1e-4, 1e-5))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    finite = np.isfinite(b64)
    scale = max(1.0, float(np.abs(b64[finite]).max())) if finite.any() else 1.0
    with np.errstate(all="ignore"):
        return bool(np.all(np.isclose(a64, b64, rtol=rtol, atol=atol * scale, equal_nan=True)))


def _work_dtype(args, kwargs) -> str | None:
    """With ``out=``, the dtype the op computes in (torch computes, then casts into out):
    the least precise float operand's, float32 without one. None without ``out=``."""
    if "out" not in kwargs:
        return None
    floats = [a.dtype.name for a in _flat(args) if isinstance(a, Arr) and a.dtype.kind == "f"]
    return max(floats or ["float32"], key=lambda name: _TOL.get(name, (0, 0)))


def compare(ours, theirs, values: bool, floats_only: bool = False, work: str | None = None):
    """None when equal, else (class, message); ``work``: a dtype whose tolerance applies
    when it is looser than the result's (see :func:`_work_dtype`)."""
    if isinstance(theirs, tuple) and theirs and theirs[0] == "tensor" and len(theirs) == 3 \
            and isinstance(theirs[2], np.ndarray):
        if not (isinstance(ours, tuple) and len(ours) == 3 and ours[0] == "tensor"):
            return "dtype/shape", f"expected a tensor, got {type(ours).__name__}"
        if ours[1] != theirs[1]:
            return "dtype/shape", f"dtype {ours[1]} vs torch {theirs[1]}"
        if ours[2].shape != theirs[2].shape:
            return "dtype/shape", f"shape {list(ours[2].shape)} vs torch {list(theirs[2].shape)}"
        tol_dtype = work if work is not None and _TOL.get(work, (0, 0)) > _TOL.get(theirs[1], (0, 0)) else theirs[1]
        if values and not (floats_only and theirs[2].dtype.kind not in "f") \
                and not _close(ours[2], theirs[2], tol_dtype):
            return "value", "values differ"
        return None
    if isinstance(theirs, tuple):
        if not isinstance(ours, tuple) or len(ours) != len(theirs):
            return "dtype/shape", f"expected {len(theirs)} results, got {describe_result(ours)}"
        for o, t in zip(ours, theirs):
            r = compare(o, t, values, floats_only, work)
            if r:
                return r
        return None
    if isinstance(theirs, (bool, int, float)) and not isinstance(theirs, str):
        if type(ours) is not type(theirs):
            return "dtype/shape", f"{type(ours).__name__} vs torch {type(theirs).__name__}"
        if not values:
            return None
        if isinstance(theirs, float):
            if math.isnan(theirs) and math.isnan(ours):
                return None
            return None if math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-9) else ("value", "values differ")
        return None if ours == theirs else ("value", f"{ours!r} vs torch {theirs!r}")
    if ours != theirs:
        return "value", f"{describe_result(ours)} vs torch {describe_result(theirs)}"
    return None


def describe_result(x) -> str:
    if isinstance(x, tuple) and len(x) == 3 and x[0] == "tensor":
        return f"tensor {x[1]}{list(x[2].shape)}"
    if isinstance(x, tuple):
        return "(" + ", ".join(describe_result(v) for v in x) + ")"
    return repr(x)[:60]


# ---------------------------------------------------------------- one case
@dataclass
class Outcome:
    key: str
    cls: str
    message: str
    repro: str


def _snapshot(args) -> list:
    return [np.array(a.view(np.ndarray), copy=True) for a in _flat(args) if isinstance(a, Arr)]


def _flat(x):
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from _flat(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _flat(v)
    else:
        yield x


def _tensors(x):
    return [v for v in _flat(x) if isinstance(v, gt.Tensor)]


def run_case(key: str, args: list, kwargs: dict) -> Outcome:
    repro = f"{key}({describe(args)[1:-1]}{', ' if args and kwargs else ''}{describe(kwargs)})"
    ok_g, res_g, args_g = _call(key, args, kwargs, "gt")
    ok_t, res_t, _ = _call(key, args, kwargs, "torch")

    def out(cls, msg):
        return Outcome(key, cls, msg, repro)

    if not ok_g:
        if not raised_by_glasstorch(res_g):
            return out("internal", f"{type(res_g).__name__} at {origin(res_g)}: {str(res_g)[:120]}")
        before = _snapshot((args, kwargs))  # an out= tensor too: an error leaves it as it was
        after = [t._data for t in _tensors(args_g)]
        if len(before) == len(after) and any(
                b.shape != a.shape or not np.array_equal(b, a, equal_nan=b.dtype.kind == "f")
                for b, a in zip(before, after)):
            return out("state-changed", f"{type(res_g).__name__}: {str(res_g)[:120]}")
    no_kernel = not ok_t and "not implemented for" in str(res_t)
    if not ok_g and not ok_t:
        if exc_kind(res_g) == exc_kind(res_t):
            return out("ok-raise", "")
        if no_kernel:
            return out("torch-no-kernel", f"{str(res_t)[:100]}")
        return out("exc-type", f"{exc_kind(res_g)} vs torch {exc_kind(res_t)}: {str(res_t)[:100]}")
    if not ok_t:
        if no_kernel:
            return out("torch-no-kernel", f"{str(res_t)[:100]}")
        return out("silent", f"torch {exc_kind(res_t)}: {str(res_t)[:120]}")
    if not ok_g:
        return out("we-raise", f"{exc_kind(res_g)}: {str(res_g)[:120]}")
    try:
        plain_g = _as_plain(res_g)
    except Exception as e:  # noqa: BLE001  (a broken result is glasstorch's bug)
        return out("internal", f"bad result: {type(e).__name__} at {origin(e)}: {str(e)[:100]}")
    values = not nondet(key) and not unwritten(key, args, kwargs) and not round_off_decides(key, args, kwargs)
    r = compare(plain_g, _as_plain(res_t), values=values, floats_only=ties(key), work=_work_dtype(args, kwargs))
    if r is None:
        return out("ok", "")
    return out(r[0], r[1])


def run_drawn(key: str, draw) -> Outcome | None:
    """Draw arguments for ``key`` and run them; None when the draw does not fit (a method
    needs a tensor first)."""
    g = G(draw)
    try:
        args, kwargs = drawer_for(key)(g)
    except Exception as e:  # noqa: BLE001  (a broken spec is reported, not fatal to a campaign)
        if type(e).__module__.startswith("hypothesis"):
            raise
        return Outcome(key, "spec-error", f"{type(e).__name__}: {e}", "")
    if key.startswith(".") and not (args and isinstance(args[0], Arr)):
        return None
    return run_case(key, list(args), kwargs)
