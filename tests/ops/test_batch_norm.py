"""FusedBatchNormV3 and FusedBatchNormGradV3: values against float64 numpy, gradients against
the two-op path (moments + batch_normalization) in float64, TF's errors, and Keras'
BatchNormalization running on them while training."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.ops.batch_norm_ops import fused_batch_norm_v3

tf1 = tf.compat.v1
RNG = np.random.default_rng(11)
# small: the numpy reference kernels; larger: the Numba kernels
SHAPES = [(2, 3, 3, 4), (8, 16, 16, 16), (3, 15, 17, 8)]  # the last: rows not a multiple of 64


def _inputs(shape):
    c = shape[-1]
    x = (RNG.standard_normal(shape) * 3 + 1).astype(np.float32)
    return x, RNG.uniform(0.5, 1.5, c).astype(np.float32), RNG.standard_normal(c).astype(
        np.float32)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_training_outputs_match_float64(shape, fmt):
    x, s, o = _inputs(shape)
    xin = x if fmt == "NHWC" else np.ascontiguousarray(np.moveaxis(x, -1, 1))
    y, bm, bv, r1, r2, r3 = (np.asarray(t) for t in fused_batch_norm_v3(
        xin, s, o, epsilon=1e-3, data_format=fmt))
    x64 = x.astype(np.float64).reshape(-1, shape[-1])
    mean, var = x64.mean(0), x64.var(0)
    want = ((x64 - mean) / np.sqrt(var + 1e-3) * s + o).reshape(shape)
    if fmt == "NCHW":
        want = np.moveaxis(want, -1, 1)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bm, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bv, x64.var(0, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(r1, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r2, var, rtol=1e-5)
    assert r3.shape == (0,) and y.dtype == np.float32


def test_running_averages_and_inference():
    x, s, o = _inputs((4, 5, 5, 3))
    mean, var = np.array([0.5, -1, 2], np.float32), np.array([1, 2, 0.5], np.float32)
    _, bm, bv, _, _, _ = fused_batch_norm_v3(x, s, o, mean, var, epsilon=1e-3,
                                             exponential_avg_factor=0.25)
    x64 = x.astype(np.float64).reshape(-1, 3)
    np.testing.assert_allclose(bm, 0.75 * mean + 0.25 * x64.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bv, 0.75 * var + 0.25 * x64.var(0, ddof=1), rtol=1e-5)
    y, bm, bv = tf1.nn.fused_batch_norm(x, s, o, mean, var, epsilon=1e-3, is_training=False)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3) * s + o, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(bm, mean)
    np.testing.assert_array_equal(bv, var)


def _grads(x, s, o, fused, training=True):
    w = np.random.default_rng(3).standard_normal(x.shape)
    mean, var = np.array([0.2] * x.shape[-1]), np.array([1.5] * x.shape[-1])
    xt, st, ot = tf.constant(x), tf.constant(s), tf.constant(o)
    with tf.GradientTape() as tape:
        tape.watch([xt, st, ot])
        if fused:
            y = fused_batch_norm_v3(xt, st, ot, mean, var, epsilon=1e-3, is_training=training)[0]
        else:
            m, v = tf.nn.moments(xt, [0, 1, 2]) if training else (mean, var)
            y = tf.nn.batch_normalization(xt, m, v, ot, st, 1e-3)
        loss = tf.reduce_sum(y * tf.constant(w, y.dtype))
    return [np.asarray(g, np.float64) for g in tape.gradient(loss, [xt, st, ot])]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_gradient_matches_the_two_op_path(shape, training):
    x, s, o = _inputs(shape)
    want = _grads(x.astype(np.float64), s.astype(np.float64), o.astype(np.float64), False,
                  training)
    for got, w in zip(_grads(x, s, o, True, training), want):
        np.testing.assert_allclose(got, w, rtol=2e-4, atol=2e-4 * np.abs(w).max())


def test_gradient_in_a_function_and_a_session_is_the_eager_one():
    x, s, o = _inputs((2, 4, 4, 3))
    eager = _grads(x, s, o, True)

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fused_batch_norm_v3(x, s, o, epsilon=1e-3)[0]
            loss = tf.reduce_sum(y * tf.constant(np.random.default_rng(3).standard_normal(
                x.shape), tf.float32))
        return tape.gradient(loss, x)

    np.testing.assert_allclose(f(tf.constant(x)), eager[0], rtol=1e-5, atol=1e-6)
    with tf.Graph().as_default():
        ph = tf1.placeholder(tf.float32, [None, 4, 4, 3])
        y = fused_batch_norm_v3(ph, s, o, epsilon=1e-3)[0]
        assert y.shape.as_list() == [None, 4, 4, 3]
        w = np.random.default_rng(3).standard_normal(x.shape).astype(np.float32)
        (g,) = tf.gradients(tf.reduce_sum(y * w), [ph])
        assert g.op.type == "FusedBatchNormGradV3"
        with tf1.Session() as sess:
            np.testing.assert_allclose(sess.run(g, {ph: x}), eager[0], rtol=1e-5, atol=1e-6)


def test_errors_are_tensorflows():
    x, s, o = _inputs((2, 3, 3, 4))
    with pytest.raises(tf.errors.InvalidArgumentError, match="input must be 4-dimensional"):
        fused_batch_norm_v3(x[0], s, o)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="scale must have the same number of elements as the channels of "
                             "x, got 3 and 4"):
        fused_batch_norm_v3(x, s[:3], o)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="When is_training=false, mean must have the same number"):
        fused_batch_norm_v3(x, s, o, np.zeros(0, np.float32), np.zeros(0, np.float32),
                            is_training=False)
    with pytest.raises(ValueError, match="Both `mean` and `variance` must be a 1D tensor"):
        tf1.nn.fused_batch_norm(x, s, o, is_training=False)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Value for attr 'T' of double is not in the list"):
        fused_batch_norm_v3(x.astype(np.float64), s, o)  # TF's kernel: half/bfloat16/float


def test_keras_batch_normalization_trains_through_the_fused_op():
    layer = tf.keras.layers.BatchNormalization(momentum=0.9)
    x = (RNG.standard_normal((4, 5, 5, 3)) * 2 + 3).astype(np.float32)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * y * tf.range(3, dtype=tf.float32))
        return y, tape.gradient(loss, layer.trainable_variables)

    y, grads = step(tf.constant(x))
    types = {op.type for op in step.get_concrete_function(tf.constant(x)).graph.get_operations()}
    assert {"FusedBatchNormV3", "FusedBatchNormGradV3"} <= types and "Mean" not in types
    x64 = x.astype(np.float64).reshape(-1, 3)
    want = (x64 - x64.mean(0)) / np.sqrt(x64.var(0) + 1e-3)
    np.testing.assert_allclose(y, want.reshape(x.shape), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean, 0.1 * x64.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance, 0.9 + 0.1 * x64.var(0), rtol=1e-5)
    assert all(g is not None for g in grads)
    np.testing.assert_allclose(layer(x, training=False),
                               (x - layer.moving_mean.numpy()) / np.sqrt(
                                   layer.moving_variance.numpy() + 1e-3), rtol=1e-5, atol=1e-5)
