"""Callbacks that write files: `ModelCheckpoint`, `BackupAndRestore` and `TensorBoard`.

Checkpoints and backups are Keras's own files (`.keras`, `.weights.h5`, legacy `.h5`), written
atomically, so a job killed mid-save keeps its previous file. `BackupAndRestore` keeps
`latest.weights.h5` (weights and optimizer state) and `training_metadata.json` (the next epoch)
in its directory: a restarted `fit` with the same callback resumes where the last backup was
taken. `TensorBoard` writes event files that the real TensorBoard reads.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings

import numpy as np

from tfedu.keras.callback_base import Callback, _monitor_op


def _batch_counter(save_freq, name):
    if save_freq != "epoch" and not isinstance(save_freq, int):
        raise ValueError(name.format(save_freq=save_freq))


class _EveryNBatches:
    """Keras's batch counting for `save_freq=<int>`."""

    def __init__(self, save_freq):
        self.save_freq = save_freq
        self.seen = 0
        self.last = None

    def due(self, batch) -> bool:
        if self.save_freq == "epoch":
            return False
        add = batch + 1 if self.last is None or batch <= self.last else batch - self.last
        self.seen += add
        self.last = batch
        if self.seen >= self.save_freq:
            self.seen = 0
            return True
        return False


class ModelCheckpoint(Callback):
    """Save the model (or its weights) every epoch or every `save_freq` batches, optionally only
    when `monitor` improves. `filepath` may hold `{epoch:02d}`-style fields from the logs."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor, self.verbose, self.mode = monitor, verbose, mode
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self.monitor_op = None
        self._counter = _EveryNBatches(save_freq)
        self._current_epoch = 0
        _batch_counter(save_freq, "Unrecognized save_freq: {save_freq}. Expected save_freq are "
                                  "'epoch' or integer values")
        self._check_suffix()

    def _check_suffix(self):
        if self.save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                                 "filepath provided must end in `.weights.h5` (Keras weights "
                                 f"format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._counter.due(batch):
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _path(self, epoch, batch, logs):
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from e

    def _should_save(self, epoch, logs, path):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {path}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=3)
            return True
        if self.monitor_op is None:
            self.monitor_op = _monitor_op(self.monitor, self.mode, self.model, "ModelCheckpoint")
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self.best is None or self.monitor_op(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch, batch, logs):
        path = self._path(epoch, batch, logs)
        if not self._should_save(epoch, logs, path):
            return
        if os.path.isdir(path):
            raise OSError("Please specify a non-directory filepath for ModelCheckpoint. Filepath "
                          f"used is an existing directory: {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="You are saving your model as an HDF5")
            if self.save_weights_only:
                self.model.save_weights(path, overwrite=True)
            else:
                self.model.save(path, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")


class BackupAndRestore(Callback):
    """Back the training state up every epoch (or `save_freq` batches); a new `fit` with the
    same `backup_dir` restores it and continues from the epoch after the last backup. Under a
    multi-worker strategy only the chief writes (and deletes) the backup; every worker reads
    it."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        _batch_counter(save_freq, "Invalid value for argument `save_freq`. Received: "
                                  "save_freq={save_freq}. Expected either 'epoch' or an integer "
                                  "value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq, self.double_checkpoint = save_freq, double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._counter = _EveryNBatches(save_freq)
        self._current_epoch = 0
        self._last_batch_seen = 0

    # --- restoring ----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        try:
            self._restore()
        except (OSError, ValueError):
            if not self.double_checkpoint or not os.path.exists(self._weights_path + ".bkp"):
                raise
            self._fall_back_to_previous()
            self._restore()

    def _fall_back_to_previous(self):
        shutil.copyfile(self._weights_path + ".bkp", self._weights_path)
        if os.path.exists(self._metadata_path + ".bkp"):
            shutil.copyfile(self._metadata_path + ".bkp", self._metadata_path)
        elif os.path.exists(self._metadata_path):
            os.remove(self._metadata_path)

    def _restore(self):
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, you model must be built before you call "
                f"`fit()`. Model {self.model} is unbuilt. You can build it beforehand by calling "
                "it on a batch of data.")
        if os.path.exists(self._weights_path):
            opt = self.model.optimizer
            if opt is not None and not opt.built:
                opt.build(self.model.trainable_variables)
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._metadata_path):
            self.model._initial_epoch = _read_epoch(self._metadata_path)

    # --- backing up ---------------------------------------------------------------------------
    def _is_chief(self):
        strategy = getattr(self.model, "_distribute_strategy", None)
        return getattr(strategy, "_is_chief", True)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._backup()

    def on_train_batch_end(self, batch, logs=None):
        if self._counter.due(batch):
            self._last_batch_seen = batch
            self._backup()

    def _backup(self):
        from tfedu.keras.saving.files import atomic_write

        if not self._is_chief():
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        text = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen})
        atomic_write(self._metadata_path, text.encode())

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and self._is_chief() and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)


def _read_epoch(path) -> int:
    from tfedu.keras.saving.files import read_json

    with open(path, "rb") as f:
        meta = read_json(f.read(1 << 20), f"The backup metadata {path}")
    epoch = meta.get("epoch") if isinstance(meta, dict) else None
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ValueError(f"The backup metadata {path} has no valid `epoch`: {meta!r}")
    return epoch


class TensorBoard(Callback):
    """Log training for TensorBoard: `log_dir/train` and `log_dir/validation` event files with
    `epoch_<metric>` scalars (and `batch_<metric>` every `update_freq` batches), weight
    histograms every `histogram_freq` epochs, the model's config (conceptual graph) and the
    traced train step's graph (`write_graph`), as Keras 3 writes them."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph = histogram_freq, write_graph
        self.write_images, self.write_steps_per_second = write_images, write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        if profile_batch or embeddings_freq:
            warnings.warn("tfedu's TensorBoard callback writes no profiles or embedding "
                          "projections: `profile_batch` and `embeddings_freq` are ignored.",
                          stacklevel=2)
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._writers = {}
        self._contexts = []
        self._epoch_start = None

    @property
    def summary(self):
        import tfedu

        return tfedu.summary

    def set_model(self, model):
        self.model = model
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._should_write_train_graph = False
        if self.write_graph:
            self._write_keras_model_summary()
            self._should_write_train_graph = True

    def _writer(self, key):
        if key not in self._writers:
            path = self._train_dir if key == "train" else self._val_dir
            self._writers[key] = self.summary.create_file_writer(path)
        return self._writers[key]

    def _write_keras_model_summary(self):
        from tfedu.summary.graphs import keras_model

        if type(self.model).__name__ in ("Functional", "Sequential"):
            with self._writer("train").as_default():
                keras_model("keras", self.model, step=0)

    def _write_train_graph(self):
        """The train step's traced graph, as a GraphDef (Graphs dashboard, "op graph")."""
        fn = getattr(self.model, "_train_function", None)
        traces = getattr(fn, "_traces", None)
        if not traces:
            return
        try:
            with self._writer("train").as_default():
                self.summary.graph(traces[0].cf.graph)
        except (ValueError, NotImplementedError, ImportError) as e:
            warnings.warn(f"The train step's graph could not be written: {e}", stacklevel=3)

    # --- the default writer while batches run ------------------------------------------------
    def _push_writer(self, writer, step):
        if self.update_freq == "epoch":
            return
        contexts = (writer.as_default(step),
                    self.summary.record_if(lambda: step % self.update_freq == 0))
        for c in contexts:
            c.__enter__()
        self._contexts.append(contexts)

    def _pop_writer(self):
        if self.update_freq == "epoch" or not self._contexts:
            return
        for c in reversed(self._contexts.pop()):
            c.__exit__(None, None, None)

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._push_writer(self._writer("train"), self._global_train_batch)

    def on_train_end(self, logs=None):
        self._pop_writer()
        for writer in self._writers.values():
            writer.close()

    def on_test_begin(self, logs=None):
        self._push_writer(self._writer("val"), self._global_test_batch)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            with self._writer("val").as_default():
                for name, value in (logs or {}).items():
                    self.summary.scalar(f"evaluation_{name}_vs_iterations", value,
                                        step=optimizer.iterations)
        self._pop_writer()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._writer("train"), self._global_train_batch)
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_write_train_graph:
            self._write_train_graph()
            self._should_write_train_graph = False
        if self.write_steps_per_second:
            self.summary.scalar("batch_steps_per_second",
                                1.0 / max(time.time() - self._batch_start, 1e-9),
                                step=self._global_train_batch)
        for name, value in (logs or {}).items():
            self.summary.scalar(f"batch_{name}", value, step=self._global_train_batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._writer("val"), self._global_test_batch)

    # --- per epoch ------------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = (time.time(), int(self.model.optimizer.iterations.numpy()))

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            train["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second and self._epoch_start is not None:
            start, iterations = self._epoch_start
            done = int(optimizer.iterations.numpy()) - iterations
            train["steps_per_second"] = done / max(time.time() - start, 1e-9)
        for key, values in (("train", train), ("val", val)):
            if values:
                with self._writer(key).as_default():
                    for name, value in values.items():
                        self.summary.scalar(f"epoch_{name}", value, step=epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        with writer.as_default():
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = weight.path.replace(":", "_")
                    self.summary.histogram(f"{name}/histogram", weight, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, f"{name}/image", epoch)
        writer.flush()

    def _log_weight_as_image(self, weight, name, epoch):
        w = np.squeeze(np.asarray(weight.numpy()))
        if w.ndim == 1:
            w = w.reshape(1, w.shape[0], 1, 1)
        elif w.ndim == 2:
            w = (w.T if w.shape[0] > w.shape[1] else w)[None, :, :, None]
        elif w.ndim == 3:
            w = np.transpose(w, (2, 0, 1))[..., None]
        if w.ndim == 4 and w.shape[-1] in (1, 3, 4):
            self.summary.image(name, w, step=epoch)
