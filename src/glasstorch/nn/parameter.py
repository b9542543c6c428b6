"""Parameter: a tensor that a Module registers as one of its weights."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that Modules collect
    into ``parameters()`` when assigned as an attribute."""

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        import numpy as np

        arr = np.zeros(0, np.float32) if data is None else (  # host: host data, moved by Tensor._init
            data._data if isinstance(data, Tensor) else np.asarray(data))  # host: host data, moved by Tensor._init
        Tensor._init(self, arr)
        if requires_grad:
            self.requires_grad_(True)

    def __new__(cls, data=None, requires_grad: bool = True):
        return object.__new__(cls)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._make(self._data, False, None, 0), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(Tensor._make(self._data.copy(), False, None, 0), self._requires_grad)
        memo[id(self)] = new
        return new


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module."""

    def __new__(cls, data=None, *, persistent: bool = True):
        t = data.detach() if isinstance(data, Tensor) else Tensor(data)
        t._buffer_persistent = persistent
        return t


class UninitializedParameter(Parameter):
    """A parameter whose shape is set on first use (LazyLinear)."""
