"""Tensor methods that are the ops of ``glasstorch.ops`` with ``self`` first.

Which ops are methods, and which have an in-place form, is declared in the op
registry (``ops/_registry.py``, flags ``m``, ``v``, ``i``). Most methods are
the op functions themselves (``x.exp()`` is ``glasstorch.exp(x)``); varargs
shapes (``x.view(2, 3)``) and in-place forms (``x.add_(y)``) are made here from
the registry, and the methods whose signature differs from their function
(flag ``c``) are written out below.
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dtypes
from . import ops as _ops
from . import random as _random
from .autograd import grad_mode as _gm
from .backend import array_module, from_numpy, to_numpy
from .dtypes import SCALAR_TYPE_NAMES
from .ops import _registry
from .ops import linalg as _linalg
from .ops.indexing.checks import check_index_put, is_mask_fill
from .ops.pointwise import compare as _compare
from .tensor import Tensor

# The op methods: each op of glasstorch.ops whose registry line carries ``m`` is
# its own method (``x.exp()`` is ``glasstorch.exp(x)``).
for _name in _registry.with_flag("m"):
    setattr(Tensor, _name, getattr(_ops, _name))


def _varargs(fn):
    """``x.view(2, 3)`` and ``x.view((2, 3))`` both work, as in torch."""

    def method(self, *shape):
        if not shape:
            raise TypeError(f"{fn.__name__}() missing 1 required positional arguments: \"size\"")
        return fn(self, *shape)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name in _registry.with_flag("v"):  # view reshape permute expand repeat
    setattr(Tensor, _name, _varargs(getattr(_ops, _name)))


def _flip(self, *dims):
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    return _ops.flip(self, dims)


Tensor.flip = _flip
Tensor.norm = lambda self, p="fro", dim=None, keepdim=False, dtype=None: _ops.norm(self, p, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------------- in place
def _inplace_of(fn):
    def method(self, *args, **kwargs):
        return self._inplace(lambda x, *a: fn(x, *a, **kwargs), *args)

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return method


for _name in _registry.with_flag("i"):
    setattr(Tensor, _name + "_", _inplace_of(getattr(_ops, _name)))


def _bitwise_inplace_of(fn):
    def method(self, other):
        _compare.check_bitwise_inplace(self, other)
        return self._inplace(fn, other)

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return method


for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    setattr(Tensor, _name + "_", _bitwise_inplace_of(getattr(_ops, _name)))


def float_power_(self, exponent) -> Tensor:
    """In-place version of :meth:`float_power`: only a float64 (complex128) tensor can hold the result."""
    want = "complex128" if self._data.dtype.kind == "c" else "float64"
    if self._data.dtype.name != want:
        raise RuntimeError(f"the base given to float_power_ has dtype {SCALAR_TYPE_NAMES[self.dtype.name]} but "
                           f"the operation's result requires dtype {SCALAR_TYPE_NAMES[want]}")
    return self._inplace(_ops.float_power, exponent)


Tensor.float_power_ = float_power_


def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """In-place version of :meth:`baddbmm`."""
    _linalg.check_baddbmm_inplace(self, batch1, batch2)
    return self._inplace(lambda x, a, b: _ops.baddbmm(x, a, b, beta=beta, alpha=alpha), batch1, batch2)


Tensor.baddbmm_ = baddbmm_


def _write_values(self, arr) -> Tensor:
    """Overwrite the values without recording (fills, random samples).

    A NumPy ``arr`` (a draw made on the host) moves to the tensor's device.
    """
    self._check_inplace()
    if _gm._tls.grad and self.grad_fn is not None:
        # a recorded tensor overwritten by constants: gradient stops here
        self.grad_fn = None
        self._requires_grad = False
    self._data[...] = from_numpy(arr) if type(arr) is np.ndarray else arr
    self._version[0] += 1
    return self


def zero_(self) -> Tensor:
    """Fill with zeros, in place."""
    return _write_values(self, 0)


def fill_(self, value) -> Tensor:
    """Fill with ``value``, in place."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        # a tensor value is cast as it is (torch checks only Python numbers against the dtype)
        return _write_values(self, value._data.astype(self._data.dtype))
    return _write_values(self, _ops.creation.fitted(value, self.dtype))


def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into this tensor."""
    src = src if isinstance(src, Tensor) else Tensor._make(from_numpy(np.asarray(src)), False, None, 0)  # host: Python or NumPy data
    try:
        fits = np.broadcast_shapes(src._data.shape, self._data.shape) == self._data.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(src._data.shape, self._data.shape)) if _bc(src, self) else list(src._data.shape)}"
        )
    if not (_gm._tls.grad and (src._requires_grad or self._requires_grad)):
        self._check_inplace()
        array_module(self._data).copyto(self._data, src._data, casting="unsafe")
        self._version[0] += 1
        return self
    return self._inplace(lambda x, s: s._cast(x.dtype).expand(x.shape).clone(), src)


def _bc(a, b) -> bool:
    try:
        np.broadcast_shapes(a._data.shape, b._data.shape)
        return True
    except ValueError:
        return False


def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from U(a, b)."""
    return _write_values(self, _random._rng(generator).uniform(a, b, self._data.shape))


def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std**2)."""
    _random._check_std(std)
    return _write_values(self, mean + std * _random._rng(generator).standard_normal(self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    prob = p._data if isinstance(p, Tensor) else p
    return _write_values(self, from_numpy(_random._rng(generator).random(self._data.shape)) < prob)


def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    if self._data.dtype.kind != "f" and self._data.size:  # torch draws nothing for an empty tensor
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {SCALAR_TYPE_NAMES[self.dtype.name]}")
    return _write_values(self, _random._rng(generator).exponential(1.0 / lambd, self._data.shape))


def random_(self, from_=0, to=None, *, generator=None) -> Tensor:
    if to is None:
        from_, to = 0, from_ if from_ else 2 ** 24
    return _write_values(self, _random._rng(generator).integers(from_, to, self._data.shape))


def bernoulli(self, p=None, *, generator=None) -> Tensor:
    return _random.bernoulli(self, p, generator=generator)


def multinomial(self, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    return _random.multinomial(self, num_samples, replacement, generator=generator)


def index_put_(self, indices, values, accumulate: bool = False) -> Tensor:
    target = check_index_put(self, tuple(indices), values, accumulate)
    if target is not None and 0 in target:  # nothing to write: torch never looks at the index values
        self._check_inplace()
        return self
    if is_mask_fill(tuple(indices), values, accumulate):
        values = values.reshape(())  # one value filled in, whatever its shape (torch's masked fill)
    if accumulate:
        return self._inplace(lambda x, v: _ops.index_put(x, indices, v, True), values)
    return _ops.index_put_(self, tuple(indices), values)


def _addc(self, tensor1, tensor2, value, divide: bool) -> Tensor:
    """``self + value * tensor1 * tensor2`` (or ``/ tensor2``) as torch's kernel computes it: the
    three operands in their common dtype, float16 in float32 rounded once at the end, an integer
    result with ``value`` cast to an integer."""
    dt = _dtypes.result_type(self, tensor1, tensor2)
    work = _dtypes.float32 if dt == _dtypes.float16 else dt
    a, b, c = (t if t.dtype == dt else t.to(dt) for t in (self, tensor1, tensor2))  # int32 2049 is 2048 in float16
    if work != dt:
        a, b, c = a.to(work), b.to(work), c.to(work)
    if not (work.is_floating_point or work.is_complex or work == _dtypes.bool):
        _ops.creation.check_fits(value, work)
        value = int(value)
    r = b * value if value != 1 else b
    out = a + (r / c if divide else r * c)
    return out if out.dtype == dt else out.to(dt)


def addcmul(self, tensor1, tensor2, *, value=1) -> Tensor:
    """``self + value * tensor1 * tensor2``."""
    return _addc(self, tensor1, tensor2, value, False)


def addcdiv(self, tensor1, tensor2, *, value=1) -> Tensor:
    """``self + value * tensor1 / tensor2``."""
    if tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    return _addc(self, tensor1, tensor2, value, True)


def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
    return self._inplace(lambda x, a, b: addcmul(x, a, b, value=value), tensor1, tensor2)


def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
    return self._inplace(lambda x, a, b: addcdiv(x, a, b, value=value), tensor1, tensor2)


def _new_like(fn):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return fn(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    return method


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _ops.full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _ops.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def unfold(self, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` along ``dimension`` taken every ``step``, as a new last dim."""
    zero_d = self._data.ndim == 0
    if zero_d:
        self = self.reshape(1)
    n = self._data.shape[_ops._util.wrap_dim(dimension, self._data.ndim)]
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dimension} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if zero_d:  # torch gives the one window alone: shape [size]
        return self.narrow(0, 0, size)
    starts = np.arange(0, n - size + 1, step)  # host: window starts from the shape
    idx = starts[:, None] + np.arange(size)[None, :]  # host: window offsets
    out = _ops.index_select(self, dimension, Tensor._make(from_numpy(idx.reshape(-1)), False, None, 0))
    shape = list(self._data.shape)
    dim = dimension % self._data.ndim
    shape[dim:dim + 1] = [len(starts), size]
    return out.reshape(shape).movedim(dim + 1, -1)


def _apply_(self, fn) -> Tensor:
    return _write_values(self, np.vectorize(fn)(to_numpy(self._data)))  # host: Python calls per element


for _fn in (zero_, fill_, copy_, uniform_, normal_, bernoulli_, exponential_, random_, bernoulli,
            multinomial, index_put_, addcmul, addcdiv, addcmul_, addcdiv_, new_full, new_tensor,
            unfold):
    setattr(Tensor, _fn.__name__, _fn)

Tensor.apply_ = _apply_
Tensor.new_zeros = _new_like(_ops.zeros)
Tensor.new_ones = _new_like(_ops.ones)
Tensor.new_empty = _new_like(_ops.empty)
Tensor.sort = lambda self, dim=-1, descending=False, stable=False: _ops.sort(self, dim, descending, stable=stable)
Tensor.argsort = lambda self, dim=-1, descending=False, stable=False: _ops.argsort(self, dim, descending, stable=stable)
Tensor.topk = lambda self, k, dim=-1, largest=True, sorted=True: _ops.topk(self, k, dim, largest, sorted)


def _unflatten_method(self, dim, sizes):
    """``x.unflatten(dim, sizes)``: torch's method refuses empty sizes before it looks at the dim."""
    if not len(sizes):
        raise RuntimeError("unflatten: sizes must be non-empty")
    return _ops.unflatten(self, dim, sizes)


Tensor.unflatten = _unflatten_method


# ---------------------------------------------------------------- elementwise and matrix-product extras
def _where_method(self, condition, other):
    """``x.where(condition, y)`` is ``where(condition, x, y)``."""
    return _ops.where(condition, self, other)


Tensor.where = _where_method
