"""Custom objects: `@keras.saving.register_keras_serializable()` and `custom_objects` scopes.

A file names a class or function by a string (`"my_package>MyLayer"`); loading looks the string
up here, among the classes the user registered or passed in `custom_objects`. Nothing is ever
imported or evaluated because a file says so.
"""

from __future__ import annotations

import inspect
import threading

GLOBAL_CUSTOM_OBJECTS: dict = {}
GLOBAL_CUSTOM_NAMES: dict = {}
_scope = threading.local()


def _scope_dict() -> dict:
    return getattr(_scope, "objects", {})


class CustomObjectScope:
    """`with custom_object_scope({"MyLayer": MyLayer}):` makes the names resolvable while
    deserializing inside the block."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        self.backup = _scope_dict().copy()
        _scope.objects = {**self.backup, **self.custom_objects}
        return self

    def __exit__(self, *args):
        _scope.objects = self.backup


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The live global dictionary of registered objects (`"package>name"` -> object)."""
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Register a class or function under `package>name` so that saved files can name it."""

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = package + ">" + class_name
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """`package>name` for a registered object, else its `__name__`."""
    if obj in GLOBAL_CUSTOM_NAMES:
        return GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or passed in a scope or `custom_objects`) under `name`, or None."""
    scoped = _scope_dict()
    for table in (scoped, GLOBAL_CUSTOM_OBJECTS, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None
