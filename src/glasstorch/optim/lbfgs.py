"""L-BFGS (``torch.optim.LBFGS``): quasi-Newton steps from a short history of
gradient differences, with an optional strong-Wolfe line search.

The parameters are handled as one flat vector; every step calls the closure
(which recomputes the loss and its gradients) as often as it needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from .. import backend
from ..autograd import grad_mode as _gm
from ..backend import array_module
from ..tensor import Tensor
from .optimizer import Optimizer, _check_non_negative, _float

__all__ = ["LBFGS"]


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``
    (default: the interval between x1 and x2); the midpoint when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        m = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        m = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(m, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d meeting the strong Wolfe conditions: bracket a range, then zoom in.

    ``evaluate(t)`` returns the loss and flat gradient at x + t d. Returns
    (loss, gradient, t, number of evaluations).
    """
    d_norm = abs(d).max()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        # sufficient decrease fails, or the loss stopped falling: a minimum lies in [t_prev, t]
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            br, br_f, br_g, br_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:  # curvature condition holds too: done
            br, br_f, br_g, br_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:  # the slope turned upwards: a minimum lies in [t_prev, t]
            br, br_f, br_g, br_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # still going down: extrapolate, at most ten times further
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        br, br_f, br_g, br_gtd = [0, t], [f, f_new], [g, g_new], [gtd, gtd_new]

    # zoom: shrink the bracket [low, high] until the strong Wolfe conditions hold
    stalled = False
    low, high = (0, 1) if br_f[0] <= br_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(br[1] - br[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(br[0], br_f[0], br_gtd[0], br[1], br_f[1], br_gtd[1])
        top, bottom = max(br), min(br)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            # too close to an end: after a second time (or outside), move eps inside
            if stalled or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= br_f[low]:
            br[high], br_f[high], br_g[high], br_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if br_f[0] <= br_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (br[high] - br[low]) >= 0:
                br[high], br_f[high], br_g[high], br_gtd[high] = br[low], br_f[low], br_g[low], br_gtd[low]
            br[low], br_f[low], br_g[low], br_gtd[low] = t, f_new, g_new, gtd_new
    return br_f[low], br_g[low], br[low], evals


def _t(value) -> Tensor:
    """A state entry as a tensor: a copy of an array, or a number as a 0-d host array."""
    if isinstance(value, (int, float, np.generic)):
        return Tensor._make(backend.from_numpy(np.array(value)), False, None, 0)  # host: a number
    return Tensor._make(value.copy(), False, None, 0)


def _a(value):
    return value._data if isinstance(value, Tensor) else value


def _remember(y, s, old_dirs: list, old_stps: list, ro: list, history_size: int, h_diag):
    """Add the gradient change ``y`` and step ``s`` to the history (dropping the oldest
    pair when full) when their curvature ``y.s`` is positive; return the initial inverse
    Hessian's scale."""
    ys = y.dot(s)
    if ys <= 1e-10:
        return h_diag
    if len(old_dirs) == history_size:
        old_dirs.pop(0)
        old_stps.pop(0)
        ro.pop(0)
    old_dirs.append(y)
    old_stps.append(s)
    ro.append(1.0 / ys)
    return ys / y.dot(y)


def _two_loop(g, old_dirs: list, old_stps: list, ro: list, h_diag):
    """The two-loop recursion: ``-H g`` for the inverse Hessian ``H`` the history describes."""
    al = [None] * len(old_dirs)
    q = -g
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q = q - al[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


class LBFGS(Optimizer):
    """Limited-memory BFGS (``torch.optim.LBFGS``).

    Each ``step(closure)`` runs up to ``max_iter`` iterations (``max_eval``
    closure calls). The direction is the two-loop recursion over the last
    ``history_size`` pairs of steps and gradient changes; the step length is
    ``lr`` (the first ever: ``min(1, 1/|g|_1) * lr``), or found by a strong
    Wolfe line search with ``line_search_fn="strong_wolfe"``. Supports a
    single parameter group only.
    """

    def __init__(self, params: Iterable, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check_non_negative(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # -- the parameters as one flat vector ------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        xp = array_module(self._params[0]._data)
        parts = [xp.zeros(p.numel(), p._data.dtype) if p.grad is None else p.grad._data.reshape(-1)
                 for p in self._params]
        return xp.concatenate(parts)

    def _add_grad(self, step, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            d = self._data(p)
            d += (step * update[offset:offset + n]).reshape(d.shape).astype(d.dtype, copy=False)
            self._bump(p)
            offset += n

    def _copy_params(self) -> list:
        return [p._data.copy() for p in self._params]

    def _set_params(self, saved: list) -> None:
        for p, arr in zip(self._params, saved):
            self._data(p)[...] = arr
            self._bump(p)

    def _evaluate(self, closure: Callable) -> float:
        with _gm.enable_grad():
            return float(closure())

    def step(self, closure: Callable):
        """Run the iterations; ``closure`` clears the gradients, recomputes the loss,
        calls ``backward()`` and returns the loss. Returns the first loss."""
        with _gm.no_grad():
            return self._step(closure)

    def _move(self, closure: Callable, line_search_fn, d, t, loss, flat_grad, gtd, tol_grad, last: bool):
        """Move the parameters along ``d``: by ``t``, or by the step a strong Wolfe line
        search finds. Returns (loss, flat_grad, t, closure calls, gradient small enough)."""
        if line_search_fn is not None:
            if line_search_fn != "strong_wolfe":
                raise RuntimeError("only 'strong_wolfe' is supported")
            x0 = self._copy_params()

            def evaluate(step):
                self._add_grad(step, d)
                value = self._evaluate(closure)
                g = self._flat_grad()
                self._set_params(x0)
                return value, g

            loss, flat_grad, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, flat_grad, gtd)
            self._add_grad(t, d)
            return loss, flat_grad, t, ls_evals, abs(flat_grad).max() <= tol_grad
        self._add_grad(t, d)
        if last:  # the last iteration's loss is the next step's first
            return loss, flat_grad, t, 0, False
        loss = self._evaluate(closure)
        flat_grad = self._flat_grad()
        return loss, flat_grad, t, 1, abs(flat_grad).max() <= tol_grad

    def _step(self, closure: Callable):
        group = self.param_groups[0]
        lr = _float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with _gm.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if abs(flat_grad).max() <= tol_grad:
            return orig_loss

        d, t = _a(state.get("d")), _a(state.get("t"))
        old_dirs = [_a(v) for v in state.get("old_dirs", [])]
        old_stps = [_a(v) for v in state.get("old_stps", [])]
        ro = [_a(v) for v in state.get("ro", [])]
        h_diag = _a(state.get("H_diag"))
        prev_flat_grad, prev_loss = _a(state.get("prev_flat_grad")), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                h_diag = _remember(flat_grad - prev_flat_grad, d * t, old_dirs, old_stps, ro,
                                   history_size, h_diag)
                d = _two_loop(flat_grad, old_dirs, old_stps, ro, h_diag)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tol_change:  # not a descent direction any more
                break

            loss, flat_grad, t, ls_evals, opt_cond = self._move(
                closure, line_search_fn, d, t, loss, flat_grad, gtd, tol_grad, last=n_iter == max_iter)
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state["d"] = _t(d)
        state["t"] = float(t)
        state["old_dirs"] = [_t(v) for v in old_dirs]
        state["old_stps"] = [_t(v) for v in old_stps]
        state["ro"] = [_t(v) for v in ro]
        state["H_diag"] = _t(h_diag)
        state["prev_flat_grad"] = _t(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss
