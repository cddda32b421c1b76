"""Ops that move values without computing new ones: reshape, concatenate, slice, gather, ...

On quantised tensors they work on the int8 values directly (a reshape does not care what the
numbers mean). Only where an output lives on a different grid than its input - a concatenation
of tensors with different scales - are the values moved onto the output's grid.
"""

from __future__ import annotations

import numpy as np

from tfedu.lite.kernels.base import (
    Node,
    activate,
    checked_shape,
    dequantize,
    kernel,
    quantize,
    to_output,
)


def _regrid(node: Node, x: np.ndarray, i: int = 0) -> np.ndarray:
    """Input `i`'s values on the output's grid (unchanged when the grids agree)."""
    q_in, q_out = node.in_q[i], node.out_q[0]
    same = (q_in.scale.tolist() == q_out.scale.tolist()
            and q_in.zero_point.tolist() == q_out.zero_point.tolist())
    if same or x.dtype.kind not in "iu" or not q_out.quantized:
        return x
    return quantize(dequantize(x, q_in), q_out, node.out_dtypes[0])


def _new_shape(x: np.ndarray, shape) -> tuple:
    shape = [int(d) for d in np.ravel(shape)]
    if shape.count(-1) > 1 or any(d < -1 for d in shape):
        raise ValueError(f"the new shape {shape} has more than one -1 or a negative size")
    known = int(np.prod([d for d in shape if d != -1]))
    if -1 in shape:
        if known == 0 or x.size % known:
            raise ValueError(f"cannot reshape {x.size} values into {shape}")
        shape[shape.index(-1)] = x.size // known
    if int(np.prod(shape)) != x.size:
        raise ValueError(f"cannot reshape {x.size} values into {shape}")
    return tuple(shape)


@kernel("RESHAPE")
def reshape(node: Node):
    x = node.inputs[0]
    shape = node.inputs[1] if len(node.inputs) > 1 and node.inputs[1] is not None else None
    if shape is None:
        shape = node.options.get("new_shape")
    return [_regrid(node, x.reshape(_new_shape(x, shape)))]


@kernel("SQUEEZE")
def squeeze(node: Node):
    dims = node.options.get("squeeze_dims")
    x = node.inputs[0]
    axes = tuple(int(d) for d in dims) if dims is not None and len(dims) else None
    return [np.squeeze(x, axis=axes)]


@kernel("EXPAND_DIMS")
def expand_dims(node: Node):
    return [np.expand_dims(node.inputs[0], int(np.ravel(node.inputs[1])[0]))]


@kernel("TRANSPOSE")
def transpose(node: Node):
    return [np.transpose(node.inputs[0], [int(p) for p in node.inputs[1]])]


@kernel("CONCATENATION")
def concatenation(node: Node):
    parts = [_regrid(node, x, i) for i, x in enumerate(node.inputs)]
    y = np.concatenate(parts, axis=node.options.get("axis", 0))
    return [to_output(node, activate(node, y)) if y.dtype.kind == "f" else y]


@kernel("PACK")
def pack(node: Node):
    parts = [_regrid(node, x, i) for i, x in enumerate(node.inputs)]
    return [np.stack(parts, axis=node.options.get("axis", 0))]


@kernel("UNPACK")
def unpack(node: Node):
    x = node.inputs[0]
    axis = node.options.get("axis", 0)
    return [np.take(x, i, axis=axis) for i in range(x.shape[axis])]


@kernel("SPLIT")
def split(node: Node):
    """Inputs (axis, value): TFLite puts the axis first."""
    axis, x = int(np.ravel(node.inputs[0])[0]), node.inputs[1]
    return np.split(x, node.options.get("num_splits") or len(node.out_dtypes), axis=axis)


@kernel("SPLIT_V")
def split_v(node: Node):
    x, sizes, axis = node.inputs[0], node.inputs[1], int(np.ravel(node.inputs[2])[0])
    sizes = [int(s) for s in sizes]
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def _bit(mask: int, i: int) -> bool:
    return bool((mask or 0) >> i & 1)


@kernel("STRIDED_SLICE")
def strided_slice(node: Node):
    """TF's `x[begin:end:stride]` with its masks, written as one numpy index."""
    x, begin, end, strides = node.inputs[:4]
    o = node.options
    index = []
    for i in range(len(begin)):
        if _bit(o.get("ellipsis_mask"), i):
            index.append(Ellipsis)
        elif _bit(o.get("new_axis_mask"), i):
            index.append(None)
        elif _bit(o.get("shrink_axis_mask"), i):
            index.append(int(begin[i]))
        else:
            b = None if _bit(o.get("begin_mask"), i) else int(begin[i])
            e = None if _bit(o.get("end_mask"), i) else int(end[i])
            index.append(slice(b, e, int(strides[i])))
    return [np.array(x[tuple(index)])]


@kernel("SLICE")
def slice_(node: Node):
    x, begin, size = node.inputs[:3]
    index = tuple(slice(int(b), None if int(s) == -1 else int(b) + int(s))
                  for b, s in zip(begin, size))
    return [x[index]]


@kernel("GATHER")
def gather(node: Node):
    params, indices = node.inputs[:2]
    axis = node.options.get("axis", 0) % params.ndim
    bad = (indices < 0) | (indices >= params.shape[axis])
    if np.any(bad):
        raise ValueError(f"gather index {int(indices[bad][0])} out of bounds "
                         f"[0, {params.shape[axis]})")
    return [np.take(params, indices, axis=axis)]


@kernel("SHAPE")
def shape(node: Node):
    return [np.array(node.inputs[0].shape, node.out_dtypes[0])]


@kernel("FILL")
def fill(node: Node):
    dims, value = node.inputs[:2]
    return [np.full(checked_shape(dims), value, node.out_dtypes[0])]


@kernel("ZEROS_LIKE")
def zeros_like(node: Node):
    return [np.zeros_like(node.inputs[0])]


@kernel("PAD", "PADV2")
def pad(node: Node):
    x, paddings = node.inputs[:2]
    q = node.q_in(0)
    value = node.inputs[2] if len(node.inputs) > 2 else (q.zero_point[0] if q.quantized else 0)
    widths = [(int(a), int(b)) for a, b in paddings]
    checked_shape([d + a + b for d, (a, b) in zip(x.shape, widths)])
    return [np.pad(x, widths, constant_values=value)]


@kernel("TILE")
def tile(node: Node):
    x, multiples = node.inputs[:2]
    reps = [int(m) for m in multiples]
    checked_shape(np.multiply(x.shape, reps) if len(reps) == x.ndim else [-1])
    return [np.tile(x, reps)]


@kernel("BROADCAST_TO")
def broadcast_to(node: Node):
    return [np.broadcast_to(node.inputs[0], checked_shape(node.inputs[1])).copy()]


@kernel("RANGE")
def range_(node: Node):
    start, limit, delta = (np.ravel(x)[0] for x in node.inputs[:3])
    if delta == 0:
        raise ValueError("RANGE with a delta of 0")
    checked_shape([max(np.ceil((limit - start) / delta), 0)])
    return [np.arange(start, limit, delta).astype(node.out_dtypes[0])]
