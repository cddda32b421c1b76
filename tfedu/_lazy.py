"""Names of a namespace that import their module on first use (keeps `import tfedu` quick)."""

from __future__ import annotations

import importlib


def lazy_getattr(namespace: str, table: dict, modules=()):
    """A module `__getattr__` resolving `table[name]` (a module path) on first access.

    Names listed in `modules` are the module itself rather than an attribute of it."""

    def __getattr__(name):
        path = table.get(name)
        if path is None:
            raise AttributeError(f"module '{namespace}' has no attribute '{name}'")
        mod = importlib.import_module(path)
        value = mod if name in modules else getattr(mod, name)
        importlib.import_module(namespace).__dict__[name] = value
        return value

    return __getattr__
