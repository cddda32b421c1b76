# Gradients of common ops, values checked against TensorFlow.
import numpy as np
import tensorflow as tf


def grad(f, *xs):
    xs = [tf.constant(x, dtype=tf.float32) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    gs = tape.gradient(y, xs)
    return [None if g is None else np.round(tf.convert_to_tensor(g).numpy(), 5) for g in gs]

# %% exp_log_sin
print(grad(lambda x: tf.exp(x) + tf.math.log(x) + tf.sin(x), [0.5, 1.0]))

# %% tanh_sigmoid
print(grad(lambda x: tf.tanh(x) * tf.sigmoid(x), [-1.0, 0.0, 2.0]))

# %% pow_both
print(grad(lambda x, y: tf.pow(x, y), [2.0, 3.0], [3.0, 0.5]))

# %% div_both
print(grad(lambda x, y: x / y, [1.0, 2.0], [4.0, -2.0]))

# %% reduce_prod
print(grad(lambda x: tf.reduce_prod(x), [2.0, 3.0, 4.0]))

# %% reduce_logsumexp
print(grad(lambda x: tf.reduce_logsumexp(x), [1.0, 2.0, 3.0]))

# %% softmax_weighted
print(grad(lambda x: tf.reduce_sum(tf.nn.softmax(x) * [1.0, 2.0, 3.0]), [1.0, 2.0, 3.0]))

# %% reshape_transpose
print(grad(lambda x: tf.reduce_sum(tf.transpose(tf.reshape(x, [2, 3])) * tf.range(6.0)[:, None][:3]), [1.0] * 6))

# %% slice_strided
print(grad(lambda x: tf.reduce_sum(x[1:4:2] * 10), [1.0, 2.0, 3.0, 4.0, 5.0]))

# %% tile
print(grad(lambda x: tf.reduce_sum(tf.tile(x, [3]) * tf.range(6.0)), [1.0, 1.0]))

# %% clip_by_value
print(grad(lambda x: tf.clip_by_value(x, 0.0, 1.0), [-1.0, 0.5, 2.0]))

# %% relu_leaky_elu
print(grad(lambda x: tf.nn.relu(x) + tf.nn.leaky_relu(x) + tf.nn.elu(x), [-1.0, 2.0]))

# %% cumsum
print(grad(lambda x: tf.reduce_sum(tf.cumsum(x) * [1.0, 2.0, 3.0]), [1.0, 1.0, 1.0]))

# %% matmul_both
print(grad(lambda a, b: tf.reduce_sum(tf.matmul(a, b)), [[1.0, 2.0]], [[3.0], [4.0]]))

# %% norm
print(grad(lambda x: tf.norm(x), [3.0, 4.0]))

# %% sqrt_rsqrt
print(grad(lambda x: tf.sqrt(x) + tf.math.rsqrt(x), [4.0, 9.0]))

# %% square_abs
print(grad(lambda x: tf.square(x) + tf.abs(x), [-2.0, 3.0]))

# %% sigmoid_ce
print(grad(lambda l: tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0], logits=l)), [0.0, 2.0]))

# %% sparse_softmax_ce
print(grad(lambda l: tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1], logits=l)), [[1.0, 2.0, 0.5]]))

# %% where_select
print(grad(lambda x, y: tf.where([True, False], x, y), [1.0, 2.0], [3.0, 4.0]))

# %% gather_nd
print(grad(lambda x: tf.reduce_sum(tf.gather_nd(x, [[0, 1], [1, 0]])), [[1.0, 2.0], [3.0, 4.0]]))

# %% reduce_max_axis
print(grad(lambda x: tf.reduce_sum(tf.reduce_max(x, axis=1)), [[1.0, 5.0], [7.0, 2.0]]))

# %% reduce_mean_axis0
print(grad(lambda x: tf.reduce_sum(tf.reduce_mean(x, axis=0) * [1.0, 2.0]), [[1.0, 5.0], [7.0, 2.0]]))

# %% atan2
print(grad(lambda y, x: tf.math.atan2(y, x), [1.0], [1.0]))

# %% squared_difference
print(grad(lambda a, b: tf.math.squared_difference(a, b), [1.0], [3.0]))

# %% conv2d_filter
print(grad(lambda x, w: tf.reduce_sum(tf.nn.conv2d(x, w, 1, "VALID")), np.ones([1, 3, 3, 1]), np.ones([2, 2, 1, 1]))[1].ravel())

# %% max_pool_input
print(grad(lambda x: tf.reduce_sum(tf.nn.max_pool2d(x, 2, 2, "VALID")), np.arange(16.0).reshape([1, 4, 4, 1]))[0].ravel())

# %% einsum_grad
print(grad(lambda a, b: tf.einsum("ij,j->i", a, b)[0], [[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0]))

# %% linalg_inv rtol=1e-4
print(grad(lambda a: tf.reduce_sum(tf.linalg.inv(a)), [[2.0, 0.0], [0.0, 4.0]]))

# %% linalg_det
print(grad(lambda a: tf.linalg.det(a), [[1.0, 2.0], [3.0, 4.0]]))

# %% erf_softplus
print(grad(lambda x: tf.math.erf(x) + tf.math.softplus(x), [0.0, 1.0]))

# %% stack_unstack
print(grad(lambda a, b: tf.reduce_sum(tf.stack([a, b]) * [[1.0], [2.0]]), [1.0, 1.0], [1.0, 1.0]))

# %% batch_norm_moments
print(grad(lambda x: tf.nn.moments(x, axes=[0])[1], [1.0, 2.0, 4.0]))

# %% l2_normalize
print(grad(lambda x: tf.reduce_sum(tf.math.l2_normalize(x) * [1.0, 0.0]), [3.0, 4.0]))

# %% minimum_maximum
print(grad(lambda x, y: tf.minimum(x, y) + tf.maximum(x, y) * 2, [1.0, 5.0], [3.0, 2.0]))

# %% segment_sum_grad
print(grad(lambda x: tf.reduce_sum(tf.math.unsorted_segment_sum(x, [0, 1, 0], 2) * [1.0, 10.0]), [1.0, 2.0, 3.0]))

# %% pad_grad
print(grad(lambda x: tf.reduce_sum(tf.pad(x, [[1, 1]]) * tf.range(4.0)), [1.0, 1.0]))

# %% reverse_roll_grad
print(grad(lambda x: tf.reduce_sum(tf.roll(tf.reverse(x, [0]), 1, 0) * [1.0, 2.0, 3.0]), [1.0, 1.0, 1.0]))

# %% cast_float64_grad
print(grad(lambda x: tf.reduce_sum(tf.cast(x, tf.float64) ** 2), [1.0, 2.0]))

# %% log_softmax_grad
print(grad(lambda x: tf.nn.log_softmax(x)[0], [1.0, 2.0]))
