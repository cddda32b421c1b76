"""The base of Keras callbacks (`Callback`) and how a monitored metric's direction is found
(`_monitor_op`): what `callbacks.py` and `file_callbacks.py` both build on."""

from __future__ import annotations

import numpy as np


class Callback:
    """Base class: override any `on_*` hook; `self.model` is the model being trained."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


def _metric_direction(model, name):
    """'up' or 'down' for a compiled metric of the model called `name` (None if unknown)."""
    from tfedu.keras import metrics as m

    up = (m.Accuracy, m.BinaryAccuracy, m.CategoricalAccuracy, m.SparseCategoricalAccuracy,
          m.TopKCategoricalAccuracy, m.SparseTopKCategoricalAccuracy, m.AUC, m.Precision,
          m.Recall)
    down = (m.MeanSquaredError, m.MeanAbsoluteError, m.MeanAbsolutePercentageError,
            m.RootMeanSquaredError, m.BinaryCrossentropy, m.CategoricalCrossentropy,
            m.SparseCategoricalCrossentropy)
    for metric in getattr(model, "metrics", None) or []:
        if getattr(metric, "name", None) == name:
            if isinstance(metric, up):
                return "up"
            if isinstance(metric, down):
                return "down"
    return None


def _monitor_op(monitor, mode, model, cb_name):
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    base = monitor[4:] if monitor.startswith("val_") else monitor
    if base == "loss":
        return np.less
    direction = _metric_direction(model, base)  # as Keras: from the model's compiled metric
    if direction is not None:
        return np.greater if direction == "up" else np.less
    if base.endswith("loss") or base in ("mse", "mae", "mean_squared_error",
                                         "mean_absolute_error"):
        return np.less
    if base in ("accuracy", "auc", "precision", "recall") or base.endswith("accuracy") or \
            base.startswith("auc"):
        return np.greater
    raise ValueError(
        f"{cb_name} callback received monitor={monitor}, but Keras isn't able to "
        "automatically determine whether that metric should be maximized or minimized. Pass "
        "`mode='max'` in order to monitor based on the highest metric value, or pass "
        "`mode='min'` in order to use the lowest value.")
