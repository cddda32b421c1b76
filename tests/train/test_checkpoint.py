"""tf.train.Checkpoint, CheckpointManager, latest_checkpoint, load_checkpoint: the TF 2 API."""

import os

import numpy as np
import pytest

import tfedu as tf


class Net(tf.Module):
    def __init__(self, scale=1.0):
        super().__init__()
        self.w = tf.Variable(np.full((2, 2), scale, np.float32))
        self.layers = [tf.Variable(scale), {"b": tf.Variable([scale, scale])}]
        self.step = tf.Variable(0, dtype=tf.int64)


def test_save_restore_and_keys(tmp_path):
    net = Net(2.0)
    ckpt = tf.train.Checkpoint(model=net)
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path == str(tmp_path / "ckpt-1")
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    names = [n for n, _ in tf.train.list_variables(str(tmp_path))]
    assert names == ["_CHECKPOINTABLE_OBJECT_GRAPH", "model/layers/0/.ATTRIBUTES/VARIABLE_VALUE",
                     "model/layers/1/b/.ATTRIBUTES/VARIABLE_VALUE",
                     "model/step/.ATTRIBUTES/VARIABLE_VALUE",
                     "model/w/.ATTRIBUTES/VARIABLE_VALUE",
                     "save_counter/.ATTRIBUTES/VARIABLE_VALUE"]
    other = Net(0.0)
    status = tf.train.Checkpoint(model=other).restore(path)
    status.assert_consumed().assert_existing_objects_matched().assert_nontrivial_match()
    np.testing.assert_array_equal(other.w.numpy(), np.full((2, 2), 2.0))
    assert other.layers[1]["b"].numpy().tolist() == [2.0, 2.0]
    reader = tf.train.load_checkpoint(path)
    assert reader.get_variable_to_shape_map()["model/w/.ATTRIBUTES/VARIABLE_VALUE"] == [2, 2]
    assert reader.get_variable_to_dtype_map()["model/step/.ATTRIBUTES/VARIABLE_VALUE"] is tf.int64
    assert reader.get_tensor("save_counter/.ATTRIBUTES/VARIABLE_VALUE") == 1
    assert tf.train.load_variable(path, "model/layers/0/.ATTRIBUTES/VARIABLE_VALUE") == 2.0


def test_deferred_restoration_of_later_variables(tmp_path):
    path = tf.train.Checkpoint(model=Net(5.0)).write(str(tmp_path / "c"))
    empty = tf.Module()
    status = tf.train.Checkpoint(model=empty).read(path)
    with pytest.raises(AssertionError, match="Unresolved object in checkpoint"):
        status.assert_consumed()
    empty.w = tf.Variable(np.zeros((2, 2), np.float32))  # created after restore(): gets 5.0
    assert empty.w.numpy()[0, 0] == 5.0
    empty.layers = [tf.Variable(0.0), {"b": tf.Variable([0.0, 0.0])}]
    empty.step = tf.Variable(0, dtype=tf.int64)
    assert empty.layers[1]["b"].numpy().tolist() == [5.0, 5.0]
    status.assert_consumed()


def test_partial_restores(tmp_path):
    path = tf.train.Checkpoint(model=Net(1.0)).write(str(tmp_path / "c"))
    small = tf.Module()
    small.w = tf.Variable(np.zeros((2, 2), np.float32))
    small.extra = tf.Variable(1.0)
    status = tf.train.Checkpoint(model=small).restore(path)
    with pytest.raises(AssertionError, match="Some Python objects were not bound"):
        status.assert_existing_objects_matched()
    assert status.expect_partial() is status
    assert small.w.numpy()[0, 0] == 1.0
    unrelated = tf.train.Checkpoint(other=tf.Module())
    with pytest.raises(AssertionError):
        unrelated.restore(path).assert_consumed()
    init = tf.train.Checkpoint(model=small).restore(None)
    with pytest.raises(AssertionError):
        init.assert_consumed()


def test_restore_errors(tmp_path):
    net = Net()
    ckpt = tf.train.Checkpoint(model=net)
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        ckpt.restore(str(tmp_path / "nothing"))
    path = ckpt.write(str(tmp_path / "c"))
    wrong = tf.Module()
    wrong.w = tf.Variable(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="incompatible tensor with shape"):
        tf.train.Checkpoint(model=wrong).restore(path)
    with pytest.raises(ValueError, match="`Checkpoint` was expecting a to be a trackable object"):
        tf.train.Checkpoint(a=1)
    with pytest.raises(tf.errors.NotFoundError, match="Unsuccessful TensorSliceReader"):
        tf.train.load_checkpoint(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        tf.train.load_checkpoint(str(tmp_path))


def test_checkpoint_manager(tmp_path):
    net = Net()
    step = tf.Variable(0, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(model=net, step=step)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert manager.latest_checkpoint is None
    assert manager.restore_or_initialize() is None
    paths = [manager.save() for _ in range(4)]
    assert [os.path.basename(p) for p in paths] == ["ckpt-1", "ckpt-2", "ckpt-3", "ckpt-4"]
    assert manager.checkpoints == paths[-2:]
    assert not os.path.exists(paths[0] + ".index")
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]
    again = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert again.checkpoints == paths[-2:] and again.latest_checkpoint == paths[-1]
    assert again.restore_or_initialize() == paths[-1]
    assert manager.save(checkpoint_number=10).endswith("ckpt-10")
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == paths[-1].replace("ckpt-4", "ckpt-10")


def test_checkpoint_interval(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(step=step)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=None,
                                         step_counter=step, checkpoint_interval=5)
    saved = []
    for _ in range(12):
        if manager.save() is not None:
            saved.append(int(step.numpy()))
        step.assign_add(1)
    assert saved == [0, 5, 10]
    with pytest.raises(ValueError, match="step_counter"):
        tf.train.CheckpointManager(ckpt, str(tmp_path), 1, checkpoint_interval=2)


def test_resume_training_after_a_crash(tmp_path):
    """Train, checkpoint, lose the Python objects, rebuild, restore, continue: same result."""
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[5.0], [11.0]])

    def train(w, steps):
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(x @ w - y))
            w.assign_sub(0.05 * tape.gradient(loss, w))

    straight = tf.Variable(tf.ones([2, 1]))
    train(straight, 20)
    w = tf.Variable(tf.ones([2, 1]))
    train(w, 10)
    tf.train.Checkpoint(w=w).save(str(tmp_path / "ck"))
    del w
    w2 = tf.Variable(tf.zeros([2, 1]))
    tf.train.Checkpoint(w=w2).restore(tf.train.latest_checkpoint(str(tmp_path))).assert_consumed()
    train(w2, 10)
    np.testing.assert_allclose(w2.numpy(), straight.numpy(), rtol=1e-6)


def test_init_from_checkpoint_eager(tmp_path):
    path = tf.train.Checkpoint(model=Net(3.0)).write(str(tmp_path / "c"))
    v = tf.Variable(np.zeros((2, 2), np.float32))
    tf.compat.v1.train.init_from_checkpoint(path, {"model/w/.ATTRIBUTES/VARIABLE_VALUE": v})
    assert v.numpy()[1, 1] == 3.0
    with pytest.raises(ValueError, match="is not found in"):
        tf.compat.v1.train.init_from_checkpoint(path, {"nope": v})
