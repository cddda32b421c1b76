"""`MirroredStrategy`: synchronous data parallelism over replica threads in one process.

Each replica is a thread with its own copy of every variable (`MirroredVariable`) and its own
slice of each global batch. Gradients are all-reduced (summed) across replicas, and every
replica applies the same update to its own copy, so the copies stay equal.

`strategy.run(fn)` inside a `tf.function` traces `fn` once, into its own function, and adds
one `ReplicaRun` op to the graph: the op runs that function's execution plan on every replica
thread at once (TF inlines the replicas into the graph and runs them with its inter-op thread
pool; tfedu's plans run their steps in order, so the replicas are kept together in one op).
The all-reduce inside is a `CollectiveAllReduce` op where the threads meet. Eager
`strategy.run` runs the replicas one after another, handing over at each all-reduce, as TF's
eager MirroredStrategy does (and, like TF, warns that it is slow: wrap it in `tf.function`).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tfedu.distribute import collective, device
from tfedu.distribute.distribute_lib import (
    Strategy,
    StrategyExtended,
    _replica,
    _ReplicaScope,
)
from tfedu.distribute.values import regroup, select_replica
from tfedu.framework import dtypes, errors, nest
from tfedu.framework.context import _state
from tfedu.framework.registry import register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec

__all__ = ["MirroredStrategy", "MirroredExtended", "replica_id_tensor"]

logger = logging.getLogger("tensorflow")
_EAGER_WARNING = ("Using MirroredStrategy eagerly has significant overhead currently. We will "
                  "be working on improving this in the future, but for now please wrap "
                  "`call_for_each_replica` or `experimental_run` or `run` inside a tf.function "
                  "to get the best performance.")


# ------------------------------------------------------------------------------------------
# Ops: the replica id, and running one traced function on every replica thread
# ------------------------------------------------------------------------------------------


def _replica_id_kernel(**_):
    r = _replica()
    return np.int32(r[1] if r is not None and r[1] is not None else 0)


REPLICA_ID = register_op("ReplicaId", group="distribute", outputs=("id: int32",), stateful=True,
                         export={"graphdef": {"unsupported": "it runs a tfedu distribution strategy's replicas, which "
                                              "TensorFlow's graphs express with its own collective ops"}},
                         infer=lambda op: [(TensorShape([]), dtypes.int32)],
                         kernel=_replica_id_kernel,
                         doc="The index of the replica running this graph (0 outside).")


def _replica_run_kernel(resources, args, f=None, strategy=None, n_args=0):
    return strategy.extended._execute_replicas(f, list(args), n_args, resources)


REPLICA_RUN = register_op(
    "ReplicaRun", group="distribute", inputs=("args: N*T",), outputs=("output: N*T",),
    attrs={"f": None, "strategy": None, "n_args": 0}, stateful=True, uses_resources=True,
    export={"graphdef": {"unsupported": "it runs a tfedu distribution strategy's replicas, which "
                         "TensorFlow's graphs express with its own collective ops"}},
    infer=lambda op: [], kernel=_replica_run_kernel,
    doc="Runs the function `f` once per replica of `strategy`, on all replica threads at once; "
        "inputs are the replicas' arguments one after another, outputs likewise.")


def replica_id_tensor(strategy, index):
    """`replica_id_in_sync_group`: a constant when known, else a `ReplicaId` op."""
    import tfedu as tf

    base = strategy.extended._replica_offset()
    if index is not None:
        return tf.constant(base + index, dtype=tf.int32)
    if _state.graph is None:
        return tf.constant(base + _replica_id_kernel(), dtype=tf.int32)
    from tfedu.framework.execute import execute

    rid = execute(REPLICA_ID, [], {}, default_name="ReplicaId")
    return rid + base if base else rid


# ------------------------------------------------------------------------------------------
# The strategy
# ------------------------------------------------------------------------------------------


class MirroredExtended(StrategyExtended):
    _mirrors_variables = True

    def __init__(self, strategy, devices):
        super().__init__(strategy, devices)
        self._pool = None
        self._pool_lock = threading.Lock()
        self._run_cache = {}
        self._warned = False

    @property
    def _cross(self):
        """The communicator with other workers (None in one process)."""
        return None

    def _replica_offset(self):
        return 0

    def _executor(self):
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=max(1, self._num_local - 1),
                                                thread_name_prefix="replica")
            return self._pool

    def _execute_replicas(self, cf, args, n_args, resources):
        """Run the traced replica function on every replica thread; outputs concatenated."""
        n = self._num_local
        group = collective.LocalGroup(n, cross=self._cross)
        caps = cf._capture_feed()

        def body(i):
            try:
                with _ReplicaScope(self._strategy, i, group, i):
                    return cf._run_arrays(args[i * n_args:(i + 1) * n_args] + caps, resources)
            except BaseException as e:
                group.abort(e)
                raise

        futures = [self._executor().submit(body, i) for i in range(1, n)]
        results, failure = [], None
        for i in range(n):
            try:
                results.append(body(0) if i == 0 else futures[i - 1].result())
            except BaseException as e:
                if failure is None or isinstance(failure, errors.CancelledError):
                    failure = e
        if failure is not None:
            raise failure
        return [a for r in results for a in r]


class MirroredStrategy(Strategy):
    """Synchronous training on several replicas of one machine (`tf.distribute`)."""

    _extended_class = MirroredExtended

    def __init__(self, devices=None, cross_device_ops=None):
        names = device.logical_cpu_names() if devices is None else list(devices)
        if not names:
            raise ValueError("Must specify at least one device.")
        full = [device.canonical_device(d) for d in names]
        if len(set(full)) != len(full):
            raise ValueError("No duplicates allowed in `devices` argument: "
                             f"{tuple(names)}")
        super().__init__(full)
        self._log_devices()

    def _log_devices(self):
        logger.info(f"Using MirroredStrategy with devices {self.extended.worker_devices}")

    def run(self, fn, args=(), kwargs=None, options=None):
        """Run `fn` on every replica, each with its slice of `args`; `PerReplica` results."""
        from tfedu.function.function import Function

        kwargs = kwargs or {}
        if isinstance(fn, Function) and _state.graph is None:
            return self._run_function(fn, args, kwargs)
        if _state.graph is not None:
            return _run_in_graph(self, fn, args, kwargs)
        return _run_lockstep(self, fn, args, kwargs)

    def _run_function(self, fn, args, kwargs):
        """A `tf.function` given to eager `run`: traced once inside a wrapping tf.function."""
        from tfedu.function.function import function

        ext = self.extended
        wrapper = ext._run_cache.get(fn)
        if wrapper is None:
            def call_for_each_replica(a, k):
                return self.run(fn.python_function, a, k)

            wrapper = ext._run_cache[fn] = function(call_for_each_replica)
        return wrapper(tuple(args), dict(kwargs))


def _run_lockstep(strategy, fn, args, kwargs):
    """Eager `run`: replica threads take turns, handing over at each all-reduce."""
    ext = strategy.extended
    n = ext._num_local
    if n > 1 and not ext._warned:
        ext._warned = True
        logger.warning(_EAGER_WARNING)
    group = collective.LocalGroup(n, lockstep=True, cross=ext._cross)
    results, failures = [None] * n, [None] * n

    def body(i):
        try:
            group.wait_turn(i)
            a, k = select_replica(i, (args, kwargs))
            with _ReplicaScope(strategy, i, group, i):
                results[i] = fn(*a, **k)
        except BaseException as e:
            failures[i] = e
            group.abort(e)
        finally:
            group.finish(i)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(1, n)]
    for t in threads:
        t.start()
    body(0)
    for t in threads:
        t.join()
    real = [e for e in failures if e is not None and not isinstance(e, errors.CancelledError)]
    if real or any(failures):
        raise (real or [e for e in failures if e is not None])[0]
    return regroup(results)


def _common_shape(shapes):
    dims = [s.as_list() if s.rank is not None else None for s in shapes]
    if any(d is None for d in dims) or len({len(d) for d in dims}) != 1:
        return TensorShape(None)
    return TensorShape([a[0] if len(set(a)) == 1 else None for a in zip(*dims)])


def _run_in_graph(strategy, fn, args, kwargs):
    """`run` while a graph is built: trace `fn` once, add one `ReplicaRun` op."""
    import tfedu as tf
    from tfedu.framework.func_graph import init_scope
    from tfedu.function.concrete_function import create_graph_op
    from tfedu.function.function import function

    n = strategy.extended._num_local
    per = [select_replica(i, (tuple(args), dict(kwargs))) for i in range(n)]
    flats = [nest.flatten(p) for p in per]
    pos = [j for j, x in enumerate(flats[0]) if isinstance(x, (Tensor, np.ndarray))
           or getattr(x, "_is_variable", False)]
    cols = [[tf.convert_to_tensor(flats[i][j]) for i in range(n)] for j in pos]
    specs = [TensorSpec(_common_shape([t.shape for t in col]), col[0].dtype) for col in cols]

    def replica_fn(*tensors):
        leaves = list(flats[0])
        for j, t in zip(pos, tensors):
            leaves[j] = t
        a, k = nest.pack_sequence_as(per[0], leaves)
        with _ReplicaScope(strategy, None):
            return fn(*a, **k)

    with init_scope():
        cf = function(replica_fn).get_concrete_function(*specs)
    inputs = [col[i] for i in range(n) for col in cols]
    m = len(cf.outputs)
    op = create_graph_op(REPLICA_RUN, inputs, {"f": cf, "strategy": strategy, "n_args": len(pos)},
                         [(t.shape, t.dtype) for t in cf.outputs] * n, "ReplicaRun")
    outs = list(op._outputs)
    if m == 0:
        return regroup([cf.structured_outputs] * n) if n else None
    return regroup([cf._pack(outs[i * m:(i + 1) * m]) for i in range(n)])


# ------------------------------------------------------------------------------------------
# Keras `fit` under the strategy
# ------------------------------------------------------------------------------------------


def _keras_train_batch(ext, model, x, y, sw):
    """One `fit` step: split the global batch, run `train_step` on every replica, and merge
    the replicas' losses and predictions for the metrics (weighted by their batch sizes)."""
    import tfedu as tf
    from tfedu.distribute.input_lib import _per_replica, split_batch

    data, yt = _keras_data(x, y, sw)
    n = ext._num_local
    first = ext._worker_index() * n
    parts = split_batch(data, n * ext._num_workers, range(first, first + n))
    fn = _keras_step_function(ext, model, parts)
    out = fn(_per_replica(parts))
    sizes = [int(nest.flatten(p)[0].shape[0]) for p in parts]
    losses = [float(np.asarray(v)) for v in ext._strategy.experimental_local_results(out["loss"])]
    total = ext._cross_numbers([sum(s * v for s, v in zip(sizes, losses)), sum(sizes)])
    preds = nest.map_structure(
        lambda v: tf.concat(list(ext._strategy.experimental_local_results(v)), 0),
        out["y_pred"])
    local_y = None if yt is None else nest.map_structure(
        lambda *ps: tf.concat(list(ps), 0), *[p[1] for p in parts])
    loss = tf.constant(np.float32(total[0] / max(total[1], 1)))
    return {"loss": loss, "y_pred": preds}, local_y


def _keras_data(x, y, sw):
    from tfedu.keras.engine.training import _to_tensor

    xt = nest.map_structure(_to_tensor, x)
    yt = None if y is None else nest.map_structure(_to_tensor, y)
    data = (xt,) if yt is None else ((xt, yt) if sw is None else (xt, yt, _to_tensor(sw)))
    return data, yt


def _keras_step_function(ext, model, parts):
    """`strategy.run(model.train_step)` in a tf.function, traced for any batch size."""
    from tfedu.distribute.values import PerReplica
    from tfedu.function.function import function

    fn = getattr(model, "_distributed_train_function", None)
    if fn is None or model._train_function is None:
        model._step_functions()
        strategy = ext._strategy
        fn = function(lambda data: strategy.run(model.train_step, args=(data,)))
        model._distributed_train_function = fn
        model._distributed_traced = set()
    flat = nest.flatten(parts[0])
    kind = (str(nest.map_structure(lambda t: 0, parts[0])),
            tuple((t.dtype, tuple(t.shape.as_list()[1:])) for t in flat))
    if kind not in model._distributed_traced:
        model._distributed_traced.add(kind)
        specs = nest.pack_sequence_as(parts[0], [
            TensorSpec([None] + t.shape.as_list()[1:], t.dtype) for t in flat])
        fn.get_concrete_function(nest.map_structure(
            lambda s: PerReplica([s] * len(parts)), specs))
    return fn


MirroredExtended._keras_train_batch = _keras_train_batch
MirroredExtended._cross_numbers = lambda self, numbers: numbers
