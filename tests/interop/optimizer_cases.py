"""The optimizer and constraint cases run on both sides (real Keras 3 and tfedu's Keras).

Imported by the TensorFlow side script as well as by the tests, so it needs only numpy and the
`keras` module it is handed. Each case builds its object from the `keras` module it is given.
"""

import numpy as np

STEPS = 3
CASES = {
    "adadelta": lambda k: k.optimizers.Adadelta(1.0),
    "adadelta_by_name": lambda k: k.optimizers.get("adadelta"),
    "nadam": lambda k: k.optimizers.Nadam(0.1),
    "nadam_schedule": lambda k: k.optimizers.Nadam(
        k.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5)),
    "nadam_global_clipnorm": lambda k: k.optimizers.Nadam(0.05, global_clipnorm=0.5),
    "adamax": lambda k: k.optimizers.Adamax(0.1, clipnorm=0.5),
    "ftrl": lambda k: k.optimizers.Ftrl(0.1),
    "ftrl_regularized": lambda k: k.optimizers.Ftrl(
        0.1, learning_rate_power=-0.6, initial_accumulator_value=0.2,
        l1_regularization_strength=0.01, l2_regularization_strength=0.02,
        l2_shrinkage_regularization_strength=0.03, beta=0.1),
    "lion": lambda k: k.optimizers.Lion(0.01),
    "lion_decay_clipvalue": lambda k: k.optimizers.Lion(0.01, weight_decay=0.1, clipvalue=0.3),
}
NAMES = ["adadelta", "nadam", "adamax", "ftrl", "lion"]  # compile(optimizer=<name>)
CONSTRAINTS = {
    "max_norm": lambda k: k.constraints.MaxNorm(0.5),
    "max_norm_axis1": lambda k: k.constraints.MaxNorm(max_value=0.3, axis=1),
    "min_max_norm": lambda k: k.constraints.MinMaxNorm(0.4, 0.6, rate=0.5),
    "non_neg": lambda k: k.constraints.NonNeg(),
    "unit_norm": lambda k: k.constraints.UnitNorm(axis=[0, 1]),
    "by_name": lambda k: "max_norm",
}

def dense(keras, **kwargs):
    layer = keras.layers.Dense(2, name="dense", **kwargs)
    layer.build((None, 3))
    layer.set_weights([np.arange(6, dtype="float32").reshape(3, 2) * 0.3 - 0.7,
                       np.array([0.1, -0.2], "float32")])
    return layer


def grads(step):
    k = np.sin(np.arange(6, dtype="float32") * (step + 1) + 0.5).reshape(3, 2)
    return [k.astype("float32"), np.cos(np.arange(2, dtype="float32") + step).astype("float32")]


def run_steps(keras, case):
    """A Dense layer after STEPS updates of fixed gradients, and its optimizer."""
    layer, opt = dense(keras), CASES[case](keras)
    for step in range(STEPS):
        opt.apply_gradients(zip(grads(step), layer.trainable_variables))
    return layer, opt


def data():
    x = np.sin(np.arange(24, dtype="float32")).reshape(8, 3)
    return x, np.cos(np.arange(16, dtype="float32")).reshape(8, 2)


def fit(keras, optimizer, **dense_kwargs):
    """A Sequential model fitted for one epoch of two batches."""
    model = keras.Sequential([keras.Input((3,)), dense(keras, **dense_kwargs)])
    model.compile(optimizer=optimizer, loss="mse")
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model


def values(variables):
    return [np.asarray(v).tolist() for v in variables]


def constrained_models(keras):
    """Layers of each kind holding a constraint, in small models with fixed weights."""
    k, c = keras.layers, keras.constraints
    models = {
        "conv1d": [keras.Input((4, 3)), k.Conv1D(2, 2, kernel_constraint="non_neg",
                                                 bias_constraint=c.MaxNorm(0.1)),
                   k.Flatten(), k.Dense(2)],
        "embedding": [keras.Input((4,), dtype="int32"),
                      k.Embedding(5, 3, embeddings_constraint=c.UnitNorm(axis=1)),
                      k.Flatten(), k.Dense(2)],
        "lstm": [keras.Input((4, 3)), k.LSTM(2, kernel_constraint="max_norm",
                                             recurrent_constraint=c.MaxNorm(0.5))],
        "batch_norm": [keras.Input((3,)), k.BatchNormalization(
            gamma_constraint=c.MinMaxNorm(0.5, 0.8), beta_constraint="non_neg"), k.Dense(2)],
    }
    out = {}
    for name, stack in models.items():
        model = keras.Sequential(stack)
        for i, v in enumerate(model.trainable_variables):
            size = int(np.prod(v.shape))
            v.assign(np.sin(np.arange(size, dtype="float32") + i).reshape(v.shape) * 0.6)
        out[name] = model
    return out


def constrained_inputs(name):
    if name == "embedding":
        return (np.arange(32) % 5).reshape(8, 4).astype("int32")
    if name == "batch_norm":
        return data()[0]
    return np.sin(np.arange(96, dtype="float32")).reshape(8, 4, 3)


def split_cases(keras, tf_data):
    """`keras.utils.split_dataset` on arrays, tuples, batched and dict datasets."""
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10, dtype="int64")
    split = keras.utils.split_dataset
    return {
        "array": split(np.arange(10), left_size=0.8),
        "tuple_shuffled": split((x, y), right_size=3, shuffle=True, seed=1),
        "batched": split(tf_data.Dataset.from_tensor_slices((x, y)).batch(3), left_size=4),
        "dict": split(tf_data.Dataset.from_tensor_slices({"a": x, "b": y}), left_size=0.5,
                      right_size=0.3),
    }


SPLIT_ERRORS = [dict(left_size=0, right_size=0), dict(left_size=12), dict(right_size=1.5),
                dict(left_size=0.6, right_size=0.6), dict(left_size=7, right_size=5),
                dict(left_size="a")]


def split_errors(keras):
    out = []
    for kwargs in SPLIT_ERRORS:
        try:
            keras.utils.split_dataset(np.arange(10), **kwargs)
            out.append(None)
        except (TypeError, ValueError) as e:
            out.append([type(e).__name__, str(e)])
    return out


def listed(dataset):
    """A dataset's elements as nested lists (dicts by sorted key)."""
    def plain(e):
        if isinstance(e, dict):
            return [plain(e[k]) for k in sorted(e)]
        if isinstance(e, (tuple, list)):
            return [plain(v) for v in e]
        return np.asarray(e).tolist()
    return [plain(e) for e in dataset]
