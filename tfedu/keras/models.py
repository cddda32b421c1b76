"""`keras.models`."""

from tfedu.keras.engine.functional import Functional, Sequential  # noqa: F401
from tfedu.keras.engine.training import Model  # noqa: F401
from tfedu.keras.saving import (  # noqa: F401
    load_model,
    model_from_config,
    model_from_json,
    save_model,
)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialised weights."""
    from tfedu.keras.saving import model_config

    config = {**model_config(model), "compile_config": None}
    return model_from_config(config)
