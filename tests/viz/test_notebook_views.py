"""Payloads, schemas, fallbacks and live updates of the retracing, curves and compare views."""

from __future__ import annotations

import time

import numpy as np
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import tfedu as tf
from tfedu.viz import (
    COMPARE_MIME_TYPE,
    CURVES_MIME_TYPE,
    RETRACING_MIME_TYPE,
    RetracingMonitor,
    TrainingCurves,
    _display,
    compare_graphs,
    graph_schema,
    retracing_payload,
    show_retracing,
)
from tfedu.viz.compare import compare_schema
from tfedu.viz.curves import curves_schema
from tfedu.viz.retracing import retracing_schema

EVIL = "<img src=x onerror=alert(1)>"


def _validator(schema):
    graph = graph_schema()
    registry = Registry().with_resource(
        "https://tfedu.invalid/schemas/graph.v2.json", Resource.from_contents(graph))
    return Draft202012Validator(schema, registry=registry)


def _seed():
    @tf.function
    def f(x):
        return tf.add(x, 1.)

    f(tf.constant(1.))
    f(tf.constant([1., 2.]))
    f(tf.constant([[1., 2.], [3., 4.]]))
    f(tf.constant(5.))
    return f


def test_retracing_payload_explains_each_trace():
    p = retracing_payload(_seed())
    _validator(retracing_schema()).validate(p)
    (fn,) = p["functions"]
    assert (fn["name"], fn["calls"], fn["traces"]) == ("f", 4, 3)
    cfs = fn["concrete_functions"]
    assert [c["signature"] for c in cfs] == ["(x: float32[])", "(x: float32[2])",
                                             "(x: float32[2,2])"]
    assert cfs[0]["reasons"] == ["first call: nothing traced yet"]
    assert "shape () -> (2,)" in cfs[1]["reasons"][0] and cfs[1]["since_previous"] == []
    # The closest earlier trace of the matrix is the scalar; the view adds what changed since
    # the previous (vector) trace.
    assert "rank 0 -> 2" in cfs[2]["reasons"][0]
    assert "rank 1 -> 2; shape (2,) -> (2, 2)" in cfs[2]["since_previous"][0]
    assert all(c["trace_seconds"] > 0 for c in cfs)
    assert [n["type"] for n in cfs[2]["graph"]["nodes"]] == [
        "Placeholder", "Const", "AddV2", "Identity"]
    assert [(e["traced"], e["trace_index"]) for e in fn["timeline"]] == [
        (True, 0), (True, 1), (True, 2), (False, 0)]
    assert fn["warning"] is None


def test_retracing_bundle_has_escaped_fallbacks():
    def double(x):
        return x * 2.0

    double.__name__ = EVIL
    g = tf.function(double)
    g(tf.constant(1.0))
    g(tf.constant([1.0]))
    bundle = show_retracing(g)._repr_mimebundle_()
    assert set(bundle) == {RETRACING_MIME_TYPE, "text/plain", "image/svg+xml"}
    assert EVIL not in bundle["image/svg+xml"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in bundle["image/svg+xml"]
    assert "rank 0 -> 1" in bundle["text/plain"]
    assert bundle[RETRACING_MIME_TYPE]["functions"][0]["name"] == EVIL


def test_retracing_warning_is_reported():
    @tf.function
    def h(x):
        return x + 1

    for n in range(1, 8):
        h(tf.zeros([n]))
    fn = retracing_payload(h)["functions"][0]
    assert fn["warning"] is not None and "triggered tf.function retracing" in fn["warning"]
    assert "earlier definitions" not in fn["warning"]


def test_retracing_warning_agrees_with_the_counts_when_a_cell_runs_again():
    """Lesson 02 run twice in one kernel: TF's warning counts the calls of both `f`s (the
    same code); the view's counts are the new `f`'s, and the warning says why they differ."""
    cell = ("@tf.function\ndef f(x):\n    return x + 1\n"
            "for n in range(1, 4):\n    f(tf.zeros([n]))\n")
    code = compile(cell, "<cell In[3]>", "exec")
    scope = {"tf": tf}
    exec(code, scope)
    exec(code, scope)  # the same cell again: a new f, the same code
    fn = retracing_payload(scope["f"])["functions"][0]
    assert (fn["calls"], fn["traces"]) == (3, 3)
    assert fn["warning"].startswith("6 out of the last 6 calls to `f` triggered")
    assert "this `f` has had 3 calls and 3 traces" in fn["warning"]


class _Handle:
    def __init__(self):
        self.updates = []

    def update(self, data, raw=False):
        self.updates.append(data)


def _fake_display(live: _display.LiveDisplay) -> _Handle:
    handle = _Handle()
    live._handle = handle
    live._last = time.monotonic()  # as if just shown
    return handle


def test_monitor_updates_on_calls_throttled():
    @tf.function
    def k(x):
        return x * 3

    mon = RetracingMonitor(k, interval=3600)
    try:
        handle = _fake_display(mon._live)
        k(tf.constant(1.0))
        k(tf.constant(2.0))
        assert handle.updates == []  # throttled: the last redraw is "recent"
        mon._live._last = float("-inf")  # "long ago", whatever the clock reads
        k(tf.constant([1.0]))
        assert len(handle.updates) == 1
        fns = handle.updates[0][RETRACING_MIME_TYPE]["functions"]
        assert [f["calls"] for f in fns] == [3]
        k(tf.constant(3.0))
        mon.flush()  # the end of a cell flushes what the throttle held back
        assert handle.updates[-1][RETRACING_MIME_TYPE]["functions"][0]["calls"] == 4
    finally:
        mon.close()


def test_training_curves_log_api_and_schema():
    c = TrainingCurves(title="loop", live=False)
    for step in range(6):
        c.log(step=step, loss=1.0 / (step + 1), accuracy=step / 6)
    c.log_epoch(1, step=5, loss=0.2, val_loss=0.3)
    c.log(epoch=2, loss=float("nan"))
    c.start_run("second")
    c.log(step=0, loss=2.0)
    p = c.payload()
    _validator(curves_schema()).validate(p)
    first, second = p["runs"]
    series = {(s["metric"], s["split"], s["level"]): s["points"] for s in first["series"]}
    assert series[("loss", "training", "batch")][-1] == [5.0, 1 / 6]
    assert series[("loss", "validation", "epoch")] == [[1.0, 0.3, 5.0]]
    assert series[("loss", "training", "epoch")] == [[1.0, 0.2, 5.0], [2.0, None, None]]
    assert second["name"] == "second" and second["series"][0]["points"] == [[0.0, 2.0]]
    bundle = c._repr_mimebundle_(exclude={"image/png"})
    assert set(bundle) == {CURVES_MIME_TYPE, "text/plain", "image/svg+xml"}
    # loss: two batch lines and the validation line; accuracy: one batch line
    assert bundle["image/svg+xml"].count("<polyline") == 4


def test_training_curves_escape_metric_names():
    c = TrainingCurves(title=EVIL, live=False)
    c.log(step=0, **{EVIL: 1.0})
    c.log(step=1, **{EVIL: 0.5})
    svg = c._repr_mimebundle_(exclude={"image/png"})["image/svg+xml"]
    assert EVIL not in svg and "onerror=alert(1)&gt;" in svg


def test_training_curves_as_fit_callback_and_live_redraws():
    c = TrainingCurves(interval=0.0)
    handle = _fake_display(c._live)
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((40, 2), "float32")
    model.fit(x, x[:, :1], batch_size=8, epochs=2, verbose=0, validation_split=0.2,
              callbacks=[c])
    run = c.payload()["runs"][0]
    batch = next(s for s in run["series"] if s["level"] == "batch")
    assert [p[0] for p in batch["points"]] == list(range(8))
    val = next(s for s in run["series"] if s["split"] == "validation")
    assert [(p[0], p[2]) for p in val["points"]] == [(1.0, 3.0), (2.0, 7.0)]
    assert len(handle.updates) >= 8
    counts = [sum(len(s["points"]) for s in u[CURVES_MIME_TYPE]["runs"][0]["series"])
              for u in handle.updates]
    assert counts == sorted(counts) and counts[-1] > counts[0]


def _v1_and_function():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        y = tf.nn.relu(tf.matmul(x, tf.ones([3, 2])) + 1.0)

    @tf.function
    def layer(x):
        return tf.nn.sigmoid(tf.matmul(x, tf.ones([3, 2])) + 1.0)

    return y, layer.get_concrete_function(tf.TensorSpec([None, 3], tf.float32))


def test_compare_marks_placeholders_inputs_identity_and_one_sided_ops():
    y, cf = _v1_and_function()
    view = compare_graphs(y, cf)
    p = view.payload
    _validator(compare_schema()).validate(p)
    left = {n["id"]: n["type"] for n in p["left"]["graph"]["nodes"]}
    right = {n["id"]: n["type"] for n in p["right"]["graph"]["nodes"]}
    lm, rm = p["left"]["marks"], p["right"]["marks"]
    assert lm["x"] == "placeholder" and rm["x"] == "input"
    assert [right[i] for i, m in rm.items() if m == "output"] == ["Identity"]
    assert [left[i] for i, m in lm.items() if m == "only"] == ["Relu"]
    assert [right[i] for i, m in rm.items() if m == "only"] == ["Sigmoid"]
    text = repr(view)
    assert "only in the TF1 graph: 1 Relu op" in text
    assert "only in the tf.function graph: 1 Sigmoid op" in text
    bundle = view._repr_mimebundle_(exclude={"image/svg+xml"})
    assert set(bundle) == {COMPARE_MIME_TYPE, "text/plain"}


def test_compare_accepts_a_tf_function():
    y, _ = _v1_and_function()

    @tf.function
    def same(x):
        return tf.nn.relu(tf.matmul(x, tf.ones([3, 2])) + 1.0)

    same(tf.ones([2, 3]))
    p = compare_graphs(y, same).payload
    assert "only" not in p["left"]["marks"].values()
    assert "only" not in p["right"]["marks"].values()


def test_retracing_rejects_non_functions():
    with pytest.raises(TypeError, match="Expected a tf.function"):
        retracing_payload(lambda x: x)


def test_timeline_folds_consecutive_hits_even_with_listeners():
    @tf.function
    def m(x):
        return x - 1

    mon = RetracingMonitor(m, interval=3600)
    try:
        for _ in range(5):
            m(tf.constant(1.0))
        m(tf.constant([1.0]))
        m(tf.constant(2.0))
        events = retracing_payload(m)["functions"][0]["timeline"]
        assert [(e["traced"], e["trace_index"], e["repeats"]) for e in events] == [
            (True, 0, 1), (False, 0, 4), (True, 1, 1), (False, 0, 1)]
    finally:
        mon.close()
