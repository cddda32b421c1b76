"""tf.distribute and tf.config devices: one script, run by TensorFlow 2.21 and by tfedu.

The script prints what a student sees (reprs, splits of uneven batches, reductions, error
messages); both outputs must agree once object addresses and module paths are set aside.
"""

import json
import re

import pytest

from tests.interop import tfside

SCRIPT = r'''
import json, sys
import numpy as np
tf = __import__(sys.argv[1] if len(sys.argv) > 1 else "tensorflow")
out = {}
cpus = tf.config.list_physical_devices("CPU")
out["physical"] = repr(cpus)
tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)
out["logical"] = repr(tf.config.list_logical_devices("CPU"))
out["gpus"] = repr(tf.config.list_physical_devices("GPU"))
out["ldc"] = repr(tf.config.LogicalDeviceConfiguration())
try:
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 3)
except RuntimeError as e:
    out["after_init"] = str(e)
out["default"] = [repr(tf.distribute.get_strategy()), tf.distribute.get_strategy().num_replicas_in_sync,
                  repr(tf.distribute.get_replica_context())]
s = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
out["mirrored"] = [repr(s), s.num_replicas_in_sync, list(s.extended.worker_devices)]
out["mirrored_default_devices"] = list(tf.distribute.MirroredStrategy().extended.worker_devices)
with s.scope():
    v = tf.Variable(1.0)
    out["in_scope"] = [tf.distribute.get_strategy() is s, tf.distribute.in_cross_replica_context(),
                       repr(tf.distribute.get_replica_context())]
out["mirrored_variable"] = [repr(v), str(v), type(v).__name__, v.name]
out["local_results"] = repr(s.experimental_local_results(v))
splits = []
for gb in [4, 3, 5, 1]:
    for x in s.experimental_distribute_dataset(tf.data.Dataset.range(gb).batch(gb)):
        splits.append(repr(x))
out["splits"] = splits
x = next(iter(s.experimental_distribute_dataset(tf.data.Dataset.range(8).batch(4))))
out["per_replica_str"] = str(x)
r = s.run(lambda t: tf.cast(t, tf.float32) * 2.0, args=(x,))
out["run"] = repr(r)
out["reduce"] = [str(s.reduce(tf.distribute.ReduceOp.SUM, r, axis=None)),
                 str(s.reduce(tf.distribute.ReduceOp.SUM, r, axis=0)),
                 str(s.reduce(tf.distribute.ReduceOp.MEAN, r, axis=0)),
                 str(s.reduce("MEAN", r, axis=None))]
out["reduce_op"] = [str(tf.distribute.ReduceOp.SUM), repr(tf.distribute.ReduceOp.MEAN)]
out["replica_ids"] = str(s.run(lambda: tf.distribute.get_replica_context().replica_id_in_sync_group))
def ar():
    ctx = tf.distribute.get_replica_context()
    return ctx.all_reduce("SUM", tf.cast(ctx.replica_id_in_sync_group, tf.float32) + 1.0)
out["all_reduce"] = str(s.run(ar))
@tf.function
def traced(t):
    r = s.run(lambda u: tf.cast(u, tf.float32) * 2.0, args=(t,))
    return s.reduce("SUM", r, axis=None)
out["traced_reduce"] = str(traced(x))
out["losses"] = [str(tf.nn.compute_average_loss([1.0, 2.0, 3.0], global_batch_size=4)),
                 str(s.run(lambda: tf.nn.compute_average_loss([1.0, 2.0]))),
                 str(s.run(lambda: tf.nn.scale_regularization_loss(4.0)))]
def ctxinfo(ic):
    out["input_context"] = [ic.num_input_pipelines, ic.input_pipeline_id, ic.num_replicas_in_sync,
                            ic.get_per_replica_batch_size(8)]
    return tf.data.Dataset.range(8).batch(4)
out["from_function"] = repr(next(iter(s.distribute_datasets_from_function(ctxinfo))))
s2 = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with s.scope():
    try:
        with s2.scope():
            pass
    except RuntimeError as e:
        out["mixing"] = str(e).replace(repr(s), "OUTER").replace(repr(s2), "INNER")
od = tf.distribute.OneDeviceStrategy("/cpu:0")
with od.scope():
    ov = tf.Variable(2.0)
out["one_device"] = [od.num_replicas_in_sync, repr(od.run(lambda: tf.constant(1.0))), repr(ov)]
with tf.device("/cpu:1"):
    pass
try:
    with tf.device("/foo:0"):
        pass
except ValueError as e:
    out["bad_device"] = str(e)
v.assign(5.0)
out["assigned"] = repr(v)
print(json.dumps(out))
'''


def _normalise(value):
    text = json.dumps(value)
    text = re.sub(r" at 0x[0-9a-f]+", " at 0x", text)
    return re.sub(r"<(tensorflow\.python|tfedu)\.distribute\.[a-z_]+\.", "<", text)


@pytest.fixture(scope="module")
def outputs(tf_side, tmp_path_factory):
    path = tmp_path_factory.mktemp("distribute") / "probe.py"
    path.write_text(SCRIPT)
    theirs = tfside.run_tf(f"import runpy, sys; sys.argv = ['p', 'tensorflow']; "
                           f"runpy.run_path({str(path)!r})").stdout.strip().splitlines()[-1]
    ours = tfside.run_tfedu(f"import runpy, sys; sys.argv = ['p', 'tfedu']; "
                            f"runpy.run_path({str(path)!r})").stdout.strip().splitlines()[-1]
    return json.loads(theirs), json.loads(ours)


KEYS = ["physical", "logical", "gpus", "ldc", "after_init", "mirrored", "mirrored_default_devices",
        "in_scope", "mirrored_variable", "local_results", "splits", "per_replica_str", "run",
        "reduce", "reduce_op", "replica_ids", "all_reduce", "traced_reduce", "losses",
        "input_context", "from_function", "mixing", "one_device", "bad_device", "assigned"]


@pytest.mark.parametrize("key", KEYS)
def test_same_as_tensorflow(outputs, key):
    theirs, ours = outputs
    assert _normalise(ours[key]) == _normalise(theirs[key])


def test_default_strategy_classes(outputs):
    theirs, ours = outputs
    assert _normalise(ours["default"]) == _normalise(theirs["default"])
