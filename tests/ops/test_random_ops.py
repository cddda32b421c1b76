"""tf.random: shapes, dtypes, ranges, TF's seed rules, stateless ops, Generator, graph mode."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.ops import random_ops


@pytest.fixture(autouse=True)
def _no_global_seed():
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


# ------------------------------------------------------------------------------------------
# Shapes, dtypes, ranges
# ------------------------------------------------------------------------------------------

def test_shapes_dtypes_and_ranges():
    tf.random.set_seed(0)
    a = tf.random.uniform([1000])
    assert (a.shape, a.dtype) == ((1000,), tf.float32)
    assert np.all((a.numpy() >= 0) & (a.numpy() < 1))
    b = tf.random.uniform([2, 500], minval=-3.0, maxval=-1.0, dtype=tf.float64)
    assert b.dtype == tf.float64 and np.all((b.numpy() >= -3) & (b.numpy() < -1))
    i = tf.random.uniform([4000], minval=5, maxval=8, dtype=tf.int64)
    assert i.dtype == tf.int64 and set(np.unique(i.numpy())) == {5, 6, 7}
    n = tf.random.normal([2, 3], dtype=tf.float16)
    assert (n.shape, n.dtype) == ((2, 3), tf.float16)
    big = tf.random.normal([20000], mean=3.0, stddev=2.0).numpy()
    assert abs(big.mean() - 3.0) < 0.1 and abs(big.std() - 2.0) < 0.1
    t = tf.random.truncated_normal([20000], mean=1.0, stddev=0.5).numpy()
    assert np.all(np.abs(t - 1.0) <= 2 * 0.5 + 1e-6)
    assert tf.random.normal([5], mean=3.0, stddev=0.0).numpy().tolist() == [3.0] * 5
    assert tf.random.normal([]).shape == ()
    assert tf.random.uniform(tf.constant([2, 2])).shape == (2, 2)


def test_shuffle_categorical_gamma_poisson():
    tf.random.set_seed(1)
    s = tf.random.shuffle(tf.range(10))
    assert s.dtype == tf.int32 and sorted(s.numpy().tolist()) == list(range(10))
    rows = tf.random.shuffle(tf.constant([[1, 2], [3, 4], [5, 6]])).numpy()
    assert sorted(map(tuple, rows)) == [(1, 2), (3, 4), (5, 6)]
    logits = tf.math.log(tf.constant([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]))
    c = tf.random.categorical(logits, 20000)
    assert (c.shape, c.dtype) == ((2, 20000), tf.int64)
    freq = np.bincount(c.numpy()[0], minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.02)
    assert set(np.unique(c.numpy()[1])) <= {0, 1}  # zero probability never drawn
    assert tf.random.categorical([[0.0, 0.0]], 3, dtype=tf.int32).dtype == tf.int32
    g = tf.random.gamma([1000], alpha=[1.0, 4.0])
    assert g.shape == (1000, 2) and np.all(g.numpy() > 0)
    assert abs(g.numpy()[:, 1].mean() - 4.0) < 0.4
    gb = tf.random.gamma([1000], alpha=2.0, beta=4.0)
    assert abs(gb.numpy().mean() - 0.5) < 0.06
    p = tf.random.poisson([3, 2], lam=[1.0, 10.0])
    assert p.shape == (3, 2, 2) and p.dtype == tf.float32


# ------------------------------------------------------------------------------------------
# Seeds: TF's rules
# ------------------------------------------------------------------------------------------

def test_global_seed_restarts_sequence():
    tf.random.set_seed(42)
    a = tf.random.uniform([100])
    b = tf.random.normal([3])
    tf.random.set_seed(42)
    a2 = tf.random.uniform([100])
    b2 = tf.random.normal([3])
    np.testing.assert_array_equal(a.numpy(), a2.numpy())
    np.testing.assert_array_equal(b.numpy(), b2.numpy())
    a3 = tf.random.uniform([100])
    assert not np.array_equal(a.numpy(), a3.numpy())


def test_op_seed_kernel_continues_until_reseeded():
    tf.random.set_seed(7)
    x1 = tf.random.uniform([4], seed=1)
    x2 = tf.random.uniform([4], seed=1)
    assert not np.array_equal(x1.numpy(), x2.numpy())
    tf.random.set_seed(7)
    np.testing.assert_array_equal(tf.random.uniform([4], seed=1).numpy(), x1.numpy())
    np.testing.assert_array_equal(tf.random.uniform([4], seed=1).numpy(), x2.numpy())


def test_op_seed_alone_is_reproducible_after_reset():
    first = tf.random.normal([3], seed=5).numpy()
    tf.random.set_seed(None)
    np.testing.assert_array_equal(tf.random.normal([3], seed=5).numpy(), first)


def test_get_seed_rule():
    tf.random.set_seed(None)
    assert random_ops.get_seed(None) == (None, None)
    assert random_ops.get_seed(3) == (random_ops.DEFAULT_GRAPH_SEED, 3)
    tf.random.set_seed(10)
    assert random_ops.get_seed(4) == (10, 4)
    import random

    expected = random.Random(10).randint(0, 2**31 - 1)
    assert random_ops.get_seed(None) == (10, expected)
    tf.random.set_seed(0)
    assert random_ops.get_seed(0) == (0, 2**31 - 1)  # (0, 0) would mean "nondeterministic"


def test_no_seed_is_nondeterministic():
    assert not np.array_equal(tf.random.uniform([50]).numpy(), tf.random.uniform([50]).numpy())


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------

def test_errors():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype tf.int32"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval, got 5 >= 5"):
        tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int32)
    with pytest.raises(ValueError, match="Argument `dtype` got invalid value <dtype: .string.>"):
        tf.random.uniform([2], dtype=tf.string)
    with pytest.raises(tf.errors.InvalidArgumentError, match="logits should be a matrix"):
        tf.random.categorical([0.0, 1.0], 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seed must have shape \[2\]"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        tf.random.normal([-1, 2])


def _session_run(build, *feeds):
    """Build with placeholders of unknown shape, run them fed with `feeds` in a Session."""
    with tf.Graph().as_default():
        phs = [tf.compat.v1.placeholder(tf.as_dtype(np.asarray(f).dtype)) for f in feeds]
        out = build(*phs)
        with tf.compat.v1.Session() as sess:
            return sess.run(out, feed_dict=dict(zip(phs, feeds)))


def test_categorical_without_classes_is_refused_in_every_mode():
    # found by the differential fuzzer: TF's kernel refuses 0 classes even for 0 rows/samples
    msg = "num_classes should be positive, got 0"
    for logits, n in (([[]] * 2, 2), (np.zeros((0, 0), np.float32), 0), ([[]] * 2, 0)):
        with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
            tf.random.categorical(tf.constant(logits, tf.float32), n)
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        tf.function(lambda x: tf.random.categorical(x, 1))(tf.zeros([2, 0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        _session_run(lambda x: tf.random.categorical(x, 1), np.zeros((1, 0), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        tf.random.stateless_categorical(tf.zeros([0, 0]), 0, seed=[1, 2])


def test_categorical_num_samples_and_node_as_tf():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="num_samples should be non-negative, got -1"):
        tf.random.categorical(tf.zeros([2, 3]), -1)
    with tf.Graph().as_default():
        assert tf.random.categorical(tf.zeros([2, 3]), 2).op.name == "categorical/Multinomial"
        assert tf.compat.v1.multinomial(tf.zeros([2, 3]), 1).op.name == "multinomial/Multinomial"
        with pytest.raises(ValueError, match="Dimension size, given by scalar input 1, must be "
                           "non-negative but is -1"):
            tf.random.categorical(tf.zeros([2, 3]), -1)
        with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
            tf.random.categorical(tf.zeros([3]), 1)


def test_negative_sizes_fail_when_tf_fails():
    # eager: the kernel refuses; graph: -1 is an unknown size (refused when run), -2 at once
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension -2 must be >= 0"):
        tf.random.uniform([3, -2])
    f = tf.function(lambda: tf.random.uniform([3, -1], minval=1, maxval=4, dtype=tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        f()
    with pytest.raises(ValueError, match="Invalid value in tensor used for shape: -2"):
        tf.function(lambda: tf.random.stateless_uniform([-2], seed=[1, 2]))()
    g = tf.function(lambda: tf.random.uniform([2], minval=3, maxval=1, dtype=tf.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval, got 3 >= 1"):
        g()
    h = tf.function(lambda: tf.random.uniform([0], minval=3, maxval=1, dtype=tf.int64))
    assert h().shape == (0,) and h().dtype == tf.int64
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval, got 3 >= -1"):
        _session_run(lambda s: tf.random.uniform(s, minval=3, maxval=-1, dtype=tf.int32),
                     np.array([2], np.int32))


def test_stateless_uniform_refuses_dtypes_as_tf():
    with pytest.raises(ValueError, match=r"Argument `dtype` got invalid value <dtype: 'bool'>\. "
                       r"Accepted dtypes are \(tf.float16, tf.bfloat16, tf.float32"):
        tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.bool)
    with pytest.raises(ValueError, match="invalid value <dtype: 'uint32'> when argument "
                       "`minval` is not None"):
        tf.random.stateless_uniform([2], seed=[1, 2], minval=1, maxval=3, dtype=tf.uint32)
    with pytest.raises(ValueError, match="got invalid value <dtype: 'complex64'>"):
        tf.function(lambda: tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.complex64))()


# ------------------------------------------------------------------------------------------
# Stateless ops
# ------------------------------------------------------------------------------------------

def test_stateless_ops_are_deterministic():
    for fn in (tf.random.stateless_normal, tf.random.stateless_uniform,
               tf.random.stateless_truncated_normal):
        a = fn([3, 4], seed=[1, 2])
        np.testing.assert_array_equal(a.numpy(), fn([3, 4], seed=[1, 2]).numpy())
        assert not np.array_equal(a.numpy(), fn([3, 4], seed=[1, 3]).numpy())
        assert (a.shape, a.dtype) == ((3, 4), tf.float32)
    t = tf.random.stateless_truncated_normal([5000], seed=[4, 4]).numpy()
    assert np.abs(t).max() <= 2.0
    i = tf.random.stateless_uniform([1000], seed=[1, 2], minval=-2, maxval=3, dtype=tf.int32)
    assert i.dtype == tf.int32 and set(np.unique(i.numpy())) == {-2, -1, 0, 1, 2}
    full = tf.random.stateless_uniform([4], seed=[1, 2], minval=None, maxval=None,
                                       dtype=tf.int64)
    assert full.dtype == tf.int64
    with pytest.raises(ValueError, match="must be both None or not None"):
        tf.random.stateless_uniform([2], seed=[1, 2], maxval=None, dtype=tf.int32)
    c1 = tf.random.stateless_categorical([[0.0, 1.0, 2.0]], 50, seed=[7, 7])
    np.testing.assert_array_equal(c1.numpy(), tf.random.stateless_categorical(
        [[0.0, 1.0, 2.0]], 50, seed=[7, 7]).numpy())
    assert c1.dtype == tf.int64


def test_stateless_ignores_global_seed():
    tf.random.set_seed(1)
    a = tf.random.stateless_normal([3], seed=[5, 6])
    tf.random.set_seed(2)
    np.testing.assert_array_equal(a.numpy(), tf.random.stateless_normal([3], seed=[5, 6]))


# ------------------------------------------------------------------------------------------
# Generator
# ------------------------------------------------------------------------------------------

def test_generator_from_seed_and_reset():
    g = tf.random.Generator.from_seed(1234)
    assert g.state.dtype == tf.int64 and g.state.shape == (3,)
    a = g.normal([3])
    b = g.normal([3])
    assert not np.array_equal(a.numpy(), b.numpy())
    g2 = tf.random.Generator.from_seed(1234)
    np.testing.assert_array_equal(g2.normal([3]).numpy(), a.numpy())
    g.reset_from_seed(1234)
    np.testing.assert_array_equal(g.normal([3]).numpy(), a.numpy())
    u = g.uniform([1000], minval=2.0, maxval=3.0)
    assert np.all((u.numpy() >= 2) & (u.numpy() < 3))
    iu = g.uniform([100], minval=0, maxval=4, dtype=tf.int32)
    assert iu.dtype == tf.int32 and set(np.unique(iu.numpy())) <= {0, 1, 2, 3}
    t = g.truncated_normal([1000], stddev=2.0)
    assert np.abs(t.numpy()).max() <= 4.0
    assert g.make_seeds(3).shape == (2, 3)


def test_generator_state_replay_and_split():
    g = tf.random.Generator.from_seed(5)
    saved = g.state.numpy().copy()
    x = g.uniform([4])
    g.reset(saved)
    np.testing.assert_array_equal(g.uniform([4]).numpy(), x.numpy())
    children = g.split(2)
    assert len(children) == 2
    c0, c1 = (c.normal([5]).numpy() for c in children)
    assert not np.array_equal(c0, c1)
    nd1 = tf.random.Generator.from_non_deterministic_state().normal([4]).numpy()
    nd2 = tf.random.Generator.from_non_deterministic_state().normal([4]).numpy()
    assert not np.array_equal(nd1, nd2)
    assert isinstance(tf.random.get_global_generator(), tf.random.Generator)


# ------------------------------------------------------------------------------------------
# Graph mode: the same ops, drawn when run
# ------------------------------------------------------------------------------------------

def _run(t):
    """Run a graph tensor's producing ops with the kernels (a tiny evaluator for the tests)."""
    from tfedu.framework.execute import run_kernel

    cache = {}

    def value(x):
        op = x.op
        if op not in cache:
            args = []
            structure = getattr(op, "_structure", [-1] * len(op.inputs))
            ins = [value(i) for i in op.inputs]
            pos = 0
            for n in structure:
                if n == -1:
                    args.append(ins[pos])
                    pos += 1
                else:
                    args.append(ins[pos:pos + n])
                    pos += n
            out = run_kernel(op.opdef, args, getattr(op, "_kernel_attrs", op.attrs))
            cache[op] = out if isinstance(out, tuple) else (out,)
        return cache[op][x.value_index]

    return value(t)


def test_graph_ops_are_stateful_and_seeded_by_graph_seed():
    def build():
        g = tf.Graph()
        with g.as_default():
            tf.random.set_seed(3)
            r = tf.random.normal([2, 3], name="r")
            u = tf.random.uniform([4])
        return g, r, u

    g1, r1, u1 = build()
    assert r1.shape.as_list() == [2, 3] and r1.dtype == tf.float32
    assert r1.op.type == "AddV2"
    assert g1.get_operation_by_name("r/RandomStandardNormal").opdef.stateful
    assert r1.name == "r:0"
    first = _run(r1)
    second = _run(r1)
    assert not np.array_equal(first, second)  # each run draws anew
    g2, r2, u2 = build()
    np.testing.assert_array_equal(_run(r2), first)  # same graph seed, same program
    assert not np.array_equal(_run(u2), _run(r2).reshape(-1)[:4])


def test_graph_static_shapes():
    with tf.Graph().as_default():
        assert tf.random.categorical(tf.constant([[0.0, 1.0]]), 5).shape.as_list() == [1, 5]
        assert tf.random.shuffle(tf.constant([1, 2, 3])).shape.as_list() == [3]
        assert tf.random.stateless_uniform([2, 2], seed=[1, 2]).shape.as_list() == [2, 2]
        assert tf.random.gamma([4], tf.constant([1.0, 2.0])).shape.as_list() == [4, 2]


def test_split_and_fold_in_are_deterministic_seeds():
    seeds = tf.random.split([1, 2], num=3)
    assert (seeds.shape, seeds.dtype) == ((3, 2), tf.int64)
    np.testing.assert_array_equal(seeds.numpy(), tf.random.split([1, 2], num=3).numpy())
    assert len({tuple(r) for r in seeds.numpy().tolist()}) == 3
    f = tf.random.fold_in(tf.constant([1, 2], tf.int32), 7)
    assert f.dtype == tf.int32 and f.numpy()[1] == 7
    assert not np.array_equal(tf.random.stateless_normal([4], seed=seeds[0]).numpy(),
                              tf.random.stateless_normal([4], seed=seeds[1]).numpy())


def test_eager_stream_table_is_bounded(monkeypatch):
    monkeypatch.setattr(random_ops, "_MAX_STREAMS", 16)
    tf.random.set_seed(3)
    for _ in range(40):
        tf.random.uniform([1])
    assert len(random_ops._seeds.streams) == 16


def test_categorical_never_picks_zero_probability_classes():
    tf.random.set_seed(9)
    logits = tf.math.log(tf.constant([[0.3, 0.0, 0.7, 0.0]] * 50))
    c = tf.random.categorical(logits, 400).numpy()
    assert set(np.unique(c)) == {0, 2}
    assert tf.random.categorical(tf.zeros([3, 5]), 0).shape == (3, 0)


def test_tf_function_acts_like_a_rerun_of_the_program():
    tf.random.set_seed(1234)

    @tf.function
    def f():
        return tf.random.uniform([2]), tf.random.uniform([2])

    @tf.function
    def g():
        return tf.random.uniform([2]), tf.random.uniform([2])

    fa, fb = f()
    ga, gb = g()
    np.testing.assert_array_equal(fa.numpy(), ga.numpy())
    np.testing.assert_array_equal(fb.numpy(), gb.numpy())
    assert not np.array_equal(fa.numpy(), fb.numpy())
    fa2, _ = f()  # the traced op keeps drawing
    assert not np.array_equal(fa.numpy(), fa2.numpy())


def test_generator_inside_tf_function_advances_its_state():
    gen = tf.random.Generator.from_seed(3)

    @tf.function
    def draw():
        return gen.normal([3])

    a, b = draw(), draw()
    assert not np.array_equal(a.numpy(), b.numpy())
    gen.reset_from_seed(3)
    np.testing.assert_array_equal(draw().numpy(), a.numpy())


def test_reset_graph_streams_replays_a_graph():
    g = tf.Graph()
    with g.as_default():
        tf.random.set_seed(5)
        r = tf.random.uniform([3])
    other = tf.Graph()
    with other.as_default():
        o = tf.random.uniform([3], seed=1)
    first, o_first = _run(r), _run(o)
    random_ops.reset_graph_streams(g)
    np.testing.assert_array_equal(_run(r), first)
    assert not np.array_equal(_run(o), o_first)  # other graphs keep their streams


def test_candidate_samplers():
    tf.random.set_seed(0)
    r = tf.random.log_uniform_candidate_sampler(
        true_classes=[[1], [5]], num_true=1, num_sampled=5, unique=True, range_max=100)
    assert type(r).__name__ == "LogUniformCandidateSampler"
    cand = r.sampled_candidates.numpy()
    assert cand.dtype == np.int64 and len(set(cand.tolist())) == 5
    assert np.all((cand >= 0) & (cand < 100))
    assert r.true_expected_count.shape == (2, 1) and r.sampled_expected_count.shape == (5,)
    many = tf.random.log_uniform_candidate_sampler([[0]], 1, 20000, False, 1000)
    p0 = np.log(2.0) / np.log(1001.0)
    assert abs(np.mean(many.sampled_candidates.numpy() == 0) - p0) < 0.01
    np.testing.assert_allclose(many.true_expected_count.numpy(), [[20000 * p0]], rtol=1e-5)
    u = tf.random.uniform_candidate_sampler([[1, 2]], 2, 4, False, 10)
    np.testing.assert_allclose(u.true_expected_count.numpy(), [[0.4, 0.4]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Sampler's range is too small"):
        tf.random.uniform_candidate_sampler([[1]], 1, 20, True, 10)


def test_stateless_gamma_poisson_binomial():
    a = tf.random.stateless_gamma([4000, 2], seed=[1, 2], alpha=[1.0, 5.0])
    assert (a.shape, a.dtype) == ((4000, 2), tf.float32)
    np.testing.assert_allclose(a.numpy().mean(axis=0), [1.0, 5.0], rtol=0.1)
    np.testing.assert_array_equal(
        a.numpy(), tf.random.stateless_gamma([4000, 2], seed=[1, 2], alpha=[1.0, 5.0]).numpy())
    scaled = tf.random.stateless_gamma([4000], seed=[3, 3], alpha=2.0, beta=4.0)
    assert abs(scaled.numpy().mean() - 0.5) < 0.05
    p = tf.random.stateless_poisson([2000], seed=[1, 2], lam=3.0)
    assert p.dtype == tf.int32 and abs(p.numpy().mean() - 3.0) < 0.2
    b = tf.random.stateless_binomial([3, 4], seed=[1, 2], counts=[10.0, 20.0, 30.0, 40.0],
                                     probs=0.5)
    assert b.shape == (3, 4) and np.all(b.numpy() <= [10, 20, 30, 40])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must end with broadcasted shape"):
        tf.random.stateless_gamma([3], seed=[1, 2], alpha=[1.0, 2.0])


def test_rng_states_and_algorithms():
    st = tf.random.create_rng_state(1234, "philox")
    assert st.dtype == tf.int64 and st.numpy().tolist() == [1234, 0, 0]
    assert tf.random.create_rng_state([12, 34], "threefry").numpy().tolist() == [12, 34]
    assert tf.random.Generator.from_seed(1).state.numpy().tolist() == [1, 0, 0]
    t = tf.random.Generator.from_seed(1, alg="threefry")
    assert t.state.shape == (2,)
    a = t.normal([2])
    t.reset_from_seed(1)
    np.testing.assert_array_equal(t.normal([2]).numpy(), a.numpy())
    assert [c.state.shape for c in t.split(2)] == [(2,), (2,)]
    kc = tf.random.Generator.from_key_counter(5, [1, 2], tf.random.Algorithm.PHILOX)
    assert kc.state.numpy().tolist() == [1, 2, 5]
    with pytest.raises(ValueError, match="unsupported value"):
        tf.random.Generator.from_seed(1, alg="mt19937")


def test_invalid_gamma_and_poisson_parameters_give_nan():
    g = tf.random.gamma([3], alpha=[0.0, -1.0]).numpy()
    assert np.all(g[:, 0] == 0) and np.all(np.isnan(g[:, 1]))
    p = tf.random.poisson([3], lam=[-1.0, 2.0]).numpy()
    assert np.all(np.isnan(p[:, 0])) and np.all(p[:, 1] >= 0)
    assert np.isnan(tf.random.stateless_gamma([1], seed=[1, 2], alpha=-1.0).numpy()[0])
