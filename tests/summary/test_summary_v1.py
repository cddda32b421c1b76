"""TF 1.x summaries (`tf.compat.v1.summary`): the same program gives TensorFlow 2.21's answer
(recorded in v1_tf_2.21.json: tags, histogram buckets, image pixels, errors; tests/interop
checks the recording against TensorFlow itself), and FileWriter's
event files are read back by TensorBoard's own loader and dashboard backends."""

import json
from pathlib import Path

import numpy as np
import pytest
from tensorboard.compat.proto.summary_pb2 import Summary

import tfedu as tf
from tests.summary import v1_program

HERE = Path(__file__).parent
RECORDED = json.loads((HERE / "v1_tf_2.21.json").read_text())
v1 = tf.compat.v1


@pytest.fixture(scope="module")
def ours():
    return json.loads(json.dumps(v1_program.run(tf)))


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_same_answer_as_tensorflow(ours, key):
    assert ours[key] == RECORDED[key]


def _loaded(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


def test_file_writer_writes_graph_and_summaries_tensorboard_reads(tmp_path):
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None], name="x")
        loss = tf.reduce_mean(tf.square(x), name="mse")
        v1.summary.scalar("loss", loss)
        v1.summary.histogram("inputs", x)
        v1.summary.text("note", tf.constant("step"))
        merged = v1.summary.merge_all()
        with v1.Session() as sess, v1.summary.FileWriter(str(tmp_path), sess.graph) as writer:
            for step in range(3):
                writer.add_summary(sess.run(merged, {x: [1.0, float(step)]}), step)
            assert writer.get_logdir() == str(tmp_path)
    acc = _loaded(tmp_path)
    tags = acc.Tags()
    assert tags["graph"] is True
    assert [s.value for s in acc.Scalars("loss")] == [0.5, 1.0, 2.5]
    assert [h.histogram_value.num for h in acc.Histograms("inputs")] == [2.0, 2.0, 2.0]
    assert {"x", "mse", "loss", "Merge/MergeSummary"} <= {n.name for n in acc.Graph().node}
    assert {n.op for n in acc.Graph().node} >= {"Placeholder", "Square", "Mean", "ScalarSummary",
                                                "MergeSummary"}


def test_metadata_written_once_per_tag(tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    with tf.Graph().as_default():
        note = v1.summary.text("note", tf.constant("hi"))
        with v1.Session() as sess:
            writer = v1.summary.FileWriter(str(tmp_path))
            for step in range(2):
                writer.add_summary(sess.run(note), step)
            writer.close()
    (path,) = tmp_path.glob("events.out.tfevents.*")
    values = [v for ev in EventFileLoader(str(path)).Load() for v in ev.summary.value]
    assert [v.HasField("metadata") for v in values] == [True, False]


def test_eager_summary_ops_write_through_the_default_writer(tmp_path):
    from tests.summary.test_summary import events

    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=4):
        v1.summary.scalar("eager_loss", 0.75)
    assert events(tmp_path) == [(4, "eager_loss", 0.75)]
    serialized = v1.summary.scalar("plain", 1.5)  # no default writer: the op's own Summary
    assert Summary.FromString(serialized.numpy()).value[0].simple_value == 1.5


def test_errors_as_tensorflow():
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        v1.summary.FileWriter("unused")
    with pytest.raises(RuntimeError, match="Merging tf.summary"):
        v1.summary.merge_all()
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="must be an instance of `Graph`"):
            v1.summary.FileWriter("unused", graph="not a graph")
        with pytest.raises(ValueError, match="Expected tensor dtype to be tf.string"):
            v1.summary.text("t", tf.constant(1.0))
        with pytest.raises(TypeError):
            v1.summary.image("i", tf.zeros([1, 2, 2, 3], tf.int32))


def test_histogram_of_large_arrays_matches_a_direct_count():
    from tfedu.summary.v1 import _bucket_limits, histogram_proto

    values = np.random.default_rng(0).normal(0, 100, 10_000)
    h = histogram_proto(values)
    assert sum(h.bucket) == 10_000 and h.num == 10_000
    limits = _bucket_limits()
    edges = list(h.bucket_limit)
    # every kept limit is one of TensorFlow's, and each kept count is a direct count
    assert set(edges) <= set(limits.tolist())
    i = edges.index(min(e for e, c in zip(edges, h.bucket) if c > 0))
    lo = limits[np.searchsorted(limits, edges[i]) - 1]
    assert h.bucket[i] == np.count_nonzero((values >= lo) & (values < edges[i]))
