"""Distributed values: `PerReplica`, `Mirrored` and `MirroredVariable`.

A `PerReplica` holds one value per replica (each replica's slice of a batch, each replica's
loss). A `MirroredVariable` is one variable with a copy per replica, kept equal: every replica
applies the same all-reduced update to its own copy. Here the copies are numpy arrays in one
process; the variable's `_value` (which every kernel and execution plan reads and writes) is
the copy of the replica the current thread runs, or the first copy outside replicas (where a
write sets all copies, as TF's cross-replica assignment does).
"""

from __future__ import annotations

import numpy as np

from tfedu.framework.tensor import EagerTensor, numpy_text
from tfedu.framework.variables import ResourceVariable, Variable

__all__ = ["DistributedValues", "PerReplica", "Mirrored", "MirroredVariable", "mirror_variable",
           "select_replica", "regroup"]


def _item_repr(v, as_str):
    if isinstance(v, EagerTensor):
        if as_str:
            return str(v)
        return repr(v)
    return str(v) if as_str else repr(v)


class DistributedValues:
    """Values, one per replica (`tf.distribute.DistributedValues`)."""

    _fields = tuple(str(i) for i in range(256))  # trace descriptions name components 0, 1, ...

    def __init__(self, values):
        self._values = tuple(values)

    @property
    def values(self):
        return self._values

    def _tfedu_components(self):
        return list(self._values)

    @classmethod
    def _tfedu_from_components(cls, components):
        return cls(components)

    def _text(self, as_str):
        items = ",\n".join(f"  {i}: {_item_repr(v, as_str)}" for i, v in enumerate(self._values))
        return f"{type(self).__name__}:{{\n{items}\n}}"

    def __repr__(self):
        return self._text(False)

    def __str__(self):
        return self._text(True)


class PerReplica(DistributedValues):
    """One (possibly different) value per replica."""


class Mirrored(DistributedValues):
    """The same value on every replica."""


def select_replica(i, structure):
    """The replica-`i` view of a structure that may hold `DistributedValues`."""
    from tfedu.framework import nest

    def pick(v):
        if isinstance(v, DistributedValues):
            return v._values[i]
        return v

    return nest.map_structure(pick, structure)


def regroup(per_replica_results):
    """One structure of `PerReplica` leaves from a list of per-replica structures."""
    from tfedu.framework import nest

    first = per_replica_results[0]
    flats = [nest.flatten(r) for r in per_replica_results]
    leaves = []
    for parts in zip(*flats):
        if all(p is parts[0] for p in parts) and not hasattr(parts[0], "dtype"):
            leaves.append(parts[0])
        else:
            leaves.append(PerReplica(parts))
    if not flats[0] and first is None:
        return None
    return nest.pack_sequence_as(first, leaves)


# ------------------------------------------------------------------------------------------
# Mirrored variables
# ------------------------------------------------------------------------------------------


class _MirroredMixin:
    """Turns a variable into a mirrored one: one array per replica (see the module doc)."""

    _mirrored = True

    @property
    def _value(self):
        return self._values[self._strategy.extended._current_index()]

    @_value.setter
    def _value(self, new):
        i = self._strategy.extended._write_index()
        if i is None:
            self._values = [new] + [np.array(new, copy=True) for _ in self._values[1:]]
        else:
            self._values[i] = new

    @property
    def _primary(self):
        return self._components[0]

    @property
    def values(self):
        return tuple(self._components)

    @property
    def distribute_strategy(self):
        return self._strategy

    def _component_name(self, i):
        base = self._name[:-2] if self._name.endswith(":0") else self._name
        return self._name if i == 0 else f"{base}/replica_{i}:0"

    def _make_components(self):
        self._components = [_Component(self, i) for i in range(len(self._values))]


class MirroredVariable(_MirroredMixin, ResourceVariable):
    """A `tf.Variable` created in a `MirroredStrategy` scope (repr lists its copies)."""

    def __repr__(self):
        items = ",\n".join(f"  {i}: {c!r}" for i, c in enumerate(self._components))
        return f"MirroredVariable:{{\n{items}\n}}"

    __str__ = __repr__


class _Component(ResourceVariable):
    """One replica's copy of a mirrored variable (`strategy.experimental_local_results(v)`)."""

    def __init__(self, parent, index):  # noqa: D107 - no Variable.__init__: a view
        self._parent, self._index = parent, index
        self._dtype, self._shape = parent._dtype, parent._shape
        self._trainable, self._constraint = parent._trainable, parent._constraint
        self._initial_value = parent._initial_value
        self._synchronization, self._aggregation = parent._synchronization, parent._aggregation
        self._name = parent._component_name(index)
        self._uid = parent._uid

    @property
    def _value(self):
        return self._parent._values[self._index]

    @_value.setter
    def _value(self, new):
        self._parent._values[self._index] = new

    def __repr__(self):
        return (f"<tf.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={numpy_text(self.numpy(), True)}>")


_Component.__name__ = _Component.__qualname__ = "ResourceVariable"
_CLASSES = {ResourceVariable: MirroredVariable}


def _mirrored_class(cls):
    hit = _CLASSES.get(cls)
    if hit is None:
        hit = _CLASSES[cls] = type(cls.__name__, (_MirroredMixin, cls), {})
    return hit


def mirror_variable(var: Variable, strategy, n: int, initial=None):
    """Make `var` mirrored over `n` local replicas of `strategy` (in place)."""
    arr = var.__dict__.pop("_value")
    if initial is not None:
        arr = initial(arr)
    var.__class__ = _mirrored_class(type(var))
    var._strategy = strategy
    var._values = [arr] + [np.array(arr, copy=True) for _ in range(n - 1)]
    var._make_components()
    return var
