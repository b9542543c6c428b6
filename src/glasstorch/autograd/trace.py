"""Opt-in recording of each op's output and incoming gradient on its graph node.

Off by default (nodes keep no reference to their outputs). ``viz.record()``
turns it on so a drawing can show every intermediate value and gradient.
"""

from __future__ import annotations

import contextlib

_record = [False]

# None, or a callable ``hook(function_class, args, outputs)`` that every op
# run without recording reports to: set only while glasstorch.onnx traces a
# forward pass (under no_grad), so the ops a model runs can be read back.
_tracer = [None]


@contextlib.contextmanager
def record_values():
    """Inside this block, nodes keep ``metadata['value']`` and, after backward, ``metadata['grad']``."""
    prev = _record[0]
    _record[0] = True
    try:
        yield
    finally:
        _record[0] = prev
