"""`tf.estimator.Estimator` (TF 2.15-era behaviour): a model function, trained in TF 1.x graphs.

Every `train`/`evaluate`/`predict` call builds a fresh graph: it calls `input_fn` (a
`tf.data.Dataset` of `(features, labels)`, read through a one-shot iterator), then
`model_fn(features, labels, mode, params, config)`, opens a Session, restores the latest
checkpoint of `model_dir` (or initialises), and runs the loop with session hooks. Training
saves `model_dir/model.ckpt-<step>` in TensorFlow's checkpoint format (`checkpoint.py`) and a
`checkpoint` file, so a crashed or stopped run goes on from the last checkpoint when called again. The log
lines are TF's (`tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.INFO)` shows them).
"""

from __future__ import annotations

import inspect
import os
import tempfile
import time

import numpy as np

import tfedu as tf
from tfedu.estimator import checkpoint as ckpt_lib
from tfedu.estimator import hooks as hooks_lib
from tfedu.estimator.model_fn import EstimatorSpec, ModeKeys
from tfedu.estimator.run_config import RunConfig
from tfedu.framework import errors, nest
from tfedu.function.function import get_logger

__all__ = ["Estimator"]

logger = get_logger()


def _fn_args(fn):
    target = fn.func if hasattr(fn, "func") else fn
    try:
        return set(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return set()


def _config_dict_text(config):
    return "{" + ", ".join(f"'{k}': {v!r}" for k, v in config._as_dict().items()) + "}"


class Estimator:
    """Train, evaluate and predict with `model_fn`; checkpoints live in `model_dir`."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None,
                 warm_start_from=None):
        if config is None:
            logger.info("Using default config.")
            config = RunConfig()
        elif not isinstance(config, RunConfig):
            raise ValueError(f"config must be an instance of `RunConfig`, but provided "
                             f"{config}.")
        model_dir = os.fspath(model_dir) if model_dir is not None else config.model_dir
        if model_dir is None:
            model_dir = tempfile.mkdtemp()
            logger.warning(f"Using temporary folder as model directory: {model_dir}")
        self._config = config.replace(model_dir=model_dir)
        self._model_dir = model_dir
        self._params = dict(params or {})
        self._model_fn = model_fn
        self._warm_start_from = warm_start_from
        self._check_model_fn(model_fn, params)
        logger.info(f"Using config: {_config_dict_text(self._config)}")

    @staticmethod
    def _check_model_fn(model_fn, params):
        args = _fn_args(model_fn)
        if "features" not in args:
            raise ValueError(f"model_fn ({model_fn}) must include features argument.")
        if params is not None and "params" not in args:
            raise ValueError(f"model_fn ({model_fn}) does not include params argument, but "
                             f"params ({params}) is passed to Estimator.")

    @property
    def model_dir(self):
        return self._model_dir

    @property
    def config(self):
        return self._config

    @property
    def params(self):
        return dict(self._params)

    @property
    def model_fn(self):
        return self._model_fn

    def latest_checkpoint(self):
        return ckpt_lib.latest_checkpoint(self._model_dir)

    def _reader(self):
        path = self.latest_checkpoint()
        if path is None:
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}.")
        return ckpt_lib.load_checkpoint(path)

    def get_variable_names(self):
        return sorted(self._reader().get_variable_to_shape_map())

    def get_variable_value(self, name):
        return self._reader().get_tensor(name)

    # --- building the graph ----------------------------------------------------------------
    def _optional_args(self, fn, mode):
        """The `mode`, `params` and `config` arguments `fn` declares (TF passes them by name)."""
        args = _fn_args(fn)
        return {k: v for k, v in (("mode", mode), ("params", self._params),
                                  ("config", self._config)) if k in args}

    def _call_input_fn(self, input_fn, mode):
        result = input_fn(**self._optional_args(input_fn, mode))
        if isinstance(result, tf.data.Dataset):
            result = self._distribute_input(result)
            result = tf.compat.v1.data.make_one_shot_iterator(result).get_next()
        if isinstance(result, (tuple, list)) and len(result) == 2:
            return result[0], result[1]
        return result, None

    def _distribute_input(self, dataset):
        strategy = self._train_strategy()
        if strategy is None:
            return dataset
        from tfedu.estimator.distributed import worker_slices

        return worker_slices(dataset, strategy)

    def _train_strategy(self):
        """`RunConfig(train_distribute=...)` when it has several replicas, else None."""
        from tfedu.estimator.distributed import train_strategy

        return train_strategy(self._config)

    def _call_model_fn(self, features, labels, mode):
        kwargs = self._optional_args(self._model_fn, mode)
        if "labels" in _fn_args(self._model_fn):
            kwargs["labels"] = labels
        elif labels is not None and mode != ModeKeys.PREDICT:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        logger.info("Calling model_fn.")
        spec = self._model_fn(features=features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError(f"model_fn should return an EstimatorSpec. Given: {spec}")
        logger.info("Done calling model_fn.")
        return spec

    def _open_session(self, graph, checkpoint_path, saver=None, what=None):
        """A Session on `graph` with variables restored from `checkpoint_path` (or initialised
        when there is none), and local variables (metrics) set to zero."""
        logger.info("Graph was finalized.")
        sess = tf.compat.v1.Session(graph=graph)
        if checkpoint_path:
            logger.info(f"Restoring parameters from {checkpoint_path}")
            (saver or ckpt_lib.BundleSaver()).restore(sess, checkpoint_path)
        else:
            if what is not None:
                logger.info(f"Could not find trained model in model_dir: {self._model_dir}, "
                            f"running initialization to {what}.")
            sess.run(tf.compat.v1.global_variables_initializer())
        logger.info("Running local_init_op.")
        sess.run(tf.compat.v1.local_variables_initializer())
        logger.info("Done running local_init_op.")
        return sess

    def _current_step(self):
        path = self.latest_checkpoint()
        if path is None:
            return 0
        try:
            return int(path.rsplit("-", 1)[1])
        except (IndexError, ValueError):
            return 0

    # --- train -----------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Train until the input ends, `steps` more steps, or global step `max_steps`."""
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        if max_steps is not None and self._current_step() >= max_steps:
            logger.info("Skipping training since max_steps has already saved.")
            return self
        hooks = list(hooks or [])
        if steps is not None or max_steps is not None:
            hooks.append(hooks_lib.StopAtStepHook(steps, max_steps))
        loss = self._train_model(input_fn, hooks, list(saving_listeners or []))
        logger.info(f"Loss for final step: {loss!s}.")
        return self

    def _train_hooks(self, spec, global_step, saver, listeners):
        c = self._config
        summaries = self._model_dir if c.is_chief else None
        out = list(spec.training_hooks) + [
            hooks_lib.NanTensorHook(spec.loss),
            hooks_lib.LoggingTensorHook({"loss": spec.loss, "step": global_step},
                                        every_n_iter=c.log_step_count_steps),
            hooks_lib.StepCounterHook(every_n_steps=c.log_step_count_steps,
                                      output_dir=summaries)]
        if c.is_chief:
            out += list(spec.training_chief_hooks)
            if c.save_summary_steps and c.save_summary_steps > 0:
                out.append(hooks_lib.SummarySaverHook(save_steps=c.save_summary_steps,
                                                      output_dir=self._model_dir,
                                                      scaffold=spec.scaffold))
            out.append(hooks_lib.CheckpointSaverHook(
                self._model_dir, save_secs=c.save_checkpoints_secs,
                save_steps=c.save_checkpoints_steps, saver=saver, listeners=listeners))
        return out

    def _train_model(self, input_fn, hooks, listeners):
        with tf.Graph().as_default() as g:
            if self._config.tf_random_seed is not None:
                tf.compat.v1.set_random_seed(self._config.tf_random_seed)
            global_step = tf.compat.v1.train.get_or_create_global_step()
            features, labels = self._call_input_fn(input_fn, ModeKeys.TRAIN)
            from tfedu.estimator import distributed

            strategy = self._train_strategy()
            with distributed.building(strategy):
                spec = self._call_train_model_fn(features, labels)
            _add_loss_summary(spec.loss)
            saver = ckpt_lib.BundleSaver(max_to_keep=self._config.keep_checkpoint_max)
            all_hooks = hooks + self._train_hooks(spec, global_step, saver, listeners)
            for h in all_hooks:
                h.begin()
            path = self.latest_checkpoint()
            sess = self._open_session(g, path, saver)
            with distributed.running(strategy):
                distributed.sync_initial_values(sess, strategy)
                return self._run_loop(sess, all_hooks, [spec.train_op, spec.loss])

    def _call_train_model_fn(self, features, labels):
        return self._call_model_fn(features, labels, ModeKeys.TRAIN)

    def _run_loop(self, sess, all_hooks, fetches):
        """Run `fetches` until a hook stops or the input ends; returns the last loss."""
        for h in all_hooks:
            h.after_create_session(sess, None)
        hooked, loss = hooks_lib.HookedSession(sess, all_hooks), None
        while not hooked.should_stop():
            try:
                loss = hooked.run(fetches)[1]
            except errors.OutOfRangeError:
                break
        for h in all_hooks:
            h.end(sess)
        sess.close()
        return loss

    # --- evaluate --------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Run the metrics over `input_fn` (or `steps` batches); returns their values."""
        path = checkpoint_path or self.latest_checkpoint()
        with tf.Graph().as_default() as g:
            global_step = tf.compat.v1.train.get_or_create_global_step()
            features, labels = self._call_input_fn(input_fn, ModeKeys.EVAL)
            spec = self._call_model_fn(features, labels, ModeKeys.EVAL)
            metrics = self._eval_metrics(spec)
            logger.info(f"Starting evaluation at {time.strftime('%Y-%m-%dT%H:%M:%S')}")
            start = time.time()
            all_hooks = list(hooks or []) + list(spec.evaluation_hooks)
            for h in all_hooks:
                h.begin()
            sess = self._open_session(g, path, what="evaluate")
            self._eval_loop(sess, all_hooks, [u for _, u in metrics.values()], steps)
            values = sess.run({k: v for k, (v, _) in metrics.items()})
            values["global_step"] = np.int64(sess.run(global_step))
            sess.close()
        logger.info(f"Inference Time : {time.time() - start:.5f}s")
        logger.info(f"Finished evaluation at {time.strftime('%Y-%m-%d-%H:%M:%S')}")
        text = ", ".join(f"{k} = {v!s}" for k, v in sorted(values.items()))
        logger.info(f"Saving dict for global step {values['global_step']}: {text}")
        if path:
            logger.info(f"Saving 'checkpoint_path' summary for global step "
                        f"{values['global_step']}: {path}")
        eval_dir = os.path.join(self._model_dir, f"eval_{name}" if name else "eval")
        _write_eval_summary(eval_dir, values, path)
        return values

    @staticmethod
    def _eval_metrics(spec):
        if "loss" in spec.eval_metric_ops:
            raise ValueError('Metric with name "loss" is not allowed, because Estimator '
                             "already defines a default metric with the same name.")
        metrics = {"loss": tf.compat.v1.metrics.mean(spec.loss)}
        metrics.update(spec.eval_metric_ops)
        return metrics

    @staticmethod
    def _eval_loop(sess, all_hooks, update_ops, steps):
        for h in all_hooks:
            h.after_create_session(sess, None)
        hooked, n = hooks_lib.HookedSession(sess, all_hooks), 0
        while not hooked.should_stop() and (steps is None or n < steps):
            try:
                hooked.run(update_ops)
            except errors.OutOfRangeError:
                break
            n += 1
            if steps is not None and (n % max(1, steps // 10) == 0 or n == steps):
                logger.info(f"Evaluation [{n}/{steps}]")
        for h in all_hooks:
            h.end(sess)

    # --- predict ---------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        """A generator of predictions: one per example (or per batch)."""
        path = checkpoint_path or self.latest_checkpoint()
        with tf.Graph().as_default() as g:
            features, _ = self._call_input_fn(input_fn, ModeKeys.PREDICT)
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT)
            preds = _filter_predictions(spec.predictions, predict_keys)
            sess = self._open_session(g, path, what="predict")
        try:
            while True:
                try:
                    batch = sess.run(preds)
                except errors.OutOfRangeError:
                    return
                yield from _examples(batch, yield_single_examples)
        finally:
            sess.close()

    # --- export ----------------------------------------------------------------------------
    def export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                           assets_extra=None, as_text=False, checkpoint_path=None,
                           experimental_mode=ModeKeys.PREDICT):
        """Write a SavedModel of the PREDICT graph to `export_dir_base/<timestamp>`."""
        from tfedu.estimator.export import export_saved_model

        return export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                                  checkpoint_path or self.latest_checkpoint(), as_text)

    export_savedmodel = export_saved_model


def _add_loss_summary(loss):
    """A `loss` scalar summary unless the model_fn made one, so TensorBoard's loss curve of an
    Estimator is always there (TensorFlow's Estimator does the same)."""
    summaries = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.SUMMARIES)
    if not any(x.op.name == "loss" for x in summaries):
        tf.compat.v1.summary.scalar("loss", loss)


def _write_eval_summary(eval_dir, values, checkpoint_path):
    """The evaluation's metrics as scalars at its global step in `eval_dir`'s event file (and
    the checkpoint evaluated, as text), where TensorBoard shows them beside training's."""
    from tfedu.summary.v1 import FileWriterCache, Summary, SummaryMetadata

    summary = Summary()
    for key, value in sorted(values.items()):
        if key != "global_step" and np.ndim(value) == 0 and np.issubdtype(
                np.asarray(value).dtype, np.number):
            summary.value.add(tag=key, simple_value=float(value))
    if checkpoint_path:
        from tensorboard.util import tensor_util

        summary.value.add(tag="checkpoint_path", metadata=SummaryMetadata(
            plugin_data=SummaryMetadata.PluginData(plugin_name="text")),
            tensor=tensor_util.make_tensor_proto(np.array(checkpoint_path.encode(), object)))
    writer = FileWriterCache.get(eval_dir)
    writer.add_summary(summary, int(values["global_step"]))
    writer.flush()


def _filter_predictions(predictions, keys):
    if keys is None or not isinstance(predictions, dict):
        return predictions
    keys = [keys] if isinstance(keys, str) else list(keys)
    missing = [k for k in keys if k not in predictions]
    if missing:
        raise ValueError(f"Expected to run at least one output from {predictions}, provided "
                         f"{keys}.")
    return {k: predictions[k] for k in keys}


def _examples(batch, single):
    if not single:
        yield batch
        return
    flat = nest.flatten(batch)
    n = len(np.asarray(flat[0]))
    for i in range(n):
        if isinstance(batch, dict):
            yield {k: np.asarray(v)[i] for k, v in batch.items()}
        else:
            yield np.asarray(batch)[i]
