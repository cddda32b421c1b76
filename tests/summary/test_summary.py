"""tf.summary's rules, checked against TensorFlow 2.21's behaviour: default writer and step,
record_if, no-op writers, errors; events read back with TensorBoard's own loader."""

import glob
import os

import numpy as np
import pytest

import tfedu as tf


def events(logdir):
    """[(step, tag, value)] of every summary in `logdir`'s event files."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.util import tensor_util

    out = []
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for ev in EventFileLoader(path).Load():
            for v in ev.summary.value:
                out.append((ev.step, v.tag, tensor_util.make_ndarray(v.tensor).tolist()))
    return out


def test_file_name_and_default_writer_state(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    assert not tf.summary.should_record_summaries().numpy()
    assert os.listdir(tmp_path) == []  # nothing until something is written
    with w.as_default(step=4) as same:
        assert same is w
        assert tf.summary.should_record_summaries().numpy()
        assert tf.summary.experimental.get_step() == 4
        tf.summary.scalar("a", 1)
    assert tf.summary.experimental.get_step() is None
    (name,) = os.listdir(tmp_path)
    assert name.startswith("events.out.tfevents.") and name.endswith(".v2")
    assert f".{os.getpid()}." in name
    assert events(tmp_path) == [(4, "a", 1.0)]


def test_step_sources_and_errors(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default():
        with pytest.raises(ValueError, match=r"^No step set\. Please specify one either through "
                                             r"the `step` argument or through "
                                             r"tf\.summary\.experimental\.set_step\(\)$"):
            tf.summary.scalar("a", 1.0)
        tf.summary.experimental.set_step(5)
        tf.summary.scalar("from_set_step", 1.0)
        step = tf.Variable(9, dtype=tf.int64)
        tf.summary.scalar("from_variable", 2.0, step=step)
        with pytest.raises(TypeError, match=r"^Cannot convert 1\.5 to EagerTensor of dtype int64"):
            tf.summary.scalar("a", 1.0, step=1.5)
        with pytest.raises(ValueError, match=r"^Expected scalar shape, saw shape: \(2,\)\.$"):
            tf.summary.scalar("a", [1.0, 2.0], step=1)
        with pytest.raises(ValueError, match=r"^Tensor  must have rank 4\.  Received rank 3, "):
            tf.summary.image("i", np.zeros((4, 4, 3)), step=1)
        with pytest.raises(TypeError, match=r"^tensor must be of type tf\.string; got tf\.int32$"):
            tf.summary.text("t", 3, step=1)
        tf.summary.experimental.set_step(None)
    assert events(tmp_path) == [(5, "from_set_step", 1.0), (9, "from_variable", 2.0)]


def test_record_if_noop_writer_and_closed_writer(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=0):
        for i in range(4):
            with tf.summary.record_if(lambda i=i: i % 2 == 0):
                tf.summary.scalar("even", i, step=i)
    with tf.summary.create_noop_writer().as_default(step=0):
        assert not tf.summary.scalar("x", 1.0).numpy()
        assert not tf.summary.should_record_summaries().numpy()
    tf.summary.flush(w)
    assert [e[0] for e in events(tmp_path)] == [0, 2]
    w.close()
    with pytest.raises(RuntimeError, match=r"^SummaryWriter .* is already closed$"):
        with w.as_default(step=0):
            tf.summary.scalar("late", 1.0)


def test_write_and_scope(tmp_path):
    from tensorboard.compat.proto import summary_pb2

    w = tf.summary.create_file_writer(str(tmp_path))
    md = summary_pb2.SummaryMetadata()
    md.plugin_data.plugin_name = "custom"
    with w.as_default(step=2), tf.name_scope("outer"):
        with tf.summary.experimental.summary_scope("inner") as (tag, _):
            assert tag == "outer/inner"
        assert tf.summary.write("raw", tf.constant([1, 2]), metadata=md).numpy()
    assert events(tmp_path) == [(2, "raw", [1, 2])]
    with pytest.raises(ValueError, match=r"^Must enable trace before export through "
                                         r"tf\.summary\.trace_on\.$"):
        tf.summary.trace_export("t", step=0)


def test_traced_summaries_write_at_every_call_when_the_condition_holds(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def fn(x):
        tf.summary.scalar("x", x, step=step)
        tf.summary.histogram("hx", x * tf.ones([3]), step=step)
        step.assign_add(1)

    with w.as_default(), tf.summary.record_if(lambda: step % 2 == 0):
        for i in range(5):
            fn(tf.constant(float(i)))
    assert [(s, t) for s, t, _ in events(tmp_path) if t == "x"] == [(0, "x"), (2, "x"), (4, "x")]
    assert [v for _, t, v in events(tmp_path) if t == "x"] == [0.0, 2.0, 4.0]
    fn(tf.constant(9.0))  # outside the block: what was captured at trace time still holds
    fn(tf.constant(9.0))
    w.flush()
    assert [s for s, t, _ in events(tmp_path) if t == "x"][-1] == 6
