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


class config:
    """`keras.config`: global settings."""

    from tfedu.keras.backend import epsilon, floatx, image_data_format, set_epsilon, set_floatx
    from tfedu.keras.saving.serialization_lib import enable_unsafe_deserialization

    epsilon = staticmethod(epsilon)
    floatx = staticmethod(floatx)
    image_data_format = staticmethod(image_data_format)
    set_epsilon = staticmethod(set_epsilon)
    set_floatx = staticmethod(set_floatx)
    enable_unsafe_deserialization = staticmethod(enable_unsafe_deserialization)

    @staticmethod
    def backend():
        return "tensorflow"


_extras.install()
