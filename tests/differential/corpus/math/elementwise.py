# Elementwise math: tf.math.* unary/binary ops, their dtypes and edge values.
import numpy as np
import tensorflow as tf

x = tf.constant([-2.0, -0.5, 0.0, 0.5, 2.0])

# %% add_sub_mul_div
a, b = tf.constant([1.0, 2.0]), tf.constant([4.0, 8.0])
print(tf.add(a, b).numpy(), tf.subtract(a, b).numpy(), tf.multiply(a, b).numpy(), tf.divide(a, b).numpy())

# %% abs_neg_sign
print(tf.abs(x).numpy(), tf.negative(x).numpy(), tf.sign(x).numpy())

# %% square_sqrt
tf.sqrt(tf.square(x))

# %% sqrt_negative_nan
tf.sqrt(tf.constant([-1.0, 4.0]))

# %% sqrt_int_error
tf.sqrt(tf.constant([4, 9]))

# %% rsqrt
tf.math.rsqrt(tf.constant([4.0, 0.25]))

# %% exp_log rtol=1e-6
tf.math.log(tf.exp(x))

# %% log_zero
tf.math.log(tf.constant([0.0, 1.0]))

# %% log1p_expm1 rtol=1e-6
print(np.round(tf.math.log1p(x[2:]).numpy(), 5), np.round(tf.math.expm1(x).numpy(), 5))

# %% trig rtol=1e-6
tf.sin(x) + tf.cos(x) + tf.tan(x)

# %% inverse_trig rtol=1e-6
t = tf.constant([-0.5, 0.0, 0.5])
tf.stack([tf.asin(t), tf.acos(t), tf.atan(t)])

# %% atan2 rtol=1e-6
tf.math.atan2([1.0, -1.0], [-1.0, -1.0])

# %% hyperbolic rtol=1e-6
tf.stack([tf.sinh(x), tf.cosh(x), tf.tanh(x)])

# %% sigmoid rtol=1e-6
tf.sigmoid(x)

# %% log_sigmoid rtol=1e-6
tf.math.log_sigmoid(x)

# %% softplus rtol=1e-6
tf.math.softplus(x)

# %% floor_ceil_round
tf.stack([tf.floor(x), tf.math.ceil(x), tf.round(x)])

# %% round_half_to_even
tf.round(tf.constant([0.5, 1.5, 2.5, -0.5]))

# %% rint
tf.math.rint(tf.constant([0.5, 1.5, 2.7]))

# %% maximum_minimum
print(tf.maximum([1, 5], [3, 2]).numpy(), tf.minimum([1.0, 5.0], 2.0).numpy())

# %% clip_by_value
tf.clip_by_value(x, -1.0, 1.0)

# %% clip_by_value_int
tf.clip_by_value(tf.constant([1, 5, 10]), 2, 8)

# %% clip_by_norm rtol=1e-6
tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0)

# %% clip_by_global_norm rtol=1e-6
clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), tf.constant([12.0])], 6.5)
print([np.round(c.numpy(), 4) for c in clipped], round(float(norm), 4))

# %% pow_float rtol=1e-6
tf.pow(tf.constant([2.0, 3.0]), 0.5)

# %% pow_negative_base_nan
tf.pow(-8.0, 1.0 / 3.0)

# %% floordiv_float
tf.math.floordiv(tf.constant([7.0, -7.0]), 2.0)

# %% truediv_int
tf.math.truediv(tf.constant([7, 8]), tf.constant([2, 2]))

# %% divide_by_zero_float
tf.constant([1.0, -1.0, 0.0]) / 0.0

# %% divide_by_zero_int
tf.constant([1]) // tf.constant([0])

# %% divide_no_nan
tf.math.divide_no_nan(tf.constant([1.0, 2.0]), tf.constant([0.0, 4.0]))

# %% squared_difference
tf.math.squared_difference([1.0, 2.0], [3.0, 5.0])

# %% reciprocal
tf.math.reciprocal(tf.constant([2.0, 4.0]))

# %% is_nan_inf_finite
t = tf.constant([1.0, np.nan, np.inf])
print(tf.math.is_nan(t).numpy(), tf.math.is_inf(t).numpy(), tf.math.is_finite(t).numpy())

# %% logical_ops
a, b = tf.constant([True, True, False]), tf.constant([True, False, False])
print(tf.logical_and(a, b).numpy(), tf.logical_or(a, b).numpy(), tf.logical_not(a).numpy(), tf.math.logical_xor(a, b).numpy())

# %% comparisons
print(tf.equal([1, 2], [1, 3]).numpy(), tf.greater([1, 2], 1).numpy(), tf.less_equal([1.0, 2.0], [1.5, 1.5]).numpy())

# %% not_equal_broadcast
tf.not_equal(tf.constant([[1], [2]]), tf.constant([1, 2]))

# %% add_n
tf.add_n([tf.ones([2]), tf.ones([2]), tf.constant([1.0, 2.0])])

# %% add_n_shape_mismatch
tf.add_n([tf.ones([2]), tf.ones([3])])

# %% cumsum
tf.cumsum([1, 2, 3, 4])

# %% cumsum_exclusive_reverse
tf.cumsum([1, 2, 3, 4], exclusive=True, reverse=True)

# %% cumprod
tf.math.cumprod(tf.constant([[1, 2], [3, 4]]), axis=1)

# %% erf rtol=1e-6
tf.math.erf(x)

# %% lgamma rtol=1e-5
tf.math.lgamma(tf.constant([0.5, 1.0, 5.0]))

# %% polyval
tf.math.polyval([1.0, 2.0, 3.0], 2.0)

# %% square_int
tf.square(tf.constant([-3, 4]))

# %% mod_float_negative
tf.math.floormod(tf.constant([-3.5, 3.5]), 2.0)

# %% truncatemod
tf.truncatemod(tf.constant([-7, 7]), 3)

# %% bitwise_ops
print(tf.bitwise.bitwise_and(12, 10).numpy(), tf.bitwise.bitwise_or(12, 10).numpy(), tf.bitwise.bitwise_xor(12, 10).numpy(), tf.bitwise.left_shift(1, 3).numpy())

# %% scalar_mul
tf.math.scalar_mul(3.0, tf.constant([1.0, 2.0]))

# %% nextafter_like_float16_overflow
tf.cast(tf.constant([70000.0]), tf.float16)

# %% math_add_broadcast_error
tf.add(tf.ones([2, 3]), tf.ones([3, 2]))

# %% math_add_broadcast_ok
tf.add(tf.ones([2, 1]), tf.ones([1, 3])).shape

# %% sin_on_int_error
tf.sin(tf.constant([1, 2]))

# %% exp_complex rtol=1e-6
tf.exp(tf.constant([1j * np.pi]))

# %% real_imag_conj
c = tf.constant([1 + 2j, 3 - 4j])
print(tf.math.real(c).numpy(), tf.math.imag(c).numpy(), tf.math.conj(c).numpy(), tf.abs(c).numpy())

# %% angle rtol=1e-6
tf.math.angle(tf.constant([1j, -1 + 0j]))

# %% argmax_argmin
print(tf.argmax([[1, 9, 3], [7, 2, 8]], axis=1).numpy(), tf.argmin([[1, 9, 3], [7, 2, 8]], axis=0).numpy())

# %% argmax_output_type
tf.argmax([1, 3, 2], output_type=tf.int32)

# %% argmax_ties
tf.argmax([3, 1, 3])

# %% top_k
v, i = tf.math.top_k([1, 9, 3, 7], k=2)
print(v.numpy(), i.numpy())

# %% top_k_too_big
tf.math.top_k([1, 2], k=3)

# %% in_top_k
tf.math.in_top_k(targets=[2, 0], predictions=[[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]], k=1)

# %% sort
tf.sort([3, 1, 2], direction="DESCENDING")

# %% argsort
tf.argsort([3.0, 1.0, 2.0])

# %% l2_normalize rtol=1e-6
tf.math.l2_normalize(tf.constant([3.0, 4.0]))

# %% bincount
tf.math.bincount([1, 1, 3])

# %% confusion_matrix
tf.math.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])

# %% count_nonzero
tf.math.count_nonzero([[0, 1], [2, 0]], axis=0)

# %% accumulate_n_like_add
tf.math.add(tf.constant([1]), 2)

# %% zero_fraction
tf.math.zero_fraction(tf.constant([0.0, 1.0, 0.0, 2.0]))
