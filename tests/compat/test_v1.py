"""The tf.compat.v1 namespace: aliases, v1-only arguments, variable scopes, initializers."""

import numpy as np
import pytest

import tfedu as tf
import tfedu.compat.v1 as tf1


def test_namespace_aliases_and_fallback():
    assert tf1.Session is tf.compat.v1.Session
    assert tf1.add is tf.add and tf1.float32 is tf.float32
    assert tf1.Graph is tf.Graph
    with pytest.raises(AttributeError, match="has no attribute 'definitely_missing'"):
        tf1.definitely_missing  # noqa: B018
    assert tf.compat.as_bytes("a") == b"a" and tf.compat.as_text(b"a") == "a"


def test_v1_reduction_arguments():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(tf1.reduce_sum(x, reduction_indices=1), [3.0, 7.0])
    assert tf1.reduce_mean(x, 0, keep_dims=True).shape == (1, 2)
    with pytest.raises(ValueError, match="Cannot specify both 'axis' and 'reduction_indices'"):
        tf1.reduce_max(x, axis=0, reduction_indices=0)
    assert tf1.to_float(tf.constant(3)).dtype == tf.float32
    assert tf1.to_int64(tf.constant(3.7)).numpy() == 3


def test_placeholder_reprs_and_shape_inference():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape=[None, 3], name="x")
        p = tf1.placeholder(tf.float32)
        p2 = tf1.placeholder(tf.int32, shape=[])
    assert repr(x) == "<tf.Tensor 'x:0' shape=(None, 3) dtype=float32>"
    assert repr(p) == "<tf.Tensor 'Placeholder:0' shape=<unknown> dtype=float32>"
    assert str(p) == 'Tensor("Placeholder:0", dtype=float32)'
    assert repr(p2) == "<tf.Tensor 'Placeholder_1:0' shape=() dtype=int32>"
    assert x.op.type == "Placeholder" and x.op.get_attr("dtype") == tf.float32


def test_get_variable_and_variable_scope_reuse():
    g = tf.Graph()
    with g.as_default():
        with tf1.variable_scope("scope"):
            s = tf1.get_variable("s", shape=[2], initializer=tf1.zeros_initializer())
        assert s.name == "scope/s:0" and s.shape == (2,)
        with pytest.raises(ValueError) as info:
            with tf1.variable_scope("scope"):
                tf1.get_variable("s", shape=[2])
        assert str(info.value).split("Originally")[0].strip() == (
            "Variable scope/s already exists, disallowed. Did you mean to set reuse=True or "
            "reuse=tf.AUTO_REUSE in VarScope?")
        with tf1.variable_scope("scope", reuse=True):
            assert tf1.get_variable("s") is s
            with pytest.raises(ValueError, match="Variable scope/new does not exist"):
                tf1.get_variable("new", [1])
        with tf1.variable_scope("scope", reuse=tf1.AUTO_REUSE):
            assert tf1.get_variable("s") is s
            assert tf1.get_variable("t", [1]).name == "scope/t:0"
        with tf1.variable_scope("outer"):
            with tf1.variable_scope("inner"):
                v = tf1.get_variable("v", [3, 4])
                assert tf1.get_variable_scope().name == "outer/inner"
        assert v.name == "outer/inner/v:0"
    with tf1.Session(graph=g) as sess:
        sess.run(tf1.global_variables_initializer())
        np.testing.assert_allclose(sess.run(s), [0.0, 0.0])
        vals = sess.run(v)
        limit = np.sqrt(6.0 / (3 + 4))  # glorot uniform
        assert vals.shape == (3, 4) and np.all(np.abs(vals) <= limit) and vals.std() > 0


@pytest.mark.parametrize("init, check", [
    (tf1.ones_initializer(), lambda v: np.all(v == 1.0)),
    (tf1.constant_initializer(7.0), lambda v: np.all(v == 7.0)),
    (tf1.constant_initializer([1, 2, 3, 4, 5, 6]), lambda v: v[1, 2] == 6.0),
    (tf1.random_normal_initializer(0.0, 0.01, seed=1), lambda v: np.abs(v).max() < 0.1),
    (tf1.truncated_normal_initializer(0.0, 1.0, seed=1), lambda v: np.abs(v).max() <= 2.0),
    (tf1.random_uniform_initializer(-1.0, 1.0, seed=2), lambda v: np.abs(v).max() <= 1.0),
    (tf1.glorot_normal_initializer(seed=3), lambda v: v.std() > 0),
])
def test_initializers(init, check):
    g = tf.Graph()
    with g.as_default():
        v = tf1.get_variable("v", [2, 3], initializer=init)
    with tf1.Session(graph=g) as s:
        s.run(v.initializer)
        assert check(s.run(v))


def test_v1_name_scope_none_resets_to_root():
    g = tf.Graph()
    with g.as_default():
        with tf1.name_scope("a"):
            with tf1.name_scope(None):
                c = tf.constant(1.0, name="c")
            with tf1.name_scope("a/"):
                d = tf.constant(1.0, name="d")
            with tf1.name_scope(None, default_name="dflt"):
                e = tf.constant(1.0, name="e")
    assert (c.name, d.name, e.name) == ("c:0", "a/d:0", "a/dflt/e:0")


def test_collections():
    g = tf.Graph()
    with g.as_default():
        tf.Variable(1.0, name="a")
        tf.Variable(2.0, name="b", trainable=False)
        assert [v.name for v in tf1.global_variables()] == ["a:0", "b:0"]
        assert [v.name for v in tf1.trainable_variables()] == ["a:0"]
        tf1.add_to_collection("my", 42)
        tf1.get_collection_ref("my").append(43)
        assert tf1.get_collection("my") == [42, 43]
        assert tf1.GraphKeys.UPDATE_OPS == "update_ops"


def test_finalized_graph_rejects_new_ops():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
    g.finalize()
    with g.as_default(), pytest.raises(RuntimeError, match="Graph is finalized"):
        tf.constant(2.0)


def test_v1_nn_and_logging():
    assert tf1.nn.relu is tf.nn.relu
    x = tf.ones([1000])
    kept = tf1.nn.dropout(x, keep_prob=0.5, seed=1).numpy()
    assert set(np.unique(kept)) <= {0.0, 2.0} and 0.3 < (kept > 0).mean() < 0.7
    with pytest.raises(ValueError, match="exactly one of `keep_prob` or `rate`"):
        tf1.nn.dropout(x)
    np.testing.assert_allclose(tf1.nn.xw_plus_b([[1.0, 2.0]], [[1.0], [1.0]], [0.5]), [[3.5]])
    loss = tf1.nn.softmax_cross_entropy_with_logits_v2(labels=[[0.0, 1.0]], logits=[[0.0, 0.0]])
    np.testing.assert_allclose(loss, [np.log(2.0)], rtol=1e-6)
    before = tf1.logging.get_logger().level
    try:
        tf1.logging.set_verbosity(tf1.logging.ERROR)
        assert tf1.logging.get_verbosity() == tf1.logging.ERROR
    finally:
        tf1.logging.get_logger().setLevel(before)
    assert "Session" in dir(tf1) and "reduce_sum" in dir(tf1)
