"""Symbolic tf.gradients: names, None for unconnected, stop_gradient, grad_ys, agreement
with the eager tape and with finite differences."""

import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import numeric_gradient

tf1 = tf.compat.v1


def _graph_grads(fn, arrays):
    """d(sum(fn(xs) * w))/dxs computed by tf.gradients in a graph, run in a Session."""
    g = tf.Graph()
    rng = np.random.default_rng(0)
    with g.as_default():
        xs = [tf1.placeholder(tf.float64, a.shape) for a in arrays]
        y = fn(*xs)
        w = rng.normal(size=tuple(y.shape.as_list()))
        loss = tf.reduce_sum(y * w)
        grads = tf.gradients(loss, xs)
    sess = tf1.Session(graph=g)
    vals = sess.run(grads, dict(zip(xs, arrays)))

    def f(*a):
        return float(sess.run(loss, dict(zip(xs, a))))

    return vals, f


@pytest.mark.parametrize("fn, b_shape", [
    (lambda a, b: tf.matmul(a, b), (3, 3)),
    (lambda a, b: tf.tanh(a) @ tf.square(b), (3, 3)),
    (lambda a, b: tf.reduce_mean(a * 3.0, axis=1, keepdims=True) - tf.sigmoid(a) / (b ** 2 + 1.0),
     (1, 3)),
], ids=["matmul", "tanh_square", "mean_broadcast"])
def test_graph_gradients_match_finite_differences(fn, b_shape):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=b_shape)
    vals, f = _graph_grads(fn, [a, b])
    num = numeric_gradient(f, [a.copy(), b.copy()])
    for got, want in zip(vals, num):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_gradients_match_eager_tape():
    x0 = np.array([[0.5, -1.0], [2.0, 0.1]], np.float32)
    xe = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(xe)
        ye = tf.reduce_sum(tf.exp(xe) * xe)
    want = tape.gradient(ye, xe).numpy()
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [2, 2])
        y = tf.reduce_sum(tf.exp(x) * x)
        (gx,) = tf.gradients(y, x)
    with tf1.Session(graph=g) as s:
        np.testing.assert_allclose(s.run(gx, {x: x0}), want, rtol=1e-6)


def test_names_none_stop_gradient_and_grad_ys():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape=[], name="x")
        y = x * x
        c = tf.constant(1.0)
        grads = tf.gradients(y, [x, c])
        g2 = tf.gradients(y, x)
        z = tf.stop_gradient(y) + x
        gz = tf.gradients(z, x)
        seeded = tf.gradients(y, x, grad_ys=tf.constant(2.0))
        two = tf.gradients([y, 3.0 * x], x)
    assert grads[1] is None
    assert grads[0].name.startswith("gradients/") and g2[0].name.startswith("gradients_1/")
    assert any(op.name.startswith("gradients/mul_grad/") for op in g.get_operations())
    with tf1.Session(graph=g) as sess:
        assert sess.run(grads[0], {x: 3.0}) == 6.0
        assert sess.run(gz, {x: 3.0}) == [1.0]
        assert sess.run(seeded, {x: 3.0}) == [12.0]
        assert sess.run(two, {x: 3.0}) == [9.0]


def test_gradients_to_variables_and_unconnected_zero():
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[2.0], [3.0]])
        u = tf.Variable(1.0)
        x = tf.constant([[1.0, 1.0]])
        loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
        gw, gu = tf.gradients(loss, [w, u])
        (gu0,) = tf.gradients(loss, [u], unconnected_gradients="zero")
    assert gu is None
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        np.testing.assert_allclose(s.run(gw), [[10.0], [10.0]])
        assert s.run(gu0) == 0.0


def test_gradients_is_graph_only():
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager execution "
                                           "is enabled. Use tf.GradientTape instead."):
        tf.gradients(tf.constant(1.0), tf.constant(2.0))
    with pytest.raises(RuntimeError, match=r"tf.placeholder\(\) is not compatible with eager"):
        tf1.placeholder(tf.float32)
