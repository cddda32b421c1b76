"""Fused batch normalisation: `FusedBatchNormV3` and its gradient `FusedBatchNormGradV3`.

`tf.nn.moments` followed by `tf.nn.batch_normalization` is about ten ops, each a pass over the
activations, and their gradients twenty more. TensorFlow (and tfedu's Keras
`BatchNormalization` while training NHWC images) runs ONE op instead: it computes the batch
statistics and normalises in two passes over the input, and its gradient is one more op of two
passes (`tfedu/kernels/norm_kernels.py` shows the formulas). The outputs are TensorFlow's:

    y, batch_mean, batch_variance, reserve_space_1, reserve_space_2, reserve_space_3

While training, `batch_variance` is the unbiased (n / (n - 1)) variance, blended into the
running `variance` input when `exponential_avg_factor` is not 1; `reserve_space_1/2` hold the
batch mean and the biased variance the normalisation used (what the gradient needs; on CPU
TensorFlow stores the same), `reserve_space_3` is empty. At inference (`is_training=False`)
`mean` and `variance` are used as given and passed through.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.execute import execute
from tfedu.framework.op_check import OpCheckError, shape_text
from tfedu.framework.registry import FLOAT, register_op
from tfedu.framework.tensor_shape import TensorShape
from tfedu.kernels import norm_kernels as K
from tfedu.ops.nn_ops import _rank_check
from tfedu.ops.op_helpers import as_tensor, export

_T = FLOAT[:3]  # bfloat16 (named in errors only), float16, float32: TensorFlow's list
_U = (FLOAT[0], dtypes.float32)
_FORMATS = ("NHWC", "NCHW", "NDHWC", "NCDHW")
_NUMBA_MIN = 1 << 12  # elements; below this the numpy reference is quicker


def _rank_for(data_format):
    return 5 if len(data_format) == 5 else 4


def _rows(x, data_format):
    """x as a C-contiguous (pixels, channels) array, and how to give y x's layout back."""
    if data_format.startswith("NC"):
        last = np.moveaxis(x, 1, -1)
        shape = last.shape
        return (np.ascontiguousarray(last).reshape(-1, shape[-1]),
                lambda y2d: np.ascontiguousarray(np.moveaxis(y2d.reshape(shape), -1, 1)))
    return np.ascontiguousarray(x).reshape(-1, x.shape[-1]), lambda y2d: y2d.reshape(x.shape)


def _fast(a):
    return a.dtype == np.float32 and a.size >= _NUMBA_MIN


def _as_float32(a):
    return a if a.dtype == np.float32 else a.astype(np.float32)


def _check_input(x, data_format):
    rank = _rank_for(data_format)
    if data_format not in _FORMATS:
        raise OpCheckError(f"Invalid data format: {data_format}")
    if x.ndim != rank:
        raise OpCheckError(f"input must be {rank}-dimensional{shape_text(x.shape)}")


def _check_params(c, is_training, exponential_avg_factor, **params):
    for what, p in params.items():
        if p.ndim != 1:
            raise OpCheckError(f"{what} must be 1-dimensional{shape_text(p.shape)}")
        running = what in ("mean", "variance")
        if running and is_training and exponential_avg_factor == 1.0:
            continue
        if p.size != c:
            when = "When is_training=false, " if running and not is_training else ""
            raise OpCheckError(f"{when}{what} must have the same number of elements as the "
                               f"channels of x, got {p.size} and {c}")


# ------------------------------------------------------------------------------------------
# FusedBatchNormV3
# ------------------------------------------------------------------------------------------


def batch_norm_forward(x2d, scale, offset, mean, variance, epsilon, is_training, relu=False):
    """(y2d, mean, biased variance) for (pixels, channels) `x2d`; the statistics are the
    batch's while training, else `mean`/`variance` as given (float64). With `relu`, y2d is
    max(y, 0), computed in the same pass (the remapper's `_FusedBatchNormEx`)."""
    xs = _as_float32(x2d)
    if is_training:
        m, v = K.nb_bn_stats(xs) if _fast(xs) else K.ref_bn_stats(xs)
    else:
        m, v = mean.astype(np.float64), variance.astype(np.float64)
    inv = scale.astype(np.float64) / np.sqrt(v + epsilon)
    shift = offset.astype(np.float64) - m * inv
    y = (K.nb_bn_apply if _fast(xs) else K.ref_bn_apply)(xs, inv, shift, relu)
    return y.astype(x2d.dtype, copy=False), m, v


def _running(m, v, n, mean, variance, factor):
    """batch_mean, batch_variance outputs: unbiased, blended into the running values."""
    unbiased = v * (n / (n - 1)) if n > 1 else v
    if factor == 1.0:
        return m, unbiased
    return ((1 - factor) * mean + factor * m, (1 - factor) * variance + factor * unbiased)


def _fused_bn_kernel(x, scale, offset, mean, variance, epsilon=1e-4, exponential_avg_factor=1.0,
                     data_format="NHWC", is_training=True, activation_mode="Identity"):
    """FusedBatchNormV3; `activation_mode="Relu"` is the remapper's `_FusedBatchNormEx`
    (FusedBatchNormV3 + Relu, as TF's Grappler fuses them), not an attribute of the op."""
    _check_input(x, data_format)
    x2d, back = _rows(x, data_format)
    _check_params(x2d.shape[1], is_training, exponential_avg_factor, scale=scale, offset=offset,
                  mean=mean, variance=variance)
    y2d, m, v = batch_norm_forward(x2d, scale, offset, mean, variance, epsilon, is_training,
                                   activation_mode == "Relu")
    if is_training:
        out_m, out_v = _running(m, v, x2d.shape[0], mean, variance, exponential_avg_factor)
    else:
        out_m, out_v = mean, variance
    f32 = np.float32
    return (back(y2d), out_m.astype(f32), out_v.astype(f32), m.astype(f32), v.astype(f32),
            np.zeros(0, f32))


def _channel_dim(shape: TensorShape, data_format):
    if shape.rank is None:
        return None
    return shape.as_list()[1 if data_format.startswith("NC") else -1]


def _fused_bn_infer(op):
    fmt = op.attrs.get("data_format", "NHWC")
    x = op.shape(0)
    rank = _rank_for(fmt)
    _rank_check(op, x, rank, f"input must be {rank}-dimensional")
    c = _channel_dim(x, fmt)
    if c is None and op.shape(1).rank == 1:
        c = op.shape(1).as_list()[0]
    u = op.dtype(1)
    vec = TensorShape([c])
    return [(x, op.dtype(0)), (vec, u), (vec, u), (vec, u), (vec, u), (TensorShape(None), u)]


def _fused_bn_grad(op, dy, *unused):
    if dy is None:
        return [None] * 5
    x, scale = op.inputs[0], op.inputs[1]
    attrs = {k: op.get_attr(k) for k in ("epsilon", "data_format", "is_training")}
    dx, dscale, doffset, _, _ = execute(
        FUSED_BATCH_NORM_GRAD, [dy, x, scale, op.outputs[3], op.outputs[4], op.outputs[5]],
        attrs)
    return [dx, dscale, doffset, None, None]


FUSED_BATCH_NORM = register_op(
    "FusedBatchNormV3", group="nn",
    inputs=("x: T", "scale: U", "offset: U", "mean: U", "variance: U"),
    outputs=("y: T", "batch_mean: U", "batch_variance: U", "reserve_space_1: U",
             "reserve_space_2: U", "reserve_space_3: U"),
    type_attrs={"T": _T, "U": _U},
    attrs={"epsilon": 1e-4, "exponential_avg_factor": 1.0, "data_format": "NHWC",
           "is_training": True},
    infer=_fused_bn_infer, kernel=_fused_bn_kernel, grad=_fused_bn_grad,
    numba=("norm_kernels.nb_bn_stats", "norm_kernels.nb_bn_apply"),
    doc="Batch normalisation in one op: batch statistics (training) and the normalisation.")


@export("compat.v1.nn.fused_batch_norm")
def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """(y, running_mean, running_var) of one `FusedBatchNormV3` op (TF1's API).

    While training, the statistics are the batch's and `running_var` is unbiased; epsilon is
    raised to at least 1.001e-5, as TensorFlow does."""
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
        raise ValueError("Both `mean` and `variance` must be a 1D tensor when `is_training` is "
                         "False or `exponential_avg_factor` != 1.0. Received: `mean` "
                         f"{mean!r} and `variance` {variance!r}")
    y, running_mean, running_var, _, _, _ = fused_batch_norm_v3(
        x, scale, offset, mean, variance, epsilon, data_format, is_training, name,
        exponential_avg_factor)
    return y, running_mean, running_var


def fused_batch_norm_v3(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                        data_format="NHWC", is_training=True, name=None,
                        exponential_avg_factor=1.0):
    """All six outputs of `FusedBatchNormV3` (Keras' BatchNormalization reads the reserve
    spaces: the batch mean and the biased variance, Keras 3's moving-average statistics)."""
    x = as_tensor(x, name="x")
    params = [as_tensor(p if p is not None else np.zeros(0, np.float32), dtype=dtypes.float32)
              for p in (scale, offset, mean, variance)]
    attrs = {"epsilon": float(max(epsilon, 1.001e-5)),
             "exponential_avg_factor": float(exponential_avg_factor),
             "data_format": data_format, "is_training": bool(is_training)}
    return execute(FUSED_BATCH_NORM, [x] + params, attrs, name=name,
                   default_name="FusedBatchNormV3")


# ------------------------------------------------------------------------------------------
# FusedBatchNormGradV3
# ------------------------------------------------------------------------------------------


def batch_norm_backward(dy2d, x2d, scale, m, v, epsilon, is_training):
    """(dx2d, d_scale, d_offset): see `tfedu/kernels/norm_kernels.py` for the formulas."""
    dys, xs = _as_float32(dy2d), _as_float32(x2d)
    fast = _fast(xs)
    sum_dy, sum_dyx = (K.nb_bn_grad_sums if fast else K.ref_bn_grad_sums)(dys, xs, m)
    rstd = 1.0 / np.sqrt(v + epsilon)
    g = scale.astype(np.float64)
    d_scale = sum_dyx * rstd
    a = g * rstd
    b = np.zeros_like(a)
    c = np.zeros_like(a)
    n = x2d.shape[0]
    if is_training and n:
        b = -a * rstd * d_scale / n
        c = -a * sum_dy / n - b * m
    dx = (K.nb_bn_grad_apply if fast else K.ref_bn_grad_apply)(dys, xs, a, b, c)
    return dx.astype(dy2d.dtype, copy=False), d_scale, sum_dy


def _fused_bn_grad_kernel(y_backprop, x, scale, reserve_space_1, reserve_space_2,
                          reserve_space_3, epsilon=1e-4, data_format="NHWC", is_training=True):
    _check_input(x, data_format)
    if y_backprop.shape != x.shape:
        raise OpCheckError(f"x and y_backprop must have same shape, but x has shape "
                           f"{shape_text(x.shape)} and y_backprop has shape "
                           f"{shape_text(y_backprop.shape)}")
    x2d, back = _rows(x, data_format)
    dy2d, _ = _rows(y_backprop, data_format)
    _check_params(x2d.shape[1], False, 1.0, scale=scale, reserve_space_1=reserve_space_1,
                  reserve_space_2=reserve_space_2)
    m, v = reserve_space_1.astype(np.float64), reserve_space_2.astype(np.float64)
    dx, d_scale, d_offset = batch_norm_backward(dy2d, x2d, scale, m, v, epsilon, is_training)
    f32 = np.float32
    return (back(dx), d_scale.astype(f32), d_offset.astype(f32), np.zeros(0, f32),
            np.zeros(0, f32))


def _fused_bn_grad_infer(op):
    fmt = op.attrs.get("data_format", "NHWC")
    x = op.shape(1)
    vec = TensorShape([_channel_dim(x, fmt)])
    u = op.dtype(3)
    return [(x, op.dtype(0)), (vec, u), (vec, u), (TensorShape([0]), u), (TensorShape([0]), u)]


FUSED_BATCH_NORM_GRAD = register_op(
    "FusedBatchNormGradV3", group="nn",
    inputs=("y_backprop: T", "x: T", "scale: float32", "reserve_space_1: U",
            "reserve_space_2: U", "reserve_space_3: U"),
    outputs=("x_backprop: T", "scale_backprop: U", "offset_backprop: U", "reserve_space_4: U",
             "reserve_space_5: U"),
    type_attrs={"T": _T, "U": _U},
    attrs={"epsilon": 1e-4, "data_format": "NHWC", "is_training": True},
    infer=_fused_bn_grad_infer, kernel=_fused_bn_grad_kernel,
    numba=("norm_kernels.nb_bn_grad_sums", "norm_kernels.nb_bn_grad_apply"),
    doc="Gradient of FusedBatchNormV3: dx, d_scale, d_offset in two passes.")

