"""Small models around the layers that TensorFlow's tutorials use beyond the basics (attention,
augmentation, noise, separable and transposed convolutions...), written once for real Keras
(in the side environment) and for `tfedu.keras`.

Both sides build each model, fill its weights from the same seeded generator (so weight order
and shapes must agree), and compute outputs and weight gradients; tfedu's `.keras` files are
loaded by Keras and Keras's by tfedu. Imported by tests/interop/test_keras_more_layers.py and by
its TensorFlow-side script; it imports neither framework itself.
"""

import numpy as np


def _ids(rng, shape, high=12, pad=2):
    """Integer ids with trailing zeros (padding that `mask_zero=True` masks)."""
    ids = rng.randint(1, high, shape).astype("int32")
    ids[:, shape[1] - pad:] = 0
    ids[0, 1:] = 0  # a row that is almost all padding
    return ids


def data(seed=0):
    rng = np.random.RandomState(seed)
    f = np.float32
    return {
        "mha_mask": [_ids(rng, (3, 6))],
        "mha_cross": [rng.randn(2, 4, 6).astype(f), rng.randn(2, 5, 6).astype(f),
                      rng.randn(2, 5, 3).astype(f)],
        "mha_explicit": [rng.randn(2, 4, 6).astype(f),
                         (rng.rand(2, 4, 4) > 0.4).astype("int32") * np.array(
                             [1, 1, 0, 1], "int32")[None, :, None]],
        "mha_2d": [rng.randn(2, 3, 3, 4).astype(f)],
        "attention": [_ids(rng, (2, 5)), _ids(rng, (2, 6))],
        "additive": [rng.randn(2, 3, 4).astype(f), rng.randn(2, 5, 4).astype(f)],
        "einsum": [rng.randn(2, 3, 4).astype(f)],
        "augment": [rng.rand(2, 8, 8, 3).astype(f)],
        "seq_layers": [rng.randn(2, 6, 4).astype(f)],
        "image_layers": [rng.randn(2, 6, 6, 4).astype(f)],
    }


def _mha_mask(keras, L):
    ids = keras.Input((6,), dtype="int32")
    x = L.Embedding(12, 8, mask_zero=True)(ids)
    x = L.Add()([x, L.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)])
    x = L.LayerNormalization()(x)
    return keras.Model(ids, L.Dense(3)(L.GlobalAveragePooling1D()(x)))


def _mha_cross(keras, L):
    q, v, k = keras.Input((4, 6)), keras.Input((5, 6)), keras.Input((5, 3))
    out, scores = L.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=3, output_shape=5)(
        q, v, key=k, use_causal_mask=True, return_attention_scores=True)
    return keras.Model([q, v, k], [out, scores])


def _mha_explicit(keras, L):
    """Dropout makes Keras take its explicit path: a Softmax layer zeroes fully masked rows."""
    q, m = keras.Input((4, 6)), keras.Input((4, 4), dtype="int32")
    out = L.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.25, use_bias=False)(
        q, q, attention_mask=m)
    return keras.Model([q, m], out)


def _mha_2d(keras, L):
    x = keras.Input((3, 3, 4))
    return keras.Model(x, L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2))(
        x, x))


def _attention(keras, L):
    a, b = keras.Input((5,), dtype="int32"), keras.Input((6,), dtype="int32")
    emb = L.Embedding(12, 4, mask_zero=True)
    q, v = emb(a), emb(b)
    out = L.Attention(use_scale=True, score_mode="concat")([q, v, v])
    causal = L.Attention()([q, q], use_causal_mask=True)
    return keras.Model([a, b], L.Concatenate()([out, causal]))


def _additive(keras, L):
    q, v = keras.Input((3, 4)), keras.Input((5, 4))
    out, scores = L.AdditiveAttention()([q, v], return_attention_scores=True)
    return keras.Model([q, v], [out, scores])


def _einsum(keras, L):
    x = keras.Input((3, 4))
    y = L.EinsumDense("abc,cde->abde", output_shape=(3, 2, 5), bias_axes="de",
                      activation="tanh")(x)
    return keras.Model(x, L.EinsumDense("...de,def->...f", output_shape=3, bias_axes="f")(y))


def _augment(keras, L):
    """Augmentations are the identity outside training: the convolution behind them decides."""
    x = keras.Input((8, 8, 3))
    y = L.RandomZoom(0.2, fill_mode="constant")(x)
    y = L.RandomTranslation(0.1, (-0.2, 0.3), fill_mode="nearest")(y)
    y = L.RandomRotation((-0.1, 0.2), fill_mode="wrap", interpolation="nearest")(y)
    y = L.Conv2D(2, 3)(y)
    return keras.Model(x, L.Dense(2)(L.GlobalAvgPool2D()(y)))


def _seq_layers(keras, L):
    x = keras.Input((6, 4))
    y = L.GaussianNoise(0.1)(x)
    y = L.SpatialDropout1D(0.3)(y)
    y = L.GaussianDropout(0.2)(y)
    y = L.ActivityRegularization(l1=0.01, l2=0.02)(y)
    y = L.PReLU(shared_axes=[1])(y)
    y = L.Conv1DTranspose(3, 3, strides=2)(y)
    y = L.SeparableConv1D(4, 3, depth_multiplier=2, padding="same")(y)
    y = L.Cropping1D((1, 2))(y)
    return keras.Model(x, L.UnitNormalization()(y))


def _image_layers(keras, L):
    x = keras.Input((6, 6, 4))
    y = L.SeparableConv2D(4, 3, depth_multiplier=2, padding="same", strides=2)(x)
    y = L.GroupNormalization(groups=2)(y)
    y = L.SpatialDropout2D(0.2)(y)
    y = L.PReLU(shared_axes=[1, 2])(y)
    return keras.Model(x, L.GlobalMaxPool2D()(y))


BUILDERS = {"mha_mask": _mha_mask, "mha_cross": _mha_cross, "mha_explicit": _mha_explicit,
            "mha_2d": _mha_2d, "attention": _attention, "additive": _additive,
            "einsum": _einsum, "augment": _augment, "seq_layers": _seq_layers,
            "image_layers": _image_layers}

# Augmentations with a given transformation (`layer.transform_images(x, transformation)`):
# (layer class, its arguments, transformation). The images are `data()["augment"][0]`.
_ZOOM = {"height_zoom": [[0.8], [1.25]], "width_zoom": [[1.1], [0.7]]}
_SHIFT = {"translations": [[1.7, -2.4], [-3.2, 0.6]]}
TRANSFORMS = {
    f"{cls}_{fill}_{interp}": (cls, dict(factor, fill_mode=fill, interpolation=interp,
                                         fill_value=0.25), t)
    for cls, factor, t in (("RandomZoom", {"height_factor": 0.3}, _ZOOM),
                           ("RandomTranslation", {"height_factor": 0.3, "width_factor": 0.4},
                            _SHIFT))
    for fill in ("reflect", "wrap", "constant", "nearest")
    for interp in ("bilinear", "nearest")}
TRANSFORMS["RandomRotation"] = ("RandomRotation", {"factor": 0.2}, {"angle": [33.0, -71.5]})


def _rotation(keras, layer, angle, images):
    """Rotation matrices for `angle` degrees, by each framework's own code."""
    h, w = images.shape[1:3]
    if keras.__name__.startswith("tfedu"):
        from tfedu.keras.layers.augmentation import rotation_matrix

        return rotation_matrix(angle, h, w)
    zeros = np.zeros_like(angle)
    return layer._compute_affine_matrix(0.5, 0.5, angle, zeros, zeros, zeros + 1, zeros, zeros,
                                        h, w)


def transformed(keras, name, images):
    cls, kwargs, t = TRANSFORMS[name]
    layer = getattr(keras.layers, cls)(**kwargs)
    t = {k: np.asarray(v, "float32") for k, v in t.items()}
    if "angle" in t:
        t["rotation_matrix"] = _rotation(keras, layer, t["angle"], images)
    return np.asarray(layer.transform_images(images, t, training=True))


def build(keras, name, seed=0):
    """The model `name`, its weights drawn from `seed` in the model's weight order."""
    model = BUILDERS[name](keras, keras.layers)
    rng = np.random.RandomState(seed + 100)
    model.set_weights([rng.uniform(-0.6, 0.6, np.shape(w)).astype("float32")
                       for w in model.get_weights()])
    return model


def as_list(out):
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def outputs_and_grads(tf, model, xs):
    """The model's outputs on `xs` and the gradients of the sum of their squares with respect
    to its trainable weights (in order)."""
    with tf.GradientTape() as tape:
        out = model(xs if len(xs) > 1 else xs[0], training=False)
        flat = out if isinstance(out, (list, tuple)) else [out]
        loss = tf.add_n([tf.reduce_sum(o * o) for o in flat])
    grads = tape.gradient(loss, model.trainable_variables)
    return as_list(flat), [np.asarray(tf.convert_to_tensor(g)) for g in grads]
