"""Export a model, check the file with onnx.checker, and compare ONNX Runtime with glasstorch."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glasstorch
import glasstorch.onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _flat(obj) -> list:
    if isinstance(obj, glasstorch.Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _flat(o)]
    return []


def export_and_compare(model, example: tuple, others: tuple = (), dynamic=None, rtol=1e-5, atol=1e-6,
                       **kwargs):
    """Export ``model`` on ``example`` (a tuple of args) with ``dynamic`` = ``{input_index: axes}``
    for each input (and every output gets axis 0 dynamic when ``dynamic`` is given); then run
    the ONNX graph on ``example`` and on each tuple in ``others`` and compare. Returns the model proto."""
    n_in = len(_flat(example))
    names = [f"in{i}" for i in range(n_in)]
    with glasstorch.no_grad():
        n_out = len(_flat(model(*example)))
    out_names = [f"out{i}" for i in range(n_out)]
    dyn = None
    if dynamic is not None:
        dyn = {names[i]: axes for i, axes in dynamic.items()}
    buf = io.BytesIO()
    glasstorch.onnx.export(model, example, buf, input_names=names, output_names=out_names, dynamic_axes=dyn,
                           **kwargs)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(buf.getvalue(), opts, providers=["CPUExecutionProvider"])
    for args in (example,) + tuple(others):
        xs = _flat(args)
        got = sess.run(None, {n: x.numpy() for n, x in zip(names, xs)})
        with glasstorch.no_grad():
            was = model.training if hasattr(model, "training") else None
            if was:
                model.eval()
            want = _flat(model(*args))
            if was:
                model.train()
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == tuple(w.shape)
            assert g.dtype == w.numpy().dtype
            np.testing.assert_allclose(g, w.numpy(), rtol=rtol, atol=atol)
    return proto


def op_types(proto) -> list:
    return [n.op_type for n in proto.graph.node]
