"""scatter_nd and tensor_scatter_nd_* : values, duplicates, bounds errors, graph shapes."""

import numpy as np
import pytest

import tfedu as tf

IAE = tf.errors.InvalidArgumentError


def test_tensor_scatter_update_values():
    out = tf.tensor_scatter_nd_update([0, 0, 0, 0], [[1], [3]], [5, 7])
    assert str(out) == "tf.Tensor([0 5 0 7], shape=(4,), dtype=int32)"
    m = tf.zeros([2, 3])
    out = tf.tensor_scatter_nd_update(m, [[1]], [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 0], [1, 2, 3]])
    np.testing.assert_array_equal(m.numpy(), np.zeros((2, 3)))  # input untouched


def test_add_sub_max_min_accumulate_duplicates():
    base = tf.constant([1.0, 1.0, 1.0])
    idx = [[0], [0], [2]]
    upd = tf.constant([2.0, 3.0, -4.0])
    np.testing.assert_array_equal(tf.tensor_scatter_nd_add(base, idx, upd).numpy(), [6, 1, -3])
    np.testing.assert_array_equal(tf.tensor_scatter_nd_sub(base, idx, upd).numpy(), [-4, 1, 5])
    np.testing.assert_array_equal(tf.tensor_scatter_nd_max(base, idx, upd).numpy(), [3, 1, 1])
    np.testing.assert_array_equal(tf.tensor_scatter_nd_min(base, idx, upd).numpy(), [1, 1, -4])


def test_scatter_nd_sums_into_zeros():
    out = tf.scatter_nd([[1], [1], [3]], [3.0, 4.0, 1.0], [5])
    np.testing.assert_array_equal(out.numpy(), [0, 7, 0, 1, 0])
    out = tf.scatter_nd([[0, 1]], [[9]], tf.constant([2, 2, 1]))
    assert out.shape == (2, 2, 1) and out.numpy()[0, 1, 0] == 9


def test_large_inputs_use_the_same_semantics():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(300, 70))
    idx = rng.integers(0, 300, size=(400, 1))
    upd = rng.normal(size=(400, 70))
    want = base.copy()
    np.add.at(want, idx[:, 0], upd)
    np.testing.assert_allclose(tf.tensor_scatter_nd_add(base, idx, upd).numpy(), want)


def test_out_of_bounds_indices_fail_before_writing():
    with pytest.raises(IAE) as e:
        tf.tensor_scatter_nd_update([1, 2], [[5]], [1])
    assert "indices[0] = [5] does not index into shape [2]" in str(e.value)
    with pytest.raises(IAE, match=r"indices\[1\] = \[-1\] does not index into shape \[4\]"):
        tf.scatter_nd([[0], [-1]], [1, 2], [4])


def test_shape_mismatch_fails():
    with pytest.raises(IAE, match="must match dimensions"):
        tf.tensor_scatter_nd_update(tf.zeros([3, 2]), [[0], [1]], tf.zeros([2, 3]))


def test_variable_scatter_nd_update():
    v = tf.Variable([1, 2, 3])
    v.scatter_nd_update([[0]], [9])
    assert v.numpy().tolist() == [9, 2, 3]


def test_graph_shapes():
    with tf.Graph().as_default():
        t = tf.zeros([4, 3])
        idx = tf.where(tf.constant([True, False, True, False]))
        assert tf.tensor_scatter_nd_update(t, idx, tf.ones([2, 3])).shape.as_list() == [4, 3]
        assert tf.scatter_nd(idx, tf.ones([2]), [6]).shape.as_list() == [6]


def test_empty_index_vectors_address_the_whole_tensor():
    no_idx = np.zeros((2, 0), np.int32)
    out = tf.tensor_scatter_nd_add(tf.ones([2]), no_idx, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(out.numpy(), [5.0, 7.0])
    out = tf.tensor_scatter_nd_update(tf.ones([2]), no_idx[:1], [[5.0, 6.0]])
    np.testing.assert_array_equal(out.numpy(), [5.0, 6.0])
    out = tf.scatter_nd(np.zeros((0, 1), np.int32), tf.zeros([0]), [3])
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.0])
