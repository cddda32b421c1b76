"""An Estimator under `RunConfig(train_distribute=MultiWorkerMirroredStrategy())`.

Every worker builds the same training graph in its replica context: its slice of each global
batch (`worker_slices`), its loss divided by the replicas and its gradients summed over the
workers by a `CollectiveAllReduce` op (the TF 1.x optimizers do both under a strategy), then
each worker applies the same update to its own variables. The workers start from the chief's
variable values (broadcast after initialisation) and only the chief writes checkpoints (the
RunConfig's `is_chief`), so a restarted job resumes from the chief's last checkpoint.
"""

from __future__ import annotations

import contextlib

import tfedu as tf
from tfedu.framework import nest

__all__ = ["train_strategy", "worker_slices", "building", "running", "sync_initial_values"]


def train_strategy(config):
    strategy = config.train_distribute
    if strategy is None or strategy.num_replicas_in_sync == 1:
        return None
    if strategy.extended._num_local != 1:
        raise NotImplementedError(
            "tfedu's Estimator runs one replica per worker (MultiWorkerMirroredStrategy); for "
            "several replicas in one process use Keras fit or a custom loop under "
            "MirroredStrategy.")
    return strategy


def _slice(t, workers, index):
    """This worker's rows of a global batch (TF's split: the first workers take one more)."""
    n = tf.shape(t)[0]
    base, extra = n // workers, n % workers
    start = index * base + tf.minimum(index, extra)
    size = base + tf.cast(index < extra, tf.int32)
    return tf.gather(t, tf.range(start, start + size))


def worker_slices(dataset, strategy):
    ext = strategy.extended
    workers, index = ext._num_workers, ext._worker_index()

    def pick(structure):
        return nest.map_structure(lambda t: _slice(t, workers, index), structure)

    if isinstance(dataset.element_spec, tuple) and len(dataset.element_spec) == 2:
        return dataset.map(lambda features, labels: (pick(features), pick(labels)))
    return dataset.map(pick)


def _scope(strategy, group=None):
    from tfedu.distribute.distribute_lib import _ReplicaScope

    return _ReplicaScope(strategy, 0, group, 0 if group is not None else None)


def building(strategy):
    """Build the model in this worker's replica context (the optimizer all-reduces)."""
    return contextlib.nullcontext() if strategy is None else _scope(strategy)


def running(strategy):
    """Run the session where the graph's collectives find the other workers."""
    if strategy is None:
        return contextlib.nullcontext()
    from tfedu.distribute.collective import LocalGroup

    return _scope(strategy, LocalGroup(1, cross=strategy.extended._cross))


def sync_initial_values(sess, strategy):
    """Every worker takes the chief's starting values, initialised or restored.

    Always a broadcast, even after a restore: a worker that starts late may already see a
    checkpoint the chief wrote while it was importing, and would otherwise skip the collectives
    the chief runs (and start from a later step), leaving the two out of step."""
    if strategy is None or strategy.extended._cross is None:
        return
    comm = strategy.extended._cross
    for v in tf.compat.v1.global_variables():
        value = comm.broadcast(sess.run(v), root=0)
        if hasattr(v, "_snapshot"):
            sess._set_variable(v, value)
        else:
            v.assign(value)
