"""``glasstorch.compile``: capture a call once, replay it as printed NumPy code.

The pieces, in the order a call meets them:

- :mod:`.compiled`: the callable ``compile`` returns; signatures, guards, the cache;
- :mod:`.reach`: the modules, optimizers and tensors a call can reach;
- :mod:`.session`: one capture: tracking, symbolic hyperparameters, effects;
- :mod:`.capture`: the recording arrays, the record of kernels, graph breaks;
- :mod:`.program`: the record as a program with inputs, effects and outputs;
- :mod:`.passes`: dead code, constant folding, buffer reuse;
- :mod:`.codegen`: the program as Python source, compiled once;
- :mod:`.backward`: a module under autograd, as a forward and a backward program;
- :mod:`.drawing`: a program as a graph for ``viz.draw_graph``.

``docs/compile.md`` walks through them with the printed code of a training step.
"""

from __future__ import annotations

from .capture import GraphBreak
from .compiled import CACHE_SIZE, CompiledFunction

__all__ = ["GraphBreak", "CompiledFunction", "CACHE_SIZE"]
