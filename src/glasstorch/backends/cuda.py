"""``glasstorch.backends.cuda``: not built; the matmul flags exist so scripts can set them."""


class _Matmul:
    allow_tf32: bool = False
    allow_fp16_reduced_precision_reduction: bool = True
    allow_bf16_reduced_precision_reduction: bool = True


matmul = _Matmul()


def is_built() -> bool:
    return False
