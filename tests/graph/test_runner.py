"""The generated runner of plans: attributes bound as keywords, and tracing/compiling with
the garbage collector paused (and restored as it was)."""

import gc

import numpy as np
import pytest

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

    with pytest.raises(ValueError):
        bad(tf.constant(1.0))
    assert gc.isenabled()


def _shape_ops(x):
    a = tf.reshape(x, [-1, 6])                      # -1 worked out from the static shape
    b = tf.transpose(tf.reshape(a, [2, 2, 6]), [2, 0, 1])
    c = tf.expand_dims(b, -1)
    d = tf.reshape(tf.transpose(x), [4, 6])         # a non-contiguous input
    e = tf.reshape(x[:, ::2], [2, 6])               # a strided slice
    z = tf.reshape(tf.zeros([0, 3]), [-1, 3])       # zero-size dims
    return a, b, c, d, e, z


def test_static_args_give_the_kernels_arrays_and_explain_says_so():
    from tfedu.graph.passes import set_pass_options

    x = tf.constant(np.arange(24, dtype=np.float32).reshape(6, 4))
    outs = {}
    for on in (True, False):
        set_pass_options({"static_args": on})
        try:
            f = tf.function(_shape_ops)
            outs[on] = [t.numpy() for t in f(x)]
            text = f.get_concrete_function(x).explain()
        finally:
            set_pass_options({"static_args": True})
        assert ("worked out once" in text) is on
    for a, b in zip(outs[True], outs[False]):
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
        assert a.flags.c_contiguous == b.flags.c_contiguous
    assert outs[True][2].shape == (6, 2, 2, 1) and outs[True][5].shape == (0, 3)


def test_a_static_reshape_that_does_not_fit_raises_the_kernels_error():
    f = tf.function(lambda x: tf.reshape(x, [4]) * 2.0,
                    input_signature=[tf.TensorSpec([None], tf.float32)])
    assert f(tf.constant([1.0, 2.0, 3.0, 4.0])).numpy().tolist() == [2.0, 4.0, 6.0, 8.0]
    assert "worked out once" in f.get_concrete_function().explain()
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        f(tf.constant([1.0, 2.0, 3.0]))
    assert "Input to reshape is a tensor with 3 values, but the requested shape has 4" \
        in str(info.value) and "Reshape" in str(info.value)
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [None])
        y = tf.reshape(p, [2, 2])
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(y, {p: np.arange(4, dtype=np.float32)}).tolist() == [[0, 1], [2, 3]]
        with pytest.raises(tf.errors.InvalidArgumentError, match="tensor with 5 values"):
            sess.run(y, {p: np.arange(5, dtype=np.float32)})


def test_a_fed_permutation_is_left_to_the_kernel():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
        perm = tf.compat.v1.placeholder(tf.int32, [2])
        y = tf.transpose(x, perm)
    plan = compile_plan(g, [y], [perm], optimize=True)
    assert all(getattr(s, "static", None) is None for s in plan.steps)
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(y, {perm: [1, 0]}).shape == (3, 2)
