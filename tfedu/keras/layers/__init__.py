"""`keras.layers`."""

from tfedu.keras.engine.base_layer import Layer
from tfedu.keras.layers.core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Input,
    InputLayer,
    Lambda,
    Reshape,
    Rescaling,
)
