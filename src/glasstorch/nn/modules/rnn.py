"""Recurrent layers: RNN (tanh / relu), LSTM (with optional projection), GRU, and their cells.

Parameter names, shapes and gate order are torch's, so a torch
``state_dict`` loads unchanged. Each layer computes the input projection of
the whole sequence with one GEMM; the loop in Python runs over time steps
only (inside the fused LSTM / GRU layer ops of ``nn/_functional/rnn.py``).
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import ops
from ...dtypes import SCALAR_TYPE_NAMES
from ...tensor import Tensor
from .._functional.dropout import dropout as _dropout
from .._functional.linear import linear
from .._functional.rnn import gru_cell, gru_layer, lstm_cell, lstm_layer, unstack
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _dims(t: Tensor) -> str:
    return f"{t.dim()}-D"


def _size(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU: parameters, argument checks, the layer loop."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", UserWarning, stacklevel=2)
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if device is not None:
            from ...backend import check_device

            check_device(device)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        dirs = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(dirs):
                layer_in = input_size if layer == 0 else real_hidden * dirs
                shapes = [("weight_ih", (gate_size, layer_in)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(ops.empty(*shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            p.data.uniform_(-stdv, stdv)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Accepted for compatibility (parameters are never flattened here)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- argument checks ---------------------------------------------------------
    def _check_input(self, input: Tensor) -> None:
        w = self.weight_ih_l0
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). Convert "
                             f"input: input.to({w.dtype}), or convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}")
        if input.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")

    def _hidden_shape(self, batch: int, size: int) -> tuple:
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    def _check_hidden(self, hx: Tensor, expected: tuple, msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(_size(expected), list(hx.shape)))

    def _check_dims(self, input: Tensor) -> bool:
        """Whether the input is batched (3-D); unbatched (2-D) input is accepted too."""
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        return input.dim() == 3

    # -- the layer loop ------------------------------------------------------------
    def _run(self, x: Tensor, states: list) -> tuple:
        """Run every layer and direction on time-major ``x`` (T, B, in).

        ``states`` holds one initial state per (layer, direction): a Tensor, or
        ``(h, c)`` for LSTM. Returns the last layer's output (T, B, D*H) and the
        final state of every (layer, direction).
        """
        dirs = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = _dropout(x, self.dropout, True)
            outs = []
            for d in range(dirs):
                idx = layer * dirs + d
                weights = [getattr(self, n) for n in self._all_weights[idx]]
                y, final = self._run_direction(x, states[idx], weights, d == 1)
                outs.append(y)
                finals.append(final)
            x = outs[0] if dirs == 1 else ops.cat(outs, dim=2)
        return x, finals

    def _input_projection(self, x: Tensor, w_ih: Tensor, bias: Tensor | None) -> Tensor:
        steps, batch, n_in = x.shape
        return linear(x.reshape(steps * batch, n_in), w_ih, bias).reshape(steps, batch, w_ih.shape[0])

    def _run_direction(self, x, state, weights, reverse):
        raise NotImplementedError




def _no_proj_size(kwargs: dict) -> None:
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")


# The arguments and shapes RNN, GRU and LSTM share, in their docstrings.
_RNN_ARGS = """

    Args:
        input_size: features of each input step ``H_in``.
        hidden_size: features of the hidden state ``H``.
        num_layers: stacked layers, each reading the previous one's output.
        bias: whether the layers have ``b_ih`` and ``b_hh``.
        batch_first: inputs and outputs as (N, L, features) instead of (L, N, features).
        dropout: dropout probability on the outputs of every layer but the last.
        bidirectional: also run each layer backwards in time (``D = 2``).

    Shapes (``L`` steps, ``N`` batch, ``D`` directions):
        input (L, N, H_in), or (N, L, H_in) with ``batch_first``, or unbatched (L, H_in);
        hidden state (D * num_layers, N, H); output (L, N, D * H).

"""


class RNN(RNNBase):
    __doc__ = ("""Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu).

    ``nonlinearity`` is ``'tanh'`` or ``'relu'``. ``forward(input, hx=None)`` returns
    ``(output, h_n)``."""
               + _RNN_ARGS + """    Example::

        >>> rnn = nn.RNN(10, 20, num_layers=2, batch_first=True)
        >>> output, h_n = rnn(torch.randn(3, 5, 10))
        >>> output.shape, h_n.shape
        (torch.Size([3, 5, 20]), torch.Size([2, 3, 20]))
    """)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None, **kwargs) -> None:
        _no_proj_size(kwargs)
        args = (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
        kwargs = {"device": device, "dtype": dtype}
        self.nonlinearity = nonlinearity
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    # torch's RNN repr leaves the nonlinearity out (RNNCell's prints it): extra_repr is the base one

    def _run_direction(self, x, h, weights, reverse):
        w_ih, w_hh = weights[0], weights[1]
        b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
        bias = None if b_ih is None else b_ih + b_hh
        xs = unstack(self._input_projection(x, w_ih, bias))
        act = ops.tanh if self.mode == "RNN_TANH" else ops.relu
        w_t = w_hh.t()
        steps = len(xs)
        outs = [None] * steps
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            h = act(xs[t] + h @ w_t)
            outs[t] = h
        return ops.stack(outs), h

    def forward(self, input, hx: Tensor | None = None):
        """``input`` (L, N, H_in) (or (N, L, H_in) with batch_first, or unbatched (L, H_in));
        ``hx`` (D*num_layers, N, H). Returns ``(output, h_n)``."""
        return _forward_simple(self, input, hx)


class GRU(RNNBase):
    __doc__ = ("""Gated recurrent unit; gates ``r, z, n`` stacked in that order in each weight.

    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) * n + z * h``.
    ``forward(input, hx=None)`` returns ``(output, h_n)``."""
               + _RNN_ARGS + """    Example::

        >>> gru = nn.GRU(10, 20, bidirectional=True)
        >>> output, h_n = gru(torch.randn(5, 3, 10))
        >>> output.shape, h_n.shape
        (torch.Size([5, 3, 40]), torch.Size([2, 3, 20]))
    """)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, **kwargs) -> None:
        _no_proj_size(kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)

    def _run_direction(self, x, h, weights, reverse):
        w_ih, w_hh = weights[0], weights[1]
        b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
        y = gru_layer(self._input_projection(x, w_ih, b_ih), h, w_hh, b_hh, reverse)
        return y, y[0 if reverse else -1]

    def forward(self, input, hx: Tensor | None = None):
        """Same arguments and results as :class:`RNN`."""
        return _forward_simple(self, input, hx)


class LSTM(RNNBase):
    __doc__ = ("""Long short-term memory; gates ``i, f, g, o`` stacked in that order in each weight.

    With ``proj_size > 0`` the hidden state is projected by ``weight_hr`` to that
    size (then h_n is (D * num_layers, N, proj_size)). ``forward(input, hx=None)``,
    ``hx = (h_0, c_0)``, returns ``(output, (h_n, c_n))``; c has ``hidden_size`` features."""
               + _RNN_ARGS + """    Example::

        >>> lstm = nn.LSTM(10, 20, num_layers=2)
        >>> output, (h_n, c_n) = lstm(torch.randn(5, 3, 10))
        >>> output.shape, h_n.shape, c_n.shape
        (torch.Size([5, 3, 20]), torch.Size([2, 3, 20]), torch.Size([2, 3, 20]))
    """)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)

    def _run_direction(self, x, state, weights, reverse):
        h, c = state
        w_ih, w_hh = weights[0], weights[1]
        bias = weights[2] + weights[3] if self.bias else None
        if self.proj_size == 0:
            y, c = lstm_layer(x, h, c, w_ih, w_hh, bias, reverse)
            return y, (y[0 if reverse else -1], c)
        w_hr = weights[-1]
        xs = unstack(self._input_projection(x, w_ih, bias))
        w_t, w_hr_t = w_hh.t(), w_hr.t()
        steps = len(xs)
        outs = [None] * steps
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            m, c = lstm_cell(xs[t] + h @ w_t, c)
            h = m @ w_hr_t
            outs[t] = h
        return ops.stack(outs), (h, c)

    def forward(self, input, hx: tuple | None = None):
        """``input`` as :class:`RNN`; ``hx = (h_0, c_0)`` with h_0 (D*num_layers, N, H_out)
        and c_0 (D*num_layers, N, H). Returns ``(output, (h_n, c_n))``."""
        packed = isinstance(input, PackedSequence)
        if packed:
            input, lengths, sorted_idx, unsorted_idx = _unpack(input, self.batch_first)
            hx = _permute_state(hx, sorted_idx)
        batched = packed or self._check_dims(input)
        h_out = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is not None and not packed:
            h0, c0 = hx
            if batched and (h0.dim() != 3 or c0.dim() != 3):
                raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({_dims(h0)}, {_dims(c0)}) tensors")
            if not batched and (h0.dim() != 2 or c0.dim() != 2):
                raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                   f"({_dims(h0)}, {_dims(c0)}) tensors")
        x = input if packed else _time_major(self, input, batched)  # _unpack gives (T, B, H)
        self._check_input(x)
        batch = x.shape[1]
        if hx is None:
            h0 = ops.zeros(self._hidden_shape(batch, h_out), dtype=x.dtype)
            c0 = ops.zeros(self._hidden_shape(batch, self.hidden_size), dtype=x.dtype)
        else:
            h0, c0 = hx
            if not batched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
            self._check_hidden(h0, self._hidden_shape(batch, h_out), "Expected hidden[0] size {}, got {}")
            self._check_hidden(c0, self._hidden_shape(batch, self.hidden_size), "Expected hidden[1] size {}, got {}")
        states = list(zip(h0.unbind(0), c0.unbind(0)))
        if packed:
            return _run_packed(self, x, lengths, states, sorted_idx, unsorted_idx)
        out, finals = self._run(x, states)
        h_n = ops.stack([f[0] for f in finals])
        c_n = ops.stack([f[1] for f in finals])
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        if not batched:
            out, h_n, c_n = out.squeeze(1), h_n.squeeze(1), c_n.squeeze(1)
        return out, (h_n, c_n)


def _time_major(module: RNNBase, input: Tensor, batched: bool) -> Tensor:
    if not batched:
        return input.unsqueeze(1)
    return input.transpose(0, 1) if module.batch_first else input


def _forward_simple(module: RNNBase, input, hx):
    """forward() of RNN and GRU, whose state is a single tensor."""
    packed = isinstance(input, PackedSequence)
    if packed:
        input, lengths, sorted_idx, unsorted_idx = _unpack(input, module.batch_first)
        hx = _permute_state(hx, sorted_idx)
    batched = packed or module._check_dims(input)
    if hx is not None and not packed:
        if batched and hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {_dims(hx)} tensor")
        if not batched and hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {_dims(hx)} tensor")
    x = input if packed else _time_major(module, input, batched)  # _unpack gives (T, B, H)
    module._check_input(x)
    batch = x.shape[1]
    if hx is None:
        hx = ops.zeros(module._hidden_shape(batch, module.hidden_size), dtype=x.dtype)
    else:
        if not batched:
            hx = hx.unsqueeze(1)
        module._check_hidden(hx, module._hidden_shape(batch, module.hidden_size))
    states = list(hx.unbind(0))
    if packed:
        return _run_packed(module, x, lengths, states, sorted_idx, unsorted_idx)
    out, finals = module._run(x, states)
    h_n = ops.stack(finals)
    if module.batch_first and batched:
        out = out.transpose(0, 1)
    if not batched:
        out, h_n = out.squeeze(1), h_n.squeeze(1)
    return out, h_n


# -- packed sequences ----------------------------------------------------------------
def _unpack(packed: PackedSequence, batch_first: bool):
    """A packed batch as time-major padded input (T, B, H), batch in sorted (longest first) order."""
    sorted_batch = PackedSequence(packed.data, packed.batch_sizes, None, None)
    padded, lengths = pad_packed_sequence(sorted_batch)
    return padded, lengths, packed.sorted_indices, packed.unsorted_indices


def _permute_state(hx, order):
    if hx is None or order is None:
        return hx
    if isinstance(hx, tuple):
        return tuple(h.index_select(1, order) for h in hx)
    return hx.index_select(1, order)


def _run_packed(module: RNNBase, x: Tensor, lengths, states: list, sorted_idx, unsorted_idx):
    """Run a packed batch: each sequence's own final state, and a packed output.

    Sequences sorted longest first are run as groups of equal length, so every
    group is an ordinary padded-free batch; the loop is over distinct lengths.
    """
    lengths = [int(v) for v in lengths]
    starts = sorted(set(lengths), reverse=True)
    outs, finals = [], []
    lo = 0
    for length in starts:
        hi = lo + sum(1 for v in lengths if v == length)
        group_states = [tuple(s[lo:hi] for s in st) if isinstance(st, tuple) else st[lo:hi] for st in states]
        out, fin = module._run(x[:length, lo:hi], group_states)
        outs.append(out)
        finals.append(fin)
        lo = hi
    width = outs[0].shape[-1]
    max_len = lengths[0]
    padded = ops.cat([o if o.shape[0] == max_len else
                      ops.cat([o, o.new_zeros((max_len - o.shape[0], o.shape[1], width))]) for o in outs], dim=1)
    out = pack_padded_sequence(padded, ops.tensor(lengths))
    out = PackedSequence(out.data, out.batch_sizes, sorted_idx, unsorted_idx)

    def gather(pick):
        per_layer = [ops.cat([pick(fin[k]) for fin in finals], dim=0) for k in range(len(finals[0]))]
        h = ops.stack(per_layer)
        return h if unsorted_idx is None else h.index_select(1, unsorted_idx)

    if isinstance(finals[0][0], tuple):
        return out, (gather(lambda f: f[0]), gather(lambda f: f[1]))
    return out, gather(lambda f: f)


# -- cells ------------------------------------------------------------------------------
class RNNCellBase(Module):
    """Parameters and checks shared by RNNCell, LSTMCell and GRUCell."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        if device is not None:
            from ...backend import check_device

            check_device(device)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(ops.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(ops.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ops.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(ops.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            p.data.uniform_(-stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hx):
        """Checks; returns (2-D input, 2-D states, whether the input was batched)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{self._get_name()}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        states = hx if isinstance(hx, tuple) else (hx,)
        for s in states:
            if s is not None and s.dim() not in (1, 2):
                raise ValueError(f"{self._get_name()}: Expected hidden to be 1D or 2D, got {s.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        if self.weight_ih.dtype != input.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_dt_name(input)} and "
                               f"{_dt_name(self.weight_ih)}")
        out = []
        for k, s in enumerate(states):
            if s is None:
                s = ops.zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
            elif not batched:
                s = s.unsqueeze(0)
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} batch size "
                                   f"{s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {s.shape[1]}, expected "
                                   f"{self.hidden_size}")
            out.append(s)
        return input, out, batched


def _dt_name(t: Tensor) -> str:
    return SCALAR_TYPE_NAMES.get(t.dtype.name, t.dtype.name)


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx)
        pre = linear(x, self.weight_ih, self.bias_ih) + linear(h, self.weight_hh, self.bias_hh)
        out = ops.tanh(pre) if self.nonlinearity == "tanh" else ops.relu(pre)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        x, (h, c), batched = self._prepare(input, (None, None) if hx is None else tuple(hx))
        gates = linear(x, self.weight_ih, self.bias_ih) + linear(h, self.weight_hh, self.bias_hh)
        h, c = lstm_cell(gates, c)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; returns ``h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx)
        out = gru_cell(linear(x, self.weight_ih, self.bias_ih), linear(h, self.weight_hh, self.bias_hh), h)
        return out if batched else out.squeeze(0)

