"""Keras models as SavedModels: `model.export(dir)` and `tf.saved_model.save(model, dir)`.

`model.export(dir)` writes what Keras 3's `ExportArchive` writes: a root object holding the
model's variables (`variables`, `trainable_variables`, `non_trainable_variables`) and one
endpoint, `serve`, a `tf.function` of the model's inference call whose input signature comes
from the model's inputs (named after the `keras.Input`s, `keras_tensor` when unnamed). Its
signatures are `serve` and `serving_default`, so TF Serving, the TFLite converter and
`keras.layers.TFSMLayer` all find it.

`tf.saved_model.save(model, dir)` saves the model object itself (its layers, named as Keras
3 names them) with a `serving_default` signature taking `inputs`.
"""

from __future__ import annotations

from tfedu.framework import nest
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.framework.trackable import AutoTrackable

__all__ = ["export_model", "input_signature", "default_serving_function"]


def _spec(t, default_name):
    return TensorSpec(t.shape, t.dtype, getattr(t, "name", None) or default_name)


def input_signature(model, default_name="keras_tensor"):
    """The model's inputs as a structure of TensorSpecs (batch dimension unknown)."""
    from tfedu.keras.layers.core import InputLayer

    struct = getattr(model, "_inputs_struct", None)
    if struct is not None:
        return nest.map_structure(lambda t: _spec(t, default_name), struct)
    layers = getattr(model, "_tracked_layers", [])
    if layers and isinstance(layers[0], InputLayer):
        first = layers[0]
        return TensorSpec(first.batch_shape, first.dtype, first.name or default_name)
    shape = getattr(model, "_build_input_shape", None)
    if shape is None:
        raise ValueError(
            f"Model {model.name} cannot be exported: its input shape is not known yet. Call the "
            "model on data (or `model.build(input_shape)`) first, or pass `input_signature`.")
    return TensorSpec((None,) + tuple(shape)[1:], model.compute_dtype, default_name)


def _serving_fn(model, signature, param="inputs"):
    from tfedu.function.function import function

    def serve(inputs):
        return model(inputs, training=False)

    serve.__name__ = param
    return function(serve, input_signature=[signature], autograph=False)


def default_serving_function(model):
    """`serving_default` for `tf.saved_model.save(model)`: one argument named `inputs`."""
    try:
        sig = input_signature(model, "inputs")
    except ValueError:
        return None
    if isinstance(sig, TensorSpec):
        sig = TensorSpec(sig.shape, sig.dtype, "inputs")
    return _serving_fn(model, sig).get_concrete_function()


class _ExportArchive(AutoTrackable):
    """What `model.export` saves: the model's variables and its `serve` endpoint."""

    def __init__(self, model, signature):
        self.variables = list(model.variables)
        self.trainable_variables = list(model.trainable_variables)
        self.non_trainable_variables = list(model.non_trainable_variables)
        self._all_variables = list(self.variables)
        self.serve = _serving_fn(model, signature, "args_0")
        self._model_name = model.name


def _endpoint_text(cf) -> str:
    inputs = "\n".join(f"  args_0 (POSITIONAL_ONLY): {_spec_text(s)}"
                       for s in cf.structured_input_signature[0])
    caps = cf.graph.captures
    captures = "\n".join(f"  {id(outer)}: {TensorSpec(inner.shape, inner.dtype)!r}"
                         for outer, inner in caps) or "  None"
    return (f"* Endpoint 'serve'\n{inputs}\nOutput Type:\n  {cf._output_type_text()}\n"
            f"Captures:\n{captures}")


def _spec_text(spec) -> str:
    if isinstance(spec, (list, tuple)):
        kind = "List" if isinstance(spec, list) else "Tuple"
        return f"{kind}[" + ", ".join(_spec_text(s) for s in spec) + "]"
    if isinstance(spec, dict):
        return "Dict[" + ", ".join(f"['{k}', {_spec_text(v)}]" for k, v in spec.items()) + "]"
    return repr(spec)


def export_model(model, filepath, format="tf_saved_model", verbose=True, input_signature=None,
                 **kwargs):
    """`model.export(filepath)`: a SavedModel for inference (endpoints `serve`,
    `serving_default`)."""
    from tfedu.saved_model.saving import save

    if format != "tf_saved_model":
        raise ValueError(f"Unrecognized format={format!r}. tfedu exports 'tf_saved_model'.")
    sig = input_signature[0] if input_signature else _default_signature(model)
    archive = _ExportArchive(model, sig)
    cf = archive.serve.get_concrete_function()
    save(archive, filepath, signatures={"serve": cf, "serving_default": cf})
    if verbose:
        print(f"Saved artifact at '{filepath}'. The following endpoints are available:\n\n"
              f"{_endpoint_text(cf)}")


def _default_signature(model):
    return input_signature(model)
