"""The per-thread switches every layer reads: is the graph recorded now?

This is the bottom of the stack (it imports nothing from glasstorch), so
the Tensor class and the ops read the same switches without importing the
autograd package. The public switches that set them (``no_grad``,
``set_grad_enabled``, ``inference_mode``) are in ``autograd/grad_mode.py``.

As in torch, each thread has its own switches: ``no_grad`` in one thread
leaves every other thread recording, and a new thread starts with grad
enabled and inference mode off. The state is one ``threading.local`` so the
hot path in :meth:`Function.apply` reads it with a single attribute lookup.
"""

from __future__ import annotations

import threading


class _ThreadState(threading.local):
    """The per-thread switches; the class attributes are a new thread's values."""

    grad = True  # ops record the graph
    inference = False  # inside inference_mode
    record = False  # viz.record(): nodes keep their values and gradients
    raw = False  # the engine runs a backward that builds no graph on bare arrays


_tls = _ThreadState()
# How many threads are inside viz.record() now: the hot path reads this list
# item (cheap) and looks at its own thread's flag only when it is not 0.
_recorders = [0]
_recorders_lock = threading.Lock()
