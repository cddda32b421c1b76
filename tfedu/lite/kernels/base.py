"""What every kernel of the small interpreter uses: the registry (`kernel`, `KERNELS`), a
node's inputs and quantisation (`Node`, `Quant`) and the (de)quantising helpers."""


from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KERNELS: dict = {}


def kernel(*names: str):
    """Register a function as the kernel of one or more builtin operators."""

    def deco(fn):
        for name in names:
            KERNELS[name] = fn
        return fn

    return deco


@dataclass
class Quant:
    """A tensor's quantisation: real = scale * (q - zero_point), per tensor or per channel."""

    scale: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    zero_point: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    axis: int = 0

    @property
    def quantized(self) -> bool:
        return self.scale.size > 0

    def along(self, ndim: int):
        """(scale, zero_point) shaped to broadcast against a tensor of rank `ndim`."""
        if self.scale.size == 1:
            return self.scale[0], self.zero_point[0]
        shape = [1] * ndim
        shape[self.axis] = -1
        return self.scale.reshape(shape), self.zero_point.reshape(shape)


@dataclass
class Node:
    """One operator as a kernel sees it."""

    op: str
    inputs: list
    options: dict
    in_q: list
    out_q: list
    out_dtypes: list

    def q_in(self, i: int) -> Quant:
        return self.in_q[i]


def dequantize(x: np.ndarray, q: Quant) -> np.ndarray:
    """int8 (or float16) values back to float32."""
    if not q.quantized:
        return x.astype(np.float32)
    scale, zero = q.along(x.ndim)
    return (scale * (x.astype(np.float32) - zero)).astype(np.float32)


def round_half_away(x):
    """C's round(): halves away from zero (numpy's round goes to even)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantize(x: np.ndarray, q: Quant, dtype) -> np.ndarray:
    """float32 to an integer grid: q = round(x / scale) + zero_point, clipped to the type."""
    if not q.quantized:
        return np.asarray(x).astype(dtype)
    scale, zero = q.along(np.ndim(x))
    info = np.iinfo(dtype)
    return np.clip(round_half_away(np.asarray(x) / scale) + zero, info.min, info.max).astype(dtype)


def float_inputs(node: Node) -> list:
    """The node's inputs as float arrays (dequantised where quantised; absent ones stay None)."""
    return [None if x is None else dequantize(x, q) if q.quantized and x.dtype.kind in "iu"
            else x for x, q in zip(node.inputs, node.in_q)]


def to_output(node: Node, y: np.ndarray, i: int = 0) -> np.ndarray:
    """A float result as output `i`: quantised if that output is, else cast to its dtype."""
    q, dtype = node.out_q[i], node.out_dtypes[i]
    if q.quantized and np.dtype(dtype).kind in "iu":
        return quantize(y, q, dtype)
    return np.asarray(y).astype(dtype)


MAX_ELEMENTS = 1 << 26  # a tensor larger than this (256 MiB of float32) is refused, not allocated


def checked_shape(shape) -> tuple:
    """A shape an op is about to allocate, refused if negative or absurdly large."""
    shape = tuple(int(d) for d in np.ravel(shape))
    if any(d < 0 for d in shape) or np.prod(shape, dtype=np.float64) > MAX_ELEMENTS:
        raise ValueError(f"refusing to allocate a tensor of shape {list(shape)}")
    return shape


ACTIVATIONS = {  # the fused_activation_function of FULLY_CONNECTED, CONV_2D, ADD, ...
    0: lambda x: x,
    1: lambda x: np.maximum(x, 0),
    2: lambda x: np.clip(x, -1, 1),
    3: lambda x: np.clip(x, 0, 6),
    4: np.tanh,
    5: np.sign,
}


def activate(node: Node, y: np.ndarray) -> np.ndarray:
    return ACTIVATIONS[node.options.get("fused_activation_function", 0) or 0](y)
