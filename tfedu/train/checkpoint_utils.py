"""Reading checkpoints by name: `tf.train.load_checkpoint`, `list_variables`, `load_variable`,
and `tf.compat.v1.train.init_from_checkpoint`.

`load_checkpoint(path)` returns a `CheckpointReader` over the tensor bundle: every tensor by its
key (object-based keys such as `model/v/.ATTRIBUTES/VARIABLE_VALUE`, or the plain variable names
a v1 `Saver` writes), with its shape and dtype, values checked against their checksums.
"""

from __future__ import annotations

import os

from tfedu.framework import errors
from tfedu.train import checkpoint_management as management
from tfedu.train.tensor_bundle import BundleReader, index_path

__all__ = ["CheckpointReader", "load_checkpoint", "list_variables", "load_variable",
           "init_from_checkpoint", "NewCheckpointReader"]


def _prefix(ckpt_dir_or_file) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = management.latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}")
        return latest
    return path


class CheckpointReader:
    """Tensors of one checkpoint (`tf.train.load_checkpoint`; TF's `CheckpointReader`)."""

    def __init__(self, prefix):
        prefix = os.fspath(prefix)
        if not os.path.exists(index_path(prefix)):
            raise errors.NotFoundError(
                None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any "
                f"matching files for {prefix}")
        self._reader = BundleReader(prefix)

    def get_variable_to_shape_map(self) -> dict:
        return {k: self._reader.shape(k) for k in self._reader.keys()}

    def get_variable_to_dtype_map(self) -> dict:
        return {k: self._reader.dtype(k) for k in self._reader.keys()}

    def has_tensor(self, name) -> bool:
        return name in self._reader

    def get_tensor(self, name):
        """The tensor's value as numpy (a string scalar as `bytes`)."""
        if name not in self._reader:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
        value = self._reader.get(name)
        return value[()] if value.shape == () and value.dtype == object else value

    def debug_string(self) -> bytes:
        shapes = self.get_variable_to_shape_map()
        dts = self.get_variable_to_dtype_map()
        return "".join(f"{k} ({dts[k].as_datatype_enum}) {shapes[k]}\n"
                       for k in sorted(shapes)).encode()


NewCheckpointReader = CheckpointReader


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader for the checkpoint at this prefix (or the newest one in this directory)."""
    return CheckpointReader(_prefix(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file) -> list:
    """[(name, shape)] of every tensor in the checkpoint, sorted by name."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(name, shapes[name]) for name in sorted(shapes)]


def load_variable(ckpt_dir_or_file, name):
    """One tensor's value (a trailing `:0` is ignored)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def _variable_name(v) -> str:
    name = v.op.name if hasattr(v, "op") and not hasattr(v, "_value") else v.name
    return name[:-2] if name.endswith(":0") else name


def _global_variables():
    from tfedu.framework import context
    from tfedu.framework.graph import GraphKeys

    return context.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)


def _resolve_assignment(reader, assignment_map) -> list:
    """[(checkpoint name, variable)] for `init_from_checkpoint`'s map."""
    pairs = []
    for ckpt_name, target in assignment_map.items():
        if isinstance(target, str) and (target.endswith("/") or ckpt_name.endswith("/")):
            scope_ckpt, scope_var = ckpt_name.rstrip("/"), target.rstrip("/")
            for v in _global_variables():
                name = _variable_name(v)
                if scope_var and not name.startswith(scope_var + "/"):
                    continue
                rest = name[len(scope_var) + 1:] if scope_var else name
                key = f"{scope_ckpt}/{rest}" if scope_ckpt else rest
                if reader.has_tensor(key):
                    pairs.append((key, v))
            continue
        variables = [target] if not isinstance(target, (str, list, tuple)) else (
            list(target) if not isinstance(target, str) else
            [v for v in _global_variables() if _variable_name(v) == target])
        if not reader.has_tensor(ckpt_name):
            raise ValueError(f"Tensor {ckpt_name} is not found in {reader._reader.prefix} "
                             "checkpoint")
        pairs += [(ckpt_name, v) for v in variables]
    return pairs


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Initialise variables from a checkpoint (`tf.compat.v1.train.init_from_checkpoint`).

    `assignment_map` maps checkpoint names (or scopes ending in `/`) to variables, variable
    names or scopes. Eager variables are assigned now; a graph's variables get the saved value
    as their initial value, so running the initializer loads it."""
    reader = load_checkpoint(ckpt_dir_or_file)
    for key, v in _resolve_assignment(reader, assignment_map):
        value = reader.get_tensor(key)
        if list(v.shape.as_list()) != list(value.shape):
            raise ValueError(f"Shape of variable {_variable_name(v)} ({v.shape}) doesn't match "
                             f"with shape of tensor {key} ({list(value.shape)}) from checkpoint "
                             "reader.")
        if hasattr(v, "_set_initial_value"):
            v._set_initial_value(value)
        else:
            v.assign(value)
