"""Tensor indexing (`StridedSlice`), `tf.strided_slice` and `tf.slice`."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tfedu as tf

M = np.arange(12, dtype=np.int32).reshape(3, 4)
T3 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


@pytest.mark.parametrize("key", [
    0, -1, (1, 2), (slice(None), 1), slice(None, None, -1), (-1, slice(None, None, 2)),
    (Ellipsis, None), (None, 0), (slice(1, None), slice(None, 2)), slice(5, None),
    (slice(None, None, -2), slice(3, 0, -1)), (Ellipsis, 1), (0, Ellipsis, None),
    (slice(-2, None), -3), (slice(10, -10, -1),), (slice(-100, 100),),
])
def test_getitem_matches_numpy(key):
    t = tf.constant(M)
    got = t[key]
    want = M[key]
    assert got.shape == want.shape
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("key", [(0, Ellipsis, 1), (Ellipsis, None, slice(1, 3)),
                                 (slice(None), None, 2, slice(None, None, -1))])
def test_getitem_3d(key):
    np.testing.assert_array_equal(tf.constant(T3)[key].numpy(), T3[key])


def test_scalar_tensor_and_variable_indices():
    t = tf.constant(M)
    np.testing.assert_array_equal(t[tf.constant(1)].numpy(), M[1])
    np.testing.assert_array_equal(t[tf.constant(1, tf.int64):, tf.constant(-1)].numpy(),
                                  M[1:, -1])
    np.testing.assert_array_equal(t[np.int64(2)].numpy(), M[2])


def test_bool_mask_index_is_boolean_mask():
    t = tf.constant([10, 20, 30, 40])
    out = t[t > 15]
    assert str(out) == "tf.Tensor([20 30 40], shape=(3,), dtype=int32)"
    np.testing.assert_array_equal(t[np.array([True, False, True, False])].numpy(), [10, 30])


def test_out_of_bounds_index_message():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.constant([1, 2, 3])[5]
    assert str(e.value).endswith("}} slice index 5 of dimension 0 out of bounds. "
                                 "[Op:StridedSlice] name: strided_slice/")
    with pytest.raises(tf.errors.InvalidArgumentError, match="of dimension 1 out of bounds"):
        tf.constant(M)[0, -5]


def test_list_index_is_a_tuple_not_fancy_indexing():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Index out of range using input dim 1; input has only 1 dims"):
        tf.constant([1, 2, 3])[[0, 2]]


def test_bad_index_types():
    t = tf.constant(M)
    with pytest.raises(TypeError, match="Only integers, slices"):
        t[1.5]
    with pytest.raises(TypeError, match="Only integers, slices"):
        t[tf.constant(1.0)]
    with pytest.raises(TypeError, match="Only integers, slices"):
        t["a"]


def test_zero_step_fails():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"strides\[0\] must be non-zero"):
        tf.constant(M)[::0]


def test_item_assignment_is_refused():
    t = tf.constant([1, 2, 3])
    with pytest.raises(TypeError, match="does not support item assignment"):
        t[0] = 5


def test_variable_slices_read_and_assign():
    v = tf.Variable([1.0, 2.0, 3.0])
    assert float(v[1]) == 2.0
    v[0].assign(9.0)
    v[1:].assign([7.0, 8.0])
    np.testing.assert_array_equal(v.numpy(), [9.0, 7.0, 8.0])


def test_strided_slice_function_masks():
    t = tf.constant(M)
    np.testing.assert_array_equal(tf.strided_slice(t, [0, 1], [3, 4], [2, 2]).numpy(),
                                  M[0:3:2, 1:4:2])
    # begin_mask on axis 0, shrink on axis 1
    np.testing.assert_array_equal(
        tf.strided_slice(t, [2, 1], [3, 2], [1, 1], begin_mask=1, shrink_axis_mask=2).numpy(),
        M[:3, 1])
    np.testing.assert_array_equal(
        tf.strided_slice(t, [0], [0], [1], new_axis_mask=1).numpy(), M[None])


def test_slice_values_and_errors():
    t = tf.constant([[1, 2, 3], [4, 5, 6]])
    assert str(tf.slice(t, [0, 1], [2, 2])) == ("tf.Tensor(\n[[2 3]\n [5 6]], shape=(2, 2), "
                                                "dtype=int32)")
    np.testing.assert_array_equal(tf.slice(t, [1, 0], [-1, -1]).numpy(), [[4, 5, 6]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expected size\[1\] in \[0, 2\]"):
        tf.slice(t, [0, 1], [1, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expected begin\[0\] in \[0, 2\]"):
        tf.slice(t, [3, 0], [1, 1])


def test_graph_mode_static_shapes():
    with tf.Graph().as_default():
        c = tf.constant(np.zeros((4, 3), np.float32))
        w = tf.where(c > 0)  # shape [None, 2]
        assert w[:, 0].shape.as_list() == [None]
        assert w[1:].shape.as_list() == [None, 2]
        assert w[..., None].shape.as_list() == [None, 2, 1]
        assert w[0].shape.as_list() == [2]
        assert c[1:3, ::-1].shape.as_list() == [2, 3]
        assert c[tf.constant(1)].shape.as_list() == [3]
        assert c[1].op.type == "StridedSlice"
        assert tf.slice(c, [1, 0], [-1, 2]).shape.as_list() == [3, 2]
        with pytest.raises(ValueError, match="slice index 7 of dimension 0 out of bounds"):
            c[7]


def test_graph_mode_runs_in_session():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(M)
        y = c[::-1, 1]
        with tf.compat.v1.Session() as sess:
            np.testing.assert_array_equal(sess.run(y), M[::-1, 1])


def test_graph_op_names_follow_tf():
    with tf.Graph().as_default() as g:
        c = tf.constant([[1, 2], [3, 4]])
        a, b = c[0], c[1:, ::-1]
        assert (a.name, b.name) == ("strided_slice:0", "strided_slice_1:0")
        names = [op.name for op in g.get_operations()]
        assert names[1:5] == ["strided_slice/stack", "strided_slice/stack_1",
                              "strided_slice/stack_2", "strided_slice"]
        assert tf.boolean_mask(c, [True, False]).name == "boolean_mask/GatherV2:0"


_ITEM = st.one_of(
    st.integers(-4, 3),
    st.builds(slice, st.one_of(st.none(), st.integers(-6, 6)),
              st.one_of(st.none(), st.integers(-6, 6)),
              st.one_of(st.none(), st.integers(-3, 3).filter(bool))),
    st.just(None),
)


@settings(deadline=None, max_examples=80)
@given(st.lists(_ITEM, max_size=3), st.booleans(), st.integers(0, 3))
def test_random_keys_match_numpy(items, with_ellipsis, pos):
    x = np.arange(60).reshape(3, 4, 5)
    key = list(items)
    if with_ellipsis:
        key.insert(min(pos, len(key)), Ellipsis)
    key = tuple(key)
    try:
        want = x[key]
    except IndexError:
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.constant(x)[key]
        return
    got = tf.constant(x)[key]
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


def test_shrink_axis_needs_a_positive_stride():
    x = tf.constant([-4, -3, -4])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="only stride 1 allowed on non-range indexing."):
        tf.strided_slice(x, [2], [1], [-2], shrink_axis_mask=1)
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.int32, shape=[3])
        with pytest.raises(ValueError, match="only stride 1 allowed on non-range indexing."):
            tf.strided_slice(p, [2], [1], [-1], shrink_axis_mask=1)
        q = tf.compat.v1.placeholder(tf.int32, shape=None)
        out = tf.strided_slice(q, [2], [1], [-1], shrink_axis_mask=1)  # known only at run time
        with tf.compat.v1.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="only stride 1 allowed"):
                sess.run(out, {q: np.array([1, 2, 3], np.int32)})
    assert int(tf.strided_slice(x, [0], [1], [2], shrink_axis_mask=1)) == -4
