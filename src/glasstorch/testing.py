"""``glasstorch.testing``: ``assert_close`` with torch's tolerances and messages.

The comparison runs on the host: a tensor's data is read with ``backend.to_numpy``;
``make_tensor`` draws on the host and moves the values with ``backend.from_numpy``.
"""

# host module: compares host copies of the values
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import backend
from .tensor import Tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# (rtol, atol) by dtype, torch's defaults; integers and bools compare exactly
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7)}


def _tolerance(dtype: np.dtype) -> tuple[float, float]:
    return _TOLERANCES.get(np.dtype(dtype), (0.0, 0.0))


def _is_scalar(x) -> bool:
    return isinstance(x, (bool, int, float, complex, np.generic)) and not isinstance(x, np.ndarray)


def _fail(msg: str, custom, path: str) -> AssertionError:
    if isinstance(custom, str):
        return AssertionError(custom)
    if callable(custom):
        return AssertionError(custom(msg))
    if path:
        msg += f"\n\nThe failure occurred for item {path}"
    return AssertionError(msg)


def _num(v, integer: bool):
    return int(v) if integer else float(v)


def _compare_arrays(a: np.ndarray, e: np.ndarray, *, scalar: bool, rtol, atol, equal_nan, msg, path) -> None:
    if a.shape != e.shape:
        raise _fail(f"The values for attribute 'shape' do not match: {_size(a.shape)} != {_size(e.shape)}.",
                    msg, path)
    if rtol is None:
        r1, a1 = _tolerance(a.dtype)
        r2, a2 = _tolerance(e.dtype)
        rtol, atol = max(r1, r2), max(a1, a2)
    common = np.result_type(a.dtype, e.dtype)
    if common.kind == "b":
        common = np.dtype(np.int64)
    a_c, e_c = a.astype(common), e.astype(common)
    exact = rtol == 0 and atol == 0
    with np.errstate(all="ignore"):
        if common.kind in "iu":
            diff = np.abs(a_c.astype(np.int64) - e_c.astype(np.int64))
            ok = diff <= atol + rtol * np.abs(e_c)
            rel = diff / np.abs(e_c).astype(np.float64)
        else:
            diff = np.abs(a_c - e_c)
            ok = diff <= atol + rtol * np.abs(e_c)
            ok |= a_c == e_c  # equal infinities
            if equal_nan:
                ok |= np.isnan(a_c) & np.isnan(e_c)
            rel = diff / np.abs(e_c)
    if ok.all():
        return
    integer = common.kind in "iu"
    kind = "equal" if exact else "close"
    bound = lambda tol: "" if exact else f" (up to {tol} allowed)"  # noqa: E731
    if scalar:
        # torch reports scalars from Python numbers, so the differences are in double precision
        av, ev = _num(a_c.item(), integer), _num(e_c.item(), integer)
        d = abs(av - ev)
        r = d / abs(ev) if ev != 0 else (float("nan") if d != d else float("inf") if d else float("nan"))
        text = (f"Scalars are not {kind}!\n\nExpected {ev} but got {av}.\nAbsolute difference: {d}{bound(atol)}\n"
                f"Relative difference: {r}{bound(rtol)}")
        raise _fail(text, msg, path)
    bad = int((~ok).sum())
    total = ok.size
    # the greatest differences, NaN counting as greatest, like torch's argmax over the mismatches
    i_abs = _argmax_nan(diff.astype(np.float64))
    i_rel = _argmax_nan(rel.astype(np.float64))
    text = (f"Tensor-likes are not {kind}!\n\nMismatched elements: {bad} / {total} ({100 * bad / total:.1f}%)\n"
            f"Greatest absolute difference: {_num(diff.flat[i_abs], integer)} at index "
            f"{tuple(int(v) for v in np.unravel_index(i_abs, a.shape))}"
            f"{bound(atol)}\n"
            f"Greatest relative difference: {float(rel.flat[i_rel])} at index "
            f"{tuple(int(v) for v in np.unravel_index(i_rel, a.shape))}{bound(rtol)}")
    raise _fail(text, msg, path)


def _argmax_nan(x: np.ndarray) -> int:
    nan = np.isnan(x.ravel())
    if nan.any():
        return int(np.argmax(nan))
    return int(np.argmax(x.ravel()))


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"


def _dtype_name(x) -> str:
    if isinstance(x, Tensor):
        return str(x.dtype).replace("glasstorch.", "torch.")
    return str(x.dtype)


def _check(actual, expected, *, path, rtol, atol, equal_nan, check_dtype, msg) -> None:
    if isinstance(actual, (Tensor, np.ndarray)) or isinstance(expected, (Tensor, np.ndarray)):
        if type(actual) is not type(expected) and not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                            f"{type(expected)}.")
        a = actual._data if isinstance(actual, Tensor) else actual
        e = expected._data if isinstance(expected, Tensor) else expected
        if a.shape != e.shape:
            raise _fail(f"The values for attribute 'shape' do not match: {_size(a.shape)} != {_size(e.shape)}.",
                        msg, path)
        if check_dtype and a.dtype != e.dtype:
            raise _fail(f"The values for attribute 'dtype' do not match: {_dtype_name(actual)} != "
                        f"{_dtype_name(expected)}.", msg, path)
        _compare_arrays(backend.to_numpy(a), backend.to_numpy(e), scalar=a.ndim == 0, rtol=rtol, atol=atol,
                        equal_nan=equal_nan, msg=msg, path=path)
        return
    if _is_scalar(actual) and _is_scalar(expected):
        if check_dtype and type(actual) is not type(expected):
            raise _fail(f"The (d)types do not match: {type(actual)} != {type(expected)}.", msg, path)
        a, e = np.asarray(actual), np.asarray(expected)
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        if e.dtype.kind == "f":
            e = e.astype(np.float64)
        _compare_arrays(a, e, scalar=True, rtol=rtol, atol=atol, equal_nan=equal_nan, msg=msg, path=path)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        ka, ke = list(actual.keys()), list(expected.keys())
        if set(ka) != set(ke):
            missing = sorted(set(ke) - set(ka), key=repr)
            extra = sorted(set(ka) - set(ke), key=repr)
            raise _fail(f"The keys of the mappings do not match:\nMissing keys in the actual mapping: {missing}\n"
                        f"Additional keys in the actual mapping: {extra}", msg, path)
        for k in ke:
            _check(actual[k], expected[k], path=f"{path}[{k!r}]", rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_dtype=check_dtype, msg=msg)
        return
    seq = lambda x: isinstance(x, Sequence) and not isinstance(x, (str, bytes))  # noqa: E731
    if seq(actual) and seq(expected):
        if len(actual) != len(expected):
            raise _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", msg, path)
        for i, (x, y) in enumerate(zip(actual, expected)):
            _check(x, y, path=f"{path}[{i}]", rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_dtype=check_dtype, msg=msg)
        return
    if actual is None and expected is None:
        return
    if isinstance(actual, str) and isinstance(expected, str) and actual == expected:
        return
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | None = None) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close.

    Tensors, NumPy arrays, Python numbers, and sequences/mappings of them are
    compared element-wise: ``|actual - expected| <= atol + rtol * |expected|``.
    Without ``rtol``/``atol`` the defaults depend on the dtype (float16: 1e-3/1e-5,
    float32: 1.3e-6/1e-5, float64: 1e-7/1e-7, integers and bools: exact).
    Shapes must match, and dtypes unless ``check_dtype=False``.
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    _check(actual, expected, path="", rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg="") -> None:
    """The deprecated spelling of :func:`assert_close` (dtype not checked)."""
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """A tensor of random values in [low, high) (default [-9, 9)), torch.testing's helper."""
    from .random import default_generator

    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    npd = dtype.np if hasattr(dtype, "np") else np.dtype(dtype)
    lo = -9 if low is None else low
    hi = 9 if high is None else high
    rng = default_generator._rng
    if npd.kind == "b":
        arr = rng.integers(0, 2, size=shape).astype(bool)
    elif npd.kind in "iu":
        lo = max(lo, 0) if npd.kind == "u" else lo
        arr = rng.integers(int(lo), int(hi), size=shape).astype(npd)
    else:
        arr = rng.uniform(lo, hi, size=shape).astype(npd)
    t = Tensor._make(backend.from_numpy(arr), False, None, 0)
    return t.requires_grad_(requires_grad) if requires_grad else t
