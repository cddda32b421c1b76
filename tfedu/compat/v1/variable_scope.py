"""`tf.compat.v1.variable_scope` and `get_variable`: named, shareable variables.

A variable scope prefixes variable names (and opens a name scope of the same name); a
per-graph store maps full names to variables so that a second `get_variable("w")` in the same
scope either fails (`reuse=False`) or returns the first one (`reuse=True` / `AUTO_REUSE`).
"""

from __future__ import annotations

import contextlib
import threading

from tfedu.framework import context, dtypes
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["variable_scope", "get_variable", "get_variable_scope", "AUTO_REUSE", "VariableScope"]


class _ReuseMode:
    def __repr__(self):
        return "_ReuseMode.AUTO_REUSE"


AUTO_REUSE = _ReuseMode()


class VariableScope:
    """The current variable scope: a name, a reuse flag and defaults for get_variable."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None, dtype=dtypes.float32,
                 name_scope=""):
        self._reuse = reuse
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._dtype = dtype
        self._name_scope = name_scope

    @property
    def name(self):
        return self._name

    @property
    def original_name_scope(self):
        return self._name_scope

    @property
    def reuse(self):
        return self._reuse

    @property
    def initializer(self):
        return self._initializer

    @property
    def dtype(self):
        return self._dtype

    def reuse_variables(self):
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def get_variable(self, name, *args, **kwargs):
        return get_variable(name, *args, **kwargs)


class _State(threading.local):
    def __init__(self):
        self.scopes = [VariableScope(False)]


_state = _State()
_stores = {}  # graph id -> {full name: variable}; weak by graph lifetime is not needed here


def _store(graph):
    key = id(graph)
    entry = _stores.get(key)
    if entry is None or entry[0] is not graph:
        entry = _stores[key] = (graph, {})
    return entry[1]


def _unique_default_scope(prefix, default_name):
    """`dense`, `dense_1`, ...: a default scope name not used before in this graph."""
    used = _store(context.get_default_graph()).setdefault(("__scopes__",), set())
    base = f"{prefix}/{default_name}" if prefix else default_name
    name, i = default_name, 0
    while (f"{prefix}/{name}" if prefix else name) in used:
        i += 1
        name = f"{default_name}_{i}"
    used.add(f"{prefix}/{name}" if prefix else name)
    del base
    return name


def get_variable_scope() -> VariableScope:
    return _state.scopes[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Open a variable scope (and a name scope of the same name)."""
    outer = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        base = full
    else:
        base = name_or_scope
        if base is None:
            if default_name is None:
                raise TypeError("If default_name is None then name_or_scope is required")
            base = _unique_default_scope(outer.name, default_name)
        full = f"{outer.name}/{base}" if outer.name else base
    if reuse is None or reuse is False:
        new_reuse = outer.reuse if reuse is None else False
        if outer.reuse is True or outer.reuse is AUTO_REUSE:
            new_reuse = outer.reuse
    else:
        new_reuse = reuse
    scope = VariableScope(new_reuse, full, initializer or outer.initializer, regularizer,
                          dtype or outer.dtype)
    g = context.get_default_graph()
    _state.scopes.append(scope)
    try:
        if auxiliary_name_scope and not context.executing_eagerly():
            with g.name_scope(base) as ns:
                scope._name_scope = ns
                yield scope
        else:
            yield scope
    finally:
        _state.scopes.pop()


def _default_initializer(dtype):
    from tfedu.compat.v1 import initializers

    if dtype.is_floating:
        return initializers.glorot_uniform_initializer()
    if dtype.is_integer or dtype is dtypes.bool_:
        return initializers.zeros_initializer()
    raise ValueError(f"An initializer for variable of type {dtype.name} is required")


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Create a variable `<scope>/<name>`, or return the existing one when reusing."""
    from tfedu.graph.api import VariableV1 as Variable

    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    g = context.get_default_graph()
    store = _store(g) if not context.executing_eagerly() else {}
    existing = store.get(full)
    if existing is not None:
        if scope.reuse is False:
            loc = existing.op.source_location if hasattr(existing, "op") else None
            where = f"\n\n  File \"{loc[0]}\", line {loc[1]}, in {loc[2]}" if loc else ""
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope? Originally "
                             f"defined at:{where}")
        if shape is not None and not existing.shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Trying to share variable {full}, but specified shape "
                             f"{TensorShape(shape)} and found shape {existing.shape}.")
        return existing
    if scope.reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with "
                         "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                         "VarScope?")
    dtype = dtypes.as_dtype(dtype) if dtype is not None else scope.dtype
    init = initializer if initializer is not None else scope.initializer
    if init is None:
        init = _default_initializer(dtype)
    if callable(init):
        if shape is None:
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but "
                             "instead was <unknown>.")
        shape_list = TensorShape(shape).as_list()

        def initial_value():
            return init(shape_list, dtype=dtype)
    else:
        initial_value = init
    saved = g._name_stack if not context.executing_eagerly() else None
    if saved is not None:
        g._name_stack = ""
    try:
        kwargs = {"shape": shape} if shape is not None and not callable(init) else {}
        if saved is not None:
            kwargs.update(collections=collections, validate_shape=validate_shape)
        v = Variable(initial_value, trainable=trainable, name=full, dtype=dtype, **kwargs)
    finally:
        if saved is not None:
            g._name_stack = saved
    store[full] = v
    return v
