"""The conv_patches pass: a Conv2DBackpropFilter takes the patches its forward Conv2D built."""

import numpy as np
import pytest

import tfedu as tf
from tfedu.graph import passes
from tfedu.ops import nn_ops

rng = np.random.default_rng(7)
X = rng.standard_normal((6, 9, 9, 3)).astype(np.float32)
W = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)


@pytest.fixture
def im2col_calls(monkeypatch):
    calls = []
    real = nn_ops._im2col

    def counting(x, g):
        calls.append(x.shape)
        return real(x, g)

    monkeypatch.setattr(nn_ops, "_im2col", counting)
    return calls


def _grads(passes_on: bool, strides=1, padding="SAME", with_bias=True):
    w = tf.Variable(W)
    b = tf.Variable(np.zeros(5, np.float32))

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            y = tf.nn.conv2d(x, w, strides, padding)
            if with_bias:  # the remapper makes it a _FusedConv2D
                y = tf.nn.relu(tf.nn.bias_add(y, b))
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [w])[0]

    passes.set_pass_options({"conv_patches": passes_on})
    try:
        x = tf.constant(X)
        return step(x).numpy(), step(x).numpy(), step.get_concrete_function(x).explain()
    finally:
        passes.set_pass_options({"conv_patches": True})


@pytest.mark.parametrize("strides,padding,with_bias", [(1, "SAME", True), (2, "VALID", False)])
def test_the_filter_gradient_reuses_the_patches_with_the_same_bits(im2col_calls, strides,
                                                                   padding, with_bias):
    off = _grads(False, strides, padding, with_bias)
    calls_off = len(im2col_calls)
    im2col_calls.clear()
    on = _grads(True, strides, padding, with_bias)
    np.testing.assert_array_equal(on[0], off[0])
    np.testing.assert_array_equal(on[1], off[1])
    assert calls_off == 4 and len(im2col_calls) == 2  # two calls: once per call, not twice
    assert "conv_patches: 1 filter gradient(s) take the patches their Conv2D built" in on[2]
    assert "conv_patches" not in off[2]


def test_gradients_match_eager_mode():
    w = tf.Variable(W)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "SAME") ** 2)
    eager = tape.gradient(loss, w).numpy()
    np.testing.assert_allclose(_grads(True, with_bias=False)[0], eager, rtol=1e-5)


def test_large_patches_are_built_again(im2col_calls, monkeypatch):
    """Past `KEEP_MAX_BYTES` the filter gradient builds its own (reading kept ones back from
    memory cost more than rebuilding them)."""
    from tfedu.graph import conv_patches

    monkeypatch.setattr(conv_patches, "KEEP_MAX_BYTES", 0)
    off_values = _grads(True)
    assert len(im2col_calls) == 4
    assert "conv_patches: 1 filter gradient(s)" in off_values[2]  # paired, nothing kept
    monkeypatch.setattr(conv_patches, "KEEP_MAX_BYTES", 4 << 20)
    np.testing.assert_array_equal(_grads(True)[0], off_values[0])
