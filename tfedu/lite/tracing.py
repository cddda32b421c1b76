"""Where a converter's graph comes from: a Keras model, a SavedModel, or a concrete function.

Every source ends as one `ConcreteFunction` with a batch dimension left unknown (`None`), and
the names of its signature: the inputs' names and `output_0`, `output_1`... (or the keys of a
dict the function returns).
"""

from __future__ import annotations

__all__ = ["keras_concrete_function", "saved_model_concrete_function", "signature_names"]


def _keras_inputs(model) -> list:
    """(name, shape, dtype) of each input of a built Keras model."""
    inputs = getattr(model, "inputs", None)
    if inputs:
        return [(t.name, tuple(t.shape), t.dtype) for t in inputs]
    from tfedu.keras.layers import InputLayer

    first = model._tracked_layers[0] if getattr(model, "_tracked_layers", None) else None
    shape = getattr(model, "_build_input_shape", None)
    if shape is None:
        raise ValueError("The model has not been built: give it an `Input` or call it on data "
                         "before converting it.")
    name = first.name if isinstance(first, InputLayer) else "keras_tensor"
    dtype = first.dtype if isinstance(first, InputLayer) else model.compute_dtype
    return [(name, tuple(shape), dtype)]


def keras_concrete_function(model):
    """`model(x, training=False)` traced for inputs with an unknown batch size."""
    import tfedu

    inputs = _keras_inputs(model)
    specs = [tfedu.TensorSpec((None,) + shape[1:], dtype, name=name)
             for name, shape, dtype in inputs]

    def serve(*xs):
        return model(xs[0] if len(xs) == 1 else list(xs), training=False)

    cf = tfedu.function(serve).get_concrete_function(*specs)
    return cf, [name for name, _, _ in inputs]


def saved_model_concrete_function(saved_model_dir, key: str, tags=None):
    """The signature `key` of a SavedModel loaded with `tf.saved_model.load`."""
    import tfedu

    loaded = tfedu.saved_model.load(saved_model_dir, tags=tags)
    signatures = getattr(loaded, "signatures", {})
    if key not in signatures:
        raise ValueError(f"Invalid signature key '{key}' found. Valid keys are "
                         f"'{','.join(signatures)}'.")
    return signatures[key], loaded


def signature_names(cf) -> tuple:
    """(input names, output names) as a converted model's signature lists them."""
    args, kwargs = cf.structured_input_signature
    flat = list(args) + [kwargs[k] for k in sorted(kwargs)]
    inputs = [getattr(spec, "name", None) or f"input_{i}" for i, spec in enumerate(flat)]
    outputs = cf.structured_outputs
    if isinstance(outputs, dict):
        return inputs, sorted(outputs)
    count = len(cf.graph.outputs)
    return inputs, [f"output_{i}" for i in range(count)]
