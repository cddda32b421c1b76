"""`keras.metrics`: stateful metrics (`update_state`, `result`, `reset_state`).

State lives in numpy accumulators on the host: metrics are bookkeeping, not part of the
differentiated computation, so they never need to be ops.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras import backend
from tfedu.keras import losses as losses_mod


def _np(x):
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


class Metric:
    """Base class: accumulate with `update_state`, read with `result()`."""

    def __init__(self, name=None, dtype=None):
        self.name = name or backend.unique_name(type(self).__name__.lower())
        self.dtype = dtype or "float32"
        self.reset_state()

    def reset_state(self):
        pass

    reset_states = reset_state

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @property
    def variables(self):
        return []

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """Weighted mean of the values seen."""

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        v = _np(values).astype(np.float64)
        if sample_weight is None:
            self.total += float(v.sum())
            self.count += float(v.size)
        else:
            w = np.broadcast_to(_np(sample_weight).astype(np.float64), v.shape) \
                if np.ndim(sample_weight) else np.full(v.shape, float(_np(sample_weight)))
            self.total += float((v * w).sum())
            self.count += float(w.sum())

    def result(self):
        return tf.constant(np.float32(self.total / self.count if self.count else 0.0))


class Sum(Metric):
    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        v = _np(values).astype(np.float64)
        if sample_weight is not None:
            v = v * _np(sample_weight)
        self.total += float(v.sum())

    def result(self):
        return tf.constant(np.float32(self.total))


class MeanMetricWrapper(Mean):
    """Mean of a per-sample function `fn(y_true, y_pred)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    t, p = _np(y_true), _np(y_pred)
    return (t.reshape(p.shape) == (p > threshold)).astype(np.float32).mean(axis=-1)


def categorical_accuracy(y_true, y_pred):
    t, p = _np(y_true), _np(y_pred)
    return (np.argmax(t, -1) == np.argmax(p, -1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    t, p = _np(y_true), _np(y_pred)
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    return (t.astype(np.int64) == np.argmax(p, -1)).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    t, p = _np(y_true), _np(y_pred)
    topk = np.argsort(-p, axis=-1)[..., :k]
    return (topk == np.argmax(t, -1)[..., None]).any(-1).astype(np.float32)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    t, p = _np(y_true), _np(y_pred)
    if t.ndim == p.ndim:
        t = t[..., 0]
    topk = np.argsort(-p, axis=-1)[..., :k]
    return (topk == t.astype(np.int64)[..., None]).any(-1).astype(np.float32)


def accuracy(y_true, y_pred):
    t, p = _np(y_true), _np(y_pred)
    return (t.reshape(p.shape) == p).astype(np.float32)


def _wrapper(cls_name, fn, default_name, **defaults):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        params = dict(defaults)
        params.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **params)

    return type(cls_name, (MeanMetricWrapper,), {"__init__": __init__})


Accuracy = _wrapper("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper(
    "SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy", k=5)


def _loss_metric(cls_name, fn, default_name):
    def numpy_fn(y_true, y_pred, **kw):
        return _np(fn(y_true, y_pred, **kw))

    return _wrapper(cls_name, numpy_fn, default_name)


MeanSquaredError = _loss_metric("MeanSquaredError", losses_mod.mean_squared_error,
                                "mean_squared_error")
MeanAbsoluteError = _loss_metric("MeanAbsoluteError", losses_mod.mean_absolute_error,
                                 "mean_absolute_error")
MeanAbsolutePercentageError = _loss_metric("MeanAbsolutePercentageError",
                                           losses_mod.mean_absolute_percentage_error,
                                           "mean_absolute_percentage_error")
BinaryCrossentropy = _loss_metric("BinaryCrossentropy", losses_mod.binary_crossentropy,
                                  "binary_crossentropy")
CategoricalCrossentropy = _loss_metric("CategoricalCrossentropy",
                                       losses_mod.categorical_crossentropy,
                                       "categorical_crossentropy")
SparseCategoricalCrossentropy = _loss_metric("SparseCategoricalCrossentropy",
                                             losses_mod.sparse_categorical_crossentropy,
                                             "sparse_categorical_crossentropy")


class RootMeanSquaredError(Mean):
    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = _np(y_true), _np(y_pred)
        super().update_state((p - t.reshape(p.shape)) ** 2, sample_weight)

    def result(self):
        return tf.constant(np.float32(np.sqrt(self.total / self.count if self.count else 0.0)))


class _ConfusionCounts(Metric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.thresholds = 0.5 if thresholds is None else thresholds
        self.class_id = class_id
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.tp = self.fp = self.fn = self.tn = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = _np(y_true).astype(bool).reshape(-1)
        p = (_np(y_pred) > self.thresholds).reshape(-1)
        w = np.ones_like(t, dtype=np.float64) if sample_weight is None else np.broadcast_to(
            _np(sample_weight), _np(y_true).shape).reshape(-1)
        self.tp += float((w * (t & p)).sum())
        self.fp += float((w * (~t & p)).sum())
        self.fn += float((w * (t & ~p)).sum())
        self.tn += float((w * (~t & ~p)).sum())


class Precision(_ConfusionCounts):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id,
                         name or backend.unique_name("precision"), dtype)

    def result(self):
        d = self.tp + self.fp
        return tf.constant(np.float32(self.tp / d if d else 0.0))


class Recall(_ConfusionCounts):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name or backend.unique_name("recall"),
                         dtype)

    def result(self):
        d = self.tp + self.fn
        return tf.constant(np.float32(self.tp / d if d else 0.0))


class AUC(Metric):
    """Area under the ROC (or PR) curve, by Riemann sums over `num_thresholds` thresholds."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self.num_thresholds = num_thresholds
        self.curve = curve.upper()
        self.from_logits = from_logits
        eps = 1e-7
        inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([0.0 - eps] + inner + [1.0 + eps])
        super().__init__(name=name or backend.unique_name("auc"), dtype=dtype)

    def reset_state(self):
        n = self.num_thresholds
        self.tp = np.zeros(n)
        self.fp = np.zeros(n)
        self.tn = np.zeros(n)
        self.fn = np.zeros(n)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = _np(y_true).astype(bool).reshape(-1)
        p = _np(y_pred).reshape(-1).astype(np.float64)
        if self.from_logits:
            p = 1 / (1 + np.exp(-p))
        w = np.ones_like(p) if sample_weight is None else np.broadcast_to(
            _np(sample_weight), _np(y_true).shape).reshape(-1)
        above = p[None, :] > self._thresholds[:, None]
        self.tp += (above & t).astype(np.float64) @ w
        self.fp += (above & ~t).astype(np.float64) @ w
        self.fn += (~above & t).astype(np.float64) @ w
        self.tn += (~above & ~t).astype(np.float64) @ w

    def result(self):
        tpr = self.tp / np.maximum(self.tp + self.fn, 1e-12)
        if self.curve == "PR":
            prec = self.tp / np.maximum(self.tp + self.fp, 1e-12)
            x, y = tpr, prec
        else:
            x, y = self.fp / np.maximum(self.fp + self.tn, 1e-12), tpr
        area = np.sum((x[:-1] - x[1:]) * (y[:-1] + y[1:]) / 2)
        return tf.constant(np.float32(area))


_BY_NAME = {
    "accuracy": None, "acc": None,
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "AUC": AUC, "auc": AUC, "precision": Precision, "Precision": Precision,
    "recall": Recall, "Recall": Recall,
    "RootMeanSquaredError": RootMeanSquaredError,
}


def get(identifier, loss=None, y_true=None, y_pred=None):
    """A metric object from a name (resolving 'accuracy' from the loss and shapes) or object."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier == "acc":
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        if identifier == "accuracy":
            return _resolve_accuracy(loss, y_true, y_pred)
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        return cls(name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(lambda t, p: _np(identifier(t, p)),
                                 name=getattr(identifier, "__name__", "metric"))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def _resolve_accuracy(loss, y_true, y_pred):
    lname = getattr(loss, "__name__", None) or getattr(loss, "name", None) or str(loss)
    if "sparse_categorical" in str(lname):
        return SparseCategoricalAccuracy(name="accuracy")
    if "binary" in str(lname):
        return BinaryAccuracy(name="accuracy")
    if "categorical" in str(lname):
        return CategoricalAccuracy(name="accuracy")
    if y_true is not None and y_pred is not None:
        ts, ps = np.shape(y_true), np.shape(y_pred)
        if ps and ps[-1] == 1:
            return BinaryAccuracy(name="accuracy")
        if len(ts) == len(ps) and ts[-1:] == ps[-1:]:
            return CategoricalAccuracy(name="accuracy")
        return SparseCategoricalAccuracy(name="accuracy")
    return Accuracy(name="accuracy")
