"""Helpers for gradient functions: undoing broadcasting, the dtype-safe zeros, and friends.

Every helper builds ordinary ops, so gradients work the same eagerly and in graphs (where some
dims may be unknown and the reduction axes are computed by `BroadcastGradientArgs` at run time).
"""

from __future__ import annotations

import numpy as np

from tfedu.framework.execute import execute
from tfedu.framework.registry import INTS, register_op
from tfedu.framework.tensor import EagerTensor
from tfedu.framework.tensor_shape import TensorShape


def _bga_kernel(s0, s1):
    s0, s1 = [int(v) for v in s0], [int(v) for v in s1]
    n = max(len(s0), len(s1))
    a = [1] * (n - len(s0)) + s0
    b = [1] * (n - len(s1)) + s1
    r0 = [i for i in range(n) if a[i] == 1 and b[i] != 1 or (i < n - len(s0))]
    r1 = [i for i in range(n) if b[i] == 1 and a[i] != 1 or (i < n - len(s1))]
    return np.array(sorted(set(r0)), dtype=np.int32), np.array(sorted(set(r1)), dtype=np.int32)


BROADCAST_GRADIENT_ARGS = register_op(
    "BroadcastGradientArgs", group="array",
    inputs=("s0: T", "s1: T"),
    outputs=("r0: T", "r1: T"),
    type_attrs={"T": INTS},
    infer=lambda op: [(TensorShape([None]), op.dtype(0)), (TensorShape([None]), op.dtype(0))],
    kernel=_bga_kernel,
    doc="The axes to sum over to undo broadcasting of two shapes.",
)


def _static_reduce_axes(grad_shape, x_shape):
    g, x = grad_shape.as_list(), x_shape.as_list()
    lead = len(g) - len(x)
    axes = list(range(lead))
    for i, d in enumerate(x):
        if d == 1 and g[lead + i] != 1:
            axes.append(lead + i)
    return axes


def unbroadcast(grad, x):
    """Sum `grad` over the axes along which `x` was broadcast, so it has `x`'s shape."""
    if type(grad) is EagerTensor and type(x) is EagerTensor:
        return _unbroadcast_now(grad, x._value.shape)
    from tfedu.ops import array_ops, math_ops

    gs, xs = grad.shape, x.shape
    if gs.is_fully_defined() and xs.is_fully_defined():
        if gs.as_tuple() == xs.as_tuple():
            return grad
        axes = _static_reduce_axes(gs, xs)
        if axes:
            grad = math_ops.reduce_sum(grad, axis=axes)
        if grad.shape.as_tuple() == xs.as_tuple():  # a bias: the sum already has its shape
            return grad
        return array_ops.reshape(grad, xs.as_list())
    sx = array_ops.shape(x)
    sg = array_ops.shape(grad)
    rx, _ = execute(BROADCAST_GRADIENT_ARGS, [sx, sg])
    return array_ops.reshape(math_ops.reduce_sum(grad, axis=rx), sx)


def _unbroadcast_now(grad, shape):
    """`unbroadcast` of an eager gradient to an eager input's `shape` (the same ops, with the
    axes read off the two numpy shapes)."""
    gs = grad._value.shape
    if gs == shape:
        return grad  # most eager gradients: nothing was broadcast
    from tfedu.ops import array_ops, math_ops

    lead = len(gs) - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and gs[lead + i] != 1]
    if axes:
        grad = math_ops.reduce_sum(grad, axis=np.array(axes, np.int32))
    if grad._value.shape == shape:  # a bias: the sum already has its shape
        return grad
    return array_ops.reshape(grad, np.array(shape, np.int32))


def binary_grads(op, gx, gy):
    """Unbroadcast the two raw gradients of a binary op to its inputs' shapes (None for an input
    no source needs: `op.skip_input_indices`, set by the eager backward pass)."""
    x, y = op.inputs[0], op.inputs[1]
    skip = getattr(op, "skip_input_indices", None) or ()
    return [None if gx is None or 0 in skip else unbroadcast(gx, x),
            None if gy is None or 1 in skip else unbroadcast(gy, y)]
