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
from ...backend import array_module
from ...ops.creation import zeros_for
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = ["lstm_cell", "gru_cell", "lstm_layer", "gru_layer", "unstack"]


def _lstm_scale(h: int, dtype, xp):
    """Per-column scale and shift (made by module ``xp``) that turn one tanh over all four
    LSTM gates into sigmoid(i), sigmoid(f), tanh(g), sigmoid(o): sigmoid(x) = tanh(x / 2) / 2 + 1 / 2."""
    scale = xp.full(4 * h, 0.5, dtype)
    scale[2 * h:3 * h] = 1.0
    shift = xp.full(4 * h, 0.5, dtype)
    shift[2 * h:3 * h] = 0.0
    return scale, shift


def _lstm_activate_(a, scale, shift):
    """Pre-activation gates (B, 4H) to activated gates, in place."""
    xp = array_module(a)
    a *= scale
    xp.tanh(a, out=a)
    a *= scale
    a += shift


def _sigmoid_(a):
    xp = array_module(a)
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
        xp = array_module(gates)
        h = c_prev.shape[-1]
        scale, shift = _lstm_scale(h, gates.dtype, xp)
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
        xp = array_module(gi)
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
    """A whole LSTM layer over time, input projection included, in one node.

    ``x`` (T, B, E) is the layer's input, ``bias`` (4H,) is ``b_ih + b_hh``
    (or None). The loop works *gates on rows*: a step's gates are a (4H, B)
    block, ``W_hh @ h`` with h as (H, B). Each gate is then a contiguous
    (H, B) block, and OpenBLAS runs this product shape in about 30% less
    time than ``h @ W_hh^T`` (B = 32, H = 256). The input part of every step
    is one batched product made before the loop, with the bias folded in as
    an extra input row of ones. The weights are pre-scaled by 1/2 on the
    sigmoid gates' rows, so a single tanh over the block gives every gate:
    sigmoid(z) = tanh(z/2)/2 + 1/2.

    Backward runs the loop in reverse (BPTT) with one GEMM per step, then
    lays the gate gradients of all steps out as one (4H, T*B) matrix and
    leaves the gradients of the input and of both weights to one GEMM each.
    Returns ``(Y, C, A)``: every hidden state, cell state and gate
    activation, in the usual (T, B, ...) shapes.
    """

    array_io = True
    node_name = "LstmBackward0"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, bias, reverse):
        xp = array_module(x)
        steps, batch, n_in = x.shape
        h = w_hh.shape[1]
        dt = x.dtype
        half = _lstm_scale(h, dt, xp)[0][:, None]  # 1/2 on the sigmoid gates' rows
        w_rec = w_hh * half
        # every step's input part, (T, 4H, B), as one batched product
        rows = n_in if bias is None else n_in + 1
        xa = xp.empty((steps, rows, batch), dt)
        xa[:, :n_in] = x.transpose(0, 2, 1)
        if bias is None:
            w_in = w_ih * half
        else:
            xa[:, n_in] = 1
            w_in = xp.concatenate([w_ih, bias[:, None]], axis=1) * half
        a_all = xp.matmul(w_in, xa)
        c_all = xp.empty((steps, h, batch), dt)
        tc_all = xp.empty((steps, h, batch), dt)
        h_all = xp.empty((steps, h, batch), dt)
        rec = xp.empty((4 * h, batch), dt)
        ig = xp.empty((h, batch), dt)
        h_t, c_t = xp.ascontiguousarray(h0.T), xp.ascontiguousarray(c0.T)
        for t in _order(steps, reverse):
            a = a_all[t]
            xp.matmul(w_rec, h_t, out=rec)
            a += rec
            xp.tanh(a, out=a)
            for s in (a[:2 * h], a[3 * h:]):  # i, f and o: tanh(z/2) -> sigmoid(z)
                s *= 0.5
                s += 0.5
            i, f, g, o = a[:h], a[h:2 * h], a[2 * h:3 * h], a[3 * h:]
            c_new = c_all[t]
            xp.multiply(f, c_t, out=c_new)
            xp.multiply(i, g, out=ig)
            c_new += ig
            tc = tc_all[t]
            xp.tanh(c_new, out=tc)
            h_t = h_all[t]
            xp.multiply(tc, o, out=h_t)
            c_t = c_new
        y = xp.ascontiguousarray(h_all.transpose(0, 2, 1))
        c_out, a_out = c_all.transpose(0, 2, 1), a_all.transpose(0, 2, 1)
        ctx.reverse = reverse
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, y, c_out, a_out, tc_all)
        return y, c_out, a_out

    @staticmethod
    def backward(ctx, gy, gc, ga):
        x, h0, c0, w_ih, w_hh, y, c, a, _ = ctx.saved_tensors
        need = ctx.needs_input_grad
        dxw, dh, dc, dw_hh = _lstm_bptt(h0, c0, w_hh, y, c, a, gy, gc, ga, ctx.reverse, need[4])
        steps, batch, n_in = x.shape
        g2 = dxw.reshape(steps * batch, w_hh.shape[0])
        gx = dxw @ w_ih if need[0] else None
        gw_ih = g2.mT @ x.reshape(steps * batch, n_in) if need[3] else None
        gb = g2.sum(0) if need[5] else None
        return gx, (dh if need[1] else None), (dc if need[2] else None), gw_ih, dw_hh, gb, None

    @staticmethod
    def backward_arrays(ctx, gy, gc, ga):
        """:meth:`backward` when no graph is being built: the same BPTT on
        arrays, gates on rows, each step a few in-place ufuncs on cache-sized
        contiguous blocks and one GEMM."""
        x, h0, c0, w_ih, w_hh, y, c, a, tc = ctx.saved_tensors
        xp = array_module(x)
        reverse = ctx.reverse
        need = ctx.needs_input_grad
        steps, batch, h = y.shape
        dt = y.dtype
        a, c = a.transpose(0, 2, 1), c.transpose(0, 2, 1)  # back to (T, 4H, B), (T, H, B)
        gy, gc, ga = (None if g is None else xp.ascontiguousarray(g.transpose(0, 2, 1)) for g in (gy, gc, ga))
        du_all = xp.empty((steps, 4 * h, batch), dt)  # pre-activation gradients, gates on rows
        dh = xp.zeros((h, batch), dt)    # dL/dh_t arriving from the step after t
        dc = xp.zeros((h, batch), dt)    # dL/dc_t arriving from the step after t
        tmp = xp.empty((h, batch), dt)
        act = xp.empty((4 * h, batch), dt)
        w_t = xp.ascontiguousarray(w_hh.T)
        order = _order(steps, not reverse)
        first = order[-1]                # the step that started from (h0, c0)
        for t in order:
            a_t, tc_t, du = a[t], tc[t], du_all[t]
            i, f, g, o = a_t[:h], a_t[h:2 * h], a_t[2 * h:3 * h], a_t[3 * h:]
            if gy is not None:
                dh += gy[t]
            if gc is not None:
                dc += gc[t]
            # h = o * tanh(c): d o = dh * tc and dc += dh * o * (1 - tc^2)
            xp.multiply(dh, tc_t, out=du[3 * h:])
            xp.multiply(du[3 * h:], tc_t, out=tmp)
            xp.subtract(dh, tmp, out=tmp)
            tmp *= o
            dc += tmp
            # c = f * c_prev + i * g
            xp.multiply(dc, g, out=du[:h])
            xp.multiply(dc, c0.T if t == first else c[t - 1 if not reverse else t + 1], out=du[h:2 * h])
            xp.multiply(dc, i, out=du[2 * h:3 * h])
            dc *= f
            if ga is not None:
                du += ga[t]
            # through the activations: s (1 - s) on the sigmoid gates, (1 - g)(1 + g) on g
            xp.subtract(1, a_t, out=act)
            du *= act
            du[:2 * h] *= a_t[:2 * h]
            du[3 * h:] *= o
            xp.add(g, 1, out=tmp)
            du[2 * h:3 * h] *= tmp
            if t != first or need[1]:
                xp.matmul(w_t, du, out=dh)
        # as one (4H, T*B) matrix (column t*B + b: step t, sample b) for the three
        # products below: one transposing copy, far cheaper than a strided write per step
        du_all = xp.ascontiguousarray(du_all.transpose(1, 0, 2))
        du_mat = du_all.reshape(4 * h, steps * batch)
        n_in = x.shape[2]
        gx = xp.matmul(du_mat.T, w_ih).reshape(x.shape) if need[0] else None
        gw_ih = xp.matmul(du_mat, x.reshape(steps * batch, n_in)) if need[3] else None
        gb = xp.matmul(du_mat, xp.ones(steps * batch, dt)) if need[5] else None
        dw = None
        if need[4]:
            # the state each step started from is the output of the step before it
            # (y shifted by one in processing order), and h0 for the first step
            rows = (steps - 1) * batch
            if reverse:
                du_rec, h_rec = du_all[:, :-1], y[1:]
            else:
                du_rec, h_rec = du_all[:, 1:], y[:-1]
            dw = xp.matmul(du_rec.reshape(4 * h, rows), h_rec.reshape(rows, h))
            if h0.any():  # usually a zero initial state: skip its product
                dw += xp.matmul(du_all[:, first], h0)
        return (gx, dh.T if need[1] else None, dc.T if need[2] else None, gw_ih, dw, gb, None)


def _lstm_bptt(h0, c0, w_hh, y, c, a, gy, gc, ga, reverse, need_w):
    """BPTT of the recurrence in Tensor ops (so that it can be differentiated
    again): the gradients of the pre-activation gates (T, B, 4H), of h0, c0
    and (with ``need_w``) of ``w_hh``."""
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
    dw = None
    if need_w:
        dw = dxw.reshape(steps * batch, 4 * h).mT @ _previous(y, h0, reverse).reshape(steps * batch, h)
    return dxw, dh, dc, dw


def lstm_layer(x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor,
               bias: Tensor | None = None, reverse: bool = False):
    """All hidden states (T, B, H) and the final cell state of one LSTM layer over
    time-major input ``x`` (T, B, E); ``bias`` is ``b_ih + b_hh`` or None."""
    y, c, _ = LSTMLayer.apply(x, h0, c0, w_ih, w_hh, bias, reverse)
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
        xp = array_module(xw)
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
