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
    with pytest.raises(IAE, match=r"The inner 1 dimensions of output.shape=\[3,2\] must match "
                       r"the inner 1 dimensions of updates.shape=\[2,3\]"):
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


def test_empty_index_vectors_need_an_empty_output_or_updates():
    no_idx = np.zeros((2, 0), np.int32)
    with pytest.raises(IAE, match="Indices and updates specified for empty output shape"):
        tf.tensor_scatter_nd_add(tf.ones([2]), no_idx, [[1.0, 2.0], [3.0, 4.0]])
    out = tf.scatter_nd(np.zeros((0, 1), np.int32), tf.zeros([0]), [3])
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.0])


def _session_run(build, *feeds, unknown=True):
    """Build with placeholders (of unknown shape if `unknown`), run with `feeds`."""
    with tf.Graph().as_default() as g:
        ph = [tf.compat.v1.placeholder(tf.as_dtype(np.asarray(f).dtype),
                                       shape=None if unknown else np.shape(f)) for f in feeds]
        out = build(*ph)
        with tf.compat.v1.Session(graph=g) as sess:
            return sess.run(out, dict(zip(ph, feeds)))


def test_empty_output_with_updates_fails_when_the_shapes_show_it():
    idx, upd = np.zeros([2, 1], np.int32), np.zeros([2, 2], np.float32)
    base = np.zeros([0, 2], np.float32)
    with pytest.raises(IAE, match=r"^\{\{function_node .*Indices and updates specified for "
                       r"empty output shape \[Op:TensorScatterAdd\]"):
        tf.tensor_scatter_nd_add(base, idx, upd)
    with pytest.raises(ValueError, match="Indices and updates specified for empty input for "
                       "'{{node TensorScatterAdd}}"):
        _session_run(tf.tensor_scatter_nd_add, base, idx, upd, unknown=False)
    with pytest.raises(IAE, match="Indices and updates specified for empty output shape"):
        _session_run(tf.tensor_scatter_nd_add, base, idx, upd)  # shapes known only at run time
    with pytest.raises(ValueError, match="Indices and updates specified for empty input"):
        tf.function(lambda i, u: tf.scatter_nd(i, u, [3, 0]))(idx, upd[:, 0])
    with pytest.raises(IAE, match=r"Indices and updates specified for empty output.  indices "
                       r"shape: \[2,1\]"):
        tf.scatter_nd(idx, upd[:, 0], [0])


def test_shapes_known_only_at_run_time_are_checked_by_the_kernel():
    base, idx = np.zeros([3, 2], np.float32), np.zeros([2, 1], np.int32)
    with pytest.raises(IAE, match=r"Outer dimensions of indices and update must match. Indices "
                       r"shape: \[2,1\], updates shape:\[3,2\]"):
        _session_run(tf.tensor_scatter_nd_add, base, idx, np.zeros([3, 2], np.float32))
    with pytest.raises(IAE, match=r"Inner dimensions of output shape must match inner dimensions "
                       r"of updates shape. Output: \[3,2\] updates: \[1\]"):
        _session_run(tf.tensor_scatter_nd_add, base, np.zeros([1, 3], np.int32),
                     np.zeros([1], np.float32), unknown=False)  # the shape function lets it by
    with pytest.raises(ValueError, match=r"Dimensions \[0,1\) of indices\[shape=\[2,1\]\] = "
                       r"\[2\] must match dimensions \[0,1\) of updates\[shape=\[3,2\]\] = \[3\]: "
                       r"Dimension 0 in both shapes must be equal, but are 2 and 3"):
        _session_run(tf.tensor_scatter_nd_add, base, idx, np.zeros([3, 2], np.float32),
                     unknown=False)
    with pytest.raises(IAE, match="Indices and updates specified for empty output shape"):
        tf.function(lambda i, u: tf.scatter_nd(i, u, []))(idx[:1], np.ones([1], np.float32))


def test_one_dimensional_indices_are_refused_as_tf_refuses_them():
    with pytest.raises(IAE, match=r"Dimensions \[0,1\) of indices\[shape=\[2\]\] = 2 must match "
                       r"dimensions \[0,1\) of updates\[shape=\[5\]\] = 5"):
        tf.scatter_nd([1, 2], tf.ones([5]), [3, 4, 5])
    with pytest.raises(IAE, match="Dimension -1 must be >= 0"):
        tf.scatter_nd([[1]], tf.ones([1, 4]), [-1, 4])


def test_scatter_nd_of_strings_concatenates():
    out = tf.scatter_nd([[0], [0], [2]], tf.constant([b"a", b"b", b"c"]), [3])
    assert out.dtype == tf.string and out.numpy().tolist() == [b"ab", b"", b"c"]
    out = _session_run(lambda i, u: tf.scatter_nd(i, u, [2]), np.array([[1]], np.int32),
                       np.array([b"x"], dtype=object))
    assert out.tolist() == [b"", b"x"]
