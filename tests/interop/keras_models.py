"""The same Keras models, built by tfedu's `keras` or by real Keras 3: pass the module in.

Used by the interop tests on both sides of the comparison (the TensorFlow side imports this
file by path), so the architectures are written once."""

import numpy as np


def sequential(keras):
    return keras.Sequential([keras.Input((4,), name="feat"),
                             keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


def convolutional(keras):
    inp = keras.Input((6, 6, 1), name="image")
    x = keras.layers.Conv2D(2, 3, padding="same", activation="relu")(inp)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    x = keras.layers.Conv2DTranspose(2, 3)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LayerNormalization()(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inp, keras.layers.Dense(2)(x))


def recurrent(keras):
    inp = keras.Input((5,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(10, 3)(inp)
    x = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))(x)
    x = keras.layers.SimpleRNN(2, return_sequences=True)(x)
    x = keras.layers.GRU(2)(x)
    return keras.Model(inp, keras.layers.Dense(1)(x))


def subclassed(keras):
    # (Keras 3 leaves layers held in a plain list attribute out of TF checkpoints; tfedu
    # keeps them. Attributes holding layers are tracked the same way by both.)
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.first = keras.layers.Dense(3)
            self.second = keras.layers.Dense(2)

        def call(self, x):
            return self.second(self.first(x))

    m = Sub()
    m(np.zeros((1, 4), np.float32))
    return m


BUILDERS = {"sequential": sequential, "convolutional": convolutional, "recurrent": recurrent,
            "subclassed": subclassed}

INPUTS = {
    "sequential": np.linspace(-1, 1, 24, dtype=np.float32).reshape(6, 4),
    "convolutional": np.linspace(-1, 1, 72, dtype=np.float32).reshape(2, 6, 6, 1),
    "recurrent": (np.arange(15, dtype=np.int32).reshape(3, 5) * 7) % 10,
    "subclassed": np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4),
}
TARGETS = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]


def set_known_weights(model, seed):
    """Deterministic weights (Keras order) so both sides can be compared exactly."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(np.shape(w)).astype(np.float32) * 0.5 + (
        1.0 if "variance" in getattr(v, "path", "") else 0.0)
        for w, v in zip(model.get_weights(), model.weights)])
