"""A worker of the multi-worker Estimator test: the same script in every process.

    python mw_estimator.py MODEL_DIR OUT_JSON

Runs train_and_evaluate with RunConfig(train_distribute=MultiWorkerMirroredStrategy()) when
TF_CONFIG names several workers (and plainly without it); the chief writes its final
`logits/kernel` and evaluation to OUT_JSON.
"""

import json
import os
import sys

import numpy as np

import tfedu as tf

model_dir, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
X = rng.normal(size=(120, 4)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64")


def input_fn(repeat=1):
    return lambda: tf.data.Dataset.from_tensor_slices(({"x": X}, Y)).batch(20).repeat(repeat)


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 2, name="logits",
                                       kernel_initializer=tf.compat.v1.zeros_initializer())
    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == tf.estimator.ModeKeys.EVAL:
        acc = tf.compat.v1.metrics.accuracy(labels, tf.argmax(logits, 1))
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops={"accuracy": acc})
    opt = tf.compat.v1.train.GradientDescentOptimizer(0.5)
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=opt.minimize(
        loss, global_step=tf.compat.v1.train.get_global_step()))


distributed = "TF_CONFIG" in os.environ
strategy = tf.distribute.MultiWorkerMirroredStrategy() if distributed else None
config = tf.estimator.RunConfig(train_distribute=strategy, save_checkpoints_steps=5)
est = tf.estimator.Estimator(model_fn, model_dir=model_dir, config=config)
result, _ = tf.estimator.train_and_evaluate(
    est, tf.estimator.TrainSpec(input_fn(3), max_steps=12),
    tf.estimator.EvalSpec(input_fn(), steps=3, throttle_secs=0))
if config.is_chief:
    with open(out, "w") as f:
        json.dump({"kernel": est.get_variable_value("logits/kernel").tolist(),
                   "global_step": int(result["global_step"])}, f)
