"""``repr(tensor)`` in torch's style: ``tensor([[1., 2.]], requires_grad=True)``.

Floats print with 4 decimals, or as ``1.`` when every value is whole, or
in scientific notation when magnitudes span more than 1000x; one width per
tensor so columns line up; large tensors are summarised with ``...``.
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt

_opts = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Change how tensors print (same options as torch.set_printoptions)."""
    if profile == "default":
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _opts.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _opts.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


class _Formatter:
    def __init__(self, values: np.ndarray) -> None:
        self.kind = values.dtype.kind
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = _opts["precision"]
        if self.kind != "f":
            strs = [str(v) for v in values.ravel().tolist()] or ["0"]
            if self.kind == "b":
                strs = ["True" if v else "False" for v in values.ravel().tolist()] or ["True"]
            self.max_width = max(len(s) for s in strs)
            return
        flat = values.astype(np.float64).ravel()
        finite = flat[np.isfinite(flat)]
        nonzero = np.abs(finite[finite != 0])
        if finite.size == 0:
            self.max_width = max((len(self._special(v)) for v in flat), default=1)
            return
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if nonzero.size and nonzero.max() > 1e8:
                self.sci_mode = True
        elif nonzero.size:
            lo, hi = nonzero.min(), nonzero.max()
            if hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4:
                self.sci_mode = True
        if _opts["sci_mode"] is not None:
            self.sci_mode = _opts["sci_mode"]
        self.fmt = (f"{{:.{p}e}}" if self.sci_mode else
                    "{:.0f}." if self.int_mode else f"{{:.{p}f}}")
        self.max_width = max(len(self.format_raw(v)) for v in flat)

    @staticmethod
    def _special(v) -> str:
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")

    def format_raw(self, v) -> str:
        if self.kind == "b":
            return "True" if v else "False"
        if self.kind != "f":
            return str(int(v))
        v = float(v)
        if not np.isfinite(v):
            return self._special(v)
        if self.int_mode and self.sci_mode:
            return f"{{:.{_opts['precision']}e}}".format(v)
        return self.fmt.format(v)

    def format(self, v) -> str:
        return self.format_raw(v).rjust(self.max_width)


def _summarize(a: np.ndarray, edge: int) -> np.ndarray:
    """The corners of a large array, for choosing widths."""
    if a.ndim == 0:
        return a.reshape(1)
    if a.shape[0] > 2 * edge:
        a = np.concatenate([a[:edge], a[-edge:]])
    return np.concatenate([_summarize(x, edge).ravel() for x in a]) if a.ndim > 1 else a


def _fmt(a: np.ndarray, f: _Formatter, indent: int, summarize: bool) -> str:
    edge = _opts["edgeitems"]
    if a.ndim == 0:
        return f.format(a.item())
    if a.ndim == 1:
        items = [f.format(v) for v in a.tolist()]
        if summarize and a.shape[0] > 2 * edge:
            items = items[:edge] + ["..."] + items[-edge:]
        per_line = max(1, (_opts["linewidth"] - indent) // (f.max_width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(a.shape[0]))
    if summarize and a.shape[0] > 2 * edge:
        rows = rows[:edge] + [None] + rows[-edge:]
    parts = [("..." if i is None else _fmt(a[i], f, indent + 1, summarize)) for i in rows]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def tensor_repr(t) -> str:
    a = t._data
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    summarize = a.size > _opts["threshold"]
    if a.size == 0:
        body = "[]"
        if a.shape != (0,):
            suffixes.append(f"size={tuple(a.shape)}")
    else:
        f = _Formatter(_summarize(a, _opts["edgeitems"]) if summarize else a)
        body = _fmt(a, f, indent, summarize)
    d = t.dtype
    default = (_dt.get_default_dtype(), _dt.int64, _dt.bool)
    if d not in default or (a.size == 0 and d is not _dt.get_default_dtype()):
        suffixes.append(f"dtype={d!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if suffixes:
        body += ", " + ", ".join(suffixes)
    return prefix + body + ")"
