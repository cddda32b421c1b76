# Random ops: shapes, dtypes, ranges, seeds (never the drawn values).
import numpy as np
import tensorflow as tf

# %% uniform_shape_dtype_range
r = tf.random.uniform([3, 4], minval=2, maxval=5)
print(r.shape, r.dtype, bool(tf.reduce_all(r >= 2)), bool(tf.reduce_all(r < 5)))

# %% uniform_int_needs_maxval
tf.random.uniform([2], dtype=tf.int32)

# %% uniform_int
r = tf.random.uniform([100], 0, 3, dtype=tf.int64)
print(r.dtype, sorted(set(r.numpy().tolist())) <= [0, 1, 2])

# %% normal_shape
tf.random.normal([2, 3], mean=1.0, stddev=0.1, dtype=tf.float64).dtype

# %% truncated_normal_bounds
r = tf.random.truncated_normal([1000])
print(bool(tf.reduce_max(tf.abs(r)) <= 2.0))

# %% seed_reproducible_op_seed
tf.random.set_seed(5)
a = tf.random.uniform([3])
tf.random.set_seed(5)
b = tf.random.uniform([3])
bool(tf.reduce_all(a == b))

# %% seed_successive_differ
tf.random.set_seed(5)
a = tf.random.uniform([3])
b = tf.random.uniform([3])
bool(tf.reduce_all(a == b))

# %% stateless_uniform_reproducible
a = tf.random.stateless_uniform([3], seed=[1, 2])
b = tf.random.stateless_uniform([3], seed=[1, 2])
bool(tf.reduce_all(a == b))

# %% stateless_bad_seed
tf.random.stateless_uniform([3], seed=[1])

# %% shuffle_keeps_elements
tf.sort(tf.random.shuffle(tf.range(10)))

# %% categorical_shape
tf.random.categorical(tf.math.log([[0.5, 0.5]]), 5).shape

# %% generator_from_seed
g = tf.random.Generator.from_seed(42)
print(g.normal([2, 2]).shape, g.uniform([3], maxval=10, dtype=tf.int32).dtype)

# %% generator_reproducible
a = tf.random.Generator.from_seed(7).normal([4])
b = tf.random.Generator.from_seed(7).normal([4])
bool(tf.reduce_all(a == b))

# %% poisson_gamma_shapes
print(tf.random.poisson([2], lam=[1.0, 5.0]).shape, tf.random.gamma([3], alpha=[1.0, 2.0]).shape)

# %% uniform_minval_ge_maxval_int
tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int32)

# %% random_normal_negative_shape
tf.random.normal([-1])

# %% experimental_stateless_shuffle_like
tf.random.stateless_normal([2], seed=[3, 4]).shape
