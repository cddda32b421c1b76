"""`tf.keras`: Keras 3's API on the tfedu engine (layers, models, training, callbacks)."""

import types as _types

from tfedu.keras import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    estimator,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)
from tfedu.keras.engine.functional import Functional, Sequential
from tfedu.keras.engine.training import Model
from tfedu.keras.layers import Input, Layer
from tfedu.keras import saving
from tfedu.keras.saving import load_model
from tfedu.keras.variables import KerasVariable as Variable

__version__ = "3.15.1"

from tfedu.keras import extras as _extras  # noqa: E402


config = _types.SimpleNamespace(  # `keras.config`: global settings
    epsilon=backend.epsilon, floatx=backend.floatx, image_data_format=backend.image_data_format,
    set_epsilon=backend.set_epsilon, set_floatx=backend.set_floatx,
    enable_unsafe_deserialization=saving.serialization_lib.enable_unsafe_deserialization,
    backend=lambda: "tensorflow")


_extras.install()
