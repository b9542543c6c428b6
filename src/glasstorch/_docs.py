"""Docstrings for the functions and Tensor methods whose code is shared or generated.

Many ops are one-liners built from others (``negative`` is ``neg``), and many Tensor
methods are the function of the same name with ``self`` first; their help text is
kept here, in one table, and attached once at import. A name that already has a
docstring in its source keeps it.
"""

from __future__ import annotations

FUNCTIONS = {
    "adjoint": "adjoint(input) -> Tensor: the conjugate transpose of the last two dimensions (a view).",
    "argwhere": "argwhere(input) -> Tensor: the (n, ndim) int64 indices of the non-zero elements.",
    "asarray": "asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor: "
               "a tensor from ``obj``, sharing memory with a NumPy array or tensor when it can.",
    "atleast_1d": "atleast_1d(*tensors): each tensor with at least one dimension.",
    "atleast_2d": "atleast_2d(*tensors): each tensor with at least two dimensions.",
    "atleast_3d": "atleast_3d(*tensors): each tensor with at least three dimensions.",
    "bitwise_and": "bitwise_and(input, other) -> Tensor: elementwise AND of integer or bool tensors.",
    "bitwise_or": "bitwise_or(input, other) -> Tensor: elementwise OR of integer or bool tensors.",
    "bitwise_xor": "bitwise_xor(input, other) -> Tensor: elementwise XOR of integer or bool tensors.",
    "broadcast_shapes": "broadcast_shapes(*shapes) -> Size: the shape these shapes broadcast to.",
    "broadcast_tensors": "broadcast_tensors(*tensors): the tensors expanded (as views) to one common shape.",
    "broadcast_to": "broadcast_to(input, size) -> Tensor: ``input`` expanded to ``size`` (a view).",
    "can_cast": "can_cast(from_, to) -> bool: whether torch's casting rules allow ``from_`` to ``to``.",
    "clamp_max": "clamp_max(input, max) -> Tensor: ``min(input, max)`` elementwise.",
    "clamp_min": "clamp_min(input, min) -> Tensor: ``max(input, min)`` elementwise.",
    "column_stack": "column_stack(tensors) -> Tensor: 1-D tensors as columns, then concatenated along dim 1.",
    "complex_unsupported": "Raises the error glasstorch gives for complex dtypes, which it does not have.",
    "contiguous": "contiguous(input) -> Tensor: ``input`` laid out in C order (itself when it already is).",
    "diag": "diag(input, diagonal=0) -> Tensor: a 1-D input as the diagonal of a matrix, or a matrix's diagonal.",
    "diag_embed": "diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor: the last dimension as "
                  "diagonals of new matrices.",
    "dstack": "dstack(tensors) -> Tensor: concatenation along the third dimension (after atleast_3d).",
    "empty_like": "empty_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor: "
                  "an uninitialised tensor shaped like ``input``.",
    "expand_as": "expand_as(input, other) -> Tensor: ``input`` expanded to ``other``'s shape (a view).",
    "fliplr": "fliplr(input) -> Tensor: ``input`` with its columns (dim 1) in reverse order.",
    "flipud": "flipud(input) -> Tensor: ``input`` with its rows (dim 0) in reverse order.",
    "float_power": "float_power(input, exponent) -> Tensor: ``input ** exponent`` computed in float64.",
    "floor_divide": "floor_divide(input, other) -> Tensor: ``input // other``, rounded towards minus infinity.",
    "fmax": "fmax(input, other) -> Tensor: elementwise maximum that ignores a NaN when the other is a number.",
    "fmin": "fmin(input, other) -> Tensor: elementwise minimum that ignores a NaN when the other is a number.",
    "fmod": "fmod(input, other) -> Tensor: remainder of the division, with the sign of ``input`` (C's fmod).",
    "full_like": "full_like(input, fill_value, *, dtype=None, requires_grad=False) -> Tensor: "
                 "``fill_value`` everywhere, shaped like ``input``.",
    "get_num_threads": "get_num_threads() -> int: the CPUs NumPy's BLAS may use.",
    "get_rng_state": "get_rng_state() -> Tensor: the default generator's state, as a uint8 tensor.",
    "hstack": "hstack(tensors) -> Tensor: concatenation along dim 1 (dim 0 for 1-D tensors).",
    "initial_seed": "initial_seed() -> int: the seed the default generator was last seeded with.",
    "is_floating_point": "is_floating_point(input) -> bool: whether ``input``'s dtype is a floating-point one.",
    "is_inference_mode_enabled": "is_inference_mode_enabled() -> bool: whether inference mode is on.",
    "isclose": "isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor: "
               "``|input - other| <= atol + rtol * |other|`` elementwise.",
    "isfinite": "isfinite(input) -> Tensor: True where the element is neither inf nor NaN.",
    "isinf": "isinf(input) -> Tensor: True where the element is +inf or -inf.",
    "isnan": "isnan(input) -> Tensor: True where the element is NaN.",
    "isneginf": "isneginf(input) -> Tensor: True where the element is -inf.",
    "isposinf": "isposinf(input) -> Tensor: True where the element is +inf.",
    "logical_not": "logical_not(input) -> Tensor: True where the element is zero (bool result).",
    "logspace": "logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False) -> Tensor: "
                "``base ** linspace(start, end, steps)``.",
    "moveaxis": "moveaxis(input, source, destination) -> Tensor: alias of ``movedim``.",
    "movedim": "movedim(input, source, destination) -> Tensor: dimensions moved to new positions (a view).",
    "neg": "neg(input) -> Tensor: ``-input``.",
    "negative": "negative(input) -> Tensor: alias of ``neg``.",
    "numel": "numel(input) -> int: the number of elements of ``input``.",
    "ones_like": "ones_like(input, *, dtype=None, requires_grad=False) -> Tensor: ones shaped like ``input``.",
    "poisson": "poisson(input, generator=None) -> Tensor: a Poisson sample per element, with that rate.",
    "rand_like": "rand_like(input, *, dtype=None, requires_grad=False) -> Tensor: U[0, 1) samples "
                 "shaped like ``input``.",
    "randint_like": "randint_like(input, low=0, high, *, dtype=None) -> Tensor: random integers in "
                    "[low, high) shaped like ``input``.",
    "randn_like": "randn_like(input, *, dtype=None, requires_grad=False) -> Tensor: N(0, 1) samples "
                  "shaped like ``input``.",
    "remainder": "remainder(input, other) -> Tensor: Python's ``%``: the remainder with the sign of ``other``.",
    "repeat_interleave": "repeat_interleave(input, repeats, dim=None, *, output_size=None) -> Tensor: "
                         "each element repeated ``repeats`` times along ``dim`` (flattened when None).",
    "rot90": "rot90(input, k=1, dims=(0, 1)) -> Tensor: ``input`` rotated by k * 90 degrees in the plane "
             "of ``dims``.",
    "row_stack": "row_stack(tensors) -> Tensor: alias of ``vstack``.",
    "rsub": "rsub(input, other, *, alpha=1) -> Tensor: ``other - alpha * input``.",
    "scalar_tensor": "scalar_tensor(s, *, dtype=None, requires_grad=False) -> Tensor: a 0-d tensor "
                     "holding the number ``s``.",
    "seed": "seed() -> int: seeds the default generator from the operating system and returns the seed.",
    "set_rng_state": "set_rng_state(new_state) -> None: restores a state from ``get_rng_state()``.",
    "sign": "sign(input) -> Tensor: -1, 0 or 1 by the sign of each element.",
    "square": "square(input) -> Tensor: ``input * input``.",
    "take": "take(input, index) -> Tensor: the elements of the flattened ``input`` at ``index``.",
    "take_along_dim": "take_along_dim(input, indices, dim=None) -> Tensor: values picked along ``dim`` at "
                      "``indices`` (as ``argsort``/``argmax`` return them).",
    "tensor_split": "tensor_split(input, indices_or_sections, dim=0): views of ``input`` split into "
                    "that many near-equal parts, or at those indices.",
    "vstack": "vstack(tensors) -> Tensor: concatenation along dim 0 (1-D tensors become rows).",
    "zeros_like": "zeros_like(input, *, dtype=None, requires_grad=False) -> Tensor: zeros shaped like ``input``.",
}

FUNCTIONAL = {
    "adaptive_max_pool1d_with_indices": "adaptive_max_pool1d(..., return_indices=True): (output, indices).",
    "adaptive_max_pool2d_with_indices": "adaptive_max_pool2d(..., return_indices=True): (output, indices).",
    "max_pool1d_with_indices": "max_pool1d(..., return_indices=True): (output, indices).",
    "max_pool2d_with_indices": "max_pool2d(..., return_indices=True): (output, indices).",
    "max_pool3d_with_indices": "max_pool3d(..., return_indices=True): (output, indices).",
    "celu_": "celu_(input, alpha=1.0) -> Tensor: ``celu`` in place.",
    "elu_": "elu_(input, alpha=1.0) -> Tensor: ``elu`` in place.",
    "hardtanh_": "hardtanh_(input, min_val=-1.0, max_val=1.0) -> Tensor: ``hardtanh`` in place.",
    "leaky_relu_": "leaky_relu_(input, negative_slope=0.01) -> Tensor: ``leaky_relu`` in place.",
    "relu_": "relu_(input) -> Tensor: ``relu`` in place.",
    "rrelu_": "rrelu_(input, lower=1/8, upper=1/3, training=False) -> Tensor: ``rrelu`` in place.",
    "selu_": "selu_(input) -> Tensor: ``selu`` in place.",
    "threshold_": "threshold_(input, threshold, value) -> Tensor: ``threshold`` in place.",
    "tanh": "tanh(input) -> Tensor: the hyperbolic tangent, elementwise.",
}

TENSOR = {
    "dtype": "The element type (``torch.float32`` by default).",
    "shape": "The size of each dimension, as a ``torch.Size``.",
    "ndim": "The number of dimensions.",
    "dim": "dim() -> int: the number of dimensions.",
    "ndimension": "ndimension() -> int: alias of ``dim()``.",
    "numel": "numel() -> int: the number of elements.",
    "nelement": "nelement() -> int: alias of ``numel()``.",
    "element_size": "element_size() -> int: bytes per element.",
    "device": "Where the data lives (``cpu``).",
    "is_cuda": "False: glasstorch tensors live on the CPU.",
    "is_leaf": "Whether the tensor was made by the user rather than recorded by an op "
               "(``.grad`` is filled for leaves only).",
    "requires_grad": "Whether operations on this tensor are recorded for ``backward()``.",
    "retains_grad": "Whether this non-leaf keeps its ``.grad`` (see ``retain_grad()``).",
    "is_floating_point": "is_floating_point() -> bool: whether the dtype is a floating-point one.",
    "is_floating_point_": "Alias of ``is_floating_point`` kept for old code.",
    "is_complex": "is_complex() -> bool: always False (glasstorch has no complex dtypes).",
    "is_contiguous": "is_contiguous() -> bool: whether the elements are laid out in C order.",
    "stride": "stride(dim=None): the steps, in elements, between neighbours along each dimension.",
    "data_ptr": "data_ptr() -> int: the address of the first element.",
    "get_device": "get_device() -> int: -1 (the CPU).",
    "T": "The dimensions reversed (a view; for a matrix, its transpose).",
    "mT": "The last two dimensions swapped (a view).",
    "H": "The conjugate transpose of a matrix (for real tensors, ``T``).",
    "mH": "The conjugate transpose of the last two dimensions (for real tensors, ``mT``).",
    "tolist": "tolist(): the elements as (nested) Python numbers.",
    "type": "type(dtype=None): the type name (``'torch.FloatTensor'``), or a copy cast to ``dtype``.",
    "type_as": "type_as(other) -> Tensor: this tensor cast to ``other``'s dtype.",
    "float": "float() -> Tensor: cast to float32.",
    "double": "double() -> Tensor: cast to float64.",
    "half": "half() -> Tensor: cast to float16.",
    "long": "long() -> Tensor: cast to int64.",
    "int": "int() -> Tensor: cast to int32.",
    "short": "short() -> Tensor: cast to int16.",
    "char": "char() -> Tensor: cast to int8.",
    "byte": "byte() -> Tensor: cast to uint8.",
    "bool": "bool() -> Tensor: cast to bool.",
    "cpu": "cpu() -> Tensor: this tensor (it is on the CPU already).",
    "cuda": "cuda(): raises, as torch does without a CUDA build.",
    "pin_memory": "pin_memory() -> Tensor: this tensor (pinning has no meaning without a GPU).",
    "is_pinned": "is_pinned() -> bool: False.",
    "share_memory_": "share_memory_() -> Tensor: this tensor (accepted for compatibility).",
    "detach_": "detach_() -> Tensor: detaches this tensor from the graph in place and makes it a leaf.",
    "flip": "flip(dims) -> Tensor: the elements reversed along ``dims``.",
    "norm": "norm(p='fro', dim=None, keepdim=False, dtype=None) -> Tensor: the p-norm over ``dim``.",
    "bernoulli_": "bernoulli_(p=0.5, *, generator=None) -> Tensor: fills with 1 with probability ``p``, else 0.",
    "exponential_": "exponential_(lambd=1.0, *, generator=None) -> Tensor: fills with Exp(lambd) samples.",
    "random_": "random_(from=0, to=None, *, generator=None) -> Tensor: fills with random integers in [from, to).",
    "bernoulli": "bernoulli(*, generator=None) -> Tensor: 1 with probability given by each element, else 0.",
    "multinomial": "multinomial(num_samples, replacement=False, *, generator=None) -> Tensor: "
                   "indices drawn with the weights in each row.",
    "index_put_": "index_put_(indices, values, accumulate=False) -> Tensor: ``self[indices] = values`` "
                  "(or ``+=``) in place.",
    "addcmul_": "addcmul_(tensor1, tensor2, *, value=1) -> Tensor: ``self += value * tensor1 * tensor2``.",
    "addcdiv_": "addcdiv_(tensor1, tensor2, *, value=1) -> Tensor: ``self += value * tensor1 / tensor2``.",
    "new_full": "new_full(size, fill_value, *, dtype=None, requires_grad=False) -> Tensor: a new tensor of "
                "``fill_value``, with this one's dtype by default.",
    "new_tensor": "new_tensor(data, *, dtype=None, requires_grad=False) -> Tensor: a new tensor from "
                  "``data``, with this one's dtype by default.",
    "new_zeros": "new_zeros(size, *, dtype=None, requires_grad=False) -> Tensor: zeros, this one's dtype by "
                 "default.",
    "new_ones": "new_ones(size, *, dtype=None, requires_grad=False) -> Tensor: ones, this one's dtype by default.",
    "new_empty": "new_empty(size, *, dtype=None, requires_grad=False) -> Tensor: uninitialised, this one's "
                 "dtype by default.",
    "apply_": "apply_(callable) -> Tensor: replaces each element by ``callable(element)`` (slow: Python per "
              "element, as in torch).",
    "sort": "sort(dim=-1, descending=False, stable=False): (values, indices) sorted along ``dim``.",
    "argsort": "argsort(dim=-1, descending=False, stable=False) -> Tensor: the indices that sort along ``dim``.",
    "topk": "topk(k, dim=-1, largest=True, sorted=True): (values, indices) of the k largest (or smallest).",
}


def _set(obj, doc: str) -> None:
    try:
        obj.__doc__ = doc
    except (AttributeError, TypeError):  # a builtin: leave it
        pass


def attach(torch) -> None:
    """Give every listed function, functional and Tensor member its docstring, unless it has one."""
    from .nn import functional as F

    for table, namespace in ((FUNCTIONS, torch), (FUNCTIONAL, F)):
        for name, doc in table.items():
            obj = getattr(namespace, name, None)
            if obj is not None and not (obj.__doc__ or "").strip():
                _set(obj, doc)
    if not (torch.nn.Tanh.__doc__ or "").strip():
        torch.nn.Tanh.__doc__ = "Applies ``tanh`` elementwise; any shape in, the same shape out."
    if not (torch.autograd.is_anomaly_enabled.__doc__ or "").strip():
        torch.autograd.is_anomaly_enabled.__doc__ = "is_anomaly_enabled() -> bool: whether anomaly mode is on."
    Tensor = torch.Tensor
    for name, member in list(vars(Tensor).items()):
        if name.startswith("_") or (getattr(member, "__doc__", None) or "").strip():
            continue
        doc = TENSOR.get(name)
        if doc is None:
            # the method form of a function: same text, with ``self`` as ``input``
            fn = getattr(torch, name, None)
            base = (getattr(fn, "__doc__", None) or "").strip()
            if base:
                doc = f"Tensor.{name}: the method form of ``glasstorch.{name}`` (``self`` is ``input``).\n\n{base}"
        if doc is not None:
            _set(member, doc)
