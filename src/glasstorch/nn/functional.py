"""``glasstorch.nn.functional``: the stateless functions every layer calls.

Each family is written in ``nn/_functional/<family>.py``; this module only
gathers them under torch's names.
"""

from ..ops.pointwise import relu, sigmoid, tanh  # noqa: F401
from ..ops.reduce import log_softmax, softmax, softmin  # noqa: F401
