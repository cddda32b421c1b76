"""Every Keras layer's forward pass against a numpy reference, and its input gradient against
finite differences."""

import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import check_gradients

rng = np.random.default_rng(0)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _conv2d_ref(x, k, stride=1):
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


def test_dense_matches_numpy_and_gradient():
    layer = tf.keras.layers.Dense(3, activation="tanh")
    x = rng.normal(size=(4, 5)).astype(np.float32)
    y = layer(x).numpy()
    ref = np.tanh(x @ layer.kernel.numpy() + layer.bias.numpy())
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    k = layer.kernel.numpy().astype(np.float64)
    check_gradients(lambda t: tf.tanh(tf.matmul(t, tf.constant(k))), x)


def test_conv2d_valid_and_strided_match_direct_loop():
    x = rng.normal(size=(2, 7, 7, 3)).astype(np.float32)
    for stride in (1, 2):
        layer = tf.keras.layers.Conv2D(4, 3, strides=stride, use_bias=False)
        np.testing.assert_allclose(layer(x).numpy(), _conv2d_ref(x, layer.kernel.numpy(), stride),
                                   rtol=1e-4, atol=1e-5)
    assert tf.keras.layers.Conv2D(4, 3, strides=2, padding="same")(
        tf.zeros([1, 9, 9, 2])).shape == (1, 5, 5, 4)


def test_conv2d_gradient_wrt_input():
    layer = tf.keras.layers.Conv2D(2, 2, use_bias=False)
    layer.build((None, 4, 4, 1))
    k = layer.kernel.numpy().astype(np.float64)
    check_gradients(lambda t: tf.nn.conv2d(t, tf.constant(k), 1, "VALID"),
                    rng.normal(size=(1, 4, 4, 1)))


def test_pooling_layers():
    x = np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2)
    mp = tf.keras.layers.MaxPooling2D()(x).numpy()
    np.testing.assert_array_equal(mp, x.reshape(1, 2, 2, 2, 2, 2).max(axis=(2, 4)))
    ap = tf.keras.layers.AveragePooling2D()(x).numpy()
    np.testing.assert_allclose(ap, x.reshape(1, 2, 2, 2, 2, 2).mean(axis=(2, 4)))
    np.testing.assert_allclose(tf.keras.layers.GlobalAveragePooling2D()(x).numpy(),
                               x.mean(axis=(1, 2)))
    np.testing.assert_allclose(tf.keras.layers.GlobalMaxPooling2D()(x).numpy(),
                               x.max(axis=(1, 2)))


def test_batch_normalization_training_and_inference():
    bn = tf.keras.layers.BatchNormalization()
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    np.testing.assert_allclose(bn(x).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    yt = bn(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(yt, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.99 + 0.01 * var, rtol=1e-5)
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]


def test_layer_normalization_and_its_gradient():
    ln = tf.keras.layers.LayerNormalization()
    x = rng.normal(size=(3, 4)).astype(np.float32)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(ln(x).numpy(), ref, rtol=1e-4, atol=1e-5)

    def f(t):
        mean, var = tf.nn.moments(t, axes=[1], keepdims=True)
        return (t - mean) / tf.sqrt(var + 1e-3)

    check_gradients(f, x)


def test_normalization_adapt():
    data = np.array([[0.0, 10.0], [2.0, 30.0]], np.float32)
    norm = tf.keras.layers.Normalization()
    norm.adapt(data)
    np.testing.assert_allclose(norm(data).numpy(), [[-1, -1], [1, 1]], atol=1e-5)


def test_embedding_lookup_and_bad_ids():
    emb = tf.keras.layers.Embedding(5, 3)
    ids = np.array([[0, 4], [2, 2]])
    np.testing.assert_array_equal(emb(ids).numpy(), emb.embeddings.numpy()[ids])
    with pytest.raises(tf.errors.InvalidArgumentError):
        emb(np.array([[7]]))


def _rnn_ref(kind, layer, x):
    W, U = layer.kernel.numpy(), layer.recurrent_kernel.numpy()
    b = layer.bias.numpy()
    u = layer.units
    h = np.zeros((x.shape[0], u))
    c = np.zeros_like(h)
    for t in range(x.shape[1]):
        xt = x[:, t]
        if kind == "simple":
            h = np.tanh(xt @ W + h @ U + b)
        elif kind == "lstm":
            z = xt @ W + h @ U + b
            i, f, g, o = np.split(z, 4, axis=-1)
            c = _sig(f) * c + _sig(i) * np.tanh(g)
            h = _sig(o) * np.tanh(c)
        else:
            xz, xr, xh = np.split(xt @ W + b[0], 3, axis=-1)
            hz, hr, hh = np.split(h @ U + b[1], 3, axis=-1)
            z, r = _sig(xz + hz), _sig(xr + hr)
            h = z * h + (1 - z) * np.tanh(xh + r * hh)
    return h


@pytest.mark.parametrize("kind,cls", [("simple", "SimpleRNN"), ("lstm", "LSTM"), ("gru", "GRU")])
def test_recurrent_layers_match_numpy(kind, cls):
    layer = getattr(tf.keras.layers, cls)(4)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    y = layer(x).numpy()
    np.testing.assert_allclose(y, _rnn_ref(kind, layer, x), rtol=1e-4, atol=1e-5)


def test_lstm_gradient_flows_through_time():
    layer = tf.keras.layers.LSTM(2)
    x = tf.constant(rng.normal(size=(1, 4, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x))
    g = tape.gradient(y, x).numpy()
    assert g.shape == (1, 4, 3) and np.all(np.abs(g[0, 0]) > 0)


def test_merge_layers_and_dropout():
    a = np.array([[1.0, 2.0]], np.float32)
    b = np.array([[3.0, 4.0]], np.float32)
    np.testing.assert_array_equal(tf.keras.layers.Add()([a, b]).numpy(), a + b)
    np.testing.assert_array_equal(tf.keras.layers.Multiply()([a, b]).numpy(), a * b)
    np.testing.assert_array_equal(tf.keras.layers.Concatenate()([a, b]).numpy(),
                                  np.concatenate([a, b], -1))
    d = tf.keras.layers.Dropout(0.5)
    x = np.ones((1, 1000), np.float32)
    np.testing.assert_array_equal(d(x).numpy(), x)
    kept = d(x, training=True).numpy()
    assert set(np.unique(kept)) <= {0.0, 2.0} and 300 < (kept > 0).sum() < 700


def test_functional_model_multiple_inputs_and_shared_layer():
    a = tf.keras.Input(shape=(3,))
    b = tf.keras.Input(shape=(3,))
    shared = tf.keras.layers.Dense(2)
    out = tf.keras.layers.Add()([shared(a), shared(b)])
    model = tf.keras.Model([a, b], out)
    xa, xb = np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)
    ref = xa @ shared.kernel.numpy() + xb @ shared.kernel.numpy() + 2 * shared.bias.numpy()
    np.testing.assert_allclose(model([xa, xb]).numpy(), ref, rtol=1e-6)
    assert len(model.trainable_weights) == 2
