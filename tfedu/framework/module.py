"""`tf.Module`: a named container that finds the variables and sub-modules it holds.

Variables are discovered by walking the module's attributes (sorted by name, into lists, tuples,
dicts and nested modules), the way TensorFlow does, so a model written as plain Python objects
still knows its `trainable_variables`. A module is also *trackable*
(`tfedu.framework.trackable.AutoTrackable`): `tf.train.Checkpoint` and `tf.saved_model.save`
name its variables by attribute paths.
"""

from __future__ import annotations

import re

from tfedu.framework.name_scope import name_scope
from tfedu.framework.trackable import AutoTrackable

__all__ = ["Module"]


def _camel_to_snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def _walk(obj, predicate, seen, out, recurse_modules=True, depth=0):
    if id(obj) in seen or depth > 100:
        return
    if isinstance(obj, Module):
        seen.add(id(obj))
        if depth > 0:
            if predicate(obj):
                out.append(obj)
            if not recurse_modules:
                return
        for key in sorted(vars(obj)):
            if key in getattr(obj, "_TF_MODULE_IGNORED_PROPERTIES", ()):
                continue
            _walk(vars(obj)[key], predicate, seen, out, recurse_modules, depth + 1)
        return
    if isinstance(obj, dict):
        seen.add(id(obj))
        try:
            keys = sorted(obj)
        except TypeError:
            keys = list(obj)
        for k in keys:
            _walk(obj[k], predicate, seen, out, recurse_modules, depth + 1)
        return
    if isinstance(obj, (list, tuple)):
        seen.add(id(obj))
        for v in obj:
            _walk(v, predicate, seen, out, recurse_modules, depth + 1)
        return
    if predicate(obj):
        seen.add(id(obj))
        out.append(obj)


class Module(AutoTrackable):
    """Base class for things with variables (`tf.Module`); Keras layers build on the same idea."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __init__(self, name: str | None = None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
            raise ValueError(
                f"'{name}' is not a valid module name. Module names must be valid Python "
                "identifiers (e.g. a valid class name)."
            )
        self._name = name
        self._scope_name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self):
        """A context manager entering this module's name scope."""
        return name_scope(self._scope_name)

    def _flatten(self, predicate, recursive=True):
        out = []
        _walk(self, predicate, set(), out, recurse_modules=recursive)
        return out

    @property
    def variables(self):
        """All variables of this module and its sub-modules (a tuple, attribute-name order)."""
        return tuple(self._flatten(lambda o: getattr(o, "_is_variable", False)))

    @property
    def trainable_variables(self):
        return tuple(self._flatten(
            lambda o: getattr(o, "_is_variable", False) and o.trainable))

    @property
    def non_trainable_variables(self):
        return tuple(self._flatten(
            lambda o: getattr(o, "_is_variable", False) and not o.trainable))

    @property
    def submodules(self):
        return tuple(self._flatten(lambda o: isinstance(o, Module)))

    @classmethod
    def with_name_scope(cls, method):
        """Decorator: run `method` inside the module's name scope."""

        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)

        wrapped.__name__ = method.__name__
        wrapped.__doc__ = method.__doc__
        return wrapped

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>"

