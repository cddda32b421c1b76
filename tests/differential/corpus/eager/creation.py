# Creating tensors: tf.constant, zeros/ones/fill, range, linspace, eye, from numpy and Python.
import numpy as np
import tensorflow as tf

# %% constant_scalar_int
tf.constant(3)

# %% constant_scalar_float
tf.constant(2.5)

# %% constant_list_float
tf.constant([1.0, 2.0, 3.0])

# %% constant_nested
tf.constant([[1, 2, 3], [4, 5, 6]])

# %% constant_dtype_arg
tf.constant([1, 2], dtype=tf.float64)

# %% constant_shape_broadcast
tf.constant(7, shape=[2, 3])

# %% constant_shape_reshape
tf.constant([1, 2, 3, 4, 5, 6], shape=(3, 2))

# %% constant_shape_mismatch
tf.constant([1, 2, 3], shape=[2, 2])

# %% constant_bool
tf.constant([True, False])

# %% constant_string
tf.constant(["hello", "world"])

# %% constant_bytes_scalar
tf.constant(b"abc")

# %% constant_from_numpy_float64
tf.constant(np.array([1.5, 2.5]))

# %% constant_from_numpy_int64
tf.constant(np.arange(4))

# %% constant_from_numpy_float32_keeps
tf.constant(np.ones((2, 2), np.float32)).dtype

# %% constant_python_int_is_int32
tf.constant([1, 2]).dtype

# %% constant_python_float_is_float32
tf.constant(1.0).dtype

# %% constant_complex
tf.constant([1 + 2j, 3 - 1j])

# %% constant_big_int_overflow
tf.constant(2**40)

# %% constant_int_to_float_dtype
tf.constant(1, dtype=tf.float16)

# %% constant_float_to_int_dtype_error
tf.constant(1.5, dtype=tf.int32)

# %% constant_ragged_list_error
tf.constant([[1, 2], [3]])

# %% constant_string_to_float_error
tf.constant("a", dtype=tf.float32)

# %% constant_empty
tf.constant([])

# %% constant_empty_2d
tf.constant(np.zeros((0, 3)))

# %% zeros
tf.zeros([2, 3])

# %% zeros_int
tf.zeros((2,), dtype=tf.int32)

# %% ones
tf.ones([3])

# %% ones_like
tf.ones_like(tf.constant([[1, 2], [3, 4]]))

# %% zeros_like_float
tf.zeros_like([1.5, 2.5])

# %% fill
tf.fill([2, 2], 9)

# %% fill_float
tf.fill((3,), 0.5)

# %% range_stop
tf.range(5)

# %% range_start_stop_delta
tf.range(3, 18, 3)

# %% range_float
tf.range(0.0, 1.0, 0.25)

# %% range_negative_delta
tf.range(5, 0, -2)

# %% range_dtype
tf.range(4, dtype=tf.float32)

# %% range_zero_delta
tf.range(0, 5, 0)

# %% linspace
tf.linspace(0.0, 1.0, 5)

# %% linspace_int_endpoints_dtype
tf.linspace(1, 10, 4).dtype

# %% eye
tf.eye(3)

# %% eye_rect
tf.eye(2, 3, dtype=tf.int32)

# %% eye_batch
tf.eye(2, batch_shape=[2]).shape

# %% convert_to_tensor_list
tf.convert_to_tensor([1, 2, 3])

# %% convert_to_tensor_dtype_hint
tf.convert_to_tensor([1, 2], dtype_hint=tf.float32)

# %% convert_to_tensor_dtype_conflict
tf.convert_to_tensor(tf.constant([1, 2]), dtype=tf.float32)

# %% convert_to_tensor_numpy
tf.convert_to_tensor(np.float32(2.0))

# %% identity
tf.identity(tf.constant([1, 2]))

# %% one_hot
tf.one_hot([0, 2, 1], depth=3)

# %% one_hot_on_off
tf.one_hot([1, 0], depth=2, on_value=5, off_value=-1)

# %% one_hot_minus_one
tf.one_hot([-1, 1], depth=2)

# %% zeros_shape_tensor
tf.zeros(tf.constant([2, 1]))

# %% fill_bad_dims
tf.fill([2, -1], 1)

# %% zeros_negative
tf.zeros([-1, 2])
