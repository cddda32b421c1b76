"""tf.cond, tf.case, tf.switch_case, tf.while_loop, tf.TensorArray and tf.print."""

import sys

import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import check_gradients


def test_cond_eager_runs_only_the_taken_branch():
    calls = []

    def t():
        calls.append("t")
        return tf.constant(1)

    def f():
        calls.append("f")
        return tf.constant(2)

    assert int(tf.cond(tf.constant(True), t, f)) == 1
    assert calls == ["t"]


def test_cond_in_graph_static_shapes_and_op():
    with tf.Graph().as_default() as g:
        x = tf.constant([1.0, 2.0])
        y = tf.cond(tf.constant(True), lambda: x * 2.0, lambda: x)
        assert y.shape.as_list() == [2]
        assert y.dtype == tf.float32
        assert "StatelessIf" in [op.type for op in g.get_operations()]


def test_cond_structure_and_dtype_errors():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: (x, x), lambda: x)

    with pytest.raises(ValueError, match="must have the same number, type, and overall "
                                         "structure"):
        f(tf.constant(1))


def test_cond_in_function_with_nested_outputs():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: {"a": x, "b": x * 2}, lambda: {"a": -x, "b": x})

    out = f(tf.constant(3))
    assert int(out["a"]) == 3 and int(out["b"]) == 6
    out = f(tf.constant(-3))
    assert int(out["a"]) == 3 and int(out["b"]) == -3


def test_case_and_switch_case():
    @tf.function
    def f(i):
        return tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20)],
                              default=lambda: tf.constant(-1))

    assert [int(f(tf.constant(k))) for k in (0, 1, 5)] == [10, 20, -1]

    @tf.function
    def g(x):
        return tf.case([(x < 0, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))],
                       default=lambda: tf.constant(0))

    assert [int(g(tf.constant(k))) for k in (-3, 0, 3)] == [-1, 0, 1]
    assert int(tf.switch_case(1, [lambda: tf.constant(5), lambda: tf.constant(6)])) == 6


def test_while_loop_eager_and_graph():
    out = tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i),
                        [tf.constant(0), tf.constant(0)])
    assert [int(o) for o in out] == [4, 6]

    @tf.function
    def f(n):
        return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i),
                             [tf.constant(0), tf.constant(0)])

    assert [int(o) for o in f(tf.constant(5))] == [5, 10]
    types = [op.type for op in f.get_concrete_function(tf.constant(1)).graph.get_operations()]
    assert "StatelessWhile" in types


def test_while_loop_maximum_iterations_and_shape_invariants():
    @tf.function
    def f(n):
        return tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0)],
                             maximum_iterations=3)

    assert int(f(tf.constant(10))[0]) == 3

    @tf.function
    def grow(n):
        def body(i, v):
            return i + 1, tf.stack([v[0], v[0]]) if False else tf.ones([i + 2])
        return tf.while_loop(lambda i, v: i < n, body, [tf.constant(0), tf.ones([1])],
                             shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])

    i, v = grow(tf.constant(3))
    assert int(i) == 3 and v.shape == (4,)

    @tf.function
    def bad(n):
        return tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, tf.ones([2])),
                             [tf.constant(0), tf.ones([1])])

    with pytest.raises(ValueError, match="enters the loop with shape \\(1,\\), but has shape "
                                         "\\(2,\\) after one iteration"):
        bad(tf.constant(2))


def test_gradients_through_cond_and_while_in_function():
    @tf.function
    def c(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * x, lambda: tf.sin(x) if hasattr(
            tf, "sin") else -x * 3.0)

    check_gradients(c, np.array([0.5, 1.5]))
    check_gradients(c, np.array([-0.5, -1.5]))

    @tf.function
    def w(x):
        _, acc = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x + 1.0),
                               [tf.constant(0), tf.ones_like(x)])
        return acc

    check_gradients(w, np.array([0.7, -1.2]))


def test_gradients_of_variables_read_in_branches_and_loops():
    v = tf.Variable(2.0)

    @tf.function
    def f(x):
        y = tf.cond(x > 0, lambda: x * v, lambda: x)
        _, z = tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * v),
                             [tf.constant(0), y])
        return z

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = f(x)
    gx, gv = tape.gradient(z, [x, v])
    assert float(z) == 24.0  # 3 * 2 * 2 * 2
    assert float(gx) == 8.0 and float(gv) == 36.0  # d(x v^3)/dv = 3 x v^2


def test_tensorarray_eager_and_in_loops():
    ta = tf.TensorArray(tf.float32, size=2)
    ta = ta.write(0, 1.0).write(1, 2.0)
    np.testing.assert_array_equal(ta.stack().numpy(), [1.0, 2.0])
    assert float(ta.read(1)) == 2.0

    @tf.function
    def squares(n):
        ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
        for i in tf.range(n):
            ta = ta.write(i, i * i)
        return ta.stack()

    np.testing.assert_array_equal(squares(tf.constant(4)).numpy(), [0, 1, 4, 9])
    assert squares(tf.constant(0)).shape == (0,)

    @tf.function
    def rev(x):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True).unstack(x)
        n = ta.size()
        out = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(n):
            out = out.write(i, ta.read(n - 1 - i))
        return out.stack()

    np.testing.assert_array_equal(rev(tf.constant([1.0, 2.0, 3.0])).numpy(), [3.0, 2.0, 1.0])


def test_print_formats(capsys):
    tf.print("scalar", tf.constant(2.5), output_stream=sys.stdout)
    tf.print(tf.constant([[1.0, 2.0], [3.0, 4.0]]), output_stream=sys.stdout)
    tf.print("a", "b", sep="|", end="!\n", output_stream=sys.stdout)
    tf.print(tf.constant(["x", "y"]), output_stream=sys.stdout)
    tf.print({"k": tf.constant(1)}, output_stream=sys.stdout)
    tf.print(tf.range(10), output_stream=sys.stdout)
    assert capsys.readouterr().out == ('scalar 2.5\n[[1 2]\n [3 4]]\na|b!\n["x" "y"]\n'
                                       "{'k': 1}\n[0 1 2 ... 7 8 9]\n")
    tf.print("to stderr")
    assert capsys.readouterr().err == "to stderr\n"


def test_print_in_function_runs_every_call(capsys):
    @tf.function
    def f(x):
        tf.print("x =", x, output_stream=sys.stdout)
        return x

    f(tf.constant(1)), f(tf.constant(2))
    assert capsys.readouterr().out == "x = 1\nx = 2\n"


def test_control_flow_in_v1_graphs_runs_in_sessions():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32)
        z = tf.cond(x > 0, lambda: x * 2.0, lambda: -x)
        i, s = tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + x), [0, 0.0])
        (gx,) = tf.gradients(z, [x])
        with tf.compat.v1.Session() as sess:
            out = sess.run([z, i, s, gx], {x: 3.0})
    assert [float(o) for o in out] == [6.0, 4.0, 12.0, 2.0]


def test_callable_checks():
    with pytest.raises(TypeError, match="'true_fn' must be callable."):
        tf.cond(tf.constant(True), 1, lambda: 2)
    with pytest.raises(TypeError, match="'body' must be callable."):
        tf.while_loop(lambda i: i < 1, 3, [0])


def test_tensor_array_stack_of_nothing_needs_a_full_element_shape():
    """TensorFlow's TensorListStack: zero elements stack to [0, *shape] only when the shape is
    fully known (the element-shape input), else InvalidArgumentError in TF's words."""
    full = tf.function(lambda n: tf.TensorArray(tf.float32, size=n, element_shape=[3, 4]).stack())
    assert full(tf.constant(0)).shape == (0, 3, 4)
    part = tf.function(lambda n: tf.TensorArray(tf.float32, size=n,
                                                element_shape=[None, 4]).stack())
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Tried to stack elements of an empty list with non-fully-defined "
                             r"element_shape: \[\?,4\]"):
        part(tf.constant(0))
