"""``repr(tensor)`` in torch's style: ``tensor([[1., 2.]], requires_grad=True)``.

How a float tensor prints is decided once per tensor, by looking at its
non-zero finite values (only the corners when the tensor is summarised):

- all whole numbers: ``1.``, ``-20.`` (*whole* mode);
- otherwise ``precision`` decimals: ``0.5000`` (*fixed* mode);
- scientific ``1.0000e-05`` when the magnitudes span more than 1000x, or
  exceed 1e8, or (fractional values only) go below 1e-4.

Every element is padded to the width of the widest non-zero finite value,
so columns line up; zeros, nan and inf simply take that width too. Rows
longer than ``linewidth`` wrap; tensors with more than ``threshold``
elements show ``edgeitems`` values at each end of every dimension with
``...`` between.

The tensor's data crosses to the host once, through ``backend.to_numpy`` in
:func:`tensor_repr`; everything here formats that host copy.
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from .backend import to_numpy

# host module: formats the host copy made by to_numpy

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_opts = dict(_DEFAULTS)

_PROFILES = {
    "default": _DEFAULTS,
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Change how tensors print (same options as ``torch.set_printoptions``).

    ``profile`` ("default", "short", "full") resets the other options first;
    ``sci_mode=None`` lets each tensor choose scientific notation itself.
    """
    if profile is not None:
        _opts.update({k: v for k, v in _PROFILES[profile].items() if k != "sci_mode"})
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


class _Formatter:
    """Chooses one notation and one width for all elements of a tensor."""

    def __init__(self, values: np.ndarray) -> None:
        self.is_float = values.dtype.kind == "f"
        self.whole = True
        self.sci = False
        self.width = 1
        p = _opts["precision"]
        if not self.is_float:
            for v in np.unique(values):
                self.width = max(self.width, len(self._plain(v)))
            return
        flat = values.astype(np.float64).ravel()
        vals = np.abs(flat[np.isfinite(flat) & (flat != 0)])
        if vals.size == 0:  # only zeros, nan and inf: whole mode, width 1
            return
        lo, hi = float(vals.min()), float(vals.max())
        self.whole = bool(np.all(vals == np.ceil(vals)))
        self.sci = hi / lo > 1000.0 or hi > 1.0e8 or (not self.whole and lo < 1.0e-4)
        if _opts["sci_mode"] is not None:
            self.sci = _opts["sci_mode"]
        signed = np.unique(flat[np.isfinite(flat) & (flat != 0)])
        if self.sci:
            widths = (len(f"{v:.{p}e}") for v in signed)
        elif self.whole:
            widths = (len(f"{v:.0f}") + 1 for v in signed)
        else:
            widths = (len(f"{v:.{p}f}") for v in signed)
        self.width = max(widths)

    @staticmethod
    def _plain(v) -> str:
        if isinstance(v, (bool, np.bool_)):
            return "True" if v else "False"
        return str(int(v))

    def __call__(self, v) -> str:
        """One element, right-aligned to the common width."""
        if not self.is_float:
            s = self._plain(v)
        elif self.sci:
            s = f"{v:.{_opts['precision']}e}"
        elif self.whole:
            s = f"{v:.0f}" + ("." if np.isfinite(v) else "")
        else:
            s = f"{v:.{_opts['precision']}f}"
        return s.rjust(self.width)


def _corners(a: np.ndarray, edge: int) -> np.ndarray:
    """The values a summarised print shows, flattened (for choosing the format)."""
    if a.ndim == 0:
        return a.reshape(1)
    if a.shape[0] > 2 * edge:
        a = np.concatenate([a[:edge], a[-edge:]])
    if a.ndim == 1:
        return a
    return np.concatenate([_corners(x, edge) for x in a])


def _body(a: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    """The bracketed text of ``a``; ``indent`` is the column of its opening bracket."""
    edge = _opts["edgeitems"]
    cut = summarize and a.shape[0] > 2 * edge
    if a.ndim == 1:
        vals = a.tolist()
        items = ([fmt(v) for v in vals[:edge]] + [" ..."] + [fmt(v) for v in vals[-edge:]]
                 if cut else [fmt(v) for v in vals])
        per_line = max(1, (_opts["linewidth"] - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [*range(edge), None, *range(a.shape[0] - edge, a.shape[0])] if cut else range(a.shape[0])
    parts = ["..." if i is None else _body(a[i], fmt, indent + 1, summarize) for i in rows]
    # blank lines between blocks grow with the rank, as torch prints them
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _join_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, dtype=...`` etc.; a suffix that would pass ``linewidth`` starts a new line."""
    # torch measures the last line two characters long when the text has no newline
    last = len(text) - text.rfind("\n") + 1
    out = [text]
    for s in suffixes:
        if last + len(s) + 2 > _opts["linewidth"]:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    return "".join(out)


def _complex_default(default):
    """The complex dtype torch leaves out of a repr: the one matching the default float dtype."""
    return _dt.complex128 if default is _dt.float64 else _dt.complex64


class _ComplexFormatter:
    """Complex elements as torch prints them: real part, signed imaginary part, ``j``."""

    def __init__(self, values: np.ndarray) -> None:
        self.re = _Formatter(values.real.astype(np.float64))
        self.im = _Formatter(np.abs(values.imag).astype(np.float64))
        self.width = self.re.width + self.im.width + 2

    def __call__(self, v) -> str:
        v = complex(v)
        sign = "-" if np.signbit(v.imag) else "+"
        return self.re(v.real) + sign + self.im(abs(v.imag)).lstrip().ljust(self.im.width) + "j"


def tensor_repr(t) -> str:
    """``repr(t)``: the values, then dtype / size / grad suffixes, torch's layout."""
    a = to_numpy(t._data)  # printing reads a host copy
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    d = t.dtype
    default = _dt.get_default_dtype()
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if d is not default:
            suffixes.append(f"dtype={d!r}")
    else:
        summarize = a.size > _opts["threshold"]
        shown = _corners(a, _opts["edgeitems"]) if summarize else a
        fmt = (_ComplexFormatter if a.dtype.kind == "c" else _Formatter)(shown)
        body = fmt(a.item()) if a.ndim == 0 else _body(a, fmt, indent, summarize)
        if d is not default and d is not _dt.int64 and d is not _dt.bool and d is not _complex_default(default):
            suffixes.append(f"dtype={d!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _join_suffixes(prefix + body, suffixes, indent) + ")"
