"""The Estimator's checkpoints in TensorFlow's format: tensor bundles named by the variables.

`model.ckpt-<step>.index` + `.data-00000-of-00001` (`tfedu.train.tensor_bundle`, what real
TensorFlow's `tf.train.load_checkpoint` reads) hold each global variable of the graph under its
name (`dense/kernel`, `global_step`, ...), as TF 1.x's Saver writes them; `checkpoint` names the
newest ones (TF's text format). The Saver keeps `keep_checkpoint_max` of them.
"""

from __future__ import annotations

import os

import numpy as np

from tfedu.framework import context, errors
from tfedu.framework.graph import GraphKeys
from tfedu.train import checkpoint_management as management
from tfedu.train.checkpoint_utils import load_checkpoint
from tfedu.train.tensor_bundle import BundleWriter

__all__ = ["BundleSaver", "latest_checkpoint", "load_checkpoint"]

latest_checkpoint = management.latest_checkpoint


def _name(v):
    return v.op.name if hasattr(v, "op") else v.name.split(":")[0]


class BundleSaver:
    """`save(sess, prefix, global_step)` / `restore(sess, prefix)` of the graph's variables."""

    def __init__(self, var_list=None, max_to_keep=5, **_):
        if var_list is None:
            var_list = context.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
        self._vars = {_name(v): v for v in var_list}
        self._max_to_keep = max_to_keep
        self._last = None

    def _kept(self, directory):
        if self._last is None:
            state = management.get_checkpoint_state(directory)
            self._last = list(state.all_model_checkpoint_paths) if state else []
        return self._last

    def save(self, sess, save_path, global_step=None, **_):
        if global_step is not None:
            step = global_step if isinstance(global_step, int) else int(sess.run(global_step))
            save_path = f"{save_path}-{step}"
        values = sess.run(dict(self._vars)) if self._vars else {}
        writer = BundleWriter(save_path)
        for name, v in self._vars.items():
            writer.add(name, np.asarray(values[name]), v.dtype.base_dtype
                       if hasattr(v.dtype, "base_dtype") else v.dtype)
        writer.finish()
        directory = os.path.dirname(os.path.abspath(save_path))
        kept = [p for p in self._kept(directory) if os.path.abspath(p) != os.path.abspath(
            save_path)] + [save_path]
        while self._max_to_keep and len(kept) > self._max_to_keep:
            management.remove_checkpoint(kept.pop(0))
        self._last = kept
        management.update_checkpoint_state(directory, save_path, kept)
        return save_path

    def restore(self, sess, save_path):
        reader = load_checkpoint(save_path)
        for name, v in self._vars.items():
            if not reader.has_tensor(name):
                raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
            value = reader.get_tensor(name)
            if hasattr(v, "_snapshot"):
                sess._set_variable(v, value)
            else:
                v.assign(value)
