"""``glasstorch.viz``: drawings of the autograd graph, and training plots (``viz.plots``)."""

import importlib

from .graph import Graph, draw_graph, module_scopes, record  # noqa: F401


def __getattr__(name):
    # plots imports matplotlib (an optional extra) only when asked for
    if name == "plots":
        return importlib.import_module(".plots", __name__)
    raise AttributeError(f"module 'glasstorch.viz' has no attribute '{name}'")
