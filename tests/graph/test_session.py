"""Session.run: fetch structures, feeds, errors, default sessions, session-owned state."""

import collections

import numpy as np
import pytest

import tfedu as tf

tf1 = tf.compat.v1


@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(2.0)
        b = tf.constant(3.0)
        c = a + b
    return g, a, b, c


def test_run_returns_numpy_values(graph):
    g, a, b, c = graph
    with tf1.Session(graph=g) as sess:
        r = sess.run(c)
        assert type(r) is np.float32 and r == 5.0
        assert sess.run("add:0") == 5.0
        assert sess.run(c.op) is None
        assert sess.run("add") is None


def test_a_scalar_string_fetch_is_bytes_as_in_tensorflow():
    g = tf.Graph()
    with g.as_default():
        words = tf1.placeholder(tf.string, shape=[2])
        last = words[1]
    with tf1.Session(graph=g) as sess:
        r = sess.run(last, feed_dict={words: np.array([b"ab", b"xyz"], dtype=object)})
    assert type(r) is bytes and r == b"xyz"


def test_nested_fetch_structures_keep_their_shape(graph):
    g, a, b, c = graph
    pair = collections.namedtuple("Pair", ["x", "y"])
    with tf1.Session(graph=g) as sess:
        out = sess.run({"sum": c, "pair": (a, [b])})
        assert list(out) == ["sum", "pair"]
        assert out["pair"][0] == 2.0 and out["pair"][1] == [3.0]
        assert isinstance(out["pair"], tuple) and isinstance(out["pair"][1], list)
        p = sess.run(pair(x=a, y=c))
        assert type(p) is pair and p.y == 5.0
        assert sess.run((c, c)) == (5.0, 5.0)


def test_fetch_errors(graph):
    g, a, b, c = graph
    with tf1.Session(graph=g) as sess:
        with pytest.raises(TypeError, match=r'Argument `fetch` = 5 has invalid type "int" must be '
                                            r"a string or Tensor\. \(Can not convert a int"):
            sess.run(5)
        with pytest.raises(ValueError) as info:
            sess.run("nope:0")
        assert str(info.value) == (
            "Argument `fetch` = nope:0 cannot be interpreted as a Tensor. (\"The name 'nope:0' "
            "refers to a Tensor which does not exist. The operation, 'nope', does not exist in "
            "the graph.\")")
    other = tf.Graph()
    with other.as_default():
        d = tf.constant(1.0)
    with tf1.Session(graph=g) as sess, pytest.raises(ValueError, match="not an element of this graph"):
        sess.run(d)


def test_feeds_override_any_tensor_for_one_run(graph):
    g, a, b, c = graph
    with tf1.Session(graph=g) as sess:
        assert sess.run(c, {a: 10.0}) == 13.0
        assert sess.run(c, {"Const:0": 1}) == 4.0
        assert sess.run(c) == 5.0


def test_feed_errors():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape=[None, 3], name="x")
        y = x * 2.0
    with tf1.Session(graph=g) as sess:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(1, 2\) for Tensor "
                                             r"x:0, which has shape \(None, 3\)"):
            sess.run(y, {x: [[1.0, 2.0]]})
        with pytest.raises(TypeError, match="Cannot interpret feed_dict key as Tensor: The name "
                                            "'nope:0' refers to a Tensor which does not exist"):
            sess.run(y, {"nope:0": 1.0})
        with pytest.raises(ValueError, match="could not convert string to float"):
            sess.run(y, {x: [["a", "b", "c"]]})
        np.testing.assert_allclose(sess.run(y, {x: np.ones((2, 3))}), np.full((2, 3), 2.0))


def test_unfed_placeholder_is_a_runtime_error_only_when_needed():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape=[None, 3], name="x")
        r = tf1.placeholder(tf.float64, shape=[], name="r")
        y = tf.reduce_sum(x)
        z = r * 2.0
        k = tf.constant(1.0)
    with tf1.Session(graph=g) as sess:
        assert sess.run(k) == 1.0  # placeholders not needed need no feed
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(y)
        assert ("You must feed a value for placeholder tensor 'x' with dtype float and shape "
                "[?,3]") in info.value.message
        assert "test_session.py" in info.value.message
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(z)
        assert "placeholder tensor 'r' with dtype double\n" in info.value.message


def test_placeholder_with_default():
    g = tf.Graph()
    with g.as_default():
        p = tf1.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[None])
        s = tf.reduce_sum(p)
    assert p.op.type == "PlaceholderWithDefault" and p.shape.as_list() == [None]
    with tf1.Session(graph=g) as sess:
        assert sess.run(s) == 3.0
        assert sess.run(s, {p: [1.0, 1.0, 1.0]}) == 3.0
        assert sess.run(s, {p: [5.0]}) == 5.0


def test_empty_and_closed_sessions():
    g = tf.Graph()
    s = tf1.Session(graph=g)
    with pytest.raises(RuntimeError, match="The Session graph is empty"):
        s.run([])
    with g.as_default():
        c = tf.constant(1)
    assert s.run(c) == 1
    s.close()
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        s.run(c)


def test_default_session_eval_and_run():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(3.0)
        y = v * 2.0
        init = tf1.global_variables_initializer()
        with pytest.raises(ValueError, match="No default session is registered"):
            y.eval()
        with tf1.Session() as sess:
            init.run()
            assert y.eval() == 6.0
            assert tf1.get_default_session() is sess
            assert v.assign(4.0).eval() == 4.0
            assert y.eval(session=sess) == 8.0
            assert v.eval() == 4.0
        assert tf1.get_default_session() is None


def test_interactive_session_is_default_until_closed():
    g = tf.Graph()
    sess = tf1.InteractiveSession(graph=g)
    try:
        c = tf.constant(4.0) * 2.0  # built into g: the session entered it
        assert c.graph is g
        assert c.eval() == 8.0
    finally:
        sess.close()
    assert tf1.get_default_session() is None
    assert tf.executing_eagerly()


def test_each_session_owns_its_variable_values():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0, name="v")
        inc = tf1.assign_add(v, 1.0)
        init = tf1.global_variables_initializer()
    s1, s2 = tf1.Session(graph=g), tf1.Session(graph=g)
    s1.run(init)
    s2.run(init)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0
    s3 = tf1.Session(graph=g)
    with pytest.raises(tf.errors.FailedPreconditionError, match="Could not find variable v"):
        s3.run(v)


def test_shared_subexpressions_run_once_and_results_are_copies():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0])
        inc = v.assign_add([1.0, 1.0])
        init = tf1.global_variables_initializer()
    with tf1.Session(graph=g) as sess:
        sess.run(init)
        a, b = sess.run([inc, inc])
        np.testing.assert_allclose(a, [2.0, 3.0])
        a[0] = 100.0  # mutating a result must not touch the session's state
        np.testing.assert_allclose(sess.run(v), [2.0, 3.0])


def test_make_callable():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [])
        y = x * x
    with tf1.Session(graph=g) as sess:
        f = sess.make_callable(y, [x])
        assert f(3.0) == 9.0


def test_disable_eager_execution_uses_the_global_graph():
    tf1.reset_default_graph()
    tf1.disable_eager_execution()
    try:
        assert not tf.executing_eagerly()
        b = tf.constant(1.0) * 2.0
        assert b.graph is tf1.get_default_graph()
        with tf1.Session() as s:
            assert s.run(b) == 2.0
        tf1.reset_default_graph()
        assert tf1.get_default_graph().get_operations() == []
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()
    assert tf.executing_eagerly()


def test_graph_tensors_used_outside_their_graph():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
    with g2.as_default():
        b = tf.constant(2.0)
    with pytest.raises(ValueError, match=r'Tensor\("Const:0", shape=\(\), dtype=float32\) must be '
                                         r"from the same graph as Tensor\(\"Const:0\""):
        a + b
    c = a * 2.0  # eager code on a graph tensor adds to that tensor's graph, as in TF
    assert c.graph is g1 and tf.executing_eagerly()
    with tf1.Session(graph=g1) as s:
        assert s.run(c) == 2.0


def test_a_new_session_replays_a_graphs_random_draws():
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.set_random_seed(3)
        r = tf.random.uniform([4])
    with tf.compat.v1.Session(graph=g) as s1:
        a1, a2 = s1.run(r), s1.run(r)
    with tf.compat.v1.Session(graph=g) as s2:
        b1 = s2.run(r)
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, b1)


def test_matmul_shape_mismatch_found_at_run_time_uses_tf_message():
    g = tf.Graph()
    with g.as_default():
        a = tf.compat.v1.placeholder(tf.float32, [None, 3])
        b = tf.compat.v1.placeholder(tf.float32, [None, 2])
        c = tf.matmul(a, b)
    with tf.compat.v1.Session(graph=g) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Matrix size-incompatible: In\[0\]: \[2,3\], In\[1\]: \[2,2\]"):
            sess.run(c, {a: np.ones((2, 3)), b: np.ones((2, 2))})
