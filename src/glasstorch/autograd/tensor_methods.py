"""Tensor's autograd methods: backward, hooks, retain_grad, and in-place writes.

They are defined here, in the autograd layer, because they call the engine
or make graph nodes, and ``tensor.py`` sits a layer below (it must not
import the autograd package, which imports it). ``glasstorch.autograd``
imports this module, which attaches them to :class:`Tensor`; nothing else
is attached here.
"""

from __future__ import annotations

from .._grad_state import _tls
from .._hooks import RemovableHandle
from ..tensor import Tensor
from . import engine as _engine
from .function import AccumulateGrad
from .trace import _tracer
from .view_write import rebase_after_view_write

__all__: list[str] = []  # attaches methods to Tensor; exports nothing


def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Compute the gradient of this tensor w.r.t. graph leaves into their ``.grad``."""
    _engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def retain_grad(self) -> None:
    """Keep ``.grad`` for this non-leaf tensor after backward."""
    if not self._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None or self._retains_grad:
        return
    self._retains_grad = True
    self.grad_fn._retain(self._out_nr, self)


def register_hook(self, hook):
    """Run ``hook(grad)`` when this tensor's gradient is computed; it may return a new grad."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        return self.grad_fn._add_pre_hook(self._out_nr, hook)
    if self._hooks is None:
        self._hooks = []
    self._hooks.append(hook)
    return RemovableHandle(self._hooks, item=hook)


def register_post_accumulate_grad_hook(self, hook):
    """Run ``hook(tensor)`` on this leaf after its ``.grad`` has been accumulated in backward.

    The hook returns nothing; it sees the updated ``.grad`` (data-parallel
    training starts reducing a gradient here, while backward goes on).
    """
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    hooks = self.__dict__.setdefault("_post_accumulate_grad_hooks", [])
    hooks.append(hook)
    return RemovableHandle(hooks, item=hook)


def _accumulator(self):
    """The AccumulateGrad node of this leaf (made once, on first use): where its gradient enters ``.grad``."""
    acc = self._accum
    if acc is None:
        acc = self._accum = AccumulateGrad(self)
    return acc


def _check_inplace(self) -> None:
    """torch's refusals of an in-place write that would corrupt the graph (a leaf, a view of one)."""
    if not (self._requires_grad and _tls.grad):
        return
    node = self.grad_fn
    if node is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    first = node
    # A chain of view ops down to a leaf: writing here would write into the leaf.
    while node._fn is not None and node._fn.is_view and node._next:
        node = node._next[0][0]
        if node is None:
            return
        if type(node).__name__ == "AccumulateGrad":
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )
    if first._fn is not None and first._fn.is_view and first._out_metas is not None:
        raise RuntimeError(
            f"Output {self._out_nr} of {type(first).__name__.removesuffix('Backward0')} is a view and is "
            "being modified inplace. This view is the output of a function that returns multiple views. "
            "Such functions do not allow the output views to be modified inplace. You should replace the "
            "inplace operation by an out-of-place one.")


def _inplace(self, op, *args) -> Tensor:
    """Run out-of-place ``op(self, *args)`` and write the result into ``self``.

    When the op is recorded, ``self`` takes over the new node as its
    ``grad_fn`` (as torch's in-place ops do); the op sees a twin of
    ``self`` holding the old values, so its backward is unaffected.
    """
    self._check_inplace()
    recording = _tls.grad and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    if recording:
        twin = Tensor._make(self._data, self._requires_grad, self.grad_fn, self._out_nr)
        twin._accum = self._accum
        r = op(twin, *args)
        node = r.grad_fn
        if node is not None and node._saved and any(
            type(s) is tuple and s[0] is twin for s in node._saved
        ):
            twin._data = self._data.copy()  # backward needs the values from before the write
        self._write(r._data, r.dtype)
        self.grad_fn, self._out_nr, self._requires_grad = node, r._out_nr, r._requires_grad
        base = getattr(self, "_view_base", None)  # a view: its base changed too
        if base is not None and r._requires_grad:
            rebase_after_view_write(base, self, r)
    else:
        prev = _tls.grad
        _tls.grad = False
        try:
            r = op(self, *args)
        finally:
            _tls.grad = prev
        self._write(r._data, r.dtype)
        if _tracer[0] is not None:  # an export: ``self`` now holds what ``r`` holds
            _tracer[0](None, (self,), r)
    self._version[0] += 1
    return self


for _method in (backward, retain_grad, register_hook, register_post_accumulate_grad_hook, _accumulator,
                _check_inplace, _inplace):
    _method.__qualname__ = f"Tensor.{_method.__name__}"
    setattr(Tensor, _method.__name__, _method)
