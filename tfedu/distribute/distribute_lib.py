"""Strategies, their scopes, replica contexts, `ReduceOp` and `InputContext`.

Code is either in a *cross-replica* context (inside `with strategy.scope():`, outside
`strategy.run`) or in a *replica* context (inside `strategy.run(fn)`, once per replica).
Without any strategy, the default strategy (one replica, the plain program) applies, so
library code can always ask `tf.distribute.get_strategy()` and `get_replica_context()`.
"""

from __future__ import annotations

import enum
import threading

import numpy as np

from tfedu.distribute import collective
from tfedu.distribute.values import DistributedValues, PerReplica, mirror_variable
from tfedu.framework import variables as _variables
from tfedu.framework.context import _state

__all__ = ["ReduceOp", "Strategy", "StrategyExtended", "ReplicaContext", "InputContext",
           "get_strategy", "get_replica_context", "in_cross_replica_context", "has_strategy"]


class ReduceOp(enum.Enum):
    """How values from the replicas combine: `SUM` or `MEAN`."""

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation):
        return ReduceOp.MEAN if aggregation == _variables.VariableAggregation.MEAN \
            else ReduceOp.SUM


def _reduce_op(op):
    if isinstance(op, ReduceOp):
        return op
    try:
        return ReduceOp(str(op).upper())
    except ValueError:
        raise ValueError(f"Unknown reduce op: {op!r}; use tf.distribute.ReduceOp.SUM or "
                         "MEAN.") from None


# ------------------------------------------------------------------------------------------
# Per-thread state: the entered scopes and the replica being run
# ------------------------------------------------------------------------------------------

_tls = threading.local()


def _scopes():
    s = getattr(_tls, "scopes", None)
    if s is None:
        s = _tls.scopes = []
    return s


def _replica():
    """(strategy, replica index) of the replica this thread runs, or None."""
    return getattr(_tls, "replica", None)


class _ReplicaScope:
    """Run code as replica `index` of `strategy` (in this thread)."""

    def __init__(self, strategy, index, group=None, rank=None):
        self.strategy, self.index, self.group, self.rank = strategy, index, group, rank

    def __enter__(self):
        self._saved = (_replica(), collective.current_group())
        _tls.replica = (self.strategy, self.index)
        if self.group is not None:
            collective.set_group(self.group, self.rank)
        return self

    def __exit__(self, *exc):
        _tls.replica = self._saved[0]
        collective.set_group(*self._saved[1])
        return False


def get_strategy():
    """The strategy of the current scope or replica; the default strategy otherwise."""
    r = _replica()
    if r is not None:
        return r[0]
    s = _scopes()
    return s[-1] if s else _default_strategy()


def has_strategy():
    return get_strategy() is not _default_strategy()


def in_cross_replica_context():
    return _replica() is None and bool(_scopes())


def get_replica_context():
    """The `ReplicaContext` inside `strategy.run`; None in a strategy's cross-replica scope."""
    r = _replica()
    if r is not None:
        return r[0]._replica_context(r[1])
    if _scopes():
        return None
    return _default_strategy()._replica_context(0)


def _variable_created(var):
    """Called for every new `tf.Variable`: a mirroring strategy's scope mirrors it."""
    strategy = get_strategy()
    ext = strategy.extended
    if ext._mirrors_variables and not getattr(var, "_mirrored", False):
        mirror_variable(var, strategy, ext._num_local, ext._initial_value_hook())


_variables.variable_creation_hook = _variable_created


# ------------------------------------------------------------------------------------------
# Strategy
# ------------------------------------------------------------------------------------------


class _Scope:
    def __init__(self, strategy):
        self._strategy = strategy

    def __enter__(self):
        cur = get_strategy()
        if cur is not _default_strategy() and cur is not self._strategy:
            raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {cur} is not "
                               f"{self._strategy}")
        _scopes().append(self._strategy)
        self._strategy.extended._initialize()
        return self._strategy

    def __exit__(self, *exc):
        _scopes().pop()
        return False


class StrategyExtended:
    """`strategy.extended`: devices and the lower-level operations."""

    _mirrors_variables = False

    def __init__(self, strategy, devices):
        self._strategy = strategy
        self._devices = tuple(devices)
        self._num_local = len(self._devices)

    def _initialize(self):
        pass

    @property
    def worker_devices(self):
        return self._devices

    @property
    def parameter_devices(self):
        return self._devices

    @property
    def _num_workers(self):
        return 1

    def _initial_value_hook(self):
        return None

    def _current_index(self):
        r = _replica()
        if r is not None and r[0] is self._strategy and r[1] is not None:
            return r[1]
        return 0

    def _write_index(self):
        r = _replica()
        if r is not None and r[0] is self._strategy and r[1] is not None:
            return r[1]
        return None

    def _cross_all_reduce(self, arrays):
        """Sum arrays over the workers (cross-replica code on each worker)."""
        return arrays

    @property
    def experimental_require_static_shapes(self):
        return False

    def variable_created_in_scope(self, v):
        return getattr(v, "_strategy", None) is self._strategy

    def reduce_to(self, reduce_op, value, destinations=None, options=None):
        return self._strategy.reduce(reduce_op, value, axis=None)

    def update(self, var, fn, args=(), kwargs=None, group=True):
        kwargs = kwargs or {}
        return fn(var, *args, **kwargs)


class ReplicaContext:
    """What code inside `strategy.run` sees (`tf.distribute.get_replica_context()`)."""

    def __init__(self, strategy, replica_id_in_sync_group):
        self._strategy = strategy
        self._replica_id = replica_id_in_sync_group

    @property
    def strategy(self):
        return self._strategy

    @property
    def num_replicas_in_sync(self):
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self):
        """This replica's index, as an int32 tensor (computed when the replica runs)."""
        from tfedu.distribute import mirrored_strategy

        return mirrored_strategy.replica_id_tensor(self._strategy, self._replica_id)

    @property
    def devices(self):
        devs = self._strategy.extended.worker_devices
        return (devs[self._replica_id if self._replica_id is not None else 0],)

    def all_reduce(self, reduce_op, value, options=None):
        """Combine `value` (a structure of tensors) over all replicas; every replica gets it."""
        from tfedu.framework import nest

        op = _reduce_op(reduce_op)
        flat = nest.flatten(value)
        if self._strategy.num_replicas_in_sync == 1:
            return value
        outs = collective.all_reduce(flat, op.value)
        return nest.pack_sequence_as(value, outs)

    def merge_call(self, merge_fn, args=(), kwargs=None):
        """Run `merge_fn(strategy, *args)` in cross-replica context (for this replica: each
        replica merges its own values, and cross-replica reductions are collectives)."""
        kwargs = kwargs or {}
        return merge_fn(self._strategy, *args, **kwargs)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>"


class _DefaultReplicaContext(ReplicaContext):
    @property
    def replica_id_in_sync_group(self):
        return 0


class Strategy:
    """The base of all strategies (`tf.distribute.Strategy`)."""

    _extended_class = StrategyExtended

    def __init__(self, devices=("/job:localhost/replica:0/task:0/device:CPU:0",)):
        self._extended = self._extended_class(self, devices)

    @property
    def extended(self):
        return self._extended

    @property
    def num_replicas_in_sync(self):
        return self._extended._num_local * self._extended._num_workers

    def scope(self):
        """Enter to create variables, models and optimizers for this strategy."""
        return _Scope(self)

    def _replica_context(self, index):
        return ReplicaContext(self, index)

    def experimental_local_results(self, value):
        if isinstance(value, DistributedValues):
            return value.values
        if getattr(value, "_mirrored", False):
            return value.values
        return (value,)

    def run(self, fn, args=(), kwargs=None, options=None):
        """Run `fn` once per replica: on the default strategy, once, in replica context."""
        kwargs = kwargs or {}
        with _ReplicaScope(self, 0):
            return fn(*args, **kwargs)

    def reduce(self, reduce_op, value, axis=None):
        """Combine per-replica values: over replicas (`axis=None`), or over a batch axis too."""
        from tfedu.framework import nest

        op = _reduce_op(reduce_op)
        return nest.map_structure(lambda v: self._reduce_one(op, v, axis), value)

    def _reduce_one(self, op, value, axis):
        import tfedu as tf

        parts = [tf.convert_to_tensor(v) for v in self.experimental_local_results(value)]
        if not isinstance(value, DistributedValues) and self.num_replicas_in_sync > 1 \
                and op is ReduceOp.SUM:
            raise ValueError(f"A non-DistributedValues value {value} cannot be reduced with "
                             f"the given reduce op {op}.")
        if not isinstance(value, DistributedValues):
            return parts[0]
        if axis is None:
            total = tf.add_n(parts) if len(parts) > 1 else parts[0]
            total = self._extended._cross_sum(total)
            if op is ReduceOp.MEAN:
                total = total / tf.cast(self.num_replicas_in_sync, total.dtype)
            return total
        sums = tf.add_n([tf.reduce_sum(p, axis=axis) for p in parts])
        sums = self._extended._cross_sum(sums)
        if op is ReduceOp.SUM:
            return sums
        count = sum(int(np.prod([p.shape[a] for a in np.atleast_1d(axis)])) for p in parts)
        count = self._extended._cross_count(count)
        return sums / tf.cast(count, sums.dtype)

    def experimental_distribute_dataset(self, dataset, options=None):
        from tfedu.distribute import input_lib

        return input_lib.DistributedDataset(self, dataset)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        from tfedu.distribute import input_lib

        return input_lib.DistributedDatasetsFromFunction(self, dataset_fn)

    def experimental_distribute_values_from_function(self, value_fn):
        ctxs = [ValueContext(i, self.num_replicas_in_sync)
                for i in range(self._extended._num_local)]
        return PerReplica([value_fn(c) for c in ctxs])

    def gather(self, value, axis):
        import tfedu as tf

        return tf.concat([tf.convert_to_tensor(v)
                          for v in self.experimental_local_results(value)], axis)


StrategyExtended._cross_sum = lambda self, t: t
StrategyExtended._cross_count = lambda self, n: n


class _DefaultExtended(StrategyExtended):
    pass


class _DefaultDistributionStrategy(Strategy):
    """The strategy in force without any: one replica, the program as written."""

    _extended_class = _DefaultExtended

    def _replica_context(self, index):
        return _DefaultReplicaContext(self, 0)

    def scope(self):
        return _DefaultScope()


class _DefaultScope:
    def __enter__(self):
        return _default_strategy()

    def __exit__(self, *exc):
        return False


_DEFAULT = []


def _default_strategy():
    if not _DEFAULT:
        _DEFAULT.append(_DefaultDistributionStrategy())
    return _DEFAULT[0]


# ------------------------------------------------------------------------------------------
# InputContext
# ------------------------------------------------------------------------------------------


class InputContext:
    """What `distribute_datasets_from_function` passes to the dataset function."""

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        self._num_input_pipelines = num_input_pipelines
        self._input_pipeline_id = input_pipeline_id
        self._num_replicas_in_sync = num_replicas_in_sync

    @property
    def num_input_pipelines(self):
        return self._num_input_pipelines

    @property
    def input_pipeline_id(self):
        return self._input_pipeline_id

    @property
    def num_replicas_in_sync(self):
        return self._num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size):
        if global_batch_size % self._num_replicas_in_sync != 0:
            raise ValueError(f"The `global_batch_size` {global_batch_size} is not divisible by "
                             f"`num_replicas_in_sync` {self._num_replicas_in_sync}")
        return global_batch_size // self._num_replicas_in_sync

    def __str__(self):
        return (f"tf.distribute.InputContext(input pipeline id {self._input_pipeline_id}, "
                f"total: {self._num_input_pipelines})")


class ValueContext:
    def __init__(self, replica_id_in_sync_group=0, num_replicas_in_sync=1):
        self.replica_id_in_sync_group = replica_id_in_sync_group
        self.num_replicas_in_sync = num_replicas_in_sync


def _is_building_graph():
    return _state.graph is not None



StrategyExtended._worker_index = lambda self: 0
