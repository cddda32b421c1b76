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
from tfedu.keras import saving
from tfedu.keras.saving import load_model
from tfedu.keras.variables import KerasVariable as Variable

__version__ = "3.15.1"


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


class utils:
    """`keras.utils`: a few helpers."""

    from tfedu.keras.saving import (
        CustomObjectScope,
        custom_object_scope,
        deserialize_keras_object,
        get_custom_objects,
        get_registered_name,
        get_registered_object,
        register_keras_serializable,
        serialize_keras_object,
    )

    register_keras_serializable = staticmethod(register_keras_serializable)
    get_custom_objects = staticmethod(get_custom_objects)
    get_registered_name = staticmethod(get_registered_name)
    get_registered_object = staticmethod(get_registered_object)
    serialize_keras_object = staticmethod(serialize_keras_object)
    deserialize_keras_object = staticmethod(deserialize_keras_object)

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
