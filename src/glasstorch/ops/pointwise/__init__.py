"""Elementwise ops: arithmetic, unary maths, comparisons and logic.

Each op is a Function whose forward works on arrays (through the array
module of its input, so any device's arrays) and whose backward is written
with Tensor operations (so it can be differentiated again). Broadcasting is
undone by the engine, not here: a backward may return a gradient of the
broadcast shape.

- ``unary``: exp, log, sin, tanh, sigmoid, erf, ... as one table of
  (name, forward, derivative) rows.
- ``arithmetic``: casts, + - * /, powers, integer division, atan2.
- ``piecewise``: relu, abs, sign, rounding.
- ``selection``: clamp, where, maximum/minimum, lerp, nan_to_num.
- ``compare``: comparisons, logic, bitwise ops, isnan and friends.
- ``checks``: the argument checks of all of the above.
"""

from .arithmetic import *  # noqa: F403
from .compare import *  # noqa: F403
from .compare import _invert  # noqa: F401  (the ``~`` operator)
from .piecewise import *  # noqa: F403
from .selection import *  # noqa: F403
from .unary import *  # noqa: F403
from .unary import _erf  # noqa: F401  (erf on arrays, for special.erf and gelu)
