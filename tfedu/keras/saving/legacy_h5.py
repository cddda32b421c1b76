"""The legacy Keras `.h5` model file, as Keras 3 still writes and reads it.

Root attributes `model_config` (JSON, older layer entries without `module`), `training_config`
(JSON: loss, metrics and `optimizer_config`), `keras_version` and `backend`; a `model_weights`
group with one group per layer (attribute `weight_names`, datasets at those names) and
`top_level_model_weights`; an `optimizer_weights` group likewise. Weights are matched by order:
the layers that have weights, each with its trainable then non-trainable weights.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from tfedu.keras.saving import files
from tfedu.keras.saving.model_config import legacy_config
from tfedu.keras.saving.object_registration import CustomObjectScope, get_registered_name
from tfedu.keras.saving.serialization_lib import (
    SafeModeScope,
    deserialize_keras_object,
    serialize_keras_object,
)


def _keras_version():
    from tfedu.keras import __version__

    return __version__


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


# --- writing --------------------------------------------------------------------------------
def save_model_to_hdf5(model, filepath, include_optimizer=True):
    with legacy_config():
        model_config = {"class_name": get_registered_name(type(model)),
                        "config": model.get_config()}
        training = _training_config(model) if include_optimizer else None

    def fill(f):
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = _keras_version()
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training is not None:
            f.attrs["training_config"] = json.dumps(training).encode("utf8")
        save_weights_to_group(f.create_group("model_weights"), model)
        if include_optimizer and getattr(model, "optimizer", None) is not None:
            _save_named(f.create_group("optimizer_weights"), model.optimizer.variables)

    files.atomic_write(filepath, files.h5_bytes(fill))


def _training_config(model):
    if not getattr(model, "compiled", False):
        return None
    cfg = model.get_compile_config()
    cfg.pop("optimizer", None)
    cfg = serialize_keras_object(cfg)
    cfg["optimizer_config"] = {"class_name": get_registered_name(type(model.optimizer)),
                               "config": serialize_keras_object(model.optimizer.get_config())}
    return cfg


def _names_attr(names):
    return np.array([n.encode("utf8") for n in names], dtype=object) if names else np.asarray([])


def save_weights_to_group(group, model):
    group.attrs["layer_names"] = _names_attr([layer.name for layer in model.layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = _keras_version().encode("utf8")
    for layer in sorted(model.layers, key=lambda x: x.name):
        _save_named(group.create_group(layer.name), _legacy_weights(layer))
    _save_named(group.create_group("top_level_model_weights"), [])


def _save_named(group, variables):
    names, seen = [], set()
    for v in variables:
        name = str(getattr(v, "path", None) or v.name)
        while name in seen:
            name += "_1"
        seen.add(name)
        names.append(name)
    group.attrs["weight_names"] = _names_attr(names)
    for name, v in zip(names, variables):
        group.create_dataset(name, data=np.asarray(v.numpy()))


# --- reading --------------------------------------------------------------------------------
def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):
    import h5py

    with _open(filepath, h5py) as f:
        text = files.h5_text_attr(f, "model_config")
        if text is None:
            raise ValueError(f"No model config found in the file at {filepath}.")
        config = files.read_json(text, f"The model config of {filepath}")
        with legacy_config(), SafeModeScope(safe_mode):
            model = deserialize_keras_object(config, custom_objects, safe_mode)
        load_weights_from_group(_weights_group(f), model)
        if compile:
            _compile_from_file(f, model, custom_objects, filepath)
    return model


def _open(filepath, h5py):
    try:
        return h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath} is not a readable HDF5 file: {e}") from None


def _weights_group(f):
    group = files.h5_group(f, "model_weights")
    if group is None:
        raise ValueError("The file has no `model_weights` group: it is not a Keras model file.")
    return group


def _compile_from_file(f, model, custom_objects, filepath):
    text = files.h5_text_attr(f, "training_config")
    if text is None:
        warnings.warn("No training configuration found in the save file, so the model was "
                      "*not* compiled. Compile it manually.", stacklevel=4)
        return
    tc = files.read_json(text, f"The training config of {filepath}")
    with CustomObjectScope(custom_objects or {}):
        optimizer = deserialize_keras_object(tc.get("optimizer_config"))
        args = {k: deserialize_keras_object(tc.get(k)) for k in
                ("loss", "metrics", "weighted_metrics", "loss_weights")}
    model.compile(optimizer=optimizer, **{k: v for k, v in args.items() if v is not None})
    group = files.h5_group(f, "optimizer_weights")
    if group is not None:
        model.optimizer.build(model.trainable_variables)
        _load_optimizer(model.optimizer, group)


def _load_optimizer(optimizer, group):
    names = files.h5_text_list_attr(group, "weight_names")
    variables = optimizer.variables
    if len(names) != len(variables):
        warnings.warn("Error in loading the saved optimizer state. As a result, your model is "
                      "starting with a freshly initialized optimizer.", stacklevel=5)
        return
    for v, name in zip(variables, names):
        v.assign(files.h5_array(group, name, v.shape.as_list()))


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """`model.load_weights('file.h5')`: a legacy model or weights file."""
    import h5py

    with _open(filepath, h5py) as f:
        group = f
        if "layer_names" not in f.attrs and "model_weights" in f:
            group = _weights_group(f)
        if by_name:
            _load_by_name(group, model, skip_mismatch)
        else:
            load_weights_from_group(group, model, skip_mismatch)


def _saved_layers(group):
    """[(name, group)] of the saved layers that have weights, in the file's order."""
    out = []
    for name in files.h5_text_list_attr(group, "layer_names"):
        g = files.h5_group(group, name)
        if g is not None and files.h5_text_list_attr(g, "weight_names"):
            out.append((name, g))
    return out


def load_weights_from_group(group, model, skip_mismatch=False):
    """Topological loading: the k-th layer with weights gets the k-th saved layer's."""
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    saved = _saved_layers(group)
    if len(saved) != len(layers):
        raise ValueError("Layer count mismatch when loading weights from file. Model expected "
                         f"{len(layers)} layers, found {len(saved)} saved layers.")
    for k, ((name, g), layer) in enumerate(zip(saved, layers)):
        values = _values(g)
        symbolic = _legacy_weights(layer)
        if len(values) != len(symbolic):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the current model, "
                f"{name} in the save file). Layer expects {len(symbolic)} weight(s). Received "
                f"{len(values)} saved weight(s)")
        _set_weights(symbolic, values, f"layer #{k} (named {layer.name})", skip_mismatch)


def _load_by_name(group, model, skip_mismatch):
    index = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    for k, (name, g) in enumerate(_saved_layers(group)):
        values = _values(g)
        for layer in index.get(name, []):
            symbolic = _legacy_weights(layer)
            if len(values) != len(symbolic):
                _mismatch(f"Weight count mismatch for layer #{k} (named {layer.name}). Layer "
                          f"expects {len(symbolic)} weight(s). Received {len(values)} saved "
                          "weight(s)", skip_mismatch)
                continue
            _set_weights(symbolic, values, f"layer #{k} (named {layer.name})", skip_mismatch)


def _values(group):
    return [files.h5_array(group, n) for n in files.h5_text_list_attr(group, "weight_names")]


def _set_weights(symbolic, values, name, skip_mismatch):
    for v, value in zip(symbolic, values):
        expected = tuple(v.shape.as_list())
        if expected != value.shape:
            _mismatch(f"Shape mismatch in {name}for weight {v.path}. Weight expects shape "
                      f"{expected}. Received saved weight with shape {value.shape}",
                      skip_mismatch)
            continue
        v.assign(files.as_variable_dtype(value, v))


def _mismatch(message, skip_mismatch):
    """Keras raises on a mismatch, or only warns when asked to skip mismatched weights."""
    if not skip_mismatch:
        raise ValueError(message)
    warnings.warn(message, stacklevel=5)
