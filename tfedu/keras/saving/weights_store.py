"""The weights file inside `.keras` and `.weights.h5`: Keras 3's HDF5 layout, read and written.

Keras walks a model as a tree of objects and stores each object's own variables at the path of
attribute names that leads to it: `layers/dense/vars/0` (kernel), `layers/dense/vars/1` (bias),
`optimizer/vars/0` (iterations), `layers/lstm/cell/vars/0`... A model's layers sit under
`layers/`, named by class in snake case and numbered within the list (`dense`, `dense_1`), not by
their (session-dependent) names. Every visited object gets a `vars` group with its name as an
attribute, even without variables. tfedu walks its objects the same way, so the two read each
other's files.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from tfedu.keras.saving import files


def _types():
    from tfedu.keras.engine.base_layer import Layer
    from tfedu.keras.engine.functional import Functional, Sequential
    from tfedu.keras.engine.training import Model
    from tfedu.keras.optimizers import Optimizer

    return Layer, Model, (Functional, Sequential), Optimizer


@functools.lru_cache(maxsize=1)
def _base_layer_attrs() -> frozenset:
    """Attributes every layer has (Keras skips those of a bare `Layer()` too)."""
    Layer = _types()[0]
    return frozenset(vars(Layer(name="probe")).keys()) | {"_tracked_layers"}


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _saveable(x) -> bool:
    Layer, _, _, Optimizer = _types()
    return isinstance(x, (Layer, Optimizer))


def _holds_saveables(value) -> bool:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return any(_saveable(v) or _holds_saveables(v) for v in value)
    return _saveable(value)


def children(obj):
    """(attribute, child) pairs in Keras's walk order: a Sequential's or Functional's layers
    first, then attributes holding layers or optimizers, sorted, private ones last."""
    Layer, Model, graph_models, _ = _types()
    if not isinstance(obj, Layer):
        return []
    out = [("layers", obj.layers)] if isinstance(obj, graph_models) else []
    entries = {k: v for k, v in vars(obj).items()
               if k not in _base_layer_attrs() and _holds_saveables(v)}
    if isinstance(obj, Model) and not isinstance(obj, graph_models):
        entries["layers"] = obj.layers
    return out + [(k, entries[k]) for k in sorted(entries, key=_name_key)]


def own_entries(obj):
    """(sub-path, name, variables) for the variables an object stores itself. Keras's recurrent
    layers keep theirs in a `cell` sub-layer; tfedu's keep them on the layer."""
    from tfedu.keras.layers.recurrent import _CellLayer

    _, _, _, Optimizer = _types()
    if isinstance(obj, Optimizer):
        return [("", obj.name, list(obj.variables))]
    own = [w for w in obj._weights_list if w.trainable]
    own += [w for w in obj._weights_list if not w.trainable]
    if isinstance(obj, _CellLayer):
        return [("", obj.name, []), ("cell", obj.cell_name, own)]
    return [("", obj.name, own)]


def _join(path, name):
    return f"{path}/{name}" if path else name


def _container_items(container):
    from tfedu.keras.engine.base_layer import _snake

    items = list(container.values()) if isinstance(container, dict) else list(container)
    used = {}
    for item in items:
        base = _snake(type(item).__name__) if _saveable(item) else "container"
        if not _saveable(item) and not isinstance(item, (list, tuple, dict)):
            continue
        used[base] = used.get(base, -1) + 1
        yield (base if used[base] == 0 else f"{base}_{used[base]}"), item


def walk(obj, path="", visited=None):
    """Every saveable object reachable from `obj`, once, with its path: [(path, obj)]."""
    visited = set() if visited is None else visited
    if id(obj) in visited:
        return []
    visited.add(id(obj))
    out = [(path, obj)]
    for attr, child in children(obj):
        out += _walk_value(child, _join(path, attr), visited)
    return out


def _walk_value(value, path, visited, containers=None):
    if _saveable(value):
        return walk(value, path, visited)
    containers = set() if containers is None else containers
    if id(value) in containers:
        return []
    containers.add(id(value))
    out = []
    for name, item in _container_items(value):
        out += _walk_value(item, _join(path, name), visited, containers)
    return out


# --- writing --------------------------------------------------------------------------------
def save_weights_to(h5file, model):
    """Write `model`'s variables (and its optimizer's) into an open, empty HDF5 file."""
    for path, obj in walk(model):
        for sub, name, variables in own_entries(obj):
            where = _join(path, sub)
            group = h5file.create_group(_join(where, "vars")) if where else \
                h5file.create_group("vars")
            group.attrs["name"] = name
            for i, v in enumerate(variables):
                group[str(i)] = np.asarray(v.numpy())


# --- reading --------------------------------------------------------------------------------
def load_weights_from(h5file, model):
    """Assign every variable from an HDF5 file in Keras 3's layout; mismatches are collected and
    raised together (ValueError), as Keras does."""
    errors = []
    for path, obj in walk(model):
        for sub, _, variables in own_entries(obj):
            group = files.h5_group(h5file, _join(_join(path, sub), "vars"))
            try:
                _assign(obj, variables, group)
            except ValueError as e:
                errors.append((obj, e))
    if errors:
        obj, err = errors[0]
        raise ValueError(f"A total of {len(errors)} objects could not be loaded. Example error "
                         f"message for object {obj!r}:\n\n{err}\n\nList of objects that could "
                         f"not be loaded:\n[{', '.join(repr(o) for o, _ in errors)}]")


def _assign(obj, variables, group):
    _, _, _, Optimizer = _types()
    keys = [] if group is None else list(group.keys())
    if len(keys) != len(variables):
        if isinstance(obj, Optimizer):
            _warn_optimizer(obj, len(variables), len(keys))
            return
        _raise_count(obj, variables, keys)
    values = [files.h5_array(group, str(i), v.shape.as_list()) for i, v in enumerate(variables)]
    for v, value in zip(variables, values):
        v.assign(files.as_variable_dtype(value, v))


def _warn_optimizer(opt, have, saved):
    msg = (f"Skipping variable loading for optimizer '{opt.name}', because it has {have} "
           f"variables whereas the saved optimizer has {saved} variables. ")
    if have == 0:
        msg += "This is likely because the optimizer has not been called/built yet."
    warnings.warn(msg, stacklevel=4)


def _raise_count(layer, variables, keys):
    if not variables and not layer.built:
        raise ValueError(
            f"Layer '{layer.name}' was never built and thus it doesn't have any variables. "
            f"However the weights file lists {len(keys)} variables for this layer.\nIn most "
            "cases, this error indicates that either:\n\n1. The layer is owned by a parent layer "
            "that implements a `build()` method, but calling the parent's `build()` method did "
            f"NOT create the state of the child layer '{layer.name}'. A `build()` method must "
            "create ALL state for the layer, including the state of any children layers.\n\n2. "
            "You need to implement the `def build_from_config(self, config)` method on layer "
            f"'{layer.name}', to specify how to rebuild it during loading. In this case, you might "
            "also want to implement the method that generates the build config at saving time, "
            "`def get_build_config(self)`. The method `build_from_config()` is meant to create "
            "the state of the layer (i.e. its variables) upon deserialization.")
    raise ValueError(f"Layer '{layer.name}' expected {len(variables)} variables, but received "
                     f"{len(keys)} variables during loading. Expected: "
                     f"{[v.name for v in variables]}")
