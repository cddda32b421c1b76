"""The remapper pass: Conv2D/MatMul + bias (+ ReLU), MaxPoolGrad + ReluGrad and
FusedBatchNormV3 + Relu as one step."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.graph.passes import set_pass_options
from tfedu.graph.plan import compile_plan
from tfedu.ops.batch_norm_ops import fused_batch_norm_v3

tf1 = tf.compat.v1


def _types(plan):
    return [s.op.type for s in plan.steps]


def _conv_graph(act, dtype=tf.float32, shape=(2, 9, 9, 3)):
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(dtype, shape, name="x")
        w = tf1.placeholder(dtype, (3, 3, shape[-1], 4), name="w")
        b = tf1.placeholder(dtype, (4,), name="b")
        y = tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "SAME"), b)
        if act:
            y = act(y)
    return g, [x, w, b], y


def _feeds(placeholders, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=p.shape.as_list()).astype(p.dtype.as_numpy_dtype)
            for p in placeholders]


@pytest.mark.parametrize("act,fused", [(tf.nn.relu, "Relu"), (tf.nn.relu6, "Relu6"),
                                       (None, None)])
@pytest.mark.parametrize("shape", [(2, 9, 9, 3), (8, 30, 30, 3)])  # numpy and Numba epilogues
def test_conv_bias_relu_is_one_step_with_the_same_values(act, fused, shape):
    g, ph, y = _conv_graph(act, shape=shape)
    feeds = _feeds(ph)
    plain = compile_plan(g, [y], ph, passes=[])
    remapped = compile_plan(g, [y], ph, passes=["remapper"])
    assert _types(remapped).count("_FusedConv2D") == 1
    assert "Conv2D" not in _types(remapped) and "BiasAdd" not in _types(remapped)
    want, = plain.run(feeds)
    got, = remapped.run(feeds)
    assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    report = dict(remapped.report)["remapper"]
    chain = "Conv2D + BiasAdd" + (f" + {fused}" if fused else "")
    assert f"_FusedConv2D ({chain})" in report


def test_matmul_add_bias_either_side_then_relu_float64():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float64, (200, 30), name="x")
        w = tf1.placeholder(tf.float64, (30, 300), name="w")
        b = tf1.placeholder(tf.float64, (300,), name="b")
        left = tf.nn.relu(b + tf.matmul(x, w))
        right = tf.matmul(x, w, name="mm2") + b
    feeds = _feeds([x, w, b])
    for out, steps in ((left, 1), (right, 1)):
        plain, = compile_plan(g, [out], [x, w, b], passes=[]).run(feeds)
        plan = compile_plan(g, [out], [x, w, b], passes=["remapper"])
        assert _types(plan) == ["_FusedMatMul"] * steps
        got, = plan.run(feeds)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, plain)


def test_patterns_with_other_users_or_fetched_intermediates_stay_apart():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, (4, 5), name="x")
        w = tf1.placeholder(tf.float32, (5, 6), name="w")
        b2 = tf1.placeholder(tf.float32, (4, 6), name="b2")
        p = tf.matmul(x, w)
        not_a_bias = p + b2  # a 2-D addend is not a bias
        shared = tf.matmul(x, w, name="shared")
        y1 = tf.nn.relu(shared + tf.ones([6]))
        y2 = shared * 2.0  # the product has a second user
    plan = compile_plan(g, [not_a_bias, y1, y2], [x, w, b2], passes=["remapper"])
    assert "_FusedMatMul" not in _types(plan)
    g2, ph, y = _conv_graph(tf.nn.relu)
    with g2.as_default():
        biased = y.op.inputs[0]
    plan = compile_plan(g2, [y, biased], ph, passes=["remapper"])  # BiasAdd's result fetched
    assert "_FusedConv2D" in _types(plan) and "Relu" in _types(plan)
    assert [s for s in plan.steps if s.op.type == "_FusedConv2D"][0].op.fused_ops[-1].type \
        == "BiasAdd"


def test_run_time_errors_name_the_original_node():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, (None, None), name="x")
        w = tf1.placeholder(tf.float32, (None, 3), name="w")
        y = tf.nn.relu(tf.matmul(x, w, name="product") + tf.zeros([3]))
    plan = compile_plan(g, [y], [x, w], passes=["remapper"])
    assert _types(plan).count("_FusedMatMul") == 1
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        plan.run([np.ones((2, 4), np.float32), np.ones((5, 3), np.float32)])
    assert "Matrix size-incompatible" in str(info.value)
    assert "node 'product'" in str(info.value) or "node product" in str(info.value)


def test_an_int_or_mismatched_bias_at_run_time_runs_the_original_steps():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, (2, 3), name="x")
        w = tf1.placeholder(tf.float32, (3, 4), name="w")
        b = tf1.placeholder(tf.float32, (None,), name="b")
        y = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b))
    plan = compile_plan(g, [y], [x, w, b], passes=["remapper"])
    assert _types(plan) == ["_FusedMatMul"]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        plan.run([np.ones((2, 3), np.float32), np.ones((3, 4), np.float32),
                  np.ones(5, np.float32)])
    assert "Must provide as many biases as the last dimension" in str(info.value)
    assert "BiasAdd" in str(info.value)


@pytest.mark.parametrize("shape", [(2, 6, 6, 3), (16, 26, 26, 8)])
def test_max_pool_grad_then_relu_grad_fuse_in_a_gradient_graph(shape):
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape, name="x")
        r = tf.nn.relu(x)
        p = tf.nn.max_pool2d(r, 2, 2, "VALID")
        loss = tf.reduce_sum(p * tf.range(1.0, 1.0 + p.shape[-1]))
        dx, = tf.gradients(loss, [x])
    feed = [np.random.default_rng(3).normal(size=shape).astype(np.float32)]
    plain, = compile_plan(g, [dx], [x], passes=[]).run(feed)
    plan = compile_plan(g, [dx], [x], passes=["remapper"])
    assert "_FusedMaxPoolGradReluGrad" in _types(plan)
    assert "ReluGrad" not in _types(plan) and "MaxPoolGrad" not in _types(plan)
    got, = plan.run(feed)
    np.testing.assert_array_equal(got, plain)
    assert np.count_nonzero(got) <= p.shape.num_elements()


def _bn_graph(shape):
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape, name="x")
        c = shape[-1]
        y, mean, var, r1, r2, _ = fused_batch_norm_v3(
            x, tf.fill([c], 1.5), tf.range(c, dtype=tf.float32) - 1, epsilon=1e-3, name="bn")
        act = tf.nn.relu(y)
        loss = tf.reduce_sum(act * act)
        dx, = tf.gradients(loss, [x])
    return g, x, [act, mean, var, r1, r2, dx]


@pytest.mark.parametrize("shape", [(2, 5, 5, 3), (3, 15, 17, 8)])  # numpy and Numba kernels
def test_batch_norm_then_relu_is_one_step_with_the_same_values(shape):
    g, x, fetches = _bn_graph(shape)
    feed = np.random.default_rng(5).normal(1, 2, size=shape).astype(np.float32)
    feed.flat[7] = np.nan  # np.maximum keeps NaN: so does the fused ReLU
    plain = compile_plan(g, fetches, [x], passes=[]).run([feed])
    plan = compile_plan(g, fetches, [x], passes=["remapper"])
    assert "_FusedBatchNormEx" in _types(plan) and "Relu" not in _types(plan)
    assert "FusedBatchNormV3 + Relu" in plan.explain()
    for got, want in zip(plan.run([feed]), plain):
        np.testing.assert_array_equal(got, want)
    bad = compile_plan(g, fetches, [x], passes=["remapper"])  # errors name the BN node
    with pytest.raises(tf.errors.InvalidArgumentError, match="bn"):
        bad.run([np.ones(shape[:-1] + (shape[-1] + 1,), np.float32)])


def test_batch_norm_whose_output_is_fetched_is_not_fused():
    g, x, (act, *rest) = _bn_graph((2, 4, 4, 3))
    y = g.get_operation_by_name("bn").outputs[0]
    plan = compile_plan(g, [act, y], [x], passes=["remapper"])
    assert "_FusedBatchNormEx" not in _types(plan)


def _train_conv_net(x, y):
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential([
        tf.keras.Input((12, 12, 1)), tf.keras.layers.Conv2D(8, 3, activation="relu"),
        tf.keras.layers.MaxPooling2D(), tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(2)])
    model.compile(tf.keras.optimizers.Adam(0.01),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    hist = model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    return model, hist.history["loss"]


def test_keras_conv_train_step_runs_fused_kernels_with_the_unfused_results():
    rng = np.random.default_rng(0)
    x = rng.random((64, 12, 12, 1), dtype=np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int64")
    model, losses = _train_conv_net(x, y)
    assert losses[-1] < losses[0]
    text = next(iter(model._train_function._cache.values())).cf.explain()
    assert "remapper: fused" in text
    for name in ("_FusedConv2D", "_FusedMatMul", "_FusedMaxPoolGradReluGrad"):
        assert f"({name})" in text, name
    set_pass_options({"remapper": False})
    try:
        plain, plain_losses = _train_conv_net(x, y)
        text = next(iter(plain._train_function._cache.values())).cf.explain()
        assert "_Fused" not in text
    finally:
        set_pass_options({"remapper": True})
    np.testing.assert_allclose(losses, plain_losses, rtol=1e-6)
    for a, b in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_unknown_batch_gradient_shape_readers_do_not_block_fusion():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, (None, 5), name="x")
        w = tf1.placeholder(tf.float32, (5, 3), name="w")
        b = tf1.placeholder(tf.float32, (3,), name="b")
        y = tf.nn.relu(tf.matmul(x, w) + b)  # the add's gradient reads shape(matmul)
        loss = tf.reduce_sum(y * y)
        gx, gw, gb = tf.gradients(loss, [x, w, b])
    feeds = [np.random.default_rng(4).normal(size=(7, 5)).astype(np.float32)] + _feeds([w, b])
    fetches = [y, gx, gw, gb]
    plain = compile_plan(g, fetches, [x, w, b], passes=[]).run(feeds)
    plan = compile_plan(g, fetches, [x, w, b], passes=["remapper"])
    assert "_FusedMatMul" in _types(plan) and "Shape" in _types(plan)
    for got, want in zip(plan.run(feeds), plain):
        np.testing.assert_array_equal(got, want)
