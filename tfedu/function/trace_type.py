"""Trace types: the cache key a `tf.function` computes from its arguments.

Each argument becomes a hashable key (TF's rules, spec §3):

    tf.Tensor / np.ndarray / np scalar   ("T", dtype, shape)      values ignored
    tf.Variable                          ("V", dtype, shape)      identity ignored
    int / float / bool / str / None      ("L", value)             1 == 1.0 == True share a key
    list / tuple / dict / namedtuple     (kind, child keys)       dict keys sorted
    anything else                        ("O", WeakId(obj))       identity, not __eq__

A cached trace is reused when the new key is a *subtype* of its key (a `[None]` trace accepts
any vector); `reduce_retracing` traces the most specific common supertype instead of the exact key.
"""

from __future__ import annotations

import weakref

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.tensor import EagerTensor, Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec

__all__ = ["make_key", "is_subtype", "common_supertype", "describe", "diff_keys", "WeakId",
           "Literal", "spec_of_key", "key_of_spec"]

_from_np = dtypes.from_numpy


class WeakId:
    """Identity of an object, held weakly when possible (a dead object matches nothing)."""

    __slots__ = ("_ref", "_id", "_strong", "__weakref__")

    def __init__(self, obj):
        self._id = id(obj)
        try:
            self._ref = weakref.ref(obj)
            self._strong = None
        except TypeError:
            self._ref = None
            self._strong = obj

    def get(self):
        return self._strong if self._ref is None else self._ref()

    def __hash__(self):
        return self._id

    def __eq__(self, other):
        if not isinstance(other, WeakId) or other._id != self._id:
            return False
        a = self.get()
        return a is not None and a is other.get()

    def __repr__(self):
        o = self.get()
        return f"{type(o).__name__} object at {hex(self._id)}" if o is not None else "<dead>"


class Literal:
    """How a Python value appears in a signature: `Literal[1]`."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Literal[{self.value!r}]"


def _shape_key(shape: TensorShape):
    return shape._dims


def make_key(v):
    """The trace-type key of one argument value."""
    t = type(v)
    if t is EagerTensor:
        return ("T", v._dtype, v._value.shape)
    if isinstance(v, Tensor):
        return ("T", v.dtype, _shape_key(v.shape))
    if v is None or t in (int, float, bool, str, bytes):
        return ("L", v)
    if t is np.ndarray:
        if v.dtype.kind in "USO":
            return ("T", dtypes.string, v.shape)
        return ("T", _from_np(v.dtype), v.shape)
    if isinstance(v, np.generic):
        return ("T", dtypes.string if v.dtype.kind in "USO" else _from_np(v.dtype), ())
    if getattr(v, "_is_variable", False):
        return ("V", v.dtype, _shape_key(TensorShape(v.shape)))
    if t is list:
        return ("list", tuple(make_key(x) for x in v))
    if t is tuple:
        return ("tuple", tuple(make_key(x) for x in v))
    if t is dict:
        try:
            keys = sorted(v)
        except TypeError:
            keys = list(v)
        return ("dict", tuple((k, make_key(v[k])) for k in keys))
    if isinstance(v, tuple) and hasattr(t, "_fields"):
        return ("nt", t, tuple(make_key(x) for x in v))
    if isinstance(v, TensorSpec):
        return ("T", v.dtype, _shape_key(v.shape))
    if hasattr(v, "_tfedu_components"):  # tf.distribute values: a trace per structure
        return ("nt", t, tuple(make_key(x) for x in v._tfedu_components()))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return ("L", v)
    return ("O", WeakId(v))


def key_of_spec(spec):
    """Key of a `TensorSpec` (or a nested structure of specs) given as a signature."""
    if isinstance(spec, TensorSpec):
        return ("T", spec.dtype, _shape_key(spec.shape))
    if isinstance(spec, (list, tuple)):
        return ("list" if isinstance(spec, list) else "tuple",
                tuple(key_of_spec(s) for s in spec))
    if isinstance(spec, dict):
        return ("dict", tuple((k, key_of_spec(spec[k])) for k in sorted(spec)))
    return make_key(spec)


def spec_of_key(key, name=None):
    """The `TensorSpec` (or `Literal`) a key stands for, as signatures print it."""
    kind = key[0]
    if kind in ("T", "V"):
        return TensorSpec(TensorShape(None if key[2] is None else list(key[2])), key[1], name)
    if kind == "L":
        return Literal(key[1])
    if kind == "O":
        return key[1].get()
    if kind == "list":
        return [spec_of_key(k, name) for k in key[1]]
    if kind == "tuple":
        return tuple(spec_of_key(k, name) for k in key[1])
    if kind == "dict":
        return {k: spec_of_key(c, name) for k, c in key[1]}
    if kind == "nt":
        if hasattr(key[1], "_tfedu_from_components"):
            return key[1]._tfedu_from_components([spec_of_key(k, name) for k in key[2]])
        return key[1](*[spec_of_key(k, name) for k in key[2]])
    return key


# ------------------------------------------------------------------------------------------
# Subtyping and generalisation
# ------------------------------------------------------------------------------------------


def _shape_fits(shape, general) -> bool:
    if general is None:
        return True
    if shape is None or len(shape) != len(general):
        return False
    return all(g is None or s == g for s, g in zip(shape, general))


def is_subtype(key, general) -> bool:
    """True if every value with trace type `key` can use a trace made for `general`."""
    if key == general:
        return True
    kind = key[0]
    if kind != general[0]:
        return False
    if kind in ("T", "V"):
        return key[1] is general[1] and _shape_fits(key[2], general[2])
    if kind in ("list", "tuple"):
        a, b = key[1], general[1]
        return len(a) == len(b) and all(is_subtype(x, y) for x, y in zip(a, b))
    if kind == "dict":
        a, b = key[1], general[1]
        return len(a) == len(b) and all(ka == kb and is_subtype(x, y)
                                        for (ka, x), (kb, y) in zip(a, b))
    if kind == "nt":
        return key[1] is general[1] and len(key[2]) == len(general[2]) and all(
            is_subtype(x, y) for x, y in zip(key[2], general[2]))
    if kind == "args":
        return len(key[1]) == len(general[1]) and all(
            is_subtype(x, y) for x, y in zip(key[1], general[1]))
    return False


def _common_shape(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def common_supertype(a, b):
    """The most specific key both `a` and `b` are subtypes of, or None."""
    if a == b:
        return a
    kind = a[0]
    if kind != b[0]:
        return None
    if kind in ("T", "V"):
        if a[1] is not b[1]:
            return None
        return (kind, a[1], _common_shape(a[2], b[2]))
    if kind in ("list", "tuple", "args"):
        if len(a[1]) != len(b[1]):
            return None
        parts = [common_supertype(x, y) for x, y in zip(a[1], b[1])]
        return None if any(p is None for p in parts) else (kind, tuple(parts))
    if kind == "dict":
        if [k for k, _ in a[1]] != [k for k, _ in b[1]]:
            return None
        parts = [common_supertype(x, y) for (_, x), (_, y) in zip(a[1], b[1])]
        if any(p is None for p in parts):
            return None
        return (kind, tuple((k, p) for (k, _), p in zip(a[1], parts)))
    if kind == "nt":
        if a[1] is not b[1] or len(a[2]) != len(b[2]):
            return None
        parts = [common_supertype(x, y) for x, y in zip(a[2], b[2])]
        return None if any(p is None for p in parts) else (kind, a[1], tuple(parts))
    return None


# ------------------------------------------------------------------------------------------
# Human-readable descriptions (trace log)
# ------------------------------------------------------------------------------------------


def _shape_text(shape) -> str:
    if shape is None:
        return "<unknown rank>"
    if len(shape) == 1:
        return f"({'None' if shape[0] is None else shape[0]},)"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def describe(key) -> str:
    """Short text of a key: `float32[2,3]`, `Python value 3`, `(float32[?,4], int64[?])`."""
    kind = key[0]
    if kind in ("T", "V"):
        shape = key[2]
        dims = "..." if shape is None else ",".join("?" if d is None else str(d) for d in shape)
        prefix = "variable " if kind == "V" else ""
        return f"{prefix}{key[1].name}[{dims}]"
    if kind == "L":
        return f"Python value {key[1]!r}"
    if kind == "O":
        return f"object {key[1]!r}"
    if kind in ("list", "tuple"):
        items = key[1]
        if len(items) > _SPELLED_OUT:
            return f"{kind}[{len(items)}]"
        inner = ", ".join(describe(k) for k in items)
        return f"[{inner}]" if kind == "list" else f"({inner}{',' if len(items) == 1 else ''})"
    if kind == "dict":
        if len(key[1]) > _SPELLED_OUT:
            return "dict{" + ", ".join(repr(k) for k, _ in key[1]) + "}"
        return "{" + ", ".join(f"{k!r}: {describe(c)}" for k, c in key[1]) + "}"
    if kind == "nt":
        if len(key[2]) > _SPELLED_OUT:
            return f"{key[1].__name__}[{len(key[2])}]"
        return f"{key[1].__name__}(" + ", ".join(
            f"{f}={describe(k)}" for f, k in zip(key[1]._fields, key[2])) + ")"
    return repr(key)


_SPELLED_OUT = 4
"""Containers up to this many items are described item by item, bigger ones by their size."""


def _children(key):
    kind = key[0]
    if kind in ("list", "tuple"):
        return [(f"[{i}]", k) for i, k in enumerate(key[1])]
    if kind == "dict":
        return [(f"[{k!r}]", c) for k, c in key[1]]
    if kind == "nt":
        return [(f".{f}", k) for f, k in zip(key[1]._fields, key[2])]
    return None


def diff_keys(name: str, new, old) -> list[str]:
    """Sentences saying how argument `name` differs between two keys (empty if equal)."""
    if new == old:
        return []
    if new[0] == old[0]:
        kn, ko = _children(new), _children(old)
        if kn is not None and ko is not None and [p for p, _ in kn] == [p for p, _ in ko]:
            out = []
            for (p, a), (_, b) in zip(kn, ko):
                out += diff_keys(name + p, a, b)
            return out
    text = f"arg `{name}`: now {describe(new)}, before {describe(old)}"
    if new[0] in ("T", "V") and old[0] in ("T", "V"):
        details = _tensor_changes(new, old)
        if details:
            text += " (" + "; ".join(details) + ")"
    elif new[0] == "O" and old[0] == "O":
        text += " (a different object: objects are compared by identity)"
    return [text]


def _tensor_changes(new, old) -> list[str]:
    """How a tensor (or variable) argument's dtype, rank and shape changed between two keys."""
    details = []
    if new[1] is not old[1]:
        details.append(f"dtype {old[1].name} -> {new[1].name}")
    sn, so = new[2], old[2]
    if sn != so:
        if sn is not None and so is not None and len(sn) != len(so):
            details.append(f"rank {len(so)} -> {len(sn)}")
        details.append(f"shape {_shape_text(so)} -> {_shape_text(sn)}")
    return details


def distance(new, old) -> int:
    """How many leaves differ (structure mismatch counts as many): picks the closest trace."""
    if new == old:
        return 0
    if new[0] != old[0]:
        return 100
    kn, ko = _children(new), _children(old)
    if kn is not None and ko is not None:
        if len(kn) != len(ko):
            return 50
        return sum(distance(a, b) for (_, a), (_, b) in zip(kn, ko))
    if new[0] == "args":
        return sum(distance(a, b) for a, b in zip(new[1], old[1]))
    return 1
