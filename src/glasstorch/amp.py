"""``glasstorch.amp``: autocast and GradScaler, with what glasstorch can honestly do.

Autocast on the CPU: torch's CPU autocast computes matmuls in bfloat16 by
default; glasstorch has no bfloat16, and running matmuls in float16 through
NumPy is slower than float32 and less precise, so an *enabled* CPU autocast
raises ``RuntimeError`` saying so rather than pretending. ``enabled=False``
is a no-op (scripts toggle it with a flag), and ``device_type="cuda"``/
``"mps"`` warns and disables itself, as torch does on a machine without them.

:class:`GradScaler` is real on the CPU: it multiplies the loss by the scale,
unscales the gradients, skips a step whose gradients hold inf/NaN and
grows/backs off the scale like torch's. For ``"cuda"`` it warns and becomes a
pass-through (``enabled=False``), as torch without CUDA does.
"""

from __future__ import annotations

import functools
import math
import warnings

from .backend import array_module, device_available

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hpu", "xla", "meta")


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be enabled for ``device_type``: nowhere, in glasstorch."""
    return False


class autocast:
    """Context manager / decorator for mixed precision; see the module docstring for what runs."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICE_TYPES:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if not self._enabled:
            return
        if device_type != "cpu":
            if device_type == "cuda" and device_available("cuda"):  # pragma: no cover - no CUDA backend yet
                raise RuntimeError("autocast on CUDA is not implemented in glasstorch")
            warnings.warn(f"User provided device_type of '{device_type}', but {device_type.upper()} is not "
                          "available. Disabling autocast.", UserWarning, stacklevel=2)
            self._enabled = False
            return
        name = "bfloat16" if dtype is None else str(dtype).replace("glasstorch.", "").replace("torch.", "")
        if name == "bfloat16":
            raise RuntimeError("autocast on 'cpu' casts to bfloat16 (torch's default for the CPU), which "
                               "glasstorch does not have; run in float32 (enabled=False), or cast the model "
                               "yourself with model.half()")
        raise RuntimeError(f"autocast on 'cpu' with dtype={name} is not implemented in glasstorch: NumPy "
                           "computes float16 matmuls slower than float32; run in float32 (enabled=False)")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapper


def custom_fwd(fwd=None, *, device_type: str = "cpu", cast_inputs=None):
    """Decorator for a custom Function's forward; autocast never runs, so it is returned as is."""
    if fwd is None:
        return lambda f: f
    return fwd


def custom_bwd(bwd=None, *, device_type: str = "cpu"):
    if bwd is None:
        return lambda f: f
    return bwd


class GradScaler:
    """Loss scaling against float16 underflow, with torch's schedule.

    ``scale(loss)`` multiplies by the current scale; ``step(optimizer)``
    unscales the gradients (unless :meth:`unscale_` already did) and skips the
    step if any gradient is inf/NaN; ``update()`` halves the scale after a
    skipped step and doubles it after ``growth_interval`` good ones.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda" and not device_available("cuda"):
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if growth_factor <= 1.0:
            raise AssertionError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise AssertionError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict] = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def scale(self, outputs):
        """``outputs`` (a tensor or nested lists/tuples of them) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def _state(self, optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False, "found_inf": False,
                                                              "stepped": False})

    def unscale_(self, optimizer) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, once per step."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stepped"]:
            raise RuntimeError("unscale_() is being called after step().")
        inv = 1.0 / self._scale
        found = False
        from .autograd import no_grad

        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad._data
                    g *= inv
                    if not found and not bool(_finite(g)):
                        found = True
        state["unscaled"], state["found_inf"] = True, found

    def step(self, optimizer, *args, **kwargs):
        """Unscale if needed, then ``optimizer.step()`` unless a gradient is inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stepped"]:
            raise RuntimeError("step() has already been called since the last update().")
        if not state["unscaled"]:
            self.unscale_(optimizer)
        state["stepped"] = True
        if state["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Adjust the scale from the steps since the last update (or set it to ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        else:
            if not self._per_optimizer:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(s["found_inf"] for s in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = self._scale * self._growth_factor
                    if math.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer.clear()

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def _finite(arr) -> bool:
    return bool(array_module(arr).isfinite(arr).all())


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Autocast never runs in glasstorch (see the module docstring)."""
    return False
