"""Compile tfedu's Numba kernels into the cache (run by postBuild when the Binder image is built).

Each public op below is called on inputs large enough to take its Numba path, in the dtypes the
lessons use, so the compiled code is on disk before a student's first cell.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import tfedu as tf


def _kernels() -> dict:
    rng = np.random.default_rng(0)
    img = tf.constant(rng.random((4, 32, 32, 8), dtype=np.float32))
    filt = tf.constant(rng.random((3, 3, 8, 8), dtype=np.float32))
    big = tf.constant(rng.random((256, 64), dtype=np.float32))
    ids = tf.constant(np.repeat(np.arange(64, dtype=np.int32), 4))
    counts = tf.constant(rng.integers(0, 50, 100_000).astype(np.int32))
    weights = tf.Variable(tf.zeros([64, 16]))  # a Dense layer's kernel, as in lesson 05

    def conv_and_grads():
        with tf.GradientTape() as tape:
            tape.watch(img)
            y = tf.nn.conv2d(img, filt, strides=1, padding="SAME")
            y = tf.nn.max_pool2d(y, 2, 2, "VALID") + tf.nn.avg_pool2d(y, 2, 2, "VALID")
        return tape.gradient(tf.reduce_sum(y), img)

    return {
        "conv2d, pooling and their gradients": conv_and_grads,
        "cumsum / cumprod": lambda: (tf.math.cumsum(big, axis=0), tf.math.cumprod(big, axis=1)),
        "segment reductions": lambda: (tf.math.segment_sum(big, ids),
                                       tf.math.unsorted_segment_max(big, ids, 64)),
        "bincount": lambda: tf.math.bincount(counts),
        "special functions": lambda: (tf.math.lgamma(big + 1.0), tf.math.digamma(big + 1.0)),
        "scatter": lambda: tf.tensor_scatter_nd_add(
            big, tf.reshape(tf.range(0, 256, 2), [-1, 1]), tf.ones([128, 64])),
        "Adam's update (Keras optimizers)": lambda: tf.keras.optimizers.Adam().apply_gradients(
            [(tf.ones([64, 16]), weights)]),
    }


def main() -> int:
    failed = []
    for name, run in _kernels().items():
        t0 = time.perf_counter()
        try:
            run()
        except Exception as e:  # a missing op must not break the image build
            failed.append(name)
            print(f"  {name}: skipped ({type(e).__name__}: {e})")
            continue
        print(f"  {name}: {time.perf_counter() - t0:.1f} s")
    print(f"warmed {len(_kernels()) - len(failed)} kernel families")
    return 0


if __name__ == "__main__":
    sys.exit(main())
