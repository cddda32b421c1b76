"""`keras.layers.TFSMLayer`: a SavedModel used as a Keras layer (for inference in a model).

    layer = keras.layers.TFSMLayer("exported", call_endpoint="serve")
    y = layer(x)                       # calls the SavedModel's `serve` function

The endpoint is a loaded function (`serve`) or a signature (`serving_default`, which returns a
dict of outputs). The SavedModel's variables become the layer's weights.
"""

from __future__ import annotations

from tfedu.framework import nest
from tfedu.framework.context import _state
from tfedu.keras.engine.base_layer import Layer

__all__ = ["TFSMLayer"]


def _variables_used_by(functions) -> list:
    """The variables the endpoint functions read (trainable first), each once."""
    found = {}
    for fn in functions:
        for cf in getattr(fn, "concrete_functions", None) or [fn]:
            for v in getattr(cf, "variables", ()):
                found.setdefault(id(v), v)
    variables = list(found.values())
    return ([v for v in variables if getattr(v, "trainable", True)] +
            [v for v in variables if not getattr(v, "trainable", True)])


def _output_placeholders(fn):
    """Placeholders shaped like the endpoint's outputs (for symbolic shape inference)."""
    from tfedu.framework.execute import execute
    from tfedu.framework.graph_ops import PLACEHOLDER

    cf = (getattr(fn, "concrete_functions", None) or [fn])[0]
    return nest.map_structure(
        lambda t: execute(PLACEHOLDER, [], {"dtype": t.dtype, "shape": t.shape}),
        cf.structured_outputs)


class TFSMLayer(Layer):
    """Reload a Keras-exported (or any) SavedModel as a layer (`keras.layers.TFSMLayer`)."""

    def __init__(self, filepath, call_endpoint="serve", call_training_endpoint=None,
                 trainable=True, name=None, dtype=None):
        super().__init__(trainable=trainable, name=name, dtype=dtype)
        from tfedu.saved_model.loading import load

        self.filepath = filepath
        self.call_endpoint = call_endpoint
        self.call_training_endpoint = call_training_endpoint
        loaded = load(filepath)
        object.__setattr__(self, "_reloaded_obj", loaded)
        self.call_endpoint_fn = self._endpoint(loaded, call_endpoint)
        self.call_training_endpoint_fn = (self._endpoint(loaded, call_training_endpoint)
                                          if call_training_endpoint else None)
        fns = [f for f in (self.call_endpoint_fn, self.call_training_endpoint_fn) if f]
        self._weights_list.extend(_variables_used_by(fns))
        self.built = True

    @staticmethod
    def _endpoint(loaded, name):
        fn = getattr(loaded, name, None)
        if fn is None and name in getattr(loaded, "signatures", {}):
            fn = loaded.signatures[name]
        if fn is None or not callable(fn):
            endpoints = sorted(k for k, v in vars(loaded).items() if callable(v))
            raise ValueError(f"The endpoint '{name}' is neither an attribute of the reloaded "
                             f"SavedModel, nor an entry in the `signatures` field of the reloaded "
                             f"SavedModel. Select another endpoint via the `call_endpoint` "
                             f"argument. Available endpoints for this SavedModel: {endpoints}")
        return fn

    def call(self, inputs, training=False, **kwargs):
        fn = self.call_training_endpoint_fn if training and self.call_training_endpoint_fn \
            else self.call_endpoint_fn
        g = _state.graph
        if g is not None and not hasattr(g, "variable_handle"):
            return _output_placeholders(fn)  # a model asks for the output shape
        if hasattr(fn, "_params") and all(kind == "KEYWORD_ONLY" for _, kind in fn._params):
            keys = [name for name, _ in fn._params]
            if isinstance(inputs, dict):
                return fn(**inputs)
            flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
            return fn(**dict(zip(keys, flat)))
        return fn(inputs)

    def get_config(self):
        config = super().get_config()
        config.update({"filepath": self.filepath, "call_endpoint": self.call_endpoint,
                       "call_training_endpoint": self.call_training_endpoint})
        return config
