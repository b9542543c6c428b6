"""``glasstorch.nn``: modules, layers, losses, initialisation."""

from . import functional, init, parallel, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import Buffer, Parameter, UninitializedParameter  # noqa: F401

# isort: split
from .parallel import DataParallel  # noqa: F401
