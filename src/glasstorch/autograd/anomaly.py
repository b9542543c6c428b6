"""detect_anomaly: find the forward op behind a NaN in the backward pass."""

from __future__ import annotations

import functools
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]

_anomaly = [False]


def is_anomaly_enabled() -> bool:
    return _anomaly[0]


class detect_anomaly:
    """While active, each op remembers where it was called, and a backward
    that returns NaN raises ``RuntimeError`` naming that op and printing the
    forward call's traceback."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _anomaly[0]
        _anomaly[0] = True
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime "
            "and should only be enabled for debugging.",
            stacklevel=2,
        )
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (a call or a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = _anomaly[0]
        _anomaly[0] = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False
