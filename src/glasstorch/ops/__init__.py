"""All ops, one module per family. ``glasstorch.ops.add`` is ``glasstorch.add``.

Which functions this namespace exports is declared in ``_registry.TABLE``: one
line per op, resolved here by family module and name.
"""

from . import _registry

globals().update(_registry.functions("glasstorch.ops"))
