"""`tf.config` settings that belong to the engine: thread counts.

(`tf.config.optimizer` lives with the graph passes it switches, `tf.config.run_functions_eagerly`
with `tf.function`.)
"""

from __future__ import annotations

from tfedu.framework.api_export import export
from tfedu.kernels import blas

_inter_op_threads = [0]


@export("config.threading.set_intra_op_parallelism_threads")
def set_intra_op_parallelism_threads(num_threads: int) -> None:
    """Cap the threads one large matrix product and one parallel kernel may use (0: the BLAS
    library's own count, Numba's).

    Small products always run on one thread (see `tfedu.kernels.blas` for why)."""
    blas.set_max_threads(int(num_threads))


@export("config.threading.get_intra_op_parallelism_threads")
def get_intra_op_parallelism_threads() -> int:
    """The cap set with `set_intra_op_parallelism_threads` (0 when none was set)."""
    return blas._state["cap"]


@export("config.threading.set_inter_op_parallelism_threads")
def set_inter_op_parallelism_threads(num_threads: int) -> None:
    """Recorded for TF compatibility: tfedu runs the ops of a graph one after another."""
    if int(num_threads) < 0:
        raise ValueError(f"the number of threads must be >= 0, got {num_threads}")
    _inter_op_threads[0] = int(num_threads)


@export("config.threading.get_inter_op_parallelism_threads")
def get_inter_op_parallelism_threads() -> int:
    """The value set with `set_inter_op_parallelism_threads` (0 when none was set)."""
    return _inter_op_threads[0]
