"""Object tracking: how a TF 2 program's state is found, named and restored.

State lives in variables, and variables live in objects: a `tf.Module` holds them as
attributes, a Keras model in its layers, an optimizer in its slot lists. TensorFlow names each
variable by a *path of attribute names* from a root object (`model/dense/_kernel`), not by the
variable's own name, so the same program rebuilt tomorrow finds its values again.

- A *trackable* is a variable, an object with `_trackable_children()`, or a list/tuple/dict
  holding trackables. `children_of(obj)` returns its named children: for a `Module` (any
  `AutoTrackable`) its attributes that hold trackables; for a list, its indices; for a dict,
  its string keys.
- `object_graph(root)` walks the children breadth-first: every object gets a node id and the
  first path that reached it (a variable shared by two objects is saved once).
- Restoring binds saved nodes to live objects by following the same names. A child that does not
  exist yet (a layer not built, an optimizer slot not made) is *deferred*: the restoration waits
  and runs as soon as the object appears (`restore_pending()` runs at those moments).
"""

from __future__ import annotations

__all__ = ["Trackable", "AutoTrackable", "children_of", "is_trackable", "is_variable",
           "is_function", "object_graph", "defer", "restore_pending", "has_pending"]

_MAX_DEPTH = 64


def is_variable(obj) -> bool:
    return getattr(obj, "_is_variable", False) is True


def is_function(obj) -> bool:
    """A `tf.function` (or one of its concrete functions): saved by SavedModel, not checkpoints."""
    return getattr(obj, "_is_tf_function", False) is True


class Trackable:
    """Base of objects that own state: they name their children (`_trackable_children`)."""

    def _trackable_children(self, save_type="checkpoint", **kwargs) -> dict:
        return {}


def is_trackable(obj, save_type="checkpoint", _depth=0) -> bool:
    if is_variable(obj) or hasattr(type(obj), "_trackable_children"):
        return True
    if save_type == "savedmodel" and is_function(obj):
        return True
    if _depth < _MAX_DEPTH and isinstance(obj, (list, tuple)):
        return any(is_trackable(v, save_type, _depth + 1) for v in obj)
    if _depth < _MAX_DEPTH and isinstance(obj, dict):
        return any(isinstance(k, str) and is_trackable(v, save_type, _depth + 1)
                   for k, v in obj.items())
    return False


def children_of(obj, save_type="checkpoint") -> dict:
    """{local name: child} of a trackable (empty for a variable or a plain value)."""
    if is_variable(obj):
        return {}
    method = getattr(type(obj), "_trackable_children", None)
    if method is not None:
        return method(obj, save_type)
    if isinstance(obj, (list, tuple)):
        return {str(i): v for i, v in enumerate(obj) if is_trackable(v, save_type)}
    if isinstance(obj, dict):
        return {k: v for k, v in obj.items() if isinstance(k, str) and is_trackable(v, save_type)}
    return {}


def _class_functions(obj) -> dict:
    """tf.functions defined on the class (methods decorated with `@tf.function`)."""
    out = {}
    for klass in reversed(type(obj).__mro__):
        for name, value in vars(klass).items():
            if is_function(value):
                out[name] = getattr(obj, name)
    return out


class AutoTrackable(Trackable):
    """Children are the attributes that hold trackables, in the order they were assigned.

    For SavedModel (`save_type="savedmodel"`) the `tf.function`s defined on the class or
    assigned as attributes are children too. Assigning an attribute runs any restoration that
    was waiting for it (deferred restoration)."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if _PENDING:
            restore_pending()

    def _trackable_children(self, save_type="checkpoint", **kwargs) -> dict:
        ignored = self._TF_MODULE_IGNORED_PROPERTIES
        out = {k: v for k, v in vars(self).items()
               if k not in ignored and is_trackable(v, save_type)}
        if save_type == "savedmodel":
            for k, v in _class_functions(self).items():
                out.setdefault(k, v)
        return out


# --- the object graph ----------------------------------------------------------------------

class ObjectGraph:
    """Nodes reachable from a root: `objects[i]`, `paths[i]` (names from the root) and
    `edges[i]` ([(local name, child id)])."""

    def __init__(self, objects, paths, edges):
        self.objects, self.paths, self.edges = objects, paths, edges
        self.ids = {id(o): i for i, o in enumerate(objects)}


def object_graph(root, save_type="checkpoint") -> ObjectGraph:
    """Breadth-first walk from `root`; each object appears once, under its first path."""
    objects, paths, edges = [root], [()], []
    ids = {id(root): 0}
    i = 0
    while i < len(objects):
        out = []
        for name, child in children_of(objects[i], save_type).items():
            j = ids.get(id(child))
            if j is None:
                j = ids[id(child)] = len(objects)
                objects.append(child)
                paths.append(paths[i] + (name,))
            out.append((name, j))
        edges.append(out)
        i += 1
    return ObjectGraph(objects, paths, edges)


# --- deferred restoration ------------------------------------------------------------------

# [(object, local name, callback(child))]: restorations waiting for a child to appear. The
# list holds the objects alive until their children appear (as TF's objects keep theirs).
_PENDING: list = []


def defer(obj, name: str, callback) -> None:
    """Call `callback(child)` once `children_of(obj)` has a child called `name`."""
    _PENDING.append((obj, name, callback))


def has_pending() -> bool:
    return bool(_PENDING)


def restore_pending() -> None:
    """Run every waiting restoration whose child now exists (cheap when none wait)."""
    if not _PENDING:
        return
    waiting = list(_PENDING)
    _PENDING.clear()
    for obj, name, callback in waiting:
        child = children_of(obj).get(name)
        if child is None:
            _PENDING.append((obj, name, callback))
        else:
            callback(child)


def forget_pending(predicate) -> None:
    """Drop waiting restorations whose callback matches `predicate` (a superseded restore)."""
    _PENDING[:] = [p for p in _PENDING if not predicate(p[2])]
