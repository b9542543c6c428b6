"""``glasstorch.backends.cpu``."""


def get_cpu_capability() -> str:
    """The SIMD level of the kernels: NumPy picks its own at run time, so glasstorch says "DEFAULT"."""
    return "DEFAULT"
