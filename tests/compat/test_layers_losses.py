"""tf.compat.v1.layers and tf.compat.v1.losses: TF 1.x model-building helpers in graphs."""

import numpy as np
import pytest

import tfedu as tf

tf1 = tf.compat.v1


def test_dense_layers_create_scoped_variables_and_train():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 4])
        labels = tf1.placeholder(tf.int32, [None])
        h = tf1.layers.dense(x, 8, activation=tf.nn.relu)
        logits = tf1.layers.dense(h, 3, name="out")
        loss = tf1.losses.sparse_softmax_cross_entropy(labels, logits)
        train = tf1.train.AdamOptimizer(0.05).minimize(loss)
        assert [v.name for v in tf1.trainable_variables()] == [
            "dense/kernel:0", "dense/bias:0", "out/kernel:0", "out/bias:0"]
        assert h.name == "dense/Relu:0" and logits.shape.as_list() == [None, 3]
        assert tf1.losses.get_losses() == [loss]
        assert tf1.losses.get_total_loss() is not None
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(64, 4)).astype(np.float32)
    ys = (xs[:, 0] > 0).astype(np.int32) + (xs[:, 1] > 0)
    with tf1.Session(graph=g, config=tf1.ConfigProto(log_device_placement=False)) as s:
        s.run(tf1.global_variables_initializer())
        first = s.run(loss, {x: xs, labels: ys})
        for _ in range(60):
            s.run(train, {x: xs, labels: ys})
        assert s.run(loss, {x: xs, labels: ys}) < 0.2 * first


def test_dense_reuse_and_unique_default_scopes():
    g = tf.Graph()
    with g.as_default():
        x = tf.ones([2, 3])
        tf1.layers.dense(x, 2)
        tf1.layers.dense(x, 2)
        tf1.layers.dense(x, 2, name="shared")
        tf1.layers.dense(x, 2, name="shared", reuse=True)
        names = [v.name for v in tf1.global_variables()]
    assert names == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0",
                     "shared/kernel:0", "shared/bias:0"]
    with tf.Graph().as_default(), pytest.raises(ValueError, match="should be defined"):
        tf1.layers.dense(tf1.placeholder(tf.float32), 2)


@pytest.mark.parametrize("fn, args, want", [
    (tf1.losses.mean_squared_error, ([[1.0], [3.0]], [[2.0], [5.0]]), 2.5),
    (tf1.losses.absolute_difference, ([1.0, 3.0], [2.0, 5.0]), 1.5),
    (tf1.losses.softmax_cross_entropy, ([[0.0, 1.0]], [[0.0, 0.0]]), np.log(2.0)),
    (tf1.losses.sigmoid_cross_entropy, ([[1.0]], [[0.0]]), np.log(2.0)),
])
def test_losses_values(fn, args, want):
    g = tf.Graph()
    with g.as_default():
        loss = fn(*args)
    with tf1.Session(graph=g) as s:
        assert s.run(loss) == pytest.approx(want, rel=1e-6)


def test_weighted_loss_reductions():
    losses = [1.0, 2.0, 3.0]
    weights = [1.0, 0.0, 1.0]
    R = tf1.losses.Reduction
    g = tf.Graph()
    with g.as_default():
        out = {r: tf1.losses.compute_weighted_loss(losses, weights, reduction=r)
               for r in [R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE, R.SUM_BY_NONZERO_WEIGHTS, R.NONE]}
    with tf1.Session(graph=g) as s:
        vals = s.run(out)
    assert vals[R.SUM] == 4.0 and vals[R.MEAN] == 2.0 and vals[R.SUM_BY_NONZERO_WEIGHTS] == 2.0
    assert vals[R.SUM_OVER_BATCH_SIZE] == pytest.approx(4.0 / 3.0)
    np.testing.assert_allclose(vals[R.NONE], [1.0, 0.0, 3.0])


def test_layers_flatten():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 2, 3])
        f = tf1.layers.flatten(x)
    assert f.shape.as_list() == [None, 6]
    with tf1.Session(graph=g) as s:
        assert s.run(f, {x: np.ones((4, 2, 3))}).shape == (4, 6)


def test_conv_pool_dropout_layers():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 6, 6, 2])
        training = tf1.placeholder_with_default(False, [])
        c = tf1.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
        p = tf1.layers.max_pooling2d(c, 2, 2)
        a = tf1.layers.average_pooling2d(p, 3, 3)
        d = tf1.layers.dropout(tf.ones([1000]), rate=0.5, training=training)
        assert [v.name for v in tf1.trainable_variables()] == ["conv2d/kernel:0",
                                                               "conv2d/bias:0"]
        assert tf1.trainable_variables()[0].shape == (3, 3, 2, 4)
    assert c.shape.as_list() == [None, 6, 6, 4] and p.shape.as_list() == [None, 3, 3, 4]
    assert a.shape.as_list() == [None, 1, 1, 4]
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        out = s.run(a, {x: np.ones((2, 6, 6, 2), np.float32)})
        assert out.shape == (2, 1, 1, 4) and np.all(out >= 0)
        assert np.all(s.run(d) == 1.0)
        dropped = s.run(d, {training: True})
        assert set(np.unique(dropped)) <= {0.0, 2.0} and 0.3 < (dropped > 0).mean() < 0.7
