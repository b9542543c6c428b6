"""Export a model to ONNX: ``glasstorch.onnx.export(model, args, "model.onnx")``.

The model runs one forward pass on ``args`` (in eval mode, with no graph
recorded) while every op reports itself; each is written as ONNX nodes with
the ``onnx`` package (``pip install glasstorch[onnx]``). What exports and what
does not is listed in docs/interop.md.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence

from .._hooks import RemovableHandle
from .._nested import tensors_in
from ..autograd import grad_mode
from ..autograd.trace import _tracer, record_values
from ..nn.modules import module as _module_mod
from ..nn.modules.module import Module
from ..tensor import Tensor
from . import _nn_ops, _ops  # noqa: F401  (importing them fills the converter table)
from ._builder import Builder
from ._common import UnsupportedOperatorError, _tp

__all__ = ["export", "is_in_onnx_export", "UnsupportedOperatorError", "DEFAULT_OPSET"]

DEFAULT_OPSET = 17
_MIN_OPSET = 17  # LayerNormalization, Shape(start, end), ReduceSum with axes as an input
_MAX_OPSET = 20

_exporting = [False]


def is_in_onnx_export() -> bool:
    """True while :func:`export` is tracing a forward pass."""
    return _exporting[0]


def _dynamic_names(dynamic_axes, name) -> dict:
    spec = (dynamic_axes or {}).get(name)
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return {int(k): str(v) for k, v in spec.items()}
    return {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(spec)}


def export(model, args, f, export_params: bool = True, verbose: bool = False, training=None,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           operator_export_type=None, opset_version: int | None = None, do_constant_folding: bool = True,
           dynamic_axes: Mapping | None = None, keep_initializers_as_inputs: bool | None = None,
           custom_opsets=None, export_modules_as_functions: bool = False, autograd_inlining: bool = True,
           **kwargs) -> None:
    """Trace ``model(*args)`` once and write it to ``f`` (a path or a binary file object) as ONNX.

    Args:
        model: a ``nn.Module`` (or any callable built from glasstorch ops).
        args: the example input: a tensor, or a tuple of positional arguments, whose last
            element may be a dict of keyword arguments (as in torch).
        input_names / output_names: names of the graph's inputs and outputs, in order
            (the flattened tensors of ``args`` and of the result).
        dynamic_axes: ``{name: {axis: "dim_name"}}`` or ``{name: [axis, ...]}``: axes whose size
            may differ from the example's when the graph runs.
        opset_version: ONNX opset, 17 (the default) to 20.
        do_constant_folding: compute ops whose inputs are all parameters or constants at export
            time and store the results.
        export_params: store parameters as initializers (else they become graph inputs).
        training: None or ``"EVAL"`` (the model is traced in eval mode either way unless
            ``"TRAINING"``, for which most training-mode ops have no export).

    ``operator_export_type``, ``keep_initializers_as_inputs``, ``custom_opsets``,
    ``export_modules_as_functions`` and ``autograd_inlining`` are accepted and ignored.

    Raises:
        UnsupportedOperatorError: an op or module of the model has no ONNX translation.
    """
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not _MIN_OPSET <= opset <= _MAX_OPSET:
        raise ValueError(f"glasstorch.onnx exports opset versions {_MIN_OPSET} to {_MAX_OPSET}, got {opset}")
    args, kw = _split_args(args)
    params = _named_state(model)
    b = Builder(opset, params, bool(do_constant_folding), bool(export_params))
    inputs = tensors_in((args, kw))
    in_names = _names(input_names, len(inputs), "input")
    graph_inputs = _graph_inputs(b, inputs, in_names, dynamic_axes)
    train = training is not None and str(training).upper().endswith("TRAINING")
    result = _trace(b, model, args, kw, inputs, params, train)
    graph_outputs = _graph_outputs(b, tensors_in(result), output_names, in_names, dynamic_axes)
    for pname, p in b.param_inputs:
        graph_inputs.append(b.onnx.helper.make_tensor_value_info(pname, _elem(p), list(p.shape)))
    proto = _model_proto(b, model, graph_inputs, graph_outputs, opset)
    if verbose:
        print(b.onnx.printer.to_text(proto.graph))
    _write(f, proto.SerializeToString())


def _split_args(args) -> tuple[tuple, dict]:
    """torch's convention: a tensor, or a tuple whose last element may be a dict of keywords."""
    if isinstance(args, Tensor):
        args = (args,)
    elif not isinstance(args, tuple):
        args = tuple(args) if isinstance(args, list) else (args,)
    if args and isinstance(args[-1], dict):
        return args[:-1], dict(args[-1])
    return args, {}


def _named_state(model) -> dict:
    """``id(tensor) -> (qualified name, tensor)`` for the parameters and buffers of a module."""
    params: dict = {}
    if isinstance(model, Module):
        for n, p in model.named_parameters():
            params[id(p)] = (n, p)
        for n, buf in model.named_buffers():
            if buf is not None:
                params[id(buf)] = (n, buf)
    return params


def _names(given, count: int, stem: str) -> list[str]:
    names = list(given or [])
    return names + [f"{stem}_{i}" if i else stem for i in range(len(names), count)]


def _graph_inputs(b: Builder, inputs, names, dynamic_axes) -> list:
    out = []
    for t, name in zip(inputs, names):
        dyn: list = [None] * t.ndim
        dims: list = list(t.shape)
        for a, sym in _dynamic_names(dynamic_axes, name).items():
            dyn[a % t.ndim] = ((sym,), 1)
            dims[a % t.ndim] = sym
        b.add_input(t, name, dyn)
        out.append(b.onnx.helper.make_tensor_value_info(name, _elem(t), dims))
    return out


def _trace(b: Builder, model, args, kw, inputs, params, train: bool):
    """Run ``model`` once with every op and module reporting to the builder; restore all after."""
    modules = list(model.modules()) if isinstance(model, Module) else []
    was_training = [m.training for m in modules]
    pre = RemovableHandle(_module_mod._global_forward_pre_hooks)
    post = RemovableHandle(_module_mod._global_forward_hooks)
    for m in modules:
        m.training = train
    # Grad mode stays on (the arithmetic operators skip the op machinery under no_grad, and
    # the trace must see every op), but nothing requires grad, so no graph is recorded.
    frozen = [t for t in list(inputs) + [p for _, p in params.values()] if t._requires_grad]
    for t in frozen:
        t._requires_grad = False
    tls = grad_mode._tls
    prev_grad = tls.grad
    try:
        _module_mod._global_forward_pre_hooks[pre.id] = b.pre_hook
        _module_mod._global_forward_hooks[post.id] = b.post_hook
        _tracer[0] = b.on_op
        _exporting[0] = True
        tls.grad = True
        with record_values():  # ops on tensors that still require grad report through the recording path
            return model(*args, **kw)
    finally:
        tls.grad = prev_grad
        _exporting[0] = False
        _tracer[0] = None
        pre.remove()
        post.remove()
        b.unpatch()
        for m, t in zip(modules, was_training):
            m.training = t
        for t in frozen:
            t._requires_grad = True


def _graph_outputs(b: Builder, outputs, output_names, in_names, dynamic_axes) -> list:
    helper = b.onnx.helper
    out_names = _names(output_names, len(outputs), "output")
    graph_outputs = []
    seen: set = set()
    for t, name in zip(outputs, out_names):
        src = b.name(t)
        if src == name:
            pass
        elif src in seen or src in b.initializers or src in in_names or src in {p for p, _ in b.param_inputs}:
            b.nodes.append(helper.make_node("Identity", [src], [name], name=b.fresh("Identity")))
        else:
            _rename(b, src, name)
        seen.add(name)
        axes = _dynamic_names(dynamic_axes, name)
        dims = []
        for a, (n, d) in enumerate(zip(t.shape, b.dyn(t))):
            if a in axes or a - t.ndim in axes:
                dims.append(axes.get(a, axes.get(a - t.ndim)))
            elif d is not None:
                dims.append(d[0][0] if d[1] == 1 and len(d[0]) == 1 else None)
            else:
                dims.append(n)
        graph_outputs.append(helper.make_tensor_value_info(name, _elem(t), dims))
    return graph_outputs


def _model_proto(b: Builder, model, graph_inputs, graph_outputs, opset: int):
    helper = b.onnx.helper
    inits = [b.onnx.numpy_helper.from_array(arr, name) for name, arr in b.initializers.items()]
    graph = helper.make_graph(b.nodes, type(model).__name__ if isinstance(model, Module) else "graph",
                              graph_inputs, graph_outputs, inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="glasstorch")
    proto.ir_version = min(proto.ir_version, 8 if opset <= 18 else 9)
    return proto


def _elem(t) -> int:
    return _tp(t._data.dtype)


def _rename(b, old: str, new: str) -> None:
    """Give the node output ``old`` the graph output's name ``new``."""
    for node in b.nodes:
        for seq in (node.input, node.output):
            for i, n in enumerate(seq):
                if n == old:
                    seq[i] = new
    for e in b.entries.values():
        if e.name == old:
            e.name = new


def _write(f, data: bytes) -> None:
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # the mode open() would give, not mkstemp's private one
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

