# Reductions: reduce_*, axis/keepdims forms, errors.
import numpy as np
import tensorflow as tf

m = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

# %% sum_all
tf.reduce_sum(m)

# %% sum_axis0
tf.reduce_sum(m, axis=0)

# %% sum_axis1_keepdims
tf.reduce_sum(m, axis=1, keepdims=True)

# %% sum_axis_list
tf.reduce_sum(m, axis=[0, 1])

# %% sum_axis_negative
tf.reduce_sum(m, axis=-1)

# %% sum_axis_empty_list
tf.reduce_sum(m, axis=[])

# %% sum_axis_tensor
tf.reduce_sum(m, axis=tf.constant(0))

# %% sum_bad_axis
tf.reduce_sum(m, axis=2)

# %% sum_duplicate_axis
tf.reduce_sum(m, axis=[0, 0])

# %% sum_int
tf.reduce_sum(tf.constant([1, 2, 3]))

# %% sum_bool_error
tf.reduce_sum(tf.constant([True, False]))

# %% sum_empty
tf.reduce_sum(tf.zeros([0]))

# %% mean
tf.reduce_mean(m)

# %% mean_int_truncates
tf.reduce_mean(tf.constant([1, 2]))

# %% mean_axis
tf.reduce_mean(m, axis=0)

# %% mean_empty_nan
tf.reduce_mean(tf.zeros([0]))

# %% max_min
print(tf.reduce_max(m).numpy(), tf.reduce_min(m, axis=1).numpy())

# %% max_empty
tf.reduce_max(tf.zeros([0]))

# %% min_int_empty
tf.reduce_min(tf.zeros([0], tf.int32))

# %% prod
tf.reduce_prod(m, axis=1)

# %% any_all
b = tf.constant([[True, False], [True, True]])
print(tf.reduce_any(b, axis=1).numpy(), tf.reduce_all(b, axis=0).numpy(), tf.reduce_all(b).numpy())

# %% any_on_float_error
tf.reduce_any(tf.constant([1.0]))

# %% logsumexp rtol=1e-6
tf.reduce_logsumexp(m, axis=1)

# %% std_variance rtol=1e-6
print(np.round(tf.math.reduce_std(m).numpy(), 5), np.round(tf.math.reduce_variance(m, axis=0).numpy(), 5))

# %% euclidean_norm rtol=1e-6
tf.math.reduce_euclidean_norm(tf.constant([[3.0, 4.0], [6.0, 8.0]]), axis=1)

# %% norm_default rtol=1e-6
tf.norm(tf.constant([3.0, 4.0]))

# %% norm_ord1 rtol=1e-6
tf.norm(tf.constant([[1.0, -2.0], [3.0, -4.0]]), ord=1)

# %% norm_fro_axis rtol=1e-6
tf.norm(m, ord="fro", axis=[0, 1])

# %% norm_inf rtol=1e-6
tf.norm(tf.constant([1.0, -5.0, 3.0]), ord=np.inf)

# %% reduce_sum_python_list
tf.reduce_sum([[1, 2], [3, 4]], 1)

# %% reduce_mean_float64
tf.reduce_mean(np.array([1.0, 2.0]))

# %% math_reduce_alias
print(tf.math.reduce_sum is tf.reduce_sum or tf.math.reduce_sum(m).numpy() == tf.reduce_sum(m).numpy())

# %% segment_sum
tf.math.segment_sum([1, 2, 3, 4], [0, 0, 1, 1])

# %% unsorted_segment_sum
tf.math.unsorted_segment_sum([1, 2, 3, 4], [1, 0, 1, 0], num_segments=2)

# %% segment_mean
tf.math.segment_mean([1.0, 3.0, 5.0], [0, 0, 1])

# %% unsorted_segment_max
tf.math.unsorted_segment_max([1, 5, 3], [0, 0, 1], num_segments=3)

# %% segment_ids_not_sorted_error
tf.math.segment_sum([1, 2, 3], [1, 0, 1])

# %% reduce_max_keepdims_3d
tf.reduce_max(tf.reshape(tf.range(24), [2, 3, 4]), axis=[0, 2], keepdims=True)

# %% reduce_sum_uint8_overflows
tf.reduce_sum(tf.constant([200, 100], tf.uint8))

# %% reduce_mean_keepdims_shape
tf.reduce_mean(tf.zeros([2, 3, 4]), axis=(1,), keepdims=True).shape

# %% reduce_sum_float_axis_error
tf.reduce_sum(m, axis=0.5)
