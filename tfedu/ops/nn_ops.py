"""`tf.nn`: activations, softmax and cross-entropies, convolution, pooling, dropout, moments.

Convolutions are computed as TF's CPU kernels do in spirit: lay every receptive field out as a
row (im2col), then one BLAS matrix product. The input and filter gradients are ops of their
own (`Conv2DBackpropInput`, `Conv2DBackpropFilter`), so second derivatives and `tf.gradients`
graphs use the same kernels. Pooling runs Numba loops on large tensors; `MaxPoolGrad` sends
each gradient to the cell that held the window's max (the first one on ties).
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from tfedu.framework import dtypes, errors
from tfedu.framework.context import _state, executing_eagerly
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute
from tfedu.framework.name_scope import composite_scope as _scope
from tfedu.framework.name_scope import name_scope
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import FLOAT, INTS, REAL, register_op
from tfedu.framework.tensor import Tensor
from tfedu.framework.tensor_shape import TensorShape
from tfedu.kernels import blas
from tfedu.kernels import nn_kernels as K
from tfedu.ops import array_ops, gather_ops, math_ops, random_ops, special_math_ops
from tfedu.ops import math_ops as M
from tfedu.ops.op_helpers import as_tensor, export, unary_infer

_ERRSTATE = {"divide": "ignore", "invalid": "ignore", "over": "ignore", "under": "ignore"}
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

# Once compiled, the Numba pool/col2im loops beat the numpy versions 3-10x from a few hundred
# elements on (single thread); below this size numpy is used so that small examples never
# import Numba or wake its thread pool.
_NB_MIN_ELEMENTS = 1 << 12
_NB_DTYPES = (np.float32, np.float64)






def _scalar(value, like):
    return math_ops.scalar_like(value, like)


def _ew(opdef, inputs, attrs=None, name=None, default=None):
    return execute(opdef, inputs, attrs or {}, name=name, default_name=default or opdef.type)


# ------------------------------------------------------------------------------------------
# Activations
# ------------------------------------------------------------------------------------------


def _register_activation(type, kernel, allowed, grad, attrs=None, doc="", **fields):
    """Register an elementwise activation `activations = f(features)`."""
    return register_op(type, group="nn", inputs=("features: T",), outputs=("activations: T",),
                       type_attrs={"T": allowed}, attrs=attrs or {}, infer=unary_infer,
                       kernel=kernel, grad=grad, elementwise=True, doc=doc, **fields)


def _register_activation_grad(type, kernel, allowed, grad=None, attrs=None, second="features",
                              **fields):
    """Register an activation's gradient op `backprops = f(gradients, features or outputs)`."""
    return register_op(type, group="nn", inputs=("gradients: T", f"{second}: T"),
                       outputs=("backprops: T",), type_attrs={"T": allowed}, attrs=attrs or {},
                       infer=unary_infer, kernel=kernel, grad=grad, elementwise=True, **fields)


def _relu_kernel(x):
    return np.maximum(x, np.zeros((), x.dtype))


RELU = _register_activation("Relu", _relu_kernel, REAL,
                            lambda op, g: [relu_grad(g, op.outputs[0])],
                            doc="max(features, 0)", fused="np.maximum({0}, ZERO)")


@export("nn.relu")
def relu(features, name=None):
    """max(features, 0) elementwise.

    >>> tf.nn.relu([-1.0, 0.0, 2.0])
    <tf.Tensor: shape=(3,), dtype=float32, numpy=array([0., 0., 2.], dtype=float32)>
    """
    return _ew(RELU, [as_tensor(features)], name=name, default="Relu")


RELU_GRAD = _register_activation_grad(
    "ReluGrad", lambda g, y: g * (y > 0), REAL,
    lambda op, gg: [relu_grad(gg, op.inputs[1]), array_ops.zeros_like(op.inputs[1])], fused="{0} * ({1} > ZERO)")


def _relu6_kernel(x):
    return np.minimum(np.maximum(x, np.zeros((), x.dtype)), np.asarray(6, x.dtype))


RELU6 = _register_activation("Relu6", _relu6_kernel, REAL,
                             lambda op, g: [_ew(RELU6_GRAD, [g, op.inputs[0]])],
                             doc="min(max(features, 0), 6)", fused="np.minimum(np.maximum({0}, ZERO), SIX)")


@export("nn.relu6")
def relu6(features, name=None):
    """min(max(features, 0), 6) elementwise."""
    return _ew(RELU6, [as_tensor(features)], name=name, default="Relu6")


RELU6_GRAD = _register_activation_grad(
    "Relu6Grad", lambda g, x: g * ((x > 0) & (x < 6)), REAL,
    lambda op, gg: [_ew(RELU6_GRAD, [gg, op.inputs[1]]), array_ops.zeros_like(op.inputs[1])])


def _leaky_relu_kernel(x, alpha=0.2):
    return np.where(x > 0, x, (x * alpha).astype(x.dtype, copy=False))


LEAKY_RELU = _register_activation(
    "LeakyRelu", _leaky_relu_kernel, FLOAT,
    lambda op, g: [_ew(LEAKY_RELU_GRAD, [g, op.inputs[0]], {"alpha": op.get_attr("alpha")})],
    attrs={"alpha": 0.2}, doc="features if > 0 else alpha * features")


@export("nn.leaky_relu")
def leaky_relu(features, alpha=0.2, name=None):
    """features where positive, alpha * features elsewhere."""
    return _ew(LEAKY_RELU, [as_tensor(features)], {"alpha": float(alpha)}, name, "LeakyRelu")


LEAKY_RELU_GRAD = _register_activation_grad(
    "LeakyReluGrad",
    lambda g, x, alpha=0.2: np.where(x > 0, g, (g * alpha).astype(g.dtype, copy=False)), FLOAT,
    lambda op, gg: [_ew(LEAKY_RELU_GRAD, [gg, op.inputs[1]], {"alpha": op.get_attr("alpha")}),
                    array_ops.zeros_like(op.inputs[1])], attrs={"alpha": 0.2})


def _negative_part_grad_grad(grad_op):
    """Second derivative of Elu/Selu: their grad op again, plus gg*g where outputs are < 0."""
    def grad_grad(op, gg):
        g, y = op.inputs
        neg = math_ops.less(y, array_ops.zeros_like(y))
        return [_ew(grad_op(), [gg, y]),
                array_ops.where(neg, math_ops.multiply(gg, g), array_ops.zeros_like(y))]

    return grad_grad


def _elu_kernel(x):
    with np.errstate(**_ERRSTATE):
        return np.where(x < 0, np.expm1(x), x)


ELU = _register_activation("Elu", _elu_kernel, FLOAT,
                           lambda op, g: [_ew(ELU_GRAD, [g, op.outputs[0]])],
                           doc="features if > 0 else exp(features) - 1")


@export("nn.elu")
def elu(features, name=None):
    """x if x > 0 else exp(x) - 1, elementwise (exponential linear unit)."""
    return _ew(ELU, [as_tensor(features)], name=name, default="Elu")


ELU_GRAD = _register_activation_grad(
    "EluGrad", lambda g, y: np.where(y < 0, g * (y + 1), g).astype(g.dtype, copy=False), FLOAT,
    _negative_part_grad_grad(lambda: ELU_GRAD), second="outputs")


def _selu_kernel(x):
    with np.errstate(**_ERRSTATE):
        return (_SELU_SCALE * np.where(x < 0, _SELU_ALPHA * np.expm1(x), x)).astype(x.dtype)


SELU = _register_activation("Selu", _selu_kernel, FLOAT,
                            lambda op, g: [_ew(SELU_GRAD, [g, op.outputs[0]])],
                            doc="scale * (features if > 0 else alpha * (exp(features) - 1))")


@export("nn.selu")
def selu(features, name=None):
    """Scaled ELU: `scale * (x if x > 0 else alpha * (exp(x) - 1))`, elementwise."""
    return _ew(SELU, [as_tensor(features)], name=name, default="Selu")


SELU_GRAD = _register_activation_grad(
    "SeluGrad",
    lambda g, y: np.where(y < 0, g * (y + _SELU_SCALE * _SELU_ALPHA),
                          g * _SELU_SCALE).astype(g.dtype, copy=False), FLOAT,
    _negative_part_grad_grad(lambda: SELU_GRAD), second="outputs")


def _softsign_kernel(x):
    return (x / (1 + np.abs(x))).astype(x.dtype, copy=False)


SOFTSIGN = _register_activation(
    "Softsign", _softsign_kernel, FLOAT,
    lambda op, g: [_ew(SOFTSIGN_GRAD, [g, op.inputs[0]])], doc="features / (1 + |features|)")


@export("nn.softsign", "math.softsign")
def softsign(features, name=None):
    """x / (1 + |x|) elementwise."""
    return _ew(SOFTSIGN, [as_tensor(features)], name=name, default="Softsign")


SOFTSIGN_GRAD = _register_activation_grad(
    "SoftsignGrad", lambda g, x: (g / np.square(1 + np.abs(x))).astype(g.dtype, copy=False),
    FLOAT)


def _softplus_kernel(x):
    with np.errstate(**_ERRSTATE):
        return np.logaddexp(x, np.zeros((), x.dtype))


# TF lists Softplus's dtypes half first; its gradient here is `g * sigmoid(x)` (SoftplusGrad's
# kernel), written with ops so that it differentiates again.
SOFTPLUS = register_op(
    "Softplus", group="nn", inputs=("x: T",), outputs=("y: T",),
    export={"graphdef": {"outputs": ("activations",)}},
    type_attrs={"T": (dtypes.float16, FLOAT[0], dtypes.float32, dtypes.float64)},
    infer=unary_infer, kernel=_softplus_kernel, elementwise=True,
    grad=lambda op, g: [math_ops.multiply(g, math_ops.sigmoid(op.inputs[0]))],
    doc="log(exp(x) + 1), stably")


@export("math.softplus", "nn.softplus")
def softplus(features, name=None):
    """log(exp(x) + 1), computed without overflow."""
    return execute(SOFTPLUS, [features], name=name, default_name="Softplus")


def _sigmoid_np(x):
    with np.errstate(**_ERRSTATE):
        return (1 / (1 + np.exp(-x))).astype(x.dtype, copy=False)


def _softplus_grad_grad(op, gg):
    g, x = op.inputs
    s = math_ops.sigmoid(x)
    ds = math_ops.multiply(s, math_ops.subtract(_scalar(1, s), s))
    return [_ew(SOFTPLUS_GRAD, [gg, x]), math_ops.multiply(gg, math_ops.multiply(g, ds))]


SOFTPLUS_GRAD = _register_activation_grad(
    "SoftplusGrad", lambda g, x: (g * _sigmoid_np(x)).astype(g.dtype, copy=False), FLOAT,
    _softplus_grad_grad)


def relu_grad(g, y):
    return _ew(RELU_GRAD, [g, y])


def _float_features(features, what="features"):
    x = as_tensor(features, name=what)
    if not x.dtype.is_floating:
        raise ValueError(f"`{what}.dtype` must be a floating point tensor.Received:"
                         f"{what}.dtype={x.dtype!r}")
    return x


@export("nn.gelu")
def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: x * Phi(x) (tanh approximation when `approximate`)."""
    x = _float_features(features)
    half = _scalar(0.5, x)
    if approximate:
        inner = math_ops.multiply(
            _scalar(0.7978845608028654, x),
            math_ops.add(x, math_ops.multiply(_scalar(0.044715, x),
                                              math_ops.pow(x, _scalar(3, x)))))
        return math_ops.multiply(math_ops.multiply(half, x),
                                 math_ops.add(_scalar(1, x), math_ops.tanh(inner)), name=name)
    erf = special_math_ops.erf
    phi = math_ops.add(_scalar(1, x), erf(math_ops.divide_op(x, _scalar(1.4142135623730951, x))))
    return math_ops.multiply(math_ops.multiply(half, x), phi, name=name)


@export("nn.silu", "nn.swish")
def silu(features, beta=1.0, name=None):
    """features * sigmoid(beta * features) (also known as swish)."""
    x = _float_features(features)
    bx = x if beta == 1.0 else math_ops.multiply(as_tensor(beta, dtype=x.dtype), x)
    return math_ops.multiply(x, math_ops.sigmoid(bx), name=name)


swish = silu


# ------------------------------------------------------------------------------------------
# Softmax and log-softmax (over the last axis; other axes by reductions)
# ------------------------------------------------------------------------------------------


def _log_softmax_np(x):
    # np.maximum.reduce / np.add.reduce are what np.max / np.sum run (the same values),
    # without their Python-level dispatch
    with np.errstate(**_ERRSTATE):
        z = x - np.maximum.reduce(x, axis=-1, keepdims=True)
        return (z - np.log(np.add.reduce(np.exp(z), axis=-1, keepdims=True))).astype(
            x.dtype, copy=False)


def _softmax_infer(op):
    s = op.shape(0)
    if s.rank == 0:
        op.fail("logits must have >= 1 dimension, got []")
    return [(s, op.dtype(0))]


def _softmax_np(x):
    with np.errstate(**_ERRSTATE):
        z = x - np.max(x, axis=-1, keepdims=True)
        e = np.exp(z)
        return (e / np.sum(e, axis=-1, keepdims=True)).astype(x.dtype, copy=False)


def _softmax_grad(op, g):
    y = op.outputs[0]
    s = math_ops.reduce_sum(math_ops.multiply(g, y), axis=-1, keepdims=True)
    return [math_ops.multiply(math_ops.subtract(g, s), y)]


SOFTMAX = register_op("Softmax", group="nn", inputs=("logits: T",), outputs=("softmax: T",),
                      type_attrs={"T": FLOAT}, infer=_softmax_infer, kernel=_softmax_np,
                      grad=_softmax_grad, doc="exp(x) / sum(exp(x)) over the last axis")


@export("nn.softmax", "math.softmax")
def softmax(logits, axis=None, name=None):
    """exp(logits) / reduce_sum(exp(logits), axis), computed without overflow.

    >>> tf.nn.softmax([0.0, 0.0])
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([0.5, 0.5], dtype=float32)>
    """
    return _softmax_like(SOFTMAX, logits, axis, name, "Softmax", log=False)


def _log_softmax_grad(op, g):
    y = op.outputs[0]
    s = math_ops.reduce_sum(g, axis=-1, keepdims=True)
    return [math_ops.subtract(g, math_ops.multiply(s, math_ops.exp(y)))]


LOG_SOFTMAX = register_op("LogSoftmax", group="nn", inputs=("logits: T",), outputs=("logsoftmax: T",),
                          type_attrs={"T": FLOAT}, infer=_softmax_infer, kernel=_log_softmax_np,
                          grad=_log_softmax_grad, doc="x - log(sum(exp(x))) over the last axis")


@export("nn.log_softmax", "math.log_softmax")
def log_softmax(logits, axis=None, name=None):
    """logits - log(reduce_sum(exp(logits), axis)), computed without overflow."""
    return _softmax_like(LOG_SOFTMAX, logits, axis, name, "LogSoftmax", log=True)


def _check_axis(axis, rank):
    if rank is not None and rank > 0 and not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"`axis` must be in the range [{-rank}, {rank}) where {rank} is the "
            f"number of dimensions in the input. Received: axis={axis}")


def _softmax_like(opdef, logits, axis, name, default, log):
    x = as_tensor(logits)
    if axis is None:
        axis = -1
    rank = x.shape.rank
    _check_axis(axis, rank)
    if axis == -1 or rank is None or axis % rank == rank - 1:
        return execute(opdef, [x], name=name, default_name=default)
    # another axis: the same stable formula written with reductions (max is a constant shift)
    m = array_ops.stop_gradient(math_ops.reduce_max(x, axis=axis, keepdims=True))
    z = math_ops.subtract(x, m)
    lse = math_ops.log(math_ops.reduce_sum(math_ops.exp(z), axis=axis, keepdims=True))
    if log:
        return math_ops.subtract(z, lse, name=name)
    return math_ops.exp(math_ops.subtract(z, lse), name=name)


# ------------------------------------------------------------------------------------------
# Cross-entropy losses
# ------------------------------------------------------------------------------------------


def _column(g):
    return array_ops.reshape(g, [-1, 1])


def _xent_logits_grad(op, g_loss, g_backprop):
    """d loss / d logits = g * (softmax - labels), plus the second-order term when asked."""
    logits = op.inputs[0]
    grad = None
    if g_loss is not None:
        grad = math_ops.multiply(_column(g_loss), op.outputs[1])
    if g_backprop is not None:
        p = softmax(logits)
        inner = math_ops.reduce_sum(math_ops.multiply(g_backprop, p), axis=-1, keepdims=True)
        extra = math_ops.multiply(math_ops.subtract(g_backprop, inner), p)
        grad = extra if grad is None else math_ops.add(grad, extra)
    return grad


def _xent_kernel(features, labels):
    if features.shape != labels.shape:
        try:
            labels = np.broadcast_to(labels, features.shape)
        except ValueError:
            raise OpCheckError(
                f"logits and labels must be broadcastable: logits_size="
                f"{shape_text(features.shape)} labels_size={shape_text(labels.shape)}") from None
    logp = _log_softmax_np(features)
    loss = -np.add.reduce(labels * logp, axis=-1)
    return loss.astype(features.dtype), (np.exp(logp) - labels).astype(features.dtype)


def _xent_infer(op):
    f, lab = op.shape(0), op.shape(1)
    if f.rank is not None and f.rank != 2:
        op.fail(f"logits and labels must be either 2-dimensional, or broadcasted to be "
                f"2-dimensional: {shape_text(f.as_list())}")
    if f.is_fully_defined() and lab.is_fully_defined() and f.as_list() != lab.as_list():
        try:
            np.broadcast_shapes(tuple(lab.as_list()), tuple(f.as_list()))
        except ValueError:
            op.fail(f"logits and labels must be broadcastable: logits_size="
                    f"{shape_text(f.as_list())} labels_size={shape_text(lab.as_list())}")
    b = f.as_list()[0] if f.rank else None
    return [(TensorShape([b]), op.dtype(0)), (f, op.dtype(0))]


def _xent_grad(op, g_loss, g_backprop=None):
    grad = _xent_logits_grad(op, g_loss, g_backprop)
    g_labels = None
    if g_loss is not None and 1 not in (getattr(op, "skip_input_indices", None) or ()):
        g_labels = math_ops.multiply(_column(g_loss),
                                     math_ops.negative(log_softmax(op.inputs[0])))
    return [grad, g_labels]


SOFTMAX_XENT = register_op(
    "SoftmaxCrossEntropyWithLogits", group="nn", inputs=("features: T", "labels: T"),
    outputs=("loss: T", "backprop: T"), type_attrs={"T": FLOAT}, infer=_xent_infer,
    kernel=_xent_kernel, grad=_xent_grad, memo_infer=True,
    doc="Per-row cross-entropy of softmax(features) against a label distribution.")


@export("nn.softmax_cross_entropy_with_logits")
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Cross-entropy between softmax(logits) and the distribution `labels`, over `axis`."""
    logits = as_tensor(logits, name="logits")
    labels = as_tensor(labels, dtype=logits.dtype, name="labels")
    rank = logits.shape.rank
    if rank is not None and rank > 0 and axis % rank != rank - 1:
        _check_axis(axis, rank)
        return math_ops.negative(math_ops.reduce_sum(
            math_ops.multiply(labels, log_softmax(logits, axis=axis)), axis=axis), name=name)
    if rank == 2:
        loss, _ = execute(SOFTMAX_XENT, [logits, labels], name=name,
                          default_name="softmax_cross_entropy_with_logits")
        return loss
    dims = _static_dims(logits)
    k = dims[-1] if dims else None
    flat_logits = array_ops.reshape(logits, [-1, k if k is not None else -1])
    flat_labels = array_ops.reshape(labels, [-1, k if k is not None else -1])
    loss, _ = execute(SOFTMAX_XENT, [flat_logits, flat_labels],
                      default_name="softmax_cross_entropy_with_logits")
    if dims is not None and None not in dims:
        return array_ops.reshape(loss, dims[:-1], name=name)
    return array_ops.reshape(loss, array_ops.shape(labels)[:-1], name=name)


def _sparse_xent_kernel(features, labels):
    n, k = features.shape
    lab = np.asarray(labels).astype(np.int64)
    bad = (lab < 0) | (lab >= k)
    if np.any(bad):
        first = int(lab[np.argmax(bad)])
        values = " ".join(str(int(v)) for v in lab)
        raise OpCheckError(f"Received a label value of {first} which is outside the valid range "
                           f"of [0, {k}).  Label values: {values}")
    logp = _log_softmax_np(features)
    rows = np.arange(n)
    loss = -logp[rows, lab] if n else np.zeros((0,), features.dtype)
    backprop = np.exp(logp)
    if n:
        backprop[rows, lab] -= 1
    return loss.astype(features.dtype), backprop.astype(features.dtype)


def _sparse_xent_infer(op):
    f, lab = op.shape(0), op.shape(1)
    if f.rank is not None and f.rank != 2:
        op.fail(f"logits must be 2-D, but got shape {shape_text(f.as_list())}")
    if lab.rank is not None and lab.rank != 1:
        op.fail(f"labels must be 1-D, but got shape {shape_text(lab.as_list())}")
    if f.rank == 2 and lab.rank == 1:
        b, n = f.as_list()[0], lab.as_list()[0]
        if b is not None and n is not None and b != n:
            op.fail(f"logits and labels must have the same first dimension, got logits shape "
                    f"{shape_text(f.as_list())} and labels shape {shape_text(lab.as_list())}")
    b = f.as_list()[0] if f.rank else None
    return [(TensorShape([b]), op.dtype(0)), (f, op.dtype(0))]


SPARSE_SOFTMAX_XENT = register_op(
    "SparseSoftmaxCrossEntropyWithLogits", group="nn", inputs=("features: T", "labels: Tlabels"),
    outputs=("loss: T", "backprop: T"), type_attrs={"T": FLOAT, "Tlabels": INTS},
    infer=_sparse_xent_infer, kernel=_sparse_xent_kernel,
    grad=lambda op, g_loss, g_backprop=None: [_xent_logits_grad(op, g_loss, g_backprop), None],
    doc="Per-row cross-entropy of softmax(features) against integer class labels.")


@export("nn.sparse_softmax_cross_entropy_with_logits")
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Cross-entropy of softmax(logits) against integer class `labels` (one per row).

    >>> tf.nn.sparse_softmax_cross_entropy_with_logits([0], [[0.0, 0.0]])
    <tf.Tensor: shape=(1,), dtype=float32, numpy=array([0.6931472], dtype=float32)>
    """
    logits = as_tensor(logits, name="logits")
    labels = as_tensor(labels, name="labels")
    lr, gr = labels.shape.rank, logits.shape.rank
    if gr == 0:
        raise ValueError(f"Logits cannot be scalars - received shape {logits.shape}.")
    if lr is not None and gr is not None:
        if lr != gr - 1:
            raise ValueError(f"Rank mismatch: Rank of labels (received {lr}) should equal rank "
                             f"of logits minus 1 (received {gr}).")
        if not labels.shape.is_compatible_with(logits.shape[:-1]):
            raise ValueError(f"Shape mismatch: The shape of labels (received {labels.shape}) "
                             f"should equal the shape of logits except for the last dimension "
                             f"(received {logits.shape}).")
    if gr == 2:
        loss, _ = execute(SPARSE_SOFTMAX_XENT, [logits, labels], name=name,
                          default_name="SparseSoftmaxCrossEntropyWithLogits")
        return loss
    dims = _static_dims(logits)
    k = dims[-1] if dims and dims[-1] is not None else -1
    loss, _ = execute(SPARSE_SOFTMAX_XENT, [array_ops.reshape(logits, [-1, k]),
                                            array_ops.reshape(labels, [-1])],
                      default_name="SparseSoftmaxCrossEntropyWithLogits")
    ldims = _static_dims(labels)
    target = ldims if ldims is not None and None not in ldims else array_ops.shape(labels)
    return array_ops.reshape(loss, target, name=name)


def _static_dims(t):
    return t.shape.as_list() if t.shape.rank is not None else None


def _log1p(x):
    return math_ops.log1p(x)


@export("nn.sigmoid_cross_entropy_with_logits")
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss: max(x, 0) - x * z + log(1 + exp(-|x|)), stable for any x."""
    if labels is None or logits is None:
        raise ValueError("Both `labels` and `logits` must be provided.")
    logits = as_tensor(logits, name="logits")
    labels = as_tensor(labels, dtype=logits.dtype, name="labels")
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}).")
    with _scope(name, "logistic_loss") as scope:
        zeros = array_ops.zeros_like(logits)
        cond = math_ops.greater_equal(logits, zeros)
        relu_logits = array_ops.where(cond, logits, zeros)
        neg_abs = array_ops.where(cond, math_ops.negative(logits), logits)
        return math_ops.add(math_ops.subtract(relu_logits, math_ops.multiply(logits, labels)),
                            _log1p(math_ops.exp(neg_abs)), name=scope)


@export("nn.weighted_cross_entropy_with_logits")
def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """Logistic loss with positive examples weighted by `pos_weight`."""
    logits = as_tensor(logits, name="logits")
    labels = as_tensor(labels, dtype=logits.dtype, name="labels")
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}).")
    with _scope(name, "logistic_loss") as scope:
        pw = as_tensor(pos_weight, dtype=logits.dtype)
        one = _scalar(1, logits)
        log_weight = math_ops.add(one, math_ops.multiply(math_ops.subtract(pw, one), labels))
        soft = math_ops.add(_log1p(math_ops.exp(math_ops.negative(math_ops.abs(logits)))),
                            relu(math_ops.negative(logits)))
        return math_ops.add(math_ops.multiply(math_ops.subtract(one, labels), logits),
                            math_ops.multiply(log_weight, soft), name=scope)


L2_LOSS = register_op(
    "L2Loss", group="nn", inputs=("t: T",), outputs=("output: T",), type_attrs={"T": FLOAT},
    infer=lambda op: [(TensorShape([]), op.dtype(0))],
    kernel=lambda t: np.asarray(np.sum(np.square(t)) / 2, dtype=t.dtype),
    grad=lambda op, g: [math_ops.multiply(op.inputs[0], g)], doc="sum(t ** 2) / 2")


@export("nn.l2_loss")
def l2_loss(t, name=None):
    """Half the squared L2 norm of `t`: sum(t ** 2) / 2.

    >>> tf.nn.l2_loss([3.0, 4.0])
    <tf.Tensor: shape=(), dtype=float32, numpy=12.5>
    """
    return execute(L2_LOSS, [as_tensor(t)], name=name, default_name="L2Loss")


@export("nn.compute_average_loss")
def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """Sum of the per-example losses divided by the (global) batch size."""
    loss = as_tensor(per_example_loss)
    if sample_weight is not None:
        loss = math_ops.multiply(loss, as_tensor(sample_weight, dtype=loss.dtype))
    if global_batch_size is None:
        n = loss.shape.as_list()[0] if loss.shape.rank else None
        size = _scalar(n, loss) if n is not None else math_ops.cast(
            array_ops.shape(loss)[0], loss.dtype)
        replicas = _replicas_in_sync()
        if replicas > 1:  # the global batch: this replica's batch times the replicas
            size = math_ops.multiply(size, _scalar(replicas, loss))
    else:
        size = _scalar(global_batch_size, loss)
    return math_ops.divide_op(math_ops.reduce_sum(loss), size)


def _replicas_in_sync():
    """Replicas of the tf.distribute strategy in force (1 when tf.distribute is not in use)."""
    import sys

    lib = sys.modules.get("tfedu.distribute.distribute_lib")
    return lib.get_strategy().num_replicas_in_sync if lib is not None else 1


@export("nn.scale_regularization_loss")
def scale_regularization_loss(regularization_loss):
    """The regularization loss divided by the replicas in sync (added once per replica)."""
    loss = math_ops.add_n(list(regularization_loss)) if isinstance(
        regularization_loss, (list, tuple)) else as_tensor(regularization_loss)
    replicas = _replicas_in_sync()
    return math_ops.divide_op(loss, _scalar(replicas, loss)) if replicas > 1 else loss


# ------------------------------------------------------------------------------------------
# bias_add
# ------------------------------------------------------------------------------------------


def _channel_axis(rank, data_format):
    return 1 if data_format and data_format.startswith("NC") else rank - 1


def _bias_add_infer(op):
    v, b = op.shape(0), op.shape(1)
    if v.rank is not None and v.rank < 2:
        op.fail(f"Input tensor must be at least 2D: {shape_text(v.as_list())}")
    if b.rank is not None and b.rank != 1:
        op.fail(f"Biases must be 1D: {shape_text(b.as_list())}")
    if v.rank is not None and b.rank == 1:
        c = v.as_list()[_channel_axis(v.rank, op.attrs.get("data_format"))]
        nb = b.as_list()[0]
        if c is not None and nb is not None and c != nb:
            op.fail(f"Must provide as many biases as the last dimension of the input tensor: "
                    f"{shape_text(b.as_list())} vs. {shape_text(v.as_list())}")
    return [(v, op.dtype(0))]


def _bias_add_kernel(value, bias, data_format="NHWC"):
    axis = _channel_axis(value.ndim, data_format)
    if bias.ndim != 1 or value.ndim < 2 or value.shape[axis] != bias.shape[0]:
        raise OpCheckError(f"Must provide as many biases as the last dimension of the input "
                           f"tensor: {shape_text(bias.shape)} vs. {shape_text(value.shape)}")
    shape = [1] * value.ndim
    shape[axis] = -1
    return (value + bias.reshape(shape)).astype(value.dtype, copy=False)


BIAS_ADD = register_op(
    "BiasAdd", group="nn", inputs=("value: T", "bias: T"), outputs=("output: T",),
    type_attrs={"T": REAL}, attrs={"data_format": "NHWC"}, infer=_bias_add_infer,
    kernel=_bias_add_kernel,
    grad=lambda op, g: [g, execute(BIAS_ADD_GRAD, [g],
                                   {"data_format": op.get_attr("data_format")})],
    doc="value + bias along the channel axis")


@export("nn.bias_add")
def bias_add(value, bias, data_format=None, name=None):
    """Add a 1-D `bias` along the channel axis (the last one for NHWC).

    >>> tf.nn.bias_add([[1.0, 2.0]], [10.0, 20.0])
    <tf.Tensor: shape=(1, 2), dtype=float32, numpy=array([[11., 22.]], dtype=float32)>
    """
    value = as_tensor(value, name="input")
    bias = as_tensor(bias, dtype=value.dtype, name="bias")
    fmt = "NCHW" if data_format and data_format.startswith("NC") else "NHWC"
    return execute(BIAS_ADD, [value, bias], {"data_format": fmt}, name=name,
                   default_name="BiasAdd")


def _bias_add_grad_kernel(g, data_format="NHWC"):
    axis = _channel_axis(g.ndim, data_format)
    if axis == g.ndim - 1 and g.ndim >= 2 and g.size and g.dtype.type in _NB_DTYPES:
        flat = np.ascontiguousarray(g).reshape(-1, g.shape[-1])
        if _use_numba(g, g.size // 16):
            return K.nb_bias_add_grad(flat)
        return K.ref_bias_add_grad(flat)
    axes = tuple(i for i in range(g.ndim) if i != axis)
    return np.sum(g, axis=axes, dtype=g.dtype)


def _bias_add_grad_grad(op, gg):
    g = op.inputs[0]
    rank = g.shape.rank
    fmt = op.get_attr("data_format")
    axis = _channel_axis(rank, fmt)
    shape = [1] * rank
    shape[axis] = -1
    return [array_ops.broadcast_to(array_ops.reshape(gg, shape), array_ops.shape(g))]


BIAS_ADD_GRAD = register_op(
    "BiasAddGrad", group="nn", inputs=("out_backprop: T",), outputs=("output: T",),
    type_attrs={"T": REAL}, attrs={"data_format": "NHWC"},
    infer=lambda op: [(TensorShape([op.shape(0).as_list()[
        _channel_axis(op.shape(0).rank, op.attrs.get("data_format"))]]
        if op.shape(0).rank else None), op.dtype(0))],
    kernel=_bias_add_grad_kernel, grad=_bias_add_grad_grad,
    doc="Sum of the gradient over every axis but the channel axis.", numba=("nn_kernels.nb_bias_add_grad",))


# ------------------------------------------------------------------------------------------
# Window geometry shared by convolutions and pooling
# ------------------------------------------------------------------------------------------

Geometry = namedtuple("Geometry", "kh kw sh sw dh dw ph pw oh ow")


def _hw(seq, data_format):
    """(H, W) entries of a 4-entry NHWC/NCHW attribute."""
    return (seq[2], seq[3]) if data_format == "NCHW" else (seq[1], seq[2])


def _explicit_hw(explicit, data_format):
    if not explicit:
        return (0, 0), (0, 0)
    p = list(explicit)
    if data_format == "NCHW":
        return (p[4], p[5]), (p[6], p[7])
    return (p[2], p[3]), (p[4], p[5])


def _out_size(size, k, stride, dilation, padding, explicit, fail):
    if size is None or k is None:
        return None, 0
    if padding == "VALID" and size < (k - 1) * dilation + 1 and not executing_eagerly():
        # TF's shape function refuses a window larger than the input (its eager kernels give
        # an empty output)
        fail(f"Negative dimension size caused by subtracting {(k - 1) * dilation + 1} from "
             f"{size}")
    out, lo, _ = K.window_geometry(size, k, stride, dilation, padding, explicit)
    if out < 0:
        eff = (k - 1) * dilation + 1
        fail(f"Computed output size would be negative: {out} [input_size: {size}, "
             f"effective_filter_size: {eff}, stride: {stride}]")
    return out, lo


def _geometry(h, w, kh, kw, attrs, fail, dilated=True):
    fmt = attrs.get("data_format", "NHWC")
    sh, sw = _hw(attrs["strides"], fmt)
    dh, dw = _hw(attrs.get("dilations") or [1, 1, 1, 1], fmt) if dilated else (1, 1)
    eh, ew = _explicit_hw(attrs.get("explicit_paddings"), fmt)
    padding = attrs["padding"]
    oh, ph = _out_size(h, kh, sh, dh, padding, eh, fail)
    ow, pw = _out_size(w, kw, sw, dw, padding, ew, fail)
    return Geometry(kh, kw, sh, sw, dh, dw, ph, pw, oh, ow)


def _raise(message, cls=errors.InvalidArgumentError):
    raise OpCheckError(message, cls)


def _check_window_attrs(fail, attrs, what="strides"):
    fmt = attrs.get("data_format", "NHWC")
    strides = list(attrs["strides"])
    if len(strides) != 4:
        fail("Sliding window strides field must specify 4 dimensions")
    n_c = (strides[0], strides[1]) if fmt == "NCHW" else (strides[0], strides[3])
    if n_c != (1, 1):
        fail("Current implementation does not yet support strides in the batch and depth "
             "dimensions.")
    if min(_hw(strides, fmt)) <= 0:
        fail("Row and column strides should be larger than 0.")
    dil = attrs.get("dilations")
    if dil is not None:
        dil = list(dil)
        if len(dil) != 4:
            fail("Sliding window dilations field must specify 4 dimensions")
        n_c = (dil[0], dil[1]) if fmt == "NCHW" else (dil[0], dil[3])
        if n_c != (1, 1):
            fail("Current implementation does not yet support dilations in the batch and "
                 "depth dimensions.")
        if min(_hw(dil, fmt)) <= 0:
            fail("Dilated rates should be larger than 0.")
    padding = attrs["padding"]
    explicit = list(attrs.get("explicit_paddings") or [])
    if padding == "EXPLICIT":
        if len(explicit) != 8:
            fail(f"explicit_paddings attribute must contain 8 values, but got: {len(explicit)}")
        if any(p < 0 for p in explicit):
            fail("All elements of explicit_paddings must be nonnegative")
        nc = explicit[:4] if fmt == "NCHW" else explicit[:2] + explicit[6:]
        if any(nc):
            fail("Nonzero explicit padding in the batch or depth dimensions is not supported")
    elif padding not in ("SAME", "VALID"):
        fail(f"Value for attr 'padding' of \"{padding}\" is not in the list of allowed values: "
             "\"SAME\", \"VALID\", \"EXPLICIT\"", wrapped=False)


def _nhwc(shape: TensorShape, data_format):
    if shape.rank is None:
        return [None] * 4
    d = shape.as_list()
    return [d[0], d[2], d[3], d[1]] if data_format == "NCHW" else d


def _from_nhwc(d, data_format):
    return [d[0], d[3], d[1], d[2]] if data_format == "NCHW" else d


def _rank_check(op, shape, rank, eager_message):
    if shape.rank is not None and shape.rank != rank:
        if _state.graph is not None:
            op.fail(f"Shape must be rank {rank} but is rank {shape.rank}")
        op.fail(f"{eager_message}{shape_text(shape.as_list())}")


def _require_nhwc(data_format, op_type):
    if data_format != "NHWC":
        raise OpCheckError(f"The {op_type} op currently only supports the NHWC tensor format on "
                           f"the CPU. The op was given the format: {data_format}",
                           errors.UnimplementedError)


def _use_numba(arr, work=None):
    return arr.dtype.type in _NB_DTYPES and (work if work is not None else arr.size) >= \
        _NB_MIN_ELEMENTS


def _im2col(x, g):
    # With one channel numpy's strided slab copies beat a per-cell loop; from two channels up
    # (RGB images) the slabs' short runs make them 4-5x slower than the loop.
    if x.shape[3] >= 2 and _use_numba(x, x.size * g.kh * g.kw):
        return K.nb_im2col(x, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw, g.oh, g.ow)
    return K.ref_im2col(x, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw, g.oh, g.ow)


def _col2im(cols, h, w, g):
    if _use_numba(cols):
        return K.nb_col2im(cols, h, w, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw)
    return K.ref_col2im(cols, h, w, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw)


def _is_pointwise(g, x_shape):
    return (g.kh == g.kw == 1 and g.sh == g.sw == 1 and g.ph == g.pw == 0
            and (g.oh, g.ow) == tuple(x_shape[1:3]))


# ------------------------------------------------------------------------------------------
# Conv2D and its two gradients
# ------------------------------------------------------------------------------------------


def _kernel_geometry(h, w, kh, kw, attrs, dilated=True):
    return _geometry(h, w, kh, kw, attrs, _raise, dilated)


def _conv_attrs(strides, padding, explicit_paddings, data_format, dilations):
    return {"strides": list(strides), "padding": padding,
            "explicit_paddings": list(explicit_paddings or []), "data_format": data_format,
            "dilations": list(dilations)}


_CONV_DEFAULTS = {"strides": [1, 1, 1, 1], "padding": "VALID", "explicit_paddings": [],
                  "data_format": "NHWC", "dilations": [1, 1, 1, 1], "use_cudnn_on_gpu": True}
_CONV_T = (FLOAT[0], dtypes.float16, dtypes.float32, dtypes.float64)
# Conv2D alone also has an int32 CPU kernel in TF (listed in TF's order, as its errors print it)
_CONV2D_T = (dtypes.float16, FLOAT[0], dtypes.float32, dtypes.float64, dtypes.int32)


def _sizes(value, what):
    sizes = [int(v) for v in np.asarray(value).reshape(-1)]
    if len(sizes) != 4:
        raise OpCheckError(f"{what} must be 4-dimensional, got: {len(sizes)} values")
    return sizes


def _backprop_infer(op, sizes_index, what):
    a = op.attrs
    _check_window_attrs(op.fail, a)
    sizes = op.const_value(sizes_index)
    if sizes is None:
        return [(_shape_fed_to(op.inputs[sizes_index]), op.dtype(2))]
    sizes = [int(v) for v in np.asarray(sizes).reshape(-1)]
    if len(sizes) != 4:
        op.fail(f"{what} must be 4-dimensional, got: {len(sizes)} values")
    return [(TensorShape(sizes), op.dtype(2))]


def _shape_fed_to(sizes):
    """The static shape behind a `tf.shape(t)` sizes input (partially known), else 4 unknowns."""
    src = getattr(sizes, "_op", None)
    if src is not None and src.type == "Shape":
        shape = src.inputs[0].shape
        if shape.rank == 4:
            return shape
    return TensorShape([None] * 4)


def _check_backprop_shapes(op_type, x_shape, f_shape, dy_shape, attrs):
    """Validate that `dy` has the shape Conv2D(x, f) would produce (TF's messages)."""
    g = _kernel_geometry(x_shape[1], x_shape[2], f_shape[0], f_shape[1], attrs)
    if x_shape[3] != f_shape[2]:
        raise OpCheckError(f"{op_type}: input depth must be evenly divisible by filter depth")
    if dy_shape[3] != f_shape[3]:
        raise OpCheckError(f"{op_type}: filter and out_backprop must have the same out_depth")
    if dy_shape[0] != x_shape[0]:
        raise OpCheckError(f"{op_type}: input and out_backprop must have the same batch size")
    for dim, (actual, computed, size, k, s, d) in enumerate(
            [(dy_shape[1], g.oh, x_shape[1], f_shape[0], g.sh, g.dh),
             (dy_shape[2], g.ow, x_shape[2], f_shape[1], g.sw, g.dw)]):
        if actual != computed:
            raise OpCheckError(
                f"{op_type}: Size of out_backprop doesn't match computed: actual = {actual}, "
                f"computed = {computed} spatial_dim: {dim + 1} input: {size} filter: {k} "
                f"output: {actual} stride: {s} dilation: {d}")
    return g


def _conv_attr_subset(op):
    return {k: op.get_attr(k) for k in ("strides", "padding", "explicit_paddings",
                                        "data_format", "dilations")}


def conv2d_forward(x, w, g: Geometry, keep=None):
    """y[n, oy, ox, f] = sum over (i, j, c) of patch * w, as one matrix product. With a list
    `keep`, the patches built go into it (the conv_patches pass hands them to the filter
    gradient)."""
    n, _, _, c = x.shape
    kh, kw, _, f = w.shape
    if n * g.oh * g.ow * f == 0 or kh * kw * c == 0:
        return np.zeros((n, g.oh, g.ow, f), dtype=x.dtype)
    cols = x if _is_pointwise(g, x.shape) else _im2col(x, g)
    if keep is not None and cols is not x:
        keep.append(cols)
    out = blas.matmul(cols.reshape(-1, kh * kw * c), w.reshape(-1, f))
    return out.reshape(n, g.oh, g.ow, f).astype(x.dtype, copy=False)


def _conv2d_infer(op):
    a = op.attrs
    _check_window_attrs(op.fail, a)
    fmt = a.get("data_format", "NHWC")
    _rank_check(op, op.shape(0), 4, "input must be 4-dimensional")
    _rank_check(op, op.shape(1), 4, "filter must be 4-dimensional: ")
    n, h, w, c = _nhwc(op.shape(0), fmt)
    kh, kw, fc, fo = op.shape(1).as_list() if op.shape(1).rank else [None] * 4
    if c is not None and fc is not None and fc > 0 and c % fc:
        if _state.graph is not None:
            op.fail(f"Depth of input ({c}) is not a multiple of input depth of filter ({fc})")
        op.fail(f"input depth must be evenly divisible by filter depth: {c} vs {fc}")
    g = _geometry(h, w, kh, kw, a, op.fail)
    return [(TensorShape(_from_nhwc([n, g.oh, g.ow, fo], fmt)), op.dtype(0))]


def _conv2d_kernel(x, w, strides, padding, explicit_paddings=(), data_format="NHWC",
                   dilations=(1, 1, 1, 1), use_cudnn_on_gpu=True, keep=None):
    _require_nhwc(data_format, "Conv2D")
    if x.shape[3] != w.shape[2]:
        raise OpCheckError(
            "The Conv2D op currently does not support grouped convolutions on the CPU. A "
            f"grouped convolution was attempted to be run because the input depth of "
            f"{x.shape[3]} does not match the filter input depth of {w.shape[2]}",
            errors.UnimplementedError)
    attrs = _conv_attrs(strides, padding, explicit_paddings, data_format, dilations)
    g = _kernel_geometry(x.shape[1], x.shape[2], w.shape[0], w.shape[1], attrs)
    return conv2d_forward(x, w, g, keep)


def _conv2d_grad(op, g):
    x, w = op.inputs
    a = _conv_attr_subset(op)
    return [execute(CONV2D_BACKPROP_INPUT, [array_ops.shape(x), w, g], a),
            execute(CONV2D_BACKPROP_FILTER, [x, array_ops.shape(w), g], a)]


CONV2D = register_op(
    "Conv2D", group="nn", inputs=("input: T", "filter: T"), outputs=("output: T",),
    type_attrs={"T": _CONV2D_T}, attrs=dict(_CONV_DEFAULTS), infer=_conv2d_infer,
    kernel=_conv2d_kernel, grad=_conv2d_grad,
    doc="2-D convolution (cross-correlation) of NHWC images with HWIO filters.", numba=("nn_kernels.nb_im2col",))


@export("nn.conv2d")
def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution of NHWC `input` with [kh, kw, in, out] `filters` (cross-correlation).

    >>> x = tf.ones([1, 3, 3, 1])
    >>> w = tf.ones([2, 2, 1, 1])
    >>> tf.nn.conv2d(x, w, strides=1, padding='VALID')[0, :, :, 0]
    <tf.Tensor: shape=(2, 2), dtype=float32, numpy=
    array([[4., 4.],
           [4., 4.]], dtype=float32)>
    """
    fmt = _format(data_format)
    ch = 1 if fmt == "NCHW" else 3
    padding, explicit = _convert_padding(padding)
    x = as_tensor(input, name="input")
    w = as_tensor(filters, dtype=x.dtype, name="filter")
    attrs = _conv_attrs(_get_sequence(strides, 2, ch, "strides"), padding, explicit, fmt,
                        _get_sequence(dilations, 2, ch, "dilations"))
    return execute(CONV2D, [x, w], attrs, name=name, default_name="Conv2D")


@export("nn.conv1d")
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution of [batch, width, channels] `input`, as a conv2d of height 1."""
    if data_format not in (None, "NWC", "NHWC"):
        raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: "
                         f"data_format={data_format}")
    padding, explicit = _convert_padding(padding, 3)
    if explicit:
        explicit = explicit[:2] + [0, 0] + explicit[2:]
    strides = [1] + _get_sequence(stride, 1, 2, "stride")
    dil = [1] + _get_sequence(dilations, 1, 2, "dilations")
    x = as_tensor(input, name="input")
    w = as_tensor(filters, dtype=x.dtype, name="filters")
    y = execute(CONV2D, [_expand(x, -3), _expand(w, 0)],
                _conv_attrs(strides, padding, explicit, "NHWC", dil), default_name="Conv2D")
    return _squeeze(y, -3) if name is None else array_ops.identity(_squeeze(y, -3), name=name)


def conv2d_input_grad(input_shape, w, dy, g: Geometry):
    """dx: each output gradient times the filter, added back over its receptive field."""
    n, h, wd, c = input_shape
    kh, kw, _, f = w.shape
    if dy.size == 0 or w.size == 0:
        return np.zeros(input_shape, dtype=dy.dtype)
    dcols = blas.matmul(dy.reshape(-1, f), w.reshape(-1, f).T)
    if _is_pointwise(g, input_shape):
        return dcols.reshape(n, h, wd, c).astype(dy.dtype, copy=False)
    return _col2im(dcols.reshape(n, g.oh, g.ow, kh, kw, c), h, wd, g).astype(dy.dtype,
                                                                           copy=False)


def _conv2d_backprop_input_kernel(input_sizes, w, dy, strides, padding, explicit_paddings=(),
                                  data_format="NHWC", dilations=(1, 1, 1, 1),
                                  use_cudnn_on_gpu=True):
    _require_nhwc(data_format, "Conv2DBackpropInput")
    shape = _sizes(input_sizes, "input_sizes")
    if w.ndim != 4 or dy.ndim != 4:
        raise OpCheckError("Conv2DCustomBackpropInput: filter and out_backprop must be "
                           "4-dimensional")
    attrs = _conv_attrs(strides, padding, explicit_paddings, data_format, dilations)
    g = _check_backprop_shapes("Conv2DCustomBackpropInput", shape, w.shape, dy.shape, attrs)
    return conv2d_input_grad(tuple(shape), w, dy, g)


def _conv2d_backprop_input_grad(op, g):
    _, w, dy = op.inputs
    a = _conv_attr_subset(op)
    return [None, execute(CONV2D_BACKPROP_FILTER, [g, array_ops.shape(w), dy], a),
            execute(CONV2D, [g, w], a)]


CONV2D_BACKPROP_INPUT = register_op(
    "Conv2DBackpropInput", group="nn", inputs=("input_sizes: int32", "filter: T", "out_backprop: T"),
    outputs=("output: T",), type_attrs={"T": _CONV_T}, attrs=dict(_CONV_DEFAULTS),
    infer=lambda op: _backprop_infer(op, 0, "Conv2DBackpropInput: input_sizes"),
    kernel=_conv2d_backprop_input_kernel, grad=_conv2d_backprop_input_grad,
    doc="Gradient of Conv2D with respect to its input (also conv2d_transpose).", numba=("nn_kernels.nb_col2im",))


@export("nn.conv2d_transpose")
def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    """The transpose (adjoint) of conv2d: `filters` is [kh, kw, out_channels, in_channels]."""
    fmt = _format(data_format)
    ch = 1 if fmt == "NCHW" else 3
    padding, explicit = _convert_padding(padding)
    x = as_tensor(input, name="input")
    w = as_tensor(filters, dtype=x.dtype, name="filters")
    if not isinstance(output_shape, Tensor):
        output_shape = convert_to_tensor(np.asarray(output_shape, dtype=np.int32))
    attrs = _conv_attrs(_get_sequence(strides, 2, ch, "strides"), padding, explicit, fmt,
                        _get_sequence(dilations, 2, ch, "dilations"))
    return execute(CONV2D_BACKPROP_INPUT, [output_shape, w, x], attrs, name=name,
                   default_name="conv2d_transpose")


def conv2d_filter_grad(x, filter_shape, dy, g: Geometry, patches=None):
    """dw = patches^T @ dy: every patch weighted by the gradient of the cell it produced.
    `patches`: the ones the forward Conv2D built from this `x` (conv_patches pass), if any."""
    kh, kw, c, f = filter_shape
    if dy.size == 0 or x.size == 0:
        return np.zeros(filter_shape, dtype=dy.dtype)
    if _is_pointwise(g, x.shape):
        cols = x
    elif patches is not None and patches.shape == (x.shape[0], g.oh, g.ow, kh, kw, c):
        cols = patches
    else:
        cols = _im2col(x, g)
    dw = blas.matmul(cols.reshape(-1, kh * kw * c).T, dy.reshape(-1, f))
    return dw.reshape(kh, kw, c, f).astype(dy.dtype, copy=False)


def _conv2d_backprop_filter_kernel(x, filter_sizes, dy, strides, padding, explicit_paddings=(),
                                   data_format="NHWC", dilations=(1, 1, 1, 1),
                                   use_cudnn_on_gpu=True, patches=None):
    _require_nhwc(data_format, "Conv2DBackpropFilter")
    shape = _sizes(filter_sizes, "filter_sizes")
    if x.ndim != 4 or dy.ndim != 4:
        raise OpCheckError("Conv2DCustomBackpropFilter: input and out_backprop must be "
                           "4-dimensional")
    attrs = _conv_attrs(strides, padding, explicit_paddings, data_format, dilations)
    g = _check_backprop_shapes("Conv2DCustomBackpropFilter", x.shape, shape, dy.shape, attrs)
    return conv2d_filter_grad(x, tuple(shape), dy, g, patches)


def _conv2d_backprop_filter_grad(op, g):
    x, _, dy = op.inputs
    a = _conv_attr_subset(op)
    return [execute(CONV2D_BACKPROP_INPUT, [array_ops.shape(x), g, dy], a), None,
            execute(CONV2D, [x, g], a)]


CONV2D_BACKPROP_FILTER = register_op(
    "Conv2DBackpropFilter", group="nn", inputs=("input: T", "filter_sizes: int32", "out_backprop: T"),
    outputs=("output: T",), type_attrs={"T": _CONV_T}, attrs=dict(_CONV_DEFAULTS),
    infer=lambda op: _backprop_infer(op, 1, "Conv2DBackpropFilter: filter_sizes"),
    kernel=_conv2d_backprop_filter_kernel, grad=_conv2d_backprop_filter_grad,
    doc="Gradient of Conv2D with respect to its filter.", numba=("nn_kernels.nb_im2col",))


# ------------------------------------------------------------------------------------------
# Python-side argument handling (TF's _get_sequence / convert_padding)
# ------------------------------------------------------------------------------------------


def _get_sequence(value, n, channel_index, name):
    """Expand an int or short list to the 4 (or n + 2) entries of a window attribute."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, list):
        pass
    elif isinstance(value, tuple):
        value = list(value)
    elif isinstance(value, numbers.Integral):
        value = [int(value)]
    elif not hasattr(value, "__len__"):
        value = [value]
    else:
        value = list(value)
    value = [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: "
                         f"{name}={value} of length {len(value)}")
    return [1, 1] + value if channel_index == 1 else [1] + value + [1]


def _convert_padding(padding, expected_length=4):
    explicit = []
    if padding == "EXPLICIT":
        raise ValueError('"EXPLICIT" is not a valid value for `padding`. To use explicit '
                         "padding, `padding` must be a list.")
    if isinstance(padding, (list, tuple)):
        for i, dim in enumerate(padding):
            if not isinstance(dim, (list, tuple)):
                raise ValueError("When `padding` is a list, each element of `padding` must be a "
                                 f"list/tuple of size 2. Received: padding={padding} with "
                                 f"element at index {i} of type {type(dim)}")
            if len(dim) != 2:
                raise ValueError("When `padding` is a list, each element of `padding` must be a "
                                 f"list/tuple of size 2. Received: padding={padding} with "
                                 f"element at index {i} of size {len(dim)}")
            explicit.extend(int(p) for p in dim)
        if len(padding) != expected_length:
            raise ValueError(f"When padding is a list, it must be of size {expected_length}. "
                             f"Received: padding={padding} of size {len(padding)}")
        padding = "EXPLICIT"
    return padding, explicit


def _expand(x, axis):
    """expand_dims by a static reshape when possible (no shape ops in the graph)."""
    dims = _static_dims(x)
    if dims is not None and dims.count(None) <= 1:
        axis = axis % (len(dims) + 1)
        return array_ops.reshape(x, [-1 if d is None else d for d in dims[:axis]] + [1] +
                                 [-1 if d is None else d for d in dims[axis:]])
    return array_ops.expand_dims(x, axis)


def _squeeze(x, axis):
    dims = _static_dims(x)
    if dims is not None and dims.count(None) <= 1:
        axis = axis % len(dims)
        kept = dims[:axis] + dims[axis + 1:]
        return array_ops.reshape(x, [-1 if d is None else d for d in kept])
    return array_ops.squeeze(x, [axis])


def _format(data_format):
    return "NCHW" if data_format and data_format.startswith("NC") else "NHWC"


@export("nn.convolution")
def convolution(input, filters, strides=None, padding="VALID", data_format=None,
                dilations=None, name=None):
    """N-D convolution for 1-D (rank 3) and 2-D (rank 4) inputs: conv1d or conv2d."""
    x = as_tensor(input, name="input")
    rank = x.shape.rank
    if rank == 3:
        return conv1d(x, filters, strides if strides is not None else 1, padding,
                      data_format=data_format, dilations=dilations, name=name)
    if rank == 4:
        return conv2d(x, filters, strides if strides is not None else 1, padding,
                      data_format=data_format or "NHWC", dilations=dilations, name=name)
    if rank == 5:
        raise NotImplementedError("3-D convolution (Conv3D) is not available in tfedu")
    raise ValueError(f"`input` must have rank 3, 4 or 5. Received: input.shape={x.shape}")


# ------------------------------------------------------------------------------------------
# Depthwise convolution: every input channel has its own `m` filters
# ------------------------------------------------------------------------------------------


def _patches(x, g):
    n, _, _, c = x.shape
    return _im2col(x, g).reshape(n * g.oh * g.ow, g.kh * g.kw, c)


def _depthwise_check(op_type, x_shape, f_shape, dy_shape, attrs):
    g = _kernel_geometry(x_shape[1], x_shape[2], f_shape[0], f_shape[1], attrs)
    if x_shape[3] != f_shape[2]:
        raise OpCheckError(f"{op_type}: input and filter must have the same in_depth")
    expect = (x_shape[0], g.oh, g.ow, f_shape[2] * f_shape[3])
    if tuple(dy_shape) != expect:
        raise OpCheckError(f"{op_type}: out_backprop has shape {shape_text(dy_shape)} but the "
                           f"convolution computes {shape_text(expect)}")
    return g


_DW_DEFAULTS = {k: v for k, v in _CONV_DEFAULTS.items() if k != "use_cudnn_on_gpu"}


def depthwise_forward(x, w, g: Geometry):
    """y[p, c*m + j] = sum_k patch[p, k, c] * w[k, c, j], a batched (per channel) matmul."""
    n, _, _, c = x.shape
    kh, kw, _, m = w.shape
    if n * g.oh * g.ow * c * m == 0:
        return np.zeros((n, g.oh, g.ow, c * m), dtype=x.dtype)
    p = _patches(x, g).transpose(2, 0, 1)  # c, P, k
    out = blas.matmul(p, w.reshape(kh * kw, c, m).transpose(1, 0, 2))  # c, P, m
    return out.transpose(1, 0, 2).reshape(n, g.oh, g.ow, c * m).astype(x.dtype, copy=False)


def _depthwise_infer(op):
    a = op.attrs
    _check_window_attrs(op.fail, a)
    fmt = a.get("data_format", "NHWC")
    _rank_check(op, op.shape(0), 4, "input must be 4-dimensional")
    _rank_check(op, op.shape(1), 4, "filter must be 4-dimensional: ")
    n, h, w, c = _nhwc(op.shape(0), fmt)
    kh, kw, fc, m = op.shape(1).as_list() if op.shape(1).rank else [None] * 4
    if c is not None and fc is not None and c != fc:
        op.fail(f"input and filter must have the same depth: {c} vs {fc}")
    g = _geometry(h, w, kh, kw, a, op.fail)
    out_c = c * m if c is not None and m is not None else None
    return [(TensorShape(_from_nhwc([n, g.oh, g.ow, out_c], fmt)), op.dtype(0))]


def _depthwise_kernel(x, w, strides, padding, explicit_paddings=(), data_format="NHWC",
                      dilations=(1, 1, 1, 1)):
    _require_nhwc(data_format, "DepthwiseConv2dNative")
    attrs = _conv_attrs(strides, padding, explicit_paddings, data_format, dilations)
    g = _kernel_geometry(x.shape[1], x.shape[2], w.shape[0], w.shape[1], attrs)
    return depthwise_forward(x, w, g)


def _depthwise_grad(op, g):
    x, w = op.inputs
    a = _conv_attr_subset(op)
    return [execute(DEPTHWISE_BACKPROP_INPUT, [array_ops.shape(x), w, g], a),
            execute(DEPTHWISE_BACKPROP_FILTER, [x, array_ops.shape(w), g], a)]


DEPTHWISE_CONV2D = register_op(
    "DepthwiseConv2dNative", group="nn", inputs=("input: T", "filter: T"), outputs=("output: T",),
    type_attrs={"T": _CONV_T}, attrs=dict(_DW_DEFAULTS), infer=_depthwise_infer,
    kernel=_depthwise_kernel, grad=_depthwise_grad,
    doc="Per-channel 2-D convolution: filter [kh, kw, in, multiplier].", numba=("nn_kernels.nb_im2col",))


@export("nn.depthwise_conv2d", "nn.depthwise_conv2d_native")
def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    """Convolve each input channel with its own `channel_multiplier` filters."""
    fmt = _format(data_format)
    ch = 1 if fmt == "NCHW" else 3
    padding, explicit = _convert_padding(padding)
    x = as_tensor(input, name="input")
    w = as_tensor(filter, dtype=x.dtype, name="filter")
    attrs = _conv_attrs(_get_sequence(strides, 2, ch, "strides"), padding, explicit, fmt,
                        _get_sequence(dilations, 2, ch, "dilations"))
    return execute(DEPTHWISE_CONV2D, [x, w], attrs, name=name,
                   default_name="DepthwiseConv2dNative")


def depthwise_input_grad(input_shape, w, dy, g: Geometry):
    n, h, wd, c = input_shape
    kh, kw, _, m = w.shape
    if dy.size == 0 or w.size == 0:
        return np.zeros(input_shape, dtype=dy.dtype)
    d = dy.reshape(-1, c, m).transpose(1, 0, 2)  # c, P, m
    dcols = blas.matmul(d, w.reshape(kh * kw, c, m).transpose(1, 2, 0))  # c, P, k
    cols = dcols.transpose(1, 2, 0).reshape(n, g.oh, g.ow, kh, kw, c)
    return _col2im(np.ascontiguousarray(cols), h, wd, g).astype(dy.dtype, copy=False)


def _depthwise_backprop_input_kernel(input_sizes, w, dy, strides, padding, explicit_paddings=(),
                                     data_format="NHWC", dilations=(1, 1, 1, 1)):
    shape = _sizes(input_sizes, "input_sizes")
    attrs = _conv_attrs(strides, padding, explicit_paddings, data_format, dilations)
    g = _depthwise_check("DepthwiseConv2dNativeBackpropInput", shape, w.shape, dy.shape, attrs)
    return depthwise_input_grad(tuple(shape), w, dy, g)


DEPTHWISE_BACKPROP_INPUT = register_op(
    "DepthwiseConv2dNativeBackpropInput", group="nn",
    inputs=("input_sizes: int32", "filter: T", "out_backprop: T"), outputs=("output: T",),
    type_attrs={"T": _CONV_T}, attrs=dict(_DW_DEFAULTS),
    infer=lambda op: _backprop_infer(op, 0, "DepthwiseConv2dNativeBackpropInput: input_sizes"),
    kernel=_depthwise_backprop_input_kernel,
    grad=lambda op, g: [None, execute(DEPTHWISE_BACKPROP_FILTER,
                                      [g, array_ops.shape(op.inputs[1]), op.inputs[2]],
                                      _conv_attr_subset(op)),
                        execute(DEPTHWISE_CONV2D, [g, op.inputs[1]], _conv_attr_subset(op))])


def depthwise_filter_grad(x, filter_shape, dy, g: Geometry):
    kh, kw, c, m = filter_shape
    if dy.size == 0 or x.size == 0:
        return np.zeros(filter_shape, dtype=dy.dtype)
    p = _patches(x, g).transpose(2, 1, 0)  # c, k, P
    d = dy.reshape(-1, c, m).transpose(1, 0, 2)  # c, P, m
    dw = blas.matmul(p, d).transpose(1, 0, 2)  # k, c, m
    return dw.reshape(kh, kw, c, m).astype(dy.dtype, copy=False)


def _depthwise_backprop_filter_kernel(x, filter_sizes, dy, strides, padding,
                                      explicit_paddings=(), data_format="NHWC",
                                      dilations=(1, 1, 1, 1)):
    shape = _sizes(filter_sizes, "filter_sizes")
    attrs = _conv_attrs(strides, padding, explicit_paddings, data_format, dilations)
    g = _depthwise_check("DepthwiseConv2dNativeBackpropFilter", x.shape, shape, dy.shape, attrs)
    return depthwise_filter_grad(x, tuple(shape), dy, g)


DEPTHWISE_BACKPROP_FILTER = register_op(
    "DepthwiseConv2dNativeBackpropFilter", group="nn",
    inputs=("input: T", "filter_sizes: int32", "out_backprop: T"), outputs=("output: T",),
    type_attrs={"T": _CONV_T}, attrs=dict(_DW_DEFAULTS),
    infer=lambda op: _backprop_infer(op, 1, "DepthwiseConv2dNativeBackpropFilter: filter_sizes"),
    kernel=_depthwise_backprop_filter_kernel,
    grad=lambda op, g: [execute(DEPTHWISE_BACKPROP_INPUT,
                                [array_ops.shape(op.inputs[0]), g, op.inputs[2]],
                                _conv_attr_subset(op)), None,
                        execute(DEPTHWISE_CONV2D, [op.inputs[0], g], _conv_attr_subset(op))], numba=("nn_kernels.nb_im2col",))


@export("nn.separable_conv2d")
def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    """A depthwise convolution followed by a 1x1 convolution mixing the channels."""
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding,
                                 data_format=data_format, dilations=dilations)
    return conv2d(depthwise, pointwise_filter, 1, "VALID", data_format=data_format or "NHWC",
                  name=name)


# ------------------------------------------------------------------------------------------
# Pooling
# ------------------------------------------------------------------------------------------

_POOL_DEFAULTS = {"ksize": [1, 1, 1, 1], "strides": [1, 1, 1, 1], "padding": "VALID",
                  "explicit_paddings": [], "data_format": "NHWC"}
_MAXPOOL_T = (FLOAT[0], dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8,
              dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16)


def _check_pool_attrs(fail, attrs):
    ksize = list(attrs["ksize"])
    if len(ksize) != 4:
        fail("Sliding window ksize field must specify 4 dimensions")
    for i, k in enumerate(ksize):
        if k <= 0:
            fail(f"Sliding window ksize for dimension {i} was zero.")
    fmt = attrs.get("data_format", "NHWC")
    strides = list(attrs["strides"])
    if len(strides) != 4:
        fail("Sliding window stride field must specify 4 dimensions")
    batch_c = (0, 1) if fmt == "NCHW" else (0, 3)
    if ksize[0] != 1 or strides[0] != 1:
        fail("Pooling is not yet supported on the batch dimension.")
    if ksize[batch_c[1]] != 1 or strides[batch_c[1]] != 1:
        fail("Pooling is not yet supported on the depth dimension.", errors.UnimplementedError)
    _check_window_attrs(fail, {**attrs, "dilations": None})


def _pool_geometry(shape, attrs, fail):
    fmt = attrs.get("data_format", "NHWC")
    kh, kw = _hw(attrs["ksize"], fmt)
    return _geometry(shape[1], shape[2], kh, kw, attrs, fail, dilated=False)


def _pool_infer(op):
    a = op.attrs
    _check_pool_attrs(op.fail, a)
    fmt = a.get("data_format", "NHWC")
    x = op.shape(0)
    _rank_check(op, x, 4, "tensor_in must be 4-dimensional")
    n, h, w, c = _nhwc(x, fmt)
    g = _pool_geometry([n, h, w, c], a, op.fail)
    return [(TensorShape(_from_nhwc([n, g.oh, g.ow, c], fmt)), op.dtype(0))]


def _pool_attrs(ksize, strides, padding, explicit_paddings, data_format):
    return {"ksize": list(ksize), "strides": list(strides), "padding": padding,
            "explicit_paddings": list(explicit_paddings or []), "data_format": data_format}


def max_pool_argmax(x, g: Geometry):
    """(out, argmax) with argmax the flat index iy * w + ix of each window's max cell."""
    if x.size == 0 or g.oh * g.ow == 0:
        shape = (x.shape[0], g.oh, g.ow, x.shape[3])
        return np.zeros(shape, x.dtype), np.full(shape, -1, np.int64)
    if x.dtype.kind in "fi" and x.dtype.itemsize >= 4 and _use_numba(x):
        lowest = -np.inf if x.dtype.kind == "f" else int(np.iinfo(x.dtype).min)
        return K.nb_max_pool(x, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, lowest)
    return K.ref_max_pool(x, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow)


def _pool_attr_subset(op):
    return {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "explicit_paddings",
                                        "data_format")}


def _max_pool_kernel(x, ksize, strides, padding, explicit_paddings=(), data_format="NHWC"):
    _require_nhwc(data_format, "MaxPool")
    attrs = _pool_attrs(ksize, strides, padding, explicit_paddings, data_format)
    g = _pool_geometry(x.shape, attrs, _raise)
    if x.size and g.oh * g.ow and x.dtype.kind == "f" and _use_numba(x):
        return K.nb_max_pool_values(x, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, -np.inf)
    return max_pool_argmax(x, g)[0]


def _max_pool_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    return [execute(MAX_POOL_GRAD, [x, y, g], _pool_attr_subset(op))]


MAX_POOL = register_op(
    "MaxPool", group="nn", inputs=("input: T",), outputs=("output: T",), type_attrs={"T": _MAXPOOL_T},
    attrs=dict(_POOL_DEFAULTS), infer=_pool_infer, kernel=_max_pool_kernel,
    grad=_max_pool_grad, doc="The max of each ksize window.", numba=("nn_kernels.nb_max_pool", "nn_kernels.nb_max_pool_values"))


@export("nn.max_pool2d")
def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The max over each ksize window of an NHWC batch.

    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> tf.nn.max_pool2d(x, 2, 2, 'VALID')[0, :, :, 0]
    <tf.Tensor: shape=(2, 2), dtype=float32, numpy=
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)>
    """
    return _pool2d(MAX_POOL, "MaxPool2d", input, ksize, strides, padding, data_format, name)


@export("nn.max_pool1d")
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Max pooling over windows of a `[batch, width, channels]` tensor."""
    return _pool1d(MAX_POOL, "MaxPool1d", input, ksize, strides, padding, data_format, name)


def max_pool_grad_values(x, grad, attrs, relu_mask=False):
    """MaxPoolGrad's result (times `x > 0` with `relu_mask`: the ReluGrad of a ReLU whose
    output `x` fed the pool, fused into the same pass)."""
    g = _pool_geometry(x.shape, attrs, _raise)
    expect = (x.shape[0], g.oh, g.ow, x.shape[3])
    if grad.shape != expect:
        raise OpCheckError(f"Expected grad shape to be {shape_text(expect)}, but got "
                           f"{shape_text(grad.shape)}")
    if x.size and g.oh * g.ow and x.dtype == grad.dtype and _use_numba(grad, x.size):
        return K.nb_max_pool_grad(x, grad, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, relu_mask)
    _, arg = max_pool_argmax(x, g)
    dx = K.ref_max_pool_scatter(grad, arg, x.shape[1], x.shape[2])
    return dx * (x > 0) if relu_mask else dx


def _max_pool_grad_kernel(x, y, grad, ksize, strides, padding, explicit_paddings=(),
                          data_format="NHWC"):
    _require_nhwc(data_format, "MaxPoolGrad")
    attrs = _pool_attrs(ksize, strides, padding, explicit_paddings, data_format)
    return max_pool_grad_values(x, grad, attrs)


def _max_pool_grad_grad(op, gg):
    x, y, _ = op.inputs
    return [array_ops.zeros_like(x), array_ops.zeros_like(y),
            execute(MAX_POOL_GRAD_GRAD, [x, y, gg], _pool_attr_subset(op))]


MAX_POOL_GRAD = register_op(
    "MaxPoolGrad", group="nn", inputs=("orig_input: T", "orig_output: T", "grad: T"),
    outputs=("output: T",), type_attrs={"T": REAL}, attrs=dict(_POOL_DEFAULTS),
    infer=lambda op: [(op.shape(0), op.dtype(0))], kernel=_max_pool_grad_kernel,
    grad=_max_pool_grad_grad, doc="Sends each window's gradient to its max cell.", numba=("nn_kernels.nb_max_pool_grad",))


def _max_pool_grad_grad_kernel(x, y, grad, ksize, strides, padding, explicit_paddings=(),
                               data_format="NHWC"):
    """Gradient of MaxPoolGrad w.r.t. its `grad`: pick `grad` at each window's argmax."""
    attrs = _pool_attrs(ksize, strides, padding, explicit_paddings, data_format)
    g = _pool_geometry(x.shape, attrs, _raise)
    _, arg = max_pool_argmax(x, g)
    n, h, w, c = x.shape
    flat = grad.reshape(n, h * w, c)
    bi = np.arange(n)[:, None, None, None]
    ci = np.arange(c)[None, None, None, :]
    out = flat[bi, np.maximum(arg, 0), ci]
    return np.where(arg >= 0, out, np.zeros((), grad.dtype)).astype(grad.dtype, copy=False)


def _max_pool_grad_grad_grad(op, g):
    x, y, _ = op.inputs
    return [array_ops.zeros_like(x), array_ops.zeros_like(y),
            execute(MAX_POOL_GRAD, [x, y, g], _pool_attr_subset(op))]


MAX_POOL_GRAD_GRAD = register_op(
    "MaxPoolGradGrad", group="nn", inputs=("orig_input: T", "orig_output: T", "grad: T"),
    export={"graphdef": {"drop": ("explicit_paddings",)}},
    outputs=("output: T",), type_attrs={"T": REAL}, attrs=dict(_POOL_DEFAULTS),
    infer=lambda op: [(op.shape(1), op.dtype(0))], kernel=_max_pool_grad_grad_kernel,
    grad=_max_pool_grad_grad_grad, doc="Picks the gradient at each window's max cell.")


def avg_pool_values(x, g: Geometry):
    if x.size == 0 or g.oh * g.ow == 0:
        return np.zeros((x.shape[0], g.oh, g.ow, x.shape[3]), x.dtype)
    if _use_numba(x):
        return K.nb_avg_pool(x, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow)
    return K.ref_avg_pool(x, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow)


def _avg_pool_kernel(x, ksize, strides, padding, explicit_paddings=(), data_format="NHWC"):
    _require_nhwc(data_format, "AvgPool")
    attrs = _pool_attrs(ksize, strides, padding, explicit_paddings, data_format)
    return avg_pool_values(x, _pool_geometry(x.shape, attrs, _raise))


def _avg_pool_grad(op, g):
    return [execute(AVG_POOL_GRAD, [array_ops.shape(op.inputs[0]), g], _pool_attr_subset(op))]


AVG_POOL = register_op(
    "AvgPool", group="nn", inputs=("value: T",), outputs=("output: T",), type_attrs={"T": FLOAT},
    export={"graphdef": {"drop": ("explicit_paddings",)}},
    attrs=dict(_POOL_DEFAULTS), infer=_pool_infer, kernel=_avg_pool_kernel,
    grad=_avg_pool_grad, doc="The mean of each window's cells inside the image.", numba=("nn_kernels.nb_avg_pool",))


@export("nn.avg_pool2d")
def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean over each ksize window (padding cells are not counted)."""
    return _pool2d(AVG_POOL, "AvgPool2D", input, ksize, strides, padding, data_format, name)


@export("nn.avg_pool1d")
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Average pooling over windows of a `[batch, width, channels]` tensor."""
    return _pool1d(AVG_POOL, "AvgPool1D", input, ksize, strides, padding, data_format, name)


def _avg_pool_grad_kernel(orig_input_shape, grad, ksize, strides, padding,
                          explicit_paddings=(), data_format="NHWC"):
    shape = _sizes(orig_input_shape, "orig_input_shape")
    attrs = _pool_attrs(ksize, strides, padding, explicit_paddings, data_format)
    g = _pool_geometry(shape, attrs, _raise)
    n, h, w, c = shape
    if grad.shape != (n, g.oh, g.ow, c):
        raise OpCheckError(f"Expected grad shape to be {shape_text((n, g.oh, g.ow, c))}, but "
                           f"got {shape_text(grad.shape)}")
    if grad.size == 0:
        return np.zeros(shape, grad.dtype)
    if _use_numba(grad, n * h * w * c):
        return K.nb_avg_pool_grad(grad, h, w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw)
    return K.ref_avg_pool_grad(grad, h, w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw)


def _avg_pool_infer(op):
    a = op.attrs
    _check_pool_attrs(op.fail, a)
    sizes = op.const_value(0)
    if sizes is None:
        return [(_shape_fed_to(op.inputs[0]), op.dtype(1))]
    return [(TensorShape([int(v) for v in np.asarray(sizes).reshape(-1)]), op.dtype(1))]


AVG_POOL_GRAD = register_op(
    "AvgPoolGrad", group="nn", inputs=("orig_input_shape: int32", "grad: T"), outputs=("output: T",),
    export={"graphdef": {"drop": ("explicit_paddings",)}},
    type_attrs={"T": FLOAT}, attrs=dict(_POOL_DEFAULTS), infer=_avg_pool_infer,
    kernel=_avg_pool_grad_kernel,
    grad=lambda op, gg: [None, execute(AVG_POOL, [gg], _pool_attr_subset(op))],
    doc="Spreads each window's gradient evenly over its cells.", numba=("nn_kernels.nb_avg_pool_grad",))


def _pool2d(opdef, default, input, ksize, strides, padding, data_format, name):
    fmt = _format(data_format)
    ch = 1 if fmt == "NCHW" else 3
    padding, explicit = _convert_padding(padding)
    x = as_tensor(input, name="input")
    attrs = _pool_attrs(_get_sequence(ksize, 2, ch, "ksize"),
                        _get_sequence(strides, 2, ch, "strides"), padding, explicit, fmt)
    return execute(opdef, [x], attrs, name=name, default_name=default)


def _pool1d(opdef, default, input, ksize, strides, padding, data_format, name):
    if data_format not in (None, "NWC", "NHWC"):
        raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: "
                         f"data_format={data_format}")
    padding, explicit = _convert_padding(padding, 3)
    if explicit:
        explicit = explicit[:2] + [0, 0] + explicit[2:]
    ks = [1] + _get_sequence(ksize, 1, 2, "ksize")
    st = [1] + _get_sequence(strides, 1, 2, "strides")
    x = _expand(as_tensor(input, name="input"), 1)
    y = execute(opdef, [x], _pool_attrs(ks, st, padding, explicit, "NHWC"), default_name=default)
    return _squeeze(y, 1) if name is None else array_ops.identity(_squeeze(y, 1), name=name)


def _pool_nd(one, two, input, ksize, strides, padding, data_format, name):
    x = as_tensor(input, name="input")
    if x.shape.rank is not None:
        n = x.shape.rank - 2
    elif data_format is not None:
        n = len(data_format) - 2
    else:
        raise ValueError("`input` must have a static shape or a data format. Received: "
                         f"input={x} of shape {x.shape} and data_format={data_format}")
    if not 1 <= n <= 2:
        if n == 3:
            raise NotImplementedError("3-D pooling (MaxPool3D/AvgPool3D) is not available in "
                                      "tfedu")
        raise ValueError(f"`input.shape.rank` must be 3, 4 or 5. Received: "
                         f"input.shape={x.shape} of rank {n + 2}.")
    fn = one if n == 1 else two
    if data_format is None:
        data_format = "NWC" if n == 1 else "NHWC"
    return fn(x, ksize, strides, padding, data_format=data_format, name=name)


@export("nn.max_pool")
def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Max pooling for rank 3 (1-D) or rank 4 (2-D) inputs."""
    return _pool_nd(max_pool1d, max_pool2d, input, ksize, strides, padding, data_format, name)


@export("nn.avg_pool")
def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Average pooling for rank 3 (1-D) or rank 4 (2-D) inputs."""
    return _pool_nd(avg_pool1d, avg_pool2d, input, ksize, strides, padding, data_format, name)


# ------------------------------------------------------------------------------------------
# Dropout, moments, batch normalization, embeddings
# ------------------------------------------------------------------------------------------


@export("nn.dropout")
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zero each element with probability `rate`, scale the rest by 1 / (1 - rate)."""
    x = as_tensor(x, name="x")
    if not x.dtype.is_floating:
        raise ValueError("`x.dtype` must be a floating point tensor as `x` will be scaled. "
                         f"Received: x_dtype={x.dtype!r}")
    is_number = isinstance(rate, numbers.Real) and not isinstance(rate, bool)
    if is_number and not 0 <= rate < 1:
        raise ValueError("`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    with _scope(name, "dropout"):
        return _dropout(x, rate, is_number, noise_shape, seed)


def _dropout(x, rate, is_number, noise_shape, seed):
    if is_number:
        scaled = math_ops.multiply(x, _scalar(1 / (1 - rate), x))
        rate_t = _scalar(rate, x)
    else:
        rate_t = as_tensor(rate, dtype=x.dtype, name="rate")
        if rate_t.shape.rank not in (0, None):
            raise ValueError(f"`rate` must be a scalar. Received: rate={rate}")
        scaled = math_ops.multiply(
            x, math_ops.divide_op(_scalar(1, x), math_ops.subtract(_scalar(1, x), rate_t)))
    shape = _noise_shape(x, noise_shape)
    uniform = random_ops.uniform
    keep = math_ops.greater_equal(uniform(shape, seed=seed, dtype=x.dtype), rate_t)
    return array_ops.where(keep, scaled, array_ops.zeros_like(scaled))


def _noise_shape(x, noise_shape):
    dims = _static_dims(x)
    if noise_shape is None:
        return dims if dims is not None and None not in dims else array_ops.shape(x)
    if isinstance(noise_shape, Tensor):
        return noise_shape
    ns = list(noise_shape)
    if dims is not None and len(ns) == len(dims):
        ns = [d if v is None else v for v, d in zip(ns, dims)]
    return [int(v) for v in ns]


def _drop_axes(t, axes):
    """Squeeze the (kept, size 1) reduction axes of `t`."""
    dims = _static_dims(t)
    if dims is None:
        return array_ops.squeeze(t, list(axes))
    rank = len(dims)
    keep = [d for i, d in enumerate(dims) if i not in {a % rank for a in axes}]
    if keep.count(None) <= 1:
        return array_ops.reshape(t, [-1 if d is None else d for d in keep])
    return array_ops.squeeze(t, [a % rank for a in axes])


@export("nn.moments")
def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`; float16 inputs are reduced in float32.

    >>> mean, variance = tf.nn.moments(tf.constant([1.0, 3.0]), axes=[0])
    >>> mean, variance
    (<tf.Tensor: shape=(), dtype=float32, numpy=2.0>, <tf.Tensor: shape=(), dtype=float32, numpy=1.0>)
    """
    x = as_tensor(x, name="x")
    axes = [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
    with _scope(name, "moments"):
        y = math_ops.cast(x, dtypes.float32) if x.dtype is dtypes.float16 else x
        mean = math_ops.reduce_mean(y, axis=axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axis=axes,
            keepdims=True, name="variance")
        if not keepdims:
            mean, variance = _drop_axes(mean, axes), _drop_axes(variance, axes)
        if x.dtype is dtypes.float16:
            return math_ops.cast(mean, x.dtype), math_ops.cast(variance, x.dtype)
        return mean, variance


def _rsqrt(v):
    return math_ops.rsqrt(v)


@export("nn.batch_normalization")
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, as x * inv + (offset - mean*inv)."""
    x = as_tensor(x, name="x")
    mean = as_tensor(mean, dtype=x.dtype)
    variance = as_tensor(variance, dtype=x.dtype)
    with _scope(name, "batchnorm"):
        inv = _rsqrt(math_ops.add(variance, _scalar(variance_epsilon, variance)))
        if scale is not None:
            inv = math_ops.multiply(inv, as_tensor(scale, dtype=x.dtype))
        shift = math_ops.negative(math_ops.multiply(mean, inv))
        if offset is not None:
            shift = math_ops.add(as_tensor(offset, dtype=x.dtype), shift)
        return math_ops.add(math_ops.multiply(x, inv), shift)


@export("math.zero_fraction", "nn.zero_fraction")
def zero_fraction(value, name=None):
    """The fraction of entries of `value` that are zero (a float32 scalar)."""
    x = as_tensor(value, name="value")
    zero = math_ops.equal(x, array_ops.zeros_like(x))
    return math_ops.reduce_mean(math_ops.cast(zero, dtypes.float32), name=name)


@export("nn.embedding_lookup")
def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of `params` (a tensor or variable, or a one-element list of them) at `ids`."""
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError("Sharded embedding tables (a list of several params) "
                                      "are not available in tfedu")
        params = params[0]
    if max_norm is not None:
        raise NotImplementedError("embedding_lookup(max_norm=...) is not available in tfedu")
    return gather_ops.gather(params, ids, name=name)


@export("math.log_sigmoid")
def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    with name_scope(name or "LogSigmoid") as scope:
        x = as_tensor(x, name="x")
        return M.negative(softplus(M.negative(x)), name=scope)


@export("nn.local_response_normalization", "nn.lrn")
def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):
    """x / (bias + alpha * sum of squares over the `depth_radius` neighbouring channels)^beta."""
    x = as_tensor(input)
    sq = math_ops.square(x)
    c = x.shape[-1]
    pad = array_ops.pad(sq, [[0, 0]] * (x.shape.rank - 1) + [[depth_radius, depth_radius]])
    acc = math_ops.add_n([pad[..., i:i + c] for i in range(2 * depth_radius + 1)])
    return x / math_ops.pow(bias + alpha * acc, beta)
