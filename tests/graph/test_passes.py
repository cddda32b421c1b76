"""Plan optimisation passes: constant folding and common-subexpression elimination."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import ALL, register_op
from tfedu.graph.plan import compile_plan
from tfedu.ops.op_helpers import unary_infer

tf1 = tf.compat.v1


def _failing_kernel(x):
    raise OpCheckError("this kernel always fails")


FAILING = register_op("TestAlwaysFails", inputs=("x: T",), outputs=("y: T",),
                      type_attrs={"T": ALL}, infer=unary_infer, kernel=_failing_kernel)


def _graph():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        c = tf.constant([[1.0, 2.0]]) * 3.0 + 1.0
        y = tf.reduce_sum(x * c) + tf.reduce_sum(x * c)
    return g, x, c, y


def test_folding_and_cse_keep_results_and_report_what_they_did():
    g, x, c, y = _graph()
    plain = compile_plan(g, [y, c], [x])
    fast = compile_plan(g, [y, c], [x], optimize=True)
    feed = [np.array([[1.0, 1.0], [2.0, 0.5]], np.float32)]
    for a, b in zip(plain.run(feed), fast.run(feed)):
        np.testing.assert_allclose(a, b)
    assert len(fast.steps) < len(plain.steps)
    report = dict(fast.report)
    assert report["constant_folding"].startswith("folded 2 op(s) into constants: mul, add")
    assert report["common_subexpression_elimination"].startswith("merged 2 repeated op(s)")
    text = fast.explain()
    assert "constant_folding" in text and "Sum (Sum)" in text and "Sum_1 (Sum)" not in text


def test_stateful_ops_are_never_folded_or_merged():
    g = tf.Graph()
    with g.as_default():
        r1 = tf.random.uniform([3])
        r2 = tf.random.uniform([3])
        v = tf.Variable(1.0)
        twice = v.read_value() + v.read_value()
    with tf1.Session(graph=g) as s:
        s.run(v.initializer)
        a, b = s.run([r1, r2])
        assert not np.allclose(a, b)
        assert not np.allclose(s.run(r1), s.run(r1))
        assert s.run(twice) == 2.0
        s.run(v.assign(5.0))
        assert s.run(twice) == 10.0


def test_fed_tensors_are_not_folded():
    g = tf.Graph()
    with g.as_default():
        p = tf1.placeholder_with_default(tf.constant(2.0), shape=[])
        y = p * 10.0
    with tf1.Session(graph=g) as s:
        assert s.run(y) == 20.0
        assert s.run(y, {p: 3.0}) == 30.0
        assert s.run(y) == 20.0


def test_folding_errors_are_reported_at_run_time():
    g = tf.Graph()
    with g.as_default():
        bad = execute(FAILING, [tf.constant(1.0)], name="bad")
    plan = compile_plan(g, [bad], [], optimize=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="this kernel always fails"):
        plan.run([])


def test_explain_says_how_matrix_products_run_on_this_machine():
    from tfedu.kernels import blas

    @tf.function
    def f(x):
        return tf.matmul(x, x)

    @tf.function
    def g(x):
        return x + 1.0

    text = f.get_concrete_function(tf.ones([4, 4])).explain()
    assert text.splitlines()[-1] == f"  kernels: {blas.describe()}"
    assert blas.describe().startswith("matrix products run on ")
    assert "kernels:" not in g.get_concrete_function(tf.ones([4, 4])).explain()
