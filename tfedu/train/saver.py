"""`tf.compat.v1.train.Saver`: write variable values from a Session to disk and read them back.

Files for `save(sess, "model.ckpt")`: `model.ckpt.index` (JSON: names, dtypes, shapes),
`model.ckpt.data-00000-of-00001` (the values, a numpy `.npz` archive; never pickled),
`model.ckpt.meta` (the graph as JSON, for reading; not re-importable) and `checkpoint` (the
latest path, in TF's text format). Each file is written to a temporary name
and renamed, so a crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import json
import os
import re

import numpy as np

from tfedu.framework import context
from tfedu.framework.graph import GraphKeys
from tfedu.train.files import atomic_write

__all__ = ["Saver", "latest_checkpoint", "checkpoint_exists"]


_atomic_write = atomic_write


def _var_name(v):
    return v.op.name if hasattr(v, "op") else v.name.split(":")[0]


class Saver:
    """Saves and restores variables (by name) to checkpoint files."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        if var_list is None:
            var_list = context.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            self._vars = {_var_name(v): v for v in var_list}
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self._max_to_keep = max_to_keep
        self._last = []

    @property
    def last_checkpoints(self):
        return list(self._last)

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True, strip_default_attrs=False,
             save_debug_info=False):
        """Write the variables' current values in `sess`; returns the checkpoint prefix."""
        if global_step is not None:
            step = global_step if isinstance(global_step, int) else int(sess.run(global_step))
            save_path = f"{save_path}-{step}"
        values = {name: np.asarray(sess.run(v)) for name, v in self._vars.items()}
        index = {name: {"dtype": v.dtype.name, "shape": list(a.shape)}
                 for (name, v), a in zip(self._vars.items(), values.values())}
        arrays = {f"v{i}": a for i, a in enumerate(values.values())}
        index = {"variables": [dict(name=n, key=f"v{i}", **index[n])
                               for i, n in enumerate(values)]}
        _atomic_write(save_path + ".data-00000-of-00001", lambda f: np.savez(f, **arrays))
        _atomic_write(save_path + ".index", lambda f: f.write(json.dumps(index).encode()))
        if write_meta_graph:
            graph = sess.graph.as_json()
            _atomic_write(f"{save_path}.{meta_graph_suffix}",
                          lambda f: f.write(json.dumps(graph).encode()))
        self._last = [p for p in self._last if p != save_path] + [save_path]
        while self._max_to_keep and len(self._last) > self._max_to_keep:
            old = self._last.pop(0)
            for suffix in (".index", ".data-00000-of-00001", f".{meta_graph_suffix}"):
                if os.path.exists(old + suffix):
                    os.unlink(old + suffix)
        if write_state:
            d = os.path.dirname(os.path.abspath(save_path))
            text = f'model_checkpoint_path: "{os.path.basename(save_path)}"\n' + "".join(
                f'all_model_checkpoint_paths: "{os.path.basename(p)}"\n' for p in self._last)
            _atomic_write(os.path.join(d, latest_filename or "checkpoint"),
                          lambda f: f.write(text.encode()))
        return save_path

    def restore(self, sess, save_path):
        """Set the variables in `sess` to the values saved at `save_path`."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        if not os.path.exists(save_path + ".index"):
            from tfedu.framework.errors import NotFoundError

            raise NotFoundError(None, None, f"Failed to find any matching files for {save_path}")
        saved = _read_checkpoint(save_path)
        for name, v in self._vars.items():
            if name not in saved:
                from tfedu.framework.errors import NotFoundError

                raise NotFoundError(None, None, f"Key {name} not found in checkpoint")
            if hasattr(v, "_snapshot"):
                sess._set_variable(v, saved[name])
            else:
                v.assign(saved[name])


def _read_checkpoint(save_path) -> dict:
    """{variable name: value} of a checkpoint; a damaged file is TF's error, never numpy's,
    zipfile's or json's (TF: OutOfRangeError for a cut index, DataLossError for data)."""
    from tfedu.framework.errors import DataLossError, NotFoundError, OutOfRangeError

    try:
        with open(save_path + ".index", "rb") as f:
            index = json.loads(f.read().decode())
        entries = [(e["name"], e["key"]) for e in index["variables"]]
    except (ValueError, KeyError, TypeError) as e:
        raise OutOfRangeError(None, None, f"Read less bytes than requested: the checkpoint "
                                          f"index {save_path}.index is damaged ({e})") from None
    data_path = save_path + ".data-00000-of-00001"
    try:
        with np.load(data_path, allow_pickle=False) as data:
            return {name: data[key] for name, key in entries}
    except FileNotFoundError:
        raise NotFoundError(None, None, f"Failed to find {data_path}") from None
    except Exception as e:  # BadZipFile, a pickled array, a missing key, a cut array, ...
        raise DataLossError(None, None, f"Checksum does not match or the file is damaged: "
                                        f"{data_path} ({type(e).__name__}: {e})") from None


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint recorded in `checkpoint_dir`, or None."""
    path = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        m = re.search(r'model_checkpoint_path: "([^"]*)"', f.read())
    if not m:
        return None
    p = m.group(1)
    return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)


def checkpoint_exists(checkpoint_prefix) -> bool:
    return os.path.exists(checkpoint_prefix + ".index")
