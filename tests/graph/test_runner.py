"""The generated runner of plans: attributes bound as keywords, and tracing/compiling with
the garbage collector paused (and restored as it was)."""

import gc

import numpy as np

import tfedu as tf
from tfedu.graph.plan import ResourceStore, compile_plan
from tfedu.graph.runner import build_runner


def _reduce_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [3, 4])
        y = tf.reduce_sum(x * 2.0, axis=1, keepdims=True) + tf.reduce_max(x, axis=0)
    return g, x, y


def test_attributes_are_keywords_bound_once_and_results_match_the_plain_run():
    g, x, y = _reduce_graph()
    plan = compile_plan(g, [y], [x], optimize=True)
    run = build_runner(plan, 1)
    assert "keep_dims=a" in run.source or "keepdims=a" in run.source
    assert "**" not in run.source
    value = np.arange(12, dtype=np.float32).reshape(3, 4)
    fast = run([value], ResourceStore())[0]
    np.testing.assert_array_equal(fast, plan.run([value], ResourceStore())[0])
    np.testing.assert_array_equal(fast, value.sum(1, keepdims=True) * 2 + value.max(0))


def test_attribute_names_that_are_not_identifiers_go_through_double_star():
    g, x, y = _reduce_graph()
    plan = compile_plan(g, [y], [x], optimize=True)
    step = next(s for s in plan.steps if s.attrs and not s.uses_resources)
    kernel, seen = step.kernel, {}

    def kernel_with_odd_attr(*args, **attrs):
        seen.update(attrs)
        return kernel(*args, **{k: v for k, v in attrs.items() if k != "odd-name"})

    step.kernel = kernel_with_odd_attr
    step.attrs = {**step.attrs, "odd-name": 3}
    value = np.ones((3, 4), np.float32)
    run = build_runner(plan, 1)
    np.testing.assert_array_equal(run([value], ResourceStore())[0],
                                  plan.run([value], ResourceStore())[0])
    assert seen["odd-name"] == 3 and "**a" in run.source


def test_tracing_pauses_the_collector_and_restores_it():
    during = []

    @tf.function
    def f(x):
        during.append(gc.isenabled())
        return x * 2.0 + 1.0

    assert gc.isenabled()
    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [3.0, 5.0]
    assert during == [False] and gc.isenabled()
    gc.disable()  # a program that switched it off itself keeps it off
    try:
        f(tf.constant([[1.0]]))
        assert during == [False, False] and not gc.isenabled()
    finally:
        gc.enable()


def test_a_failing_trace_restores_the_collector():
    @tf.function
    def bad(x):
        raise ValueError("no")

    try:
        bad(tf.constant(1.0))
    except ValueError:
        pass
    assert gc.isenabled()
