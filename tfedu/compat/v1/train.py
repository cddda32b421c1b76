"""`tf.compat.v1.train`: v1 optimizers, `Saver`, the global step."""

from tfedu.train.checkpoint import Checkpoint  # noqa: F401
from tfedu.train.checkpoint_management import (  # noqa: F401
    CheckpointManager,
    get_checkpoint_state,
    update_checkpoint_state,
)
from tfedu.train.checkpoint_utils import (  # noqa: F401
    NewCheckpointReader,
    init_from_checkpoint,
    list_variables,
    load_checkpoint,
    load_variable,
)
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


def global_step(sess, global_step_tensor):
    """The current value of the global step in `sess`."""
    return int(sess.run(global_step_tensor))
