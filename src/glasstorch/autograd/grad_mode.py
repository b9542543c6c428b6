"""Switches that decide whether ops record the graph.

The state is one module-level list so the hot path in
:meth:`Function.apply` reads it with a single index.
"""

from __future__ import annotations

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled"]

_enabled = [True]
_inference = [False]


def is_grad_enabled() -> bool:
    """Whether ops performed now record the autograd graph."""
    return _enabled[0]


def is_inference_mode_enabled() -> bool:
    return _inference[0]


class _Mode:
    """Base of the grad-mode switches: a context manager that also decorates."""

    _value = True
    _inference_value = None  # None: leave the inference flag alone

    def __enter__(self):
        self._saved = (_enabled[0], _inference[0])
        _enabled[0] = self._value
        if self._inference_value is not None:
            _inference[0] = self._inference_value
        return self

    def __exit__(self, *exc):
        _enabled[0], _inference[0] = self._saved
        return False

    def __call__(self, fn):
        value, inference = self._value, self._inference_value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            saved = (_enabled[0], _inference[0])
            _enabled[0] = value
            if inference is not None:
                _inference[0] = inference
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled[0], _inference[0] = saved

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
    """Context manager (or decorator) in which ops record no graph."""

    _value = False


class enable_grad(_NoParamMode):
    """Context manager (or decorator) that turns recording back on inside ``no_grad``."""

    _value = True


class set_grad_enabled(_Mode):
    """Turn recording on or off: works as a plain call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self._value = bool(mode)
        # torch applies the mode at construction, so a bare call takes effect.
        self._saved = (_enabled[0], _inference[0])
        _enabled[0] = self._value

    def __enter__(self):
        return self

    def __call__(self, fn):
        # Used as a decorator the mode applies inside ``fn`` only: undo the
        # switch that construction made.
        _enabled[0], _inference[0] = self._saved
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
