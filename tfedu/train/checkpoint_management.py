"""The `checkpoint` state file, `tf.train.latest_checkpoint` and `tf.train.CheckpointManager`.

A directory of checkpoints has a small text file named `checkpoint` (TF's `CheckpointState`
in protobuf text form) that says which checkpoint is the newest and which are kept:

    model_checkpoint_path: "ckpt-3"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_paths: "ckpt-3"
    all_model_checkpoint_timestamps: 1700000000.5
    all_model_checkpoint_timestamps: 1700000060.25
    last_preserved_timestamp: 1699999990.0

It is rewritten atomically after each save, so it always names whole checkpoints.
"""

from __future__ import annotations

import os
import re
import time

from tfedu.framework import errors
from tfedu.train.files import atomic_write
from tfedu.train.tensor_bundle import data_path, index_path

__all__ = ["CheckpointState", "get_checkpoint_state", "update_checkpoint_state",
           "latest_checkpoint", "checkpoint_exists", "CheckpointManager"]

_FIELD = re.compile(r'^\s*(\w+)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([-+0-9.eEinfa]+))\s*$')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


class CheckpointState:
    """The parsed `checkpoint` file (fields as in TF's `CheckpointState` message)."""

    def __init__(self, model_checkpoint_path="", all_model_checkpoint_paths=(),
                 all_model_checkpoint_timestamps=(), last_preserved_timestamp=0.0):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def text(self) -> str:
        lines = [f"model_checkpoint_path: {_quote(self.model_checkpoint_path)}"]
        lines += [f"all_model_checkpoint_paths: {_quote(p)}"
                  for p in self.all_model_checkpoint_paths]
        lines += [f"all_model_checkpoint_timestamps: {t!r}"
                  for t in self.all_model_checkpoint_timestamps]
        if self.last_preserved_timestamp:
            lines.append(f"last_preserved_timestamp: {self.last_preserved_timestamp!r}")
        return "\n".join(lines) + "\n"

    __str__ = text


def _parse_state(text: str, path: str) -> CheckpointState:
    state = CheckpointState()
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _FIELD.match(line)
        if m is None:
            raise errors.InvalidArgumentError(None, None, f"Unable to parse {path}: {line!r}")
        key, quoted, number = m.groups()
        if key == "model_checkpoint_path" and quoted is not None:
            state.model_checkpoint_path = _unquote(quoted)
        elif key == "all_model_checkpoint_paths" and quoted is not None:
            state.all_model_checkpoint_paths.append(_unquote(quoted))
        elif key == "all_model_checkpoint_timestamps" and number is not None:
            state.all_model_checkpoint_timestamps.append(float(number))
        elif key == "last_preserved_timestamp" and number is not None:
            state.last_preserved_timestamp = float(number)
    return state


def _absolute(directory: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(directory, path)


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The directory's `checkpoint` file, with paths made absolute; None if there is none."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        state = _parse_state(f.read(), path)
    if not state.model_checkpoint_path:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}")
    state.model_checkpoint_path = _absolute(checkpoint_dir, state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [_absolute(checkpoint_dir, p)
                                        for p in state.all_model_checkpoint_paths]
    return state


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None, save_relative_paths=True):
    """Rewrite `save_dir/checkpoint` (atomically) to name these checkpoints."""
    save_dir = os.fspath(save_dir)

    def rel(p):
        p = os.fspath(p)
        if save_relative_paths and os.path.dirname(os.path.abspath(p)) == os.path.abspath(
                save_dir):
            return os.path.basename(p)
        return p

    paths = list(all_model_checkpoint_paths or [model_checkpoint_path])
    state = CheckpointState(rel(model_checkpoint_path), [rel(p) for p in paths],
                            all_model_checkpoint_timestamps or (),
                            last_preserved_timestamp or 0.0)
    text = state.text().encode()
    atomic_write(os.path.join(save_dir, latest_filename or "checkpoint"), lambda f: f.write(text))


def checkpoint_exists(checkpoint_prefix) -> bool:
    return os.path.isfile(index_path(os.fspath(checkpoint_prefix)))


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest whole checkpoint recorded in `checkpoint_dir`, or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not checkpoint_exists(state.model_checkpoint_path):
        return None
    return state.model_checkpoint_path


def remove_checkpoint(prefix: str) -> None:
    for path in (index_path(prefix), data_path(prefix)):
        if os.path.exists(path):
            os.remove(path)


class CheckpointManager:
    """Numbered saves of one `tf.train.Checkpoint` in a directory, keeping the newest few.

    `save()` writes `directory/ckpt-N`, deletes the oldest beyond `max_to_keep` (except one
    every `keep_checkpoint_every_n_hours`) and rewrites the `checkpoint` file. With
    `step_counter` and `checkpoint_interval`, `save()` skips steps closer than the interval."""

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        if not directory:
            raise ValueError("Directory cannot be empty.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not "
                             "None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_saved_step = None
        self._recover_state()

    def _recover_state(self):
        state = get_checkpoint_state(self._directory)
        self._last_preserved = time.time()
        self._maybe_delete = {}
        if state is None:
            self._latest = None
            return
        self._latest = state.model_checkpoint_path
        stamps = state.all_model_checkpoint_timestamps
        if len(stamps) != len(state.all_model_checkpoint_paths):
            stamps = [self._last_preserved] * len(state.all_model_checkpoint_paths)
        self._maybe_delete = dict(zip(state.all_model_checkpoint_paths, stamps))
        if state.last_preserved_timestamp:
            self._last_preserved = state.last_preserved_timestamp

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def checkpoint_interval(self):
        return self._interval

    @property
    def latest_checkpoint(self):
        return self._latest

    @property
    def checkpoints(self):
        """Checkpoints managed here, oldest first."""
        return list(self._maybe_delete)

    def _interval_not_reached(self, step) -> bool:
        if self._interval is None or self._last_saved_step is None:
            return False
        return step < self._last_saved_step + self._interval

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Write the next numbered checkpoint; returns its prefix (None if skipped)."""
        if self._interval is not None:
            step = int(self._step_counter.numpy() if hasattr(self._step_counter, "numpy")
                       else self._step_counter)
            if check_interval and self._interval_not_reached(step):
                return None
            self._last_saved_step = step
        counter = self._checkpoint.save_counter
        if checkpoint_number is None:
            counter.assign_add(1)
            checkpoint_number = int(counter.numpy())
        elif hasattr(checkpoint_number, "numpy"):
            checkpoint_number = int(checkpoint_number.numpy())
        prefix = f"{self._prefix}-{int(checkpoint_number)}"
        path = self._checkpoint.write(prefix, options=options)
        self._latest = path
        self._maybe_delete.pop(path, None)
        self._maybe_delete[path] = time.time()
        self._sweep()
        self._write_state()
        return path

    def _sweep(self):
        if self._max_to_keep is None:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = next(iter(self._maybe_delete.items()))
            del self._maybe_delete[path]
            if self._keep_hours and stamp - self._keep_hours * 3600 >= self._last_preserved:
                self._last_preserved = stamp
                continue
            remove_checkpoint(path)

    def _write_state(self):
        update_checkpoint_state(self._directory, self._latest, list(self._maybe_delete),
                                all_model_checkpoint_timestamps=list(
                                    self._maybe_delete.values()),
                                last_preserved_timestamp=self._last_preserved)

    def restore_or_initialize(self):
        """Restore the latest checkpoint if there is one (returns its path), else run
        `init_fn` (returns None)."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None
