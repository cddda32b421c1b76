"""`EstimatorSpec` and `ModeKeys`: what a `model_fn` returns for each mode."""

from __future__ import annotations

import collections

__all__ = ["ModeKeys", "EstimatorSpec"]


class ModeKeys:
    """The three things an Estimator asks of a `model_fn`."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_FIELDS = ["mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
           "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks",
           "prediction_hooks"]


class EstimatorSpec(collections.namedtuple("EstimatorSpec", _FIELDS)):
    """The ops and tensors a `model_fn` built: TRAIN needs `loss` and `train_op`, EVAL
    `loss`, PREDICT `predictions`."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None,
                scaffold=None, evaluation_hooks=None, prediction_hooks=None):
        if mode not in (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT):
            raise ValueError(f"mode={mode!r} is not a valid ModeKeys value")
        if train_op is None and mode == ModeKeys.TRAIN:
            raise ValueError("Missing train_op.")
        if loss is None and mode in (ModeKeys.TRAIN, ModeKeys.EVAL):
            raise ValueError("Missing loss.")
        if predictions is None and mode == ModeKeys.PREDICT:
            raise ValueError("Missing predictions.")
        for name, value in (eval_metric_ops or {}).items():
            if not (isinstance(value, tuple) and len(value) == 2):
                raise TypeError(f"Values of eval_metric_ops must be (metric_value, update_op) "
                                f"tuples, given: {value} for key: {name}")
        return super().__new__(
            cls, mode, {} if predictions is None else predictions, loss, train_op,
            dict(eval_metric_ops or {}), export_outputs, tuple(training_chief_hooks or ()),
            tuple(training_hooks or ()), scaffold, tuple(evaluation_hooks or ()),
            tuple(prediction_hooks or ()))
