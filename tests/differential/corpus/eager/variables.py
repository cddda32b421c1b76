# tf.Variable: creation, assign*, properties, arithmetic, errors.
import numpy as np
import tensorflow as tf

# %% variable_basic
v = tf.Variable([1.0, 2.0])
print(v.name, v.shape, v.dtype, v.trainable)

# %% variable_assign
v = tf.Variable(1.0)
v.assign(5.0)
v

# %% variable_assign_add_sub
v = tf.Variable(10)
v.assign_add(5)
v.assign_sub(3)
v.numpy()

# %% variable_assign_returns
v = tf.Variable([1, 2])
r = v.assign([3, 4])
print(type(r).__name__ in ("ResourceVariable", "UninitializedVariable", "Tensor", "EagerTensor"), r.numpy())

# %% variable_assign_shape_mismatch
v = tf.Variable([1.0, 2.0])
v.assign([1.0, 2.0, 3.0])

# %% variable_assign_dtype_mismatch
v = tf.Variable([1, 2])
v.assign([1.5, 2.5])

# %% variable_shape_none_assign
v = tf.Variable([1.0], shape=tf.TensorShape(None))
v.assign([1.0, 2.0, 3.0])
v.shape

# %% variable_dtype_arg
tf.Variable(1, dtype=tf.float32)

# %% variable_not_trainable
tf.Variable(1.0, trainable=False).trainable

# %% variable_arith_returns_tensor
v = tf.Variable(2.0)
r = v * 3 + 1
print(type(r).__name__ == "EagerTensor" or "Tensor" in type(r).__name__, float(r))

# %% variable_matmul
v = tf.Variable([[1.0, 2.0]])
tf.matmul(v, tf.ones([2, 1]))

# %% variable_numpy
tf.Variable([[1, 2], [3, 4]]).numpy()

# %% variable_getitem
tf.Variable([[1, 2], [3, 4]])[1, 0]

# %% variable_slice_assign
v = tf.Variable([1, 2, 3, 4])
v[1:3].assign([9, 9])
v.numpy()

# %% variable_scatter_update
v = tf.Variable([1.0, 2.0, 3.0])
v.scatter_nd_update([[0], [2]], [10.0, 30.0])
v.numpy()

# %% variable_scatter_add_indexedslices
v = tf.Variable([1.0, 2.0, 3.0])
v.scatter_add(tf.IndexedSlices(tf.constant([5.0]), tf.constant([1])))
v.numpy()

# %% variable_read_value
v = tf.Variable(3)
v.read_value()

# %% variable_value_is_tensor
tf.Variable(3).value()

# %% variable_convert_to_tensor
tf.convert_to_tensor(tf.Variable([1, 2]))

# %% variable_in_tf_add
tf.add(tf.Variable(1), 2)

# %% variable_from_tensor
tf.Variable(tf.zeros([2, 2]))

# %% variable_initial_value_callable
tf.Variable(lambda: tf.ones([2]))

# %% variable_bool_error
bool(tf.Variable([1, 2]))

# %% variable_bool_scalar
bool(tf.Variable(1.0))

# %% variable_iadd_makes_tensor
v = tf.Variable(1.0)
v2 = v
v2 += 1
print(type(v2).__name__ != type(v).__name__, float(v), float(v2))

# %% variable_no_initial_value
tf.Variable()

# %% variable_string
tf.Variable("text")

# %% variable_count_params
v = tf.Variable(tf.zeros([3, 4]))
int(tf.size(v))

# %% variable_assign_in_function
v = tf.Variable(0)

@tf.function
def inc():
    v.assign_add(1)
    return v.read_value()

print(inc().numpy(), inc().numpy(), v.numpy())

# %% variable_name_scope
with tf.name_scope("layer"):
    v = tf.Variable(1.0, name="w")
v.name

# %% variable_constraint
v = tf.Variable(5.0, constraint=lambda x: tf.clip_by_value(x, 0.0, 1.0))
print(v.constraint is not None, float(v))

# %% variable_synchronization_attrs
v = tf.Variable(1.0)
print(v.synchronization, v.aggregation)

# %% variable_copy_numpy_independent
v = tf.Variable([1.0, 2.0])
a = v.numpy()
v.assign([5.0, 6.0])
a

# %% variable_assign_int_to_float
v = tf.Variable(1.0)
v.assign(2)
v.numpy()

# %% variable_ops_broadcast
v = tf.Variable([[1.0], [2.0]])
(v + [10.0, 20.0]).numpy()
