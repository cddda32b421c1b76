"""Notebook displays of core objects (`_repr_mimebundle_` hooks), kept out of their modules so
that `import tfedu` does not load the views.

A tf.function shows its retracing view, a ConcreteFunction its graph, a Keras model the graph
of its forward pass. The bundles carry no `text/plain`: IPython adds the object's own repr,
which stays TF's.
"""

from __future__ import annotations

from typing import Any


def _without_text(bundle: dict) -> dict:
    return {k: v for k, v in bundle.items() if k != "text/plain"}


def function_bundle(fn: Any, include=None, exclude=None) -> dict:
    """The retracing view of a tf.function (its calls, traces and why it retraced)."""
    from tfedu.viz.retracing import show_retracing

    return _without_text(show_retracing(fn)._repr_mimebundle_(include, exclude))


def concrete_bundle(cf: Any, include=None, exclude=None) -> dict:
    """The graph view of a concrete function."""
    from tfedu.viz.graph_view import show_graph

    return _without_text(show_graph(cf)._repr_mimebundle_(include, exclude))


def model_bundle(model: Any, include=None, exclude=None) -> dict:
    """The graph of a built Keras model's forward pass (inference mode); {} when unbuilt."""
    from tfedu.framework.tensor_spec import TensorSpec
    from tfedu.function.function import Function
    from tfedu.viz.graph_view import show_graph

    inputs = getattr(model, "inputs", None)
    if inputs:  # functional models
        specs = [TensorSpec(t.shape, t.dtype) for t in inputs]
    else:  # a built Sequential
        shape = getattr(model, "_build_input_shape", None)
        if shape is None:
            return {}
        specs = [TensorSpec(shape, getattr(model, "dtype", None) or "float32")]

    def forward(*xs):
        return model(xs[0] if len(xs) == 1 else list(xs), training=False)

    cf = Function(forward, name=model.name).get_concrete_function(*specs)
    return _without_text(show_graph(cf, title=model.name)._repr_mimebundle_(include, exclude))
