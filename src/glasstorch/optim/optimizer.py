"""Optimizer: parameter groups, per-parameter state, and their state_dict.

Subclasses implement ``step``; updates work on the parameters' NumPy arrays
in place (``out=`` arguments), so a step allocates almost nothing.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from .. import backend
from .. import dtypes as _dt
from .._hooks import RemovableHandle
from ..autograd import grad_mode as _gm
from ..backend import array_module
from ..tensor import Tensor, _writable

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Marks a default that every parameter group must give (SGD's lr in old torch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` before every optimizer's step."""
    h = RemovableHandle(_global_pre_hooks)
    _global_pre_hooks[h.id] = hook
    return h


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` after every optimizer's step."""
    h = RemovableHandle(_global_post_hooks)
    _global_post_hooks[h.id] = hook
    return h


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def _with_hooks(step: Callable) -> Callable:
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        for hook in chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{step} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                    )
                args, kwargs = result
        out = step(self, *args, **kwargs)
        self._opt_called = True  # lets a scheduler warn when it is stepped first
        for hook in chain(self._optimizer_step_post_hooks.values(), _global_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._hooked = True
    return wrapper


class Optimizer:
    """Base class for all optimizers (``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts
            (parameter groups, each with its own options).
        defaults: the options a group gets when it does not set them.
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _with_hooks(step)

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            "or dicts, but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- groups -----------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. a new layer to fine-tune)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                          "more information", stacklevel=3)
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients ----------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                if _writable(g._data):
                    g._data.fill(0)
                else:
                    g._data = array_module(g._data).zeros_like(g._data)
                g._version[0] += 1

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one update; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    # -- helpers for subclasses ---------------------------------------------------
    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """The state a parameter starts with, made on its first step (each optimizer
        lists its buffers here)."""
        return {}

    def _params_with_grad(self, group: dict[str, Any], n_work: int = 1, with_state: bool = True):
        """Walk the parameters of ``group`` that have a gradient, for one step.

        Yields ``(p, d, g, state, work)``: ``d`` is ``p``'s writable array;
        ``state`` its state, filled by :meth:`_init_state` on the first step
        (``None`` with ``with_state=False``: then no entry is made, as torch's SGD
        without momentum makes none); ``work`` ``n_work`` scratch arrays shaped like
        ``d``; ``g`` the gradient for this step: ``p.grad`` negated for ``maximize``
        and with ``weight_decay`` applied (``+ wd * p``, or with
        ``decoupled_weight_decay`` by shrinking ``d`` here), held in ``work[0]`` or
        in ``p.grad``'s own array (then read only). After the caller's loop body has
        updated ``d`` in place, ``p``'s version counter is bumped.
        """
        lr, wd = _float(group["lr"]), _float(group.get("weight_decay", 0))
        maximize = group.get("maximize", False)
        decoupled = group.get("decoupled_weight_decay", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            d = self._data(p)
            state = self.state[p] if with_state else None
            if with_state and not state:
                state.update(self._init_state(p, group))
            work = self._work(d, n_work)[:n_work]
            g = self._decayed_grad(p, d, lr, wd, maximize, decoupled, work[0])
            yield p, d, g, state, work
            self._bump(p)

    @staticmethod
    def _closure_loss(closure):
        if closure is None:
            return None
        with _gm.enable_grad():
            return closure()

    def _work(self, arr: np.ndarray, n: int = 1) -> list[np.ndarray]:
        """``n`` scratch arrays shaped like ``arr``, reused from step to step."""
        cache = self.__dict__.setdefault("_scratch", {})
        key = (arr.shape, arr.dtype.str)
        bufs = cache.get(key)
        if bufs is None or len(bufs) < n:
            bufs = cache[key] = [array_module(arr).empty_like(arr) for _ in range(n)]
        return bufs

    @staticmethod
    def _data(p: Tensor) -> np.ndarray:
        """The parameter's array, made writable if it was a read-only view."""
        d = p._data
        if not _writable(d):
            d = p._data = d.copy()
        return d

    @staticmethod
    def _grad(p: Tensor, g: np.ndarray, wd: float, maximize: bool, out: np.ndarray) -> np.ndarray:
        """``(-g if maximize else g) + wd * p`` without touching ``p.grad``: either ``g`` itself
        (nothing to change, read only) or ``out`` holding the result."""
        xp = array_module(g)
        if wd == 0:
            if not maximize:
                return g
            xp.negative(g, out=out)
            return out
        xp.multiply(p._data, wd, out=out)
        if maximize:
            xp.subtract(out, g, out=out)
        else:
            xp.add(out, g, out=out)
        return out

    def _decayed_grad(self, p: Tensor, d: np.ndarray, lr: float, wd: float, maximize: bool,
                      decoupled: bool, out: np.ndarray) -> np.ndarray:
        """The gradient for this step. Decoupled weight decay (AdamW's) shrinks the weights
        ``d`` by ``1 - lr * wd`` here; otherwise ``wd * p`` is added to the gradient (L2)."""
        if decoupled and wd != 0:
            array_module(d).multiply(d, 1 - lr * wd, out=d)
            wd = 0
        return self._grad(p, p.grad._data, wd, maximize, out)

    @staticmethod
    def _count_step(state: dict) -> float:
        """Advance ``state["step"]`` (a scalar tensor, as torch keeps it) and return the new count."""
        step_t = state["step"]._data
        step_t += 1
        return backend.scalar_state(step_t)

    @staticmethod
    def _scalar_dtype():
        """torch keeps scalar state (``step``, ``mu_product``, ...) in float32 unless the
        default dtype is float64."""
        return np.float64 if _dt.get_default_dtype() is _dt.float64 else np.float32

    @staticmethod
    def _scalar_state(value: float = 0.0) -> Tensor:
        """A 0-d tensor for ``step``/``mu_product``/...: in :meth:`_scalar_dtype`, on the host
        (torch keeps these scalars on the CPU whatever the parameters' device)."""
        return Tensor._make(backend.from_numpy(np.array(value, dtype=Optimizer._scalar_dtype())),  # host
                            False, None, 0)

    @staticmethod
    def _zeros_like(p: Tensor, fill: float = 0.0) -> Tensor:
        xp = array_module(p._data)
        arr = xp.zeros_like(p._data) if fill == 0 else xp.full_like(p._data, fill)
        return Tensor._make(arr, False, None, 0)

    @staticmethod
    def _bump(p: Tensor) -> None:
        p._version[0] += 1

    # -- state_dict ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as ``{'state': {index: {...}}, 'param_groups': [...]}``.

        Parameters are replaced by their position across all groups, so the
        dict holds no reference to the model.
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        out = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    @staticmethod
    def _cast_state(param: Tensor, value, key=None):
        """A copy of a loaded state value, in the parameter's dtype (``step`` keeps its own)."""
        if isinstance(value, Tensor):
            arr = value._data
            if key != "step" and param.is_floating_point() and arr.dtype != param._data.dtype:
                arr = arr.astype(param._data.dtype)
            else:
                arr = arr.copy()
            return Tensor._make(arr, False, None, 0)
        if isinstance(value, dict):
            return {k: Optimizer._cast_state(param, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(Optimizer._cast_state(param, v) for v in value)
        return value

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a dict made by :meth:`state_dict` (groups must match in number and size)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size "
                             "of optimizer's group")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = self._cast_state(id_map[k], v)
            else:
                state[k] = v
        for group, new in zip(groups, saved_groups):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    # -- hooks ----------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs before each step; it may return new (args, kwargs)."""
        h = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[h.id] = hook
        return h

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after each step."""
        h = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[h.id] = hook
        return h

    def _register(self, hooks: OrderedDict, hook: Callable, prepend: bool) -> RemovableHandle:
        h = RemovableHandle(hooks)
        hooks[h.id] = hook
        if prepend:
            hooks.move_to_end(h.id, last=False)
        return h

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- misc -------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks"):
            self.__dict__.setdefault(name, OrderedDict())

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def _float(x) -> float:
    return float(x.item()) if isinstance(x, Tensor) else x


_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def _check_non_negative(**options) -> None:
    """torch's ValueError ("Invalid momentum value: -1") for the first option, in the
    order given, that is not ``>= 0`` (NaN included)."""
    for name, value in options.items():
        _check(0.0 <= _float(value), f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def _check_common(lr, eps=None, weight_decay=None, betas=None) -> None:
    """The range checks most optimizers share, with torch's messages."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    _check_non_negative(lr=lr)
    if eps is not None:
        _check_non_negative(eps=eps)
    if betas is not None:
        _check(0.0 <= _float(betas[0]) < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0.0 <= _float(betas[1]) < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    if weight_decay is not None:
        _check_non_negative(weight_decay=weight_decay)
