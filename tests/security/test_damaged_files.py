"""Damaged or planted files are TensorFlow's errors, and killed saves leave nothing for long.

A v1 `Saver` checkpoint whose index or data file is cut, or whose data file holds a pickle,
raises TF's `DataLossError` (never a raw zipfile, json or numpy error, and nothing runs). A save killed mid-write leaves a `.tmp-<pid>-` file; the next save into that
folder removes it once that process is gone, and leaves the files of running processes alone.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import tfedu as tf
from tfedu import _tmpfiles


def _saved(tmp_path):
    g = tf.Graph()
    with g.as_default():
        v = tf.compat.v1.Variable([1.0, 2.0], name="v")
        saver = tf.compat.v1.train.Saver()
        sess = tf.compat.v1.Session(graph=g)
        sess.run(tf.compat.v1.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "model"))
    return saver, sess, prefix, v


def _cut(path, keep=0.5):
    data = open(path, "rb").read()
    open(path, "wb").write(data[:int(len(data) * keep)])


@pytest.mark.parametrize("part", [".index", ".data-00000-of-00001"])
def test_cut_checkpoint_file_is_data_loss(tmp_path, part):
    saver, sess, prefix, _ = _saved(tmp_path)
    _cut(prefix + part)
    with pytest.raises(tf.errors.DataLossError):
        saver.restore(sess, prefix)


def test_checkpoint_data_with_a_pickle_is_data_loss_and_never_runs(tmp_path, payload):
    saver, sess, prefix, _ = _saved(tmp_path)
    payload.npz(prefix + ".data-00000-of-00001")
    with pytest.raises(tf.errors.DataLossError):
        saver.restore(sess, prefix)


def _dead_pid():
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_next_save_removes_what_a_killed_save_left(tmp_path):
    dead = tmp_path / f".tmp-{_dead_pid()}-model.index"
    dead_dir = tmp_path / f".tmp-{_dead_pid()}-saved_model-x"
    live = tmp_path / f".tmp-{os.getppid()}-model.index"  # a running process's save
    mine = tmp_path / f"{_tmpfiles.prefix()}model.index"
    dead_dir.mkdir()
    for p in (dead, live, mine):
        p.write_bytes(b"partial")
    _saved(tmp_path)
    assert not dead.exists() and not dead_dir.exists()
    assert live.exists() and mine.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".tmp-")) == [
        "checkpoint", "model.data-00000-of-00001", "model.index", "model.meta"]
