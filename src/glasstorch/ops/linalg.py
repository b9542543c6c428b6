"""Matrix products: matmul (with batching and broadcasting), mm, bmm, dot, outer, einsum."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import xp
from ._util import Tensor, promote


class _Op(Function):
    array_io = True


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape)


class MatMul(_Op):
    """a @ b for a, b of at least 2 dims; batch dims broadcast.

    d/da = g @ b^T and d/db = a^T @ g; the engine sums them back over
    broadcast batch dims.
    """

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = grad @ b.mT if need_a else None
        gb = a.mT @ grad if need_b else None
        return ga, gb


def _check_dtypes(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_dn(a)} != {_dn(b)}"
        )


def _dn(t) -> str:
    return {
        "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
        "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
        "bool": "bool"}[t.dtype.name]


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with torch's rules for 1-D, 2-D and batched operands."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
            if isinstance(input, Tensor) else
            f"matmul(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    _check_dtypes(input, other)
    a, b = input, other
    da, db = a._data.ndim, b._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D"
        )
    sa, sb = a._data.shape, b._data.shape
    if sa[-1] != (sb[0] if db == 1 else sb[-2]):
        if da == 1 and db == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the "
                "same number of elements, but got "
                f"{sa[0]} and {sb[0]} elements respectively"
            )
        if da <= 2 and db <= 2:
            left = sa if da == 2 else (1,) + sa
            right = sb if db == 2 else sb + (1,)
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(left)} and {_shape_str(right)})"
            )
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(sa)} and {_shape_str(sb)})"
        )
    if da == 1 and db == 1:
        return Dot.apply(a, b)
    if da == 1:
        return MatMul.apply(a.unsqueeze(0), b).squeeze(-2)
    if db == 1:
        return MatMul.apply(a, b.unsqueeze(-1)).squeeze(-1)
    if a._data.dtype.kind == "b":
        raise RuntimeError('"addmm_impl_cpu_" not implemented for \'Bool\'')
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({sa[-3]}) must match the size of tensor b ({sb[-3]}) at "
            "non-singleton dimension 0"
        ) from None
    return MatMul.apply(a, b)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (2-D only)."""
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._data.shape[0] != mat2._data.shape[0] or input._data.shape[2] != mat2._data.shape[1]:
        b, n, m = input._data.shape
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
            f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}]."
        )
    return matmul(input, mat2)


class Dot(_Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.dot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors"
        )
    _check_dtypes(input, other)
    return matmul(input, other)


inner = dot


def vdot(input: Tensor, other: Tensor) -> Tensor:
    return dot(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors."""
    a, b = promote(input, vec2)
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


def mv(input: Tensor, vec: Tensor) -> Tensor:
    return matmul(input, vec)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)."""
    prod = matmul(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    base = input if beta == 1 else input * beta
    return base + prod


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    prod = bmm(batch1, batch2)
    if alpha != 1:
        prod = prod * alpha
    return (input if beta == 1 else input * beta) + prod


class Einsum(_Op):
    """einsum; each operand's gradient is another einsum of the output gradient
    with the other operands."""

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return xp.einsum(equation, *operands, optimize=len(operands) > 2)

    @staticmethod
    def backward(ctx, grad):
        ops = ctx.saved_tensors
        ins, out = ctx.equation.split("->")
        terms = ins.split(",")
        grads = [None]
        for i, term in enumerate(terms):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(terms) if j != i]
            other_ops = [o for j, o in enumerate(ops) if j != i]
            # letters of this operand that appear nowhere else were summed: broadcast back
            present = set(out) | set("".join(others))
            kept = "".join(c for c in term if c in present)
            g = einsum(",".join([out] + others) + "->" + kept, grad, *other_ops)
            if kept != term:
                g = _expand_summed(g, term, kept, ops[i].shape)
            grads.append(g)
        return tuple(grads)


def _expand_summed(g, term, kept, shape):
    """Put back dims whose letters were summed out, or repeated letters (diagonals)."""
    if len(set(term)) != len(term):
        raise NotImplementedError("einsum backward with a repeated index in one operand")
    view = []
    for c in term:
        view.append(g.shape[kept.index(c)] if c in kept else 1)
    order = [c for c in term if c in kept]
    perm = [kept.index(c) for c in order]
    g = g.permute(*perm) if perm != list(range(len(perm))) else g
    return g.reshape(view).expand(shape)


def _normalise_equation(equation: str, operands) -> str:
    """Spell out '...' and an implicit output the way NumPy would, so backward can parse it."""
    eq = equation.replace(" ", "")
    if "->" not in eq:
        ins = eq
        letters = [c for c in ins.replace(",", "").replace(".", "")]
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        if "..." in ins:
            out = "..." + out
        eq = ins + "->" + out
    if "..." in eq:
        ins, out = eq.split("->")
        terms = ins.split(",")
        used = set(eq) - {".", ",", "-", ">"}
        free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
        nd = 0
        for t, op in zip(terms, operands):
            if "..." in t:
                nd = max(nd, op.ndim - (len(t) - 3))
        ell = "".join(free[:nd])
        new_terms = []
        for t, op in zip(terms, operands):
            if "..." in t:
                k = op.ndim - (len(t) - 3)
                t = t.replace("...", ell[nd - k:])
            new_terms.append(t)
        eq = ",".join(new_terms) + "->" + out.replace("...", ell)
    return eq


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the index letters in ``equation`` (e.g. ``'ij,jk->ik'``)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = _normalise_equation(equation, operands)
    return Einsum.apply(eq, *operands)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    letters = "abcdefghijklmnopqrstuvwxyz"
    if isinstance(dims, int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = [list(d) if not isinstance(d, int) else [d] for d in dims]
    ta = list(letters[: a.ndim])
    tb = list(letters[a.ndim: a.ndim + b.ndim])
    for i, j in zip(da, db):
        tb[j] = ta[i]
    out = [c for i, c in enumerate(ta) if i not in da] + [c for j, c in enumerate(tb) if j not in db]
    return einsum("".join(ta) + "," + "".join(tb) + "->" + "".join(out), a, b)
