"""The same linear regression trained TF 1.x style (graph, placeholders, Session, v1 optimizer)
and TF 2.x style (eager GradientTape loop) reaches the same weights."""

import numpy as np

import tfedu as tf

tf1 = tf.compat.v1

XS = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
YS = 2.0 * XS + 1.0
LR, STEPS = 0.05, 40


def train_v1():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 1])
        y = tf1.placeholder(tf.float32, [None, 1])
        W = tf.Variable([[0.0]])
        b = tf.Variable([0.0])
        loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        train = tf1.train.GradientDescentOptimizer(LR).minimize(loss)
        init = tf1.global_variables_initializer()
    losses = []
    with tf1.Session(graph=g) as s:
        s.run(init)
        for _ in range(STEPS):
            _, value = s.run([train, loss], feed_dict={x: XS, y: YS})
            losses.append(value)
        return s.run(W), s.run(b), losses


def train_v2():
    W = tf.Variable([[0.0]])
    b = tf.Variable([0.0])
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(XS, W) + b - YS))
        gw, gb = tape.gradient(loss, [W, b])
        W.assign_sub(LR * gw)
        b.assign_sub(LR * gb)
        losses.append(loss.numpy())
    return W.numpy(), b.numpy(), losses


def test_v1_and_v2_training_agree():
    w1, b1, l1 = train_v1()
    w2, b2, l2 = train_v2()
    np.testing.assert_allclose(w1, w2, atol=1e-5)
    np.testing.assert_allclose(b1, b2, atol=1e-5)
    np.testing.assert_allclose(l1, l2, rtol=1e-5, atol=1e-6)
    assert l1[-1] < 0.05 * l1[0]


def test_canonical_loop_losses_match_tensorflow():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 1])
        y = tf1.placeholder(tf.float32, [None, 1])
        W = tf.Variable([[0.0]])
        b = tf.Variable([0.0])
        loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        train = tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert repr(train) == "<tf.Operation 'GradientDescent' type=NoOp>"
    xs, ys = [[1.0], [2.0], [3.0]], [[3.0], [5.0], [7.0]]
    with tf1.Session(graph=g) as s:
        s.run(tf1.global_variables_initializer())
        got = [s.run([train, loss], {x: xs, y: ys})[1] for _ in range(3)]
    np.testing.assert_allclose(got, [27.666666, 0.3318524, 0.0052675065], rtol=1e-4)
