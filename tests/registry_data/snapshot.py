"""The public surface as plain data: names of ``glasstorch``, ``glasstorch.ops`` and ``Tensor``.

``python tests/registry_data/snapshot.py`` rewrites ``public_api.json`` (review the diff).
"""

from __future__ import annotations

import inspect
import json
import types
from pathlib import Path

HERE = Path(__file__).parent


def _kind(obj) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return "function"
    if isinstance(obj, property):
        return "property"
    if isinstance(obj, (staticmethod, classmethod)):
        return type(obj).__name__
    return type(obj).__name__


def surface() -> dict:
    """``{namespace: {name: kind}}``; a Tensor method that is an op function says which."""
    import glasstorch as gt

    ops = gt.ops
    by_id: dict = {}
    for n in dir(ops):
        if not n.startswith("_") and not inspect.ismodule(getattr(ops, n)):
            by_id.setdefault(id(getattr(ops, n)), n)  # aliases share one object: the first name names it

    def kind(obj) -> str:
        op = by_id.get(id(obj))
        return f"ops.{op}" if op is not None and _kind(obj) == "function" else _kind(obj)

    out = {
        "glasstorch": {n: kind(getattr(gt, n)) for n in dir(gt) if not n.startswith("__")},
        "glasstorch.ops": {n: _kind(getattr(ops, n)) for n in dir(ops) if not n.startswith("_")},
    }
    methods = {}
    for n in dir(gt.Tensor):
        if n.startswith("__") and n.endswith("__"):
            continue
        methods[n] = kind(inspect.getattr_static(gt.Tensor, n))
    out["Tensor"] = methods
    return out


if __name__ == "__main__":
    (HERE / "public_api.json").write_text(json.dumps(surface(), indent=0, sort_keys=True) + "\n")
