"""Random arguments for the differential fuzzer.

A spec (see ``specs.py``) is a short string of argument kinds, or a function
that draws the arguments itself. Structure (shapes, dtypes, dims, keyword
values) is drawn through hypothesis so a failing case can be replayed from its
seed; the element values come from a NumPy generator seeded by one hypothesis
draw, which keeps a case cheap to make.

Arguments are library-neutral: an array stands for a tensor and a ``Dtype``
for a dtype; ``materialize`` turns them into glasstorch or torch objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
# float32 is the common case; every dtype still comes up often enough
DTYPE_WEIGHTS = [1, 1, 0.5, 0.5, 1, 2, 1, 3, 2]
FLOATS = ["float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
# drawn only where a spec asks for them (``g.ztensor()``), so the other ops' cases stay as they were
COMPLEX = ["complex64", "complex128"]


@dataclass(frozen=True)
class Dtype:
    name: str

    def __repr__(self) -> str:
        return f"{self.name}"


class Arr(np.ndarray):
    """An array that becomes a tensor (a plain ndarray stays an ndarray)."""


def arr(a: np.ndarray) -> Arr:
    return np.asarray(a).view(Arr)


class Raw:
    """A value passed as is to both libraries (e.g. a NumPy array)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self) -> str:
        return f"Raw({self.value!r})"


class G:
    """What a spec draws with: ``g.tensor()``, ``g.dim()``, ``g.pick(...)``..."""

    def __init__(self, draw):
        self.draw = draw
        self.rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        self.first: np.ndarray | None = None

    # ------------------------------------------------------------ small draws
    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def bool(self) -> bool:
        return self.draw(st.booleans())

    def dtype_name(self, kinds=None) -> str:
        names = DTYPES if kinds is None else kinds
        if kinds is None:
            i = self.rng.choice(len(DTYPES), p=np.array(DTYPE_WEIGHTS) / sum(DTYPE_WEIGHTS))
            return self.draw(st.sampled_from([DTYPES[i]] + DTYPES)) if self.chance(0.05) else DTYPES[i]
        return self.pick(names)

    def dtype(self) -> Dtype:
        return Dtype(self.dtype_name())

    def scalar(self, kind: str = "any"):
        k = self.pick(["int", "float", "bool"]) if kind == "any" else kind
        if k == "int":
            return self.pick([0, 1, 2, -1, 3, -3, 5, 300])
        if k == "bool":
            return self.bool()
        return self.pick([0.0, 0.5, -1.5, 2.0, 1e-3, 3.25, float("nan"), float("inf"), -float("inf")])

    # ------------------------------------------------------------ shapes
    def shape(self, ndim: int | None = None, max_ndim: int = 4) -> tuple:
        if ndim is None:
            ndim = self.pick([0, 1, 1, 2, 2, 2, 3, 3, 4][: 2 * max_ndim + 1])
        return tuple(self.pick([0, 1, 1, 2, 2, 3, 3, 4]) for _ in range(ndim))

    def bshape(self) -> tuple:
        """A shape that usually broadcasts against the first tensor's."""
        base = self.first.shape if self.first is not None else self.shape()
        how = self.pick(["same", "same", "ones", "suffix", "any"])
        if how == "same":
            return base
        if how == "ones":
            return tuple(1 if self.chance(0.5) else s for s in base)
        if how == "suffix":
            return base[self.int(0, len(base)):] if base else ()
        return self.shape()

    def reshape_target(self, shape: tuple) -> tuple:
        n = int(np.prod(shape))
        how = self.pick(["flat", "minus1", "split", "any", "same"])
        if how == "flat":
            return (n,)
        if how == "minus1":
            return (-1,) if not shape else (shape[0], -1) if self.chance(0.5) else (-1, *shape[1:])
        if how == "split" and n:
            d = self.pick([d for d in (1, 2, 3, 4) if n % d == 0])
            return (d, n // d)
        if how == "same":
            return shape
        return self.shape()

    # ------------------------------------------------------------ values
    def values(self, shape: tuple, dtype: str) -> np.ndarray:
        r = self.rng
        if dtype == "bool":
            return r.random(shape) < 0.5
        if dtype in COMPLEX:
            part = "float32" if dtype == "complex64" else "float64"
            z = np.empty(shape, dtype)
            z.real, z.imag = self.values(shape, part), self.values(shape, part)
            return z
        if dtype in FLOATS:
            a = r.standard_normal(shape) * r.choice([1.0, 3.0])
            if r.random() < 0.25:
                a = np.round(a)  # ties and exact zeros
            if r.random() < 0.25 and a.size:
                specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e4])
                mask = r.random(shape) < 0.2
                a = np.where(mask, r.choice(specials, size=shape), a)
            return a.astype(dtype)
        info = np.iinfo(dtype)
        lo = 0 if dtype == "uint8" else -5
        a = r.integers(lo, 6, size=shape)
        if r.random() < 0.1 and a.size:
            a = np.where(r.random(shape) < 0.3, r.choice([info.min, info.max], size=shape), a)
        return a.astype(dtype)

    def tensor(self, shape=None, dtype: str | None = None, kinds=None) -> Arr:
        shape = self.shape() if shape is None else tuple(shape)
        dtype = dtype or self.dtype_name(kinds)
        a = arr(self.values(shape, dtype))
        if self.first is None:
            self.first = a
        return a

    def ftensor(self, shape=None) -> Arr:
        """Usually a float tensor; now and then another dtype, to hit dtype checks."""
        return self.tensor(shape, None if self.chance(0.1) else self.pick(FLOATS))

    def ztensor(self, shape=None) -> Arr:
        """Half of the time a complex tensor, else any dtype."""
        return self.tensor(shape, self.pick(COMPLEX) if self.chance(0.5) else None)

    def index(self, size: int, shape=None, dtype="int64") -> Arr:
        """Indices into a dim of ``size``: mostly valid, sometimes one out of range."""
        shape = self.shape(max_ndim=2) if shape is None else shape
        lo, hi = (-size, size - 1) if size else (0, 0)
        a = self.rng.integers(lo, hi + 1, size=shape)
        if self.chance(0.15) and a.size:
            a.flat[0] = self.pick([size, -size - 1, 100])
        return arr(a.astype(dtype))

    # ------------------------------------------------------------ dims
    def ndim(self) -> int:
        return self.first.ndim if self.first is not None else 0

    def dim(self) -> int:
        n = max(self.ndim(), 1)
        if self.chance(0.1):
            return self.pick([n, -n - 1, n + 1])  # out of range
        return self.int(-n, n - 1)

    def dims(self):
        n = self.ndim()
        how = self.pick(["one", "tuple", "tuple", "empty", "list"])
        if how == "one":
            return self.dim()
        if how == "empty":
            return ()
        k = self.int(1, max(n, 1))
        ds = tuple(self.dim() for _ in range(k))
        return list(ds) if how == "list" else ds


def materialize(value, lib: str):
    """Library objects for a neutral argument (recursively through lists, tuples, dicts)."""
    if isinstance(value, Arr):
        a = np.array(value.view(np.ndarray), copy=True)
        if lib == "torch":
            import torch

            return torch.from_numpy(a).clone()  # a storage of torch's own: resizable, as a user's tensor is
        import glasstorch

        return glasstorch.from_numpy(a)
    if isinstance(value, Dtype):
        mod = __import__("torch" if lib == "torch" else "glasstorch")
        return getattr(mod, value.name)
    if isinstance(value, Raw):
        v = value.value
        return np.array(v, copy=True) if isinstance(v, np.ndarray) else v
    if isinstance(value, list):
        return [materialize(v, lib) for v in value]
    if isinstance(value, tuple):
        return tuple(materialize(v, lib) for v in value)
    if isinstance(value, dict):
        return {k: materialize(v, lib) for k, v in value.items()}
    return value


def describe(value) -> str:
    """A short readable form of a neutral argument, for reports."""
    if isinstance(value, Arr):
        a = value.view(np.ndarray)
        if a.size <= 6:
            return f"tensor({a.tolist()!r}, {a.dtype})"
        return f"tensor(<{a.dtype}{list(a.shape)}>)"
    if isinstance(value, list):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return ", ".join(f"{k}={describe(v)}" for k, v in value.items())
    return repr(value)
