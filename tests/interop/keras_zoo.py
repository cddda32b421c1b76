"""Models built from every layer the lessons use, written once for both Keras and tfedu.

`build(keras)` takes either real Keras (in the side environment) or `tfedu.keras`; both sides
build the same architectures, train one step (so BatchNormalization's statistics and the
optimizer's slots are not at their initial values) and exchange files. Imported by the interop
test and by its TensorFlow-side script; it imports neither framework itself.
"""

import numpy as np

HDF5_FREE = {"subclassed"}  # Keras writes only Sequential/Functional models to legacy .h5


def data(seed=0):
    rng = np.random.RandomState(seed)
    f = np.float32
    return {
        "dense": (rng.randn(16, 6).astype(f), rng.rand(16, 4).astype(f)),
        "cnn": (rng.rand(8, 8, 8, 2).astype(f), rng.rand(8, 2).astype(f)),
        "conv1d": (rng.randn(8, 10, 3).astype(f), rng.rand(8, 2).astype(f)),
        "rnn": (rng.randint(0, 12, (8, 5)).astype("int32"), rng.rand(8, 1).astype(f)),
        "seq": (_padded(rng.randn(8, 6, 3).astype(f)), rng.rand(8, 2).astype(f)),
        "cells": (rng.randn(8, 5, 3).astype(f), rng.rand(8, 3).astype(f)),
        "merge": ([rng.randn(8, 4).astype(f), rng.randn(8, 4).astype(f)],
                  rng.rand(8, 2).astype(f)),
        "custom": (rng.randn(8, 4).astype(f), rng.rand(8, 1).astype(f)),
        "subclassed": (rng.randn(8, 3).astype(f), rng.rand(8, 1).astype(f)),
    }


def _padded(x):
    """Sequences of different lengths: trailing time steps of zeros, masked by `Masking`."""
    for i in range(len(x)):
        x[i, 2 + i % 4:] = 0.0
    return x


def custom_objects(keras):
    """Registered custom classes: a layer with its own weights and `get_config`, a layer of
    sub-layers configured automatically from `__init__`, and a subclassed model."""
    L = keras.layers

    @keras.saving.register_keras_serializable(package="zoo")
    class Scale(L.Layer):
        def __init__(self, k=2.0, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
            self.c = self.add_weight(shape=(), initializer="zeros", name="c", trainable=False)

        def call(self, x):
            return x * self.w * self.k + self.c

        def get_config(self):
            return {**super().get_config(), "k": self.k}

    @keras.saving.register_keras_serializable(package="zoo")
    class Block(L.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.parts = [L.Dense(units, activation="tanh"), L.Dense(units)]
            self.norm = L.LayerNormalization()

        def call(self, x):
            return self.norm(self.parts[1](self.parts[0](x)))

    @keras.saving.register_keras_serializable(package="zoo")
    class TwoTower(keras.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.block = Block(units)
            self.head = L.Dense(1)
            self.scale = Scale(0.5)

        def call(self, x):
            return self.scale(self.head(self.block(x)))

    return {"Scale": Scale, "Block": Block, "TwoTower": TwoTower}


def _merge(keras, x):
    L = keras.layers
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    norm = L.Normalization()
    norm.adapt(x[0])
    na, nb = norm(a), L.LayerNormalization()(b)
    s, d = L.Add()([na, nb]), L.Subtract()([na, nb])
    parts = [s, d, L.Multiply()([s, d]), L.Average()([na, nb]), L.Maximum()([na, nb]),
             L.Minimum()([na, nb])]
    r = L.Reshape((4, 6))(L.Concatenate()(parts))
    feats = L.Concatenate()([L.Flatten()(r), L.GlobalAveragePooling1D()(r),
                             L.Dot(axes=1)([na, nb]), L.Activation("relu")(L.Rescaling(0.5)(s))])
    return keras.Model([a, b], L.Dense(2)(feats), name="merge")


def _architectures(keras, x):
    L = keras.layers
    custom = custom_objects(keras)
    inp = keras.Input((4,))
    return {
        "dense": keras.Sequential([keras.Input((6,)), L.Dense(8, activation="relu"),
                                   L.BatchNormalization(), L.Dropout(0.3),
                                   L.Dense(4, activation="softmax")]),
        "cnn": keras.Sequential([keras.Input((8, 8, 2)),
                                 L.Conv2D(4, 3, padding="same", activation="relu"),
                                 L.MaxPooling2D(), L.DepthwiseConv2D(3, padding="same"),
                                 L.Conv2DTranspose(3, 3, strides=2, padding="same"),
                                 L.AveragePooling2D(2), L.Flatten(), L.Dense(2)]),
        "conv1d": keras.Sequential([keras.Input((10, 3)), L.Conv1D(4, 3, activation="relu"),
                                    L.MaxPooling1D(2), L.GlobalAveragePooling1D(),
                                    L.Dense(2)]),
        "rnn": keras.Sequential([keras.Input((5,), dtype="int32"), L.Embedding(12, 4),
                                 L.SimpleRNN(3, return_sequences=True),
                                 L.LSTM(3, return_sequences=True),
                                 L.Bidirectional(L.GRU(2)), L.Dense(1)]),
        # Unknown time steps: the recurrent layers loop over time in a graph
        "seq": keras.Sequential([keras.Input((None, 3)), L.Masking(0.0),
                                 L.LSTM(4, return_sequences=True, go_backwards=True,
                                        dropout=0.2, recurrent_dropout=0.1),
                                 L.Bidirectional(L.GRU(3, reset_after=False,
                                                       return_sequences=True)),
                                 L.SimpleRNN(2)]),
        # Cells run by keras.layers.RNN: one cell, and a stack of two
        "cells": keras.Sequential([keras.Input((None, 3)),
                                   L.RNN(L.LSTMCell(4, dropout=0.1), return_sequences=True),
                                   L.RNN([L.SimpleRNNCell(2), L.GRUCell(3)])]),
        "merge": _merge(keras, x["merge"][0]),
        "custom": keras.Model(inp, L.Dense(1)(custom["Block"](3)(custom["Scale"](0.5)(inp)))),
        "subclassed": custom["TwoTower"](2),
    }


def build(keras, seed=0):
    """{name: compiled model trained one step} on `data(seed)`."""
    keras.utils.set_random_seed(seed)
    x = data(seed)
    models = _architectures(keras, x)
    for name, model in models.items():
        _compile(keras, model, name)
        model.fit(x[name][0], x[name][1], batch_size=64, epochs=1, verbose=0)
    return models


def _compile(keras, model, name):
    # Eager steps: one step costs less than tracing one (and Keras cannot reload a legacy .h5
    # whose loss is the alias "mse"). One model compiles with loss and metric objects.
    if name == "dense":
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss=keras.losses.MeanSquaredError(),
                      metrics=[keras.metrics.MeanAbsoluteError(name="mae")], run_eagerly=True)
    else:
        model.compile(optimizer="adam", loss="mean_squared_error", run_eagerly=True)


def predict(model, x):
    """The model's output on `x` (called directly: no traced predict function)."""
    return np.asarray(model(x, training=False))


def fresh(keras, name, seed=1):
    """An untrained, compiled copy of one architecture, its optimizer built (for weights)."""
    keras.utils.set_random_seed(seed)
    model = _architectures(keras, data(seed))[name]
    _compile(keras, model, name)
    model(data(seed)[name][0])
    model.optimizer.build(model.trainable_variables)
    return model
