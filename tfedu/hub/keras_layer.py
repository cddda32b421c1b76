"""`hub.KerasLayer`: a hub module (a SavedModel) used as a Keras layer.

    layer = hub.KerasLayer("digits_feature_vector", trainable=False)   # a frozen extractor
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)), layer, tf.keras.layers.Dense(5)])

The module is loaded once; its `__call__(inputs, training=...)` (or a `signature`) becomes the
layer's call. Its variables become the layer's weights: with `trainable=True` the module's
`trainable_variables` are trained with the rest of the model (fine-tuning), with
`trainable=False` they are frozen (and the module runs in inference mode, as
BatchNormalization does when frozen). The module's regularization losses join the layer's.

In a graph (`fit`'s training step, a `tf.function`, a SavedModel export) the module is one
call op (StatefulPartitionedCall): the whole module drawn as one block that expands to its
body, a function of the graph. The module is a tracked child (`_func`, as in tensorflow_hub):
checkpoints and SavedModels of the model hold its variables.
"""

from __future__ import annotations

import json

from tfedu.framework import nest
from tfedu.framework.tensor_shape import TensorShape
from tfedu.keras.engine.base_layer import Layer
from tfedu.keras.saving.object_registration import register_keras_serializable

__all__ = ["KerasLayer"]


def _check_signature_args(signature, output_key, signature_outputs_as_dict):
    if signature and not (output_key or signature_outputs_as_dict):
        raise ValueError("When using a signature, either output_key or "
                         "signature_outputs_as_dict=True should be set.")
    if signature_outputs_as_dict and not signature:
        raise ValueError("signature_outputs_as_dict is only valid if specifying a signature.")


def _accepts_training(fn) -> bool:
    """Whether the module's call takes `training` (TF Hub's modules may not: then it is not
    passed, as tensorflow_hub does)."""
    import inspect

    call = vars(fn).get("__call__", fn) if hasattr(fn, "__dict__") else fn  # a loaded object's
    names = getattr(call, "_arg_names", None)
    if names is not None:
        return "training" in names
    try:
        params = inspect.signature(getattr(call, "python_function", call)).parameters
    except (TypeError, ValueError):
        return True
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _signature_fn(obj, signature, handle):
    sigs = getattr(obj, "signatures", None)
    if not sigs:
        raise ValueError(f"Loaded object {handle!r} has no signatures.")
    if signature not in sigs:
        raise ValueError(f"Unknown signature {signature} in {handle} (available signatures: "
                         f"{list(sigs)}).")
    return sigs[signature]


@register_keras_serializable(package="tensorflow_hub", name="KerasLayer")
class KerasLayer(Layer):
    """Wraps a hub module (`handle`: catalogue name, directory, URL, or a loaded object)."""

    def __init__(self, handle, trainable=False, arguments=None, _sentinel=None, tags=None,
                 signature=None, signature_outputs_as_dict=None, output_key=None,
                 output_shape=None, load_options=None, **kwargs):
        _check_signature_args(signature, output_key, signature_outputs_as_dict)
        kwargs.setdefault("name", None)
        super().__init__(trainable=trainable, **kwargs)
        self._handle = handle
        self._arguments = dict(arguments or {})
        self._signature = signature
        self._signature_outputs_as_dict = signature_outputs_as_dict
        self._output_key = output_key
        self._output_shape = (None if output_shape is None
                              else TensorShape(list(output_shape)))
        self._func = self._load(handle, tags, load_options)
        self._callable = (_signature_fn(self._func, signature, handle) if signature
                          else self._func)
        if not callable(self._callable):
            raise ValueError(f"Signature name has to be specified for non-callable saved "
                             f"models (if not legacy TF1 Hub format): {handle!r}")
        self._has_training_argument = not signature and _accepts_training(self._callable)
        self._add_module_weights()
        self.built = True

    @staticmethod
    def _load(handle, tags, options):
        if not isinstance(handle, str) and callable(handle) or hasattr(handle, "signatures"):
            return handle
        from tfedu.hub.module import load

        return load(handle, tags=tags, options=options)

    def _add_module_weights(self):
        trainable = list(getattr(self._func, "trainable_variables", None) or [])
        ids = {id(v) for v in trainable}
        others = [v for v in getattr(self._func, "variables", None) or [] if id(v) not in ids]
        object.__setattr__(self, "_module_trainable_ids", ids)
        self._weights_list.extend(trainable + others)
        self._module_losses = list(getattr(self._func, "regularization_losses", None) or [])

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        """The layer's children plus the module itself (as `_func`, tensorflow_hub's name), so
        that checkpoints and SavedModels of a model hold the module's (fine-tuned) variables."""
        from tfedu.framework.trackable import is_trackable

        out = super()._trackable_children(save_type, **kwargs)
        if is_trackable(self._func, save_type):
            out["_func"] = self._func
        return out

    # --- weights: the module decides which of its variables train --------------------------
    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for w in self._weights_list if id(w) in self._module_trainable_ids]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return list(self._weights_list)
        return [w for w in self._weights_list if id(w) not in self._module_trainable_ids]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def losses(self):
        return list(self._losses) + [fn() for fn in self._module_losses]

    # --- calling ---------------------------------------------------------------------------
    def _check_trainability(self):
        if not self.trainable:
            return
        if self._signature:
            raise ValueError("Setting hub.KerasLayer.trainable = True is unsupported when "
                             "calling a SavedModel signature.")

    def call(self, inputs, training=None):
        self._check_trainability()
        if self._signature:
            result = self._callable(**self._signature_inputs(inputs), **self._arguments)
        else:
            # a frozen module always runs in inference mode (as frozen BatchNormalization)
            mode = bool(training) if self.trainable and training is not None else False
            extra = {"training": mode} if self._has_training_argument else {}
            result = self._callable(inputs, **extra, **self._arguments)
        if self._output_key:
            result = self._pick(result)
        return self._with_output_shape(result)

    def _signature_inputs(self, inputs):
        if isinstance(inputs, dict):
            return dict(inputs)
        keys = [name for name, _ in getattr(self._callable, "_params", [])]
        flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        return dict(zip(keys, flat))

    def _pick(self, result):
        if not isinstance(result, dict):
            raise ValueError("Specifying `output_key` is forbidden if output type "
                             f"{type(result)} is not a dict.")
        if self._output_key not in result:
            raise ValueError(f"KerasLayer output does not contain the output key "
                             f"{self._output_key} (available: {list(result)}).")
        return result[self._output_key]

    def _with_output_shape(self, result):
        if self._output_shape is None:
            return result
        want = TensorShape([None]).concatenate(self._output_shape)

        def fix(t):
            if hasattr(t, "set_shape") and want.is_compatible_with(t.shape):
                t.set_shape(want)
            return t

        return nest.map_structure(fix, result)

    def compute_output_shape(self, input_shape):
        if self._output_shape is not None:
            return TensorShape([input_shape[0]]).concatenate(self._output_shape)
        return super().compute_output_shape(input_shape)

    # --- config ----------------------------------------------------------------------------
    def get_config(self):
        if not isinstance(self._handle, str):
            raise NotImplementedError("Can only generate a valid config for "
                                      "`hub.KerasLayer(handle, ...)`that uses a string `handle`."
                                      f"\n\nGot `type(handle)`: {type(self._handle)}")
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                  "handle": self._handle}
        if self._output_shape is not None:
            config["output_shape"] = self._output_shape.as_list()
        for key, value in self._arguments.items():
            try:
                json.dumps(value)
            except TypeError:
                raise ValueError("`hub.KerasLayer(..., arguments)` contains non "
                                 f"json-serializable values in key: {key}") from None
        for key in ("arguments", "signature", "output_key", "signature_outputs_as_dict"):
            value = getattr(self, "_" + key)
            if value:
                config[key] = value
        return config
