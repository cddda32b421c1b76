"""TF 1.x dataset iterators in a Session: one-shot, initializable, OutOfRangeError at the end."""

import json

import numpy as np
import pytest

import tfedu as tf

tf1 = tf.compat.v1


def _dataset():
    xs = np.arange(5, dtype=np.float32)
    return tf.data.Dataset.from_tensor_slices({"x": xs, "y": xs.astype(np.int64) * 2}).batch(2)


def test_one_shot_iterator_runs_to_out_of_range():
    g = tf.Graph()
    with g.as_default():
        it = tf1.data.make_one_shot_iterator(_dataset())
        batch = it.get_next()
        total = tf.reduce_sum(batch["x"])
    assert batch["x"].shape.as_list() == [None] and batch["y"].dtype == tf.int64
    assert batch["x"].op.type == "IteratorGetNext"
    totals = []
    with tf1.Session(graph=g) as s:
        while True:
            try:
                totals.append(float(s.run(total)))
            except tf.errors.OutOfRangeError as e:
                assert "End of sequence" in e.message
                break
    assert totals == [1.0, 5.0, 4.0]
    with tf1.Session(graph=g) as s2:  # the position is session state
        np.testing.assert_array_equal(s2.run(batch)["y"], [0, 2])
    json.dumps(g.as_json())


def test_initializable_iterator_needs_and_restarts_with_its_initializer():
    g = tf.Graph()
    with g.as_default():
        it = tf1.data.make_initializable_iterator(_dataset())
        nxt = it.get_next()
    with tf1.Session(graph=g) as s:
        with pytest.raises(tf.errors.FailedPreconditionError, match="has not been initialized"):
            s.run(nxt)
        s.run(it.initializer)
        first = s.run(nxt)
        s.run(nxt)
        s.run(it.initializer)
        again = s.run(nxt)
    np.testing.assert_array_equal(first["x"], again["x"])


def test_eager_one_shot_iterator_is_a_python_iterator():
    it = tf1.data.make_one_shot_iterator(_dataset())
    assert next(it)["y"].numpy().tolist() == [0, 2]
    with pytest.raises(RuntimeError, match="not supported when eager execution is enabled"):
        tf1.data.make_initializable_iterator(_dataset())
