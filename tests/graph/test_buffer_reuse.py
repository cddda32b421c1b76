"""The buffer_reuse pass: ufuncs called directly, results written into dead inputs' buffers,
bit-identical to the plain run, never over a value something else still holds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tfedu as tf
from tests.graph.test_passes_property import (
    ALL_OPS,
    EXACT,
    INEXACT,
    LEAF_SHAPES,
    OUT,
    UNARY,
    _arrays,
)
from tfedu.framework import errors
from tfedu.graph.passes import set_pass_options
from tfedu.graph.plan import compile_plan


@pytest.fixture
def plain_chains():
    """scalar_chains off, so chains reach buffer_reuse step by step."""
    set_pass_options({"scalar_chains": False})
    yield
    set_pass_options({"scalar_chains": True})


def _both(fn, *args):
    """fn's results with buffer_reuse on and off (each a fresh tf.function)."""
    outs = []
    for on in (True, False):
        set_pass_options({"buffer_reuse": on})
        try:
            outs.append(tf.nest.map_structure(lambda t: t.numpy(), tf.function(fn)(*args)))
        finally:
            set_pass_options({"buffer_reuse": True})
    return outs


def _mixed(x, y):
    a = tf.maximum(x * 1.5 - y, -0.25)
    b = tf.floor(-tf.abs(a) + 0.5) * y
    c = tf.identity(tf.tanh(b) + a) / (tf.square(y) + 1.0)
    d = tf.reshape(c, [-1]) * 3.0 + tf.reshape(a, [-1])  # a is read through a view
    return tf.minimum(d, 2.0) - tf.exp(-tf.reshape(c, [-1])), c[0, :]


def test_results_are_bit_identical_with_and_without_the_pass(plain_chains):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(3, 5)).astype(np.float32))
    y = tf.constant(rng.normal(size=(3, 5)).astype(np.float32))
    on, off = _both(_mixed, x, y)
    for a, b in zip(on, off):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    eager = _mixed(x, y)
    np.testing.assert_array_equal(on[0], eager[0].numpy())


def test_chain_runs_in_place_and_explain_says_so(plain_chains):
    def chain(x):
        for i in range(20):
            x = x * 0.999 if i % 2 else x + 0.001
        return x

    x = tf.constant(np.linspace(0, 1, 100, dtype=np.float32))
    f = tf.function(chain)
    f(x)
    text = f.get_concrete_function(x).explain()
    assert "buffer_reuse: 20 elementwise step(s) call their NumPy ufunc directly, 19 of them" \
        in text
    assert "np.multiply into input 0's buffer" in text
    on, off = _both(chain, x)
    assert np.array_equal(on, off)


def test_feeds_constants_fetched_and_assigned_values_are_never_written_over(plain_chains):
    v = tf.Variable(np.zeros(4, np.float32))

    @tf.function
    def f(x):
        y = x + 1.0  # fetched, and read again below
        v.assign(y * 2.0)  # the variable keeps this array
        z = (y * 2.0) * 10.0
        return y, z + 1.0, -z

    data = np.arange(4, dtype=np.float32)
    x = tf.constant(data)
    for _ in range(2):  # a second call must not see the first one's buffers
        y, z1, z2 = f(x)
        np.testing.assert_array_equal(x.numpy(), data)
        np.testing.assert_array_equal(y.numpy(), data + 1)
        np.testing.assert_array_equal(v.numpy(), (data + 1) * 2)
        np.testing.assert_array_equal(z1.numpy(), (data + 1) * 20 + 1)
        np.testing.assert_array_equal(z2.numpy(), -(data + 1) * 20)


def test_calls_with_other_shapes_run_the_plain_plan_and_errors_name_the_node(plain_chains):
    f = tf.function(lambda x, y: (x + y) * 2.0 - 1.0)
    cf = f.get_concrete_function(tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 2.0, 3.0]))
    out = cf(tf.constant([[1.0], [2.0]]), tf.constant([1.0, 2.0, 3.0]))  # broadcasts
    np.testing.assert_array_equal(out.numpy(), (np.array([[1.0], [2.0]]) + [1, 2, 3]) * 2 - 1)
    with pytest.raises(errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"
                       r"(.|\n)*node add"):
        cf(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))
    g = tf.function(lambda x, y: x - y, input_signature=[tf.TensorSpec([None], tf.float32)] * 2)
    with pytest.raises(errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        g(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))


def test_session_run_reuses_buffers_with_the_same_results(plain_chains):
    g = tf.Graph()
    with g.as_default():
        ph = tf.compat.v1.placeholder(tf.float32, [8])
        y = tf.maximum(ph * 2.0 - 1.0, 0.0) + ph
    data = np.linspace(-1, 1, 8, dtype=np.float32)
    with tf.compat.v1.Session(graph=g) as sess:
        got = sess.run(y, {ph: data})
        again = sess.run(y, {ph: data})
    np.testing.assert_array_equal(data, np.linspace(-1, 1, 8, dtype=np.float32))
    want = np.maximum(data * np.float32(2) - np.float32(1), 0) + data
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(again, want)


DIRECT = ["add", "sub", "mul", "max", "min", "neg", "abs"]  # the ops that call a ufunc
chains = st.fixed_dictionaries({
    "leaves": st.lists(st.sampled_from(range(len(LEAF_SHAPES))), min_size=1, max_size=3),
    "ops": st.lists(st.tuples(st.sampled_from(DIRECT * 3 + ALL_OPS), st.integers(0, 3),
                              st.integers(0, 50)), min_size=3, max_size=12),
    "dtype": st.sampled_from([np.float32, np.float64]),
    "seed": st.integers(0, 2**31 - 1),
    "transposed": st.booleans(),
})


def _build_chain(spec):
    """Mostly chains (an op reads the last node, or one just before), so buffers get reused;
    every fourth node is also fetched."""
    g = tf.Graph()
    dt = tf.as_dtype(spec["dtype"])
    with g.as_default():
        feeds = [tf.compat.v1.placeholder(dt, LEAF_SHAPES[k]) for k in spec["leaves"]]
        nodes = list(feeds) + [tf.constant(0.75, dt), tf.constant(np.full(OUT, 1.5), dt)]
        for name, back, j in spec["ops"]:
            fn, a = EXACT.get(name) or INEXACT[name], nodes[-1 - back % 2 * (len(nodes) > 1)]
            nodes.append(fn(a) if name in UNARY else fn(a, nodes[j % len(nodes)]))
        fetches = nodes[len(feeds) + 2::4] + [tf.identity(nodes[-1])]
    return g, feeds, fetches


@settings(deadline=None, max_examples=40)
@given(chains)
def test_random_elementwise_chains_keep_every_bit(spec):
    g, feeds, fetches = _build_chain(spec)
    arrays = _arrays(spec)
    kept = [a.copy() for a in arrays]
    with np.errstate(all="ignore"):
        plain = compile_plan(g, fetches, feeds).run(arrays)
        for passes in (["buffer_reuse"], ["common_subexpression_elimination", "buffer_reuse"]):
            plan = compile_plan(g, fetches, feeds, passes=passes)
            for got in (plan.run_fast(arrays), plan.run_fast(arrays), plan.run(arrays)):
                for p, a in zip(plain, got):
                    assert a.dtype == p.dtype and a.shape == p.shape
                    np.testing.assert_array_equal(a, p)
    for a, k in zip(arrays, kept):
        np.testing.assert_array_equal(a, k)
