"""Switches that decide whether ops record the graph.

Each thread has its own switches, as in torch; their state lives in
``glasstorch._grad_state`` (below the Tensor class, which reads it too).
"""

from __future__ import annotations

import functools
import threading

from .._grad_state import _recorders, _recorders_lock, _tls  # noqa: F401  (read from here by ops, nn, viz)

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled"]


def is_grad_enabled() -> bool:
    """Whether ops performed now, in this thread, record the autograd graph."""
    return _tls.grad


def is_inference_mode_enabled() -> bool:
    return _tls.inference


class _Mode:
    """Base of the grad-mode switches: a context manager that also decorates.

    One instance may be entered by several threads at once (a module-level
    ``no_grad()``), so what ``__enter__`` saves is kept per thread.
    """

    _value = True
    _inference_value = None  # None: leave the inference flag alone

    def _saved_stack(self) -> list:
        saved = self.__dict__.get("_saved")
        if saved is None:
            saved = self.__dict__.setdefault("_saved", {})
        return saved.setdefault(threading.get_ident(), [])

    def __enter__(self):
        self._saved_stack().append((_tls.grad, _tls.inference))
        _tls.grad = self._value
        if self._inference_value is not None:
            _tls.inference = self._inference_value
        return self

    def __exit__(self, *exc):
        _tls.grad, _tls.inference = self._saved_stack().pop()
        return False

    def __call__(self, fn):
        value, inference = self._value, self._inference_value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            tls = _tls
            saved = (tls.grad, tls.inference)
            tls.grad = value
            if inference is not None:
                tls.inference = inference
            try:
                return fn(*args, **kwargs)
            finally:
                tls.grad, tls.inference = saved

        return wrapper

    def clone(self):
        return self


class _NoParamMode(_Mode):
    """Lets ``@no_grad`` be written with or without parentheses, as in torch."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if fn is not None and callable(fn):
            return self(fn)
        return self

    def __init__(self, fn=None) -> None:
        pass


class no_grad(_NoParamMode):
    """Context manager (or decorator) in which ops record no graph (in this thread)."""

    _value = False


class enable_grad(_NoParamMode):
    """Context manager (or decorator) that turns recording back on inside ``no_grad``."""

    _value = True


class set_grad_enabled(_Mode):
    """Turn recording on or off in this thread: a plain call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self._value = bool(mode)
        # torch applies the mode at construction, so a bare call takes effect.
        self._prev = (_tls.grad, _tls.inference)
        _tls.grad = self._value

    def __enter__(self):
        self._saved_stack().append(self._prev)
        return self

    def __call__(self, fn):
        # Used as a decorator the mode applies inside ``fn`` only: undo the
        # switch that construction made.
        _tls.grad, _tls.inference = self._prev
        return super().__call__(fn)


class inference_mode(_Mode):
    """Like :class:`no_grad`; glasstorch has no separate inference tensors."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):  # bare @inference_mode
            self._value, self._inference_value = False, True
            return self(mode)
        return self

    def __init__(self, mode: bool = True) -> None:
        if callable(mode):
            mode = True
        self._value = not mode
        self._inference_value = bool(mode)
