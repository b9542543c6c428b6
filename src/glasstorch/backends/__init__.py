"""``glasstorch.backends``: the switches torch scripts set, with glasstorch's honest answers."""

from . import cpu, cuda, cudnn, mps  # noqa: F401
