"""Matrix products: matmul (with batching and broadcasting), mm, bmm, dot, outer, addmm, einsum."""

from __future__ import annotations

import string

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import array_module
from ._checks_linalg import (
    check_addmm,
    check_bmm,
    check_expand,
    check_matmul,
    check_mm,
    dn,
    kn,
    require_tensor,
)
from ._util import Tensor, accepts_out


class _Op(Function):
    array_io = True


# ---------------------------------------------------------------- matmul family
class MatMul(_Op):
    """a @ b for a, b of at least 2 dims; batch dims broadcast.

    d/da = g @ b^T and d/db = a^T @ g; the engine sums them back over
    broadcast batch dims.
    """

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        ctx.save_for_backward(a, b)
        return xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = grad @ b.mT if need_a else None
        gb = a.mT @ grad if need_b else None
        return ga, gb


class Dot(_Op):
    """Inner product of two vectors; d/da = g b, d/db = g a."""

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        ctx.save_for_backward(a, b)
        return xp.asarray(xp.dot(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) operands."""
    require_tensor("matmul", input=input, other=other)
    check_matmul(input, other)
    da, db = input._data.ndim, other._data.ndim
    if da == 1 and db == 1:
        return Dot.apply(input, other)
    if da == 1:
        return MatMul.apply(input.unsqueeze(0), other).squeeze(-2)
    if db == 1:
        return MatMul.apply(input, other.unsqueeze(-1)).squeeze(-1)
    return MatMul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (2-D only, no broadcasting)."""
    check_mm(input, mat2)
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
    check_bmm(input, mat2)
    if input._data.dtype != mat2._data.dtype:  # torch's result takes mat2's dtype
        input = input.to(mat2.dtype)
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product."""
    require_tensor("mv", input=input, vec=vec)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same dtype."""
    require_tensor("dot", input=input, other=other)
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    check_matmul(input, other)
    return Dot.apply(input, other)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """Same as :func:`dot` for real tensors."""
    return dot(input, other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dimension of both tensors (a product if either is 0-d)."""
    require_tensor("inner", input=input, other=other)
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input._data.shape)} and {list(other._data.shape)}")
    if input._data.ndim == 1 and other._data.ndim == 1:
        return dot(input, other)
    return tensordot(input, other, dims=([-1], [-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``."""
    require_tensor("outer", input=input, vec2=vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


class Addmm(_Op):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape."""

    @staticmethod
    def forward(ctx, input, mat1, mat2, beta, alpha):
        xp = array_module(mat1)
        ctx.save_for_backward(mat1, mat2)
        ctx.beta, ctx.alpha = beta, alpha
        out = xp.matmul(mat1, mat2)
        if alpha != 1:
            out *= alpha
        if beta == 0:  # input is ignored, NaN and all
            return out
        out += input if beta == 1 else beta * input
        return out

    @staticmethod
    def backward(ctx, grad):
        mat1, mat2 = ctx.saved_tensors
        need_in, need_1, need_2 = ctx.needs_input_grad[:3]
        g = grad if ctx.alpha == 1 else grad * ctx.alpha
        gin = (grad if ctx.beta == 1 else grad * ctx.beta) if need_in else None
        g1 = g @ mat2.mT if need_1 else None
        g2 = mat1.mT @ g if need_2 else None
        return gin, g1, g2, None, None


@accepts_out(exact="expected")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape."""
    check_addmm(input, mat1, mat2, beta, alpha)
    _check_beta_without_product(input.dtype, beta, mat1._data.shape[1], mat1._data.shape[0] * mat2._data.shape[1])
    beta, alpha = _scalars_for(input, beta, alpha)
    return Addmm.apply(input, mat1, mat2, beta, alpha)


def _check_beta_without_product(dt, beta, k: int, size: int) -> None:
    """Nothing to contract (``k == 0``): torch's result is ``beta * input``, with ``beta`` a number of its
    own type (bool, Long, Float) that must cast into the result's dtype."""
    if k == 0 and size and beta != 0:
        b = _dt.scalar_dtype(beta)
        if not _dt.can_cast(b, dt):
            raise RuntimeError(f"result type {_dt.SCALAR_TYPE_NAMES[b.name]} can't be cast to the desired output "
                               f"type {_dt.SCALAR_TYPE_NAMES[dt.name]}")


def _scalars_for(t: Tensor, beta, alpha):
    """torch converts ``beta`` and ``alpha`` to an integer result's type, dropping any fraction."""
    if t._data.dtype.kind in "iu":
        return int(beta), int(alpha)
    return beta, alpha


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    if input.dtype != batch1.dtype:  # batch2 is compared with batch1 by bmm
        raise RuntimeError(f"Input dtypes must be the same, got: input {dn(input)}, batch1: {dn(batch1)}, "
                           f"batch2: {dn(batch2)}")
    prod = bmm(batch1, batch2)
    dt = prod.dtype
    _check_beta_without_product(dt, beta, batch1._data.shape[2], prod._data.size)
    beta, alpha = _scalars_for(prod, beta, alpha)
    if input.dtype != dt:
        input = input.to(dt)
    if alpha != 1:
        prod = prod * alpha
    # beta 0 ignores input, NaN and all
    out = prod if beta == 0 else (input if beta == 1 else input * beta) + prod
    return out if out.dtype == dt else out.to(dt)  # an (empty) bool product stays bool


def check_baddbmm_inplace(input: Tensor, batch1: Tensor, batch2: Tensor) -> None:
    """``input.baddbmm_``: the result (batch2's dtype, the product's shape) must be ``input`` itself."""
    if input.dtype != batch1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {dn(input)}, batch1: {dn(batch1)}, "
                           f"batch2: {dn(batch2)}")
    s1, s2 = batch1._data.shape, batch2._data.shape
    if len(s1) == 3 and len(s2) == 3 and s1[0] == s2[0] and s1[2] == s2[1]:  # else bmm's own error
        out = (*s1[:2], s2[2])
        check_expand(input._data.shape, out)
        if input.dtype != batch2.dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {dn(input)} and output tensor dtype "
                               f"{dn(batch2)} should match")
        if input._data.shape != out:
            raise RuntimeError(f"Bad in-place call: input tensor size {list(input._data.shape)} and output tensor "
                               f"size {list(out)} should match")
    check_bmm(batch1, batch2)


# ---------------------------------------------------------------- einsum
class Einsum(_Op):
    """einsum over an equation already spelled out (explicit output, no '...').

    Each operand's gradient is the einsum of the output gradient with the
    other operands, onto that operand's letters; letters it alone had were
    summed away and come back by broadcasting, and a repeated letter (a
    diagonal) comes back through an identity matrix.
    """

    @staticmethod
    def forward(ctx, equation, *operands):
        xp = array_module(operands[0])
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        big = len(operands) > 2 or sum(o.size for o in operands) > 4096
        out = xp.einsum(equation, *operands, optimize="greedy" if big else False)
        if any(xp.may_share_memory(out, o) for o in operands):
            out = out.copy()  # a pure transpose or diagonal comes back as a view
        return xp.asarray(out)

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
            letters = "".join(dict.fromkeys(term))  # unique, in order of first appearance
            present = set(out).union(*others)
            kept = "".join(c for c in letters if c in present)
            g = einsum(",".join([out] + others) + "->" + kept, grad, *other_ops)
            sizes = {c: ops[i].shape[term.index(c)] for c in letters}
            if kept != letters:
                g = g.reshape([g.shape[kept.index(c)] if c in kept else 1 for c in letters])
                g = g.expand([g.shape[k] if c in kept else sizes[c] for k, c in enumerate(letters)])
            if letters != term:
                g = _undiagonal(g, letters, term, sizes)
            grads.append(g)
        return tuple(grads)


def _undiagonal(g: Tensor, letters: str, term: str, sizes: dict) -> Tensor:
    """Spread ``g`` (one axis per distinct letter) onto ``term``'s repeated-letter diagonals."""
    xp = array_module(g._data)
    free = iter(c for c in string.ascii_letters if c not in term)
    spelled, eyes, specs = [], [], []
    seen = set()
    for c in term:
        if c in seen:
            fresh = next(free)
            spelled.append(fresh)
            specs.append(c + fresh)
            eyes.append(Tensor._make(xp.eye(sizes[c], dtype=g._data.dtype), False, None, 0))
        else:
            seen.add(c)
            spelled.append(c)
    return einsum(",".join([letters] + specs) + "->" + "".join(spelled), g, *eyes)


def _einsum_error(msg: str) -> RuntimeError:
    return RuntimeError("einsum(): " + msg)


def _parse_einsum(equation: str, operands) -> str:
    """Check ``equation`` against the operands as torch does; return it with '...' and
    the implicit output spelled out, so forward and backward only see letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise _einsum_error("more operands were provided than specified in the equation")
    for pos, ch in enumerate(eq):
        if not (ch in string.ascii_letters or ch in ".,->"):
            raise _einsum_error(
                f"invalid subscript given at index {pos} in the equation string, subscripts must be in [a-zA-Z]")
    ell_dims = 0
    stripped = []
    for k, (term, op) in enumerate(zip(terms, operands)):
        bare = term.replace("...", "")
        if "." in bare:
            raise _einsum_error(f"found '.' for operand {k} that is not part of any ellipsis")
        nd = op._data.ndim
        if "..." in term:
            if len(bare) > nd:
                raise _einsum_error(
                    f"the number of subscripts in the equation ({len(bare)}) is more than the number of "
                    f"dimensions ({nd}) for operand {k}")
            ell_dims = max(ell_dims, nd - len(bare))
        elif len(bare) != nd:
            raise _einsum_error(
                f"the number of subscripts in the equation ({len(bare)}) does not match the number of "
                f"dimensions ({nd}) for operand {k} and no ellipsis was given")
        stripped.append(bare)
    if not arrow:
        counts = {}
        for c in "".join(stripped):
            counts[c] = counts.get(c, 0) + 1
        rhs = ("..." if "..." in lhs else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    out_letters = rhs.replace("...", "")
    if "." in out_letters:
        raise _einsum_error("found '.' for output but an ellipsis (...) was already found")
    for c in out_letters:
        if out_letters.count(c) > 1:
            raise _einsum_error(f"output subscript {c} appears more than once in the output")
        if not any(c in t for t in stripped):
            raise _einsum_error(f"output subscript {c} does not appear in the equation for any input operand")
    # '...' becomes letters nobody used; an operand with fewer such dims takes the rightmost ones
    spare = [c for c in string.ascii_letters if c not in eq][:ell_dims]
    ell = "".join(spare)
    spelled = []
    for term, op in zip(terms, operands):
        if "..." in term:
            k = op._data.ndim - (len(term) - 3)
            term = term.replace("...", ell[ell_dims - k:])
        spelled.append(term)
    rhs = rhs.replace("...", ell) if "..." in rhs else rhs
    _check_sizes(spelled, operands)
    return ",".join(spelled) + "->" + rhs


def _check_sizes(terms, operands) -> None:
    seen = {}
    for k, (term, op) in enumerate(zip(terms, operands)):
        mine = {}
        for c, n in zip(term, op._data.shape):
            if c in mine and mine[c] != n:
                raise _einsum_error(f"subscript {c} is repeated for operand {k} but the sizes don't match, "
                                    f"{n} != {mine[c]}")
            mine[c] = n
        for c, n in mine.items():
            prev = seen.get(c)
            if prev is not None and prev != n and prev != 1 and n != 1:
                raise _einsum_error(f"subscript {c} has size {n} for operand {k} which does not broadcast with "
                                    f"previously seen size {prev}")
            if prev is None or prev == 1:
                seen[c] = n


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the index letters in ``equation`` (e.g. ``'ij,jk->ik'``).

    Supports '...' (broadcast batch dims), an implicit output (the letters used
    once, sorted) and repeated letters within an operand (diagonals, traces).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for op in operands:
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, not {type(op).__name__}")
        if op._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(f"expected scalar type {kn(operands[0])} but found {kn(op)}")
    if not operands:
        raise _einsum_error("must provide at least one operand")
    eq = _parse_einsum(equation, operands)
    return Einsum.apply(eq, *operands)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum of products over ``dims`` (a count of trailing/leading dims, or two lists of dims)."""
    letters = string.ascii_letters
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim or (dims and not (a.ndim and b.ndim)):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = [list(d) if not isinstance(d, int) else [d] for d in dims]
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    for i, j in zip(da, db):
        sa, sb = a.shape[i], b.shape[j]
        if sa != sb and 1 not in (sa, sb):
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} in dim {i} and "
                               f"second has size {sb} in dim {j}")
        # a pair of sizes 1 and n: torch sums the n first, so an inf meets the other side's sum, not its terms
        if sa == 1 and sb != 1:
            b = b.sum(j, keepdim=True)
        elif sb == 1 and sa != 1:
            a = a.sum(i, keepdim=True)
    ta = list(letters[: a.ndim])
    tb = list(letters[a.ndim: a.ndim + b.ndim])
    for i, j in zip(da, db):
        tb[j] = ta[i]
    out = [c for i, c in enumerate(ta) if i not in da] + [c for j, c in enumerate(tb) if j not in db]
    return einsum("".join(ta) + "," + "".join(tb) + "->" + "".join(out), a, b)


__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "baddbmm",
           "einsum", "tensordot"]
