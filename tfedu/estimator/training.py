"""`train_and_evaluate` with `TrainSpec`/`EvalSpec`: train, evaluating new checkpoints.

Locally, and on every worker of a `TF_CONFIG` cluster (the same program on each), training
runs to `max_steps`; each checkpoint the chief saves is evaluated when at least
`throttle_secs` have passed since the last evaluation, and the final checkpoint always is.
A task of type `evaluator` only evaluates the checkpoints as they appear.
"""

from __future__ import annotations

import collections
import time

from tfedu.estimator.hooks import CheckpointSaverListener
from tfedu.function.function import get_logger

__all__ = ["TrainSpec", "EvalSpec", "train_and_evaluate"]

logger = get_logger()


class TrainSpec(collections.namedtuple("TrainSpec",
                                       ["input_fn", "max_steps", "hooks", "saving_listeners"])):
    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        return super().__new__(cls, input_fn, max_steps, tuple(hooks or ()),
                               tuple(saving_listeners or ()))


class EvalSpec(collections.namedtuple("EvalSpec", [
        "input_fn", "steps", "name", "hooks", "exporters", "start_delay_secs",
        "throttle_secs"])):
    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None,
                start_delay_secs=120, throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        exporters = () if exporters is None else tuple(
            exporters if isinstance(exporters, (list, tuple)) else [exporters])
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or ()), exporters,
                               start_delay_secs, throttle_secs)


class _EvaluateOnCheckpoint(CheckpointSaverListener):
    """Evaluates a newly saved checkpoint when `throttle_secs` have passed."""

    def __init__(self, estimator, eval_spec):
        self._estimator, self._spec = estimator, eval_spec
        self._last, self.result = None, None

    def after_save(self, session, global_step_value):
        if global_step_value == 0:
            return False
        if self._last is not None and time.time() - self._last < self._spec.throttle_secs:
            return False
        self.evaluate()
        return False

    def evaluate(self):
        self._last = time.time()
        s = self._spec
        self.result = self._estimator.evaluate(s.input_fn, steps=s.steps, hooks=s.hooks,
                                               name=s.name)
        return self.result


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Train `estimator` per `train_spec`, evaluating per `eval_spec`; returns
    `(eval_result, export_results)` of the last evaluation."""
    config = estimator.config
    if config.task_type == "evaluator":
        return _evaluator_loop(estimator, train_spec, eval_spec)
    if config.cluster_spec:
        logger.info("Running training and evaluation on a TF_CONFIG cluster.")
    else:
        logger.info("Running training and evaluation locally (non-distributed).")
    listener = _EvaluateOnCheckpoint(estimator, eval_spec)
    listeners = list(train_spec.saving_listeners) + ([listener] if config.is_chief else [])
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks),
                    max_steps=train_spec.max_steps, saving_listeners=listeners)
    if not config.is_chief:
        return None, []
    last = estimator.latest_checkpoint()
    if listener.result is None or listener.result["global_step"] != estimator._current_step():
        listener.evaluate()
    exports = [e.export(estimator, eval_spec.name, last, listener.result, True)
               for e in eval_spec.exporters]
    return listener.result, exports


def _evaluator_loop(estimator, train_spec, eval_spec):
    """An `evaluator` task: evaluate each new checkpoint until `max_steps` is reached."""
    seen, result = None, None
    while True:
        path = estimator.latest_checkpoint()
        if path and path != seen:
            seen = path
            result = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps,
                                        checkpoint_path=path, name=eval_spec.name)
            if train_spec.max_steps and result["global_step"] >= train_spec.max_steps:
                return result, []
        time.sleep(max(1, min(eval_spec.throttle_secs, 10)))
