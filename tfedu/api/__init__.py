"""Assemble the public namespaces (`tf.math`, `tf.nn`, `tf.linalg`, ...) from the export table."""

from __future__ import annotations

import importlib
import sys
import types

# Op families by TensorFlow's own split, in dependency order. Importing one registers its ops
# and exports its public functions; `tfedu.framework.config` adds `tf.config.threading`,
# `tfedu.function` `tf.function` and `tf.autograph`, `tfedu.graph.api` the TF1 graph names.
OP_MODULES = [
    "tfedu.ops.math_ops",
    "tfedu.ops.array_ops",
    "tfedu.framework.name_scope",
    "tfedu.ops.debugging",
    "tfedu.ops.special_math_ops",
    "tfedu.ops.segment_ops",
    "tfedu.ops.gather_ops",
    "tfedu.ops.sort_ops",
    "tfedu.ops.clip_ops",
    "tfedu.ops.slicing",
    "tfedu.ops.scatter_ops",
    "tfedu.ops.ragged_ops",
    "tfedu.ops.sparse_ops",
    "tfedu.ops.linalg_ops",
    "tfedu.ops.nn_ops",
    "tfedu.ops.batch_norm_ops",
    "tfedu.ops.random_ops",
    "tfedu.ops.string_ops",
    "tfedu.ops.control_flow_ops",
    "tfedu.ops.image_ops",
    "tfedu.ops.image_color",
    "tfedu.ops.functional_ops",
    "tfedu.ops.io_ops",
    "tfedu.ops.record_io",
    "tfedu.ops.example_ops",
    "tfedu.ops.bitwise_ops",
    "tfedu.ops.misc_api",
    "tfedu.ops.lookup_ops",
    "tfedu.ops.signal_ops",
    "tfedu.framework.config",
    "tfedu.function",
    "tfedu.graph.api",
    "tfedu.distribute.device",  # tf.config devices, tf.device (the rest of tf.distribute is lazy)
]


def _namespace(root, path):
    """The module object for `tfedu.<path>`, created as a plain namespace if missing."""
    mod = root
    full = root.__name__
    for part in path:
        full = f"{full}.{part}"
        sub = getattr(mod, part, None)
        if not isinstance(sub, types.ModuleType):
            sub = sys.modules.get(full)
            if sub is None:
                try:
                    sub = importlib.import_module(full)
                except ModuleNotFoundError as e:
                    if e.name != full:
                        raise
                    sub = types.ModuleType(full, f"tfedu.{'.'.join(path)} namespace")
                    sys.modules[full] = sub
            setattr(mod, part, sub)
        mod = sub
    return mod


def build(root):
    from tfedu.framework.api_export import EXPORTS

    for m in OP_MODULES:
        importlib.import_module(m)
    for name, obj in EXPORTS.items():
        *path, leaf = name.split(".")
        ns = _namespace(root, path)
        if not hasattr(ns, leaf) or path:
            setattr(ns, leaf, obj)
    from tfedu.ops.bitwise_ops import install_operators

    install_operators()
