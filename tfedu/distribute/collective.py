"""Collectives: replicas meet to all-reduce, whether they are threads or processes.

Every replica runs the same program (SPMD) and calls the same collectives in the same order,
so the k-th all-reduce of each replica pairs up with the k-th of the others: no names to agree
on. Two ways of running the replica threads of one process:

- **parallel** (a traced `strategy.run`): every replica thread runs its execution plan at
  once; numpy/BLAS and the Numba kernels release the GIL, so replicas overlap on several cores.
  The k-th all-reduce waits until every replica has brought its arrays, then sums them in
  replica order (so every replica gets the same bits, and its copy of each variable stays
  equal to the others').
- **lockstep** (an eager `strategy.run`, as TF runs replicas eagerly): one replica thread runs
  at a time, handing over at each collective; Python side effects happen replica by replica.

Across processes (`MultiWorkerMirroredStrategy`) the local sum is then all-reduced with the
other workers through a communicator (`tfedu.distribute.mpi`).
"""

from __future__ import annotations

import threading

import numpy as np

from tfedu.framework import errors
from tfedu.framework.registry import register_op
from tfedu.framework.tensor import _wrap

__all__ = ["LocalGroup", "all_reduce", "COLLECTIVE_ALL_REDUCE"]


class LocalGroup:
    """The `n` replica threads of one `strategy.run` call (plus, maybe, other workers)."""

    def __init__(self, n, lockstep=False, cross=None):
        self.n, self.lockstep, self.cross = n, lockstep, cross
        self.cv = threading.Condition()
        self.pending = {}  # k -> [arrays per rank]
        self.results = {}  # k -> [reduced arrays, readers left]
        self.counter = [0] * n
        self.turn, self.done, self.error = 0, [False] * n, None

    # --- lockstep scheduling ---------------------------------------------------------------
    def _next_turn(self, rank):
        for j in range(1, self.n + 1):
            k = (rank + j) % self.n
            if not self.done[k]:
                return k
        return rank

    def wait_turn(self, rank):
        with self.cv:
            self.cv.wait_for(lambda: self.turn == rank or self.error is not None)
            self._check()

    def finish(self, rank):
        with self.cv:
            self.done[rank] = True
            self.turn = self._next_turn(rank)
            self.cv.notify_all()

    def abort(self, exc):
        with self.cv:
            if self.error is None:
                self.error = exc
            self.cv.notify_all()

    def _check(self):
        if self.error is not None:
            raise errors.CancelledError(
                None, None, f"Collective ops is aborted by: {self.error}") from None

    # --- all-reduce ------------------------------------------------------------------------
    def all_reduce(self, rank, arrays, reduction="SUM"):
        """The sum (or mean) over replicas (and workers) of each array in `arrays`."""
        k = self.counter[rank]
        self.counter[rank] += 1
        with self.cv:
            self._check()
            slot = self.pending.setdefault(k, [None] * self.n)
            slot[rank] = arrays
            if all(s is not None for s in slot):
                self._reduce(k, slot, reduction)
            elif self.lockstep:
                self.turn = self._next_turn(rank)
                self.cv.notify_all()
                self.cv.wait_for(lambda: self.turn == rank or self.error is not None)
                self._check()
                if k not in self.results:
                    raise errors.InternalError(
                        None, None, "Replicas did not reach the same collectives: one replica "
                        "finished while another waited in an all-reduce.")
            else:
                self.cv.wait_for(lambda: k in self.results or self.error is not None)
                self._check()
            entry = self.results[k]
            entry[1] -= 1
            if entry[1] == 0:
                del self.results[k]
            return entry[0]

    def _reduce(self, k, slot, reduction):
        del self.pending[k]
        out = []
        for parts in zip(*slot):
            acc = np.array(parts[0], copy=True)
            for p in parts[1:]:
                acc += p
            out.append(acc)
        total = self.n
        if self.cross is not None:
            out = self.cross.all_reduce(out)
            total *= self.cross.size
        if reduction == "MEAN":
            out = [(a / total).astype(a.dtype, copy=False) for a in out]
        self.results[k] = [out, self.n]
        self.cv.notify_all()


_tls = threading.local()


def current_group():
    """(group, rank) of the replica this thread runs, or (None, None)."""
    return getattr(_tls, "group", None), getattr(_tls, "rank", None)


def set_group(group, rank):
    _tls.group, _tls.rank = group, rank


def all_reduce_arrays(arrays, reduction="SUM"):
    group, rank = current_group()
    if group is None:
        return [np.asarray(a) for a in arrays]
    return group.all_reduce(rank, [np.asarray(a) for a in arrays], reduction)


def _kernel(values, reduction="SUM", **_):
    return all_reduce_arrays(list(values), reduction)


COLLECTIVE_ALL_REDUCE = register_op(
    "CollectiveAllReduce", group="distribute", inputs=("input: N*T",), outputs=("output: N*T",),
    attrs={"reduction": "SUM"}, stateful=True,
    export={"graphdef": {"unsupported": "it runs a tfedu distribution strategy's replicas, which "
                         "TensorFlow's graphs express with its own collective ops"}},
    infer=lambda op: [(t.shape, t.dtype) for t in op.inputs],
    kernel=_kernel,
    doc="All-reduce of a list of tensors across the replicas (threads and workers) of a "
        "strategy; TF packs gradients into a few CollectiveReduceV2 ops the same way.")


def all_reduce(tensors, reduction="SUM"):
    """All-reduce `tensors` (a list) across the replicas: eager or in the graph being built."""
    from tfedu.framework.context import _state
    from tfedu.framework.convert import convert_to_tensor

    tensors = [convert_to_tensor(t) for t in tensors]
    if not tensors:
        return []
    if _state.graph is None:
        outs = all_reduce_arrays([t._value for t in tensors], reduction)
        return [_wrap(np.asarray(a, dtype=t._value.dtype), t.dtype)
                for a, t in zip(outs, tensors)]
    from tfedu.function.concrete_function import create_graph_op

    op = create_graph_op(COLLECTIVE_ALL_REDUCE, tensors, {"reduction": reduction},
                         [(t.shape, t.dtype) for t in tensors], "CollectiveAllReduce")
    return list(op._outputs)


def _cross_kernel(values, communicator=None, **_):
    return communicator.all_reduce([np.asarray(v) for v in values])


CROSS_WORKER_ALL_REDUCE = register_op(
    "CrossWorkerAllReduce", group="distribute", inputs=("input: N*T",), outputs=("output: N*T",),
    attrs={"communicator": None}, stateful=True,
    export={"graphdef": {"unsupported": "it runs a tfedu distribution strategy's replicas, which "
                         "TensorFlow's graphs express with its own collective ops"}},
    infer=lambda op: [(t.shape, t.dtype) for t in op.inputs], kernel=_cross_kernel,
    doc="Sum over the workers of a multi-worker strategy (cross-replica code such as "
        "strategy.reduce in a tf.function).")


def cross_worker_all_reduce(tensors, communicator):
    from tfedu.function.concrete_function import create_graph_op

    op = create_graph_op(CROSS_WORKER_ALL_REDUCE, tensors, {"communicator": communicator},
                         [(t.shape, t.dtype) for t in tensors], "CrossWorkerAllReduce")
    return list(op._outputs)
