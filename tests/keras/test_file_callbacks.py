"""ModelCheckpoint and BackupAndRestore: Keras's files, Keras's rules, and a resumed job that
ends exactly where an uninterrupted one does."""

import json
import os

import numpy as np
import pytest

import tfedu.keras as keras

L = keras.layers
X = np.random.RandomState(0).rand(32, 4).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")).astype("float32")


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"), L.Dense(1)])
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return m


def _fit(model, epochs, callbacks, **kw):
    return model.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False, verbose=0,
                     validation_data=(X[:8], Y[:8]), callbacks=callbacks, **kw)


def test_checkpoint_formats_directories_and_best_only(tmp_path):
    m = _model()
    best = keras.callbacks.ModelCheckpoint(str(tmp_path / "a" / "b" / "best.keras"),
                                           save_best_only=True, verbose=0)
    legacy = keras.callbacks.ModelCheckpoint(str(tmp_path / "h5" / "m-{epoch:02d}.h5"))
    weights = keras.callbacks.ModelCheckpoint(str(tmp_path / "w" / "{epoch}.weights.h5"),
                                              save_weights_only=True, save_freq=2)
    history = _fit(m, 3, [best, legacy, weights])
    assert sorted(os.listdir(tmp_path / "h5")) == ["m-01.h5", "m-02.h5", "m-03.h5"]
    assert sorted(os.listdir(tmp_path / "w")) == ["1.weights.h5", "2.weights.h5", "3.weights.h5"]
    assert best.best == min(history.history["val_loss"])
    restored = keras.models.load_model(tmp_path / "h5" / "m-03.h5")
    np.testing.assert_allclose(restored.predict(X, verbose=0), m.predict(X, verbose=0),
                               rtol=1e-6)
    assert keras.models.load_model(tmp_path / "a" / "b" / "best.keras").optimizer is not None


def test_checkpoint_errors_and_missing_monitor(tmp_path):
    with pytest.raises(ValueError, match=r"^The filepath provided must end in `\.keras` \(Keras "
                                         r"model format\)\. Received: filepath=m\.tf$"):
        keras.callbacks.ModelCheckpoint("m.tf")
    with pytest.raises(ValueError, match=r"^When using `save_weights_only=True` in "
                                         r"`ModelCheckpoint`, the filepath provided must end in"):
        keras.callbacks.ModelCheckpoint("m.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"^Unrecognized save_freq: 1h"):
        keras.callbacks.ModelCheckpoint("m.keras", save_freq="1h")
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), monitor="val_nothing",
                                         save_best_only=True)
    with pytest.warns(UserWarning, match=r"^Can save best model only with val_nothing "
                                         r"available\.$"):
        _fit(_model(), 1, [cb])
    assert os.path.exists(tmp_path / "m.keras")


class _Crash(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("preempted")


def test_backup_and_restore_resumes_where_the_job_stopped(tmp_path):
    backup = str(tmp_path / "backup")
    reference = _model()
    _fit(reference, 4, [])
    job = _model()
    with pytest.raises(RuntimeError, match="preempted"):
        _fit(job, 4, [keras.callbacks.BackupAndRestore(backup), _Crash(2)])
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f) == {"epoch": 2, "batch": 0}
    restarted = _model(seed=7)  # a new process: fresh weights, fresh optimizer
    seen = []
    history = _fit(restarted, 4, [keras.callbacks.BackupAndRestore(backup),
                                  keras.callbacks.LambdaCallback(
                                      on_epoch_begin=lambda e, logs: seen.append(e))])
    assert seen == [2, 3] and history.epoch == [2, 3]
    for a, b in zip(restarted.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(restarted.optimizer.iterations.numpy()) == 16
    assert not os.path.exists(backup)


def test_backup_refuses_bad_metadata_and_unbuilt_models(tmp_path):
    with pytest.raises(ValueError, match=r"^Empty `backup_dir` argument passed$"):
        keras.callbacks.BackupAndRestore("")
    backup = tmp_path / "b"
    os.makedirs(backup)
    (backup / "training_metadata.json").write_text('{"epoch": "__import__(\'os\')"}')
    with pytest.raises(ValueError, match="has no valid `epoch`"):
        _fit(_model(), 1, [keras.callbacks.BackupAndRestore(str(backup))])
    unbuilt = keras.Sequential([L.Dense(1)])
    unbuilt.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"^To use the BackupAndRestore callback, you model "
                                         r"must be built before you call `fit\(\)`"):
        unbuilt.fit(X, Y, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
