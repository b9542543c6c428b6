"""``x[key]`` and ``x[key] = v``: getitem, select, index_put(_).

``x[key]`` with ints, slices, None and Ellipsis is a view (basic indexing);
with integer or boolean tensors it copies (advanced indexing). Either way
the backward puts the gradient back where the elements came from, adding
up when an index repeats.
"""

from __future__ import annotations

from ...backend import array_module
from .._util import Tensor, wrap_dim
from ._common import _Op
from .checks import (
    check_getitem,
    check_index_put,
    check_leaf_write,
    check_select,
    check_select_0d,
    check_value_shape,
    is_mask_fill,
)
from .plan import _indexed_shape, _Plan, _plan


class _Slice(_Op):
    """Basic indexing (ints, slices, None, Ellipsis): a view."""

    node_name = "SliceBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, plan):
        ctx.shape, ctx.plan = x.shape, plan
        return plan.target(x) if plan.basic else x.view()

    @staticmethod
    def backward(ctx, grad):
        return _Unindex.apply(grad, ctx.shape, ctx.plan), None


class _Select(_Slice):
    node_name = "SelectBackward0"


class _UnsqueezeIdx(_Slice):
    node_name = "UnsqueezeBackward0"


class _AliasIdx(_Slice):
    node_name = "AliasBackward0"


class _Index(_Op):
    """Advanced indexing with integer or boolean arrays: a copy."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, plan):
        ctx.shape, ctx.plan = x.shape, plan
        return plan.take(x)

    @staticmethod
    def backward(ctx, grad):
        return _Unindex.apply(grad, ctx.shape, ctx.plan), None


_GET = {"Slice": _Slice, "Select": _Select, "Unsqueeze": _UnsqueezeIdx, "Alias": _AliasIdx,
        "Index": _Index}


class _Unindex(_Op):
    """The gradient of indexing: zeros of the input's shape with ``g`` added where it came from."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, shape, plan):
        ctx.plan = plan
        xp = array_module(g)
        out = xp.zeros(shape, g.dtype)
        t = plan.target(out)
        if plan.adv is None:
            t[...] = g
        else:
            xp.add.at(t, plan.adv, g)  # repeated indices add up
        return out

    @staticmethod
    def backward(ctx, grad):
        return _GET[ctx.plan.kind].apply(grad, ctx.plan), None, None


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]`` with torch's indexing rules."""
    check_getitem(input, key)
    plan = _plan(input._data.shape, key, array_module(input._data))
    return _GET[plan.kind].apply(input, plan)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dim removed (a view)."""
    check_select_0d(input)
    d = wrap_dim(dim, input._data.ndim)
    index = int(index)
    check_select(input, d, index)
    return _Select.apply(input, _plan(input._data.shape, (slice(None),) * d + (index,)))


class CopySlices(_Op):
    """``out = x.clone(); out[key] = v``: the recorded form of ``x[key] = v``.

    The gradient of ``x`` is zero where it was overwritten; ``v`` gets the
    gradient of the places it was written to.
    """

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, v, plan, accumulate):
        ctx.plan, ctx.vshape, ctx.accumulate = plan, v.shape, accumulate
        xp = array_module(x)
        out = x.copy()
        t = plan.target(out)
        if plan.adv is None:
            t[...] = v
        elif accumulate:
            xp.add.at(t, plan.adv, xp.broadcast_to(v, plan.take(out).shape))
        else:
            t[plan.adv] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = grad if ctx.accumulate else _MaskOut.apply(grad, ctx.plan)
        if ctx.needs_input_grad[1]:
            gv = _GET[ctx.plan.kind].apply(grad, ctx.plan)
            extra = len(ctx.vshape) - gv.ndim
            if extra > 0:  # a value with extra leading ones
                gv = gv.reshape((1,) * extra + tuple(gv.shape))
        return gx, gv, None, None


CopySlices._node_cls.name = lambda self: "torch::autograd::CopySlices"


class IndexPut(CopySlices):
    node_name = "IndexPutBackward0"


class _MaskOut(_Op):
    """The gradient with the overwritten positions set to zero."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, plan):
        ctx.plan = plan
        out = g.copy()
        t = plan.target(out)
        if plan.adv is None:
            t[...] = 0
        else:
            t[plan.adv] = 0
        return out

    @staticmethod
    def backward(ctx, grad):
        return _MaskOut.apply(grad, ctx.plan), None


def _as_value(value, input: Tensor) -> Tensor:
    """A value to write into ``input``: a tensor as it is, anything else as an array of input's dtype."""
    if isinstance(value, Tensor):
        return value
    return Tensor._make(array_module(input._data).asarray(value, dtype=input._data.dtype), False, None, 0)


def _write_unrecorded(input: Tensor, plan: _Plan, v, accumulate: bool) -> None:
    """``input[key] = v`` straight into the array (views see it too)."""
    t = plan.target(input._data)
    if plan.adv is None:
        t[...] = v
    elif accumulate:
        xp = array_module(t)
        xp.add.at(t, plan.adv, xp.broadcast_to(v, t[plan.adv].shape).astype(t.dtype))
    else:
        t[plan.adv] = v
    input._version[0] += 1


def _put(input: Tensor, plan: _Plan, value, accumulate: bool) -> Tensor:
    from ...autograd import grad_mode

    value = _as_value(value, input)
    xp = array_module(input._data)
    check_value_shape(value._data.shape, _indexed_shape(input._data.shape, plan, xp), plan.adv is not None)
    enabled = grad_mode._tls.grad
    if enabled:
        check_leaf_write(input, plan.view_write)
    if not (enabled and (input._requires_grad or value._requires_grad)):
        _write_unrecorded(input, plan, value._data, accumulate)
        return input
    cls = CopySlices if plan.adv is None else IndexPut
    return input._inplace(lambda x, v: cls.apply(x, v._cast(x.dtype), plan, accumulate), value)


def index_put_(input: Tensor, key, value, accumulate: bool = False) -> Tensor:
    """``input[key] = value`` in place (recorded when gradients are involved)."""
    return _put(input, _plan(input._data.shape, key, array_module(input._data)), value, accumulate)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put (or added) at the index tensors ``indices``."""
    indices = tuple(indices)
    target = check_index_put(input, indices, values, accumulate)
    if target is not None and 0 in target:  # nothing to write: torch never looks at the index values
        return input.clone()
    xp = array_module(input._data)
    plan = _plan(input._data.shape, indices, xp)
    values = _as_value(values, input)
    if is_mask_fill(indices, values, accumulate):
        values = values.reshape(())  # one value filled in, whatever its shape (torch's masked fill)
    check_value_shape(values._data.shape, _indexed_shape(input._data.shape, plan, xp), plan.adv is not None)
    cls = CopySlices if plan.adv is None else IndexPut
    return cls.apply(input, values._cast(input.dtype), plan, accumulate)
