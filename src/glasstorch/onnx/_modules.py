"""Module-level converters: modules that ONNX has one op for, exported as that op.

Recurrent layers become ONNX's LSTM / GRU / RNN (one node per layer, gates
reordered to ONNX's layout), batch norm in eval mode BatchNormalization.
Everything else is exported op by op (``_ops.py``).
"""

# host module: ONNX initializers are host arrays; tensor data is read through backend.to_numpy
from __future__ import annotations

import numpy as np

from .. import backend
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.rnn import RNNBase
from ..tensor import Tensor
from ._common import UnsupportedOperatorError


def module_converter(module):
    if isinstance(module, RNNBase):
        return _rnn
    if isinstance(module, _BatchNorm) and not module.training and module.running_mean is not None:
        return _batch_norm
    return None


def _batch_norm(b, m, args, kwargs, result):
    x = args[0] if args else kwargs["input"]
    dt = x._data.dtype
    c = m.num_features
    scale = b.name(m.weight) if m.weight is not None else b.const(np.ones(c, dt))
    bias = b.name(m.bias) if m.bias is not None else b.const(np.zeros(c, dt))
    y = b.node("BatchNormalization", [b.name(x), scale, bias, b.name(m.running_mean), b.name(m.running_var)],
               epsilon=float(m.eps))
    b.bind(result, y, sources=[x])


# torch's gate blocks, listed in ONNX's order: LSTM (i,f,g,o) -> (i,o,f,c); GRU (r,z,n) -> (z,r,h)
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _gates(arr, order):
    blocks = np.split(arr, len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def _rnn(b, m, args, kwargs, result):
    x = args[0] if args else kwargs["input"]
    hx = args[1] if len(args) > 1 else kwargs.get("hx")
    if not isinstance(x, Tensor):
        raise UnsupportedOperatorError(f"Exporting {type(m).__name__} on a PackedSequence is not supported")
    if getattr(m, "proj_size", 0):
        raise UnsupportedOperatorError("Exporting LSTM with proj_size > 0 is not supported")
    mode = m.mode
    op = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
    order = _ORDER[mode]
    H, D = m.hidden_size, 2 if m.bidirectional else 1
    dt = x._data.dtype
    unbatched = x.ndim == 2
    h0 = c0 = None
    if hx is not None:
        h0, c0 = (hx if mode == "LSTM" else (hx, None))
    seq = b.name(x)
    if unbatched:
        seq = b.node("Unsqueeze", [seq, b.ints([1])])
    elif m.batch_first:
        seq = b.node("Transpose", [seq], perm=[1, 0, 2])

    def initial(state, layer):
        if state is None:
            return None
        name = b.name(state)
        if unbatched:
            name = b.node("Unsqueeze", [name, b.ints([1])])
        return b.node("Slice", [name, b.ints([layer * D]), b.ints([(layer + 1) * D]), b.ints([0])])

    hs, cs = [], []
    for layer in range(m.num_layers):
        Ws, Rs, Bs = [], [], []
        for d in range(D):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih = backend.to_numpy(getattr(m, "weight_ih" + sfx)._data)
            w_hh = backend.to_numpy(getattr(m, "weight_hh" + sfx)._data)
            Ws.append(_gates(w_ih, order))
            Rs.append(_gates(w_hh, order))
            if m.bias:
                Bs.append(np.concatenate([_gates(backend.to_numpy(getattr(m, "bias_ih" + sfx)._data), order),
                                          _gates(backend.to_numpy(getattr(m, "bias_hh" + sfx)._data), order)]))
            else:
                Bs.append(np.zeros(2 * len(order) * H, dt))
        ins = [seq, b.const(np.stack(Ws), hint="W"), b.const(np.stack(Rs), hint="R"),
               b.const(np.stack(Bs), hint="B"), None, initial(h0, layer)]
        attrs = dict(hidden_size=H, direction="bidirectional" if D == 2 else "forward")
        if op == "LSTM":
            ins.append(initial(c0, layer))
            y, yh, yc = b.node("LSTM", ins, n_out=3, **attrs)
            cs.append(yc)
        elif op == "GRU":
            y, yh = b.node("GRU", ins, n_out=2, linear_before_reset=1, **attrs)
        else:
            act = "Tanh" if mode == "RNN_TANH" else "Relu"
            y, yh = b.node("RNN", ins, n_out=2, activations=[act] * D, **attrs)
        hs.append(yh)
        # Y is (seq, dirs, batch, H): the next layer reads (seq, batch, dirs * H)
        y = b.node("Transpose", [y], perm=[0, 2, 1, 3])
        seq = b.node("Reshape", [y, b.ints([0, 0, -1])])
    out = seq
    if unbatched:
        out = b.node("Squeeze", [out, b.ints([1])])
    elif m.batch_first:
        out = b.node("Transpose", [out], perm=[1, 0, 2])
    h_n = hs[0] if len(hs) == 1 else b.node("Concat", hs, axis=0)
    if unbatched:
        h_n = b.node("Squeeze", [h_n, b.ints([1])])
    srcs = [t for t in (x, h0, c0) if t is not None]
    output, state = result
    b.bind(output, out, sources=srcs)
    if op == "LSTM":
        c_n = cs[0] if len(cs) == 1 else b.node("Concat", cs, axis=0)
        if unbatched:
            c_n = b.node("Squeeze", [c_n, b.ints([1])])
        b.bind(state[0], h_n, sources=srcs)
        b.bind(state[1], c_n, sources=srcs)
    else:
        b.bind(state, h_n, sources=srcs)
