"""`keras.metrics`: stateful metrics (`update_state`, `result`, `reset_state`).

State lives in numpy accumulators on the host: metrics are bookkeeping, not part of the
differentiated computation, so they never need to be ops.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf
from tfedu.keras import backend
from tfedu.keras import losses as losses_mod
from tfedu.keras.engine.base_layer import _snake


def _np(x):
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


class Metric:
    """Base class: accumulate with `update_state`, read with `result()`."""

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
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

    @classmethod
    def from_config(cls, config):
        """The metric a saved config describes (a Keras file's compile config)."""
        return cls(**config)

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
        # Keras's reduce_to_samplewise_values: per-sample means, weighted by sample.
        v = _np(values).astype(np.float64)
        w = None
        if sample_weight is not None:
            v, w = _align(v, _np(sample_weight).astype(np.float64))
            if v.ndim > w.ndim:
                v = v.mean(axis=tuple(range(w.ndim, v.ndim)))
            w = np.broadcast_to(w, v.shape)
            v = v * w
            if w.ndim > 1:
                w = w.mean(axis=tuple(range(1, w.ndim)))
        if v.ndim > 1:
            v = v.mean(axis=tuple(range(1, v.ndim)))
        self.total += float(v.sum())
        self.count += float(w.sum()) if w is not None else float(v.shape[0] if v.ndim else 1)

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

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


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


def _loss_metric(cls_name, fn, default_name, **defaults):
    def numpy_fn(y_true, y_pred, **kw):
        return _np(fn(y_true, y_pred, **kw))

    return _wrapper(cls_name, numpy_fn, default_name, **defaults)


MeanSquaredError = _loss_metric("MeanSquaredError", losses_mod.mean_squared_error,
                                "mean_squared_error")
MeanAbsoluteError = _loss_metric("MeanAbsoluteError", losses_mod.mean_absolute_error,
                                 "mean_absolute_error")
MeanAbsolutePercentageError = _loss_metric("MeanAbsolutePercentageError",
                                           losses_mod.mean_absolute_percentage_error,
                                           "mean_absolute_percentage_error")
BinaryCrossentropy = _loss_metric("BinaryCrossentropy", losses_mod.binary_crossentropy,
                                  "binary_crossentropy", from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _loss_metric("CategoricalCrossentropy",
                                       losses_mod.categorical_crossentropy,
                                       "categorical_crossentropy", from_logits=False,
                                       label_smoothing=0, axis=-1)
SparseCategoricalCrossentropy = _loss_metric("SparseCategoricalCrossentropy",
                                             losses_mod.sparse_categorical_crossentropy,
                                             "sparse_categorical_crossentropy", from_logits=False,
                                             ignore_class=None, axis=-1)


class RootMeanSquaredError(Mean):
    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = _align(_np(y_true).astype(np.float64), _np(y_pred).astype(np.float64))
        super().update_state((p - t) ** 2, sample_weight)

    def result(self):
        return tf.constant(np.float32(np.sqrt(self.total / self.count if self.count else 0.0)))


def _align(x1, x2, expand_rank_1=True):
    """numpy form of Keras's `squeeze_or_expand_to_same_rank`."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


_NEG_INF = -1e10


def _confusion_inputs(y_true, y_pred, sample_weight, top_k=None, class_id=None):
    """Labels, predictions and weights as Keras's confusion-matrix update sees them."""
    t = _np(y_true).astype(np.float64)
    p = _np(y_pred).astype(np.float64)
    p, t = _align(p, t)
    w = None
    if sample_weight is not None:
        w = _np(sample_weight).astype(np.float64)[..., None]
        _, w = _align(t, w, expand_rank_1=False)
    if top_k is not None:
        kth = np.sort(p, axis=-1)[..., -top_k][..., None]
        p = np.where(p >= kth, p, _NEG_INF)
    if class_id is not None:
        if p.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {p.shape}")
        t, p = t[..., class_id, None], p[..., class_id, None]
    w = np.ones(p.shape) if w is None else np.broadcast_to(w, p.shape)
    return t.reshape(-1).astype(bool), p.reshape(-1), w.reshape(-1)


class _ConfusionCounts(Metric):
    """True/false positives/negatives at one or several thresholds (`pred > threshold`)."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        default = 0.5 if top_k is None else _NEG_INF
        t = default if thresholds is None else thresholds
        self._single = not isinstance(t, (list, tuple, np.ndarray))
        self.thresholds = np.atleast_1d(np.asarray(t, dtype=np.float64))
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        n = len(self.thresholds)
        self.tp, self.fp, self.fn, self.tn = (np.zeros(n) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p, w = _confusion_inputs(y_true, y_pred, sample_weight, self.top_k, self.class_id)
        above = p[None, :] > self.thresholds[:, None]
        self.tp += (above & t) @ w
        self.fp += (above & ~t) @ w
        self.fn += (~above & t) @ w
        self.tn += (~above & ~t) @ w

    def _ratio(self, num, den):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
        return tf.constant(np.float32(r[0]) if self._single else r.astype(np.float32))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ConfusionCounts):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id,
                         name or backend.unique_name("precision"), dtype)

    def result(self):
        return self._ratio(self.tp, self.tp + self.fp)


class Recall(_ConfusionCounts):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name or backend.unique_name("recall"),
                         dtype)

    def result(self):
        return self._ratio(self.tp, self.tp + self.fn)


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1), 0.0)


class AUC(Metric):
    """Area under the ROC (or PR) curve, by Riemann sums over `num_thresholds` thresholds."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self.curve = curve.upper()
        self.summation_method = summation_method.lower()
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = label_weights
        self.from_logits = from_logits
        eps = backend.epsilon()
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            inner = sorted(thresholds)
            self._evenly = False
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - eps] + list(inner) + [1.0 + eps])
        super().__init__(name=name or backend.unique_name("auc"), dtype=dtype)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def reset_state(self):
        n = self.num_thresholds
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = _np(y_pred).astype(np.float64)
        if self.from_logits:
            p = 1 / (1 + np.exp(-p))
        t, p, w = _confusion_inputs(y_true, p, sample_weight)
        n = self.num_thresholds
        if self._evenly:  # Keras's bucketed update for evenly spaced thresholds
            pc = np.clip(p, 0.0, 1.0)
            bucket = np.maximum(np.ceil(pc * (n - 1)) - 1, 0).astype(np.int64)
            pos = np.bincount(bucket, weights=t * w, minlength=n)[:n]
            neg = np.bincount(bucket, weights=(~t) * w, minlength=n)[:n]
            tp, fp = np.cumsum(pos[::-1])[::-1], np.cumsum(neg[::-1])[::-1]
            self.tp += tp
            self.fp += fp
            self.fn += (t * w).sum() - tp
            self.tn += ((~t) * w).sum() - fp
            return
        above = p[None, :] > self._thresholds[:, None]
        self.tp += (above & t) @ w
        self.fp += (above & ~t) @ w
        self.fn += (~above & t) @ w
        self.tn += (~above & ~t) @ w

    def _interpolate_pr_auc(self):
        n = self.num_thresholds
        tp, fp, fn = self.tp, self.fp, self.fn
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        slope = _div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:n - 1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _div(p[:n - 1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            inc = _div(slope * (dtp + intercept * np.log(np.where(ratio > 0, ratio, 1.0))),
                       np.maximum(tp[1:] + fn[1:], 0))
        return float(np.sum(inc))

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return tf.constant(np.float32(self._interpolate_pr_auc()))
        recall = _div(self.tp, self.tp + self.fn)
        if self.curve == "ROC":
            x, y = _div(self.fp, self.fp + self.tn), recall
        else:
            x, y = recall, _div(self.tp, self.tp + self.fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return tf.constant(np.float32(np.sum((x[:-1] - x[1:]) * heights)))

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "multi_label": self.multi_label, "num_labels": self.num_labels,
                "label_weights": self.label_weights, "from_logits": self.from_logits}


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
        if identifier.lower() in ("accuracy", "acc") and y_pred is not None:
            return _accuracy_for_shapes(identifier, y_true, y_pred)
        if identifier.lower() in ("accuracy", "acc"):
            return _resolve_accuracy(loss, y_true, y_pred)
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        return cls(name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(lambda t, p: _np(identifier(t, p)),
                                 name=getattr(identifier, "__name__", "metric"))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def _accuracy_for_shapes(name, y_true, y_pred):
    """Keras's choice for 'accuracy'/'acc' in compile: from the label and output shapes."""
    ts, ps = np.shape(y_true), np.shape(y_pred)
    t_last = ts[-1] if ts else None
    p_last = ps[-1] if ps else None
    if p_last == 1:
        return BinaryAccuracy(name=name)
    if len(ts) < len(ps) or (t_last == 1 and p_last is not None and p_last > 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


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
