"""`hub.export_module(model, export_dir)`: a Keras model saved as a hub module.

The module is a SavedModel in the "Reusable SavedModel" form that `hub.load` and
`hub.KerasLayer` (tfedu's and tensorflow_hub's) expect:

- `__call__(inputs, training=False)`: the model's call, traced for `training` True and False;
- `variables`, `trainable_variables`: the model's variables (fine-tuning trains the second);
- `regularization_losses`: functions of no argument returning the regularizers' losses;
- a `serving_default` signature `{output_key: model(inputs)}` for TF Serving and the CLI.

tensorflow_hub's own modules are made this way: `tf.saved_model.save` of such an object.
"""

from __future__ import annotations

import tfedu as tf
from tfedu.framework.trackable import AutoTrackable, Trackable, is_trackable

__all__ = ["export_module", "TrackedList"]


class TrackedList(list, Trackable):
    """A list saved as a list node even when empty (as TF's ListWrapper)."""

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        return {str(i): v for i, v in enumerate(self) if is_trackable(v, save_type)}


def _regularization_fns(model) -> list:
    fns = []
    for w in getattr(model, "weights", None) or model.variables:
        reg = getattr(w, "regularizer", None)
        if reg is not None:
            fns.append(tf.function(lambda w=w, reg=reg: reg(w), input_signature=[]))
    return fns


class _ReusableModule(AutoTrackable):
    """What the SavedModel holds: the model's variables and its call, not its layers."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset({"_model"})

    def __init__(self, model, spec, output_key):
        self._model = model
        self.variables = TrackedList(model.variables)
        self.trainable_variables = TrackedList(model.trainable_variables)
        self.regularization_losses = TrackedList(_regularization_fns(model))

        def call(inputs, training=False):
            return model(inputs, training=training)

        def serve(inputs):
            return {output_key: model(inputs, training=False)}

        self.__call__ = tf.function(call, autograph=False)
        for mode in (False, True):
            self.__call__.get_concrete_function(spec, training=mode)
        self.serving_default = tf.function(serve, input_signature=[spec], autograph=False)


def export_module(model, export_dir, input_signature=None, output_key="output_0"):
    """Save `model` (a built Keras model) as a hub module in `export_dir`.

    `input_signature`: a `tf.TensorSpec` of the inputs (default: the model's input, with an
    unknown batch dimension). Returns `export_dir`."""
    from tfedu.saved_model.keras_export import input_signature as model_signature

    spec = input_signature or model_signature(model, "inputs")
    spec = tf.TensorSpec(spec.shape, spec.dtype, "inputs")
    module = _ReusableModule(model, spec, output_key)
    tf.saved_model.save(module, export_dir,
                        signatures={"serving_default": module.serving_default})
    return export_dir
