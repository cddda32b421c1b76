"""tf.RaggedTensor and tf.SparseTensor: construction, reprs, densifying."""

import numpy as np
import pytest

import tfedu as tf


def test_ragged_constant_repr_shape_to_tensor():
    r = tf.ragged.constant([[1, 2], [3]])
    assert repr(r) == "<tf.RaggedTensor [[1, 2], [3]]>"
    assert str(r) == repr(r)
    assert r.shape.as_list() == [2, None] and r.dtype == tf.int32
    assert str(r.shape) == "(2, None)"
    assert r.to_tensor().numpy().tolist() == [[1, 2], [3, 0]]
    assert r.to_tensor(default_value=-1).numpy().tolist() == [[1, 2], [3, -1]]
    assert r.values.numpy().tolist() == [1, 2, 3]
    assert r.row_splits.dtype == tf.int64 and r.row_splits.numpy().tolist() == [0, 2, 3]
    assert r.row_lengths().numpy().tolist() == [2, 1]
    assert r[0].numpy().tolist() == [1, 2]
    assert isinstance(r, tf.RaggedTensor)


def test_ragged_nested_and_floats():
    r = tf.ragged.constant([[[1.0, 2.0], [3.0]], [[4.0]]])
    assert r.ragged_rank == 2 and r.shape.as_list() == [2, None, None]
    assert repr(r) == "<tf.RaggedTensor [[[1.0, 2.0], [3.0]], [[4.0]]]>"
    assert r.to_tensor().numpy().tolist() == [[[1, 2], [3, 0]], [[4, 0], [0, 0]]]
    assert tf.ragged.constant([[1], []], dtype=tf.float64).dtype == tf.float64


def test_ragged_factories():
    r = tf.RaggedTensor.from_row_lengths([1, 2, 3, 4], [1, 3])
    assert r.to_list() == [[1], [2, 3, 4]]
    r = tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 0, 3])
    assert r.to_list() == [[], [1, 2, 3]]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2])
    with pytest.raises(ValueError, match="private"):
        tf.RaggedTensor([1], [0, 1])


def test_sparse_tensor_repr_and_to_dense():
    s = tf.SparseTensor(indices=[[0, 0]], values=[1.0], dense_shape=[2, 2])
    assert repr(s) == ("SparseTensor(indices=tf.Tensor([[0 0]], shape=(1, 2), dtype=int64), "
                       "values=tf.Tensor([1.], shape=(1,), dtype=float32), "
                       "dense_shape=tf.Tensor([2 2], shape=(2,), dtype=int64))")
    assert s.shape.as_list() == [2, 2] and s.dtype == tf.float32
    d = tf.sparse.to_dense(s)
    assert str(d) == "tf.Tensor(\n[[1. 0.]\n [0. 0.]], shape=(2, 2), dtype=float32)"
    np.testing.assert_array_equal(tf.sparse.to_dense(s, default_value=5.0).numpy(),
                                  [[1, 5], [5, 5]])


def test_sparse_from_dense_round_trip():
    x = np.array([[0, 3], [4, 0]], dtype=np.int32)
    s = tf.sparse.from_dense(x)
    assert s.indices.numpy().tolist() == [[0, 1], [1, 0]]
    assert s.values.numpy().tolist() == [3, 4]
    assert s.dense_shape.numpy().tolist() == [2, 2]
    np.testing.assert_array_equal(tf.sparse.to_dense(s).numpy(), x)


def test_sparse_validation():
    with pytest.raises(ValueError, match="must have rank 2"):
        tf.SparseTensor(indices=[0, 1], values=[1, 2], dense_shape=[3])


def test_ragged_arithmetic_and_helpers():
    r = tf.ragged.constant([[1, 2], [3]])
    assert (r + 1).to_list() == [[2, 3], [4]]
    assert (2 * r).to_list() == [[2, 4], [6]]
    assert (r * r).to_list() == [[1, 4], [9]]
    assert (-r).to_list() == [[-1, -2], [-3]]
    assert tf.ragged.map_flat_values(tf.square, r).to_list() == [[1, 4], [9]]
    assert r.bounding_shape().numpy().tolist() == [2, 2]
    assert [row.numpy().tolist() for row in r] == [[1, 2], [3]]
    assert int(r.nrows()) == 2
    with pytest.raises(tf.errors.InvalidArgumentError, match="identical ragged splits"):
        r + tf.ragged.constant([[1], [2, 3]])
    d = [[1, 2, 0], [3, 0, 0]]
    assert tf.RaggedTensor.from_tensor(d, padding=0).to_list() == [[1, 2], [3]]
    assert tf.RaggedTensor.from_tensor(d, lengths=[1, 3]).to_list() == [[1], [3, 0, 0]]


def test_ragged_gradient_flows_through_flat_values():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        r = tf.RaggedTensor.from_row_lengths(x, [2, 1])
        y = tf.reduce_sum(r.to_tensor() * 3.0)
    assert tape.gradient(y, x).numpy().tolist() == [3.0, 3.0, 3.0]


def test_sparse_helpers():
    s = tf.SparseTensor([[1, 0], [0, 1]], [2.0, 3.0], [2, 2])
    assert tf.sparse.reorder(s).indices.numpy().tolist() == [[0, 1], [1, 0]]
    assert tf.sparse.reorder(s).values.numpy().tolist() == [3.0, 2.0]
    np.testing.assert_array_equal(tf.sparse.add(s, tf.ones([2, 2])).numpy(), [[1, 4], [3, 1]])
    u = tf.sparse.add(s, tf.SparseTensor([[0, 1], [1, 1]], [1.0, 5.0], [2, 2]))
    assert u.indices.numpy().tolist() == [[0, 1], [1, 0], [1, 1]]
    assert u.values.numpy().tolist() == [4.0, 2.0, 5.0]
    assert float(tf.sparse.reduce_sum(s)) == 5.0
    assert tf.sparse.reduce_sum(s, axis=1).numpy().tolist() == [3.0, 2.0]
    np.testing.assert_array_equal(tf.sparse.sparse_dense_matmul(s, tf.eye(2)).numpy(),
                                  [[0, 3], [2, 0]])


def test_sparse_values_gradient():
    vals = tf.constant([2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(vals)
        s = tf.SparseTensor([[1, 0], [0, 1]], vals, [2, 2])
        y = tf.reduce_sum(tf.sparse.sparse_dense_matmul(s, tf.constant([[1.0], [10.0]])))
    assert tape.gradient(y, vals).numpy().tolist() == [1.0, 10.0]


def test_ragged_to_tensor_in_a_graph_and_its_gradient():
    @tf.function
    def pad(x):
        return tf.RaggedTensor.from_row_lengths(x, [2, 0, 1]).to_tensor(-1.0)

    np.testing.assert_array_equal(pad(tf.constant([1., 2., 3.])).numpy(),
                                  [[1., 2.], [-1., -1.], [3., -1.]])
    nested = tf.ragged.constant([[[1, 2], [3]], [[4, 5, 6]]])
    np.testing.assert_array_equal(nested.to_tensor().numpy(),
                                  [[[1, 2, 0], [3, 0, 0]], [[4, 5, 6], [0, 0, 0]]])
    np.testing.assert_array_equal(
        tf.ragged.constant([[1, 2, 3], [], [4]]).to_tensor(default_value=9, shape=[2, 2]),
        [[1, 2], [9, 9]])
    np.testing.assert_array_equal(tf.ragged.constant([[1, 2], [3]]).to_tensor(shape=[3, 3]),
                                  [[1, 2, 0], [3, 0, 0], [0, 0, 0]])
    x = tf.Variable([1., 2., 3.])
    with tf.GradientTape() as tape:
        dense = tf.RaggedTensor.from_row_lengths(x, [2, 1]).to_tensor(shape=[2, 1])
        y = tf.reduce_sum(dense * [[1.], [2.]])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1., 0., 2.])  # cut: no grad
    rows = tf.function(lambda v, s: tf.RaggedTensor.from_row_splits(v, s).value_rowids())
    assert rows(tf.constant([5, 6, 7]), tf.constant([0, 0, 2, 3], tf.int64)).numpy().tolist() \
        == [1, 1, 2]
