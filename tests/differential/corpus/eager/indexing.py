# Indexing and slicing tensors (__getitem__), tf.slice, tf.strided_slice, gather, boolean_mask.
import numpy as np
import tensorflow as tf

x = tf.reshape(tf.range(24), [2, 3, 4])

# %% index_int
x[1]

# %% index_negative
x[-1, -1]

# %% slice_basic
x[:, 1:3]

# %% slice_step
x[0, :, ::2]

# %% slice_negative_step
x[0, 0, ::-1]

# %% ellipsis
x[..., 0]

# %% newaxis
x[tf.newaxis, 0].shape

# %% none_index
x[:, None, 0].shape

# %% index_out_of_range
x[5]

# %% index_out_of_range_second_axis
x[0, 3]

# %% slice_out_of_range_clamps
x[0, 1:10, 3:]

# %% index_by_tensor
x[tf.constant(1)]

# %% index_by_float_error
x[1.0]

# %% index_by_list_error
x[[0, 1]]

# %% too_many_indices
x[0, 0, 0, 0]

# %% scalar_index_error
tf.constant(3)[0]

# %% slice_op
tf.slice(x, [0, 1, 0], [1, 2, 2])

# %% slice_op_minus_one
tf.slice(x, [1, 0, 2], [-1, 2, -1])

# %% slice_op_out_of_bounds
tf.slice(x, [0, 0, 0], [3, 1, 1])

# %% strided_slice
tf.strided_slice(x, [0, 0, 0], [2, 3, 4], [1, 2, 2])

# %% gather_axis0
tf.gather(x, [1, 0])[:, 0, 0]

# %% gather_axis2
tf.gather(x, [3, 0], axis=2)[0]

# %% gather_batch_dims
tf.gather(tf.constant([[1, 2, 3], [4, 5, 6]]), [[2, 0], [1, 1]], batch_dims=1)

# %% gather_out_of_range
tf.gather(tf.constant([1, 2, 3]), [3])

# %% gather_negative_index
tf.gather(tf.constant([1, 2, 3]), [-1])

# %% gather_nd
tf.gather_nd(x, [[0, 1, 2], [1, 2, 3]])

# %% gather_nd_slices
tf.gather_nd(x, [[1, 0]])

# %% gather_nd_out_of_range
tf.gather_nd(tf.constant([[1, 2]]), [[1, 0]])

# %% boolean_mask
tf.boolean_mask(tf.constant([1, 2, 3, 4]), [True, False, True, False])

# %% boolean_mask_2d
tf.boolean_mask(tf.constant([[1, 2], [3, 4], [5, 6]]), [False, True, True])

# %% boolean_mask_shape_mismatch
tf.boolean_mask(tf.constant([1, 2, 3]), [True, False])

# %% where_condition_only
tf.where([[True, False], [False, True]])

# %% where_select
tf.where([True, False, True], [1, 2, 3], [10, 20, 30])

# %% where_broadcast
tf.where(tf.constant([1.0, -2.0, 3.0]) > 0, 1.0, 0.0)

# %% numpy_style_mask_index
v = tf.constant([1, 2, 3, 4])
v[v > 2]

# %% tensor_scatter_nd_update
tf.tensor_scatter_nd_update(tf.zeros([4], tf.int32), [[1], [3]], [7, 9])

# %% tensor_scatter_nd_add
tf.tensor_scatter_nd_add(tf.ones([2, 2]), [[0, 0]], [5.0])

# %% scatter_nd
tf.scatter_nd([[0], [2]], [1.0, 2.0], [4])

# %% item_assignment_error
t = tf.constant([1, 2, 3])
t[0] = 5

# %% unstack
[t.numpy().tolist() for t in tf.unstack(tf.constant([[1, 2], [3, 4]]))]

# %% split_equal
[s.shape.as_list() for s in tf.split(tf.zeros([6, 2]), 3)]

# %% split_sizes
[s.numpy().tolist() for s in tf.split(tf.range(5), [2, 3])]

# %% split_uneven_error
tf.split(tf.range(5), 2)
