"""A Keras model's architecture as TensorFlow.js reads it: Keras 2's JSON config.

tfedu's models describe themselves like Keras 3 (`get_config`). TensorFlow.js's layers format
is older: Keras 2 (tf.keras 2.x) JSON. The differences are small and listed here:

- an `InputLayer` has `batch_input_shape`, not `batch_shape`;
- a layer's `dtype` is a name (`"float32"`), not a `DTypePolicy` object;
- initializers, regularizers and constraints are `{"class_name", "config"}` without Keras 3's
  `module` and `registered_name`;
- a functional model's inbound nodes are `[[layer, node, tensor, kwargs], ...]`;
- TensorFlow.js's GRU only has `reset_after=False`.

`to_keras2` goes one way (export), `from_keras2` the other (loading a model.json).
"""

from __future__ import annotations

import copy

__all__ = ["to_keras2", "from_keras2", "SUPPORTED_LAYERS"]

# Layers TensorFlow.js's layers API can rebuild from a Keras 2 config.
SUPPORTED_LAYERS = {
    "InputLayer", "Dense", "Dropout", "Flatten", "Reshape", "Activation", "Conv1D", "Conv2D",
    "Conv2DTranspose", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
    "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "BatchNormalization", "LayerNormalization", "Embedding", "LSTM",
    "GRU", "SimpleRNN", "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum",
    "Minimum", "Dot", "Softmax", "ReLU", "LeakyReLU", "Rescaling",
}
_KERAS3_ONLY = ("quantization_config", "lora_rank", "lora_alpha", "input_axes", "output_axes")


def _object(value):
    """A serialised Keras object (initializer, regularizer, ...) in Keras 2's form."""
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    config = {k: v for k, v in (value.get("config") or {}).items() if k not in _KERAS3_ONLY}
    return {"class_name": value["class_name"], "config": config}


def _dtype_name(dtype):
    if isinstance(dtype, dict):
        return (dtype.get("config") or {}).get("name", "float32")
    return dtype


def _layer_config_to_keras2(class_name: str, config: dict) -> dict:
    if class_name not in SUPPORTED_LAYERS:
        raise ValueError(f"TensorFlow.js has no layer {class_name!r}: it cannot be exported to "
                         f"the layers format (supported: {', '.join(sorted(SUPPORTED_LAYERS))}).")
    out = {}
    for key, value in config.items():
        if key in _KERAS3_ONLY:
            continue
        out[key] = _dtype_name(value) if key == "dtype" else _object(value)
    for key in ("activation", "recurrent_activation"):
        out[key] = _activation_to_keras2(config.get("name"), out[key]) if key in out else None
        if out[key] is None:
            out.pop(key)
    if class_name == "InputLayer":
        out["batch_input_shape"] = list(out.pop("batch_shape", out.get("batch_input_shape")))
        out.setdefault("sparse", False)
        out.setdefault("ragged", False)
    if class_name == "GRU" and out.get("reset_after", True):
        raise ValueError(f"GRU layer {config.get('name')!r} has reset_after=True; TensorFlow.js "
                         f"supports GRU(reset_after=False) only.")
    return out


def _tensor_refs(value) -> list:
    """Keras 3's `__keras_tensor__` entries in a node's arguments, in call order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [list(value["config"]["keras_history"])]
        return [r for v in value.values() for r in _tensor_refs(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in _tensor_refs(v)]
    return []


def _node_to_keras2(node) -> list:
    """One call: Keras 3's `{"args", "kwargs"}` -> Keras 2's `[[layer, node, tensor, kwargs]]`."""
    if isinstance(node, list):  # already Keras 2
        return [list(ref[:3]) + [ref[3] if len(ref) > 3 else {}] for ref in node]
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items()
              if not _tensor_refs(v) and v is not None}
    return [ref + [kwargs] for ref in _tensor_refs(node.get("args", []))]


def _activation_to_keras2(layer_name, value):
    if value == "hard_sigmoid":
        raise ValueError(f"Layer {layer_name!r} uses Keras 3's hard_sigmoid, clip(x / 6 + 0.5); "
                         f"TensorFlow.js's hard_sigmoid is Keras 2's, clip(0.2 x + 0.5), so the "
                         f"model would predict differently in the browser. Use 'sigmoid'.")
    return "hard_sigmoid" if value == "keras2_hard_sigmoid" else value


def _inbound(nodes) -> list:
    """Keras 2 inbound nodes: [[[layer, node_index, tensor_index, kwargs], ...], ...]."""
    return [_node_to_keras2(node) for node in nodes or []]


def _refs_to_keras2(refs) -> list:
    """Model inputs/outputs as Keras 2 lists them: always a list of [layer, node, tensor]."""
    if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
        return [list(refs)]
    if isinstance(refs, dict):
        refs = list(refs.values())
    return [list(r) for r in refs]


def to_keras2(model) -> dict:
    """`{"class_name": ..., "config": ...}` of `model` in Keras 2's JSON form."""
    config = copy.deepcopy(model.get_config())
    is_sequential = type(model).__name__ == "Sequential"
    layers = []
    for entry in config.get("layers", []):
        layer = {"class_name": entry["class_name"],
                 "config": _layer_config_to_keras2(entry["class_name"], entry["config"])}
        if not is_sequential:
            layer["name"] = entry.get("name", layer["config"].get("name"))
            layer["inbound_nodes"] = _inbound(entry.get("inbound_nodes"))
        layers.append(layer)
    out = {"name": config.get("name", model.name), "layers": layers}
    if not is_sequential:
        out["input_layers"] = _refs_to_keras2(config["input_layers"])
        out["output_layers"] = _refs_to_keras2(config["output_layers"])
    return {"class_name": "Sequential" if is_sequential else "Functional", "config": out}


# ------------------------------------------------------------------------------ reverse


def _object_to_keras3(value):
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    return {"module": "keras.initializers", "class_name": value["class_name"],
            "config": dict(value.get("config") or {}), "registered_name": None}


def keras2_hard_sigmoid(x):
    """Keras 2's and TensorFlow.js's hard sigmoid, clip(0.2 x + 0.5, 0, 1) (Keras 3's divides
    by 6 instead): TensorFlow.js's LSTM and GRU use it by default."""
    from tfedu.ops import clip_ops

    return clip_ops.clip_by_value(0.2 * x + 0.5, 0.0, 1.0)


# Keys TensorFlow.js writes as null (or Keras 3 no longer has): left out, so defaults apply.
_TFJS_NULLABLE = ("unit_forget_bias", "mask_zero", "implementation")


def _layer_config_from_keras2(class_name: str, config: dict) -> dict:
    out = {k: _object_to_keras3(v) for k, v in config.items()
           if not (k in _TFJS_NULLABLE and v is None) and k != "implementation"}
    for key in ("activation", "recurrent_activation"):
        if out.get(key) == "hard_sigmoid":
            out[key] = keras2_hard_sigmoid
    if "batch_input_shape" in out:
        shape = out.pop("batch_input_shape")
        out["batch_shape" if class_name == "InputLayer" else "batch_input_shape"] = shape
    if class_name == "InputLayer":
        out.pop("ragged", None)
    return out


def from_keras2(topology: dict) -> tuple:
    """(class_name, tfedu config) from a Keras 2 model config (`model_config` or the model)."""
    if not isinstance(topology, dict):
        raise ValueError("modelTopology must be a JSON object.")
    model = topology.get("model_config", topology)
    class_name, config = model.get("class_name"), model.get("config")
    if class_name not in ("Sequential", "Functional", "Model") or not isinstance(config, dict):
        raise ValueError(f"modelTopology is not a Keras model config (class_name "
                         f"{class_name!r}); expected Sequential, Functional or Model.")
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ValueError("The model config has no list of layers.")
    out = dict(config)
    out["layers"] = [_layer_from_keras2(entry) for entry in layers]
    if class_name == "Sequential":
        out["layers"] = _with_input_layer(out["layers"])
    return class_name, out


def _with_input_layer(layers: list) -> list:
    """Keras 2 and TensorFlow.js give a Sequential's input shape to its first layer; Keras 3
    (and tfedu) want an InputLayer in front, so one is made from that shape."""
    first = layers[0]["config"] if layers else {}
    if layers[0]["class_name"] == "InputLayer" or "batch_input_shape" not in first:
        return layers
    shape = first.pop("batch_input_shape")
    config = {"batch_shape": shape, "dtype": first.get("dtype", "float32"), "sparse": False,
              "name": f"{first.get('name', 'layer')}_input"}
    return [{"class_name": "InputLayer", "module": "keras.layers", "registered_name": None,
             "config": config}] + layers


def _layer_from_keras2(entry) -> dict:
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ValueError(f"A layer entry of the model config is malformed: {str(entry)[:80]}")
    class_name = entry.get("class_name")
    layer = dict(entry, module="keras.layers", registered_name=None,
                 config=_layer_config_from_keras2(class_name, entry["config"]))
    if "inbound_nodes" in entry:
        layer["inbound_nodes"] = [[list(ref[:3]) for ref in node]
                                  for node in entry["inbound_nodes"] or []]
    return layer
