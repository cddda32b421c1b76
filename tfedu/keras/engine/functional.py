"""Functional and Sequential models: layers wired by the KerasTensors passed between them."""

from __future__ import annotations

from tfedu.framework import nest
from tfedu.keras import backend
from tfedu.keras.engine.base_layer import Layer, _snake, keras_name_scope
from tfedu.keras.engine.keras_tensor import KerasTensor
from tfedu.keras.engine.training import Model
from tfedu.keras.layers.core import InputLayer


def _topological_nodes(outputs):
    """Nodes needed to compute `outputs`, parents before children."""
    order, seen = [], set()

    def visit(t):
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        order.append(node)

    for t in nest.flatten(outputs):
        visit(t)
    return order


def _layers_by_depth(nodes):
    """Keras's `model.layers` order: deepest first (inputs), ties in traversal order."""
    depth = {id(n): 0 for n in nodes}
    for node in reversed(nodes):
        for parent in _parents(node):
            if id(parent) in depth:
                depth[id(parent)] = max(depth[id(parent)], depth[id(node)] + 1)
    layers, layer_depth = [], {}
    for node in nodes:
        if all(node.layer is not lyr for lyr in layers):
            layers.append(node.layer)
        key = id(node.layer)
        layer_depth[key] = max(layer_depth.get(key, 0), depth[id(node)])
    order = {id(lyr): i for i, lyr in enumerate(layers)}
    return sorted(layers, key=lambda lyr: (-layer_depth[id(lyr)], order[id(lyr)]))


def _parents(node):
    out = []
    for t in node.input_tensors:
        layer, node_index, _ = t._keras_history
        out.append(layer._inbound_nodes[node_index])
    return out


class Functional(Model):
    """A model defined by `Model(inputs, outputs)` over KerasTensors."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        default = "functional" if type(self) is Functional else _snake(type(self).__name__)
        super().__init__(name=name or backend.unique_name(default), trainable=trainable)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"All `inputs` and `outputs` values must be KerasTensors. "
                                 f"Received: {t!r}")
        self._nodes = _topological_nodes(outputs)
        object.__setattr__(self, "_tracked_layers", _layers_by_depth(self._nodes))
        self.built = True

    @property
    def layers(self):
        return list(self._tracked_layers)

    def __call__(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        if inputs is not None and not isinstance(inputs, dict):
            n = len(nest.flatten(inputs)) if isinstance(inputs, (list, tuple)) else 1
            if n != len(self.inputs):  # Keras checks the model's inputs before calling
                names = [t.name for t in self.inputs]
                raise ValueError(
                    f'Layer "{self.name}" expects {len(names)} named input(s) with keys {names}, '
                    f"but it received {n} input tensors. Pass inputs as a dict, e.g. `layer({{"
                    + ", ".join(f"'{k}': ..." for k in names) + "})`.")
        return Model.__call__(self, *args, **kwargs)

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def call(self, inputs, training=None, mask=None, **kwargs):
        values = {}
        flat_in = nest.flatten(inputs) if nest.is_nested(self._inputs_struct) or isinstance(
            inputs, (list, tuple)) else [inputs]
        if isinstance(inputs, dict) and not isinstance(self._inputs_struct, dict):
            flat_in = [inputs[t.name] for t in self.inputs]
        if len(flat_in) != len(self.inputs):
            raise ValueError(f"Layer \"{self.name}\" expects {len(self.inputs)} input(s), but "
                             f"it received {len(flat_in)} input tensors.")
        for t, v in zip(self.inputs, flat_in):
            values[id(t)] = self._convert_input(v)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue

            def lookup(a):
                return values[id(a)] if isinstance(a, KerasTensor) else a

            args = nest.map_structure(lookup, node.call_args)
            kwargs = nest.map_structure(lookup, node.call_kwargs)
            if training is not None and node.layer._call_has_training:
                kwargs = dict(kwargs, training=training)
            out = node.layer(*args, **kwargs)
            for kt, v in zip(nest.flatten(node.outputs), nest.flatten(out)):
                values[id(kt)] = v
        return nest.pack_sequence_as(self._outputs_struct,
                                     [values[id(t)] for t in self.outputs])

    def get_config(self):
        from tfedu.keras.saving.model_config import functional_get_config

        return functional_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tfedu.keras.saving.model_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)


class Sequential(Model):
    """A plain stack of layers, each feeding the next (`keras.Sequential`)."""

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(name=name or backend.unique_name("sequential"), trainable=trainable)
        self._input_tensor = None
        object.__setattr__(self, "_tracked_layers", [])
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def layers(self):
        return [lyr for lyr in self._tracked_layers if not isinstance(lyr, InputLayer)]

    def add(self, layer, rebuild=True):
        """Append a layer (or a `keras.Input(...)` as the first entry)."""
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history[0]
            if not isinstance(origin, InputLayer):
                raise ValueError("Only an `Input` KerasTensor can be added to a Sequential "
                                 "model.")
            layer = origin
        if not isinstance(layer, Layer):
            raise ValueError("Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer) and self._tracked_layers:
            raise ValueError("An `Input` can only be the first layer of a Sequential model.")
        if any(lyr.name == layer.name for lyr in self._tracked_layers):
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name '{layer.name}' is already the name of a layer in "
                             "this model. Update the `name` argument to pass a unique name.")
        self._tracked_layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._tracked_layers.pop()
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        first = self._tracked_layers[0] if self._tracked_layers else None
        shape = None
        if isinstance(first, InputLayer):
            shape = first.batch_shape
        elif first is not None and first._batch_input_shape is not None:
            shape = first._batch_input_shape
        if shape is not None and len(self._tracked_layers) > (
                1 if isinstance(first, InputLayer) else 0):
            self._build_symbolic(shape, first.dtype if isinstance(first, InputLayer) else None)

    def _build_symbolic(self, shape, dtype=None):
        x = KerasTensor(tuple(shape), dtype or self.compute_dtype)
        with keras_name_scope(self._name):
            for layer in self.layers:
                x = layer(x)
        self._output_shape = x.shape
        self._build_input_shape = tuple(shape)
        self.built = True

    def build(self, input_shape=None):
        if input_shape is None:
            first = self._tracked_layers[0] if self._tracked_layers else None
            if isinstance(first, InputLayer):
                input_shape = first.batch_shape
            else:
                raise ValueError("You must provide an `input_shape` argument.")
        self._build_symbolic(tuple(input_shape))

    def __call__(self, *args, **kwargs):
        if not self.built and args and not isinstance(args[0], KerasTensor):
            x = args[0]
            shape = tuple(getattr(x, "shape", None) or ())
            if hasattr(shape, "as_list"):
                shape = tuple(shape.as_list())
            self._build_symbolic((None,) + tuple(shape[1:]))
        return Model.__call__(self, *args, **kwargs)

    def call(self, inputs, training=None, mask=None, **kwargs):
        x = inputs
        for layer in self.layers:
            if training is not None and layer._call_has_training:
                x = layer(x, training=training)
            else:
                x = layer(x)
        return x

    @property
    def input_shape(self):
        return self._build_input_shape

    @property
    def output_shape(self):
        return getattr(self, "_output_shape", None)

    def get_config(self):
        from tfedu.keras.saving.model_config import sequential_get_config

        return sequential_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tfedu.keras.saving.model_config import sequential_from_config

        return sequential_from_config(cls, config, custom_objects)
