"""`tf.estimator` as in TF 2.15 (the last release that had it): Estimators, hooks, canned models.

- `estimator.py`: `Estimator` (train/evaluate/predict in TF 1.x graphs, checkpoints in
  `model_dir`, TF's log lines); `model_fn.py`: `EstimatorSpec`, `ModeKeys`;
  `run_config.py`: `RunConfig` (reads `TF_CONFIG`).
- `hooks.py`: `SessionRunHook`, `LoggingTensorHook`, `StopAtStepHook`, `CheckpointSaverHook`...
- `training.py`: `TrainSpec`, `EvalSpec`, `train_and_evaluate`.
- `canned.py`: `DNNClassifier`, `DNNRegressor`, `LinearClassifier`, `LinearRegressor` (with
  `tf.feature_column.numeric_column`); `keras.py`: `tf.keras.estimator.model_to_estimator`.
"""

from tfedu.estimator.canned import DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor
from tfedu.estimator.estimator import Estimator
from tfedu.estimator.export import ServingInputReceiver
from tfedu.estimator.hooks import (
    CheckpointSaverHook,
    CheckpointSaverListener,
    LoggingTensorHook,
    NanTensorHook,
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
    StepCounterHook,
    StopAtStepHook,
)
from tfedu.estimator.model_fn import EstimatorSpec, ModeKeys
from tfedu.estimator.run_config import RunConfig
from tfedu.estimator.training import EvalSpec, TrainSpec, train_and_evaluate
from tfedu.estimator import export  # noqa: F401  (tf.estimator.export.*)

export.build_raw_serving_input_receiver_fn = export.build_raw_serving_input_receiver_fn
