# dtypes: casting, promotion rules, mixing dtypes, numpy interop.
import numpy as np
import tensorflow as tf

# %% cast_float_to_int_truncates
tf.cast([1.7, -1.7, 2.5], tf.int32)

# %% cast_int_to_bool
tf.cast([0, 1, 2], tf.bool)

# %% cast_bool_to_float
tf.cast([True, False], tf.float32)

# %% cast_to_uint8_wraps
tf.cast(tf.constant([300, -1]), tf.uint8)

# %% cast_float64_to_float16
tf.cast(tf.constant([1.0001, 65504.0, 1e6], tf.float64), tf.float16)

# %% cast_string_error
tf.cast(tf.constant(["1"]), tf.int32)

# %% cast_complex_to_float
tf.cast(tf.constant([1 + 2j]), tf.float32)

# %% add_int_float_error
tf.constant(1) + tf.constant(1.0)

# %% add_int32_int64_error
tf.add(tf.constant(1, tf.int32), tf.constant(1, tf.int64))

# %% add_python_float_to_int_tensor
tf.constant([1, 2]) + 1.5

# %% add_python_int_to_float_tensor
tf.constant([1.5, 2.5]) + 1

# %% mul_float64_numpy_scalar
tf.constant([1.0, 2.0]) * np.float64(2.0)

# %% add_numpy_array_float64
tf.constant([1.0, 2.0]) + np.array([1.0, 2.0])

# %% divide_ints_gives_float64
tf.constant([3, 4]) / tf.constant([2, 2])

# %% divide_int32_truediv
(tf.constant(7) / 2).dtype

# %% floordiv_ints
tf.constant([7, -7]) // 2

# %% mod_negative
tf.constant([7, -7]) % 3

# %% float_mod
tf.constant([7.5, -7.5]) % 2.0

# %% pow_int
tf.constant([2, 3]) ** 2

# %% pow_int_negative_exponent_error
tf.pow(tf.constant(2), tf.constant(-1))

# %% dtype_properties
d = tf.float32
print(d.is_floating, d.is_integer, d.size, d.min, d.max, d.as_numpy_dtype.__name__)

# %% dtype_int_limits
print(tf.int8.min, tf.int8.max, tf.uint16.max, tf.int64.is_unsigned)

# %% dtype_as_dtype
print(tf.as_dtype("float64"), tf.as_dtype(np.int32), tf.as_dtype(bool))

# %% dtype_as_dtype_bad
tf.as_dtype("floaty")

# %% dtype_equality
print(tf.float32 == np.float32, tf.float32 == "float32", tf.int32 == tf.int64)

# %% dtypes_module
print(tf.dtypes.float32 is tf.float32, tf.dtypes.as_dtype("bool"))

# %% bfloat16
tf.cast([1.0, 2.5], tf.bfloat16).dtype

# %% saturate_cast
tf.saturate_cast(tf.constant([300.0, -5.0]), tf.uint8)

# %% bitcast
tf.bitcast(tf.constant(1.0), tf.int32)

# %% cast_nan_to_int
tf.cast(tf.constant([1.0]), tf.int64)

# %% is_tensor
print(tf.is_tensor(tf.constant(1)), tf.is_tensor(np.ones(2)), tf.is_tensor(tf.Variable(1)))

# %% compare_int_float_error
tf.constant(1) < tf.constant(2.0)

# %% equality_op_elementwise
tf.constant([1, 2]) == tf.constant([1, 3])

# %% equality_incompatible_shapes
tf.constant([1, 2]) == tf.constant([1, 2, 3])

# %% equality_with_none
tf.constant([1, 2]) == None

# %% string_concat_plus
tf.constant("a") + tf.constant("b")

# %% string_plus_int_error
tf.constant("a") + 1

# %% logical_and_op
tf.constant([True, False]) & tf.constant([True, True])

# %% bitwise_int
tf.constant([6]) & tf.constant([3])

# %% invert_bool
~tf.constant([True, False])

# %% neg_unsigned
-tf.constant([1], tf.uint8)

# %% abs_int
abs(tf.constant([-3, 4]))

# %% matmul_int_vs_float_error
tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.int32))

# %% experimental_numpy_behavior_absent
tf.constant([1, 2]).numpy().dtype
