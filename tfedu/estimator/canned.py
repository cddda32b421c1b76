"""Canned Estimators: `DNNClassifier`, `DNNRegressor`, `LinearClassifier`, `LinearRegressor`.

Each is an `Estimator` whose `model_fn` builds the network from `feature_columns` (TF's
variable names: `dnn/hiddenlayer_0/kernel`, `dnn/logits/kernel`, `linear/linear_model/...`)
and a head: softmax (or sigmoid for two classes) cross-entropy for classifiers, mean squared
error for regressors, each averaged over the batch, with TF's evaluation metrics.
"""

from __future__ import annotations

import math

import tfedu as tf
from tfedu.estimator.estimator import Estimator
from tfedu.estimator.model_fn import EstimatorSpec, ModeKeys
from tfedu.feature_column import input_layer

__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor"]

_OPTIMIZERS = {"adagrad": "AdagradOptimizer", "adam": "AdamOptimizer",
               "ftrl": "FtrlOptimizer", "rmsprop": "RMSPropOptimizer",
               "sgd": "GradientDescentOptimizer"}


def _optimizer(spec, default_lr):
    if isinstance(spec, str):
        cls = getattr(tf.compat.v1.train, _OPTIMIZERS[spec.lower()])
        return cls(learning_rate=default_lr)
    return spec() if callable(spec) and not hasattr(spec, "minimize") else spec


def _dnn_logits(features, columns, hidden_units, n_out, activation, dropout, mode):
    with tf.compat.v1.variable_scope("dnn"):
        net = input_layer(features, columns)
        for i, units in enumerate(hidden_units):
            net = tf.compat.v1.layers.dense(net, units, activation=activation,
                                            name=f"hiddenlayer_{i}")
            if dropout and mode == ModeKeys.TRAIN:
                net = tf.nn.dropout(net, rate=dropout)
        return tf.compat.v1.layers.dense(net, n_out, name="logits")


def _linear_logits(features, columns, n_out, mode):
    with tf.compat.v1.variable_scope("linear/linear_model"):
        x = input_layer(features, columns)
        w = tf.compat.v1.get_variable("weights", [x.shape.as_list()[1], n_out],
                                      initializer=tf.compat.v1.zeros_initializer())
        b = tf.compat.v1.get_variable("bias_weights", [n_out],
                                      initializer=tf.compat.v1.zeros_initializer())
        return tf.matmul(x, w) + b


def _classifier_head(logits, labels, n_classes):
    """Per-example loss and predictions of a classifier."""
    if n_classes == 2:
        p = tf.sigmoid(logits)
        preds = {"logits": logits, "logistic": p, "probabilities": tf.concat([1 - p, p], 1),
                 "class_ids": tf.cast(p > 0.5, tf.int64)}
        loss = None if labels is None else tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.cast(tf.reshape(labels, [-1, 1]), tf.float32), logits=logits)
    else:
        preds = {"logits": logits, "probabilities": tf.nn.softmax(logits),
                 "class_ids": tf.reshape(tf.argmax(logits, 1), [-1, 1])}
        loss = None if labels is None else tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(tf.cast(labels, tf.int64), [-1]), logits=logits)
    return loss, preds


def _classifier_metrics(labels, preds, per_example, n_classes):
    m = tf.compat.v1.metrics
    labels = tf.reshape(tf.cast(labels, tf.int64), [-1, 1])
    out = {"accuracy": m.accuracy(labels, preds["class_ids"], name="accuracy"),
           "average_loss": m.mean(per_example, name="average_loss")}
    if n_classes == 2:
        p = preds["logistic"]
        out.update({"auc": m.auc(labels, p, name="auc"),
                    "auc_precision_recall": m.auc(labels, p, curve="PR", name="auc_pr"),
                    "precision": m.precision(labels, preds["class_ids"], name="precision"),
                    "recall": m.recall(labels, preds["class_ids"], name="recall"),
                    "label/mean": m.mean(tf.cast(labels, tf.float32), name="label_mean"),
                    "prediction/mean": m.mean(p, name="prediction_mean")})
    return out


def _spec(mode, preds, per_example, optimizer, metrics_fn):
    if mode == ModeKeys.PREDICT:
        return EstimatorSpec(mode, predictions=preds)
    loss = tf.reduce_mean(per_example)
    if mode == ModeKeys.EVAL:
        return EstimatorSpec(mode, predictions=preds, loss=loss, eval_metric_ops=metrics_fn())
    train_op = optimizer.minimize(loss, global_step=tf.compat.v1.train.get_global_step())
    return EstimatorSpec(mode, predictions=preds, loss=loss, train_op=train_op)


def _classifier_fn(logits_fn, n_classes, make_optimizer):
    def model_fn(features, labels, mode, config):
        logits = logits_fn(features, 1 if n_classes == 2 else n_classes, mode)
        per_example, preds = _classifier_head(logits, labels, n_classes)
        return _spec(mode, preds, per_example, make_optimizer() if labels is not None else None,
                     lambda: _classifier_metrics(labels, preds, per_example, n_classes))
    return model_fn


def _regressor_fn(logits_fn, label_dimension, make_optimizer):
    def model_fn(features, labels, mode, config):
        logits = logits_fn(features, label_dimension, mode)
        preds = {"predictions": logits}
        per_example = None if labels is None else tf.reduce_mean(tf.square(
            logits - tf.reshape(tf.cast(labels, tf.float32), [-1, label_dimension])), axis=1)

        def metrics():
            m = tf.compat.v1.metrics
            return {"average_loss": m.mean(per_example, name="average_loss"),
                    "label/mean": m.mean(tf.cast(labels, tf.float32), name="label_mean"),
                    "prediction/mean": m.mean(logits, name="prediction_mean")}
        return _spec(mode, preds, per_example,
                     make_optimizer() if labels is not None else None, metrics)
    return model_fn


def _linear_lr(columns):
    return min(0.2, 1.0 / math.sqrt(max(1, len(columns))))


class DNNClassifier(Estimator):
    """A feed-forward network classifier (`hidden_units` ReLU layers, then logits)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2,
                 weight_column=None, label_vocabulary=None, optimizer="Adagrad",
                 activation_fn=None, dropout=None, config=None, warm_start_from=None,
                 loss_reduction=None, batch_norm=False):
        act = activation_fn or tf.nn.relu

        def logits(features, n_out, mode):
            return _dnn_logits(features, feature_columns, hidden_units, n_out, act, dropout,
                               mode)
        super().__init__(_classifier_fn(logits, n_classes, lambda: _optimizer(optimizer, 0.05)),
                         model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class DNNRegressor(Estimator):
    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1,
                 weight_column=None, optimizer="Adagrad", activation_fn=None, dropout=None,
                 config=None, warm_start_from=None, loss_reduction=None, batch_norm=False):
        act = activation_fn or tf.nn.relu

        def logits(features, n_out, mode):
            return _dnn_logits(features, feature_columns, hidden_units, n_out, act, dropout,
                               mode)
        super().__init__(_regressor_fn(logits, label_dimension,
                                       lambda: _optimizer(optimizer, 0.05)),
                         model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class LinearClassifier(Estimator):
    """Logistic (or softmax) regression on the feature columns."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Ftrl", config=None, warm_start_from=None,
                 loss_reduction=None, sparse_combiner="sum"):
        def logits(features, n_out, mode):
            return _linear_logits(features, feature_columns, n_out, mode)
        lr = _linear_lr(feature_columns)
        super().__init__(_classifier_fn(logits, n_classes, lambda: _optimizer(optimizer, lr)),
                         model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class LinearRegressor(Estimator):
    """Linear regression on the feature columns (mean squared error)."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Ftrl", config=None, warm_start_from=None, loss_reduction=None,
                 sparse_combiner="sum"):
        def logits(features, n_out, mode):
            return _linear_logits(features, feature_columns, n_out, mode)
        lr = _linear_lr(feature_columns)
        super().__init__(_regressor_fn(logits, label_dimension,
                                       lambda: _optimizer(optimizer, lr)),
                         model_dir=model_dir, config=config, warm_start_from=warm_start_from)
