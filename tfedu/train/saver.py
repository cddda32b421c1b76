"""`tf.compat.v1.train.Saver`: variables saved and restored by name, in TensorFlow's format.

Built in a graph, a Saver adds TF 1.x's save and restore ops, named as TensorFlow names them:

    save/Const                 the file name (a string placeholder with a default)
    save/SaveV2                writes every variable's value under its name
    save/control_dependency    the save "tensor" (`saver_def.save_tensor_name`)
    save/RestoreV2             reads them back
    save/AssignVariableOp_*    one assignment per variable, grouped by `save/restore_all`

`save(sess, "model.ckpt", global_step=7)` runs them and writes `model.ckpt-7.index` and
`model.ckpt-7.data-00000-of-00001` (a tensor bundle: real TensorFlow's Saver and
`tf.train.load_checkpoint` read it), `model.ckpt-7.meta` (the `MetaGraphDef`) and the
`checkpoint` state file. In eager mode the same files are written from the variables' values.
Keys are the variables' names (`w`, `dense/kernel`), not object paths.
"""

from __future__ import annotations

import os
import time

import numpy as np
from tensorboard.compat.proto import saver_pb2

from tfedu.framework import context
from tfedu.framework.graph import GraphKeys
from tfedu.train import checkpoint_management as management
from tfedu.train.tensor_bundle import BundleReader, BundleWriter, data_path, index_path

__all__ = ["Saver", "latest_checkpoint", "checkpoint_exists"]

latest_checkpoint = management.latest_checkpoint
checkpoint_exists = management.checkpoint_exists


def _var_name(v) -> str:
    name = v.op.name if hasattr(v, "op") and hasattr(v, "_snapshot") else v.name
    return name[:-2] if name.endswith(":0") else name


def _var_list(var_list) -> dict:
    if var_list is None:
        if context.executing_eagerly():
            raise RuntimeError("When eager execution is enabled, `var_list` must specify a list "
                               "or dict of variables to save")
        var_list = context.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
    if isinstance(var_list, dict):
        return dict(var_list)
    out = {}
    for v in var_list:
        name = _var_name(v)
        if name in out:
            raise ValueError(f"At least two variables have the same name: {name}")
        out[name] = v
    return out


def _build_graph_saver(variables: dict, max_to_keep, keep_hours) -> saver_pb2.SaverDef:
    """TF 1.x's save/restore ops for {name: variable} in the default graph."""
    from tfedu.framework import graph_ops as go
    from tfedu.framework.convert import constant
    from tfedu.ops.array_ops import identity
    from tfedu.train.io_ops import restore_v2, save_v2

    g = context.get_default_graph()
    names = sorted(variables)
    with g.name_scope("save"):
        filename = _filename_placeholder()
        tensor_names = constant(np.array([n.encode() for n in names], dtype=object))
        slices = constant(np.array([b""] * len(names), dtype=object))
        save = save_v2(filename, tensor_names, slices, [variables[n].value() for n in names])
        with g.control_dependencies([save]):
            done = identity(filename, name="control_dependency")
        restored = restore_v2(filename, tensor_names, slices,
                              [variables[n]._dtype for n in names])
        assigns = [_assign(go, variables[n], t) for n, t in zip(names, restored)]
        with g.control_dependencies(assigns):
            restore_all = _no_op("restore_all")
    return saver_pb2.SaverDef(
        filename_tensor_name=filename.name, save_tensor_name=done.name,
        restore_op_name=restore_all.name, max_to_keep=max_to_keep,
        keep_checkpoint_every_n_hours=keep_hours, version=saver_pb2.SaverDef.V2)


def _filename_placeholder():
    from tfedu.framework import graph_ops as go
    from tfedu.framework.convert import constant
    from tfedu.framework.execute import execute
    from tfedu.framework.tensor_shape import TensorShape

    default = constant(np.array(b"model", dtype=object), name="filename/input")
    name = execute(go.PLACEHOLDER_WITH_DEFAULT, [default], {"shape": TensorShape([])},
                   name="filename")
    return execute(go.PLACEHOLDER_WITH_DEFAULT, [name], {"shape": TensorShape([])},
                   name="Const")


def _assign(go, variable, value):
    from tfedu.framework.execute import execute
    from tfedu.ops.array_ops import identity

    return execute(go.ASSIGN_VARIABLE, [variable.handle, identity(value)],
                   default_name="AssignVariableOp")


def _no_op(name):
    from tfedu.framework import graph_ops as go
    from tfedu.framework.execute import execute

    return execute(go.NO_OP, [], name=name)


class Saver:
    """Saves and restores variables by name (`tf.compat.v1.train.Saver`)."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=saver_pb2.SaverDef.V2, pad_step_number=False,
                 save_relative_paths=False, filename=None):
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._pad = pad_step_number
        self._last = []  # [(path, time)]
        self._next_keep = time.time() + keep_checkpoint_every_n_hours * 3600
        self._eager = context.executing_eagerly()
        self._vars = {}
        self.saver_def = saver_def
        if saver_def is not None:
            self._max_to_keep = saver_def.max_to_keep or max_to_keep
            return
        self._vars = _var_list(var_list)
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        if not self._eager and self._vars:
            self.saver_def = _build_graph_saver(self._vars, max_to_keep,
                                                keep_checkpoint_every_n_hours)

    # --- TF's surface ------------------------------------------------------------------
    @property
    def last_checkpoints(self):
        return [p for p, _ in self._last]

    def as_saver_def(self):
        return self.saver_def

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        self._last = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths):
        stamps = [os.path.getmtime(index_path(p)) for p in checkpoint_paths
                  if os.path.exists(index_path(p))]
        self._last = [(p, t) for p, t in zip(checkpoint_paths, stamps)]

    def _prefix(self, sess, save_path, global_step):
        if global_step is None:
            return os.fspath(save_path)
        step = global_step if isinstance(global_step, (int, np.integer)) else int(
            sess.run(global_step) if sess is not None and not self._eager else global_step)
        return f"{os.fspath(save_path)}-{step:08d}" if self._pad else f"{save_path}-{int(step)}"

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Write the variables' current values; returns the checkpoint prefix."""
        prefix = self._prefix(sess, save_path, global_step)
        os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
        if self._eager:
            writer = BundleWriter(prefix)
            for name in sorted(self._vars):
                v = self._vars[name]
                writer.add(name, np.asarray(v.numpy()), v._dtype)
            writer.finish()
        else:
            graph = sess.graph
            sess.run(graph.as_graph_element(self.saver_def.save_tensor_name),
                     {graph.as_graph_element(self.saver_def.filename_tensor_name): prefix})
            if write_meta_graph:
                self.export_meta_graph(f"{prefix}.{meta_graph_suffix}", graph=graph)
        self._remember(prefix, meta_graph_suffix)
        if write_state:
            management.update_checkpoint_state(
                os.path.dirname(os.path.abspath(prefix)), prefix, self.last_checkpoints,
                latest_filename, [t for _, t in self._last])
        return prefix

    def _remember(self, prefix, meta_graph_suffix):
        now = time.time()
        self._last = [(p, t) for p, t in self._last if p != prefix] + [(prefix, now)]
        while self._max_to_keep and len(self._last) > self._max_to_keep:
            old, stamp = self._last.pop(0)
            if stamp > self._next_keep:
                self._next_keep += self._keep_hours * 3600
                continue
            for path in (index_path(old), data_path(old), f"{old}.{meta_graph_suffix}"):
                if os.path.exists(path):
                    os.remove(path)

    def restore(self, sess, save_path):
        """Set the variables to the values saved at `save_path`."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if not checkpoint_exists(save_path):
            raise ValueError(f"The passed save_path is not a valid checkpoint: {save_path}")
        if self._eager:
            reader = BundleReader(save_path)
            for name, v in self._vars.items():
                v.assign(reader.get(name))
            return
        graph = sess.graph
        sess.run(graph.as_graph_element(self.saver_def.restore_op_name),
                 {graph.as_graph_element(self.saver_def.filename_tensor_name): save_path})

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False,
                          export_scope=None, clear_devices=False,
                          clear_extraneous_savers=False, strip_default_attrs=False,
                          save_debug_info=False, graph=None):
        """This saver's graph as a `MetaGraphDef` (written to `filename` if given)."""
        from tfedu.train.meta_graph import export_meta_graph

        return export_meta_graph(filename, saver_def=self.saver_def,
                                 collection_list=collection_list, as_text=as_text,
                                 graph=graph or context.get_default_graph())
