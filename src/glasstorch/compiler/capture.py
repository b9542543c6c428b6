"""Capture: run a call eagerly on recording arrays and write down every kernel.

During a capture the tensors the call can reach hold :class:`Value` objects
instead of NumPy arrays. A Value wraps the real array and is owned by
:data:`module`, the recording array module that stands behind the ``"cpu"``
device meanwhile (the device-ready backend makes that possible: ops compute with
``array_module(data)``). Every function of the module, every operator, method
and index of a Value runs the real NumPy call at once, so the capture *is* the
eager run with its exact numbers, and appends one :class:`Node` to the active
:class:`Recorder`: what was called, on which values, and what came out.

Three things cannot be written down as array kernels; each is a *graph break*
(:class:`GraphBreak`) reported with the user's source line:

- reading data into Python (``.item()``, ``.tolist()``, ``bool(t)``, ``print``,
  ``.numpy()``), except the optimizers' own step counters, which come back as a
  :class:`SymFloat` whose arithmetic the replay repeats;
- control flow on such a value;
- anything that hands a Value to code the recorder does not see.

A break does not stop the call: the value is read for real, the call finishes
eagerly, and the capture is marked as unusable.
"""

from __future__ import annotations

import operator
import os
import sys
import threading

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = os.path.dirname(_HERE)
_state = threading.local()  # .recorder: the Recorder of this thread's capture, if any


class GraphBreak(RuntimeError):
    """Raised (with ``fullgraph=True``) where a captured call leaves the array world."""


def active():
    """The recorder of the capture running in this thread, or None."""
    return getattr(_state, "recorder", None)


# ---------------------------------------------------------------- nodes
class Node:
    """One recorded kernel: ``outs = fn(*args, **kwargs)``.

    ``kind`` says how to print it: ``"call"`` (``fn`` is a dotted name: ``np.add``,
    or ``"<value>.method"``), ``"binop"``/``"inplace"``/``"unary"`` (``fn`` is the
    operator symbol), ``"getitem"``/``"setitem"``, ``"attr"`` (``v.T``), ``"draw"``
    (a random draw from a generator). ``args`` keep Values, SymFloats and
    constants as they were passed. ``writes`` are the Values the kernel changes in
    place (``out=``, ``+=``, ``a[i] = b``). ``where`` is (phase, op, module path).
    """

    __slots__ = ("kind", "fn", "args", "kwargs", "outs", "writes", "where", "self_value", "result", "fn_obj")

    def __init__(self, kind, fn, args, kwargs, outs, writes, where, self_value=None, result=None, fn_obj=None):
        self.kind, self.fn, self.args, self.kwargs = kind, fn, args, kwargs
        self.outs, self.writes, self.where, self.self_value = outs, writes, where, self_value
        self.result, self.fn_obj = result, fn_obj

    def reads(self):
        """Every Value the node reads (its receiver and arguments, nested)."""
        found: list = []
        if self.self_value is not None:
            found.append(self.self_value)
        _collect((self.args, self.kwargs), found)
        return found


def _collect(obj, found) -> None:
    if isinstance(obj, Value):
        found.append(obj)
    elif isinstance(obj, SymFloat):
        found.extend(obj.values)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _collect(x, found)
    elif isinstance(obj, dict):
        for x in obj.values():
            _collect(x, found)
    elif isinstance(obj, slice):
        _collect((obj.start, obj.stop, obj.step), found)


# ---------------------------------------------------------------- the recorder
class Recorder:
    """The nodes of one capture, and what the capture met on the way."""

    def __init__(self, module_names: dict[int, str]) -> None:
        self.nodes: list[Node] = []
        self.count = 0
        self.owner: dict[int, Value] = {}  # id(owning ndarray) -> the Value first seen owning it
        self.constants: list = []  # host objects the program reads by reference
        self.breaks: list[str] = []  # why the capture cannot be replayed (first one wins)
        self.guards: list[str] = []  # Python expressions that must hold for a replay
        self.module_names = module_names
        self.thread = threading.get_ident()
        self.keep: list = []  # arrays whose id is a key above: kept alive for the capture
        self.fullgraph = False
        self.live = True
        self.scratch: set[int] = set()  # ids of optimizer scratch arrays (printed w0, w1, ...)  # False once the call has returned

    def new_value(self, arr, hint: str = "v", origin: str = "kernel") -> Value:
        self.count += 1
        v = Value(arr, f"{hint}{self.count}" if hint == "v" else hint, origin)
        v.rec = self
        if isinstance(arr, np.ndarray):
            own = _owning(arr)
            key = id(own)
            if key in self.owner:
                v.root = self.owner[key]
            else:
                self.owner[key] = v
                self.keep.append(own)
        return v

    def constant(self, obj) -> Value:
        """A host array (or NumPy scalar) the call reads but did not make: bound by reference."""
        key = id(_owning(obj)) if isinstance(obj, np.ndarray) else id(obj)
        known = self.owner.get(key)
        if known is not None and known._a is obj:
            return known
        hint = f"w{len(self.constants)}" if key in self.scratch else f"c{len(self.constants)}"
        v = self.new_value(obj, hint, origin="constant")
        self.constants.append(v)
        return v

    def breaks_here(self, what: str, located: bool = False) -> None:
        """Note a graph break (``what`` happens at the user's current line, unless
        ``located`` says it names its line already); with ``fullgraph`` raise it."""
        if not located:
            op = where_now(self)[1]
            what = f"{what} (in {op}) at {user_line()}" if op else f"{what} at {user_line()}"
        message = what
        if not self.breaks:
            self.breaks.append(message)
        if self.fullgraph and self.live:
            raise GraphBreak(f"glasstorch.compile(fullgraph=True): graph break: {message}")

    def add(self, kind, fn, args, kwargs, result, self_value=None, fn_obj=None):
        """Record one call whose real ``result`` is known; the result with Values in it."""
        writes: list = []
        same = _argument_arrays((self_value, args, kwargs))
        out = _wrap_result(self, result, same, writes)
        passed = {id(x) for x in same.values()}
        outs = [x for x in values_in(out) if id(x) not in passed]
        out_kw = kwargs.get("out") if kwargs else None
        if out_kw is not None:
            writes.extend(values_in(out_kw))
        if isinstance(self_value, Value) and (kind in ("inplace", "setitem") or fn in _SELF_WRITERS):
            writes.append(self_value)
        if (fn in _FIRST_WRITERS or fn.endswith(".at")) and args and isinstance(args[0], Value):
            writes.append(args[0])
        for w in writes:
            w.root.written = True
        if outs or writes or kind == "draw":
            self.nodes.append(Node(kind, fn, args, kwargs, outs, writes, where_now(self), self_value, out, fn_obj))
        return out


# Functions and methods that change their first argument (or the array itself) in place.
_FIRST_WRITERS = frozenset({"np.copyto", "np.put", "np.place", "np.putmask", "np.fill_diagonal",
                            "np.put_along_axis"})
_SELF_WRITERS = frozenset({"fill", "sort", "put", "partition", "resize", "itemset", "setflags"})


def _owning(arr: np.ndarray) -> np.ndarray:
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def values_in(x):
    """The Values in ``x``, a Value or nested lists and tuples (a kernel's result), in order."""
    if isinstance(x, Value):
        yield x
    elif isinstance(x, (list, tuple)):
        for y in x:
            yield from values_in(y)


def _argument_arrays(obj, same=None) -> dict:
    """``id(real array) -> Value`` for every Value among the arguments: a result that is
    one of them (``out=``, in-place methods) comes back as that same Value."""
    same = {} if same is None else same
    if isinstance(obj, Value):
        same[id(obj._a)] = obj
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _argument_arrays(x, same)
    elif isinstance(obj, dict):
        for x in obj.values():
            _argument_arrays(x, same)
    return same


def _wrap_result(rec: Recorder, result, same: dict, writes: list):
    if isinstance(result, (np.ndarray, np.generic)):
        hit = same.get(id(result))
        if hit is not None:
            return hit
        return rec.new_value(result)
    if isinstance(result, tuple):
        items = [_wrap_result(rec, r, same, writes) for r in result]
        return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
    if isinstance(result, list):
        return [_wrap_result(rec, r, same, writes) for r in result]
    return result


def unwrap(obj):
    """The real arrays behind Values (and the values of SymFloats), nested."""
    if isinstance(obj, Value):
        return obj._a
    if isinstance(obj, SymFloat):
        return float(obj)
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(unwrap(x) for x in obj)
    if isinstance(obj, dict):
        return {k: unwrap(x) for k, x in obj.items()}
    if isinstance(obj, slice):
        return slice(unwrap(obj.start), unwrap(obj.stop), unwrap(obj.step))
    return obj


def _intern(rec: Recorder, obj):
    """Arguments as the program will read them: host arrays become bound constants, and so
    do Values left over from another capture (a cache that kept one): their arrays are
    what the eager call reads."""
    if isinstance(obj, np.ndarray):
        return rec.constant(obj)
    if isinstance(obj, Value) and obj.rec is not rec:
        return rec.constant(obj._a)
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_intern(rec, x) for x in obj)
    if isinstance(obj, dict):
        return {k: _intern(rec, x) for k, x in obj.items()}
    return obj


def record_call(kind, fn, real_fn, args, kwargs, self_value=None):
    """Run ``real_fn`` on the real arrays and, when capturing in this thread, record it."""
    result = real_fn(*unwrap(args), **unwrap(kwargs))
    rec = active()
    if rec is None:
        return result
    args, kwargs = _intern(rec, args), _intern(rec, kwargs)
    if self_value is not None:
        self_value = _intern(rec, self_value)
    if self_value is None and kind == "call" and isinstance(result, np.generic) and not _has_value((args, kwargs)):
        return result  # host arithmetic on shapes (xp.prod(shape)): a number, not data
    return rec.add(kind, fn, args, kwargs, result, self_value, real_fn if kind == "call" else None)


def _has_value(obj) -> bool:
    found: list = []
    _collect(obj, found)
    return bool(found)


# ---------------------------------------------------------------- provenance
def user_line() -> str:
    """``file:line`` of the innermost frame outside glasstorch (where a break comes from)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}"


def where_now(rec: Recorder):
    """(phase, op, module path) of the kernel being recorded, read from the stack."""
    f = sys._getframe(3)
    op = module = phase = None
    while f is not None:
        code = f.f_code
        path = code.co_filename
        if path.startswith(_PACKAGE) and not path.startswith(_HERE) and not path.endswith("backend.py"):
            if op is None:
                rel = os.path.relpath(path, _PACKAGE)[:-3].replace(os.sep, ".")
                op = f"{rel}.{code.co_qualname}"
            if phase is None:
                if code.co_name == "run_backward":
                    phase = "backward"
                elif code.co_name == "step" and "optim" in path:
                    phase = "optimizer"
            if module is None and code.co_name == "forward":
                owner = f.f_locals.get("self")
                if owner is not None and id(owner) in rec.module_names:
                    module = rec.module_names[id(owner)]
        f = f.f_back
    return (phase or "forward", op or "", module or "")


# ---------------------------------------------------------------- symbolic numbers
class SymFloat(float):
    """A Python float the replay recomputes: its value now, and the expression giving it.

    Optimizer step counts and hyperparameters read from ``param_groups`` are
    SymFloats during a capture, so the bias corrections and learning rates in the
    program follow the step and the scheduler instead of being frozen.
    """

    def __new__(cls, value: float, expr: str, values=()):
        self = super().__new__(cls, value)
        self.expr = expr
        self.values = tuple(values)
        return self

    def __repr__(self) -> str:
        return self.expr

    def _combine(self, other, symbol: str, op, reflected: bool = False):
        if not isinstance(other, (int, float)):
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        value = op(float(a), float(b))
        expr = f"({_expr(a)} {symbol} {_expr(b)})"
        return SymFloat(value, expr, getattr(a, "values", ()) + getattr(b, "values", ()))

    def __add__(self, o):
        return self._combine(o, "+", float.__add__)

    def __radd__(self, o):
        return self._combine(o, "+", float.__add__, True)

    def __sub__(self, o):
        return self._combine(o, "-", float.__sub__)

    def __rsub__(self, o):
        return self._combine(o, "-", float.__sub__, True)

    def __mul__(self, o):
        return self._combine(o, "*", float.__mul__)

    def __rmul__(self, o):
        return self._combine(o, "*", float.__mul__, True)

    def __truediv__(self, o):
        return self._combine(o, "/", float.__truediv__)

    def __rtruediv__(self, o):
        return self._combine(o, "/", float.__truediv__, True)

    def __pow__(self, o):
        return self._combine(o, "**", float.__pow__)

    def __rpow__(self, o):
        return self._combine(o, "**", float.__pow__, True)

    def __neg__(self):
        return SymFloat(-float(self), f"(-{self.expr})", self.values)

    def _compare(self, other, symbol: str, op) -> bool:
        result = op(float(self), float(other))
        rec = active()
        if rec is not None:
            if self.values or getattr(other, "values", ()):
                rec.breaks_here(f"a branch on a value computed from tensor data ({symbol})")
            else:
                rec.guards.append(f"({self.expr} {symbol} {_expr(other)}) is {result}")
        return result

    def __eq__(self, o):
        return self._compare(o, "==", float.__eq__)

    def __ne__(self, o):
        return self._compare(o, "!=", float.__ne__)

    def __lt__(self, o):
        return self._compare(o, "<", float.__lt__)

    def __le__(self, o):
        return self._compare(o, "<=", float.__le__)

    def __gt__(self, o):
        return self._compare(o, ">", float.__gt__)

    def __ge__(self, o):
        return self._compare(o, ">=", float.__ge__)

    def __bool__(self) -> bool:
        return self._compare(0.0, "!=", float.__ne__)

    __hash__ = float.__hash__


def _expr(x) -> str:
    if isinstance(x, SymFloat):
        return x.expr
    return literal(x)


def literal(x) -> str:
    """Python source that evaluates to the number ``x`` exactly."""
    if isinstance(x, float) and not np.isfinite(x):  # host
        return "nan" if x != x else ("inf" if x > 0 else "-inf")
    return repr(x)


_CONVERT = {"bool": bool, "int": int, "float": float}

# ---------------------------------------------------------------- the recording array
_VIEW_ATTRIBUTES = frozenset({"T", "mT", "real", "imag"})
_HOST_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "size", "strides", "itemsize", "nbytes", "flags"})


class Value:
    """An array under capture: the real NumPy array (``_a``) and its name in the program.

    ``origin`` is ``"input"`` (a tensor the call can reach: an argument, a
    parameter, a gradient, optimizer state), ``"constant"`` (host data read by
    reference) or ``"kernel"`` (made by a recorded kernel). ``root`` is the Value
    that owns the memory (itself, or the base of a view); ``written`` marks roots
    some kernel changes in place.
    """

    __slots__ = ("_a", "name", "origin", "root", "written", "alias", "rec", "__weakref__")
    __array_priority__ = 2000  # NumPy's operators defer to ours
    __hash__ = object.__hash__

    def __init__(self, arr, name: str, origin: str = "kernel") -> None:
        self._a = arr
        self.name = name
        self.origin = origin
        self.root = self
        self.written = False
        self.alias = None  # the Value whose array this one was computed into (buffer reuse)
        self.rec = None  # the Recorder that made it

    def __repr__(self) -> str:
        return self.name

    # -- host metadata: shapes and dtypes are not data
    def __getattr__(self, name: str):
        if name in _HOST_ATTRIBUTES:
            return getattr(self._a, name)
        if name in _VIEW_ATTRIBUTES:
            return record_call("attr", name, lambda: getattr(self._a, name), (), {}, self_value=self)
        real = getattr(self._a, name)
        if not callable(real):
            raise AttributeError(f"'Value' object has no attribute '{name}'")

        def method(*args, **kwargs):
            return record_call("call", name, getattr(self._a, name), args, kwargs, self_value=self)

        return method

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self._a)))

    def __getitem__(self, key):
        return record_call("getitem", "", lambda k: self._a[k], (key,), {}, self_value=self)

    def __setitem__(self, key, value) -> None:
        def write(k, v):
            self._a[k] = v

        record_call("setitem", "", write, (key, value), {}, self_value=self)

    # -- reading data into Python. Data that depends only on the call's arguments
    # becomes a check the replay makes first (the value it must have again); data
    # computed from state is a break. Bulk reads (NumPy arrays, lists) always break.
    def _host_read(self, what: str):
        rec = active()
        if rec is not None:
            rec.breaks_here(what)
        return self._a

    def _assumed(self, conv: str, what: str):
        value = self._a.item() if conv == "item" else _CONVERT[conv](self._a)
        rec = active()
        if rec is not None:
            where = where_now(rec)
            why = f"{what} (in {where[1]}) at {user_line()}"
            # a read the user asked for (loss.item(), if t > 0) rather than one inside an op
            by_user = where[1].startswith("tensor.Tensor.")
            rec.nodes.append(Node("assume", conv, (self,), {"why": why, "by_user": by_user}, [], [], where, None,
                                  value))
        return value

    def __array__(self, dtype=None, copy=None):
        a = self._host_read("tensor data converted to NumPy")
        return np.asarray(a, dtype=dtype)  # host

    def __bool__(self) -> bool:
        return self._assumed("bool", "a branch on tensor data")

    def __int__(self) -> int:
        return self._assumed("int", "tensor data read as an int")

    def __index__(self) -> int:
        return self._assumed("int", "tensor data used as an index")

    def __float__(self) -> float:
        return self._assumed("float", "tensor data read as a float")

    def __complex__(self) -> complex:
        return complex(self._host_read("tensor data read as a complex"))

    def item(self, *args):
        if args:
            return self._host_read(".item(index)").item(*args)
        return self._assumed("item", ".item()")

    def tolist(self):
        return self._host_read(".tolist()").tolist()

    def tobytes(self, *args, **kwargs):
        return self._host_read(".tobytes()").tobytes(*args, **kwargs)

    def scalar_state(self) -> float:
        """The number in a 0-d state array (an optimizer's step) as a :class:`SymFloat`."""
        rec = active()
        real = self._a.item()
        if rec is None:
            return real
        rec.count += 1
        name = f"s{rec.count}"
        rec.nodes.append(Node("scalar", "item", (), {}, [name], [], where_now(rec), self))
        return SymFloat(real, name, (self,))

    # -- NumPy's functions and ufuncs meeting a Value go through the recorder
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = getattr(ufunc, method)
        name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        return record_call("call", name, fn, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return record_call("call", _numpy_name(func), func, args, kwargs)


def _numpy_name(func) -> str:
    module = getattr(func, "__module__", "numpy") or "numpy"
    parts = module.split(".")
    prefix = "np" if parts[0] == "numpy" else parts[0]
    sub = [p for p in parts[1:] if not p.startswith("_")]
    return ".".join([prefix, *sub, func.__name__])


def _binary(symbol: str, fn):
    def op(self, other):
        return record_call("binop", symbol, fn, (self, other), {})

    return op


def _reflected(symbol: str, fn):
    def op(self, other):
        return record_call("binop", symbol, fn, (other, self), {})

    return op


def _inplace(symbol: str, fn):
    def op(self, other):
        # ``a += b`` rebinds ``a`` to what this returns: the same Value for an array
        # changed in place, a new one for a NumPy scalar (which cannot change)
        if isinstance(self._a, np.ndarray):
            record_call("inplace", symbol, lambda b: fn(self._a, b), (other,), {}, self_value=self)
            return self
        return record_call("binop", symbol[:-1], getattr(operator, symbol_names[symbol[:-1]]), (self, other), {})

    return op


symbol_names = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv", "%": "mod",
                "**": "pow", "@": "matmul", "&": "and_", "|": "or_", "^": "xor", "<<": "lshift",
                ">>": "rshift"}
for _symbol, _name in symbol_names.items():
    _fn = getattr(operator, _name)
    _dunder = _name.rstrip("_")
    setattr(Value, f"__{_dunder}__", _binary(_symbol, _fn))
    setattr(Value, f"__r{_dunder}__", _reflected(_symbol, _fn))
    _ifn = getattr(operator, "i" + _name.rstrip("_"))
    setattr(Value, f"__i{_dunder}__", _inplace(_symbol + "=", (lambda f: lambda a, b: f(a, b))(_ifn)))
for _name, _symbol in {"lt": "<", "le": "<=", "eq": "==", "ne": "!=", "gt": ">", "ge": ">="}.items():
    setattr(Value, f"__{_name}__", _binary(_symbol, getattr(operator, _name)))
for _name, _symbol in {"neg": "-", "pos": "+", "abs": "abs", "invert": "~"}.items():
    setattr(Value, f"__{_name}__",
            (lambda s, f: lambda self: record_call("unary", s, f, (self,), {}))(_symbol, getattr(operator, _name)))


# ---------------------------------------------------------------- the recording module
class _Ufunc:
    """A NumPy ufunc seen through the recorder (calls and ``reduce``/``at``/...)."""

    def __init__(self, ufunc: np.ufunc, name: str) -> None:
        self._u = ufunc
        self._name = name

    def __call__(self, *args, **kwargs):
        return record_call("call", self._name, self._u, args, kwargs)

    def __getattr__(self, attr: str):
        got = getattr(self._u, attr)
        if not callable(got):
            return got
        return lambda *a, **k: record_call("call", f"{self._name}.{attr}", got, a, k)


class RecordingModule:
    """NumPy's namespace whose functions record what they compute (see the module doc)."""

    def __init__(self, numpy_module, prefix: str = "np") -> None:
        self._np = numpy_module
        self._prefix = prefix

    def __getattr__(self, name: str):
        got = getattr(self._np, name)
        qualified = f"{self._prefix}.{name}"
        if isinstance(got, type(np)):
            got = RecordingModule(got, qualified)
        elif isinstance(got, np.ufunc):
            got = _Ufunc(got, qualified)
        elif callable(got) and not isinstance(got, type):  # dtypes, finfo, errstate stay NumPy's
            got = _recorded_function(got, qualified)
        setattr(self, name, got)
        return got

    @staticmethod
    def asnumpy(array):
        """A host copy: reading the data out of the program is a break."""
        if isinstance(array, Value):
            return np.array(array._host_read("tensor data copied to the host"), copy=True)  # host
        return np.asarray(array)  # host

    def __repr__(self) -> str:
        return "<glasstorch.compile recording module>"


def _recorded_function(fn, qualified: str):
    def call(*args, **kwargs):
        return record_call("call", qualified, fn, args, kwargs)

    call.__name__ = getattr(fn, "__name__", qualified)
    return call


module = RecordingModule(np)


# ---------------------------------------------------------------- random draws
class RecordingGenerator:
    """A NumPy ``Generator`` whose draws are kernels: the replay draws afresh, in order.

    ``expr`` is how the program reaches the live generator (``rng0``): looked up
    on each replay, so ``manual_seed`` (which makes a new NumPy generator) is
    followed.
    """

    def __init__(self, real: np.random.Generator, expr: str) -> None:
        self._real = real
        self._expr = expr

    def __getattr__(self, name: str):
        real = getattr(self._real, name)
        if not callable(real):
            return real

        def draw(*args, **kwargs):
            result = real(*unwrap(args), **unwrap(kwargs))
            rec = active()
            if rec is None:
                return result
            return rec.add("draw", f"{self._expr}.{name}", _intern(rec, args), _intern(rec, kwargs), result)

        return draw
