"""Finite-difference checks of registered gradients.

`check_gradients(fn, *arrays)` runs `fn` on float64 tensors under a GradientTape and compares
the tape's gradient of `sum(fn(*xs) * w)` (w a fixed random weighting, so every output element
matters) with central differences. float64 keeps the numeric side accurate.
"""

from __future__ import annotations

import numpy as np

import tfedu as tf


def numeric_gradient(f, xs, eps=1e-6):
    grads = []
    for x in xs:
        g = np.zeros_like(x)
        flat = x.reshape(-1)
        gflat = g.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            hi = f(*xs)
            flat[j] = old - eps
            lo = f(*xs)
            flat[j] = old
            gflat[j] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


def check_gradients(fn, *arrays, rtol=1e-4, atol=1e-6, eps=1e-6, seed=0):
    """Assert the tape gradient of `fn` matches finite differences at `arrays` (float64)."""
    xs = [np.array(a, dtype=np.float64) for a in arrays]
    rng = np.random.default_rng(seed)
    out0 = np.asarray(fn(*[tf.constant(x) for x in xs]))
    w = rng.uniform(0.5, 1.5, size=out0.shape)

    def scalar(*vals):
        return float(np.sum(np.asarray(fn(*[tf.constant(v) for v in vals])) * w))

    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = tf.reduce_sum(fn(*ts) * tf.constant(w))
    analytic = tape.gradient(y, ts)
    numeric = numeric_gradient(scalar, [x.copy() for x in xs], eps)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.zeros_like(n) if a is None else np.asarray(a)
        np.testing.assert_allclose(a, n, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i} differs from finite differences")
