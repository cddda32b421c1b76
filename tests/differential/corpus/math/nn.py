# tf.nn: activations, softmax, losses, conv/pool, dropout shapes, moments.
import numpy as np
import tensorflow as tf

x = tf.constant([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.5]])

# %% relu
tf.nn.relu(x)

# %% relu6
tf.nn.relu6(tf.constant([-1.0, 3.0, 9.0]))

# %% leaky_relu
tf.nn.leaky_relu(x, alpha=0.1)

# %% elu rtol=1e-6
tf.nn.elu(x)

# %% selu rtol=1e-6
tf.nn.selu(x)

# %% gelu rtol=1e-5
tf.nn.gelu(x)

# %% gelu_approximate rtol=1e-5
tf.nn.gelu(x, approximate=True)

# %% silu_swish rtol=1e-6
tf.nn.silu(x)

# %% softsign rtol=1e-6
tf.nn.softsign(x)

# %% softmax rtol=1e-6
tf.nn.softmax(x)

# %% softmax_axis0 rtol=1e-6
tf.nn.softmax(x, axis=0)

# %% log_softmax rtol=1e-6
tf.nn.log_softmax(x)

# %% softmax_int_error
tf.nn.softmax(tf.constant([1, 2]))

# %% sigmoid_ce rtol=1e-6
tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0], logits=[2.0, -1.0])

# %% softmax_ce rtol=1e-6
tf.nn.softmax_cross_entropy_with_logits(labels=[[0.0, 1.0, 0.0]], logits=[[1.0, 2.0, 3.0]])

# %% sparse_softmax_ce rtol=1e-6
tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0], logits=[[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])

# %% sparse_softmax_ce_bad_label
tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[3], logits=[[1.0, 2.0, 3.0]])

# %% softmax_ce_shape_mismatch
tf.nn.softmax_cross_entropy_with_logits(labels=[[0.0, 1.0]], logits=[[1.0, 2.0, 3.0]])

# %% weighted_ce rtol=1e-6
tf.nn.weighted_cross_entropy_with_logits(labels=[1.0, 0.0], logits=[0.5, 0.5], pos_weight=2.0)

# %% bias_add
tf.nn.bias_add(tf.zeros([2, 3]), [1.0, 2.0, 3.0])

# %% bias_add_bad
tf.nn.bias_add(tf.zeros([2, 3]), [1.0, 2.0])

# %% conv2d_shape
tf.nn.conv2d(tf.ones([1, 5, 5, 1]), tf.ones([3, 3, 1, 2]), strides=1, padding="VALID").shape

# %% conv2d_same_values
tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), strides=1, padding="SAME")[0, :, :, 0]

# %% conv2d_strides
tf.nn.conv2d(tf.ones([1, 6, 6, 2]), tf.ones([3, 3, 2, 4]), strides=[1, 2, 2, 1], padding="SAME").shape

# %% conv2d_channel_mismatch
tf.nn.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 1, 2]), strides=1, padding="VALID")

# %% conv1d
tf.nn.conv1d(tf.ones([1, 5, 1]), tf.ones([2, 1, 1]), stride=1, padding="VALID")

# %% max_pool
tf.nn.max_pool2d(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), 2, 2, "VALID")[0, :, :, 0]

# %% avg_pool
tf.nn.avg_pool2d(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), 2, 2, "VALID")[0, :, :, 0]

# %% max_pool_same_odd
tf.nn.max_pool2d(tf.ones([1, 5, 5, 1]), ksize=2, strides=2, padding="SAME").shape

# %% dropout_shape_and_scale
tf.random.set_seed(0)
y = tf.nn.dropout(tf.ones([1000]), rate=0.5)
print(y.shape, sorted(set(np.unique(y.numpy()).tolist())))

# %% dropout_rate_one_error
tf.nn.dropout(tf.ones([3]), rate=1.0)

# %% moments rtol=1e-6
mean, var = tf.nn.moments(x, axes=[0])
print(mean.numpy(), var.numpy())

# %% batch_normalization rtol=1e-5
tf.nn.batch_normalization(x, mean=0.0, variance=1.0, offset=0.0, scale=2.0, variance_epsilon=1e-3)

# %% embedding_lookup
tf.nn.embedding_lookup(tf.constant([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]), [2, 0])

# %% l2_normalize_axis rtol=1e-6
tf.nn.l2_normalize(x, axis=1)

# %% softmax_cross_entropy_from_probs_like rtol=1e-6
tf.nn.softmax_cross_entropy_with_logits(labels=[0.5, 0.5], logits=[0.0, 0.0])

# %% compute_average_loss
tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0]), global_batch_size=6)

# %% ctc_like_zero_fraction
tf.nn.zero_fraction(tf.constant([0.0, 1.0]))

# %% relu_grad_via_tape
t = tf.constant([-1.0, 2.0])
with tf.GradientTape() as g:
    g.watch(t)
    y = tf.nn.relu(t)
g.gradient(y, t)

# %% local_response_norm_shape
tf.nn.local_response_normalization(tf.ones([1, 2, 2, 4])).shape

# %% depthwise_conv2d_shape
tf.nn.depthwise_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([2, 2, 2, 3]), strides=[1, 1, 1, 1], padding="VALID").shape

# %% conv2d_transpose_shape
tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 3]), tf.ones([3, 3, 5, 3]), output_shape=[1, 4, 4, 5], strides=2).shape

# %% top_k_nn
tf.nn.top_k([1.0, 3.0, 2.0], 2).indices
