"""`tf.name_scope`: prefixes for op names in graphs (and `get_name_scope` in eager code).

`composite_scope` is the one helper op families use to group the ops of a composite function
(`tf.nn.moments`, `tf.clip_by_norm`, ...) under its name, as TF's `with name_scope(...)` does.
"""

from __future__ import annotations

import contextlib

from tfedu.framework.api_export import export
from tfedu.framework.context import _state


@export("name_scope")
class name_scope:
    """A context manager that prefixes the names of ops created inside it (`tf.name_scope`)."""

    def __init__(self, name, default_name=None, values=None):
        if name is None and default_name is None:
            raise ValueError("name for name_scope must be a string.")
        if name is not None and not isinstance(name, str):
            raise ValueError("name for name_scope must be a string.")
        self._name = name if name is not None else default_name
        self._ctx = None

    @property
    def name(self):
        return self._name

    def __enter__(self):
        g = _state.graph
        if g is not None:
            self._ctx = g.name_scope(self._name)
        else:
            self._ctx = _eager_name_scope(self._name)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


@contextlib.contextmanager
def _eager_name_scope(name):
    old = _state.eager_name_stack
    if name.endswith("/"):
        new = name[:-1]
    elif name:
        new = f"{old}/{name}" if old else name
    else:
        new = ""
    _state.eager_name_stack = new
    try:
        yield (new + "/") if new else ""
    finally:
        _state.eager_name_stack = old


@export("get_current_name_scope")
def get_current_name_scope() -> str:
    """The current name scope: the graph's while building one, the eager one otherwise."""
    g = _state.graph
    return g.get_name_scope() if g is not None else _state.eager_name_stack


@contextlib.contextmanager
def composite_scope(name, default):
    """`with name_scope(name or default) as scope` for a composite op: yields the graph scope
    (`"moments/"`), or None while eager, where a composite's ops keep their own names."""
    with name_scope(name, default) as scope:
        yield scope if _state.graph is not None else None
