"""Summary writers and the state `tf.summary` functions consult: the default writer, the
default step and the recording condition.

A file writer appends `Event` records to `events.out.tfevents.<time>.<host>.<pid>.<n>.v2` in its
log directory through TensorBoard's own event-file writer (TFRecord framing with masked CRC-32C,
a background thread flushing every `flush_millis`), so the real TensorBoard reads what tfedu
writes. As in TensorFlow, a writer does nothing until it is made the default
(`with writer.as_default(step=...)`), and leaving that block flushes it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

import numpy as np

_state = threading.local()


def _current():
    if not hasattr(_state, "writer"):
        _state.writer, _state.step, _state.record = None, None, True
    return _state


class SummaryWriter:
    """Base of summary writers (`tf.summary.SummaryWriter`)."""

    def as_default(self, step=None):
        """Make this the default writer (and `step` the default step) inside the block; the
        writer is flushed when the block ends."""
        return _default_writer(self, step)

    def set_as_default(self, step=None):
        """Make this the default writer from now on (no block)."""
        state = _current()
        state.writer = self
        if step is not None:
            state.step = step

    def init(self):
        pass

    def flush(self):
        pass

    def close(self):
        pass

    def _write_event(self, event):
        pass


@contextlib.contextmanager
def _default_writer(writer, step):
    state = _current()
    old_writer, old_step = state.writer, state.step
    state.writer = writer
    if step is not None:
        state.step = step
    try:
        yield writer
    finally:
        writer.flush()
        state.writer, state.step = old_writer, old_step


class _FileWriter(SummaryWriter):
    """Writes to an event file in `logdir` (made on first write, as TensorFlow does)."""

    _count = [0]
    _lock = threading.Lock()

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None):
        self.logdir = os.fspath(logdir)
        self._max_queue = 10 if max_queue is None else int(max_queue)
        self._flush_secs = (120000 if flush_millis is None else int(flush_millis)) / 1000.0
        self._suffix = ".v2" if filename_suffix is None else filename_suffix
        self._writer = None
        self._closed = False

    def __repr__(self):
        return f"<tfedu.summary.SummaryWriter logdir={self.logdir!r}>"

    def _events(self):
        if self._closed:
            raise RuntimeError(f"SummaryWriter {self!r} is already closed")
        if self._writer is None:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            with self._lock:
                self._writer = EventFileWriter(self.logdir, self._max_queue, self._flush_secs,
                                               self._suffix)
        return self._writer

    def init(self):
        self._events()

    def _write_event(self, event):
        self._events().add_event(event)

    def flush(self):
        if self._writer is not None and not self._closed:
            self._writer.flush()

    def close(self):
        if self._writer is not None and not self._closed:
            self._writer.close()
        self._closed = True


class _NoopWriter(SummaryWriter):
    """A writer that records nothing (`tf.summary.create_noop_writer()`)."""

    def __repr__(self):
        return "<tfedu.summary.NoopSummaryWriter>"


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A writer of event files in `logdir` (`tf.summary.create_file_writer`)."""
    if logdir is None:
        raise ValueError("Argument `logdir` must be specified and not None.")
    return _FileWriter(logdir, max_queue, flush_millis, filename_suffix)


def create_noop_writer():
    return _NoopWriter()


def default_writer():
    """The writer summaries go to now, or None."""
    return _current().writer


def flush(writer=None, name=None):
    """Flush `writer` (or the default writer) to disk."""
    writer = writer if writer is not None else _current().writer
    if writer is not None:
        writer.flush()


# --- steps ----------------------------------------------------------------------------------
def get_step():
    """The default step (`tf.summary.experimental.get_step`): set by `set_step` or by
    `as_default(step=...)`; may be a variable."""
    return _current().step


def set_step(step):
    """Set the default step (of this thread) for summaries written without a `step`."""
    _current().step = step


def resolve_step(step) -> int:
    """The int64 step a summary is written at (TensorFlow's errors when there is none)."""
    if step is None:
        step = get_step()
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument "
                         "or through tf.summary.experimental.set_step()")
    value = step.numpy() if hasattr(step, "numpy") else step
    value = np.asarray(value)
    if value.dtype.kind not in "iu" and not (value.dtype.kind == "f" and value == int(value)):
        raise TypeError(f"Cannot convert {step!r} to EagerTensor of dtype int64")
    return int(value)


# --- recording ------------------------------------------------------------------------------
@contextlib.contextmanager
def record_if(condition):
    """Record summaries only while `condition` (a bool, a bool tensor or a callable) holds."""
    state = _current()
    old = state.record
    state.record = condition
    try:
        yield
    finally:
        state.record = old


def has_writer() -> bool:
    """A file writer is the default (summaries traced now become ops)."""
    return isinstance(_current().writer, _FileWriter)


def current_condition():
    return _current().record


def condition_holds(condition) -> bool:
    return _condition_value(condition)


def _condition_value(condition) -> bool:
    if callable(condition):
        condition = condition()
    if hasattr(condition, "numpy"):
        condition = condition.numpy()
    return bool(condition)


def should_record_summaries():
    """True when a summary written now would be recorded: a real writer is the default and
    the `record_if` condition holds (`tf.summary.should_record_summaries`)."""
    import tfedu

    state = _current()
    ok = isinstance(state.writer, _FileWriter) and _condition_value(state.record)
    return tfedu.constant(ok)


def recording() -> bool:
    state = _current()
    return isinstance(state.writer, _FileWriter) and _condition_value(state.record)


def wall_time() -> float:
    return time.time()
