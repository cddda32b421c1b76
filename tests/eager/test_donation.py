"""Buffer donation: `a * b + c` writes the sum into the product's buffer (a temporary nothing
else holds), and never into a buffer anyone can still see."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.framework import execute as ex

N = 1 << 17  # 512 KiB of float32: above DONATE_MIN_BYTES


@pytest.fixture
def donations(monkeypatch):
    seen = []
    real = ex._donated_buffer

    def spy(t, x, y, raw):
        out = real(t, x, y, raw)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(ex, "_donated_buffer", spy)
    return seen


def _abc():
    rng = np.random.default_rng(0)
    host = [rng.standard_normal(N).astype(np.float32) for _ in range(3)]
    return host, [tf.constant(h) for h in host]


def test_a_temporary_takes_the_result(donations):
    (a, b, c), (ta, tb, tc) = _abc()
    r = ta * tb + tc
    np.testing.assert_array_equal(r.numpy(), a * b + c)  # bit for bit
    assert donations == [False, True]
    r = tc + ta * tb  # the right operand is the temporary
    np.testing.assert_array_equal(r.numpy(), c + a * b)


def test_named_tensors_and_shared_buffers_are_never_written(donations):
    (a, b, c), (ta, tb, tc) = _abc()
    t = ta * tb
    r = t + tc
    np.testing.assert_array_equal(t.numpy(), a * b)
    np.testing.assert_array_equal(r.numpy(), a * b + c)
    v = tf.Variable(a)
    r = v.value() + tc  # the read shares the variable's buffer
    np.testing.assert_array_equal(v.numpy(), a)
    r = tf.reshape(ta, [N]) + tc  # a view of ta's buffer
    np.testing.assert_array_equal(ta.numpy(), a)
    small = tf.constant([1.0, 2.0])
    r = small * small + small
    np.testing.assert_array_equal(r.numpy(), [2.0, 6.0])
    assert not any(donations)


def test_no_donation_while_a_tape_records(donations):
    (a, b, c), (ta, tb, tc) = _abc()
    with tf.GradientTape() as tape:
        tape.watch(ta)
        y = tf.reduce_sum(ta * ta * tb + tc)
    np.testing.assert_allclose(tape.gradient(y, ta).numpy(), 2 * a * b, rtol=1e-6)
    assert not any(donations)


def test_variable_updates_in_place_only_when_no_read_is_alive():
    v = tf.Variable(np.ones(4, np.float32))
    buf = id(v._value)
    v.assign_sub(tf.constant(np.full(4, 0.5, np.float32)))
    assert id(v._value) == buf  # nothing else held the buffer: updated in place
    read, as_numpy = v.value(), v.numpy()
    v.assign_add(tf.constant(np.full(4, 2.0, np.float32)))
    np.testing.assert_array_equal(read.numpy(), 0.5)  # earlier reads never change
    np.testing.assert_array_equal(as_numpy, 0.5)
    np.testing.assert_array_equal(v.numpy(), 2.5)
    with tf.GradientTape() as tape:  # after the gradient the tape lets go of its reads
        loss = tf.reduce_sum(v * v)
    (g,) = tape.gradient(loss, [v])
    buf = id(v._value)
    v.assign_sub(0.1 * g)
    assert id(v._value) == buf
    np.testing.assert_allclose(v.numpy(), 2.5 - 0.1 * 5.0, rtol=1e-6)


def test_graph_assign_ops_update_in_place_only_when_no_read_is_alive():
    """tf.function and Session.run: AssignAdd/AssignSubVariableOp write into the variable's
    buffer when nothing holds it; a read taken before the update keeps its values."""
    v = tf.Variable(np.ones(4, np.float32))

    @tf.function
    def step(g):
        v.assign_sub(0.5 * g)

    @tf.function
    def read_then_add(g):
        before = v.read_value()
        v.assign_add(g)
        return before

    buf = id(v._value)
    step(tf.ones(4))
    assert id(v._value) == buf
    np.testing.assert_array_equal(v.numpy(), 0.5)
    before = read_then_add(tf.fill([4], 2.0))
    np.testing.assert_array_equal(before.numpy(), 0.5)  # the read was not overwritten
    np.testing.assert_array_equal(v.numpy(), 2.5)
    g = tf.Graph()
    with g.as_default():
        w = tf.compat.v1.Variable(np.ones(3, np.float32), use_resource=True)
        x = w.read_value()
        with tf.control_dependencies([x]):
            upd = w.assign_add(np.full(3, 1.0, np.float32), read_value=False)
        init = tf.compat.v1.global_variables_initializer()
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        got, _ = sess.run([x, upd])
        np.testing.assert_array_equal(got, 1.0)
        np.testing.assert_array_equal(sess.run(w.read_value()), 2.0)
        sess.run(upd)
        np.testing.assert_array_equal(sess.run(w.read_value()), 3.0)
