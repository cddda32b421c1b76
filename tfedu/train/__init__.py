"""`tf.train`: checkpoints (`Checkpoint`, `CheckpointManager`, `latest_checkpoint`,
`load_checkpoint`, `list_variables`) and the pieces TF 1.x code uses (v1 optimizers, `Saver`,
the global step; `tf.compat.v1.train` exposes those).

The checkpoint names load on first use, keeping `import tfedu` quick.
"""

from __future__ import annotations

from tfedu._lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
