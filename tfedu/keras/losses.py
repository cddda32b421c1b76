"""`keras.losses`: loss functions (per-sample) and loss objects (reduced, callable)."""

from __future__ import annotations

import tfedu as tf
from tfedu.keras import backend


def _no_none(*values):
    if any(v is None for v in values):  # what Keras's conversion of the targets reports
        raise ValueError("None values not supported.")


def _pair(y_true, y_pred):
    _no_none(y_true, y_pred)
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.cast(tf.convert_to_tensor(y_true), y_pred.dtype)
    return y_true, y_pred


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rank alignment: when ranks differ by one and the longer ends in 1, squeeze it
    (or expand a rank-1 partner), so labels `(n,)` meet predictions `(n, 1)` element-wise."""
    _no_none(x1, x2)
    x1, x2 = tf.convert_to_tensor(x1), tf.convert_to_tensor(x2)
    r1, r2 = x1.shape.rank, x2.shape.rank
    if r1 is None or r2 is None or r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = tf.expand_dims(x2, axis=-1)
        else:
            x1 = tf.squeeze(x1, axis=-1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = tf.expand_dims(x1, axis=-1)
        else:
            x2 = tf.squeeze(x2, axis=-1)
    return x1, x2


def _aligned(y_true, y_pred):
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.cast(tf.convert_to_tensor(y_true), y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _shape_text(shape):
    return str(tuple(shape.as_list())) if shape.rank is not None else "<unknown>"


def _check_same_shape(target, output):
    """The checks Keras's cross-entropies make before computing (same rank, same shape)."""
    t, o = target.shape, output.shape
    if t.rank is None or o.rank is None:
        return
    shapes = f"target.shape={_shape_text(t)}, output.shape={_shape_text(o)}"
    if t.rank < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. Received: "
                         f"{shapes}")
    if t.rank != o.rank:
        raise ValueError("Arguments `target` and `output` must have the same rank (ndim). "
                         f"Received: {shapes}")
    for a, b in zip(t.as_list(), o.as_list()):
        if a is not None and b is not None and a != b:
            raise ValueError(f"Arguments `target` and `output` must have the same shape. "
                             f"Received: {shapes}")


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _aligned(y_true, y_pred)
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _aligned(y_true, y_pred)
    return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _aligned(y_true, y_pred)
    diff = tf.abs((y_true - y_pred) / tf.maximum(tf.abs(y_true), backend.epsilon()))
    return 100.0 * tf.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _aligned(y_true, y_pred)
    a = tf.math.log(tf.maximum(y_pred, backend.epsilon()) + 1.0)
    b = tf.math.log(tf.maximum(y_true, backend.epsilon()) + 1.0)
    return tf.reduce_mean(tf.square(a - b), axis=-1)


def _clip(p):
    eps = backend.epsilon()
    return tf.clip_by_value(p, eps, 1.0 - eps)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    _check_same_shape(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p = _clip(y_pred)
        ce = -(y_true * tf.math.log(p) + (1.0 - y_true) * tf.math.log(1.0 - p))
    return tf.reduce_mean(ce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    _check_same_shape(y_true, y_pred)
    if label_smoothing:
        n = tf.cast(tf.shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    p = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    return -tf.reduce_sum(y_true * tf.math.log(_clip(p)), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.convert_to_tensor(y_true)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and \
            y_true.shape.rank == y_pred.shape.rank and y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, axis=-1)
    t, o = y_true.shape, y_pred.shape
    if t.rank is not None and o.rank is not None:
        if o.rank < 1:
            raise ValueError("Argument `output` must be at least rank 1. Received: "
                             f"output.shape={_shape_text(o)}")
        if t.rank != o.rank - 1:
            raise ValueError("Argument `output` must have rank (ndim) `target.ndim - 1`. "
                             f"Received: target.shape={_shape_text(t)}, "
                             f"output.shape={_shape_text(o)}")
        for a, b in zip(t.as_list(), o.as_list()[:-1]):
            if a is not None and b is not None and a != b:
                raise ValueError("Arguments `target` and `output` must have the same shape up "
                                 f"until the last dimension: target.shape={_shape_text(t)}, "
                                 f"output.shape={_shape_text(o)}")
    labels = tf.cast(y_true, tf.int32)
    if from_logits:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=y_pred)
    p = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    logp = tf.math.log(_clip(p))
    n = y_pred.shape[-1]
    onehot = tf.one_hot(labels, n, dtype=y_pred.dtype)
    return -tf.reduce_sum(onehot * logp, axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = tf.where(tf.equal(y_true, 0.0), -tf.ones_like(y_true), y_true)
    return tf.reduce_mean(tf.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = tf.where(tf.equal(y_true, 0.0), -tf.ones_like(y_true), y_true)
    return tf.reduce_mean(tf.square(tf.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    pos = tf.reduce_sum(y_true * y_pred, axis=-1)
    neg = tf.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return tf.maximum(neg - pos + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    t, p = _clip(y_true), _clip(y_pred)
    return tf.reduce_sum(t * tf.math.log(t / p), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = _aligned(y_true, y_pred)
    err = tf.abs(y_pred - y_true)
    quad = tf.minimum(err, delta)
    return tf.reduce_mean(0.5 * tf.square(quad) + delta * (err - quad), axis=-1)


def log_cosh(y_true, y_pred):
    y_true, y_pred = _aligned(y_true, y_pred)
    d = y_pred - y_true
    return tf.reduce_mean(d + tf.math.softplus(-2.0 * d) - tf.math.log(2.0), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return tf.reduce_mean(y_pred - y_true * tf.math.log(y_pred + backend.epsilon()), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _aligned(y_true, y_pred)
    a = tf.math.l2_normalize(y_true, axis=axis)
    b = tf.math.l2_normalize(y_pred, axis=axis)
    return -tf.reduce_sum(a * b, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence


class Loss:
    """A loss object: per-sample loss, then reduced (mean over the batch by default)."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name
        self.reduction = reduction

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = self.call(y_true, y_pred)
        return reduce_loss(losses, sample_weight, self.reduction)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def reduce_loss(losses, sample_weight=None, reduction="sum_over_batch_size"):
    losses = tf.convert_to_tensor(losses)
    if sample_weight is not None:
        sw = tf.cast(tf.convert_to_tensor(sample_weight), losses.dtype)
        losses, sw = squeeze_or_expand_to_same_rank(losses, sw)
        losses = losses * sw
    if reduction in (None, "none") or losses.shape.rank == 0:
        return losses
    total = tf.reduce_sum(losses)
    if reduction == "sum":
        return total
    n = tf.cast(tf.size(losses), losses.dtype)
    return tf.math.divide_no_nan(total, n)


class LossFunctionWrapper(Loss):
    def __init__(self, fn, name=None, reduction="sum_over_batch_size", **kwargs):
        super().__init__(name=name, reduction=reduction)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    _config_skip = ()  # keyword arguments Keras leaves out of this loss's config

    def get_config(self):
        c = super().get_config()
        c.update({k: v for k, v in self._fn_kwargs.items() if k not in self._config_skip})
        return c


def _loss_class(cls_name, fn, default_name, config_skip=(), **defaults):
    def __init__(self, reduction="sum_over_batch_size", name=default_name, **kwargs):
        params = dict(defaults)
        params.update(kwargs)
        params.pop("dtype", None)
        LossFunctionWrapper.__init__(self, fn, name=name, reduction=reduction, **params)

    return type(cls_name, (LossFunctionWrapper,), {"__init__": __init__,
                                                   "_config_skip": tuple(config_skip)})


MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _loss_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _loss_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error")
BinaryCrossentropy = _loss_class("BinaryCrossentropy", binary_crossentropy,
                                 "binary_crossentropy", from_logits=False, label_smoothing=0.0,
                                 axis=-1)
CategoricalCrossentropy = _loss_class("CategoricalCrossentropy", categorical_crossentropy,
                                      "categorical_crossentropy", from_logits=False,
                                      label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", config_skip=("axis",), from_logits=False,
    ignore_class=None, axis=-1)
Hinge = _loss_class("Hinge", hinge, "hinge")
SquaredHinge = _loss_class("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge, "categorical_hinge")
KLDivergence = _loss_class("KLDivergence", kl_divergence, "kl_divergence")
Huber = _loss_class("Huber", huber, "huber_loss", config_skip=("delta",), delta=1.0)
LogCosh = _loss_class("LogCosh", log_cosh, "log_cosh")
Poisson = _loss_class("Poisson", poisson, "poisson")
CosineSimilarity = _loss_class("CosineSimilarity", cosine_similarity, "cosine_similarity",
                               config_skip=("axis",), axis=-1)

_BY_NAME = {
    "mse": mean_squared_error, "mean_squared_error": mean_squared_error,
    "mae": mean_absolute_error, "mean_absolute_error": mean_absolute_error,
    "mape": mean_absolute_percentage_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "kld": kl_divergence, "kl_divergence": kl_divergence, "huber": huber,
    "log_cosh": log_cosh, "poisson": poisson,
    "cosine_similarity": cosine_similarity,
}


def get(identifier):
    """A loss from a name, a function or a Loss object."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        cls = globals().get(identifier)
        if fn is None and isinstance(cls, type) and issubclass(cls, Loss) and cls is not Loss:
            return cls()
        if fn is None:
            raise ValueError(f"Could not interpret loss identifier: {identifier}")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier}")
