"""The layers beyond the basics inside tfedu itself: training behaviour in `fit` and under
`tf.function`, masks, weight names, configs and Keras's errors. Their values against real Keras
are in tests/interop/test_keras_more_layers.py."""

import numpy as np
import pytest

import tfedu as tf

L = tf.keras.layers
rng = np.random.default_rng(0)


def test_multi_head_attention_weights_are_keras_einsum_projections():
    mha = L.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, name="mha")
    q = rng.normal(size=(2, 6, 8)).astype("float32")
    assert mha(q, q).shape == (2, 6, 8)
    assert [(w.path, tuple(w.shape)) for w in mha.weights] == [
        ("mha/query/kernel", (8, 3, 4)), ("mha/query/bias", (3, 4)),
        ("mha/key/kernel", (8, 3, 4)), ("mha/key/bias", (3, 4)),
        ("mha/value/kernel", (8, 3, 5)), ("mha/value/bias", (3, 5)),
        ("mha/attention_output/kernel", (3, 5, 8)), ("mha/attention_output/bias", (8,))]
    config = mha.get_config()
    assert (config["attention_axes"], config["value_dim"], config["output_shape"]) == ((1,), 5,
                                                                                       None)
    assert mha.query_dense.get_config()["equation"] == "abc,cde->abde"
    assert mha.output_dense.get_config()["equation"] == "abcd,cde->abe"


def test_attention_masks_follow_keras():
    ids = np.array([[3, 4, 0, 0], [5, 0, 0, 0]], "int32")
    x = L.Embedding(8, 6, mask_zero=True)(ids)
    mha = L.MultiHeadAttention(2, 3)
    out, scores = mha(x, x, return_attention_scores=True)
    assert out._keras_mask.numpy().tolist() == (ids != 0).tolist()
    s = scores.numpy()
    assert np.allclose(s[..., 2:], 0) and np.allclose(s[0, :, :2, :].sum(-1), 1)
    assert np.allclose(s[1, :, 1:, :], 0)  # padded queries: Keras's Softmax zeroes them
    _, causal = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    assert np.allclose(np.triu(causal.numpy()[0, 0], 1), 0)


def test_dropout_only_in_training_and_fit_learns():
    x = rng.normal(size=(16, 5, 4)).astype("float32")
    y = rng.normal(size=(16, 5, 4)).astype("float32")
    mha = L.MultiHeadAttention(2, 2, dropout=0.5, seed=1)
    a, b = mha(x, x).numpy(), mha(x, x).numpy()
    assert np.array_equal(a, b)
    assert not np.allclose(mha(x, x, training=True).numpy(), a)
    inp = tf.keras.Input((5, 4))
    model = tf.keras.Model(inp, L.MultiHeadAttention(2, 2, dropout=0.1)(inp, inp))
    model.compile("adam", "mse")
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


def test_attention_layers_under_tf_function():
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    layers = [L.MultiHeadAttention(2, 2), L.Attention(use_scale=True), L.AdditiveAttention()]
    for layer in layers:
        def call(a, b, layer=layer):
            return layer(a, b) if isinstance(layer, L.MultiHeadAttention) else layer([a, b])
        eager = call(q, v).numpy()
        np.testing.assert_allclose(tf.function(call)(q, v).numpy(), eager, rtol=1e-5, atol=1e-6)


def test_attention_bad_arguments_raise_keras_errors():
    with pytest.raises(ValueError, match="expected a positive integer. Received: num_heads=0"):
        L.MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="`attention_axes` must be an int, list, or tuple"):
        L.MultiHeadAttention(2, 4, attention_axes="x")
    q = np.zeros((1, 2, 3), "float32")
    with pytest.raises(ValueError, match="All dimensions of `value` and `key`"):
        L.MultiHeadAttention(2, 4)(q, q, key=np.zeros((1, 3, 3), "float32"))
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        L.Attention()(q)
    with pytest.raises(ValueError, match="Expected one of {'dot', 'concat'}"):
        L.Attention(score_mode="sum")
    with pytest.raises(ValueError, match="Invalid einsum equation 'ab->b'"):
        L.EinsumDense("ab->b", 3)(q[0])
