"""`tf.train.Checkpoint`: save and restore the variables reachable from some objects.

A checkpoint is a tensor bundle (`tfedu.train.tensor_bundle`) holding

- each variable under its *path* from the root: `model/dense/_kernel/.ATTRIBUTES/VARIABLE_VALUE`
  (names escaped: `.` becomes `..`, `/` becomes `.S`);
- `_CHECKPOINTABLE_OBJECT_GRAPH`: a `TrackableObjectGraph` protobuf with one node per object
  (its named children and, for variables, the key of the value).

Restoring walks the saved graph from the root and the live objects side by side, matching
children by name. Values for objects that do not exist yet wait (deferred restoration) and are
assigned when the object appears. The status object `restore()` returns checks the match:
`assert_consumed()` (everything on both sides matched), `assert_existing_objects_matched()`,
`assert_nontrivial_match()`, and `expect_partial()` to say a partial match is intended.
"""

from __future__ import annotations

import os

import numpy as np
from tensorboard.compat.proto import trackable_object_graph_pb2

from tfedu.framework import errors
from tfedu.framework.trackable import (
    AutoTrackable,
    children_of,
    defer,
    forget_pending,
    is_trackable,
    is_variable,
    object_graph,
    restore_pending,
)
from tfedu.train import checkpoint_management as management
from tfedu.train.tensor_bundle import BundleReader, BundleWriter, index_path

__all__ = ["Checkpoint", "CheckpointOptions", "OBJECT_GRAPH_KEY", "save_objects",
           "restore_objects", "escape_local_name", "checkpoint_key", "variable_value"]

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
VARIABLE_VALUE = "VARIABLE_VALUE"
_ATTRS = ".ATTRIBUTES"

TrackableObjectGraph = trackable_object_graph_pb2.TrackableObjectGraph


def escape_local_name(name: str) -> str:
    return name.replace(".", "..").replace("/", ".S")


def checkpoint_key(path, attribute=VARIABLE_VALUE) -> str:
    return "/".join([escape_local_name(p) for p in path] + [_ATTRS, attribute])


def variable_value(v) -> np.ndarray:
    """A variable's current value as a numpy array (read without recording anything)."""
    value = getattr(v, "_value", None)
    if isinstance(value, np.ndarray):
        return value
    return np.asarray(v.numpy())


def _variable_full_name(v) -> str:
    name = getattr(v, "path", None) or v.name
    return name[:-2] if name.endswith(":0") else name


class CheckpointOptions:
    """`tf.train.CheckpointOptions` (accepted; tfedu writes one local shard)."""

    def __init__(self, experimental_io_device=None, experimental_enable_async_checkpoint=False,
                 experimental_write_callbacks=None, enable_async=False,
                 experimental_skip_slot_variables=False, experimental_sharding_callback=None):
        self.experimental_io_device = experimental_io_device
        self.enable_async = enable_async or experimental_enable_async_checkpoint


# --- saving --------------------------------------------------------------------------------

def serialize_object_graph(graph):
    """The `TrackableObjectGraph` proto and {checkpoint key: variable} for an ObjectGraph."""
    proto = TrackableObjectGraph()
    values = {}
    for i, obj in enumerate(graph.objects):
        node = proto.nodes.add()
        for name, j in graph.edges[i]:
            node.children.add(node_id=j, local_name=name)
        if is_variable(obj):
            key = checkpoint_key(graph.paths[i])
            node.attributes.add(name=VARIABLE_VALUE, full_name=_variable_full_name(obj),
                                checkpoint_key=key)
            values[key] = obj
    _mark_checkpoint_values(proto)
    return proto, values


def _mark_checkpoint_values(proto) -> None:
    """`has_checkpoint_values` on every node: whether it or a descendant holds a value."""
    memo = {}

    def has(i):
        if i not in memo:
            memo[i] = False  # cycles: not through here
            node = proto.nodes[i]
            memo[i] = bool(node.attributes) or bool(node.slot_variables) or any(
                has(c.node_id) for c in node.children)
        return memo[i]

    for i, node in enumerate(proto.nodes):
        node.has_checkpoint_values.value = has(i)


def save_objects(root, prefix, extra=None) -> str:
    """Write every variable reachable from `root` and the object graph to `prefix`."""
    proto, values = serialize_object_graph(object_graph(root))
    writer = BundleWriter(prefix)
    for key, v in values.items():
        writer.add(key, variable_value(v), v._dtype if hasattr(v, "_dtype") else None)
    for key, value in (extra or {}).items():
        writer.add(key, value)
    writer.add(OBJECT_GRAPH_KEY, np.array(proto.SerializeToString(), dtype=object))
    return writer.finish()


# --- restoring -----------------------------------------------------------------------------

def _assign(variable, value: np.ndarray, key: str) -> None:
    shape = variable.shape
    if shape.rank is not None and not shape.is_compatible_with(value.shape):
        raise ValueError(
            f"Received incompatible tensor with shape {value.shape} when attempting to restore "
            f"variable with shape {tuple(shape.as_list())} and name {key}.")
    np_dtype = getattr(getattr(variable, "_dtype", None), "_np", None)
    if np_dtype is not None and np_dtype != value.dtype:
        raise errors.InvalidArgumentError(
            None, None, f"tensor_name = {key}; expected dtype "
            f"{variable._dtype.name} does not equal original dtype {value.dtype}")
    variable.assign(value)


def _node_path(paths, node_id) -> str:
    return ".".join(["(root)", *paths.get(node_id, ("?",))])


class Restoration:
    """One restore in progress: the saved graph, the reader, and what matched so far."""

    def __init__(self, reader: BundleReader, proto):
        self.reader = reader
        self.proto = proto
        self.matched = {}  # node id -> live object
        self.restored_keys = set()
        self.paths = _saved_paths(proto)

    def bind(self, node_id: int, obj) -> None:
        if node_id in self.matched:
            return
        self.matched[node_id] = obj
        node = self.proto.nodes[node_id]
        if is_variable(obj):
            for attr in node.attributes:
                if attr.name == VARIABLE_VALUE:
                    _assign(obj, self.reader.get(attr.checkpoint_key), attr.checkpoint_key)
                    self.restored_keys.add(attr.checkpoint_key)
            return
        children = children_of(obj)
        for ref in node.children:
            child = children.get(ref.local_name)
            if child is not None:
                self.bind(ref.node_id, child)
            elif self.proto.nodes[ref.node_id].has_checkpoint_values.value:
                defer(obj, ref.local_name, _Binder(self, ref.node_id))

    def unmatched_nodes(self):
        return [i for i, node in enumerate(self.proto.nodes)
                if node.attributes and i not in self.matched]


class _Binder:
    """The deferred half of a restoration: binds a saved node once its object exists."""

    def __init__(self, restoration, node_id):
        self.restoration = restoration
        self.node_id = node_id

    def __call__(self, child):
        self.restoration.bind(self.node_id, child)


def _saved_paths(proto) -> dict:
    paths, queue = {0: ()}, [0]
    while queue:
        i = queue.pop(0)
        for ref in proto.nodes[i].children:
            if ref.node_id not in paths:
                paths[ref.node_id] = paths[i] + (ref.local_name,)
                queue.append(ref.node_id)
    return paths


def read_object_graph(reader: BundleReader):
    proto = TrackableObjectGraph()
    raw = reader.get(OBJECT_GRAPH_KEY)[()]
    try:
        proto.ParseFromString(raw)
    except Exception:  # protobuf's DecodeError: the bytes are not an object graph
        raise errors.DataLossError(
            None, None, "Unable to parse the checkpoint's object graph") from None
    return proto


def restore_objects(root, save_path):
    """Restore `root`'s variables from `save_path`; returns a load status."""
    reader = BundleReader(save_path)
    if OBJECT_GRAPH_KEY not in reader:
        return NameBasedSaverStatus(root, reader)
    restoration = Restoration(reader, read_object_graph(reader))
    restoration.bind(0, root)
    return CheckpointLoadStatus(root, restoration)


class CheckpointLoadStatus:
    """What a restore matched; the `assert_*` methods raise AssertionError on a mismatch."""

    def __init__(self, root, restoration):
        self._root = root
        self._restoration = restoration
        self._partial_ok = False

    def _live_variables(self):
        graph = object_graph(self._root)
        return [o for o in graph.objects if is_variable(o)]

    def assert_consumed(self):
        """Every value in the checkpoint was restored, and every variable got a value."""
        self.assert_existing_objects_matched()
        r = self._restoration
        unmatched = r.unmatched_nodes()
        if unmatched:
            i = unmatched[0]
            raise AssertionError(f"Unresolved object in checkpoint {_node_path(r.paths, i)}: "
                                 f"{r.proto.nodes[i]}")
        return self

    def assert_existing_objects_matched(self):
        """Every variable that exists now was restored from the checkpoint (a checkpoint's
        own save counter excepted when the file has none: `write` does not save it)."""
        matched = {id(o) for o in self._restoration.matched.values()}
        counter = getattr(self._root, "_save_counter", None)
        missing = [v for v in self._live_variables() if id(v) not in matched and v is not counter]
        if missing:
            raise AssertionError(
                "Some Python objects were not bound to checkpointed values, likely due to "
                f"changes in the Python program: {missing}")
        return self

    def assert_nontrivial_match(self):
        if not self._restoration.restored_keys and len(self._restoration.matched) <= 1:
            raise AssertionError(
                "No checkpointed values were matched to Python objects; the checkpoint does not "
                "seem to belong to this program.")
        return self

    def expect_partial(self):
        """Say that a partial restore is intended (no warning about unused values)."""
        self._partial_ok = True
        return self

    def run_restore_ops(self, session=None):
        """Eager restores are already done; kept for code written for graphs."""

    def initialize_or_restore(self, session=None):
        """Eager restores are already done; kept for code written for graphs."""


class InitializationOnlyStatus:
    """`restore(None)`: nothing to restore; variables keep their initial values."""

    def __init__(self, root):
        self._root = root

    def assert_consumed(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being "
                             "restored.")

    assert_existing_objects_matched = assert_consumed
    assert_nontrivial_match = assert_consumed

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        """Nothing to restore."""

    def initialize_or_restore(self, session=None):
        """Variables are initialised when created in eager mode."""


class NameBasedSaverStatus(CheckpointLoadStatus):
    """Restoring a checkpoint written by the v1 `Saver` (no object graph): match by name."""

    def __init__(self, root, reader):
        by_name = {}
        for v in object_graph(root).objects:
            if is_variable(v):
                by_name.setdefault(_variable_full_name(v), v)
        restored = set()
        for name, v in by_name.items():
            if name in reader:
                _assign(v, reader.get(name), name)
                restored.add(name)
        self._root = root
        self._restored = restored
        self._partial_ok = False

    def assert_consumed(self):
        raise AssertionError("Restoring a name-based tf.train.Saver checkpoint using the "
                             "object-based restore API. This mode uses global names to match "
                             "variables, and so is somewhat fragile.")

    def assert_existing_objects_matched(self):
        return self.assert_consumed()

    def assert_nontrivial_match(self):
        if not self._restored:
            raise AssertionError("No variables were restored by name.")
        return self


# --- tf.train.Checkpoint -------------------------------------------------------------------

def _check_trackable(name, value):
    if not is_trackable(value):
        raise ValueError(
            f"`Checkpoint` was expecting {name} to be a trackable object (an object derived "
            f"from `Trackable`), got {value}. If you believe this object should be trackable (i.e. "
            "it is part of the TensorFlow Python API and manages state), please open an "
            "issue.")


def _resolve_restore_path(save_path):
    path = os.fspath(save_path)
    if os.path.isdir(path):
        sm = os.path.join(path, "variables", "variables")
        if os.path.exists(index_path(sm)):
            return sm
        latest = management.latest_checkpoint(path)
        if latest is not None:
            return latest
    if not os.path.exists(index_path(path)):
        raise errors.NotFoundError(
            None, None, f"Failed to find any matching files for {path}")
    return path


class Checkpoint(AutoTrackable):
    """Groups trackable objects; saves and restores their variables (`tf.train.Checkpoint`).

        ckpt = tf.train.Checkpoint(model=model, optimizer=opt)
        path = ckpt.save("/tmp/ckpts/ckpt")          # /tmp/ckpts/ckpt-1
        ckpt.restore(tf.train.latest_checkpoint("/tmp/ckpts"))
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_save_counter", None)
        if root is not None:
            _check_trackable("root", root)
        for name, value in sorted(kwargs.items()):
            _check_trackable(name, value)
            if name in children_of(root or []):
                raise ValueError(f"Cannot save checkpoint with keyword argument {name!r} "
                                 "because it conflicts with an attribute of the root object.")
            setattr(self, name, value)

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        out = dict(children_of(self._root, save_type)) if self._root is not None else {}
        out.update(AutoTrackable._trackable_children(self, save_type))
        out.pop("_root", None)
        out.pop("_save_counter", None)
        if self._save_counter is not None:
            out["save_counter"] = self._save_counter
        return out

    @property
    def save_counter(self):
        """An int64 variable counting `save()` calls (numbers the files); made on first use."""
        if self._save_counter is None:
            from tfedu.framework.variables import Variable

            object.__setattr__(self, "_save_counter", Variable(
                np.int64(0), trainable=False, name="save_counter", dtype="int64"))
        return self._save_counter

    def write(self, file_prefix, options=None) -> str:
        """Write a checkpoint to exactly `file_prefix` (no numbering, no state file)."""
        return save_objects(self, os.fspath(file_prefix))

    def save(self, file_prefix, options=None) -> str:
        """Write `file_prefix-N` (N counts saves) and name it newest in the `checkpoint` file."""
        counter = self.save_counter
        counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(counter.numpy())}", options)
        management.update_checkpoint_state(os.path.dirname(os.path.abspath(path)), path, [path])
        return path

    def read(self, save_path, options=None):
        """Restore what `write` wrote (the save counter too, if this object has one)."""
        if save_path is None:
            return InitializationOnlyStatus(self)
        path = _resolve_restore_path(save_path)
        forget_pending(lambda cb: isinstance(cb, _Binder) and cb.restoration.reader.prefix
                       != path and _same_root(cb, self))
        return restore_objects(self, path)

    def restore(self, save_path, options=None):
        """Restore the variables saved at `save_path` (a prefix, a checkpoint directory or a
        SavedModel); values for objects created later are restored when they appear."""
        status = self.read(save_path, options)
        self.save_counter  # noqa: B018  (made now, it takes its saved value, as in TF)
        restore_pending()
        return status

    def sync(self):
        """Asynchronous saves are not used: nothing to wait for."""


def _same_root(binder, root) -> bool:
    return binder.restoration.matched.get(0) is root
