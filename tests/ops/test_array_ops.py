"""Array ops: values, dtypes, TF error messages and graph-mode static shapes."""

import numpy as np
import pytest

import tfedu as tf

IAE = tf.errors.InvalidArgumentError


def test_creation_dtypes_and_values():
    assert tf.zeros([2, 3]).dtype == tf.float32 and tf.eye(2).dtype == tf.float32
    assert str(tf.eye(2, 3)) == ("tf.Tensor(\n[[1. 0. 0.]\n [0. 1. 0.]], shape=(2, 3), "
                                 "dtype=float32)")
    assert tf.eye(2, batch_shape=[3], dtype=tf.int32).shape == (3, 2, 2)
    assert str(tf.linspace(0.0, 1.0, 5)) == ("tf.Tensor([0.   0.25 0.5  0.75 1.  ], shape=(5,), "
                                             "dtype=float32)")
    assert tf.zeros(tf.constant([2, 1]), dtype=tf.int64).shape == (2, 1)
    assert tf.ones([tf.constant(2), 3]).shape == (2, 3)
    assert tf.zeros_like([1, 2], dtype=tf.float32).dtype == tf.float32
    assert tf.ones_like(tf.constant([[1, 2]]), dtype=tf.bool).numpy().all()
    assert tf.size(tf.constant([1, 2]), out_type=tf.int64).dtype == tf.int64
    assert int(tf.rank(tf.zeros([2, 3, 4]))) == 3


def test_convert_list_of_tensors_packs():
    out = tf.convert_to_tensor([tf.constant(1), 2])
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [1, 2])
    out = tf.convert_to_tensor([[tf.constant(1.0), 2.0], [3.0, 4.0]])
    assert out.shape == (2, 2)
    with tf.Graph().as_default():
        p = tf.zeros([3])
        assert tf.convert_to_tensor([p, p]).shape.as_list() == [2, 3]


def test_transpose():
    x = tf.reshape(tf.range(6), [2, 3])
    np.testing.assert_array_equal(tf.transpose(x).numpy(), np.arange(6).reshape(2, 3).T)
    y = tf.zeros([2, 3, 4])
    assert tf.transpose(y, [1, 2, 0]).shape == (3, 4, 2)
    c = tf.constant([[1 + 2j]])
    assert tf.transpose(c, conjugate=True).numpy()[0, 0] == 1 - 2j
    with pytest.raises(IAE, match="transpose expects a vector of size 3"):
        tf.transpose(y, [1, 0])
    with pytest.raises(IAE, match="is duplicated"):
        tf.transpose(y, [0, 0, 1])


def test_concat_and_errors():
    assert str(tf.concat([[1, 2], [3]], axis=0)) == "tf.Tensor([1 2 3], shape=(3,), dtype=int32)"
    a = tf.zeros([2, 3])
    assert tf.concat([a, a], -1).shape == (2, 6)
    with pytest.raises(IAE) as e:
        tf.concat([a, tf.zeros([2, 2])], 0)
    assert str(e.value) == ("{{function_node __wrapped__ConcatV2_N_2_device_/job:localhost/"
                            "replica:0/task:0/device:CPU:0}} ConcatOp : Dimension 1 in both "
                            "shapes must be equal: shape[0] = [2,3] vs. shape[1] = [2,2] "
                            "[Op:ConcatV2] name: concat")
    with pytest.raises(IAE, match=r"__wrapped__Pack_N_2_device.*\[Op:Pack\] name: stack"):
        tf.stack([[1, 2], [1, 2, 3]])
    with pytest.raises(IAE, match="Ranks of all input tensors should match"):
        tf.concat([a, tf.zeros([3])], 0)
    with pytest.raises(IAE, match=r"range \[-2, 2\), but got 2"):
        tf.concat([a, a], 2)


def test_split():
    t = tf.range(6)
    assert [p.numpy().tolist() for p in tf.split(t, 3)] == [[0, 1], [2, 3], [4, 5]]
    assert [p.numpy().tolist() for p in tf.split(t, [1, 5])] == [[0], [1, 2, 3, 4, 5]]
    assert [p.shape for p in tf.split(t, [2, -1])] == [(2,), (4,)]
    with pytest.raises(IAE, match=r"__wrapped__Split_num_split_4_device.*split_dim 0 \(size = 6\) "
                                  r"and num_split 4 \[Op:Split\] name: split"):
        tf.split(t, 4)
    with pytest.raises(IAE, match="Determined shape must either match"):
        tf.split(t, [2, 2])


def test_tile_pad_reverse_roll_repeat():
    assert tf.tile([[1, 2]], [2, 2]).numpy().tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert tf.pad([[1, 2]], [[1, 0], [0, 1]]).numpy().tolist() == [[0, 0, 0], [1, 2, 0]]
    assert tf.pad([1, 2, 3], [[2, 2]], mode="REFLECT").numpy().tolist() == [3, 2, 1, 2, 3, 2, 1]
    assert tf.pad([1, 2, 3], [[2, 1]], mode="symmetric").numpy().tolist() == [2, 1, 1, 2, 3, 3]
    assert tf.pad([1, 2], [[1, 1]], constant_values=7).numpy().tolist() == [7, 1, 2, 7]
    with pytest.raises(IAE, match="paddings must be no greater than the dimension size"):
        tf.pad([1, 2, 3], [[3, 0]], mode="REFLECT")
    with pytest.raises(ValueError, match="mode"):
        tf.pad([1], [[1, 1]], mode="EDGE")
    assert tf.reverse([[1, 2], [3, 4]], axis=[1]).numpy().tolist() == [[2, 1], [4, 3]]
    assert tf.roll([1, 2, 3, 4], shift=1, axis=0).numpy().tolist() == [4, 1, 2, 3]
    assert tf.repeat([1, 2], repeats=[2, 3]).numpy().tolist() == [1, 1, 2, 2, 2]
    assert tf.repeat([[1, 2], [3, 4]], 2, axis=1).numpy().tolist() == [[1, 1, 2, 2],
                                                                        [3, 3, 4, 4]]


def test_squeeze_expand_dims():
    assert tf.squeeze(tf.zeros([1, 3, 1])).shape == (3,)
    assert tf.squeeze(tf.zeros([1, 3, 1]), axis=-1).shape == (1, 3)
    assert tf.expand_dims(tf.range(6), 0).shape == (1, 6)
    assert tf.expand_dims(tf.range(6), -1).shape == (6, 1)
    with pytest.raises(IAE, match=r"Can not squeeze dim\[1\], expected a dimension of 1, got 3"):
        tf.squeeze(tf.zeros([1, 3]), 1)
    with pytest.raises(IAE, match="Tried to expand dim index 3"):
        tf.expand_dims(tf.zeros([2]), 3)


def test_one_hot():
    out = tf.one_hot([0, 2, -1], depth=3)
    assert out.dtype == tf.float32
    assert out.numpy().tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    out = tf.one_hot([1, 0], 2, on_value=5, off_value=-1, axis=0)
    assert out.dtype == tf.int32 and out.numpy().tolist() == [[-1, 5], [5, -1]]
    assert tf.one_hot([1], 3, dtype=tf.int64).dtype == tf.int64


def test_sort_argsort_unique():
    x = tf.constant([3, 1, 2, 1])
    assert tf.sort(x).numpy().tolist() == [1, 1, 2, 3]
    assert tf.sort(x, direction="DESCENDING").numpy().tolist() == [3, 2, 1, 1]
    assert tf.argsort(x).numpy().tolist() == [1, 3, 2, 0]
    assert tf.argsort(x, direction="DESCENDING", stable=True).numpy().tolist() == [0, 2, 1, 3]
    m = np.array([[3.0, 1.0], [0.0, 2.0]])
    np.testing.assert_array_equal(tf.sort(m, axis=0).numpy(), np.sort(m, axis=0))
    with pytest.raises(ValueError, match="direction"):
        tf.sort(x, direction="UP")
    u = tf.unique([1, 1, 2])
    assert repr(u).startswith("Unique(y=<tf.Tensor: shape=(2,), dtype=int32")
    y, idx = tf.unique(tf.constant([4, 2, 4, 1, 2]))
    assert y.numpy().tolist() == [4, 2, 1] and idx.numpy().tolist() == [0, 1, 0, 2, 1]
    c = tf.unique_with_counts(tf.constant([4, 2, 4]))
    assert c.count.numpy().tolist() == [2, 1]
    assert tf.unique([1, 2], out_idx=tf.int64).idx.dtype == tf.int64


def test_meshgrid_sequence_mask():
    X, Y = tf.meshgrid([1, 2, 3], [10, 20])
    assert X.numpy().tolist() == [[1, 2, 3], [1, 2, 3]]
    assert Y.numpy().tolist() == [[10, 10, 10], [20, 20, 20]]
    X, Y = tf.meshgrid([1, 2, 3], [10, 20], indexing="ij")
    assert X.shape == (3, 2)
    m = tf.sequence_mask([1, 3], maxlen=4)
    assert m.dtype == tf.bool
    assert m.numpy().tolist() == [[True, False, False, False], [True, True, True, False]]
    assert tf.sequence_mask([2, 1], dtype=tf.float32).numpy().tolist() == [[1, 1], [1, 0]]


def test_gather_values_and_errors():
    t = tf.constant([10, 20, 30, 40])
    assert tf.gather(t, [3, 0, 0]).numpy().tolist() == [40, 10, 10]
    m = tf.constant([[1, 2], [3, 4]])
    assert tf.gather(m, [1], axis=1).numpy().tolist() == [[2], [4]]
    assert tf.gather(m, [[1, 0], [0, 0]], axis=1, batch_dims=1).numpy().tolist() == [[2, 1],
                                                                                      [3, 3]]
    assert tf.gather(m, tf.constant([1], tf.int64)).numpy().tolist() == [[3, 4]]
    with pytest.raises(IAE) as e:
        tf.gather([1, 2, 3], 5)
    assert "indices = 5 is not in [0, 3)" in str(e.value)
    with pytest.raises(IAE, match=r"indices\[1\] = -1 is not in \[0, 3\)"):
        tf.gather([1, 2, 3], [0, -1])
    with pytest.raises(IAE, match=r"Shape must be at least rank 3 but is rank 2"):
        tf.gather(m, [0], axis=2)


def _session_run(build, *feeds, unknown=()):
    """Build with placeholders (those numbered in `unknown` of unknown shape), run `feeds`."""
    with tf.Graph().as_default() as g:
        ph = [tf.compat.v1.placeholder(tf.as_dtype(np.asarray(f).dtype),
                                       shape=None if i in unknown else np.shape(f))
              for i, f in enumerate(feeds)]
        out = build(*ph)
        with tf.compat.v1.Session(graph=g) as sess:
            return sess.run(out, dict(zip(ph, feeds)))


def test_gather_with_a_zero_axis_ignores_batch_dims_as_tf():
    x = tf.constant([1.0, 2.0, 3.0])
    out = tf.gather(x, [[0, 2]], axis=0, batch_dims=1)
    assert out.shape == (1, 2) and out.dtype == tf.float32
    assert out.numpy().tolist() == [[1.0, 3.0]]


def test_gather_checks_shapes_when_tf_does():
    m = np.ones([4, 4, 1], np.float32)
    idx = np.array([[0, 1]], np.int32)
    gather = tf.function(lambda p, i: tf.gather(p, i, axis=1, batch_dims=1))
    with pytest.raises(IAE, match=r"params.shape\[0\]: 4 should be equal to indices.shape\[0\]: 1"):
        gather(m, idx)  # the kernel's check, at run time
    with pytest.raises(ValueError, match="Shape must be at least rank 5 but is rank 2 for "
                       "'{{node GatherV2}}"):
        _session_run(lambda p, i: tf.gather(p, i, axis=4), m[0], idx[0], unknown=(1,))
    with pytest.raises(ValueError, match="Shape must be at least rank 2 but is rank 1"):
        _session_run(lambda p, i: tf.gather(p, i, axis=-1, batch_dims=1), m[0, :, 0], idx[0],
                     unknown=(1,))
    with pytest.raises(IAE, match=r"Expected batch_dims in the range \[-1, 1\], but got -2"):
        tf.gather(m[0], idx[0], axis=1, batch_dims=-2)
    with pytest.raises(IAE, match=r"batch_dims \(1\) must be less than rank\(params\) \(1\)"):
        tf.gather(m[0, :, 0], idx[0, :1], axis=-1, batch_dims=1)


def test_gather_reads_no_index_when_the_result_is_empty():
    out = tf.gather(tf.zeros([2, 0]), [-1, 7])
    assert out.shape == (2, 0) and out.dtype == tf.float32
    out = _session_run(lambda p, i: tf.gather(p, i, axis=1), np.zeros([0, 3], np.float32),
                       np.array([-1, 7], np.int32), unknown=(1,))
    assert out.shape == (0, 2)
    out = _session_run(lambda p, i: tf.gather(p, i), np.array([b"a", b"b"], dtype=object),
                       np.array(0, np.int32))
    assert out == b"a"


def test_gather_nd_on_empty_params_and_scalars():
    with pytest.raises(IAE, match=r"Requested more than 0 entries, but params is empty.  Params "
                       r"shape: \[2,0\]"):
        tf.gather_nd(tf.zeros([2, 0]), [[0]])
    assert tf.gather_nd(tf.zeros([2, 0]), np.zeros([0, 1], np.int32)).shape == (0, 0)
    with pytest.raises(IAE, match="params must be at least a vector"):
        tf.gather_nd(tf.constant(1.0), np.zeros([0], np.int32))
    with pytest.raises(ValueError, match=r"indices.shape\[-1\] must be <= params.rank, but saw "
                       r"indices shape: \[1,3\] and params shape: \[2,3\]"):
        tf.function(tf.gather_nd)(tf.ones([2, 3]), tf.constant([[0, 0, 0]]))
    with pytest.raises(IAE, match="index innermost dimension length must be <= params rank; "
                       "saw: 3 vs. 2"):
        _session_run(tf.gather_nd, np.ones([2, 3], np.float32), np.array([[0, 0, 0]], np.int32),
                     unknown=(0, 1))
    out = tf.gather_nd(tf.ones([2, 3]), np.zeros([2, 0], np.int32))
    assert out.shape == (2, 2, 3)
    out = _session_run(tf.gather_nd, np.array([b"a", b"b"], dtype=object),
                       np.array([1], np.int32))
    assert out == b"b" and isinstance(out, bytes)


def test_gather_nd_boolean_mask_where():
    m = tf.constant([[1, 2], [3, 4]])
    assert tf.gather_nd(m, [[0, 1], [1, 0]]).numpy().tolist() == [2, 3]
    assert tf.gather_nd(m, [[1]]).numpy().tolist() == [[3, 4]]
    with pytest.raises(IAE, match=r"indices\[0\] = \[2, 0\] does not index into param shape"):
        tf.gather_nd(m, [[2, 0]])
    t = tf.constant([10, 20, 30, 40])
    assert tf.boolean_mask(t, [True, False, True, False]).numpy().tolist() == [10, 30]
    assert tf.boolean_mask(m, [False, True], axis=1).numpy().tolist() == [[2], [4]]
    x = tf.reshape(tf.range(8), [2, 2, 2])
    assert tf.boolean_mask(x, [[True, False], [False, True]]).numpy().tolist() == [[0, 1],
                                                                                   [6, 7]]
    with pytest.raises(ValueError, match="incompatible"):
        tf.boolean_mask(t, [True, False])
    w = tf.where(t > 25)
    assert w.dtype == tf.int64 and w.numpy().tolist() == [[2], [3]]
    assert tf.where(t > 25, t, -t).numpy().tolist() == [-10, -20, 30, 40]


def test_identity_n_and_invert_permutation():
    a, b = tf.identity_n([tf.constant(1.0), tf.constant(2.0)])
    assert float(a) == 1.0 and float(b) == 2.0
    assert tf.math.invert_permutation([2, 0, 1]).numpy().tolist() == [1, 2, 0]


def test_graph_static_shapes():
    with tf.Graph().as_default():
        c = tf.constant(np.zeros((4, 3), np.float32))
        w = tf.where(c > 0)  # [None, 2]
        assert tf.transpose(w).shape.as_list() == [2, None]
        assert tf.concat([w, w], 0).shape.as_list() == [None, 2]
        assert tf.concat([c, c], 1).shape.as_list() == [4, 6]
        assert tf.gather(c, [0, 1]).shape.as_list() == [2, 3]
        assert tf.gather(w, [0, 1, 1], axis=1).shape.as_list() == [None, 3]
        assert tf.split(w, 2, axis=1)[0].shape.as_list() == [None, 1]
        assert tf.tile(w, [2, 3]).shape.as_list() == [None, 6]
        assert tf.pad(w, [[1, 1], [0, 0]]).shape.as_list() == [None, 2]
        assert tf.expand_dims(w, 1).shape.as_list() == [None, 1, 2]
        assert tf.one_hot(tf.cast(w[:, 0], tf.int32), 5).shape.as_list() == [None, 5]
        assert tf.boolean_mask(c, c[:, 0] > 0).shape.as_list() == [None, 3]
        assert tf.ones_like(w, dtype=tf.float32).shape.as_list() == [None, 2]
        assert tf.ones([tf.shape(w)[0], 2]).shape.as_list() == [None, 2]
        assert tf.reshape(c, tf.shape(w)).shape.as_list() == [None, 2]
        with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal"):
            tf.concat([c, tf.zeros([4, 2])], 0)


def test_linspace_ints_ensure_shape_searchsorted():
    out = tf.linspace(1, 10, 3)
    assert out.dtype == tf.float64 and out.numpy().tolist() == [1.0, 5.5, 10.0]
    assert tf.ensure_shape(tf.zeros([2, 3]), [None, 3]).shape == (2, 3)
    with pytest.raises(IAE, match=r"is not compatible with expected shape \[\?,4\]"):
        tf.ensure_shape(tf.zeros([2, 3]), [None, 4])
    assert tf.broadcast_dynamic_shape([2, 1], [3]).numpy().tolist() == [2, 3]
    with pytest.raises(IAE, match="Incompatible shapes"):
        tf.broadcast_dynamic_shape([2], [3])
    assert tf.searchsorted([1, 3, 5], [0, 3, 6]).numpy().tolist() == [0, 1, 3]
    assert tf.searchsorted([1, 3, 5], [3], side="right").numpy().tolist() == [2]
    assert tf.searchsorted([[1, 3], [2, 4]], [[2], [5]]).numpy().tolist() == [[1], [2]]
    assert [s.numpy().tolist() for s in tf.shape_n([tf.zeros([2]), tf.zeros([1, 2])])] == [
        [2], [1, 2]]
    with tf.Graph().as_default():
        x = tf.zeros([3, 1])
        assert tf.ensure_shape(tf.reshape(x, tf.shape(x)), [None, 1]).shape.as_list() == [3, 1]


def test_stack_of_python_values_is_a_constant():
    out = tf.stack([1, 2.5])
    assert out.dtype == tf.float32 and out.numpy().tolist() == [1.0, 2.5]
    assert tf.stack([[1, 2], [3, 4]], axis=1).numpy().tolist() == [[1, 3], [2, 4]]
    with pytest.raises(IAE, match=r"__wrapped__Pack_N_2_device.*\[Op:Pack\] name: stack"):
        tf.stack([[1, 2], [1, 2, 3]])


def test_dynamic_partition_stitch_unravel():
    a, b = tf.dynamic_partition([10, 20, 30, 40], [0, 1, 0, 1], 2)
    assert a.numpy().tolist() == [10, 30] and b.numpy().tolist() == [20, 40]
    merged = tf.dynamic_stitch([[0, 2], [1, 3]], [[1, 2], [3, 4]])
    assert merged.numpy().tolist() == [1, 3, 2, 4]
    assert tf.unravel_index([5, 7], [3, 3]).numpy().tolist() == [[1, 2], [2, 1]]
    with pytest.raises(IAE, match=r"partitions\[1\] = 3 is not in \[0, 2\)"):
        tf.dynamic_partition([1, 2], [0, 3], 2)
    with tf.Graph().as_default():
        parts = tf.dynamic_partition(tf.zeros([4, 3]), [0, 1, 0, 1], 2)
        assert parts[0].shape.as_list() == [None, 3]


def test_reshape_checks_as_tf_kernel_and_shape_function():
    x = np.ones([3, 4], np.float32)
    with pytest.raises(IAE, match="Only one input size may be -1, not both 0 and 1"):
        tf.reshape(x, [-1, -1])
    with pytest.raises(IAE, match="Only one input size may be -1, not both 0 and 1"):
        _session_run(lambda t: tf.reshape(t, [-1, -1]), x)  # a run-time check in graphs too
    with pytest.raises(IAE, match="Input to reshape is a tensor with 12 values, but the "
                       "requested shape requires a multiple of 5"):
        _session_run(lambda t: tf.reshape(t, [5, -1]), x, unknown=(0,))
    with pytest.raises(ValueError, match="Dimension size must be evenly divisible by 5 but is 12"):
        _session_run(lambda t: tf.reshape(t, [5, -1]), x)
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 12 elements to shape "
                       r"\[5\] \(5 elements\)"):
        _session_run(lambda t: tf.reshape(t, [5]), x)
    with pytest.raises(IAE, match="Size 0 must be non-negative, not -2"):
        tf.reshape(x, [-2, 3])
    with pytest.raises(IAE, match="Input to reshape is a tensor with 12 values, but the "
                       "requested shape has 0"):
        tf.function(lambda t: tf.reshape(t, [0, -1]))(x)  # known at trace time, checked at run


def test_reshape_infers_the_missing_size_next_to_a_zero():
    out = tf.reshape(tf.zeros([3, 0]), [0, -1])
    assert out.shape == (0, 3) and out.dtype == tf.float32
    out = _session_run(lambda t: tf.reshape(t, [0, -1]), np.zeros([3, 0], np.float32),
                       unknown=(0,))
    assert out.shape == (0, 3)


def test_squeeze_of_a_scalar_and_tile_of_uint16():
    with pytest.raises(IAE, match="Tried to squeeze dim index 0 for tensor with 0 dimensions."):
        tf.squeeze(tf.constant(1.0), axis=0)
    with pytest.raises(ValueError, match=r"squeeze_dims\[0\] not in \[0,0\)."):
        tf.function(lambda t: tf.squeeze(t, axis=0))(tf.constant(1.0))
    with pytest.raises(IAE, match="Tried to squeeze dim index 0 for tensor with 0 dimensions."):
        _session_run(lambda t: tf.squeeze(t, axis=[0]), np.float32(1.0), unknown=(0,))
    with pytest.raises(tf.errors.UnimplementedError, match="TileOp : The input data type is not "
                       "supported, DataType : uint16, Dimension : 2"):
        tf.tile(tf.ones([2, 2], tf.uint16), [1, 2])
    out = tf.tile(tf.ones([2, 2], tf.uint16), [1, 1])
    assert out.dtype == tf.uint16 and out.numpy().tolist() == [[1, 1], [1, 1]]
    out = tf.tile(tf.ones([4, 2, 2], tf.int32), [2 ** 44, 0, 2])  # empty: nothing allocated
    assert out.shape == (2 ** 46, 0, 4) and out.dtype == tf.int32


def test_unstack_checks_num_and_axis_as_tensorflow():
    """`num` must match the axis's length (it gave the first `num` slices), in every mode."""
    x = tf.zeros([4, 1, 4])
    with pytest.raises(IAE, match=r"Input shape axis 2 must equal 2, got shape \[4,1,4\] "
                                  r"\[Op:Unpack\] name: unstack"):
        tf.unstack(x, num=2, axis=2)
    with pytest.raises(ValueError, match="Dimension must be 2 but is 4"):
        tf.function(lambda t: tf.unstack(t, num=2, axis=2))(x)
    with pytest.raises(IAE, match=r"axis = -4 not in \[-3, 3\)"):
        tf.unstack(x, num=4, axis=-4)
    with pytest.raises(ValueError, match=r"Argument `axis` = 3 not in range \[-3, 3\)"):
        tf.unstack(x, axis=3)
    with pytest.raises(IAE, match="Value for attr 'num' of -1 must be at least minimum 0"):
        tf.unstack(x, num=-1)
    assert tf.unstack(x, num=0, axis=5) == []  # TF runs nothing for no outputs
    assert [t.shape.as_list() for t in tf.unstack(x, num=4, axis=-1)] == [[4, 1]] * 4
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [None, 3])
        parts = tf.unstack(p, num=2)
        with pytest.raises(ValueError, match=r"Invalid axis: 2; must be in \[-2,2\)"):
            tf.unstack(p, num=2, axis=2)
        assert tf.unstack(p, num=0) == []
    with tf.compat.v1.Session(graph=g) as sess:
        assert len(sess.run(parts, {p: np.ones([2, 3])})) == 2
        with pytest.raises(IAE, match=r"Input shape axis 0 must equal 2, got shape \[3,3\]"):
            sess.run(parts, {p: np.ones([3, 3])})


H = 1 << 22  # two such sizes: 2**44 elements, beyond any machine


def _run(fetch, feeds):
    with tf.compat.v1.Session(graph=fetch.graph) as sess:
        return sess.run(fetch, feeds)


def test_huge_fills_are_refused_before_any_allocation_in_every_mode():
    """OOM (ResourceExhaustedError) at once, as TF: eagerly, in a Session (static or fed shapes:
    Fill, BroadcastTo and Tile check their output at run time), in a tf.function; there a Fill
    of constants is folded by TF and fails to load, an InvalidArgumentError."""
    oom = r"OOM when allocating tensor with shape\[4194304,4194304\] and type float"
    with pytest.raises(tf.errors.ResourceExhaustedError, match=oom + r".* \[Op:Fill\]"):
        tf.zeros([H, H])
    with pytest.raises(tf.errors.ResourceExhaustedError, match="type bool"):
        tf.zeros([H, H], tf.bool)
    with pytest.raises(tf.errors.ResourceExhaustedError, match=r"\[Op:MatrixDiagV3\] name: diag"):
        tf.eye(H * 8)
    with pytest.raises(IAE, match="Cannot parse tensor from proto"):
        tf.function(lambda: tf.ones([H, H], tf.int64))()
    with pytest.raises(tf.errors.ResourceExhaustedError, match=oom):
        tf.function(lambda v: tf.fill([H, H], v))(tf.constant(1.5))
    assert tf.zeros([H, H, 0]).shape.as_list() == [H, H, 0]
    with tf.Graph().as_default():
        z = tf.zeros([H, H])  # built; refused when run (TF folds it too in larger graphs)
    with pytest.raises(tf.errors.ResourceExhaustedError, match=oom):
        _run(z, {})
    g = tf.Graph()
    with g.as_default():
        dims = tf.compat.v1.placeholder(tf.int32, [None])
        v = tf.compat.v1.placeholder(tf.float32, [None])
        mult = tf.compat.v1.placeholder(tf.int64, [1])
        fed = [tf.fill(dims, 1.0), tf.zeros(dims, tf.string), tf.broadcast_to(v, dims)]
        tiled = tf.tile(v, mult)
    for t in fed:
        with pytest.raises(tf.errors.ResourceExhaustedError, match="OOM when allocating"):
            _run(t, {dims: [H, H], v: np.ones([1], np.float32)})
    with pytest.raises(tf.errors.ResourceExhaustedError, match=r"shape\[17592186044416\]"):
        _run(tiled, {mult: [H * H], v: np.ones([1], np.float32)})
    assert _run(fed[0], {dims: [2, 1]}).tolist() == [[1.0], [1.0]]


def test_float_sizes_of_zeros_and_ones_in_a_graph_as_tensorflow():
    """Eager refuses them; a graph truncates them when the result is small (a constant under
    1000 elements), else refuses them as int32 conversion does."""
    with pytest.raises(TypeError, match=r"Cannot convert \[2.5\] to EagerTensor of dtype int32"):
        tf.zeros([2.5])
    f = tf.function(lambda: (tf.ones([2.5, 2], tf.complex64), tf.zeros([1.5, 3], tf.bool)))
    a, b = f()
    assert (a.shape.as_list(), a.dtype, b.shape.as_list()) == ([2, 2], tf.complex64, [1, 3])
    for shape in ([0.5], [1.5, 3.5, 0.5], [10.5, 10.5, 10.5]):
        with pytest.raises(TypeError, match=f"Expected int32, but got {shape[0]} of type 'float'"):
            tf.function(lambda s=shape: tf.zeros(s))()
    g = tf.Graph()
    with g.as_default():
        assert tf.ones([2.5]).shape.as_list() == [2]
        with pytest.raises(ValueError, match="Fill dimensions must be >= 0"):
            tf.eye(-1, batch_shape=[2])
    with pytest.raises(IAE, match=r"Dimension -1 must be >= 0 \[Op:Fill\]"):
        tf.eye(-1)


def test_stack_checks_the_axis_against_the_first_value_first():
    with pytest.raises(ValueError, match=r"Argument `axis` = 3 not in range \[-2, 2\)"):
        tf.stack([tf.constant([1, 2]), tf.constant([1, 2, 3])], axis=3)
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.int32, shape=None)
        with pytest.raises(ValueError, match=r"Invalid axis: 3; must be in \[-2,2\)"):
            tf.stack([p, tf.constant([1, 2, 3])], axis=3)


def test_one_hot_depth_is_int32_as_in_tf():
    out = tf.one_hot([1, 2], 2 ** 40)  # the low 32 bits: depth 0
    assert out.shape == (2, 0) and out.dtype == tf.float32
    with pytest.raises(IAE, match="depth must be non-negative, got: -727379968"):
        tf.one_hot([1, 2], 10 ** 12)
    with pytest.raises(ValueError, match="Dimension size, given by scalar input 1, must be "
                       "non-negative but is -727379968"):
        tf.function(lambda i: tf.one_hot(i, 10 ** 12))(tf.constant([1, 2]))
    with pytest.raises(IAE, match=r"Expected axis to be -1 or between \[0, 1\).  But received: 2"):
        tf.function(lambda i: tf.one_hot(i, 2 ** 40, axis=2))(tf.constant(5))
    with pytest.raises(IAE, match=r"Expected axis to be -1 or between \[0, 2\).  But received: -2"):
        tf.one_hot([1, 2], 3, axis=-2)


def test_reshape_keeping_the_input_shape_is_removed_in_tf_function_only():
    """Grappler forwards a Reshape to its input's own shape: TF's tf.function returns x for
    tf.reshape(x, [-1, -1]) where eager mode and Session.run refuse two -1."""
    x = tf.constant(np.arange(16, dtype=np.int32).reshape(4, 4))
    msg = "Only one input size may be -1, not both 0 and 1"
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        tf.reshape(x, [-1, -1])
    f = tf.function(lambda t: tf.reshape(t, [-1, -1]))
    np.testing.assert_array_equal(f(x).numpy(), x.numpy())
    assert "shape_simplification: 1 step(s) forward their input" in \
        f.get_concrete_function(x)._compile().explain()
    for target, shape in (([-1, -1], [16]), ([4, -1, -1], [4, 4]), ([-1, -1, 4], [2, 4, 2])):
        g = tf.function(lambda t, target=target: tf.reshape(t, target))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Only one input size may be"):
            g(tf.zeros(shape))  # another rank, or a size that is not the input's: the kernel
    unknown = tf.function(lambda t: tf.reshape(t, [-1, -1]),
                          input_signature=[tf.TensorSpec([None, 4], tf.int32)])
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        unknown(x)
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.int32, [4, 4])
        r = tf.reshape(p, [-1, -1])
        with tf.compat.v1.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                                           match=msg):
            sess.run(r, {p: x.numpy()})


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_where_of_a_large_random_mask_is_numpys(dtype):
    """Large same-shape selects take a branch-free Numba loop: np.where's values exactly."""
    rng = np.random.default_rng(2)
    c = rng.random((130, 129)) > 0.3
    x = (rng.normal(size=c.shape) * 100).astype(dtype)
    y = np.arange(c.size, dtype=dtype).reshape(c.shape)
    if dtype in (np.float32, np.float64):
        x[0, :3] = [np.nan, np.inf, -0.0]
    got = tf.where(c, x, y).numpy()
    np.testing.assert_array_equal(got, np.where(c, x, y))
    assert got.dtype == dtype
    np.testing.assert_array_equal(tf.where(c.T, x.T, y.T).numpy(), np.where(c.T, x.T, y.T))


def test_kernels_check_what_a_fed_shape_hid_from_the_graph(monkeypatch):
    """Session.run of placeholders of unknown shape: the kernels refuse in TF's words."""
    monkeypatch.setenv("TFEDU_MEMORY_BUDGET", str(1 << 30))  # the same budget on any machine
    tf1 = tf.compat.v1
    g = tf1.Graph()
    with g.as_default():
        p = tf1.placeholder(tf.float32, None)
        depth = tf1.placeholder(tf.int32, [])
        to_one = tf.broadcast_to(p, [1])
        reduced = tf.reduce_max(p, axis=[-2, -1], keepdims=True)
        hot = tf.one_hot([0, 3], depth, axis=0)
        with tf1.Session() as s:
            empty = {p: np.zeros([0], np.float32)}
            with pytest.raises(IAE, match=r"Unable to broadcast tensor of shape \[0\] to tensor "
                                          r"of shape \[1\]"):
                s.run(to_one, empty)
            with pytest.raises(IAE, match=r"Invalid reduction dimension \(-2 for input with 1 "
                                          r"dimension\(s\)"):
                s.run(reduced, empty)
            np.testing.assert_array_equal(s.run(hot, {depth: 3}), [[1, 0], [0, 0], [0, 0]])
            with pytest.raises(tf.errors.ResourceExhaustedError, match="OOM when allocating"):
                s.run(hot, {depth: 2 ** 31 - 1})  # 16 GB: refused at once, nothing allocated
