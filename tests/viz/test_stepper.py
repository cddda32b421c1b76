"""The step-through and profile recordings (tfedu.viz.step / profile) and the error notes,
without a browser: values come from the real run, bodies are entered, fused steps are boxes."""

from __future__ import annotations

import numpy as np
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import tfedu as tf
from tfedu.viz import profile, step
from tfedu.viz.error_hints import error_lines, hint_for
from tfedu.viz.graph_view import graph_schema
from tfedu.viz.profile import PROFILE_MIME_TYPE, profile_schema
from tfedu.viz.stepper import STEP_MIME_TYPE, step_schema

_REGISTRY = Registry().with_resource("https://tfedu.invalid/schemas/graph.v2.json",
                                     Resource.from_contents(graph_schema()))


def _valid(payload, schema):
    Draft202012Validator(schema, registry=_REGISTRY).validate(payload)


@tf.function
def layer(x, w):
    return tf.nn.relu(tf.matmul(x, w) + 1.0)


@tf.function
def flow(x):
    y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
    return tf.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, y + 1.0), (0, y))[1]


def test_values_come_from_the_real_run():
    x, w = tf.constant([[1.0, -2.0]]), tf.constant([[1.0, 0.5], [3.0, 1.0]])
    view = step(layer, x, w)
    np.testing.assert_allclose(view.result.numpy(), layer(x, w).numpy())
    p = view.payload
    _valid(p, step_schema())
    ops = [(e["op"], e["type"]) for e in p["events"]]
    assert ops[:3] == [("x", "feed"), ("w", "feed"), ("MatMul", "MatMul")]
    matmul = p["events"][2]
    assert [i["name"] for i in matmul["inputs"]] == ["x:0", "w:0"]
    assert matmul["outputs"][0]["text"] == "[[-5.  -1.5]]"
    assert p["graphs"][0]["nodes"][matmul["node"]]["id"] == "MatMul"
    assert p["position"] == len(p["events"]) - 1 and p["error"] is None
    assert STEP_MIME_TYPE in view._repr_mimebundle_()
    assert "MatMul (MatMul) -> float32 (1, 2)" in repr(view)


def test_bodies_of_if_and_while_are_frames_of_their_own():
    view = step(flow, tf.constant([1.0, 2.0]))
    np.testing.assert_allclose(view.result.numpy(), [4.0, 6.0])
    frames = view.payload["frames"]
    labels = [f["label"] for f in frames]
    assert any(lbl.startswith("true_fn of") or "branch" in lbl for lbl in labels), labels
    assert sum("body" in lbl for lbl in labels) == 2 and frames[1]["parent"] == 0
    events = view.payload["events"]
    entering = [e for e in events if e["enters"]]
    assert {e["type"] for e in entering} >= {"StatelessWhile"}
    # A body's steps come before the step that ran them.
    k = events.index(entering[-1])
    assert all(events[j]["frame"] in entering[-1]["enters"] for j in range(k - 3, k))


def test_fused_plan_steps_are_boxes_of_the_ops_they_replaced():
    @tf.function(jit_compile=True)
    def fused(x, w, b):
        return tf.nn.relu(tf.matmul(x, w) + b) * 2.0 + 1.0

    view = step(fused, tf.ones([2, 3]), tf.ones([3, 4]), tf.ones([4]))
    graph = view.payload["graphs"][0]
    kinds = [b["kind"] for b in graph["layout"]["boxes"]]
    assert kinds.count("fused") == 2
    inside = {n["id"] for n in graph["nodes"] if "_fused_into" in n["attrs"]}
    assert {"MatMul", "Relu"} <= inside
    types = [e["type"] for e in view.payload["events"]]
    assert "_FusedMatMul" in types and "FusedElementwise" in types


def test_a_failing_step_is_recorded_with_its_inputs_and_the_error_is_not_raised():
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])
    def bad(x):
        return tf.reshape(x, [5])

    view = step(bad, tf.ones([2, 3]))
    p = view.payload
    last = p["events"][p["position"]]
    assert last["op"] == "Reshape" and last["error"]["type"] == "InvalidArgumentError"
    assert last["inputs"][0]["shape"] == [2, 3]
    assert "Graph execution error" in p["error"]["message"]
    assert any(n.startswith("Hint: A reshape keeps") for n in p["error"]["notes"])
    assert view.result is None


def test_session_run_is_stepped_with_the_session_state():
    g = tf.Graph()
    with g.as_default():
        a = tf.compat.v1.placeholder(tf.float32, [2], name="a")
        v = tf.compat.v1.Variable([1.0, 2.0], name="v")
        total = tf.reduce_sum(a * v, name="total")
        init = tf.compat.v1.global_variables_initializer()
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        view = step(sess, {"t": total}, {a: [3.0, 4.0]})
        assert view.result == {"t": 11.0}
    boxes = view.payload["graphs"][0]["layout"]["boxes"]
    assert [b["kind"] for b in boxes] == ["variable"]


def test_profile_counts_time_calls_and_bytes_per_type_and_node():
    w = tf.Variable(tf.ones([4, 8]))

    def train(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
        w.assign_sub(0.01 * tape.gradient(loss, w))
        return loss

    plain = profile(tf.function(train), tf.ones([16, 4]), runs=3, title="plain")
    p = plain.payload
    matmul = next(r for r in p["by_type"] if r["type"] == "MatMul")
    assert matmul["calls"] == 2 * 3 - 1 * 2  # two MatMuls a run, first calls left out
    assert matmul["bytes"] > 0 and 0 < matmul["share"] < 1
    assert abs(sum(r["share"] for r in p["by_type"]) - 1) < 0.01
    assert p["graphs"][0]["heat"] and "takes" in plain.explanation
    fused = profile(tf.function(train, jit_compile=True), tf.ones([16, 4]), runs=3,
                    before=plain, title="fused")
    assert "Before (plain)" in fused.explanation
    # Every op type of the first profile is there to compare with ("new" only if it is new).
    assert [r["type"] for r in fused.payload["before"]["by_type"]] == [
        r["type"] for r in p["by_type"]]
    assert PROFILE_MIME_TYPE in fused._repr_mimebundle_()
    _valid(fused.payload, profile_schema())


def test_errors_get_the_students_line_and_a_hint():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None], name="x")
        y = tf.reshape(x, [5])
    with tf.compat.v1.Session(graph=g) as sess, pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run(y, {x: [1.0, 2.0]})
    lines = error_lines(e.value)
    assert lines[0].startswith("The op 'Reshape' that failed was created at File")
    assert lines[0].endswith(f"test_stepper.py\", line {y.op.source_location[1]}:")
    assert lines[1].strip() == "y = tf.reshape(x, [5])"
    assert hint_for(e.value).startswith("A reshape keeps")
    assert hint_for(ValueError("something else")) is None


def test_one_slow_call_does_not_make_a_step_the_busiest():
    from array import array
    from types import SimpleNamespace

    from tfedu.viz.profile import _rows

    class Step:  # a plan step as the profile reads it (hashable, as steps are)
        def __init__(self, name):
            self.op = SimpleNamespace(name=name, type=name)

    step = Step

    tiny, matmul = step("Tiny"), step("MatMul")
    recorder = SimpleNamespace(totals={
        # first calls (compiling) left out; then one call of Tiny held up by the machine
        (1, tiny): [40, array("d", [900.0, 2.0, 2.0, 5000.0, 2.0])],
        (1, matmul): [80, array("d", [900.0, 50.0, 60.0, 50.0, 50.0])],
    })
    rows = {r["op"]: r for r in _rows(recorder)}
    assert rows["Tiny"]["us"] == 2.0 * 4 and rows["MatMul"]["us"] == 50.0 * 4
    assert rows["Tiny"]["calls"] == 4 and rows["Tiny"]["bytes"] == 40 - 40 // 5
