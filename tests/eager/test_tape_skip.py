"""The eager backward pass spares gradients no source needs (`op.skip_input_indices`), and the
cross-entropies get None for their unused second output: same values, less work."""

import numpy as np

import tfedu as tf


def _mlp_records(sources_of):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(4, 3)).astype(np.float32))
    w1 = tf.Variable(rng.normal(size=(3, 5)).astype(np.float32))
    w2 = tf.Variable(rng.normal(size=(5, 2)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        h = tf.matmul(x, w1)
        y = tf.reduce_sum(tf.matmul(h, w2, transpose_b=False) ** 2)
    grads = tape.gradient(y, sources_of(w1, w2))
    matmuls = [r for r in tape._records if r.name == "MatMul"]
    return x, w1, w2, grads, matmuls


def test_matmul_gradient_skips_a_constant_input():
    x, w1, w2, (g1, g2), (first, second) = _mlp_records(lambda w1, w2: [w1, w2])
    assert first.skip_input_indices == (0,)  # x is a constant: no d/dx product
    assert second.skip_input_indices is None
    h = x.numpy() @ w1.numpy()
    dy = 2 * (h @ w2.numpy())
    np.testing.assert_allclose(g2.numpy(), h.T @ dy, rtol=1e-5)
    np.testing.assert_allclose(g1.numpy(), x.numpy().T @ (dy @ w2.numpy().T), rtol=1e-5)


def test_inputs_that_lead_to_no_source_take_no_gradient():
    x, w1, w2, (g2,), (first, second) = _mlp_records(lambda w1, w2: [w2])
    assert second.skip_input_indices == (0,)  # h depends on w1 only, which is not asked for
    assert first.skip_input_indices is None  # never differentiated: nothing leads to w2
    h = x.numpy() @ w1.numpy()
    np.testing.assert_allclose(g2.numpy(), h.T @ (2 * (h @ w2.numpy())), rtol=1e-5)


def test_cross_entropy_gradient_unchanged_without_second_order_term():
    logits = tf.Variable([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    labels = tf.constant([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels,
                                                                      logits=logits))
    (g,) = tape.gradient(loss, [logits])
    p = tf.nn.softmax(logits).numpy()
    np.testing.assert_allclose(g.numpy(), (p - labels.numpy()) / 2, rtol=1e-6)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=labels,
                                                                        logits=logits))
        gl = inner.gradient(loss, logits)
    assert outer.gradient(tf.reduce_sum(gl * gl), logits) is None  # as TensorFlow 2.21
