# Shapes: reshape, expand_dims, squeeze, transpose, concat/stack, tile, TensorShape.
import numpy as np
import tensorflow as tf

# %% reshape
tf.reshape(tf.range(6), [2, 3])

# %% reshape_minus_one
tf.reshape(tf.range(12), [-1, 4]).shape

# %% reshape_bad_size
tf.reshape(tf.range(6), [4, 2])

# %% reshape_two_minus_one
tf.reshape(tf.range(6), [-1, -1])

# %% reshape_zero_size
tf.reshape(tf.zeros([0, 3]), [3, 0]).shape

# %% reshape_zero_size_minus_one
tf.reshape(tf.zeros([0, 3]), [-1, 3]).shape

# %% expand_dims
tf.expand_dims(tf.constant([1, 2]), 0)

# %% expand_dims_last
tf.expand_dims(tf.constant([1, 2]), -1).shape

# %% expand_dims_bad_axis
tf.expand_dims(tf.constant([1, 2]), 3)

# %% squeeze_all
tf.squeeze(tf.zeros([1, 2, 1])).shape

# %% squeeze_axis
tf.squeeze(tf.zeros([1, 2, 1]), axis=[2]).shape

# %% squeeze_non_one_error
tf.squeeze(tf.zeros([1, 2]), axis=1)

# %% transpose_default
tf.transpose(tf.constant([[1, 2, 3], [4, 5, 6]]))

# %% transpose_perm
tf.transpose(tf.zeros([2, 3, 4]), perm=[2, 0, 1]).shape

# %% transpose_bad_perm
tf.transpose(tf.zeros([2, 3]), perm=[0, 0])

# %% concat_axis0
tf.concat([[1, 2], [3]], axis=0)

# %% concat_axis1
tf.concat([tf.ones([2, 1]), tf.zeros([2, 2])], axis=1)

# %% concat_negative_axis
tf.concat([tf.ones([1, 2]), tf.ones([1, 2])], -1).shape

# %% concat_shape_mismatch
tf.concat([tf.ones([2, 1]), tf.zeros([3, 2])], axis=1)

# %% concat_dtype_mismatch
tf.concat([tf.ones([2]), tf.range(2)], 0)

# %% stack
tf.stack([[1, 2], [3, 4]], axis=1)

# %% stack_mismatch
tf.stack([tf.ones([2]), tf.ones([3])])

# %% tile
tf.tile(tf.constant([[1, 2]]), [2, 3])

# %% tile_bad_multiples
tf.tile(tf.constant([1, 2]), [2, 2])

# %% broadcast_to
tf.broadcast_to(tf.constant([1, 2]), [3, 2])

# %% broadcast_to_error
tf.broadcast_to(tf.constant([1, 2, 3]), [2, 2])

# %% broadcast_static_shape
tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3]))

# %% broadcast_dynamic_shape
tf.broadcast_dynamic_shape([2, 1], [1, 4])

# %% shape_fn
tf.shape(tf.zeros([2, 5]))

# %% shape_out_type
tf.shape(tf.zeros([2]), out_type=tf.int64)

# %% size_and_rank
print(tf.size(tf.zeros([3, 4])).numpy(), tf.rank(tf.zeros([3, 4])).numpy())

# %% tensorshape_ops
s = tf.TensorShape([2, None, 3])
print(s.rank, s[0], s[1], s.as_list(), s.is_fully_defined(), s.num_elements())

# %% tensorshape_merge
tf.TensorShape([None, 3]).merge_with(tf.TensorShape([2, None]))

# %% tensorshape_merge_error
tf.TensorShape([2, 3]).merge_with(tf.TensorShape([3, 3]))

# %% tensorshape_compatible
print(tf.TensorShape([None, 3]).is_compatible_with([5, 3]), tf.TensorShape([2]).is_compatible_with([3]))

# %% tensorshape_concatenate
tf.TensorShape([1]).concatenate([2, 3])

# %% tensorshape_eq
print(tf.TensorShape([1, 2]) == (1, 2), tf.TensorShape([1, 2]) == [1, 2])

# %% tensorshape_slicing
tf.TensorShape([1, 2, 3])[1:]

# %% tensorshape_unknown_rank_as_list
tf.TensorShape(None).as_list()

# %% pad_constant
tf.pad(tf.constant([[1, 2]]), [[1, 0], [0, 2]])

# %% pad_reflect
tf.pad(tf.constant([1, 2, 3]), [[2, 1]], mode="REFLECT")

# %% pad_symmetric
tf.pad(tf.constant([1, 2, 3]), [[2, 1]], mode="SYMMETRIC")

# %% reverse
tf.reverse(tf.constant([[1, 2], [3, 4]]), axis=[1])

# %% roll
tf.roll(tf.range(5), shift=2, axis=0)

# %% meshgrid
[t.numpy().tolist() for t in tf.meshgrid([1, 2], [3, 4, 5])]

# %% repeat
tf.repeat(tf.constant([1, 2]), repeats=[2, 3])

# %% ensure_shape_ok
tf.ensure_shape(tf.zeros([2, 3]), [None, 3]).shape

# %% ensure_shape_error
tf.ensure_shape(tf.zeros([2, 3]), [None, 4])

# %% sequence_mask
tf.sequence_mask([1, 3], 4)

# %% unique
y, idx = tf.unique(tf.constant([1, 1, 2, 4, 4, 4, 7]))
print(y.numpy(), idx.numpy())

# %% fill_dims_from_shape
tf.zeros(tf.shape(tf.ones([2, 3])))
