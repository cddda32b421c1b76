"""`tf.train`: checkpoints (`Checkpoint`, `CheckpointManager`, `latest_checkpoint`,
`load_checkpoint`, `list_variables`) and the pieces TF 1.x code uses (v1 optimizers, `Saver`,
the global step; `tf.compat.v1.train` exposes those).

The checkpoint names load on first use, keeping `import tfedu` quick.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Checkpoint": "tfedu.train.checkpoint",
    "CheckpointOptions": "tfedu.train.checkpoint",
    "CheckpointManager": "tfedu.train.checkpoint_management",
    "latest_checkpoint": "tfedu.train.checkpoint_management",
    "get_checkpoint_state": "tfedu.train.checkpoint_management",
    "load_checkpoint": "tfedu.train.checkpoint_utils",
    "list_variables": "tfedu.train.checkpoint_utils",
    "load_variable": "tfedu.train.checkpoint_utils",
    "CheckpointReader": "tfedu.train.checkpoint_utils",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tfedu.train' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
