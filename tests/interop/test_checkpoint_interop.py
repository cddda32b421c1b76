"""Checkpoints both ways with real TensorFlow: what tfedu writes TF restores, and the reverse.

One TensorFlow process per module: it restores tfedu's checkpoints into the same objects built
in TF and writes its own, which tfedu then restores; values are compared on both sides."""

import json
import os

import numpy as np
import pytest

import tfedu as tf

W = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
STEPS = np.array([3, 1 << 40], dtype=np.int64)

TF_SCRIPT = r"""
import json, os, sys, numpy as np, tensorflow as tf
d = sys.argv[1]
out = {}

class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(tf.zeros([2, 3]))
        self.steps = tf.Variable(tf.zeros([2], tf.int64))
        self.words = tf.Variable(["", ""])
        self.parts = [tf.Variable(0.0), {"k": tf.Variable(tf.zeros([4], tf.float64))}]

# 1. restore tfedu's object-based checkpoint into the same structure built in TF
net = Net()
ckpt = tf.train.Checkpoint(model=net)
latest = tf.train.latest_checkpoint(os.path.join(d, "tfedu_ckpt"))
ckpt.restore(latest).assert_consumed()
out["latest"] = os.path.basename(latest)
out["restored"] = {"w": net.w.numpy().tolist(), "steps": [int(v) for v in net.steps.numpy()],
                   "words": [w.decode() for w in net.words.numpy()],
                   "p0": float(net.parts[0].numpy()), "k": net.parts[1]["k"].numpy().tolist(),
                   "save_counter": int(ckpt.save_counter.numpy())}
out["listed"] = [[n, s] for n, s in tf.train.list_variables(latest)]

# 2. TF writes: a module through a CheckpointManager (3 saves, 2 kept)
net2 = Net()
net2.w.assign(tf.reshape(tf.range(6, dtype=tf.float32), [2, 3]) * 2.5)
net2.steps.assign([7, -9])
net2.words.assign(["tensor", "flow"])
net2.parts[0].assign(-1.5)
net2.parts[1]["k"].assign([0.1, 0.2, 0.3, 0.4])
manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=net2), os.path.join(d, "tf_ckpt"),
                                     max_to_keep=2)
for _ in range(3):
    manager.save()
out["tf_paths"] = [os.path.basename(p) for p in manager.checkpoints]
print(json.dumps(out))
"""


class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.zeros((2, 3), np.float32))
        self.steps = tf.Variable(np.zeros(2, np.int64))
        self.words = tf.Variable(["", ""])
        self.parts = [tf.Variable(0.0), {"k": tf.Variable(np.zeros(4))}]


@pytest.fixture(scope="module")
def exchange(tf_side, tmp_path_factory):
    d = tmp_path_factory.mktemp("ckpt_interop")
    net = Net()
    net.w.assign(W)
    net.steps.assign(STEPS)
    net.words.assign(["caf\u00e9", "bundle"])
    net.parts[0].assign(2.5)
    net.parts[1]["k"].assign(np.array([1.0, -2.0, 1e-300, 4.0]))
    ckpt = tf.train.Checkpoint(model=net)
    ckpt.save(str(d / "tfedu_ckpt" / "ckpt"))
    ckpt.save(str(d / "tfedu_ckpt" / "ckpt"))
    proc = tf_side.run_tf(TF_SCRIPT.replace("sys.argv[1]", repr(str(d))))
    return d, json.loads(proc.stdout.strip().splitlines()[-1])


def test_tensorflow_restores_tfedu_checkpoint(exchange):
    _, out = exchange
    assert out["latest"] == "ckpt-2"
    r = out["restored"]
    np.testing.assert_array_equal(np.array(r["w"], np.float32), W)
    assert r["steps"] == STEPS.tolist()
    assert r["words"] == ["caf\u00e9", "bundle"]
    assert r["p0"] == 2.5 and r["k"] == [1.0, -2.0, 1e-300, 4.0]
    assert r["save_counter"] == 2
    ours = [[n, s] for n, s in tf.train.list_variables(
        str(exchange[0] / "tfedu_ckpt" / "ckpt-2"))]
    assert out["listed"] == ours


def test_tfedu_restores_tensorflow_checkpoint(exchange):
    d, out = exchange
    assert out["tf_paths"] == ["ckpt-2", "ckpt-3"]
    latest = tf.train.latest_checkpoint(str(d / "tf_ckpt"))
    assert os.path.basename(latest) == "ckpt-3"
    net = Net()
    ckpt = tf.train.Checkpoint(model=net)
    ckpt.restore(latest).assert_consumed()
    np.testing.assert_array_equal(net.w.numpy(), np.arange(6, dtype=np.float32).reshape(2, 3) * 2.5)
    assert net.steps.numpy().tolist() == [7, -9]
    assert [w.decode() for w in net.words.numpy()] == ["tensor", "flow"]
    assert net.parts[0].numpy() == -1.5
    np.testing.assert_array_equal(net.parts[1]["k"].numpy(), [0.1, 0.2, 0.3, 0.4])
    assert int(ckpt.save_counter.numpy()) == 3
    manager = tf.train.CheckpointManager(ckpt, str(d / "tf_ckpt"), max_to_keep=2)
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-2", "ckpt-3"]


def test_damaged_tensorflow_checkpoint_is_data_loss(exchange, tmp_path):
    d, _ = exchange
    import shutil

    for name in os.listdir(d / "tf_ckpt"):
        shutil.copy(d / "tf_ckpt" / name, tmp_path / name)
    data = tmp_path / "ckpt-3.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[5] ^= 1
    data.write_bytes(bytes(raw))
    with pytest.raises(tf.errors.DataLossError):
        tf.train.Checkpoint(model=Net()).restore(str(tmp_path / "ckpt-3"))
