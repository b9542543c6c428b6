"""What the ONNX exporter's parts share: its error, the converter table and small helpers.

A converter is ``fn(builder, args, outs)`` registered under the name of the
glasstorch Function class it translates; ``_ops.py`` and ``_nn_ops.py`` fill
the table when ``glasstorch.onnx`` is imported, and the builder looks it up.
"""

# host module: ONNX initializers are host arrays; tensor data is read through backend.to_numpy
from __future__ import annotations

import numpy as np

from ..tensor import Tensor

INT64_MAX = 2**63 - 1


class UnsupportedOperatorError(RuntimeError):
    """An op or module met during export has no ONNX translation."""


_CONVERTERS: dict = {}


def converter(cls):
    """The converter for Function class ``cls`` (its own, else its nearest base's), or None."""
    for k in cls.__mro__:
        if k.__module__.startswith("glasstorch.") and k.__name__ in _CONVERTERS:
            return _CONVERTERS[k.__name__]
    return None


def register(*names):
    def deco(fn):
        for n in names:
            _CONVERTERS[n] = fn
        return fn
    return deco


def _tp(np_dtype) -> int:
    """ONNX's element type number for a NumPy dtype."""
    from onnx import helper  # the optional extra: imported only while exporting

    return helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype))


def _f(x, v):
    """A number as an array of ``x``'s dtype."""
    return np.asarray(v, dtype=x._data.dtype)


def _srcs(args):
    return [a for a in args if isinstance(a, Tensor)]


def _out(b, outs, name, args, dyn=None):
    b.bind(outs, name, dyn=dyn, sources=_srcs(args))
