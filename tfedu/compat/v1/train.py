"""`tf.compat.v1.train`: v1 optimizers, `Saver`, the global step."""

from tfedu._lazy import lazy_getattr
from tfedu.train.learning_rate_decay import (  # noqa: F401
    exponential_decay,
    inverse_time_decay,
    natural_exp_decay,
    piecewise_constant,
    polynomial_decay,
)
from tfedu.train.optimizers_v1 import (  # noqa: F401
    AdadeltaOptimizer,
    AdagradDAOptimizer,
    AdagradOptimizer,
    AdamOptimizer,
    FtrlOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    Optimizer,
    ProximalAdagradOptimizer,
    ProximalGradientDescentOptimizer,
    RMSPropOptimizer,
    SyncReplicasOptimizer,
    create_global_step,
    get_global_step,
    get_or_create_global_step,
)
from tfedu.train.saver import Saver, checkpoint_exists, latest_checkpoint  # noqa: F401

# TF 2's checkpoint API, also under tf.compat.v1.train (loaded on first use).
__getattr__ = lazy_getattr(__name__, {
    "Checkpoint": "tfedu.train.checkpoint",
    "CheckpointManager": "tfedu.train.checkpoint_management",
    "get_checkpoint_state": "tfedu.train.checkpoint_management",
    "update_checkpoint_state": "tfedu.train.checkpoint_management",
    "NewCheckpointReader": "tfedu.train.checkpoint_utils",
    "init_from_checkpoint": "tfedu.train.checkpoint_utils",
    "list_variables": "tfedu.train.checkpoint_utils",
    "load_checkpoint": "tfedu.train.checkpoint_utils",
    "load_variable": "tfedu.train.checkpoint_utils",
    "export_meta_graph": "tfedu.train.meta_graph",
    "import_meta_graph": "tfedu.train.meta_graph",
})


def global_step(sess, global_step_tensor):
    """The current value of the global step in `sess`."""
    return int(sess.run(global_step_tensor))
