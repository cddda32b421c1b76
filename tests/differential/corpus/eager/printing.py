# How tensors, variables, shapes and dtypes print (str, repr, numpy()).
import numpy as np
import tensorflow as tf

# %% print_scalar
print(tf.constant(1))

# %% repr_scalar
print(repr(tf.constant(1.5)))

# %% print_matrix
print(tf.constant([[1.0, 2.0], [3.0, 4.0]]))

# %% repr_matrix_int
print(repr(tf.constant([[1, 2], [3, 4]])))

# %% print_bool
print(tf.constant([True, False, True]))

# %% print_strings
print(tf.constant(["a", "bc"]))

# %% repr_string_scalar
print(repr(tf.constant("hi")))

# %% print_float64
print(tf.constant([0.1, 0.2], dtype=tf.float64))

# %% print_large_vector_summarized
print(tf.range(2000))

# %% print_3d
print(tf.reshape(tf.range(8), [2, 2, 2]))

# %% print_empty
print(tf.zeros([0, 2]))

# %% repr_variable
print(repr(tf.Variable([1.0, 2.0])))

# %% repr_variable_named
print(repr(tf.Variable(3, name="counter")))

# %% print_variable
print(tf.Variable([[1, 2]]))

# %% str_tensorshape
print(tf.constant([[1, 2, 3]]).shape)

# %% repr_tensorshape
print(repr(tf.TensorShape([None, 3])))

# %% repr_dtype
print(repr(tf.float32), tf.int64, tf.string.name)

# %% numpy_value
t = tf.constant([1.0, 2.0])
print(t.numpy(), type(t.numpy()).__name__)

# %% numpy_scalar_type
print(type(tf.constant(2).numpy()).__name__)

# %% numpy_string_bytes
print(tf.constant("héllo").numpy())

# %% float_conversion
print(float(tf.constant(2.5)), int(tf.constant(7)))

# %% int_of_vector_error
int(tf.constant([1, 2]))

# %% bool_of_scalar
print(bool(tf.constant(0)), bool(tf.constant(3.0)))

# %% bool_of_vector_error
bool(tf.constant([1, 2]))

# %% len_tensor
print(len(tf.constant([[1], [2], [3]])))

# %% len_scalar_error
len(tf.constant(1))

# %% iterate_tensor
print([int(x) for x in tf.constant([4, 5, 6])])

# %% iterate_scalar_error
for x in tf.constant(3):
    pass

# %% np_array_of_tensor
a = np.array(tf.constant([[1, 2]]))
print(a, a.dtype)

# %% np_functions_on_tensor
print(np.sum(tf.constant([1, 2, 3])), np.mean(tf.constant([1.0, 3.0])))

# %% tensor_format_spec
print(f"{tf.constant(3.14159):.2f}")

# %% tensor_ndim_shape_dtype
t = tf.zeros([2, 3, 4])
print(t.ndim, t.shape, t.dtype, t.shape.rank, tf.rank(t))

# %% tensor_device_cpu
print(tf.constant(1).device.endswith("CPU:0"))

# %% print_half
print(tf.constant([1.5, 2.0], dtype=tf.float16))

# %% print_complex
print(tf.constant([1 + 2j]))

# %% print_uint8
print(tf.constant([255, 0], dtype=tf.uint8))

# %% print_nan_inf
print(tf.constant([np.nan, np.inf, -np.inf]))

# %% print_tf_print_like_str_list
print([tf.constant(1), tf.constant(2.0)])

# %% hash_tensor_error
hash(tf.constant(1))

# %% tensor_in_set_error
{tf.constant(1)}

# %% ref_in_dict
t = tf.constant(1)
d = {t.ref(): "one"}
print(d[t.ref()], t.ref().deref() is t)
