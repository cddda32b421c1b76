"""Plans drop intermediates after their last use: a long chain holds a few arrays, not all."""

import tracemalloc

import numpy as np

import tfedu as tf


def _chain(x):
    for _ in range(30):
        x = tf.tanh(x) * 0.5 + 0.1
    return x


def _peak_mb(fn, x):
    fn(x)
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = fn(x)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak, out


def test_tf_function_chain_keeps_few_intermediates_alive():
    x = tf.constant(np.random.default_rng(0).random(250_000).astype(np.float32))  # 1 MB
    peak, out = _peak_mb(tf.function(_chain), x)
    np.testing.assert_allclose(out.numpy(), _chain(x).numpy(), rtol=1e-6)
    assert peak < 10, f"peak {peak:.1f} MB: intermediates of the 90-op chain were kept alive"


def test_session_plan_chain_keeps_few_intermediates_alive():
    g = tf.Graph()
    with g.as_default():
        ph = tf.compat.v1.placeholder(tf.float32, [None])
        y = _chain(ph)
    data = np.random.default_rng(0).random(250_000).astype(np.float32)
    with tf.compat.v1.Session(graph=g) as sess:
        peak, out = _peak_mb(lambda d: sess.run(y, {ph: d}), data)
    assert out.shape == (250_000,)
    assert peak < 10, f"peak {peak:.1f} MB: intermediates of the 90-op chain were kept alive"
