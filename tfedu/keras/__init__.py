"""`tf.keras`: Keras 3's API on the tfedu engine (layers, models, training, callbacks)."""

from tfedu.keras import (
    activations,
    backend,
    callbacks,
    datasets,
    estimator,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
)
from tfedu.keras.engine.functional import Functional, Sequential
from tfedu.keras.engine.training import Model
from tfedu.keras.layers import Input, Layer
from tfedu.keras.saving import load_model
from tfedu.keras.variables import KerasVariable as Variable

__version__ = "3.15.1"


class utils:
    """`keras.utils`: a few helpers."""

    @staticmethod
    def set_random_seed(seed):
        import random

        import numpy as np

        import tfedu

        random.seed(seed)
        np.random.seed(seed)
        tfedu.random.set_seed(seed)

    @staticmethod
    def to_categorical(y, num_classes=None, dtype="float64"):
        import numpy as np

        y = np.asarray(y, dtype="int64").reshape(-1)
        n = int(num_classes or (y.max() + 1 if y.size else 0))
        out = np.zeros((y.size, n), dtype=dtype)
        out[np.arange(y.size), y] = 1
        return out
