"""`tf.compat.v1.metrics`: streaming metrics as (value, update_op) pairs.

Each metric keeps running totals in local variables (collections `local_variables` and
`metric_variables`, zeroed by `tf.compat.v1.local_variables_initializer()`). Running
`update_op` adds one batch and returns the metric so far; `value` reads it without updating.
This is the form `EstimatorSpec(eval_metric_ops={name: (value, update_op)})` takes.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf

__all__ = ["mean", "accuracy", "mean_squared_error", "root_mean_squared_error",
           "mean_absolute_error", "precision", "recall", "auc"]

_COLLECTIONS = ["local_variables", "metric_variables"]


def _variable(name, shape=(), dtype=np.float32):
    return tf.Variable(np.zeros(shape, dtype), trainable=False, name=name,
                       collections=_COLLECTIONS)


def _floats(x):
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


def _aligned(labels, predictions):
    """Labels and predictions with the same rank (a trailing 1 squeezed), as TF aligns them."""
    labels, predictions = tf.convert_to_tensor(labels), tf.convert_to_tensor(predictions)
    lr, pr = labels.shape.rank, predictions.shape.rank
    if lr is not None and pr is not None:
        if lr == pr + 1 and labels.shape.as_list()[-1] == 1:
            labels = tf.squeeze(labels, -1)
        elif pr == lr + 1 and predictions.shape.as_list()[-1] == 1:
            predictions = tf.squeeze(predictions, -1)
    return labels, predictions


def _publish(value, update, metrics_collections, updates_collections):
    g = tf.compat.v1.get_default_graph()
    for c in metrics_collections or []:
        g.add_to_collection(c, value)
    for c in updates_collections or []:
        g.add_to_collection(c, update)
    return value, update


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of all values seen: `total / count`."""
    with tf.compat.v1.variable_scope(name, default_name="mean"):
        values = _floats(values)
        total, count = _variable("total"), _variable("count")
        if weights is None:
            num = tf.cast(tf.size(values), tf.float32)
        else:
            w = _floats(weights) * tf.ones_like(values)
            values, num = values * w, tf.reduce_sum(w)
        update_total = total.assign_add(tf.reduce_sum(values))
        update_count = count.assign_add(num)
        value = tf.math.divide_no_nan(total.read_value(), count.read_value(), name="value")
        update = tf.math.divide_no_nan(update_total, update_count, name="update_op")
    return _publish(value, update, metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """How often `predictions` equals `labels`."""
    labels, predictions = _aligned(labels, predictions)
    if labels.dtype != predictions.dtype:
        predictions = tf.cast(predictions, labels.dtype)
    correct = tf.cast(tf.equal(predictions, labels), tf.float32)
    return mean(correct, weights, metrics_collections, updates_collections,
                name=name or "accuracy")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    labels, predictions = _aligned(labels, predictions)
    err = tf.square(_floats(predictions) - _floats(labels))
    return mean(err, weights, metrics_collections, updates_collections,
                name=name or "mean_squared_error")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    labels, predictions = _aligned(labels, predictions)
    err = tf.abs(_floats(predictions) - _floats(labels))
    return mean(err, weights, metrics_collections, updates_collections,
                name=name or "mean_absolute_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    value, update = mean_squared_error(labels, predictions, weights,
                                       name=name or "root_mean_squared_error")
    return _publish(tf.sqrt(value), tf.sqrt(update), metrics_collections, updates_collections)


def _ratio(labels, predictions, weights, name, false_kind):
    """precision (false positives) or recall (false negatives) of boolean predictions."""
    labels, predictions = _aligned(labels, predictions)
    lab, pred = tf.cast(labels, tf.bool), tf.cast(predictions, tf.bool)
    w = tf.ones_like(_floats(lab)) if weights is None else _floats(weights) * tf.ones_like(
        _floats(lab))
    with tf.compat.v1.variable_scope(name, default_name=name):
        tp, other = _variable("true_positives"), _variable(f"false_{false_kind}")
        tp_b = tf.reduce_sum(w * tf.cast(tf.logical_and(lab, pred), tf.float32))
        miss = tf.logical_and(tf.logical_not(lab), pred) if false_kind == "positives" else \
            tf.logical_and(lab, tf.logical_not(pred))
        other_b = tf.reduce_sum(w * tf.cast(miss, tf.float32))
        u_tp, u_other = tp.assign_add(tp_b), other.assign_add(other_b)
        value = tf.math.divide_no_nan(tp.read_value(), tp.read_value() + other.read_value())
        update = tf.math.divide_no_nan(u_tp, u_tp + u_other)
    return value, update


def precision(labels, predictions, weights=None, metrics_collections=None,
              updates_collections=None, name=None):
    value, update = _ratio(labels, predictions, weights, name or "precision", "positives")
    return _publish(value, update, metrics_collections, updates_collections)


def recall(labels, predictions, weights=None, metrics_collections=None,
           updates_collections=None, name=None):
    value, update = _ratio(labels, predictions, weights, name or "recall", "negatives")
    return _publish(value, update, metrics_collections, updates_collections)


def _auc_value(tp, fn, tn, fp, curve):
    eps = 1e-7
    tpr = (tp + eps) / (tp + fn + eps)
    if curve == "PR":
        x, y = tpr, (tp + eps) / (tp + fp + eps)
    else:
        x, y = fp / (fp + tn + eps), tpr
    return tf.reduce_sum((x[:-1] - x[1:]) * (y[:-1] + y[1:]) / 2.0)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None):
    """Area under the ROC (or PR) curve from confusion counts at `num_thresholds` cuts."""
    labels, predictions = _aligned(labels, predictions)
    cuts = np.concatenate([[-1e-7], (np.arange(1, num_thresholds - 1) /
                                     (num_thresholds - 1)), [1 + 1e-7]]).astype(np.float32)
    lab = tf.reshape(tf.cast(labels, tf.bool), [1, -1])
    above = tf.reshape(_floats(predictions), [1, -1]) > tf.constant(cuts.reshape(-1, 1))
    w = tf.ones_like(_floats(lab)) if weights is None else tf.reshape(_floats(weights), [1, -1])
    counts = {
        "true_positives": tf.logical_and(above, lab),
        "false_negatives": tf.logical_and(tf.logical_not(above), lab),
        "true_negatives": tf.logical_and(tf.logical_not(above), tf.logical_not(lab)),
        "false_positives": tf.logical_and(above, tf.logical_not(lab))}
    with tf.compat.v1.variable_scope(name, default_name="auc"):
        vs, ups = {}, {}
        for k, m in counts.items():
            vs[k] = _variable(k, (num_thresholds,))
            ups[k] = vs[k].assign_add(tf.reduce_sum(w * tf.cast(m, tf.float32), axis=1))
        order = ["true_positives", "false_negatives", "true_negatives", "false_positives"]
        value = _auc_value(*[vs[k].read_value() for k in order], curve)
        update = _auc_value(*[ups[k] for k in order], curve)
    return _publish(value, update, metrics_collections, updates_collections)
