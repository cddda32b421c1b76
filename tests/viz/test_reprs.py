"""Notebook displays of tf.function, ConcreteFunction and Keras models: views, TF's text repr."""

from __future__ import annotations

from IPython.core.formatters import DisplayFormatter

import tfedu as tf
from tfedu.viz import GRAPH_MIME_TYPE, RETRACING_MIME_TYPE


def _format(obj) -> dict:
    data, _ = DisplayFormatter().format(obj)
    return data


def test_tf_function_displays_its_retracing_view_and_keeps_its_repr():
    @tf.function
    def twice(x):
        return x * 2.0

    twice(tf.constant(1.0))
    twice(tf.constant([1.0, 2.0]))
    data = _format(twice)
    fn = data[RETRACING_MIME_TYPE]["functions"][0]
    assert fn["name"] == "twice" and fn["calls"] == 2 and len(fn["concrete_functions"]) == 2
    assert data["text/plain"] == repr(twice)
    assert data["text/plain"].startswith("<tfedu.function.Function object at 0x")
    assert "text/plain" not in twice._repr_mimebundle_()


def test_concrete_function_displays_its_graph():
    @tf.function
    def relu_add(x):
        return tf.nn.relu(x) + 1.0

    cf = relu_add.get_concrete_function(tf.TensorSpec([None, 3], tf.float32))
    data = _format(cf)
    types = {n["type"] for n in data[GRAPH_MIME_TYPE]["nodes"]}
    assert {"Placeholder", "Relu", "AddV2", "Identity"} <= types
    assert data["text/plain"] == repr(cf) and data["text/plain"].startswith("<ConcreteFunction")


def test_keras_models_display_their_forward_graph():
    seq = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, activation="relu")])
    data = _format(seq)
    graph = data[GRAPH_MIME_TYPE]
    assert graph["title"] == seq.name
    assert {"MatMul", "Relu", "ReadVariableOp"} <= {n["type"] for n in graph["nodes"]}
    assert data["text/plain"] == repr(seq)
    x = tf.keras.Input((4,))
    functional = tf.keras.Model(x, tf.keras.layers.Dense(1)(x))
    assert "MatMul" in {n["type"] for n in _format(functional)[GRAPH_MIME_TYPE]["nodes"]}
    # Not built yet: nothing to draw, the text repr only.
    unbuilt = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    assert unbuilt._repr_mimebundle_() == {}
    assert set(_format(unbuilt)) == {"text/plain"}


def test_static_retracing_picture_draws_one_box_per_call():
    # Consecutive hits fold into one timeline entry (repeats); the picture still shows each call.
    @tf.function
    def double(x):
        return x * 2.0

    for v in (1.0, 2.0, 3.0):
        double(tf.constant(v))
    double(tf.constant([1.0, 2.0]))
    svg = _format(double)["image/svg+xml"]
    assert "4 calls" in svg
    assert svg.count('fill="#e8590c"') == 2 and svg.count('fill="#2f9e44"') == 2
