"""Fold what follows a layer into the layer, as TF's converter does.

After `legalize`, a `Dense(relu)` is FULLY_CONNECTED -> ADD(bias) -> RELU, and a convolution
followed by batch normalisation is CONV_2D -> ADD(bias) -> MUL(gamma / sqrt(var + eps)) ->
ADD(beta - mean * ...). Three rewrites make each of these one operator:

- ADD or SUB of a per-channel constant after a layer: added to the layer's bias;
- MUL by a per-channel constant after a layer: each output channel's weights and bias scaled
  (this is how batch normalisation disappears from a converted model);
- RELU, RELU6 or RELU_N1_TO_1 after a layer or an elementwise op: its fused activation.

A rewrite applies only when the layer's result feeds nothing else and is not a model output.
First, ops that change nothing go: adding zero or multiplying by one (Keras's `Rescaling` adds
an offset of 0).
"""

from __future__ import annotations

import numpy as np

from tfedu.lite.program import Op, Program, Value

__all__ = ["fuse"]

LAYERS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
_ACTIVATIONS = {"RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}
_TAKES_ACTIVATION = LAYERS + ("ADD", "SUB", "MUL", "DIV")


def fuse(program: Program) -> Program:
    """Apply the rewrites until none applies (each one removes an op, so this ends)."""
    while _drop_one_no_op(program) or _fuse_one(program):
        program.relink()
    return program


_NEUTRAL = {"ADD": 0.0, "SUB": 0.0, "MUL": 1.0, "DIV": 1.0}


def _passes_through(op: Op) -> Value | None:
    """The variable input of `x + 0`, `x - 0`, `x * 1` or `x / 1`, else None."""
    if op.type not in _NEUTRAL or op.attrs.get("fused_activation_function", 0):
        return None
    x, c = op.inputs[0], op.inputs[1]
    if c is None or not c.is_const or x.is_const or x.shape != op.outputs[0].shape:
        return None
    return x if np.all(c.const == _NEUTRAL[op.type]) else None


def _drop_one_no_op(program: Program) -> bool:
    for op in program.ops:
        x = _passes_through(op)
        if x is None:
            continue
        y = op.outputs[0]
        for other in program.ops:
            other.inputs = [x if v is y else v for v in other.inputs]
        program.outputs = [x if v is y else v for v in program.outputs]
        program.ops = [o for o in program.ops if o is not op]
        return True
    return False


def _fuse_one(program: Program) -> bool:
    for op in program.ops:
        producer = _sole_producer(op, program, program.ops)
        if producer is not None and _fuse_pair(producer, op):
            producer.outputs = op.outputs
            program.ops = [o for o in program.ops if o is not op]
            return True
    return False


def _sole_producer(op: Op, program: Program, ops: list) -> Op | None:
    """The op producing `op`'s variable input, if `op` is its only reader."""
    variable = [v for v in op.inputs if v is not None and not v.is_const]
    if len(variable) != 1:
        return None
    v = variable[0]
    producer = v.producer
    if (producer is None or producer not in ops or len(v.consumers) != 1
            or any(v is out for out in program.outputs) or len(producer.outputs) != 1):
        return None
    return producer


def _fuse_pair(layer: Op, op: Op) -> bool:
    if layer.attrs.get("fused_activation_function", 0):
        return False
    if op.type in _ACTIVATIONS and layer.type in _TAKES_ACTIVATION:
        layer.attrs["fused_activation_function"] = _ACTIVATIONS[op.type]
        op.outputs[0].name = f"{layer.outputs[0].name};{op.outputs[0].name}"
        return True
    if layer.type not in LAYERS or layer.outputs[0].dtype != np.float32:
        return False
    channel = _per_channel_constant(op, layer)
    if channel is None:
        return False
    if op.type == "MUL":
        _scale_channels(layer, channel)
    else:
        _add_to_bias(layer, -channel if op.type == "SUB" else channel)
    return True


def _per_channel_constant(op: Op, layer: Op) -> np.ndarray | None:
    """The constant of ADD/SUB/MUL(layer output, c) as one value per output channel."""
    if op.type not in ("ADD", "SUB", "MUL") or op.attrs.get("fused_activation_function", 0):
        return None
    const = [v for v in op.inputs if v is not None and v.is_const]
    if len(const) != 1 or (op.type == "SUB" and op.inputs[1] is not const[0]):
        return None
    c = const[0].const.astype(np.float32)
    channels = _bias_of(layer).shape[0]
    if c.size not in (1, channels) or (c.ndim > 0 and c.shape[-1] != c.size):
        return None
    if c.ndim > len(layer.outputs[0].shape or []):
        return None
    return np.broadcast_to(c.reshape(-1), (channels,)).astype(np.float32)


def _bias_of(layer: Op) -> np.ndarray:
    weights = layer.inputs[1].const
    channels = weights.shape[3] if layer.type == "DEPTHWISE_CONV_2D" else weights.shape[0]
    bias = layer.inputs[2]
    return bias.const if bias is not None else np.zeros(channels, np.float32)


def _set(layer: Op, i: int, data: np.ndarray, suffix: str):
    old = layer.inputs[i]
    name = old.name if old is not None else f"{layer.name}/{suffix}"
    layer.inputs[i] = Value(name, data.dtype, list(data.shape), np.ascontiguousarray(data))


def _add_to_bias(layer: Op, c: np.ndarray):
    _set(layer, 2, (_bias_of(layer) + c).astype(np.float32), "bias")


def _scale_channels(layer: Op, c: np.ndarray):
    weights = layer.inputs[1].const
    shape = (1, 1, 1, -1) if layer.type == "DEPTHWISE_CONV_2D" else (-1,) + (1,) * (
        weights.ndim - 1)
    bias = _bias_of(layer)
    _set(layer, 1, (weights * c.reshape(shape)).astype(np.float32), "weights")
    _set(layer, 2, (bias * c).astype(np.float32), "bias")
