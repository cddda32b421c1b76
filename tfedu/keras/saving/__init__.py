"""`keras.saving`: Keras 3's model files, read and written in Keras's own formats.

- `.keras`: a zip of `config.json`, `metadata.json` and `model.weights.h5` (`saving_lib`);
- `.weights.h5`: the weights (and optimizer state) alone, in Keras 3's HDF5 layout
  (`weights_store`);
- `.h5`: the legacy single-HDF5 model file (`legacy_h5`).

Configs are plain JSON (`serialization_lib`); classes are found among tfedu's Keras classes and
the user's registered or `custom_objects` ones (`object_registration`), never imported or run
from a file. Files are written atomically (`files`).
"""

from tfedu.keras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from tfedu.keras.saving.saving_lib import load_model, load_weights, save_model, save_weights
from tfedu.keras.saving.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)


def model_config(model) -> dict:
    """`{"class_name": ..., "config": ...}` of a model (what `clone_model` rebuilds from)."""
    return serialize_keras_object(model)


def model_from_config(config, custom_objects=None):
    """A model from a config dict (`keras.models.model_from_config`)."""
    return deserialize_keras_object(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A model from `model.to_json()` (`keras.models.model_from_json`)."""
    from tfedu.keras.saving.files import read_json

    return model_from_config(read_json(json_string, "The model JSON"), custom_objects)
