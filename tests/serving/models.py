"""Small SavedModels for the serving tests, written with tfedu into version directories."""

from __future__ import annotations

import os

import numpy as np


def mlp(seed: int = 0):
    import tfedu as tf

    tf.random.set_seed(seed)
    return tf.keras.Sequential([tf.keras.Input((4,), name="feat"),
                                tf.keras.layers.Dense(8, activation="relu"),
                                tf.keras.layers.Dense(3, activation="softmax")])


def _multi(path) -> None:
    import tfedu as tf

    class Multi(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32),
                                      tf.TensorSpec([None], tf.int32)])
        def __call__(self, x, k):
            return {"scaled": x * tf.cast(k, tf.float32)[:, None], "k": k * 2}

    m = Multi()
    tf.saved_model.save(m, path, signatures={"serving_default": m.__call__})


def _text(path) -> None:
    """Strings in and out, plus signatures shaped for Classify and Regress (their one input
    `inputs` receives serialized tf.Examples; the outputs here are computed from their length)."""
    import tfedu as tf

    class Text(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def echo(self, text):
            return {"length": tf.strings.length(text), "text_bytes": tf.identity(text),
                    "text": tf.identity(text)}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def classify(self, inputs):
            n = tf.cast(tf.strings.length(inputs), tf.float32)[:, None]
            return {"scores": tf.concat([n, n / 2.0], axis=1),
                    "classes": tf.tile(tf.constant([["long", "short"]]),
                                       tf.stack([tf.shape(inputs)[0], 1]))}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def regress(self, inputs):
            return {"outputs": tf.cast(tf.strings.length(inputs), tf.float32)}

    m = Text()
    tf.saved_model.save(m, path, signatures={"serving_default": m.echo,
                                             "classify_len": m.classify,
                                             "regress_len": m.regress})


def build(root) -> dict:
    """{name: base path}: mlp (Keras, version 1), multi (two inputs, two outputs), text."""
    from tfedu.serving.notebook import export_version

    paths = {n: os.path.join(root, n) for n in ("mlp", "multi", "text")}
    export_version(mlp(), paths["mlp"], 1)
    _multi(os.path.join(paths["multi"], "1"))
    _text(os.path.join(paths["text"], "1"))
    return paths


def mlp_inputs(n: int = 2) -> np.ndarray:
    return np.arange(n * 4, dtype=np.float32).reshape(n, 4) / 10
