"""A process killed in the middle of a save leaves the previous checkpoint whole.

A child process saves twice; during the second save it stops at its n-th file rename (each
file is written to a temporary name and renamed into place) and the test kills it there with
SIGKILL. Whatever point the kill hits, the newest checkpoint the directory names restores
completely, with the values of one save, and nothing that exists reads as damaged."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfedu as tf

CHILD = textwrap.dedent(r"""
    import os, sys, time
    import numpy as np
    import tfedu as tf
    d, kill_at, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    real_replace = os.replace
    calls = [0]

    def replace(src, dst):
        calls[0] += 1
        if calls[0] == kill_at:
            print("STOPPED", dst, flush=True)
            time.sleep(600)  # the parent kills the process here
        return real_replace(src, dst)

    class Net(tf.Module):
        def __init__(self, value):
            super().__init__()
            self.w = tf.Variable(np.full((64, 64), value, np.float32))
            self.b = tf.Variable(np.full(64, value, np.float32))

    if kind == "checkpoint":
        net = Net(1.0)
        manager = tf.train.CheckpointManager(tf.train.Checkpoint(net=net), d, max_to_keep=3)
        manager.save()
        os.replace = replace
        net.w.assign(tf.fill([64, 64], 2.0))
        net.b.assign(tf.fill([64], 2.0))
        manager.save()
    else:
        tf.saved_model.save(Net(1.0), os.path.join(d, "one"))
        os.replace = replace
        tf.saved_model.save(Net(2.0), os.path.join(d, "two"))
    print("FINISHED", flush=True)
""")


def _run_and_kill(tmp_path, kill_at, kind):
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(kill_at), kind],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.startswith(("STOPPED", "FINISHED")):
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=120)
        proc.stdout.close()
    return line.split()[0]


def _restored(path):
    net = tf.Module()
    net.w = tf.Variable(np.zeros((64, 64), np.float32))
    net.b = tf.Variable(np.zeros(64, np.float32))
    tf.train.Checkpoint(net=net).restore(path).assert_existing_objects_matched()
    return net


@pytest.mark.parametrize("kill_at", [1, 2, 3])
def test_checkpoint_manager_killed_mid_save(tmp_path, kill_at):
    assert _run_and_kill(tmp_path, kill_at, "checkpoint") == "STOPPED"
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest is not None and latest.endswith("ckpt-1")
    net = _restored(latest)
    assert set(np.unique(net.w.numpy())) == {1.0} and set(np.unique(net.b.numpy())) == {1.0}
    second = str(tmp_path / "ckpt-2")
    if os.path.exists(second + ".index"):  # the new checkpoint is whole if it exists at all
        net = _restored(second)
        assert set(np.unique(net.w.numpy())) == {2.0}


def test_saved_model_killed_mid_save(tmp_path):
    # renames: variables data, index, saved_model.pb, fingerprint.pb, then the directory
    assert _run_and_kill(tmp_path, 5, "saved_model") == "STOPPED"
    assert not os.path.exists(tmp_path / "two")  # never half a SavedModel
    loaded = tf.saved_model.load(str(tmp_path / "one"))
    assert float(loaded.w.numpy()[0, 0]) == 1.0
