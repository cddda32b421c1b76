"""Model configs in Keras 3's layout: Sequential and Functional graphs, build and compile configs.

A functional model is written as its layers, each with the calls (`inbound_nodes`) that wire it
to the tensors of earlier layers (`["dense", node_index, tensor_index]`), and rebuilt by calling
the layers again in an order where every input exists. The legacy `.h5` format writes the same
graph with Keras's older layer entries (no `module`), selected by `legacy_config()`.
"""

from __future__ import annotations

import contextlib
import inspect
import threading

from tfedu.framework import nest
from tfedu.keras.saving.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)

_options = threading.local()


@contextlib.contextmanager
def legacy_config():
    """Inside, models write their layers as the legacy `.h5` format does."""
    old = getattr(_options, "legacy", False)
    _options.legacy = True
    try:
        yield
    finally:
        _options.legacy = old


def serialize_layer(layer) -> dict:
    """A layer's entry in a model config (legacy `.h5` entries have no module)."""
    if getattr(_options, "legacy", False):
        from tfedu.keras.saving.object_registration import get_registered_name

        return {"class_name": get_registered_name(type(layer)), "config": layer.get_config()}
    return serialize_keras_object(layer)


def _is_functional(layer) -> bool:
    from tfedu.keras.engine.functional import Functional

    return isinstance(layer, Functional)


# --- shapes ---------------------------------------------------------------------------------
def shape_to_json(shape):
    """A build shape as Keras writes it: lists, `None` for unknown dimensions."""
    if shape is None:
        return None
    if hasattr(shape, "as_list"):
        return shape.as_list() if shape.rank is not None else None
    if isinstance(shape, dict):
        return {k: shape_to_json(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return [None if d is None else int(d) for d in shape]
        return [shape_to_json(s) for s in shape]
    return shape


def shape_from_json(shape):
    if isinstance(shape, list):
        if all(d is None or isinstance(d, int) for d in shape):
            return tuple(shape)
        return [shape_from_json(s) for s in shape]
    if isinstance(shape, dict):
        return {k: shape_from_json(v) for k, v in shape.items()}
    return shape


# --- Functional -----------------------------------------------------------------------------
def _node_index_map(model) -> dict:
    """(layer id, original node index) -> index among the nodes this model keeps."""
    own = {id(n) for n in model._nodes}
    out = {}
    for layer in model.layers:
        kept = 1 if _is_functional(layer) else 0  # Keras: a nested model's own first node
        for i, node in enumerate(layer._inbound_nodes):
            if id(node) in own:
                out[(id(layer), i)] = kept
                kept += 1
    return out


def _tensor_ref(t, index_map):
    layer, node_index, tensor_index = t._keras_history
    return [layer.name, index_map[(id(layer), node_index)], tensor_index]


def _serialize_node(node, index_map):
    if not node.input_tensors:
        return None

    def convert(x):
        from tfedu.keras.engine.keras_tensor import KerasTensor

        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype,
                               "keras_history": _tensor_ref(x, index_map)}}
        return serialize_keras_object(x)

    args = [nest.map_structure(convert, a) for a in node.call_args]
    kwargs = {k: nest.map_structure(convert, v) for k, v in node.call_kwargs.items()}
    return {"args": args, "kwargs": kwargs}


def functional_get_config(model) -> dict:
    """Keras 3's Functional config: layers with their inbound nodes, inputs and outputs."""
    index_map = _node_index_map(model)
    own = {id(n) for n in model._nodes}
    layers = []
    for layer in model.layers:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            data for node in layer._inbound_nodes if id(node) in own
            for data in [_serialize_node(node, index_map)] if data is not None]
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _map_refs(model._inputs_struct, index_map),
            "output_layers": _map_refs(model._outputs_struct, index_map)}


def _map_refs(struct, index_map):
    return nest.map_structure(lambda t: _tensor_ref(t, index_map), struct)


class _Rebuild:
    """Rebuilds a functional graph: layers first, then their calls as inputs become ready."""

    def __init__(self, custom_objects):
        self.custom_objects = custom_objects
        self.created = {}
        self.pending = {}

    def add_layer(self, data):
        layer = deserialize_keras_object(_with_module(data), self.custom_objects)
        self.created[data["name"]] = layer
        self.pending[data["name"]] = list(data.get("inbound_nodes") or [])

    def output(self, name, node_index, tensor_index):
        if name not in self.created:
            raise ValueError(f"Invalid Functional model configuration. Missing node: {name}")
        layer = self.created[name]
        node_index -= 1 if _is_functional(layer) else 0
        if len(layer._inbound_nodes) <= node_index:
            raise IndexError(name)
        return nest.flatten(layer._inbound_nodes[node_index].outputs)[tensor_index]

    def run_pending(self, order):
        """Call every layer on its inputs; raise if some calls can never be made."""
        while any(self.pending.values()):
            progressed = False
            for name in order:
                progressed |= self._run_layer(name)
            if not progressed:
                raise ValueError(
                    "Invalid Functional model configuration. The graph of the Functional model "
                    "either has loops or disconnected nodes. The following nodes failed to be "
                    f"resolved: {[n for n, v in self.pending.items() if v]}")

    def _run_layer(self, name):
        progressed = False
        while self.pending[name]:
            try:
                args, kwargs = self._node_inputs(self.pending[name][0])
            except IndexError:
                break
            _call_layer(self.created[name], args, kwargs)
            self.pending[name].pop(0)
            progressed = True
        return progressed

    def _node_inputs(self, data):
        if isinstance(data, list):  # legacy: [[layer, node, tensor, kwargs], ...]
            tensors = [self.output(*ref[:3]) for ref in data]
            kwargs = data[0][3] if data and len(data[0]) > 3 else {}
            return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs)
        args = deserialize_keras_object(data.get("args", []), self.custom_objects)
        kwargs = deserialize_keras_object(data.get("kwargs", {}), self.custom_objects)
        return nest.map_structure(self._revive, args), nest.map_structure(self._revive, kwargs)

    def _revive(self, x):
        history = getattr(x, "_pre_serialization_keras_history", None)
        return self.output(*history) if history else x

    def tensors(self, refs):
        if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
            return self.output(*refs)
        if isinstance(refs, dict):
            return {k: self.tensors(v) for k, v in refs.items()}
        return [self.tensors(r) for r in refs]


def _with_module(data):
    """A layer entry with the `name`/`inbound_nodes` keys a model adds left out."""
    return {k: v for k, v in data.items() if k not in ("name", "inbound_nodes")}


def _call_layer(layer, args, kwargs):
    """Call a layer as a saved node did, leaving out keyword arguments its `call` lacks."""
    params = inspect.signature(layer.call).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in kwargs.items()
              if (k in params or takes_any) and not (k == "mask" and v is None)}
    layer(*args, **kwargs)


def functional_from_config(cls, config, custom_objects=None):
    config = dict(config)
    rebuild = _Rebuild(custom_objects)
    for data in config["layers"]:
        rebuild.add_layer(data)
    rebuild.run_pending([d["name"] for d in config["layers"]])
    inputs = rebuild.tensors(config["input_layers"])
    outputs = rebuild.tensors(config["output_layers"])
    inputs, outputs = _unwrap_single(inputs), _unwrap_single(outputs)
    from tfedu.keras.engine.functional import Functional

    model = Functional.__new__(cls) if issubclass(cls, Functional) else Functional.__new__(
        Functional)
    Functional.__init__(model, inputs, outputs, name=config.get("name"),
                        trainable=config.get("trainable", True))
    return model


def _unwrap_single(x):
    """Keras 2 files list a single input as `[[name, 0, 0]]`; Keras 3 writes it bare."""
    return x[0] if isinstance(x, list) and len(x) == 1 else x


# --- Sequential -----------------------------------------------------------------------------
def sequential_get_config(model) -> dict:
    from tfedu.keras.engine.base_layer import Layer
    from tfedu.keras.layers.core import InputLayer

    first = model._tracked_layers[0] if model._tracked_layers else None
    layers = [serialize_layer(first)] if isinstance(first, InputLayer) else []
    layers += [serialize_layer(layer) for layer in model.layers]
    shape = model._build_input_shape
    return {"name": model.name, "trainable": model.trainable,
            "dtype": Layer.get_config(model)["dtype"], "layers": layers,
            "build_input_shape": tuple(shape) if shape else None}


def sequential_from_config(cls, config, custom_objects=None):
    from tfedu.keras.engine.functional import Sequential

    entries = config["layers"] if isinstance(config, dict) else config
    name = config.get("name") if isinstance(config, dict) else None
    model = Sequential.__new__(cls)
    Sequential.__init__(model, name=name)
    for data in entries:
        layer = deserialize_keras_object(_input_layer_compat(data), custom_objects)
        model.add(layer, rebuild=False)
    model._maybe_rebuild()
    shape = config.get("build_input_shape") if isinstance(config, dict) else None
    if not model.built and isinstance(shape, (list, tuple)) and shape:
        model.build(shape_from_json(shape))
    return model


def _input_layer_compat(data):
    """Keras 2 InputLayer entries say `batch_input_shape` where Keras 3 says `batch_shape`."""
    if data.get("class_name") != "InputLayer":
        return data
    cfg = dict(data.get("config") or {})
    if "batch_input_shape" in cfg:
        cfg["batch_shape"] = cfg.pop("batch_input_shape")
    return {**data, "config": cfg}


# --- build and compile configs --------------------------------------------------------------
def get_build_config(layer):
    from tfedu.keras.layers.core import InputLayer

    if not layer.built or isinstance(layer, InputLayer):
        return None
    from tfedu.keras.engine.base_layer import ShapesDict

    shape = getattr(layer, "_build_input_shape", None)
    if shape is None and not _is_functional(layer):
        return None
    if isinstance(shape, ShapesDict):
        return {"shapes_dict": {k: shape_to_json(v) for k, v in shape.items()}}
    return {"input_shape": shape_to_json(shape)}


def build_from_config(layer, config):
    from tfedu.keras.engine.base_layer import ShapesDict

    config = config or {}
    if isinstance(config.get("shapes_dict"), dict):
        layer._maybe_build(ShapesDict({k: shape_from_json(v)
                                       for k, v in config["shapes_dict"].items()}))
        return
    shape = shape_from_json(config.get("input_shape"))
    if shape is None:
        return
    from tfedu.keras.engine.training import Model

    if isinstance(layer, Model):
        layer.build(shape)
    else:
        layer._maybe_build(shape)


_COMPILE_KEYS = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                 "run_eagerly", "steps_per_execution", "jit_compile")


def get_compile_config(model):
    if not getattr(model, "compiled", False):
        return {}
    cfg = dict(getattr(model, "_compile_config", {}) or {})
    cfg["optimizer"] = model.optimizer
    return {k: cfg.get(k) for k in _COMPILE_KEYS}


def compile_from_config(model, config):
    config = deserialize_keras_object(config)
    kwargs = {k: v for k, v in config.items() if k in _COMPILE_KEYS and v is not None}
    kwargs.pop("jit_compile", None)
    model.compile(**kwargs)
    if model.built and model.optimizer is not None:
        model.optimizer.build(model.trainable_variables)
