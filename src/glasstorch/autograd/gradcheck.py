"""gradcheck / gradgradcheck: compare autograd with finite differences.

For each input element we nudge it by ±eps and see how every output moves
(the numerical Jacobian), then ask autograd for the same Jacobian one
output element at a time. Use float64 inputs: float32 round-off swamps the
differences.
"""

from __future__ import annotations

import numpy as np

from ..backend import from_numpy, to_numpy
from . import function as _function

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def _T():
    return _function.Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the two Jacobians disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, _T()) and o.is_floating_point()]


def _numerical(fn, inputs, diff_idx, eps):  # host: Jacobian columns from host copies
    """Central differences: column j of d(outputs)/d(input element j)."""
    cols = {i: [] for i in diff_idx}
    # Grad mode stays on: gradgradcheck's function itself calls autograd.
    for i in diff_idx:
        x = inputs[i]
        data = x._data  # edited in place, one element at a time, whatever its layout
        for j in range(data.size):
            at = tuple(int(k) for k in np.unravel_index(j, data.shape))
            orig = data[at]
            data[at] = orig + eps
            plus = [to_numpy(o._data).astype(np.float64).ravel().copy() for o in _outputs(fn, inputs)]
            data[at] = orig - eps
            minus = [to_numpy(o._data).astype(np.float64).ravel().copy() for o in _outputs(fn, inputs)]
            data[at] = orig
            cols[i].append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
                           if plus else np.zeros(0))
    return {i: (np.stack(c, axis=1) if c else None) for i, c in cols.items()}


def _analytical(fn, inputs, diff_idx):  # host: Jacobian rows from host copies
    from .engine import grad as autograd_grad

    outs = _outputs(fn, inputs)
    n_out = sum(o.numel() for o in outs)
    jac = {i: np.zeros((n_out, inputs[i].numel())) for i in diff_idx}
    row = 0
    for o in outs:
        for k in range(o.numel()):
            if not o.requires_grad:
                row += 1
                continue
            seed = np.zeros(o.shape, dtype=o._data.dtype)
            seed.reshape(-1)[k] = 1.0
            grads = autograd_grad([o], [inputs[i] for i in diff_idx],
                                  grad_outputs=[_T()._make(from_numpy(seed), False, None, 0)],
                                  retain_graph=True, allow_unused=True)
            for i, g in zip(diff_idx, grads):
                if g is not None:
                    jac[i][row] = to_numpy(g._data).reshape(-1)
            row += 1
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Check ``func``'s gradients against finite differences; raise or return False on a mismatch."""
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _T()) and x.requires_grad]
    for i in diff_idx:
        if inputs[i].dtype.itemsize < 8:
            import warnings

            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision floating point.",
                stacklevel=2,
            )
    numerical = _numerical(func, inputs, diff_idx, eps)
    analytical = _analytical(func, inputs, diff_idx)
    for i in diff_idx:
        a, n = analytical[i], numerical[i]
        if n is None or a.size == 0:
            continue
        if not np.allclose(a, n, rtol=rtol, atol=atol):  # host: host Jacobians
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n"
                )
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Check second derivatives: gradcheck the function that returns ``func``'s gradients."""
    from .engine import grad as autograd_grad

    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _T()) and x.requires_grad]
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)  # host: seeded draw, moved by from_numpy
        grad_outputs = [
            _T()._make(from_numpy(rng.standard_normal(o.shape).astype(o._data.dtype)), True, None, 0)
            for o in outs
        ]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n_in], args[n_in:]
        os_ = [o for o in _outputs(func, xs) if o.requires_grad]
        grads = autograd_grad(os_, [xs[i] for i in diff_idx], grad_outputs=list(gos[: len(os_)]),
                              create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
