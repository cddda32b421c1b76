# tf.GradientTape: watching, persistence, nesting, None gradients, stop_gradient, jacobians.
import numpy as np
import tensorflow as tf

# %% square_grad
x = tf.constant(3.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
tape.gradient(y, x)

# %% variable_auto_watched
w = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = w ** 3
tape.gradient(y, w)

# %% constant_not_watched_none
x = tf.constant(3.0)
with tf.GradientTape() as tape:
    y = x * x
print(tape.gradient(y, x))

# %% non_trainable_variable_none
v = tf.Variable(1.0, trainable=False)
with tf.GradientTape() as tape:
    y = v * 2
print(tape.gradient(y, v))

# %% list_of_sources
a, b = tf.Variable(1.0), tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = a * b + b
[g.numpy() for g in tape.gradient(y, [a, b])]

# %% dict_of_sources
a, b = tf.Variable(1.0), tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = a * b
g = tape.gradient(y, {"a": a, "b": b})
{k: float(v) for k, v in g.items()}

# %% unconnected_none
a, b = tf.Variable(1.0), tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = a * 2
print(tape.gradient(y, b))

# %% unconnected_zero
a, b = tf.Variable(1.0), tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = a * 2
tape.gradient(y, b, unconnected_gradients=tf.UnconnectedGradients.ZERO)

# %% second_call_error
x = tf.Variable(1.0)
with tf.GradientTape() as tape:
    y = x * x
tape.gradient(y, x)
tape.gradient(y, x)

# %% persistent_twice
x = tf.Variable(3.0)
with tf.GradientTape(persistent=True) as tape:
    y = x * x
    z = y * y
print(float(tape.gradient(y, x)), float(tape.gradient(z, x)))
del tape

# %% nested_second_derivative
x = tf.Variable(2.0)
with tf.GradientTape() as t2:
    with tf.GradientTape() as t1:
        y = x ** 3
    dy = t1.gradient(y, x)
d2 = t2.gradient(dy, x)
print(float(dy), float(d2))

# %% vector_target_sums
x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as tape:
    y = x * x
tape.gradient(y, x)

# %% output_gradients
x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as tape:
    y = x * x
tape.gradient(y, x, output_gradients=tf.constant([10.0, 1.0]))

# %% stop_gradient
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = x * tf.stop_gradient(x)
tape.gradient(y, x)

# %% watch_accessed_variables_false
x = tf.Variable(2.0)
with tf.GradientTape(watch_accessed_variables=False) as tape:
    y = x * x
print(tape.gradient(y, x))

# %% watched_variables
a, b = tf.Variable(1.0), tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = a * 3
[v.numpy() for v in tape.watched_variables()]

# %% int_source_warning_none
x = tf.constant(3)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
print(tape.gradient(y, x))

# %% gradient_of_int_variable
x = tf.Variable(3)
with tf.GradientTape() as tape:
    y = x * x
print(tape.gradient(y, x))

# %% stop_recording
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = x * x
    with tape.stop_recording():
        z = y * 100
    w = y + z
tape.gradient(w, x)

# %% reset_tape
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = x * x
    tape.reset()
    z = x * 5
tape.gradient(z, x)

# %% gradient_inside_context_persistent
x = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    y = x * x
    g = tape.gradient(y, x)
float(g)

# %% jacobian
x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as tape:
    y = x * x
tape.jacobian(y, x)

# %% batch_jacobian_shape
x = tf.Variable(tf.ones([4, 3]))
with tf.GradientTape() as tape:
    y = tf.matmul(x, tf.ones([3, 2]))
tape.batch_jacobian(y, x).shape

# %% jacobian_scalar_source
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = tf.stack([x, x * x, x ** 3])
tape.jacobian(y, x)

# %% grad_through_assign_none
x = tf.Variable(1.0)
y = tf.Variable(0.0)
with tf.GradientTape() as tape:
    y.assign(x * 2)
    z = y * 3
print(tape.gradient(z, x))

# %% grad_of_numpy_conversion_none
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = tf.constant(x.numpy() ** 2)
print(tape.gradient(y, x))

# %% watch_python_float_error
with tf.GradientTape() as tape:
    tape.watch(3.0)

# %% watch_list
x, y = tf.constant(1.0), tf.constant(2.0)
with tf.GradientTape() as tape:
    tape.watch([x, y])
    z = x * y
[float(g) for g in tape.gradient(z, [x, y])]

# %% gradient_of_list_targets
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    a = x * 2
    b = x * 3
tape.gradient([a, b], x)

# %% custom_gradient
@tf.custom_gradient
def clip_grad(x):
    def grad(dy):
        return tf.clip_by_value(dy, -0.1, 0.1)
    return tf.identity(x), grad

x = tf.Variable(1.0)
with tf.GradientTape() as tape:
    y = clip_grad(x) * 5
tape.gradient(y, x)

# %% custom_gradient_log1pexp
@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)
    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad

x = tf.constant(100.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = log1pexp(x)
tape.gradient(y, x)

# %% gradient_nan_of_sqrt_zero
x = tf.Variable(0.0)
with tf.GradientTape() as tape:
    y = tf.sqrt(x)
tape.gradient(y, x)

# %% gradient_where_nan_trap
x = tf.Variable([0.0, 4.0])
with tf.GradientTape() as tape:
    y = tf.where(x > 0, tf.sqrt(x), 0.0)
tape.gradient(y, x)

# %% gradient_abs_at_zero
x = tf.Variable([0.0, -2.0])
with tf.GradientTape() as tape:
    y = tf.abs(x)
tape.gradient(y, x)

# %% gradient_max_ties
x = tf.Variable([1.0, 3.0, 3.0])
with tf.GradientTape() as tape:
    y = tf.reduce_max(x)
tape.gradient(y, x)

# %% gradient_maximum_ties
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = tf.maximum(x, 2.0)
tape.gradient(y, x)

# %% gradient_of_gather_indexedslices
x = tf.Variable([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    y = tf.gather(x, [0, 0, 2])
g = tape.gradient(y, x)
print(type(g).__name__, tf.convert_to_tensor(g).numpy())

# %% gradient_embedding_lookup
e = tf.Variable(tf.ones([4, 2]))
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.nn.embedding_lookup(e, [1, 1, 3]))
g = tape.gradient(y, e)
print(type(g).__name__, g.indices.numpy(), g.dense_shape.numpy())

# %% gradient_matmul
w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
x = tf.constant([[1.0, 1.0]])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(x @ w)
tape.gradient(y, w)

# %% gradient_softmax_ce rtol=1e-5
logits = tf.Variable([[1.0, 2.0, 3.0]])
with tf.GradientTape() as tape:
    loss = tf.nn.softmax_cross_entropy_with_logits([[0.0, 0.0, 1.0]], logits)
tape.gradient(loss, logits)

# %% gradient_while_python_loop
x = tf.Variable(1.0)
with tf.GradientTape() as tape:
    y = x
    for _ in range(4):
        y = y * 2
tape.gradient(y, x)

# %% gradient_cast_to_int_none
x = tf.Variable(1.5)
with tf.GradientTape() as tape:
    y = tf.cast(x, tf.int32)
print(tape.gradient(y, x))

# %% gradient_dtype_float64
x = tf.Variable(2.0, dtype=tf.float64)
with tf.GradientTape() as tape:
    y = x * x
tape.gradient(y, x)

# %% gradient_target_is_variable
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    pass
tape.gradient(x, x)

# %% gradient_reduce_mean_broadcast
x = tf.Variable(tf.ones([2, 3]))
with tf.GradientTape() as tape:
    y = tf.reduce_mean(x)
tape.gradient(y, x)

# %% gradient_broadcast_add
b = tf.Variable([1.0, 2.0])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.ones([3, 2]) + b)
tape.gradient(y, b)

# %% gradient_concat_split
a, b = tf.Variable([1.0]), tf.Variable([2.0, 3.0])
with tf.GradientTape() as tape:
    c = tf.concat([a, b], 0)
    y = tf.reduce_sum(c * tf.constant([1.0, 2.0, 3.0]))
[g.numpy() for g in tape.gradient(y, [a, b])]

# %% gradient_not_persistent_jacobian_error
x = tf.Variable([1.0])
with tf.GradientTape() as tape:
    y = x * 2
tape.gradient(y, x)
tape.jacobian(y, x)

# %% forward_accumulator_jvp
x = tf.constant([1.0, 2.0])
with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
    y = x * x
acc.jvp(y)

# %% gradients_sum_of_list
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    ys = [x, 2 * x, 3 * x]
tape.gradient(ys, [x])
