"""TF 1.x session hooks: code that runs around each `Session.run` of a training loop.

A hook asks for extra tensors in `before_run` (returned as `SessionRunArgs`), sees their
values in `after_run`, and can stop the loop (`run_context.request_stop()`). They are what
Keras callbacks replaced: `LoggingTensorHook` ~ the progress log, `StopAtStepHook` ~
`epochs`/`steps_per_epoch`, `CheckpointSaverHook` ~ `ModelCheckpoint`.
"""

from __future__ import annotations

import collections
import time

import numpy as np

from tfedu.function.function import get_logger

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
           "LoggingTensorHook", "StopAtStepHook", "CheckpointSaverHook",
           "CheckpointSaverListener", "StepCounterHook", "SummarySaverHook", "NanTensorHook",
           "HookedSession", "write_graph_files"]

logger = get_logger()


class SessionRunHook:
    """Override any of: begin, after_create_session, before_run, after_run, end."""

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


class SessionRunArgs(collections.namedtuple("SessionRunArgs",
                                            ["fetches", "feed_dict", "options"])):
    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


SessionRunValues = collections.namedtuple("SessionRunValues",
                                          ["results", "options", "run_metadata"])


class SessionRunContext:
    def __init__(self, original_args, session):
        self._original_args, self._session = original_args, session
        self._stop_requested = False

    @property
    def original_args(self):
        return self._original_args

    @property
    def session(self):
        return self._session

    @property
    def stop_requested(self):
        return self._stop_requested

    def request_stop(self):
        self._stop_requested = True


def _global_step_tensor():
    import tfedu as tf

    step = tf.compat.v1.train.get_global_step()
    if step is None:
        raise RuntimeError("Global step should be created to use this hook.")
    return step


class _EveryN:
    """Fires every `n` steps or `secs` seconds (the first call fires)."""

    def __init__(self, every_steps=None, every_secs=None):
        self.steps, self.secs = every_steps, every_secs
        self.last_step = self.last_time = None

    def should_trigger(self, step):
        if self.last_step is None:
            return True
        if self.steps is not None and step >= self.last_step + self.steps:
            return True
        return self.secs is not None and time.time() >= self.last_time + self.secs

    def update(self, step):
        now = time.time()
        elapsed = None if self.last_time is None else now - self.last_time
        self.last_step, self.last_time = step, now
        return elapsed


def _value_text(v):
    a = np.asarray(v)
    return str(a[()] if a.ndim == 0 else a)


class LoggingTensorHook(SessionRunHook):
    """Logs `tag = value, ...` every `every_n_iter` steps (or `every_n_secs`), TF's format."""

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False,
                 formatter=None):
        if (every_n_iter is None) == (every_n_secs is None) and not at_end:
            raise ValueError("either at_end and/or exactly one of every_n_iter and "
                             "every_n_secs must be provided.")
        if isinstance(tensors, dict):
            self._tag_order, self._tensors = list(tensors), dict(tensors)
        else:
            tensors = list(tensors)
            self._tag_order = [getattr(t, "name", str(t)) for t in tensors]
            self._tensors = dict(zip(self._tag_order, tensors))
        self._timer = _EveryN(every_n_iter, every_n_secs)
        self._at_end, self._formatter, self._iter = at_end, formatter, 0

    def before_run(self, run_context):
        self._should = self._timer.should_trigger(self._iter)
        return SessionRunArgs(self._tensors) if self._should else None

    def _log(self, values, elapsed=None):
        if self._formatter is not None:
            logger.info(self._formatter(values))
            return
        text = ", ".join(f"{tag} = {_value_text(values[tag])}" for tag in self._tag_order)
        logger.info(text if elapsed is None else f"{text} ({elapsed:.3f} sec)")

    def after_run(self, run_context, run_values):
        if self._should:
            self._log(run_values.results, self._timer.update(self._iter))
        self._iter += 1

    def end(self, session):
        if self._at_end:
            self._log(session.run(self._tensors))


class StopAtStepHook(SessionRunHook):
    """Stops after `num_steps` more steps, or once the global step reaches `last_step`."""

    def __init__(self, num_steps=None, last_step=None):
        if num_steps is None and last_step is None:
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and last_step is not None:
            raise ValueError("Only one of num_steps or last_step can be specified.")
        self._num_steps, self._last_step = num_steps, last_step

    def begin(self):
        self._step_tensor = _global_step_tensor()

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = int(session.run(self._step_tensor)) + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._step_tensor)

    def after_run(self, run_context, run_values):
        if int(run_values.results) + 1 >= self._last_step:
            run_context.request_stop()


class CheckpointSaverListener:
    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        return False

    def end(self, session, global_step_value):
        pass


class CheckpointSaverHook(SessionRunHook):
    """Saves `model.ckpt-<step>` every `save_steps` steps or `save_secs` seconds, and at the
    start and the end (TF's log lines: 'Saving checkpoints for N into ...')."""

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None,
                 checkpoint_basename="model.ckpt", scaffold=None, listeners=None):
        import os

        if (save_secs is None) == (save_steps is None):
            raise ValueError("exactly one of save_secs or save_steps must be provided.")
        logger.info("Create CheckpointSaverHook.")
        self._dir, self._saver = checkpoint_dir, saver
        self._path = os.path.join(checkpoint_dir, checkpoint_basename)
        self._timer = _EveryN(save_steps, save_secs)
        self._listeners = list(listeners or [])

    def begin(self):
        self._step_tensor = _global_step_tensor()
        if self._saver is None:
            from tfedu.estimator.checkpoint import BundleSaver

            self._saver = BundleSaver()
        for lst in self._listeners:
            lst.begin()

    def after_create_session(self, session, coord):
        step = int(session.run(self._step_tensor))
        write_graph_files(session.graph, self._dir)
        self._save(session, step)
        self._timer.update(step)

    def before_run(self, run_context):
        return SessionRunArgs(self._step_tensor)

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1
        if self._timer.should_trigger(step):
            self._timer.update(step)
            if self._save(run_context.session, step):
                run_context.request_stop()

    def end(self, session):
        step = int(session.run(self._step_tensor))
        if step != self._timer.last_step:
            self._save(session, step)
        for lst in self._listeners:
            lst.end(session, step)

    def _save(self, session, step):
        logger.info(f"Calling checkpoint listeners before saving checkpoint {step}...")
        for lst in self._listeners:
            lst.before_save(session, step)
        logger.info(f"Saving checkpoints for {step} into {self._path}.")
        self._saver.save(session, self._path, global_step=step)
        logger.info(f"Calling checkpoint listeners after saving checkpoint {step}...")
        return any([lst.after_save(session, step) for lst in self._listeners])


def write_graph_files(graph, model_dir):
    """`graph.pbtxt` (the text GraphDef) in `model_dir`, and the graph in its event file, for
    TensorBoard's Graphs tab, as an Estimator's chief writes them when training starts."""
    import os

    from google.protobuf import text_format

    from tfedu.summary.graphs import graph_def_of
    from tfedu.summary.v1 import FileWriterCache

    gdef = graph_def_of(graph)
    path = os.path.join(model_dir, "graph.pbtxt")
    os.makedirs(model_dir, exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text_format.MessageToString(gdef))
    os.replace(path + ".tmp", path)
    FileWriterCache.get(model_dir).add_graph(gdef)


def _writer(output_dir, summary_writer):
    if summary_writer is not None or output_dir is None:
        return summary_writer
    from tfedu.summary.v1 import FileWriterCache

    return FileWriterCache.get(output_dir)


class SummarySaverHook(SessionRunHook):
    """Runs the merged summaries (`summary_op`, the scaffold's, or the graph's SUMMARIES) every
    `save_steps` steps or `save_secs` seconds and adds them to the event file of `output_dir`
    at the global step after the run, as TensorFlow's hook does."""

    def __init__(self, save_steps=None, save_secs=None, output_dir=None, summary_writer=None,
                 scaffold=None, summary_op=None):
        if (save_secs is None) == (save_steps is None):
            raise ValueError("Exactly one of save_steps and save_secs should be provided.")
        if summary_op is None and scaffold is not None:
            summary_op = getattr(scaffold, "summary_op", None)
        self._op, self._timer = summary_op, _EveryN(save_steps, save_secs)
        self._output_dir, self._given_writer = output_dir, summary_writer

    def begin(self):
        import tfedu

        self._writer = _writer(self._output_dir, self._given_writer)
        if self._op is None:
            self._op = tfedu.compat.v1.summary.merge_all()
        self._step_tensor, self._next_step = _global_step_tensor(), None

    def before_run(self, run_context):
        self._request = self._next_step is None or self._timer.should_trigger(self._next_step)
        fetches = {"step": self._step_tensor}
        if self._request and self._op is not None:
            fetches["summary"] = self._op
        return SessionRunArgs(fetches)

    def after_run(self, run_context, run_values):
        from tfedu.summary.v1 import SessionLog

        step = int(run_values.results["step"]) + 1
        if self._next_step is None or self._request:
            step = int(run_context.session.run(self._step_tensor))
        if self._next_step is None:
            self._writer.add_session_log(SessionLog(status=SessionLog.START), step)
        if self._request:
            self._timer.update(step)
            if "summary" in run_values.results:
                self._writer.add_summary(run_values.results["summary"], step)
        self._next_step = step + 1

    def end(self, session):
        self._writer.flush()


class StepCounterHook(SessionRunHook):
    """Logs `global_step/sec: X` every `every_n_steps` steps (and writes it as a summary when
    given an `output_dir` or `summary_writer`)."""

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None,
                 summary_writer=None):
        self._timer = _EveryN(every_n_steps, every_n_secs)
        self._writer = _writer(output_dir, summary_writer)

    def begin(self):
        self._step_tensor = _global_step_tensor()

    def before_run(self, run_context):
        return SessionRunArgs(self._step_tensor)

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1
        if self._timer.last_step is None:
            self._timer.update(step)
        elif self._timer.should_trigger(step):
            last = self._timer.last_step
            elapsed = self._timer.update(step)
            if elapsed:
                rate = (step - last) / elapsed
                logger.info(f"global_step/sec: {rate:.6g}")
                self._summarize(rate, step)

    def _summarize(self, rate, step):
        if self._writer is not None:
            from tfedu.summary.v1 import Summary

            self._writer.add_summary(Summary(value=[Summary.Value(
                tag="global_step/sec", simple_value=rate)]), step)


class NanTensorHook(SessionRunHook):
    """Stops (or raises) when the loss becomes NaN."""

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss, self._fail = loss_tensor, fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            if self._fail:
                raise RuntimeError("NaN loss during training.")
            logger.warning("Model diverged with loss = NaN.")
            run_context.request_stop()


class HookedSession:
    """Runs `fetches` with every hook's `before_run`/`after_run` around the call."""

    def __init__(self, session, hooks):
        self.session, self.hooks = session, list(hooks)
        self._stop = False

    def should_stop(self):
        return self._stop

    def run(self, fetches):
        ctx = SessionRunContext(SessionRunArgs(fetches), self.session)
        requests = [h.before_run(ctx) for h in self.hooks]
        extra = {i: r.fetches for i, r in enumerate(requests) if r is not None}
        results = self.session.run({"__main": fetches, "__hooks": extra})
        for i, h in enumerate(self.hooks):
            h.after_run(ctx, SessionRunValues(results["__hooks"].get(i), None, None))
        self._stop = self._stop or ctx.stop_requested
        return results["__main"]
