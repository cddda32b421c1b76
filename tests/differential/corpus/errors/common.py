# Exception classes and messages of common mistakes (eager, graph, function, data, keras).
import numpy as np
import tensorflow as tf

# %% error_class_hierarchy
print(issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError), tf.errors.InvalidArgumentError.__mro__[1].__name__)

# %% error_codes
print(tf.errors.INVALID_ARGUMENT, tf.errors.NOT_FOUND, tf.errors.OUT_OF_RANGE, tf.errors.RESOURCE_EXHAUSTED)

# %% op_error_attributes
try:
    tf.reshape(tf.range(6), [4])
except tf.errors.InvalidArgumentError as e:
    print(e.error_code, type(e.message).__name__, e.op is None)

# %% error_constructor
e = tf.errors.NotFoundError(None, None, "nope")
print(e.message, e.error_code, str(e))

# %% matmul_incompatible
tf.matmul(tf.ones([3, 2]), tf.ones([3, 2]))

# %% add_incompatible_shapes
tf.ones([2, 3]) + tf.ones([4])

# %% reshape_incompatible
tf.reshape(tf.range(10), [3, -1])

# %% concat_rank_mismatch
tf.concat([tf.ones([2]), tf.ones([2, 2])], 0)

# %% concat_axis_out_of_range
tf.concat([tf.ones([2]), tf.ones([2])], 1)

# %% transpose_perm_rank
tf.transpose(tf.ones([2, 3]), [1, 0, 2])

# %% one_hot_float_indices
tf.one_hot([1.0, 2.0], 3)

# %% cast_to_string
tf.cast(tf.constant([1]), tf.string)

# %% convert_none
tf.convert_to_tensor(None)

# %% convert_object
tf.constant(object())

# %% convert_dict
tf.constant({"a": 1})

# %% convert_mixed_list
tf.constant([1, "a"])

# %% add_string_number
tf.add("a", 1)

# %% reduce_mean_string
tf.reduce_mean(tf.constant(["a"]))

# %% gather_axis_out_of_range
tf.gather(tf.ones([2, 2]), [0], axis=3)

# %% slice_size_too_big
tf.slice(tf.range(5), [3], [4])

# %% range_float_dtype_int
tf.range(0.5, 3, dtype=tf.int32)

# %% squeeze_bad_axis
tf.squeeze(tf.ones([1, 2]), axis=5)

# %% split_num_not_divisor
tf.split(tf.ones([5, 2]), 3, axis=0)

# %% stack_empty
tf.stack([])

# %% tile_rank_mismatch
tf.tile(tf.ones([2, 2]), [2])

# %% variable_assign_wrong_dtype
tf.Variable(1.0).assign("a")

# %% variable_shape_change
v = tf.Variable([1, 2, 3])
v.assign([[1, 2, 3]])

# %% tensor_not_callable
tf.constant(1)()

# %% tensor_attribute_error
tf.constant([1]).append(2)

# %% tensor_numpy_method_missing
tf.constant([1.0]).reshape([1, 1])

# %% tape_gradient_outside_with_non_persistent
x = tf.Variable(1.0)
with tf.GradientTape() as t:
    y = x * x
t.gradient(y, x)
t.gradient(y, x)

# %% gradient_target_none
x = tf.Variable(1.0)
with tf.GradientTape() as t:
    pass
t.gradient(None, x)

# %% function_python_bool_of_tensor_no_autograph
@tf.function(autograph=False)
def f(x):
    if x > 0:
        return x
    return -x
f(tf.constant(1))

# %% function_iterate_tensor_no_autograph
@tf.function(autograph=False)
def f(x):
    return [v for v in x]
f(tf.constant([1, 2]))

# %% function_variable_created_twice
@tf.function
def f(x):
    v = tf.Variable(x)
    return v
f(tf.constant(1.0))
f(tf.constant(2.0))

# %% function_input_signature_arity
@tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
def f(x, y):
    return x
f(tf.constant(1), tf.constant(2))

# %% function_input_signature_not_list
tf.function(lambda x: x, input_signature=tf.TensorSpec([], tf.int32))

# %% data_map_wrong_arity
ds = tf.data.Dataset.from_tensor_slices(([1], [2]))
list(ds.map(lambda x: x))

# %% data_batch_ragged_elements
ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.range(x)).batch(2)
list(ds)

# %% data_from_generator_wrong_type
def gen():
    yield "x"
list(tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int32)))

# %% data_take_negative_all
list(tf.data.Dataset.range(3).take(-1).as_numpy_iterator())

# %% keras_input_shape_error
m = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
m.predict(np.ones((2, 4)), verbose=0)

# %% keras_fit_x_y_length_mismatch
m = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
m.compile(loss="mse")
m.fit(np.ones((4, 1)), np.ones((3, 1)), verbose=0)

# %% keras_dense_units_invalid
tf.keras.layers.Dense(0)

# %% keras_dense_units_string
tf.keras.layers.Dense("a")

# %% keras_unknown_activation
tf.keras.layers.Dense(1, activation="zzz")

# %% keras_unknown_initializer
tf.keras.layers.Dense(1, kernel_initializer="zzz")

# %% keras_sequential_not_layer
tf.keras.Sequential([1])

# %% keras_model_call_before_build_weights
m = tf.keras.Sequential([tf.keras.layers.Dense(1)])
m.summary()

# %% keras_dropout_rate_invalid
tf.keras.layers.Dropout(1.5)

# %% keras_conv_bad_padding
tf.keras.layers.Conv2D(1, 3, padding="full")

# %% keras_loss_shape_mismatch
tf.keras.losses.MeanSquaredError()(tf.ones([2, 3]), tf.ones([2, 4]))

# %% keras_scce_label_out_of_range
tf.keras.losses.SparseCategoricalCrossentropy()([5], [[0.5, 0.5]])

# %% debugging_assert_equal
tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))

# %% debugging_assert_shapes
tf.debugging.assert_shapes([(tf.ones([2, 3]), ("N", "D")), (tf.ones([3]), ("D",)), (tf.ones([4]), ("N",))])

# %% debugging_check_numerics
tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "bad values")

# %% debugging_assert_rank
tf.debugging.assert_rank(tf.ones([2]), 2)

# %% debugging_assert_type
tf.debugging.assert_type(tf.constant(1), tf.float32)

# %% debugging_assert_less_message
tf.debugging.assert_less(tf.constant(3), tf.constant(2), message="need smaller")

# %% assert_all_finite
tf.debugging.assert_all_finite(tf.constant([np.inf]), "inf here")

# %% py_exception_in_function_propagates
@tf.function
def f(x):
    raise KeyError("boom")
f(tf.constant(1))

# %% zero_division_python_in_function
@tf.function
def f():
    return 1 / 0
f()

# %% session_run_non_tensor
g = tf.Graph()
with g.as_default():
    with tf.compat.v1.Session() as s:
        s.run(3)

# %% session_feed_wrong_dtype
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.int32, [])
    with tf.compat.v1.Session() as s:
        s.run(x + 1, {x: "a"})

# %% eager_tensor_in_graph
c = tf.constant(1)
g = tf.Graph()
with g.as_default():
    y = c + 1
    with tf.compat.v1.Session() as s:
        print(s.run(y))

# %% resource_exhausted_class_exists
print(tf.errors.ResourceExhaustedError.__name__, tf.errors.UnimplementedError.__name__, tf.errors.AbortedError.__name__)

# %% not_found_read_file
tf.io.read_file("no_such_file.txt")
