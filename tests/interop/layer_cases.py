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


BUILDERS = {"mha_mask": _mha_mask, "mha_cross": _mha_cross, "mha_explicit": _mha_explicit,
            "mha_2d": _mha_2d, "attention": _attention, "additive": _additive,
            "einsum": _einsum}


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
