"""Indexing: ``x[key]``, ``x[key] = v``, gather/scatter, index_select, masks.

``x[key]`` with ints, slices, None and Ellipsis is a view (basic indexing);
with integer or boolean tensors it copies (advanced indexing). Either way
the backward puts the gradient back where the elements came from, adding
up when an index repeats.

The family, one file per kind: ``plan`` (how torch reads a key),
``getset`` (getitem, select, index_put), ``gather`` (gather, scatter,
index_select, index_add), ``masks`` (masked_fill/select/scatter, nonzero,
take); their argument checks in ``checks``.
"""

# Every public function and every Function class of the family (private ones too:
# code such as the ONNX exporter names an op by its class) is importable from here.

from .checks import _KIND, _SCALAR_NAMES  # noqa: F401
from .gather import (  # noqa: F401
    Gather,
    IndexSelect,
    Scatter,
    ScatterAdd,
    ScatterMul,
    ScatterValue,
    ScatterZeros,
    _IndexAdd,
    gather,
    index_add,
    index_select,
    scatter,
    scatter_add,
    scatter_zeros,
)
from .getset import (  # noqa: F401
    CopySlices,
    IndexPut,
    _AliasIdx,
    _Index,
    _MaskOut,
    _Select,
    _Slice,
    _Unindex,
    _UnsqueezeIdx,
    getitem,
    index_put,
    index_put_,
    select,
)
from .masks import (  # noqa: F401
    MaskedFill,
    MaskedSelect,
    _MaskedPlace,
    _NonZero,
    argwhere,
    masked_fill,
    masked_scatter,
    masked_select,
    nonzero,
    take,
    take_along_dim,
)
from .plan import _Plan, _plan  # noqa: F401
