"""Graph variables: ops they add, initialization, assign ops, control dependencies, ref flavour."""

import numpy as np
import pytest

import tfedu as tf

tf1 = tf.compat.v1


def test_variable_builds_handle_initializer_and_read_ops():
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[1.0], [2.0]], name="w")
    assert repr(w) == "<tf.Variable 'w:0' shape=(2, 1) dtype=float32>"
    assert isinstance(w, tf.Variable)
    assert w.op.type == "VarHandleOp" and w.op.name == "w"
    assert w.initializer.name == "w/Assign" and w.initializer.type == "AssignVariableOp"
    assert [op.name for op in g.get_operations()] == [
        "w/Initializer/initial_value", "w", "w/Assign", "w/Read/ReadVariableOp"]
    assert g.get_collection("variables") == [w] and g.get_collection("trainable_variables") == [w]


def test_uninitialized_read_and_initializers():
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([[1.0], [2.0]], name="w")
        b = tf.Variable(0.5, name="b", trainable=False)
        y = tf.matmul([[3.0, 4.0]], w) + b
        init = tf1.global_variables_initializer()
        report = tf1.report_uninitialized_variables()
        only_w = tf1.variables_initializer([w])
    assert repr(init) == "<tf.Operation 'init' type=NoOp>"
    assert g.get_collection("trainable_variables") == [w]
    with tf1.Session(graph=g) as sess:
        with pytest.raises(tf.errors.FailedPreconditionError) as info:
            sess.run(y)
        assert info.value.error_code == 9 and "uninitialized" in info.value.message
        assert repr(sess.run(report)) == "array([b'w', b'b'], dtype=object)"
        sess.run(only_w)
        assert sess.run(report).tolist() == [b"b"]
        assert sess.run(init) is None
        np.testing.assert_allclose(sess.run(y), [[11.5]])
        assert repr(sess.run(b)) == "np.float32(0.5)"
        assert sess.run(report).shape == (0,)


def test_assign_ops_take_effect_only_when_run():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0, name="v")
        set5 = v.assign(5.0)
        inc = tf1.assign_add(v, 1.0)
        dec = tf1.assign_sub(v, 2.0)
        init = tf1.global_variables_initializer()
    with tf1.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(v) == 1.0
        assert sess.run(set5) == 5.0
        assert (sess.run(inc), sess.run(inc)) == (6.0, 7.0)
        assert sess.run(dec) == 5.0
        assert sess.run(v) == 5.0


def test_assign_shape_mismatch_is_a_runtime_error():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0])
        x = tf1.placeholder(tf.float32, [None])
        bad = v.assign(x)
    with tf1.Session(graph=g) as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match="wrong shape"):
            sess.run(bad, {x: [1.0, 2.0, 3.0]})


def test_reads_inside_control_dependencies_wait_for_them():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(0.0)
        inc = v.assign_add(1.0)
        with tf.control_dependencies([inc]):
            out = tf.identity(v.read_value()) * 10.0
        plain = v.read_value() * 10.0
        grouped = tf.group(inc, name="step")
    assert repr(grouped) == "<tf.Operation 'step' type=NoOp>"
    with tf1.Session(graph=g) as s:
        s.run(v.initializer)
        assert s.run(plain) == 0.0
        assert s.run(out) == 10.0
        assert s.run(out) == 20.0
        assert s.run(grouped) is None
        assert s.run(plain) == 30.0


def test_variable_from_callable_and_dtype():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(lambda: tf.ones([2]), dtype=tf.float32, name="f")
        i = tf.Variable(3, dtype=tf.int64)
    assert v.shape.as_list() == [2] and i.dtype == tf.int64
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        assert s.run(i) == 3 and s.run(i).dtype == np.int64


def test_variable_load_sets_the_session_value():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0])
    with tf1.Session(graph=g) as s:
        v.load([5.0, 6.0], s)
        np.testing.assert_allclose(s.run(v), [5.0, 6.0])


def test_ref_variables_after_disable_v2_behavior():
    g = tf.Graph()
    tf1.disable_v2_behavior()
    try:
        with g.as_default():
            v = tf1.Variable(1.0, name="v")
            r = tf.Variable(1.0, name="r")
    finally:
        tf1.enable_v2_behavior()
    assert repr(v) == "<tf.Variable 'v:0' shape=() dtype=float32_ref>"
    assert v.op.type == "VariableV2" and repr(r).endswith("dtype=float32>")
    assert g.get_operation_by_name("v/read").type == "ReadVariableOp"
    with tf1.Session(graph=g) as s:
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value v"):
            s.run(v)
    assert tf.executing_eagerly()


def test_v1_variable_is_eager_outside_graphs():
    v = tf1.Variable(2.0, collections=["x"])
    assert v.numpy() == 2.0


def test_is_variable_initialized():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0)
        ok = tf1.is_variable_initialized(v)
    with tf1.Session(graph=g) as s:
        assert not s.run(ok)
        s.run(v.initializer)
        assert s.run(ok)
