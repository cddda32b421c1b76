"""Layers with weights (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D), pooling and softmax.

Each weighted layer runs in one of three ways, chosen by the types of its tensors:

- float: `y = x @ W.T + b`;
- int8 (full-integer models): `acc = sum((x_q - x_zero) * W_q) + b_q` in int32, then one rescale
  `y_q = round(acc * x_scale * W_scale / y_scale) + y_zero` - the arithmetic an integer-only chip
  does (a real runtime does that last multiply in fixed point);
- hybrid (dynamic-range models): float input, int8 weights. The input is quantised on the fly,
  row by row, so the product can still be computed in integers.
"""

from __future__ import annotations

import numpy as np

from tfedu.lite.kernels.base import (
    Node,
    activate,
    checked_shape,
    dequantize,
    float_inputs,
    kernel,
    quantize,
    round_half_away,
    to_output,
)

_SAME, _VALID = 0, 1


def _mode(node: Node) -> str:
    x, w = node.inputs[0], node.inputs[1]
    if x.dtype.kind == "f":
        return "hybrid" if w.dtype.kind in "iu" else "float"
    return "int8"


def _quantize_rows(x2: np.ndarray, asymmetric: bool):
    """Hybrid kernels' on-the-fly input quantisation: one scale (and zero point) per row."""
    if asymmetric:
        lo = np.minimum(x2.min(axis=1), 0)
        hi = np.maximum(x2.max(axis=1), 0)
        scale = np.where(hi > lo, (hi - lo) / 255.0, 1.0)
        zero = round_half_away(-128 - lo / scale)
    else:
        scale = np.abs(x2).max(axis=1) / 127.0
        scale = np.where(scale > 0, scale, 1.0)
        zero = np.zeros_like(scale)
    q = np.clip(round_half_away(x2 / scale[:, None]) + zero[:, None], -128, 127)
    return q.astype(np.int32) - zero[:, None].astype(np.int32), scale


@kernel("FULLY_CONNECTED")
def fully_connected(node: Node):
    x, w, b = (node.inputs + [None])[:3]
    x2 = x.reshape(-1, w.shape[1])
    mode = _mode(node)
    if mode == "float":
        y = x2 @ w.T.astype(np.float32) + (0 if b is None else b)
    elif mode == "hybrid":
        xq, row_scale = _quantize_rows(x2, node.options.get("asymmetric_quantize_inputs"))
        acc = xq @ w.T.astype(np.int32)
        w_scale, _ = node.q_in(1).along(1)
        y = acc * row_scale[:, None] * np.reshape(w_scale, -1) + (0 if b is None else b)
    else:
        y = _integer_product(node, x2, lambda xs, ws: xs @ ws.T, (1, -1))
    y = activate(node, y.astype(np.float32))
    shape = x.shape[:-1] + (w.shape[0],) if node.options.get("keep_num_dims") else (-1, w.shape[0])
    return [to_output(node, y.reshape(shape))]


def _integer_product(node: Node, xs, product, channel_shape):
    """int8 x int8 -> int32 accumulate (+ int32 bias), returned as the real value it stands for."""
    qx, qw = node.q_in(0), node.q_in(1)
    w = node.inputs[1]
    acc = product(xs.astype(np.int64) - int(qx.zero_point[0]), w.astype(np.int64))
    bias = node.inputs[2] if len(node.inputs) > 2 else None
    if bias is not None:
        acc = acc + bias.astype(np.int64).reshape(channel_shape)
    w_scale = qw.scale.reshape(channel_shape) if qw.scale.size > 1 else qw.scale[0]
    return acc * (float(qx.scale[0]) * w_scale)


def _pads(size: int, k: int, stride: int, dilation: int, padding: int):
    """Output size and (before, after) padding along one spatial axis, as TF computes them."""
    k_eff = (k - 1) * dilation + 1
    if padding == _VALID:
        return (size - k_eff) // stride + 1, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return out, total // 2, total - total // 2


def patches(x, kh, kw, opts, pad_value=0):
    """Every window of an NHWC input: shape [batch, out_h, out_w, kh, kw, channels]."""
    sh, sw = opts.get("stride_h", 1), opts.get("stride_w", 1)
    dh, dw = opts.get("dilation_h_factor", 1), opts.get("dilation_w_factor", 1)
    oh, top, bottom = _pads(x.shape[1], kh, sh, dh, opts.get("padding", _SAME))
    ow, left, right = _pads(x.shape[2], kw, sw, dw, opts.get("padding", _SAME))
    if oh <= 0 or ow <= 0:
        raise ValueError(f"the {kh}x{kw} window does not fit the {x.shape[1]}x{x.shape[2]} input")
    checked_shape([x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right, x.shape[3]])
    checked_shape([x.shape[0], oh, ow, kh, kw, x.shape[3]])
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=pad_value)
    rows = (np.arange(oh) * sh)[:, None] + np.arange(kh) * dh  # [oh, kh]
    cols = (np.arange(ow) * sw)[:, None] + np.arange(kw) * dw  # [ow, kw]
    return xp[:, rows[:, None, :, None], cols[None, :, None, :], :]


def _conv(node: Node, filt, equation: str):
    """CONV_2D and DEPTHWISE_CONV_2D share everything but the filter layout and the sum."""
    x, w = node.inputs[0], node.inputs[1]
    b = node.inputs[2] if len(node.inputs) > 2 else None
    kh, kw = w.shape[1], w.shape[2]
    mode = _mode(node)
    if mode == "float":
        p = patches(x.astype(np.float32), kh, kw, node.options)
        y = np.einsum(equation, p, filt(w.astype(np.float32))) + (0 if b is None else b)
    elif mode == "hybrid":  # one symmetric input scale per image
        xq, scale = _quantize_rows(x.reshape(len(x), -1), asymmetric=False)
        p = patches(xq.reshape(x.shape), kh, kw, node.options)
        acc = np.einsum(equation, p.astype(np.int64), filt(w.astype(np.int64)))
        w_scale, _ = node.q_in(1).along(1)
        y = acc * scale[:, None, None, None] * w_scale.reshape(-1) + (0 if b is None else b)
    else:
        p = patches(x, kh, kw, node.options, int(node.q_in(0).zero_point[0]))
        y = _integer_product(node, p, lambda ps, ws: np.einsum(equation, ps, filt(ws)),
                             (1, 1, 1, -1))
    return [to_output(node, activate(node, y.astype(np.float32)))]


@kernel("CONV_2D")
def conv_2d(node: Node):
    """Filter [out, kh, kw, in]: y[n, i, j, o] = sum over (kh, kw, in) of window * filter[o]."""
    return _conv(node, lambda w: w, "nhwijc,oijc->nhwo")


@kernel("DEPTHWISE_CONV_2D")
def depthwise_conv_2d(node: Node):
    """Filter [1, kh, kw, in * multiplier]: output channel k reads input channel k // multiplier."""
    x, w = node.inputs[0], node.inputs[1]
    multiplier = w.shape[3] // x.shape[3]
    if multiplier > 1:
        node.inputs = [np.repeat(x, multiplier, axis=3)] + node.inputs[1:]
    return _conv(node, lambda w: w[0], "nhwijk,ijk->nhwk")


def _pool(node: Node, reduce, pad_value):
    o = node.options
    p = patches(node.inputs[0], o["filter_height"], o["filter_width"], o, pad_value)
    return reduce(p)


@kernel("MAX_POOL_2D")
def max_pool_2d(node: Node):
    x = node.inputs[0]
    lowest = np.iinfo(x.dtype).min if x.dtype.kind in "iu" else -np.inf
    y = _pool(node, lambda p: p.max(axis=(3, 4)), lowest)
    return [activate(node, y).astype(x.dtype)]


@kernel("AVERAGE_POOL_2D")
def average_pool_2d(node: Node):
    """SAME padding averages only the real (unpadded) values of each window, as TF does."""
    x = node.inputs[0]
    total = _pool(node, lambda p: p.astype(np.float64).sum(axis=(3, 4)), 0)
    count = _pool(Node(node.op, [np.ones_like(x[:1, ..., :1], np.float64)], node.options,
                       node.in_q, node.out_q, node.out_dtypes), lambda p: p.sum(axis=(3, 4)), 0)
    y = total / count
    if x.dtype.kind in "iu":
        return [np.clip(round_half_away(y), np.iinfo(x.dtype).min, np.iinfo(x.dtype).max)
                .astype(x.dtype)]
    return [activate(node, y).astype(x.dtype)]


@kernel("SOFTMAX")
def softmax(node: Node):
    x = float_inputs(node)[0]
    z = node.options.get("beta", 1.0) * (x - x.max(axis=-1, keepdims=True))
    e = np.exp(z)
    return [to_output(node, e / e.sum(axis=-1, keepdims=True))]


@kernel("LOG_SOFTMAX")
def log_softmax(node: Node):
    x = float_inputs(node)[0]
    z = x - x.max(axis=-1, keepdims=True)
    return [to_output(node, z - np.log(np.exp(z).sum(axis=-1, keepdims=True)))]


@kernel("BATCH_MATMUL")
def batch_matmul(node: Node):
    a, b = float_inputs(node)[:2]
    if node.options.get("adj_x"):
        a = np.swapaxes(a, -1, -2)
    if node.options.get("adj_y"):
        b = np.swapaxes(b, -1, -2)
    return [to_output(node, a @ b)]


@kernel("QUANTIZE")
def quantize_op(node: Node):
    """float -> int8 (or int8 -> int8 on a new grid): the first op of a model with float input."""
    x = float_inputs(node)[0]
    return [quantize(x, node.out_q[0], node.out_dtypes[0])]


@kernel("DEQUANTIZE")
def dequantize_op(node: Node):
    """int8 -> float32 at the end of a model with float output; float16 weights -> float32."""
    return [dequantize(node.inputs[0], node.q_in(0))]
