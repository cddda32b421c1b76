"""`tf.compat.v1.losses`: TF 1.x loss functions (weighted, reduced, added to `LOSSES`).

The default reduction, SUM_BY_NONZERO_WEIGHTS, is the weighted sum divided by the number of
non-zero weights: with the default `weights=1.0`, the mean.
"""

from __future__ import annotations

from tfedu.framework.graph import GraphKeys

__all__ = ["Reduction", "compute_weighted_loss", "mean_squared_error", "absolute_difference",
           "softmax_cross_entropy", "sparse_softmax_cross_entropy", "sigmoid_cross_entropy",
           "add_loss", "get_losses", "get_total_loss", "get_regularization_loss"]


class Reduction:
    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_BY_NONZERO_WEIGHTS)


def _tf():
    import tfedu

    return tfedu


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    from tfedu.framework import context

    if loss_collection and not context.executing_eagerly():
        context.get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    from tfedu.framework import context

    return context.get_default_graph().get_collection(loss_collection, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    from tfedu.framework import context

    tf = _tf()
    losses = context.get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)
    return tf.add_n(losses, name=name) if losses else tf.constant(0.0, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    from tfedu.framework import context

    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + context.get_default_graph().get_collection(
            GraphKeys.REGULARIZATION_LOSSES, scope)
    if not losses:
        raise ValueError("No losses to add")
    return _tf().add_n(losses, name=name)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weight the per-element `losses` and reduce them as `reduction` says."""
    tf = _tf()
    with tf.name_scope(scope or "weighted_loss"):
        losses = tf.convert_to_tensor(losses)
        w = tf.cast(tf.convert_to_tensor(weights), losses.dtype)
        weighted = losses * w
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            total = tf.reduce_sum(weighted)
            if reduction == Reduction.SUM:
                loss = total
            elif reduction == Reduction.MEAN:
                loss = tf.math.divide_no_nan(total, tf.reduce_sum(w * tf.ones_like(losses)))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = tf.math.divide_no_nan(total, tf.cast(tf.size(losses), losses.dtype))
            else:
                nonzero = tf.cast(tf.not_equal(w * tf.ones_like(losses), 0.0), losses.dtype)
                loss = tf.math.divide_no_nan(total, tf.reduce_sum(nonzero))
    add_loss(loss, loss_collection)
    return loss


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    tf = _tf()
    predictions = tf.convert_to_tensor(predictions)
    labels = tf.cast(labels, predictions.dtype)
    return compute_weighted_loss(tf.square(predictions - labels), weights, scope or
                                 "mean_squared_error", loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    tf = _tf()
    predictions = tf.convert_to_tensor(predictions)
    labels = tf.cast(labels, predictions.dtype)
    return compute_weighted_loss(tf.abs(predictions - labels), weights, scope or
                                 "absolute_difference", loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    tf = _tf()
    logits = tf.convert_to_tensor(logits)
    labels = tf.cast(onehot_labels, logits.dtype)
    if label_smoothing:
        n = tf.cast(tf.shape(labels)[-1], logits.dtype)
        labels = labels * (1.0 - label_smoothing) + label_smoothing / n
    per = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(per, weights, scope or "softmax_cross_entropy_loss",
                                 loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    tf = _tf()
    per = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(per, weights, scope or "sparse_softmax_cross_entropy_loss",
                                 loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    tf = _tf()
    logits = tf.convert_to_tensor(logits)
    labels = tf.cast(multi_class_labels, logits.dtype)
    if label_smoothing:
        labels = labels * (1.0 - label_smoothing) + 0.5 * label_smoothing
    per = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(per, weights, scope or "sigmoid_cross_entropy_loss",
                                 loss_collection, reduction)
