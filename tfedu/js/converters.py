"""Export a Keras model for TensorFlow.js (`tensorflowjs.converters`' names), and load it back.

    import tfedu.js as tfjs
    tfjs.converters.save_keras_model(model, "web_model")      # model.json + group1-shard*.bin

In the browser:  `const model = await tf.loadLayersModel("web_model/model.json")`.
"""

from __future__ import annotations

import json
import os

import numpy as np

from tfedu.js.topology import from_keras2, to_keras2
from tfedu.js.weights import DEFAULT_SHARD_SIZE, read_group, write_group
from tfedu.ops.io_ops import atomic_write

__all__ = ["save_keras_model", "load_keras_model"]

KERAS_VERSION = "2.15.0"
CONVERTER = "TensorFlow.js Converter v4.22.0 (tfedu)"
_MAX_JSON_BYTES = 64 * 1024 * 1024


# Keras 2 (and so TensorFlow.js) named some weights differently from Keras 3.
_KERAS2_WEIGHT_NAMES = {("DepthwiseConv2D", "kernel"): "depthwise_kernel"}


def _weight_name(layer, w) -> str:
    """`<layer name>/<weight name>`, the name TensorFlow.js matches a weight by."""
    short = w.name.split("/")[-1].split(":")[0]
    return f"{layer.name}/{_KERAS2_WEIGHT_NAMES.get((type(layer).__name__, short), short)}"


def _named_weights(model) -> list:
    """[(tfjs name, array)] of every weight, layer by layer."""
    out = [(_weight_name(layer, w), np.asarray(w.numpy()))
           for layer in model.layers for w in layer.weights]
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise ValueError(f"Two weights share a name ({names}); TensorFlow.js matches weights by "
                         f"name, so layer names must be unique.")
    return out


def _write_atomic(path: str, data: bytes):
    """Write through a temporary file in the same folder and os.replace (no partial files)."""
    atomic_write(path, data)


def model_json(model, quantization_dtype_map=None, weight_shard_size_bytes=DEFAULT_SHARD_SIZE,
               metadata=None) -> tuple:
    """(model.json dict, {file name: bytes}) without touching the disk."""
    topology = {"keras_version": KERAS_VERSION, "backend": "tensorflow",
                "model_config": to_keras2(model)}
    group, shards = write_group(_named_weights(model), weight_shard_size_bytes,
                                quantization_dtype_map)
    doc = {"format": "layers-model", "generatedBy": f"keras v{KERAS_VERSION}",
           "convertedBy": CONVERTER, "modelTopology": topology, "weightsManifest": [group]}
    if metadata:
        doc["userDefinedMetadata"] = metadata
    return doc, dict(zip(group["paths"], shards))


def save_keras_model(model, artifacts_dir, quantization_dtype_map=None,
                     weight_shard_size_bytes=DEFAULT_SHARD_SIZE, metadata=None):
    """Write `artifacts_dir/model.json` and its weight shards (TensorFlow.js layers format).

    `quantization_dtype_map`: e.g. `{"uint8": "*"}`, `{"float16": ["dense/*"]}` - which weights
    to store as uint8, uint16 or float16 (by fnmatch pattern on `layer/weight` names).
    """
    doc, files = model_json(model, quantization_dtype_map, weight_shard_size_bytes, metadata)
    if os.path.isfile(artifacts_dir):
        raise ValueError(f"Path {artifacts_dir!r} already exists as a file.")
    os.makedirs(artifacts_dir, exist_ok=True)
    for name, data in files.items():
        _write_atomic(os.path.join(artifacts_dir, name), data)
    _write_atomic(os.path.join(artifacts_dir, "model.json"), json.dumps(doc).encode())


# ------------------------------------------------------------------------------ loading


def _read_json(path: str) -> dict:
    try:
        size = os.path.getsize(path)
        if size > _MAX_JSON_BYTES:
            raise ValueError(f"{path} is {size} bytes: too large for a model.json.")
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except OSError as e:
        raise ValueError(f"Cannot read {path}: {e.strerror}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(doc, dict) or "modelTopology" not in doc:
        raise ValueError(f"{path} is not a TensorFlow.js layers model: it has no modelTopology.")
    return doc


def _shard_bytes(directory: str, group: dict) -> bytes:
    paths = group.get("paths") if isinstance(group, dict) else None
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ValueError("A weightsManifest group needs a list of shard paths.")
    chunks = []
    for p in paths:
        full = os.path.normpath(os.path.join(directory, p))
        if os.path.isabs(p) or not full.startswith(os.path.normpath(directory) + os.sep):
            raise ValueError(f"Weight shard path {p!r} points outside the model's directory.")
        try:
            with open(full, "rb") as f:
                chunks.append(f.read())
        except OSError as e:
            raise ValueError(f"Cannot read weight shard {p!r}: {e.strerror}.") from None
    return b"".join(chunks)


def _build(class_name: str, config: dict):
    import tfedu
    from tfedu.framework.errors import OpError

    try:
        if class_name == "Sequential":
            return tfedu.keras.Sequential.from_config(config)
        return tfedu.keras.Functional.from_config(config)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError, ArithmeticError,
            OpError) as e:
        raise ValueError(f"The model config in model.json cannot be rebuilt: {e!r}") from None
    except MemoryError as e:
        raise ValueError(f"The model config in model.json asks for weights larger than this "
                         f"machine's memory ({e}).") from None


def load_keras_model(config_json_path, weights_path_prefix=None, weights_data_buffers=None,
                     load_weights=True, use_unique_name_scope=False):
    """A Keras model from a TensorFlow.js `model.json` (and its shards beside it)."""
    doc = _read_json(os.fspath(config_json_path))
    class_name, config = from_keras2(doc["modelTopology"])
    model = _build(class_name, config)
    if load_weights:
        directory = weights_path_prefix or os.path.dirname(os.path.abspath(config_json_path))
        manifest = doc.get("weightsManifest", [])
        if not isinstance(manifest, list):
            raise ValueError("weightsManifest must be a list of groups.")
        values = {}
        for group in manifest:
            values.update(read_group(group, _shard_bytes(directory, group)))
        _assign(model, values)
    return model


def _short_names(values: dict) -> dict:
    """Keras 2 names an RNN's weights through its cell (`lstm/lstm_cell/kernel`); TensorFlow.js
    drops the second-to-last part of a name it does not know (`lstm/kernel`), and so do we."""
    out = dict(values)
    for name, value in values.items():
        parts = name.split("/")
        if len(parts) >= 3:
            out.setdefault("/".join(parts[:-2] + parts[-1:]), value)
    return out


def _assign(model, values: dict):
    values = _short_names(values)
    wanted = _named_weights(model)
    missing = [n for n, _ in wanted if n not in values]
    if missing:
        raise ValueError(f"{len(missing)} of {len(wanted)} weights are not set: {missing}")
    for layer in model.layers:
        for w in layer.weights:
            name = _weight_name(layer, w)
            value = values[name]
            if tuple(value.shape) != tuple(w.shape):
                raise ValueError(f"Weight {name!r} has shape {list(value.shape)} in the weight "
                                 f"files but {list(w.shape)} in the model.")
            w.assign(value.astype(np.asarray(w.numpy()).dtype))
