"""`.keras` and `.weights.h5` files, and the entry points that pick a format by file name.

A `.keras` file is a zip archive (members stored uncompressed, as Keras writes them) holding
`metadata.json` (Keras version, date), `config.json` (the model as `serialize_keras_object`
writes it, with its compile config) and `model.weights.h5` (the variables, in Keras 3's layout,
optimizer included). A `.weights.h5` file is that HDF5 file alone. Legacy `.h5` files go to
`legacy_h5`.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile

from tfedu.keras.saving import files, legacy_h5, weights_store
from tfedu.keras.saving.serialization_lib import (
    SafeModeScope,
    deserialize_keras_object,
    serialize_keras_object,
)

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
_H5 = (".h5", ".hdf5")


def _keras_version():
    from tfedu.keras import __version__

    return __version__


# --- models ---------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """`model.save(path)`: `.keras` (Keras 3's format) or `.h5`/`.hdf5` (legacy, warns)."""
    include_optimizer = kwargs.pop("include_optimizer", True)
    kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs.keys())}")
    filepath = os.fspath(filepath)
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"{filepath} exists and `overwrite=False`.")
    if filepath.endswith(_H5):
        warnings.warn(
            "You are saving your model as an HDF5 file via `model.save()` or "
            "`keras.saving.save_model(model)`. This file format is considered legacy. We "
            "recommend using instead the native Keras format, e.g. "
            "`model.save('my_model.keras')` or `keras.saving.save_model(model, "
            "'my_model.keras')`. ", UserWarning, stacklevel=3)
        return legacy_h5.save_model_to_hdf5(model, filepath, include_optimizer)
    if not filepath.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a `.keras` extension for "
            "the native Keras format (recommended) or a `.h5` extension. Use "
            "`model.export(filepath)` if you want to export a SavedModel for use with "
            f"TFLite/TFServing/etc. Received: filepath={filepath}.")
    _save_keras_zip(model, filepath)


def _save_keras_zip(model, filepath):
    config = json.dumps(serialize_keras_object(model))
    metadata = json.dumps({"keras_version": _keras_version(),
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    weights = files.h5_bytes(lambda f: weights_store.save_weights_to(f, model))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(METADATA, metadata)
        z.writestr(CONFIG, config)
        z.writestr(WEIGHTS, weights)
    files.atomic_write(filepath, buf.getvalue())


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a `.keras` or legacy `.h5` file (Keras 3's `keras.models.load_model`)."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras") and zipfile.is_zipfile(filepath):
        return _load_keras_zip(filepath, custom_objects, compile, safe_mode)
    if filepath.endswith(_H5) and os.path.isfile(filepath):
        return legacy_h5.load_model_from_hdf5(filepath, custom_objects, compile, safe_mode)
    if filepath.endswith(".keras") or filepath.endswith(_H5):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    raise ValueError(
        f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` "
        "files, legacy H5 format files (`.h5` extension). Note that the legacy SavedModel "
        "format is not supported by `load_model()` in Keras 3. In order to reload a TensorFlow "
        "SavedModel as an inference-only layer in Keras 3, use `keras.layers.TFSMLayer("
        f"{filepath}, call_endpoint='serving_default')` (note that your `call_endpoint` might "
        "have a different name).")


def _load_keras_zip(filepath, custom_objects, compile, safe_mode):
    try:
        with zipfile.ZipFile(filepath) as z:
            config = files.read_json(files.read_member(z, CONFIG, files.MAX_JSON_BYTES),
                                     f"{CONFIG} in {filepath}")
            weights = files.read_member(z, WEIGHTS)
    except zipfile.BadZipFile as e:
        raise ValueError(f"The file {filepath} is not a valid `.keras` archive: {e}") from None
    if not isinstance(config, dict):
        raise ValueError(f"{CONFIG} in {filepath} does not describe a model.")
    if not compile:
        config = {**config, "compile_config": None}
    with SafeModeScope(safe_mode):
        model = deserialize_keras_object(config, custom_objects, safe_mode)
    _load_weights_bytes(model, weights, filepath)
    return model


def _load_weights_bytes(model, data, filepath):
    import h5py

    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            weights_store.load_weights_from(f, model)
    except OSError as e:
        raise ValueError(f"The weights in {filepath} are not a readable HDF5 file: {e}") from None


# --- weights --------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """`model.save_weights(path)`: Keras 3's `.weights.h5` (the optimizer's state included)."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"{filepath} exists and `overwrite=False`.")

    files.atomic_write(filepath, files.h5_bytes(lambda f: weights_store.save_weights_to(f, model)))


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """`model.load_weights(path)` from `.weights.h5`, `.keras` or a legacy `.h5` file."""
    filepath = os.fspath(filepath)
    by_name = kwargs.pop("by_name", None)
    kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if not os.path.isfile(filepath):
        raise FileNotFoundError(f"Unable to open file: name = '{filepath}' (no such file)")
    if filepath.endswith(".keras"):
        with zipfile.ZipFile(filepath) as z:
            return _load_weights_bytes(model, files.read_member(z, WEIGHTS), filepath)
    if filepath.endswith(".weights.h5"):
        return _load_weights_file(model, filepath)
    if filepath.endswith(_H5):
        return legacy_h5.load_weights(model, filepath, by_name=bool(by_name),
                                      skip_mismatch=skip_mismatch)
    raise ValueError(
        f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` "
        "files, `.weights.h5` files, legacy H5 format files (`.h5` extension), or Orbax "
        "checkpoints.")


def _load_weights_file(model, filepath):
    import h5py

    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath} is not a readable HDF5 file: {e}") from None
    with f:
        weights_store.load_weights_from(f, model)
