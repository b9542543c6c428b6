"""Opt-in recording of each op's output and incoming gradient on its graph node.

Off by default (nodes keep no reference to their outputs). ``viz.record()``
turns it on so a drawing can show every intermediate value and gradient.
The switch is per thread, like grad mode: a drawing records only the graph
its own thread builds.
"""

from __future__ import annotations

import contextlib

from .grad_mode import _recorders, _recorders_lock, _tls

# None, or a callable ``hook(function_class, args, outputs)`` that every op
# run without recording reports to: set only while glasstorch.onnx traces a
# forward pass (under no_grad), so the ops a model runs can be read back.
_tracer = [None]


@contextlib.contextmanager
def record_values():
    """Inside this block, nodes keep ``metadata['value']`` and, after backward, ``metadata['grad']``."""
    prev = _tls.record
    _tls.record = True
    with _recorders_lock:
        _recorders[0] += 1
    try:
        yield
    finally:
        with _recorders_lock:
            _recorders[0] -= 1
        _tls.record = prev
