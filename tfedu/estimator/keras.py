"""`tf.keras.estimator.model_to_estimator`: a Keras model behind the Estimator interface.

The Estimator keeps the Keras model's own training step (its compiled loss, optimizer and
metrics) and the Estimator's contract: `input_fn`s, `steps`/`max_steps`, a global step,
checkpoints `model.ckpt-<step>` in `model_dir` in TensorFlow's format (the model's and the
optimizer's variables by path, and `global_step`) that a new Estimator on the same directory
resumes from, and TF's log lines. So the same model trained with `fit` and
with the Estimator on the same batches reaches the same weights.
"""

from __future__ import annotations

import os

import numpy as np

from tfedu.estimator.estimator import Estimator, _examples
from tfedu.estimator.model_fn import ModeKeys
from tfedu.function.function import get_logger
from tfedu.train import checkpoint_management as management
from tfedu.train.checkpoint_utils import load_checkpoint
from tfedu.train.tensor_bundle import BundleWriter

__all__ = ["model_to_estimator"]

logger = get_logger()


def model_to_estimator(keras_model=None, keras_model_path=None, custom_objects=None,
                       model_dir=None, config=None):
    if keras_model is None and keras_model_path is None:
        raise ValueError("Either `keras_model` or `keras_model_path` needs to be provided.")
    if keras_model is not None and keras_model_path is not None:
        raise ValueError("Please specity either `keras_model` or `keras_model_path`, but not "
                         "both.")
    if keras_model is None:
        from tfedu.keras.saving import load_model

        logger.info(f"Loading models from {keras_model_path}")
        keras_model = load_model(keras_model_path, custom_objects=custom_objects)
    else:
        logger.info("Using the Keras model provided.")
    if not getattr(keras_model, "compiled", False):
        raise ValueError("The given keras model has not been compiled yet. Please compile the "
                         "model with `model.compile()` before calling the estimator.")
    return _KerasEstimator(keras_model, model_dir, config)


def _keras_model_fn(features, labels, mode):  # the model_fn slot; the model does the work
    raise RuntimeError("a Keras-backed Estimator runs its Keras model directly")


class _KerasEstimator(Estimator):
    def __init__(self, model, model_dir, config):
        super().__init__(_keras_model_fn, model_dir=model_dir, config=config)
        self._keras_model = model

    # --- checkpoints -----------------------------------------------------------------------
    def _tracked(self):
        """Name -> variable of everything a checkpoint holds, named by position as TF's Keras
        checkpoints are (`layer_with_weights-0/kernel`, `optimizer/variables/0`), so a new
        model object (whose layers get new unique names) restores them."""
        model = self._keras_model
        out = {}
        with_weights = [layer for layer in model.layers if layer.weights]
        for i, layer in enumerate(with_weights):
            for v in layer.weights:
                out[f"layer_with_weights-{i}/{v.name}"] = v
        opt = getattr(model, "optimizer", None)
        for j, v in enumerate(getattr(opt, "variables", []) if opt is not None else []):
            out[f"optimizer/variables/{j}"] = v
        return out

    def _restore(self, path=None):
        path = path or self.latest_checkpoint()
        if path:
            logger.info(f"Restoring parameters from {path}")
            reader = load_checkpoint(path)
            for name, v in self._tracked().items():
                if reader.has_tensor(name):
                    v.assign(reader.get_tensor(name))
        return path

    def _save(self, step):
        prefix = os.path.join(self._model_dir, "model.ckpt")
        logger.info(f"Saving checkpoints for {step} into {prefix}.")
        path = f"{prefix}-{step}"
        writer = BundleWriter(path)
        for name, v in self._tracked().items():
            writer.add(name, v.numpy(), v._dtype)
        writer.add("global_step", np.int64(step))
        writer.finish()
        kept = [p for p in getattr(self, "_kept", []) if p != path][-4:] + [path]
        for old in getattr(self, "_kept", [])[:-4]:
            management.remove_checkpoint(old)
        self._kept = kept
        management.update_checkpoint_state(self._model_dir, path, kept)

    def _current_step(self):
        path = self.latest_checkpoint()
        return int(load_checkpoint(path).get_tensor("global_step")) if path else 0

    def _batches(self, input_fn, mode):
        import tfedu as tf

        result = self._call_user_input_fn(input_fn, mode)
        if not isinstance(result, tf.data.Dataset):
            result = [result]
        for elem in result:
            x, y = (elem[0], elem[1]) if isinstance(elem, (tuple, list)) and len(elem) == 2 \
                else (elem, None)
            if isinstance(x, dict) and len(x) == 1:
                x = next(iter(x.values()))
            yield x, y

    def _call_user_input_fn(self, input_fn, mode):
        return input_fn(**self._optional_args(input_fn, mode))

    # --- train / evaluate / predict ----------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        step = self._current_step()
        if max_steps is not None and step >= max_steps:
            logger.info("Skipping training since max_steps has already saved.")
            return self
        last = max_steps if max_steps is not None else (step + steps if steps else None)
        self._restore()
        loss = self._train_loop(input_fn, step, last)
        logger.info(f"Loss for final step: {loss!s}.")
        return self

    def _train_loop(self, input_fn, step, last):
        c, loss = self._config, None
        every = c.save_checkpoints_steps
        if step == 0 or self.latest_checkpoint() is None:
            self._save(step)
        for x, y in self._batches(input_fn, ModeKeys.TRAIN):
            if last is not None and step >= last:
                break
            logs = self._keras_model.train_on_batch(x, y, return_dict=True)
            loss = np.float32(logs["loss"])
            if step % c.log_step_count_steps == 0:
                logger.info(f"loss = {loss!s}, step = {step}")
            step += 1
            if every and step % every == 0:
                self._save(step)
        if self._current_step() != step:
            self._save(step)
        return loss

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        self._restore(checkpoint_path)
        model = self._keras_model
        model.reset_metrics()
        for i, (x, y) in enumerate(self._batches(input_fn, ModeKeys.EVAL)):
            if steps is not None and i >= steps:
                break
            logs = model.test_on_batch(x, y, return_dict=True, reset_metrics=False) \
                if _accepts_reset(model) else model.test_on_batch(x, y, return_dict=True)
        values = {k: np.float32(v) for k, v in logs.items()}
        values["global_step"] = np.int64(self._current_step())
        text = ", ".join(f"{k} = {v!s}" for k, v in sorted(values.items()))
        logger.info(f"Saving dict for global step {values['global_step']}: {text}")
        return values

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        path = self._restore(checkpoint_path)
        if path is None:
            logger.info(f"Could not find trained model in model_dir: {self._model_dir}, "
                        "running initialization to predict.")
        names = self._keras_model.output_names or [self._keras_model.layers[-1].name]
        for x, _ in self._batches(input_fn, ModeKeys.PREDICT):
            out = self._keras_model.predict_on_batch(x)
            outs = out if isinstance(out, (list, tuple)) else [out]
            batch = {n: np.asarray(o) for n, o in zip(names, outs)}
            if predict_keys:
                batch = {k: v for k, v in batch.items() if k in predict_keys}
            yield from _examples(batch, yield_single_examples)


def _accepts_reset(model):
    import inspect

    return "reset_metrics" in inspect.signature(model.test_on_batch).parameters
