"""A pickle-opcode interpreter that reads the ``data.pkl`` of a torch checkpoint.

It is not ``pickle.load``: it never imports a module, never looks up an
attribute and never calls anything the file names. A ``GLOBAL`` opcode only
resolves against the short table the caller passes (``reader._GLOBALS``),
whose entries map names to handlers written in glasstorch. ``REDUCE`` is
allowed only on those handlers; every other global, opcode or call is
refused with :class:`CheckpointError`.

What a checkpoint of tensors needs: dicts, ``OrderedDict`` (with the
``_metadata`` that ``state_dict()`` attaches), lists, tuples, sets, numbers,
strings, bytes, ``None``/bools, ``torch.Size``, dtypes, and torch's tensor
and parameter rebuild calls over storages named by persistent ids.
"""

from __future__ import annotations

import pickle
import struct
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["CheckpointError", "Global", "Interpreter"]


class CheckpointError(pickle.UnpicklingError, RuntimeError):
    """A torch checkpoint that glasstorch refuses to load: it names something that is
    not plain data (a global, a call) or it is corrupted. Nothing from it has run."""


class Global:
    """What a whitelisted ``GLOBAL`` resolves to: a name and, for callables, the
    glasstorch-side handler that ``REDUCE`` runs instead of the named object."""

    __slots__ = ("name", "handler", "value", "plain")

    def __init__(self, name: str, handler: Callable | None = None, value: Any = None,
                 plain: bool = False) -> None:
        self.name, self.handler, self.value, self.plain = name, handler, value, plain

    def __repr__(self) -> str:
        return self.name


_NOTHING = object()  # no result yet (None is a valid result)

# opcode byte -> method name; anything missing here is refused
_OPS = {
    b"\x80": "proto", b"\x95": "frame", b".": "stop", b"(": "mark", b"0": "pop", b"1": "pop_mark",
    b"2": "dup", b"N": "none", b"\x88": "true", b"\x89": "false",
    b"J": "binint", b"K": "binint1", b"M": "binint2", b"\x8a": "long1", b"\x8b": "long4",
    b"G": "binfloat", b"X": "binunicode", b"\x8c": "short_binunicode", b"\x8d": "binunicode8",
    b"C": "short_binbytes", b"B": "binbytes", b"\x8e": "binbytes8",
    b")": "empty_tuple", b"t": "tuple", b"\x85": "tuple1", b"\x86": "tuple2", b"\x87": "tuple3",
    b"]": "empty_list", b"l": "list", b"a": "append", b"e": "appends",
    b"}": "empty_dict", b"d": "dict", b"s": "setitem", b"u": "setitems",
    b"\x8f": "empty_set", b"\x90": "additems", b"\x91": "frozenset",
    b"c": "global_", b"\x93": "stack_global", b"R": "reduce", b"b": "build", b"Q": "binpersid",
    b"q": "binput", b"r": "long_binput", b"h": "binget", b"j": "long_binget", b"\x94": "memoize",
}
_NAMES = {
    b"i": "INST", b"o": "OBJ", b"\x81": "NEWOBJ", b"\x92": "NEWOBJ_EX", b"P": "PERSID",
    b"\x82": "EXT1", b"\x83": "EXT2", b"\x84": "EXT4", b"S": "STRING", b"T": "BINSTRING",
    b"U": "SHORT_BINSTRING", b"I": "INT", b"L": "LONG", b"F": "FLOAT", b"V": "UNICODE",
    b"g": "GET", b"p": "PUT", b"\x96": "BYTEARRAY8", b"\x97": "NEXT_BUFFER", b"\x98": "READONLY_BUFFER",
}


class Interpreter:
    """Runs the opcodes of one pickle against a whitelist.

    ``globals_`` maps ``(module, name)`` to a :class:`Global`; ``persistent_load``
    turns the tuple of a ``BINPERSID`` into an object (a storage).
    """

    def __init__(self, data: bytes, where: str, globals_: dict[tuple[str, str], Global],
                 persistent_load: Callable[[Any], Any]) -> None:
        self.raw = bytes(data)
        self.data = memoryview(self.raw)
        self.pos = 0
        self.where = where
        self.globals = globals_
        self.persistent_load = persistent_load
        self.stack: list = []
        self.metastack: list = []
        self.memo: dict[int, Any] = {}
        self.result: Any = _NOTHING

    def refuse(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.where}: refused to load: {what} (glasstorch reads only tensors "
                               "and plain containers from torch checkpoints; nothing in the file was run)")

    # -- reading bytes ---------------------------------------------------------------
    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise self.refuse(f"the pickle is truncated (needs {n} bytes at offset {self.pos})")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    # -- driver ------------------------------------------------------------------------
    def run(self) -> Any:
        while self.result is _NOTHING:
            code = bytes(self.take(1))
            name = _OPS.get(code)
            if name is None:
                label = _NAMES.get(code, f"0x{code.hex()}")
                raise self.refuse(f"pickle opcode {label} is not allowed")
            getattr(self, "op_" + name)()
        if self.pos != len(self.data):
            raise self.refuse(f"{len(self.data) - self.pos} bytes follow the pickle's STOP")
        return self.result

    def pop(self) -> Any:
        if not self.stack:
            raise self.refuse("the pickle pops an empty stack")
        return self.stack.pop()

    def pop_mark(self) -> list:
        if not self.metastack:
            raise self.refuse("the pickle closes a MARK it never opened")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def top(self) -> Any:
        if not self.stack:
            raise self.refuse("the pickle reads an empty stack")
        return self.stack[-1]

    def push(self, v: Any) -> None:
        self.stack.append(v)

    # -- framing and structure ---------------------------------------------------------
    def op_proto(self):
        if self.unpack("<B") > 5:
            raise self.refuse("unknown pickle protocol")

    def op_frame(self):
        self.unpack("<Q")  # frames only group opcodes; the data is read in place

    def op_stop(self):
        self.result = self.pop()

    def op_mark(self):
        self.metastack.append(self.stack)
        self.stack = []

    def op_pop(self):
        if self.stack:
            self.stack.pop()
        else:
            self.pop_mark()

    def op_pop_mark(self):
        self.pop_mark()

    def op_dup(self):
        self.push(self.top())

    # -- scalars ---------------------------------------------------------------------
    def op_none(self):
        self.push(None)

    def op_true(self):
        self.push(True)

    def op_false(self):
        self.push(False)

    def op_binint(self):
        self.push(self.unpack("<i"))

    def op_binint1(self):
        self.push(self.unpack("<B"))

    def op_binint2(self):
        self.push(self.unpack("<H"))

    def op_long1(self):
        self.push(int.from_bytes(self.take(self.unpack("<B")), "little", signed=True))

    def op_long4(self):
        n = self.unpack("<i")
        if n > 255:  # as wide as LONG1 allows; no tensor checkpoint needs more
            raise self.refuse(f"an integer of {n} bytes")
        self.push(int.from_bytes(self.take(n), "little", signed=True))

    def op_binfloat(self):
        self.push(self.unpack(">d"))

    def text(self, n: int) -> str:
        try:
            return str(self.take(n), "utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise self.refuse("a string is not valid UTF-8") from None

    def op_binunicode(self):
        self.push(self.text(self.unpack("<I")))

    def op_short_binunicode(self):
        self.push(self.text(self.unpack("<B")))

    def op_binunicode8(self):
        self.push(self.text(self.unpack("<Q")))

    def op_short_binbytes(self):
        self.push(bytes(self.take(self.unpack("<B"))))

    def op_binbytes(self):
        self.push(bytes(self.take(self.unpack("<I"))))

    def op_binbytes8(self):
        self.push(bytes(self.take(self.unpack("<Q"))))

    # -- containers ------------------------------------------------------------------
    def op_empty_tuple(self):
        self.push(())

    def op_tuple(self):
        self.push(tuple(self.pop_mark()))

    def op_tuple1(self):
        self.push((self.pop(),))

    def op_tuple2(self):
        b, a = self.pop(), self.pop()
        self.push((a, b))

    def op_tuple3(self):
        c, b, a = self.pop(), self.pop(), self.pop()
        self.push((a, b, c))

    def op_empty_list(self):
        self.push([])

    def op_list(self):
        self.push(self.pop_mark())

    def op_empty_dict(self):
        self.push({})

    def op_empty_set(self):
        self.push(set())

    def op_frozenset(self):
        self.push(frozenset(self.pop_mark()))

    def container(self, kinds: tuple, what: str) -> Any:
        obj = self.top()
        if type(obj) not in kinds:
            raise self.refuse(f"{what} on a {type(obj).__name__}")
        return obj

    def op_append(self):
        v = self.pop()
        self.container((list,), "APPEND").append(v)

    def op_appends(self):
        items = self.pop_mark()
        self.container((list,), "APPENDS").extend(items)

    def op_dict(self):
        items = self.pop_mark()
        if len(items) % 2:
            raise self.refuse("DICT with an odd number of items")
        self.push(dict(zip(items[::2], items[1::2])))

    def op_setitem(self):
        v, k = self.pop(), self.pop()
        self.container((dict, OrderedDict), "SETITEM")[k] = v

    def op_setitems(self):
        items = self.pop_mark()
        if len(items) % 2:
            raise self.refuse("SETITEMS with an odd number of items")
        d = self.container((dict, OrderedDict), "SETITEMS")
        for k, v in zip(items[::2], items[1::2]):
            d[k] = v

    def op_additems(self):
        items = self.pop_mark()
        self.container((set,), "ADDITEMS").update(items)

    # -- memo ------------------------------------------------------------------------
    def op_binput(self):
        self.memo[self.unpack("<B")] = self.top()

    def op_long_binput(self):
        self.memo[self.unpack("<I")] = self.top()

    def op_memoize(self):
        self.memo[len(self.memo)] = self.top()

    def get(self, i: int) -> None:
        if i not in self.memo:
            raise self.refuse(f"memo entry {i} is read before it is written")
        self.push(self.memo[i])

    def op_binget(self):
        self.get(self.unpack("<B"))

    def op_long_binget(self):
        self.get(self.unpack("<I"))

    # -- the dangerous ones, narrowed to the whitelist ---------------------------------
    def resolve(self, module: str, name: str) -> Any:
        g = self.globals.get((module, name))
        if g is None:
            raise self.refuse(f"the global {module}.{name} is not allowed")
        return g.value if g.plain else g  # a plain name (a dtype) is just a value

    def op_global_(self):
        line = self.readline()
        module, name = line, self.readline()
        self.push(self.resolve(module, name))

    def readline(self) -> str:
        end = self.raw.find(b"\n", self.pos, self.pos + 256)
        if end < 0:
            raise self.refuse("a GLOBAL name is unterminated or longer than 256 bytes")
        raw = self.take(end - self.pos)
        self.pos += 1
        try:
            return str(raw, "ascii")
        except UnicodeDecodeError:
            raise self.refuse("a GLOBAL name is not ASCII") from None

    def op_stack_global(self):
        name, module = self.pop(), self.pop()
        if type(name) is not str or type(module) is not str:
            raise self.refuse("STACK_GLOBAL on non-strings")
        self.push(self.resolve(module, name))

    def op_reduce(self):
        args, func = self.pop(), self.pop()
        if type(func) is not Global or func.handler is None:
            raise self.refuse(f"a call of {func!r:.60}" if type(func) is Global
                              else f"a call of a {type(func).__name__} value")
        if type(args) is not tuple:
            raise self.refuse(f"the arguments of {func.name} are not a tuple")
        try:
            self.push(func.handler(self, *args))
        except TypeError as e:  # wrong arity or argument kinds: ours, named
            raise self.refuse(f"bad arguments for {func.name}: {e}") from None

    def op_build(self):
        state = self.pop()
        obj = self.top()
        # state_dict() attaches the per-module versions as ``_metadata``; that is the
        # only attribute glasstorch sets on anything
        if type(obj) is OrderedDict and type(state) is dict and set(state) <= {"_metadata"}:
            if "_metadata" in state:
                obj._metadata = state["_metadata"]
            return
        raise self.refuse(f"BUILD on a {type(obj).__name__}")

    def op_binpersid(self):
        self.push(self.persistent_load(self.pop()))
