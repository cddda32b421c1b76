"""`MultiWorkerMirroredStrategy`: the mirrored strategy across worker processes.

Every worker runs the same program with its own `TF_CONFIG` task index; each has one local
replica (its own thread group of one) and its copy of every variable. Variables start from
worker 0's values (broadcast when they are created), each global batch is split so that the
workers' replicas together see it once, and gradients are summed over the workers by MPI
(`tfedu.distribute.mpi`) inside the same `CollectiveAllReduce` op MirroredStrategy uses.
Worker 0 (or the `chief` task) is the chief: it writes checkpoints and summaries; the other
workers write theirs to temporary directories (`write_dirpath`).
"""

from __future__ import annotations

import os

import numpy as np

from tfedu.distribute import mpi
from tfedu.distribute.cluster_resolver import TFConfigClusterResolver, worker_list
from tfedu.distribute.mirrored_strategy import MirroredExtended, MirroredStrategy, logger

__all__ = ["MultiWorkerMirroredStrategy", "write_dirpath", "is_chief"]


class CollectiveAllReduceExtended(MirroredExtended):
    def __init__(self, strategy, devices):
        super().__init__(strategy, devices)
        self._comm = None
        self._rank, self._workers = 0, 1

    @property
    def _cross(self):
        return self._comm

    @property
    def _num_workers(self):
        return self._workers

    def _worker_index(self):
        return self._rank

    def _replica_offset(self):
        return self._rank * self._num_local

    def _initial_value_hook(self):
        comm = self._comm
        return None if comm is None else (lambda arr: comm.broadcast(arr, root=0))

    def _cross_sum(self, t):
        if self._comm is None:
            return t
        import tfedu as tf
        from tfedu.distribute import collective

        if not tf.executing_eagerly():
            return collective.cross_worker_all_reduce([t], self._comm)[0]
        return tf.constant(self._comm.all_reduce([np.asarray(t)])[0])

    def _cross_count(self, n):
        if self._comm is None:
            return n
        return int(self._comm.all_reduce([np.asarray(n, np.int64)])[0])

    def _cross_numbers(self, numbers):
        if self._comm is None:
            return numbers
        return list(self._comm.all_reduce([np.asarray(numbers, np.float64)])[0])

    @property
    def should_checkpoint(self):
        return self._strategy._is_chief

    @property
    def should_save_summary(self):
        return self._strategy._is_chief

    def _in_multi_worker_mode(self):
        return self._workers > 1


class MultiWorkerMirroredStrategy(MirroredStrategy):
    """Synchronous training across the workers listed in `TF_CONFIG` (`tf.distribute`)."""

    _extended_class = CollectiveAllReduceExtended

    def __init__(self, communication_options=None, cluster_resolver=None):
        resolver = cluster_resolver or TFConfigClusterResolver()
        self._cluster_resolver = resolver
        workers = worker_list(resolver.cluster_spec())
        task = (resolver.task_type, resolver.task_id)
        if workers and task[0] not in ("chief", "worker"):
            raise ValueError(f"Unrecognized task_type: {task[0]!r}, valid task types are: "
                             "\"chief\", \"worker\", \"evaluator\" and \"ps\".")
        rank = next((i for i, (t, k, _) in enumerate(workers) if (t, k) == task), 0)
        job, index = (task[0], task[1]) if workers else ("localhost", 0)
        super().__init__([f"/job:{job}/replica:0/task:{index}/device:CPU:0"])
        ext = self.extended
        ext._rank, ext._workers = rank, max(1, len(workers))
        self._is_chief = rank == 0
        if ext._workers > 1:
            reason = mpi.available()
            if reason:
                raise ImportError(reason)
            mpi.ensure_process_manager()
            ext._comm = mpi.Communicator([a for _, _, a in workers], rank)
            logger.info(f"MultiWorkerMirroredStrategy with cluster_spec = "
                        f"{resolver.cluster_spec().as_dict()}, task_type = {task[0]!r}, "
                        f"task_id = {task[1]!r}, num_workers = {ext._workers}")

    def _log_devices(self):
        pass

    @property
    def cluster_resolver(self):
        return self._cluster_resolver


def is_chief(strategy) -> bool:
    return getattr(strategy, "_is_chief", True)


def write_dirpath(dirpath, strategy):
    """Where this worker writes: `dirpath` on the chief, a temporary subdirectory elsewhere
    (TF's pattern: only the chief's checkpoints are kept)."""
    if is_chief(strategy):
        return dirpath
    rank = strategy.extended._worker_index()
    return os.path.join(dirpath, f"workertemp_{rank}")
