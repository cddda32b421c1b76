"""tf.nn: values against plain numpy/loop references, errors as TF raises them, gradients."""

import math

import numpy as np
import pytest

import tfedu as tf
from tests.gradcheck import check_gradients
from tfedu.ops import nn_ops

RNG = np.random.default_rng(7)


def _away_from(x, points, gap=0.05):
    """Move values off the kinks at `points` so finite differences are valid."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        close = np.abs(x - p) < gap
        x[close] = p + gap * 2 * np.sign(x[close] - p + 1e-12)
    return x


# ------------------------------------------------------------------------------------------
# Activations
# ------------------------------------------------------------------------------------------

X = np.array([-3.0, -0.5, 0.25, 2.0, 7.0])
SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805
ACTIVATIONS = {
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (tf.nn.relu6, lambda x: np.clip(x, 0, 6)),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, alpha=0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "elu": (tf.nn.elu, lambda x: np.where(x < 0, np.expm1(x), x)),
    "selu": (tf.nn.selu, lambda x: SELU_S * np.where(x < 0, SELU_A * np.expm1(x), x)),
    "softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
    "softplus": (tf.nn.softplus, lambda x: np.log1p(np.exp(x))),
    "silu": (tf.nn.silu, lambda x: x / (1 + np.exp(-x))),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
    "gelu": (tf.nn.gelu,
             lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / np.sqrt(2)))),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_values_and_dtype(name):
    fn, ref = ACTIVATIONS[name]
    y = fn(tf.constant(X.astype(np.float32)))
    assert y.dtype == tf.float32 and y.shape == (5,)
    np.testing.assert_allclose(y.numpy(), ref(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients(name):
    fn, _ = ACTIVATIONS[name]
    check_gradients(fn, _away_from(RNG.normal(size=(2, 3)) * 3, [0.0, 6.0]))


@pytest.mark.parametrize("fn", [tf.nn.relu, tf.nn.relu6, tf.nn.elu, tf.nn.selu, tf.nn.softplus,
                                lambda x: tf.nn.leaky_relu(x, 0.3)])
def test_second_derivatives(fn):
    x = _away_from(RNG.normal(size=(4,)) * 2, [0.0, 6.0])

    def first(v):
        with tf.GradientTape() as t:
            t.watch(v)
            y = tf.reduce_sum(fn(v) * v)
        return t.gradient(y, v)

    check_gradients(first, x)


def test_relu_keeps_integer_dtype_and_names():
    assert tf.nn.relu(tf.constant([-2, 3])).numpy().tolist() == [0, 3]
    with tf.Graph().as_default():
        y = tf.nn.relu(tf.constant([1.0]))
        assert y.op.type == "Relu" and y.name == "Relu:0"
        z = tf.nn.leaky_relu(tf.constant([1.0]))
        assert z.op.type == "LeakyRelu" and abs(z.op.get_attr("alpha") - 0.2) < 1e-9


def test_gelu_rejects_integers():
    with pytest.raises(ValueError, match="must be a floating point tensor"):
        tf.nn.gelu(tf.constant([1, 2]))


def test_swish_is_silu_and_math_aliases():
    assert tf.nn.swish is tf.nn.silu
    assert tf.math.softmax is tf.nn.softmax
    assert tf.math.log_softmax is tf.nn.log_softmax
    assert tf.nn.sigmoid is tf.math.sigmoid and tf.nn.tanh is tf.math.tanh


# ------------------------------------------------------------------------------------------
# Softmax
# ------------------------------------------------------------------------------------------


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [None, -1, 0, 1])
def test_softmax_and_log_softmax(axis):
    x = RNG.normal(size=(3, 4, 5))
    ax = -1 if axis is None else axis
    np.testing.assert_allclose(tf.nn.softmax(x, axis=axis).numpy(), _np_softmax(x, ax),
                               rtol=1e-12)
    np.testing.assert_allclose(tf.nn.log_softmax(x, axis=axis).numpy(),
                               np.log(_np_softmax(x, ax)), rtol=1e-10)
    check_gradients(lambda v: tf.nn.softmax(v, axis=axis), x[:2, :2, :3])
    check_gradients(lambda v: tf.nn.log_softmax(v, axis=axis), x[:2, :2, :3])


def test_softmax_is_stable_and_checks_rank():
    np.testing.assert_allclose(tf.nn.softmax([1000.0, 1000.0]).numpy(), [0.5, 0.5])
    np.testing.assert_allclose(tf.nn.log_softmax([1000.0, 0.0]).numpy(), [0.0, -1000.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="logits must have >= 1 dimension"):
        tf.nn.softmax(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="`axis` must be in the range"):
        tf.nn.softmax(tf.ones([2, 2]), axis=2)


# ------------------------------------------------------------------------------------------
# Cross-entropies and losses
# ------------------------------------------------------------------------------------------


def test_softmax_cross_entropy_values_axis_and_rank():
    logits = RNG.normal(size=(4, 3))
    labels = _np_softmax(RNG.normal(size=(4, 3)))
    want = -np.sum(labels * np.log(_np_softmax(logits)), axis=-1)
    got = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    assert got.shape == (4,)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    got0 = tf.nn.softmax_cross_entropy_with_logits(labels.T, logits.T, axis=0)
    np.testing.assert_allclose(got0.numpy(), want, rtol=1e-10)
    l3 = tf.nn.softmax_cross_entropy_with_logits(labels.reshape(2, 2, 3), logits.reshape(2, 2, 3))
    np.testing.assert_allclose(l3.numpy(), want.reshape(2, 2), rtol=1e-10)
    l1 = tf.nn.softmax_cross_entropy_with_logits(labels[0], logits[0])
    assert l1.shape == () and np.isclose(float(l1), want[0])


def test_softmax_cross_entropy_gradients():
    logits = RNG.normal(size=(3, 4))
    labels = _np_softmax(RNG.normal(size=(3, 4)))
    check_gradients(lambda a, b: tf.nn.softmax_cross_entropy_with_logits(a, b), labels, logits)
    check_gradients(lambda a, b: tf.nn.softmax_cross_entropy_with_logits(a, b, axis=0),
                    labels, logits)

    def grad_of_loss(b):
        with tf.GradientTape() as t:
            t.watch(b)
            y = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(tf.constant(labels), b))
        return t.gradient(y, b)

    check_gradients(grad_of_loss, logits)


def test_softmax_cross_entropy_shape_error():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"logits and labels must be broadcastable: logits_size=\[2,3\] "
                             r"labels_size=\[2,4\]"):
        tf.nn.softmax_cross_entropy_with_logits(tf.ones([2, 4]), tf.ones([2, 3]))


def test_sparse_softmax_cross_entropy():
    logits = RNG.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    want = -np.log(_np_softmax(logits))[np.arange(4), labels]
    got = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    got3 = tf.nn.sparse_softmax_cross_entropy_with_logits(labels.reshape(2, 2),
                                                          logits.reshape(2, 2, 3))
    np.testing.assert_allclose(got3.numpy(), want.reshape(2, 2), rtol=1e-10)
    check_gradients(lambda b: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, b), logits)


def test_sparse_softmax_cross_entropy_errors():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 5], logits=tf.ones([2, 3]))
    assert ("Received a label value of 5 which is outside the valid range of [0, 3).  "
            "Label values: 0 5") in str(e.value)
    assert "[Op:SparseSoftmaxCrossEntropyWithLogits]" in str(e.value)
    with pytest.raises(ValueError, match="Rank mismatch: Rank of labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[0]], logits=tf.ones([1, 3]))
    with pytest.raises(ValueError, match="Shape mismatch: The shape of labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 1, 2], logits=tf.ones([2, 3]))


def test_sigmoid_and_weighted_cross_entropy():
    z = np.array([1.0, 0.0, 1.0, 0.3])
    x = np.array([0.0, 2.0, -1.0, 40.0])
    sig = 1 / (1 + np.exp(-x[:3]))
    want = -(z[:3] * np.log(sig) + (1 - z[:3]) * np.log1p(-sig))
    got = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x).numpy()
    np.testing.assert_allclose(got[:3], want[:3], rtol=1e-10)
    assert np.isclose(got[3], 40.0 * 0.7, rtol=1e-10)  # stable for large logits
    w = tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=2.5).numpy()
    want_w = 2.5 * z[:3] * -np.log(sig) + (1 - z[:3]) * (x[:3] + np.log1p(np.exp(-x[:3])))
    np.testing.assert_allclose(w[:3], want_w[:3], rtol=1e-10)
    check_gradients(lambda a, b: tf.nn.sigmoid_cross_entropy_with_logits(labels=a, logits=b),
                    z, x[:3].tolist() + [1.5])
    check_gradients(lambda a, b: tf.nn.weighted_cross_entropy_with_logits(a, b, 0.7),
                    z, [0.5, -2.0, 1.0, 0.2])
    with pytest.raises(ValueError, match="`logits` and `labels` must have the same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0], logits=[1.0, 2.0, 3.0])


def test_l2_loss_and_average_loss():
    assert float(tf.nn.l2_loss(tf.constant([1.0, 2.0, 3.0]))) == 7.0
    check_gradients(tf.nn.l2_loss, RNG.normal(size=(2, 3)))
    assert float(tf.nn.compute_average_loss([1.0, 2.0, 3.0], global_batch_size=6)) == 1.0
    assert float(tf.nn.compute_average_loss([1.0, 2.0, 3.0])) == 2.0


# ------------------------------------------------------------------------------------------
# bias_add
# ------------------------------------------------------------------------------------------


def test_bias_add_values_grads_and_errors():
    v = RNG.normal(size=(2, 3, 4))
    b = RNG.normal(size=(4,))
    np.testing.assert_allclose(tf.nn.bias_add(v, b).numpy(), v + b)
    bc = RNG.normal(size=(3,))
    np.testing.assert_allclose(tf.nn.bias_add(v, bc, data_format="NCHW").numpy(),
                               v + bc[None, :, None])
    check_gradients(tf.nn.bias_add, v, b)
    check_gradients(lambda a, c: tf.nn.bias_add(a, c, data_format="NCHW"), v, bc)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Must provide as many biases as the last dimension of the input "
                             r"tensor: \[3\] vs. \[2,4\]"):
        tf.nn.bias_add(tf.ones([2, 4]), tf.ones([3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Biases must be 1D: \[1,4\]"):
        tf.nn.bias_add(tf.ones([2, 4]), tf.ones([1, 4]))


# ------------------------------------------------------------------------------------------
# Convolution: against a direct loop
# ------------------------------------------------------------------------------------------


def _pads(size, k, s, d, padding):
    eff = (k - 1) * d + 1
    if padding == "VALID":
        return -(-(size - eff + 1) // s), 0
    if padding == "SAME":
        out = -(-size // s)
        return out, max((out - 1) * s + eff - size, 0) // 2
    lo, hi = padding
    return (size + lo + hi - eff) // s + 1, lo


def direct_conv2d(x, w, strides, padding, dilations=(1, 1)):
    """The textbook loop: y[b, oy, ox, f] = sum x[b, iy, ix, c] * w[i, j, c, f]."""
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    ph_arg, pw_arg = (padding[1], padding[2]) if isinstance(padding, list) else (padding,) * 2
    oh, ph = _pads(h, kh, strides[0], dilations[0], ph_arg)
    ow, pw = _pads(wd, kw, strides[1], dilations[1], pw_arg)
    y = np.zeros((n, oh, ow, f))
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        iy = oy * strides[0] - ph + i * dilations[0]
                        ix = ox * strides[1] - pw + j * dilations[1]
                        if 0 <= iy < h and 0 <= ix < wd:
                            y[b, oy, ox] += x[b, iy, ix] @ w[i, j]
    return y


def direct_pool(x, k, s, padding, mode):
    n, h, wd, c = x.shape
    oh, ph = _pads(h, k[0], s[0], 1, padding)
    ow, pw = _pads(wd, k[1], s[1], 1, padding)
    y = np.zeros((n, oh, ow, c))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * s[0] - ph, ox * s[1] - pw
            win = x[:, max(y0, 0):max(y0 + k[0], 0), max(x0, 0):max(x0 + k[1], 0), :]
            y[:, oy, ox] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return y


CONV_CASES = [
    ((2, 5, 6, 3), (3, 3, 3, 4), (1, 1), "VALID", (1, 1)),
    ((2, 5, 6, 3), (3, 2, 3, 2), (1, 1), "SAME", (1, 1)),
    ((1, 7, 7, 2), (3, 3, 2, 3), (2, 2), "SAME", (1, 1)),
    ((1, 8, 7, 2), (2, 3, 2, 2), (3, 2), "VALID", (1, 1)),
    ((2, 7, 8, 1), (3, 2, 1, 2), (1, 1), "SAME", (2, 3)),
    ((1, 9, 9, 2), (2, 2, 2, 2), (2, 1), "VALID", (2, 2)),
    ((1, 5, 4, 2), (1, 1, 2, 3), (1, 1), "SAME", (1, 1)),
    ((1, 4, 5, 2), (3, 3, 2, 2), (1, 2), [[0, 0], [1, 2], [0, 1], [0, 0]], (1, 1)),
]


@pytest.mark.parametrize("xs,ws,strides,padding,dil", CONV_CASES)
def test_conv2d_matches_direct_loop(xs, ws, strides, padding, dil):
    x, w = RNG.normal(size=xs), RNG.normal(size=ws)
    y = tf.nn.conv2d(x, w, strides=list(strides), padding=padding, dilations=list(dil))
    np.testing.assert_allclose(y.numpy(), direct_conv2d(x, w, strides, padding, dil),
                               rtol=1e-10, atol=1e-12)
    with tf.Graph().as_default():
        g = tf.nn.conv2d(tf.constant(x), tf.constant(w), list(strides), padding,
                         dilations=list(dil))
        assert g.shape.as_list() == list(y.shape) and g.op.type == "Conv2D"


@pytest.mark.parametrize("xs,ws,strides,padding,dil", CONV_CASES[::2] + CONV_CASES[-1:])
def test_conv2d_gradients(xs, ws, strides, padding, dil):
    xs, ws = (1,) + xs[1:3] + (min(xs[3], 2),), ws[:2] + (min(xs[3], 2), 2)
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, list(strides), padding,
                                              dilations=list(dil)),
                    RNG.normal(size=xs), RNG.normal(size=ws))


def test_conv2d_second_order_through_backprop_ops():
    x, w = RNG.normal(size=(1, 4, 4, 2)), RNG.normal(size=(2, 2, 2, 2))

    def input_grad(a, b):
        with tf.GradientTape() as t:
            t.watch(a)
            y = tf.reduce_sum(tf.square(tf.nn.conv2d(a, b, 1, "SAME")))
        return t.gradient(y, a)

    def filter_grad(a, b):
        with tf.GradientTape() as t:
            t.watch(b)
            y = tf.reduce_sum(tf.square(tf.nn.conv2d(a, b, [2, 1], "VALID")))
        return t.gradient(y, b)

    check_gradients(input_grad, x, w)
    check_gradients(filter_grad, x, w)


def test_conv2d_transpose_is_the_adjoint():
    x = RNG.normal(size=(2, 7, 6, 3))
    w = RNG.normal(size=(3, 2, 3, 4))
    y = tf.nn.conv2d(x, w, strides=2, padding="SAME")
    r = RNG.normal(size=y.shape)
    back = tf.nn.conv2d_transpose(r, w, output_shape=[2, 7, 6, 3], strides=2, padding="SAME")
    assert back.shape == (2, 7, 6, 3)
    assert np.isclose(np.sum(y.numpy() * r), np.sum(x * back.numpy()))
    check_gradients(lambda a, b: tf.nn.conv2d_transpose(a, b, [1, 5, 5, 2], 2, "SAME"),
                    RNG.normal(size=(1, 3, 3, 3)), RNG.normal(size=(2, 2, 2, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Size of out_backprop doesn't match"):
        tf.nn.conv2d_transpose(tf.ones([1, 3, 3, 3]), tf.ones([2, 2, 2, 3]), [1, 9, 9, 2], 1,
                               "VALID")


def test_conv1d_matches_conv2d():
    x, w = RNG.normal(size=(2, 9, 3)), RNG.normal(size=(3, 3, 4))
    y = tf.nn.conv1d(x, w, stride=2, padding="SAME")
    want = direct_conv2d(x[:, None], w[None], (1, 2), "SAME")[:, 0]
    assert y.shape == (2, 5, 4)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10)
    check_gradients(lambda a, b: tf.nn.conv1d(a, b, 1, "VALID"),
                    RNG.normal(size=(1, 5, 2)), RNG.normal(size=(2, 2, 2)))


def test_conv2d_errors():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"input must be 4-dimensional\[4,4,1\]"):
        tf.nn.conv2d(tf.ones([4, 4, 1]), tf.ones([2, 2, 1, 1]), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="input depth must be evenly divisible by filter depth: 3 vs 2"):
        tf.nn.conv2d(tf.ones([1, 4, 4, 3]), tf.ones([2, 2, 2, 1]), 1, "VALID")
    with pytest.raises(tf.errors.UnimplementedError, match="grouped convolutions on the CPU"):
        tf.nn.conv2d(tf.ones([1, 4, 4, 4]), tf.ones([2, 2, 2, 1]), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Computed output size would be negative: -1 \[input_size: 2, "
                             r"effective_filter_size: 4, stride: 1\]"):
        tf.nn.conv2d(tf.ones([1, 2, 2, 1]), tf.ones([4, 4, 1, 1]), 1, "VALID")
    with pytest.raises(ValueError, match="strides should be of length 1, 2 or 4"):
        tf.nn.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), [1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="Shape must be rank 4 but is rank 3"):
        with tf.Graph().as_default():
            tf.nn.conv2d(tf.ones([4, 4, 1]), tf.ones([2, 2, 1, 1]), 1, "VALID")


def test_conv2d_graph_shape_with_unknown_batch():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 28, 28, 1])
        y = tf.nn.conv2d(x, tf.ones([3, 3, 1, 8]), strides=2, padding="SAME")
        assert y.shape.as_list() == [None, 14, 14, 8]


def test_depthwise_conv2d_matches_per_channel_conv():
    x, w = RNG.normal(size=(2, 6, 5, 3)), RNG.normal(size=(3, 2, 3, 2))
    y = tf.nn.depthwise_conv2d(x, w, strides=[1, 2, 1, 1], padding="SAME")
    want = np.concatenate(
        [direct_conv2d(x[..., c:c + 1], w[:, :, c:c + 1, :], (2, 1), "SAME") for c in range(3)],
        axis=-1)
    assert y.shape == (2, 3, 5, 6)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10)
    check_gradients(lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 1, 1, 1], "VALID"),
                    RNG.normal(size=(1, 4, 4, 2)), RNG.normal(size=(2, 2, 2, 2)))


# ------------------------------------------------------------------------------------------
# Pooling
# ------------------------------------------------------------------------------------------

POOL_CASES = [((2, 2), (2, 2), "VALID"), ((3, 3), (2, 2), "SAME"), ((2, 3), (1, 2), "SAME"),
              ((3, 2), (3, 1), "VALID"), ((1, 1), (2, 2), "SAME")]


@pytest.mark.parametrize("k,s,padding", POOL_CASES)
def test_pools_match_direct_loop(k, s, padding):
    x = RNG.normal(size=(2, 7, 6, 3))
    mp = tf.nn.max_pool2d(x, ksize=list(k), strides=list(s), padding=padding)
    ap = tf.nn.avg_pool2d(x, ksize=list(k), strides=list(s), padding=padding)
    np.testing.assert_allclose(mp.numpy(), direct_pool(x, k, s, padding, "max"))
    np.testing.assert_allclose(ap.numpy(), direct_pool(x, k, s, padding, "mean"), rtol=1e-12)
    with tf.Graph().as_default():
        g = tf.nn.max_pool2d(tf.constant(x), list(k), list(s), padding)
        assert g.shape.as_list() == list(mp.shape) and g.op.type == "MaxPool"


@pytest.mark.parametrize("k,s,padding", POOL_CASES[:3])
def test_pool_gradients(k, s, padding):
    x = RNG.permutation(50).reshape(1, 5, 5, 2) / 7.0  # distinct values: max is unique
    check_gradients(lambda a: tf.nn.max_pool2d(a, list(k), list(s), padding), x)
    check_gradients(lambda a: tf.nn.avg_pool2d(a, list(k), list(s), padding), x)


def test_max_pool_second_order():
    x = RNG.permutation(32).reshape(1, 4, 4, 2) / 5.0

    def grad(a):
        with tf.GradientTape() as t:
            t.watch(a)
            y = tf.reduce_sum(tf.square(tf.nn.max_pool2d(a, 2, 2, "VALID")))
        return t.gradient(y, a)

    check_gradients(grad, x)


def test_pool_1d_and_generic():
    x = RNG.normal(size=(2, 7, 3))
    y = tf.nn.max_pool1d(x, ksize=3, strides=2, padding="VALID")
    np.testing.assert_allclose(y.numpy(), direct_pool(x[:, None], (1, 3), (1, 2), "VALID",
                                                      "max")[:, 0])
    a = tf.nn.avg_pool1d(x, 2, 2, "SAME")
    np.testing.assert_allclose(a.numpy(), direct_pool(x[:, None], (1, 2), (1, 2), "SAME",
                                                      "mean")[:, 0])
    np.testing.assert_allclose(tf.nn.max_pool(x, 3, 2, "VALID").numpy(), y.numpy())
    x4 = RNG.normal(size=(1, 4, 4, 2))
    np.testing.assert_allclose(tf.nn.avg_pool(x4, 2, 2, "VALID").numpy(),
                               direct_pool(x4, (2, 2), (2, 2), "VALID", "mean"))
    check_gradients(lambda v: tf.nn.avg_pool1d(v, 2, 1, "VALID"), x[:1, :4, :2])


def test_pool_errors():
    with pytest.raises(ValueError, match="ksize should be of length 1, 2 or 4"):
        tf.nn.max_pool2d(tf.ones([1, 4, 4, 1]), [2, 2, 2], 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Pooling is not yet supported on the batch dimension"):
        tf.nn.max_pool2d(tf.ones([1, 4, 4, 1]), [2, 2, 2, 1], 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Computed output size would be negative"):
        tf.nn.avg_pool2d(tf.ones([1, 2, 2, 1]), 4, 1, "VALID")


def test_max_pool_integer_input():
    x = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)
    y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    assert y.dtype == tf.int32 and y.numpy().ravel().tolist() == [5, 7, 13, 15]


def test_numba_and_numpy_paths_agree(monkeypatch):
    x = RNG.normal(size=(2, 9, 8, 5)).astype(np.float32)
    w = RNG.normal(size=(3, 3, 5, 4)).astype(np.float32)

    def run():
        with tf.GradientTape(persistent=True) as t:
            xt, wt = tf.constant(x), tf.constant(w)
            t.watch([xt, wt])
            y = tf.nn.conv2d(xt, wt, [1, 2], "SAME")
            m = tf.nn.max_pool2d(x, 3, 2, "SAME")
            a = tf.nn.avg_pool2d(xt, 2, 1, "SAME")
            dw = tf.nn.depthwise_conv2d(xt, tf.ones([2, 2, 5, 1]), [1, 1, 1, 1], "SAME")
            total = tf.reduce_sum(y) + tf.reduce_sum(a * a) + tf.reduce_sum(dw * dw)
        grads = t.gradient(total, [xt, wt])
        with tf.GradientTape() as t2:
            t2.watch(xt)
            mp = tf.reduce_sum(tf.nn.max_pool2d(xt, 3, 2, "SAME") ** 2)
        return [v.numpy() for v in [y, m, a, dw, *grads, t2.gradient(mp, xt)]]

    monkeypatch.setattr(nn_ops, "_NB_MIN_ELEMENTS", 10**12)
    slow = run()
    monkeypatch.setattr(nn_ops, "_NB_MIN_ELEMENTS", 0)
    fast = run()
    for a, b in zip(slow, fast):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------------------------
# Dropout, moments, batch normalization, embeddings
# ------------------------------------------------------------------------------------------


def test_dropout_scales_kept_values():
    x = tf.ones([1000])
    y = tf.nn.dropout(x, rate=0.25, seed=1).numpy()
    kept = y[y != 0]
    np.testing.assert_allclose(kept, np.full(kept.shape, 1 / 0.75), rtol=1e-6)
    assert 0.65 < np.mean(y > 0) < 0.85
    assert float(tf.reduce_sum(tf.nn.dropout(x, rate=0.0))) == 1000.0
    z = tf.nn.dropout(tf.ones([4, 50]), rate=0.5, noise_shape=[4, 1]).numpy()
    assert all(len(set(row)) == 1 for row in z)  # one decision per row


def test_dropout_errors_and_gradient():
    with pytest.raises(ValueError, match=r"`rate` must be a scalar tensor or a float in the "
                                         r"range \[0, 1\). Received: rate=1"):
        tf.nn.dropout(tf.ones([3]), rate=1)
    with pytest.raises(ValueError, match="`x.dtype` must be a floating point tensor"):
        tf.nn.dropout(tf.constant([1, 2]), rate=0.5)
    x = tf.constant(np.ones(200))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.nn.dropout(x, 0.5)
    g = t.gradient(y, x).numpy()
    np.testing.assert_array_equal(g, y.numpy())  # 2 where kept, 0 where dropped


def test_moments():
    x = RNG.normal(size=(3, 4, 2))
    m, v = tf.nn.moments(x, axes=[0, 1])
    np.testing.assert_allclose(m.numpy(), x.mean(axis=(0, 1)))
    np.testing.assert_allclose(v.numpy(), x.var(axis=(0, 1)))
    mk, vk = tf.nn.moments(x, axes=[1], keepdims=True)
    assert mk.shape == (3, 1, 2) and vk.shape == (3, 1, 2)
    h = tf.nn.moments(tf.constant(x, tf.float16), [0])[1]
    assert h.dtype == tf.float16
    check_gradients(lambda a: tf.nn.moments(a, [0])[1], x[:, :2, 0])
    check_gradients(lambda a: tf.nn.moments(a, [1])[0], x[:, :2, 0])


def test_batch_normalization():
    x = RNG.normal(size=(4, 3))
    mean, var = x.mean(0), x.var(0)
    scale, offset = RNG.normal(size=3), RNG.normal(size=3)
    y = tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3)
    np.testing.assert_allclose(y.numpy(), (x - mean) / np.sqrt(var + 1e-3) * scale + offset,
                               rtol=1e-10)
    y0 = tf.nn.batch_normalization(x, mean, var, None, None, 1e-3)
    np.testing.assert_allclose(y0.numpy(), (x - mean) / np.sqrt(var + 1e-3), rtol=1e-10)
    check_gradients(lambda a, m, v, o, s: tf.nn.batch_normalization(a, m, v, o, s, 1e-3),
                    x, mean, var + 0.5, offset, scale)


def test_embedding_lookup():
    params = np.arange(12.0).reshape(4, 3)
    out = tf.nn.embedding_lookup(params, [[3, 0], [1, 1]])
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.numpy(), params[[[3, 0], [1, 1]]])
    v = tf.Variable(params)
    np.testing.assert_array_equal(tf.nn.embedding_lookup(v, [2]).numpy(), params[[2]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = 5 is not in"):
        tf.nn.embedding_lookup(params, [0, 5])
    check_gradients(lambda p: tf.nn.embedding_lookup(p, [2, 0, 2]), params)


def test_graph_gradients_keep_static_shapes():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 8, 8, 2])
        y = tf.nn.max_pool2d(tf.nn.conv2d(x, tf.ones([3, 3, 2, 4]), 2, "SAME"), 2, 2, "SAME")
        y2 = tf.nn.avg_pool2d(y, 2, 1, "SAME")
        (gx,) = tf.compat.v1.gradients(tf.reduce_sum(y2), [x])
        assert gx.op.type == "Conv2DBackpropInput"
        assert gx.shape.as_list() == [None, 8, 8, 2]
        with tf.compat.v1.Session() as s:
            out = s.run(gx, {x: np.ones((3, 8, 8, 2), np.float32)})
        assert out.shape == (3, 8, 8, 2)


def test_convolution_separable_and_zero_fraction():
    x, w = RNG.normal(size=(1, 6, 6, 2)), RNG.normal(size=(3, 3, 2, 3))
    np.testing.assert_allclose(tf.nn.convolution(x, w, padding="SAME").numpy(),
                               direct_conv2d(x, w, (1, 1), "SAME"), rtol=1e-10)
    x1, w1 = RNG.normal(size=(2, 7, 2)), RNG.normal(size=(2, 2, 3))
    np.testing.assert_allclose(tf.nn.convolution(x1, w1, strides=2).numpy(),
                               direct_conv2d(x1[:, None], w1[None], (1, 2), "VALID")[:, 0],
                               rtol=1e-10)
    dw, pw = RNG.normal(size=(2, 2, 2, 2)), RNG.normal(size=(1, 1, 4, 3))
    sep = tf.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "VALID")
    want = tf.nn.conv2d(tf.nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "VALID"), pw, 1, "VALID")
    np.testing.assert_allclose(sep.numpy(), want.numpy(), rtol=1e-12)
    assert float(tf.math.zero_fraction([0.0, 1.0, 0.0, 3.0])) == 0.5


@pytest.mark.parametrize("fn,shapes", [
    (lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 2, 1, 1], "SAME"), [(1, 4, 4, 2), (2, 2, 2, 2)]),
    (lambda a, b: tf.nn.bias_add(a, b), [(2, 3), (3,)]),
    (lambda a, b: tf.nn.avg_pool2d(a * b, 2, 1, "SAME"), [(1, 3, 3, 2), (2,)]),
])
def test_second_order_of_gradient_ops(fn, shapes):
    """Differentiate the gradient (DepthwiseConv2dNativeBackprop*, BiasAddGrad, AvgPoolGrad)."""
    arrays = [RNG.normal(size=s) for s in shapes]

    def grads(a, b):
        with tf.GradientTape() as t:
            t.watch([a, b])
            y = tf.reduce_sum(tf.square(fn(a, b)))
        ga, gb = t.gradient(y, [a, b])
        return tf.reduce_sum(ga * ga) + tf.reduce_sum(gb * gb)

    check_gradients(grads, *arrays)


def test_padding_names_are_case_sensitive_like_tf():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Value for attr 'padding' of \"same\" is not in the list"):
        tf.nn.max_pool2d(tf.ones([1, 4, 4, 1]), 2, 2, "same")
    with pytest.raises(ValueError, match='"EXPLICIT" is not a valid value for `padding`'):
        tf.nn.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), 1, "EXPLICIT")


def test_composites_group_their_ops_under_tf_scope_names():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        assert tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x).name == \
            "logistic_loss:0"
        mean, var = tf.nn.moments(x, [0])
        assert mean.name.startswith("moments/") and var.shape.as_list() == [3]
        assert tf.nn.dropout(x, 0.5).name.startswith("dropout/")
        assert tf.nn.batch_normalization(x, 0.0, 1.0, None, None, 1e-3).name.startswith(
            "batchnorm/")


def test_conv2d_has_an_int32_kernel_as_tensorflow():
    """TF 2.21's Conv2D computes int32 (wrapping as C ints); other integer dtypes are refused,
    and a filter larger than the input fails on the output size, eagerly and while tracing."""
    x = tf.constant(np.arange(18).reshape(1, 3, 3, 2) - 5, tf.int32)
    w = tf.constant(np.arange(16).reshape(2, 2, 2, 2) - 4, tf.int32)
    y = tf.nn.conv2d(x, w, 1, "VALID")
    assert y.dtype == tf.int32
    assert y.numpy().tolist() == [[[[104, 100], [152, 164]], [[248, 292], [296, 356]]]]
    same = tf.function(lambda a, b: tf.nn.conv2d(a, b, 1, "SAME"))(x, w)
    assert same.numpy()[0, 2].tolist() == [[-24, 10], [-32, 10], [-68, -45]]
    assert tf.nn.conv1d(x[0], w[0], 1, "VALID").numpy()[0].tolist() == [[24, 10], [16, 10]]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Value for attr 'T' of int64 is not in the list of allowed values: "
                             "half, bfloat16, float, double, int32"):
        tf.nn.conv2d(tf.cast(x, tf.int64), tf.cast(w, tf.int64), 1, "VALID")
    big = tf.ones([1, 4, 3, 1], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Computed output size would be negative: -2 \[input_size: 1, "
                             r"effective_filter_size: 4, stride: 1\]"):
        tf.nn.conv2d(tf.ones([1, 3, 1, 3], tf.int32), big, 1, "VALID")
    with pytest.raises(ValueError, match="Negative dimension size caused by subtracting 4 from 1"):
        tf.function(lambda a, b: tf.nn.conv2d(a, b, 1, "VALID"))(tf.ones([1, 3, 1, 3], tf.int32),
                                                                  big)
