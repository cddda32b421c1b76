"""Captures: what a traced function closes over (eager tensors small and large, variables,
resources, outer graphs' tensors, Dataset.map closures), and pruning of unused ops.

Every expected value here was checked against TensorFlow 2.21.
"""

import numpy as np

import tfedu as tf


def _types(f):
    return [op.type for op in f.get_concrete_function().graph.get_operations()]


def test_small_eager_tensor_becomes_a_constant():
    small = tf.constant([1.0, 2.0])
    f = tf.function(lambda: small * 2)
    assert f().numpy().tolist() == [2.0, 4.0]
    assert _types(f) == ["Const", "Const", "Mul", "Identity"]
    assert f.get_concrete_function().captured_inputs == []


def test_large_eager_tensor_is_captured_as_a_placeholder():
    x = tf.constant(np.ones((2, 784), np.float32))
    w = tf.ones([784, 3])
    r = tf.function(lambda: tf.matmul(x, w))()
    assert r.shape == (2, 3) and float(tf.reduce_sum(r)) == 4704.0
    big = tf.range(200)
    g = tf.function(lambda: tf.reduce_sum(big))
    assert int(g()) == 19900
    cf = g.get_concrete_function()
    assert "Placeholder" in _types(g)
    assert [t.shape for t in cf.captured_inputs] == [tf.TensorShape([200])]
    c = tf.constant(np.arange(129, dtype=np.int64))
    assert int(tf.function(lambda: c[-1])()) == 128
    s = tf.constant(["a"] * 200)
    assert tf.function(lambda: tf.shape(s))().numpy().tolist() == [200]


def test_captured_variables_are_read_at_call_time():
    v = tf.Variable(3.0)
    h = tf.function(lambda: v * 2)
    assert float(h()) == 6.0
    v.assign(5.0)
    assert float(h()) == 10.0
    big = tf.Variable(tf.ones([200]))

    @tf.function
    def step():
        big.assign_add(tf.ones([200]))
        return tf.reduce_sum(big)

    assert [float(step()), float(step())] == [400.0, 600.0]


def test_resources_random_generator():
    gen = tf.random.Generator.from_seed(1)

    @tf.function
    def draw():
        return gen.normal([2])

    a, b = draw(), draw()
    assert a.shape == (2,) and not np.array_equal(a.numpy(), b.numpy())


def test_nested_functions_capture_outer_graph_tensors():
    big = tf.reshape(tf.range(300.0), [3, 100])
    v = tf.Variable(1.0)

    @tf.function
    def outer(a):
        t = a * 2.0

        @tf.function
        def inner(b):
            return b + t + tf.reduce_sum(big) + v

        return inner(a)

    assert float(outer(tf.constant(1.0))) == 44854.0

    @tf.function
    def loop(a):
        t = a * 2.0

        def body(i, acc):
            return i + 1, acc + t + big[0, 0]

        return tf.while_loop(lambda i, acc: i < 3, body, [0, 0.0])[1]

    assert float(loop(tf.constant(1.0))) == 6.0


def test_gradient_through_a_large_capture():
    big = tf.reshape(tf.range(300.0), [3, 100])

    @tf.function
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x * big[0])
        return tape.gradient(y, x)

    assert grad(tf.ones([100])).numpy()[:3].tolist() == [0.0, 1.0, 2.0]


def test_dataset_map_closures():
    big = tf.reshape(tf.range(300.0), [3, 100])
    ds = tf.data.Dataset.from_tensor_slices(tf.zeros([3, 200])).map(
        lambda r: r + tf.reduce_sum(big))
    assert [float(e[0]) for e in ds] == [44850.0] * 3
    v = tf.Variable(tf.fill([200], 3.0))
    ds2 = tf.data.Dataset.range(2).map(lambda i: tf.cast(i, tf.float32) + v[0])
    assert list(ds2.as_numpy_iterator()) == [3.0, 4.0]
    r = tf.range(200)
    ds3 = tf.data.Dataset.range(3).map(lambda i: tf.gather(r, i) + 1)
    assert [int(e) for e in ds3] == [1, 2, 3]


def test_unused_ops_are_pruned_non_strict_execution():
    # TF's guide: only the ops the outputs need run, so an out-of-range gather whose
    # result is unused never fails.
    x = tf.constant([3.0])

    @tf.function
    def f():
        _ = tf.gather(x, [1])
        return x

    assert f().numpy().tolist() == [3.0]

    @tf.function
    def g():
        return tf.gather(x, [1])

    try:
        g()
    except tf.errors.InvalidArgumentError as e:
        assert "indices[0] = 1 is not in [0, 1)" in str(e)
    else:
        raise AssertionError("used out-of-range gather did not fail")


def test_graph_mode_gather_checks_values_only_when_run():
    g = tf.Graph()
    with g.as_default():
        y = tf.gather(tf.constant([3.0]), [5])
        assert y.shape == (1,)
        z = tf.gather_nd(tf.constant([[3.0]]), [[4, 0]])
        assert z.shape == (1,)


def test_variables_a_call_captures_get_distinct_handle_names(tmp_path):
    """A loaded function called inside another captures each variable as its own resource
    placeholder: no two ops of the graph share a name (a GraphDef could not hold them)."""

    class Affine(tf.Module):
        def __init__(self):
            self.a, self.b = tf.Variable(2.0), tf.Variable(3.0)

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def __call__(self, x):
            return x * self.a + self.b

    tf.saved_model.save(Affine(), str(tmp_path / "affine"))
    loaded = tf.saved_model.load(str(tmp_path / "affine"))

    @tf.function
    def outer(x):
        return loaded(x) + 1.0

    graph = outer.get_concrete_function(tf.constant(1.0)).graph
    names = [op.name for op in graph.get_operations()]
    assert len(names) == len(set(names)), names
    assert {"ReadVariableOp/resource", "ReadVariableOp_1/resource"} <= set(names)
    assert float(outer(tf.constant(4.0))) == 12.0
