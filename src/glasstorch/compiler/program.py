"""A captured call as a program: its nodes, where its inputs come from, what it changes.

:class:`Program` is what the passes transform and what :mod:`.codegen` prints:

- ``inputs``: the Values the call found in tensors it can reach, each with the
  Python expression that reads it on a replay (``p_fc1_weight._data``);
- ``nodes``: the recorded kernels, in the order they ran;
- ``effects``: Python statements that put results where the eager call put them
  (a new ``.grad``, a tensor given a new array);
- ``outputs``: how to rebuild the call's return value from program values;
- ``guards``: conditions on hyperparameters the capture branched on.
"""

from __future__ import annotations

from .capture import Node, Value


class Program:
    """The nodes of one capture and the bindings around them (see the module doc)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inputs: list[tuple[Value, str, str]] = []  # (value, read expression, comment)
        self.nodes: list[Node] = []
        self.effects: list[tuple[str, object]] = []  # (statement template with {}, value or None)
        self.outputs: list[Value] = []  # program values returned, in order
        self.output_spec = None  # the return structure, with indices into ``outputs``
        self.guards: list[str] = []
        self.bindings: dict[str, object] = {}  # names the generated code reads from its globals
        self.scratch: set[int] = set()  # ids of constant arrays that are scratch space
        self.notes: list[str] = []  # what each pass did, for ``explain()``
        self.protected: list[Value] = []  # values a pass must leave intact (a backward's residuals)
        self.undo_draws = False  # a check after a random draw: save the generators' state first
        self.undo_arrays: list[Value] = []  # state a check may have to put back: copied first

    def escaping(self) -> set[int]:
        """ids of the Values the program hands back (outputs and effects)."""
        found = {id(v) for v in self.outputs}
        found.update(id(v) for v in self.protected)
        found.update(id(v) for _, v in self.effects if isinstance(v, Value))
        return found

    def last_uses(self) -> dict[int, int]:
        """``id(value) -> index of the last node that reads it`` (outputs count as the end)."""
        last: dict[int, int] = {}
        for i, node in enumerate(self.nodes):
            for v in node.reads():
                last[id(v)] = i
            for v in node.writes:
                last[id(v)] = i
        end = len(self.nodes)
        for key in self.escaping():
            last[key] = end
        return last
