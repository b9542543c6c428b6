"""Fused recurrent ops: one LSTM / GRU step, and a whole LSTM / GRU layer.

A recurrent layer written with ordinary ops records a dozen tiny nodes per
time step. These Functions do the elementwise part of a step (or the whole
time loop) on arrays in one go, and write the backward by hand.

Every Function below also returns its gate activations as an extra output.
Backward reads them back as *saved outputs*, which stay connected to the
graph, so the hand-written backward (plain Tensor ops) can itself be
differentiated: ``create_graph=True`` and gradgradcheck work. The gradient
arriving for those activation outputs is zero in ordinary training; when
it is not (double backward) it is folded in like any other. When no graph
is being built (the usual ``loss.backward()``), the LSTM layer's backward
runs the same formulas on arrays instead, in place, since its per-step
Tensor ops would cost more than the arithmetic.

Layouts follow torch: LSTM gates are ``i, f, g, o`` and GRU gates ``r, z, n``
along the last dim.
"""

from __future__ import annotations

from ...autograd.function import Function
from ...backend import xp
from ...ops.creation import zeros_for
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = ["lstm_cell", "gru_cell", "lstm_layer", "gru_layer", "unstack"]


def _lstm_scale(h: int, dtype):
    """Per-column scale and shift that turn one tanh over all four LSTM gates into
    sigmoid(i), sigmoid(f), tanh(g), sigmoid(o): sigmoid(x) = tanh(x / 2) / 2 + 1 / 2."""
    scale = xp.full(4 * h, 0.5, dtype)
    scale[2 * h:3 * h] = 1.0
    shift = xp.full(4 * h, 0.5, dtype)
    shift[2 * h:3 * h] = 0.0
    return scale, shift


def _lstm_activate_(a, scale, shift):
    """Pre-activation gates (B, 4H) to activated gates, in place."""
    a *= scale
    xp.tanh(a, out=a)
    a *= scale
    a += shift


def _sigmoid_(a):
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _lstm_act_grad(a: Tensor, h: int) -> Tensor:
    """d activation / d pre-activation of the LSTM gates, from the activations."""
    i, f, g, o = a.split(h, dim=-1)
    return cat([i * (1 - i), f * (1 - f), 1 - g * g, o * (1 - o)], dim=-1)


class Unstack(Function):
    """Split dim 0 into its slices (as ``unbind``), with a backward that stacks the
    slice gradients once instead of scattering each into a full-size zero tensor."""

    array_io = True
    node_name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.meta = (x.shape[1:], x.dtype)
        return tuple(x[t] for t in range(x.shape[0]))

    @staticmethod
    def backward(ctx, *grads):
        return stack([g if g is not None else zeros_for(ctx.meta) for g in grads])


def unstack(x: Tensor) -> tuple:
    """``x.unbind(0)`` for a time loop (cheap backward)."""
    return Unstack.apply(x)


class LSTMCellFn(Function):
    """One LSTM step after the matrix products: ``gates`` (B, 4H) is
    ``x W_ih^T + b_ih + h W_hh^T + b_hh``. Returns ``(h, c, act)``."""

    array_io = True
    node_name = "LstmCellBackward0"

    @staticmethod
    def forward(ctx, gates, c_prev):
        h = c_prev.shape[-1]
        scale, shift = _lstm_scale(h, gates.dtype)
        a = gates.copy()
        _lstm_activate_(a, scale, shift)
        c = a[..., h:2 * h] * c_prev + a[..., :h] * a[..., 2 * h:3 * h]
        out = xp.tanh(c) * a[..., 3 * h:]
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(c_prev, c, a)
        return out, c, a

    @staticmethod
    def backward(ctx, gh, gc, ga):
        c_prev, c, a = ctx.saved_tensors
        h = c.shape[-1]
        i, f, g, o = a.split(h, dim=-1)
        tc = c.tanh()
        dc = gc if gc is not None else None
        if gh is not None:
            dh_c = gh * o * (1 - tc * tc)
            dc = dh_c if dc is None else dc + dh_c
            do = gh * tc
        else:
            do = a.new_zeros(c.shape)
        if dc is None:
            dc = c.new_zeros(c.shape)
        da = cat([dc * g, dc * c_prev, dc * i, do], dim=-1)
        if ga is not None:
            da = da + ga
        dgates = da * _lstm_act_grad(a, h)
        need_gates, need_c = ctx.needs_input_grad
        return (dgates if need_gates else None), (dc * f if need_c else None)


def lstm_cell(gates: Tensor, c_prev: Tensor):
    """``(h, c)`` of one LSTM step from its summed pre-activation gates."""
    h, c, _ = LSTMCellFn.apply(gates, c_prev)
    return h, c


class GRUCellFn(Function):
    """One GRU step after the matrix products: ``gi = x W_ih^T + b_ih`` and
    ``gh = h W_hh^T + b_hh``, both (B, 3H). Returns ``(h', act)`` with
    ``act = [r, z, n]``; torch's n gate is ``tanh(gi_n + r * gh_n)``."""

    array_io = True
    node_name = "GruCellBackward0"

    @staticmethod
    def forward(ctx, gi, gh, h_prev):
        h = h_prev.shape[-1]
        a = gi + gh
        _sigmoid_(a[..., :2 * h])
        r, z, n = a[..., :h], a[..., h:2 * h], a[..., 2 * h:]
        xp.tanh(gi[..., 2 * h:] + r * gh[..., 2 * h:], out=n)
        out = n + z * (h_prev - n)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(gh, h_prev, a)
        return out, a

    @staticmethod
    def backward(ctx, gout, ga):
        gh, h_prev, a = ctx.saved_tensors
        h = h_prev.shape[-1]
        r, z, n = a.split(h, dim=-1)
        ghn = gh[..., 2 * h:]
        if gout is None:
            gout = h_prev.new_zeros(h_prev.shape)
        dn, dz = gout * (1 - z), gout * (h_prev - n)
        dr = None
        if ga is not None:
            ga_r, ga_z, ga_n = ga.split(h, dim=-1)
            dn, dz, dr = dn + ga_n, dz + ga_z, ga_r
        dpre_n = dn * (1 - n * n)
        dr = dpre_n * ghn if dr is None else dr + dpre_n * ghn
        dpre_rz = cat([dr * r * (1 - r), dz * z * (1 - z)], dim=-1)
        need_gi, need_gh, need_h = ctx.needs_input_grad
        dgi = cat([dpre_rz, dpre_n], dim=-1) if need_gi else None
        dgh = cat([dpre_rz, dpre_n * r], dim=-1) if need_gh else None
        return dgi, dgh, (gout * z if need_h else None)


def gru_cell(gi: Tensor, gh: Tensor, h_prev: Tensor) -> Tensor:
    """The next hidden state of one GRU step from its two gate projections."""
    return GRUCellFn.apply(gi, gh, h_prev)[0]


def _order(steps: int, reverse: bool):
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _previous(seq: Tensor, first: Tensor, reverse: bool) -> Tensor:
    """The state each step started from: ``first`` then ``seq`` shifted by one step
    (in processing order)."""
    if reverse:
        return cat([seq[1:], first.unsqueeze(0)])
    return cat([first.unsqueeze(0), seq[:-1]])


class LSTMLayer(Function):
    """A whole LSTM layer over time, in one node.

    ``xw`` (T, B, 4H) is the input projection of every step with both biases
    added (one GEMM outside). Forward runs the time loop on arrays: one GEMM
    with ``w_hh`` per step. Backward runs the loop in reverse (BPTT) with one
    GEMM per step and leaves the weight gradient to a single GEMM at the end.
    Returns ``(Y, C, A)``: every hidden state, cell state and gate activation.
    """

    array_io = True
    node_name = "LstmBackward0"

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, reverse):
        steps, batch, g4 = xw.shape
        h = g4 // 4
        scale, shift = _lstm_scale(h, xw.dtype)
        # BLAS runs h @ W^T faster on a contiguous copy than on the transposed view
        w_t = xp.ascontiguousarray(w_hh.T)
        a_all = xp.empty_like(xw)
        c_all = xp.empty((steps, batch, h), xw.dtype)
        y_all = xp.empty((steps, batch, h), xw.dtype)
        ig = xp.empty((batch, h), xw.dtype)
        h_t, c_t = h0, c0
        for t in _order(steps, reverse):
            a = a_all[t]
            xp.matmul(h_t, w_t, out=a)
            a += xw[t]
            _lstm_activate_(a, scale, shift)
            c_new = c_all[t]
            xp.multiply(a[:, h:2 * h], c_t, out=c_new)
            xp.multiply(a[:, :h], a[:, 2 * h:3 * h], out=ig)
            c_new += ig
            h_t = y_all[t]
            xp.tanh(c_new, out=h_t)
            h_t *= a[:, 3 * h:]
            c_t = c_new
        ctx.reverse = reverse
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(h0, c0, w_hh, y_all, c_all, a_all)
        return y_all, c_all, a_all

    @staticmethod
    def backward(ctx, gy, gc, ga):
        h0, c0, w_hh, y, c, a = ctx.saved_tensors
        reverse = ctx.reverse
        steps, batch, h = y.shape
        i, f, g, o = a.split(h, dim=-1)
        tc = c.tanh()
        c_prev = _previous(c, c0, reverse)
        # d pre-activation of step t = [dc, dc, dc, dh] * coef[t] (+ ga * act')
        coef = stack([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g), tc * o * (1 - o)], dim=2)
        dh_to_dc = unstack(o * (1 - tc * tc))
        coef, f_t = unstack(coef), unstack(f)
        gy = unstack(gy) if gy is not None else None
        gc = unstack(gc) if gc is not None else None
        extra = unstack(ga * _lstm_act_grad(a, h)) if ga is not None else None
        dpre = [None] * steps
        dh = dc = None
        for t in _order(steps, not reverse):
            if gy is not None:
                dh = gy[t] if dh is None else dh + gy[t]
            if dh is None:
                dh = y.new_zeros((batch, h))
            dc_t = dh * dh_to_dc[t]
            dc = dc_t if dc is None else dc + dc_t
            if gc is not None:
                dc = dc + gc[t]
            d = (stack([dc, dc, dc, dh], dim=1) * coef[t]).reshape(batch, 4 * h)
            if extra is not None:
                d = d + extra[t]
            dpre[t] = d
            dh = d @ w_hh
            dc = dc * f_t[t]
        dxw = stack(dpre)
        need = ctx.needs_input_grad
        dw = None
        if need[3]:
            dw = dxw.reshape(steps * batch, 4 * h).mT @ _previous(y, h0, reverse).reshape(steps * batch, h)
        return dxw, (dh if need[1] else None), (dc if need[2] else None), dw, None

    @staticmethod
    def backward_arrays(ctx, gy, gc, ga):
        """:meth:`backward` when no graph is being built: the same BPTT on
        arrays, each step a few in-place ufuncs on cache-sized (B, H) blocks and one
        GEMM; the gate gradients of all steps land in one (T, B, 4H) buffer, which
        is the input gradient and feeds the weight gradient's single GEMM."""
        h0, c0, w_hh, y, c, a = ctx.saved_tensors
        reverse = ctx.reverse
        need = ctx.needs_input_grad
        steps, batch, h = y.shape
        dt = y.dtype
        dz_all = xp.empty(a.shape, dt)
        dh = xp.zeros((batch, h), dt)    # dL/dh_t arriving from the step after t
        dc = xp.zeros((batch, h), dt)    # dL/dc_t arriving from the step after t
        tc = xp.empty((batch, h), dt)
        tmp = xp.empty((batch, h), dt)
        act = xp.empty((batch, 4 * h), dt)
        q = xp.zeros(4 * h, dt)
        q[2 * h:3 * h] = 1
        order = _order(steps, not reverse)
        first = order[-1]                # the step that started from (h0, c0)
        for t in order:
            a_t, dz = a[t], dz_all[t]
            i, f, g, o = a_t[:, :h], a_t[:, h:2 * h], a_t[:, 2 * h:3 * h], a_t[:, 3 * h:]
            if gy is not None:
                dh += gy[t]
            if gc is not None:
                dc += gc[t]
            xp.tanh(c[t], out=tc)
            # h = o * tanh(c): d o = dh * tc and dc += dh * o * (1 - tc^2)
            xp.multiply(dh, tc, out=dz[:, 3 * h:])
            xp.multiply(dz[:, 3 * h:], tc, out=tmp)
            xp.subtract(dh, tmp, out=tmp)
            tmp *= o
            dc += tmp
            # c = f * c_prev + i * g
            xp.multiply(dc, g, out=dz[:, :h])
            xp.multiply(dc, c0 if t == first else c[t - 1 if not reverse else t + 1], out=dz[:, h:2 * h])
            xp.multiply(dc, i, out=dz[:, 2 * h:3 * h])
            dc *= f
            if ga is not None:
                dz += ga[t]
            # through the activations: s (1 - s) for the sigmoid gates and 1 - g^2 =
            # (1 - g)(1 + g) for tanh are both (1 - a)(a + q) with q = 1 on g's
            # columns only, so no op works on a single gate's strided columns
            xp.subtract(1, a_t, out=act)
            dz *= act
            xp.add(a_t, q, out=act)
            dz *= act
            if t != first or need[1]:
                xp.matmul(dz, w_hh, out=dh)
        dw = None
        if need[3]:
            # the state each step started from is the output of the step before it
            # (y shifted by one in processing order), and h0 for the first step
            rows = (steps - 1) * batch
            if reverse:
                dz_rec, h_rec = dz_all[:-1], y[1:]
            else:
                dz_rec, h_rec = dz_all[1:], y[:-1]
            dw = xp.matmul(dz_rec.reshape(rows, 4 * h).T, h_rec.reshape(rows, h))
            if h0.any():  # usually a zero initial state: skip its product
                dw += xp.matmul(dz_all[first].T, h0)
        return (dz_all if need[0] else None, dh if need[1] else None, dc if need[2] else None, dw, None)




def lstm_layer(xw: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, reverse: bool = False):
    """All hidden states (T, B, H) and the final cell state of one LSTM layer
    whose input projection ``xw`` (T, B, 4H) is already computed."""
    y, c, _ = LSTMLayer.apply(xw, h0, c0, w_hh, reverse)
    return y, c[0 if reverse else -1]


class GRULayer(Function):
    """A whole GRU layer over time, in one node (see :class:`LSTMLayer`).

    ``xw`` (T, B, 3H) is ``x W_ih^T + b_ih`` for every step; ``b_hh`` stays
    separate because torch's n gate scales ``W_hn h + b_hn`` by r. Returns
    ``(Y, A)`` with ``A = [r, z, n, W_hn h + b_hn]`` per step.
    """

    array_io = True
    node_name = "GruBackward0"

    @staticmethod
    def forward(ctx, xw, h0, w_hh, b_hh, reverse):
        steps, batch, g3 = xw.shape
        h = g3 // 3
        w_t = w_hh.T
        a_all = xp.empty((steps, batch, 4 * h), xw.dtype)
        y_all = xp.empty((steps, batch, h), xw.dtype)
        gh = xp.empty((batch, g3), xw.dtype)
        h_t = h0
        for t in _order(steps, reverse):
            xp.matmul(h_t, w_t, out=gh)
            if b_hh is not None:
                gh += b_hh
            a, x_t = a_all[t], xw[t]
            rz = a[:, :2 * h]
            xp.add(x_t[:, :2 * h], gh[:, :2 * h], out=rz)
            _sigmoid_(rz)
            n, ghn = a[:, 2 * h:3 * h], a[:, 3 * h:]
            ghn[...] = gh[:, 2 * h:]
            xp.multiply(a[:, :h], ghn, out=n)
            n += x_t[:, 2 * h:]
            xp.tanh(n, out=n)
            out = y_all[t]
            xp.subtract(h_t, n, out=out)
            out *= a[:, h:2 * h]
            out += n
            h_t = out
        ctx.reverse = reverse
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(h0, w_hh, y_all, a_all)
        return y_all, a_all

    @staticmethod
    def backward(ctx, gy, ga):
        h0, w_hh, y, a = ctx.saved_tensors
        reverse = ctx.reverse
        steps, batch, h = y.shape
        r, z, n, ghn = a.split(h, dim=-1)
        h_prev = _previous(y, h0, reverse)
        # With dh the gradient reaching h' at a step:
        #   d gi = dh * [k_r, k_z, k_n],  d gh = dh * [k_r, k_z, k_n * r]
        k_n = (1 - z) * (1 - n * n)
        k_z = z * (1 - z) * (h_prev - n)
        k_r = k_n * ghn * r * (1 - r)
        coef_i = stack([k_r, k_z, k_n], dim=2)
        coef_h = unstack(stack([k_r, k_z, k_n * r], dim=2))
        z_t = unstack(z)
        if gy is None:
            gy = y.new_zeros(y.shape)
        gy = unstack(gy)
        extra_i = extra_h = None
        if ga is not None:  # only in double backward: fold the activations' gradients in
            ga_r, ga_z, ga_n, ga_ghn = ga.split(h, dim=-1)
            e_n = ga_n * (1 - n * n)
            e_rz = cat([(ga_r + e_n * ghn) * r * (1 - r), ga_z * z * (1 - z)], dim=-1)
            extra_i = cat([e_rz, e_n], dim=-1)
            extra_h = cat([e_rz, e_n * r + ga_ghn], dim=-1)
            extra_h_t = unstack(extra_h)
        dgh, dhs = [None] * steps, [None] * steps
        dh = None
        for t in _order(steps, not reverse):
            dh = gy[t] if dh is None else dh + gy[t]
            dhs[t] = dh
            d = (dh.unsqueeze(1) * coef_h[t]).reshape(batch, 3 * h)
            if extra_h is not None:
                d = d + extra_h_t[t]
            dgh[t] = d
            dh = d @ w_hh + dh * z_t[t]
        dgh = stack(dgh)
        dxw = (stack(dhs).unsqueeze(2) * coef_i).reshape(steps, batch, 3 * h)
        if extra_i is not None:
            dxw = dxw + extra_i
        need = ctx.needs_input_grad
        dw = db = None
        if need[2]:
            dw = dgh.reshape(steps * batch, 3 * h).mT @ h_prev.reshape(steps * batch, h)
        if need[3]:
            db = dgh.sum((0, 1))
        return dxw, (dh if need[1] else None), dw, db, None


def gru_layer(xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None, reverse: bool = False) -> Tensor:
    """All hidden states (T, B, H) of one GRU layer whose input projection
    ``xw = x W_ih^T + b_ih`` (T, B, 3H) is already computed."""
    return GRULayer.apply(xw, h0, w_hh, b_hh, reverse)[0]
