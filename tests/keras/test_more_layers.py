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


def test_augmentations_act_only_in_training():
    x = rng.random((4, 8, 8, 3)).astype("float32")
    inp = tf.keras.Input((8, 8, 3))
    aug = [L.RandomZoom(0.3, seed=1), L.RandomTranslation(0.2, 0.2, seed=2),
           L.RandomRotation(0.2, seed=3)]
    y = aug[2](aug[1](aug[0](inp)))
    model = tf.keras.Model(inp, L.Dense(1)(L.GlobalAveragePooling2D()(L.Conv2D(2, 3)(y))))
    np.testing.assert_array_equal(aug[0](x, training=False).numpy(), x)
    assert not np.allclose(aug[0](x).numpy(), x)  # called directly: training, as Keras
    traced = tf.function(lambda t: aug[1](t, training=True))(x).numpy()
    assert traced.shape == x.shape and not np.allclose(traced, x)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               model(x, training=False).numpy(), rtol=1e-5, atol=1e-6)
    model.compile("adam", "mse")
    hist = model.fit(x, np.ones((4, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


def test_augmentation_arguments_raise_keras_errors():
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` mirror"):
        L.RandomZoom(0.1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="Unknown `interpolation` bicubic"):
        L.RandomTranslation(0.1, 0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match=r"in the range \(-1.0, 1.0\]. Received: input_number=-1"):
        L.RandomZoom(-1.0)
    with pytest.raises(ValueError, match=r"Received: width_factor=\(0.1, 0.2, 0.3\)"):
        L.RandomTranslation(0.1, (0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match=r"in the range \[-1, 1\]. Received: factor=1.5"):
        L.RandomRotation(1.5)
    assert L.RandomRotation(0.1).get_config()["factor"] == [-0.1, 0.1]


def test_noise_layers_train_only_and_drop_whole_channels():
    x = np.ones((8, 5, 6), "float32")
    for layer in (L.GaussianNoise(0.5), L.GaussianDropout(0.5), L.SpatialDropout1D(0.5)):
        np.testing.assert_array_equal(layer(x).numpy(), x)
        assert not np.allclose(layer(x, training=True).numpy(), x)
    dropped = L.SpatialDropout1D(0.5)(x, training=True).numpy()
    assert np.all(dropped.std(axis=1) == 0)  # a channel is kept or dropped at every step
    assert set(np.unique(dropped)) <= {0.0, 2.0}
    maps = L.SpatialDropout2D(0.5)(np.ones((4, 3, 3, 5), "float32"), training=True).numpy()
    assert np.all(maps.reshape(4, 9, 5).std(axis=1) == 0)
    with pytest.raises(ValueError, match="Expected a float value between 0 and 1"):
        L.GaussianNoise(2.0)


def test_activity_regularization_adds_its_penalty_per_call():
    inp = tf.keras.Input((3,))
    model = tf.keras.Model(inp, L.ActivityRegularization(l1=0.5, l2=0.25)(L.Dense(2)(inp)))
    x = rng.normal(size=(4, 3)).astype("float32")
    for _ in range(2):
        y = model(x).numpy()
    assert len(model.losses) == 1
    expected = (0.5 * np.abs(y).sum() + 0.25 * (y ** 2).sum()) / 4
    np.testing.assert_allclose(float(model.losses[0]), expected, rtol=1e-5)
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(x, np.zeros((4, 2)), epochs=1, verbose=0).history["loss"][0])


def test_normalizations_and_aliases():
    x = rng.normal(size=(2, 4, 6)).astype("float32")
    unit = L.UnitNormalization()(x).numpy()
    np.testing.assert_allclose(np.linalg.norm(unit, axis=-1), 1, rtol=1e-5)
    g = L.GroupNormalization(groups=3)(x).numpy().reshape(2, 4, 3, 2)
    np.testing.assert_allclose(g.mean(axis=(1, 3)), 0, atol=1e-5)
    with pytest.raises(ValueError, match=r"Number of groups \(4\) must be a multiple"):
        L.GroupNormalization(groups=4)(x)
    with pytest.raises(ValueError, match="must be smaller than the input length"):
        L.Cropping1D((2, 2))(x)
    assert L.GlobalAvgPool1D is L.GlobalAveragePooling1D and L.AvgPool1D is L.AveragePooling1D
    assert L.Convolution1D is L.Conv1D and L.SeparableConvolution2D is L.SeparableConv2D
