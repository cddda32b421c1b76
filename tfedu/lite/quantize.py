"""Quantisation: smaller weights, integer arithmetic.

Three modes, as TF's converter has them (`real = scale * (q - zero_point)` throughout):

- **dynamic range** (`optimizations=[DEFAULT]`): weights with at least 1024 elements are
  stored as int8, one symmetric scale per output channel. Activations stay float; the layers
  quantise their input on the fly (a "hybrid" kernel). About 4x smaller, nearly as accurate.
- **float16** (`+ target_spec.supported_types=[tf.float16]`): every float weight stored as
  float16, turned back to float32 by DEQUANTIZE ops when the model starts. 2x smaller.
- **full integer** (`+ representative_dataset`): the float model is first run on the samples to
  *calibrate* - record the range of every activation - then every tensor gets int8 parameters:
  activations asymmetric from their ranges, weights symmetric per channel, biases int32 with
  scale = input scale x weight scale. Ops without an int8 kernel stay float, wrapped in
  DEQUANTIZE/QUANTIZE; the model's inputs and outputs stay float (QUANTIZE first, DEQUANTIZE
  last) unless `inference_input_type`/`inference_output_type` ask for int8 or uint8.
"""

from __future__ import annotations

import numpy as np

from tfedu.lite.calibrate import calibrate
from tfedu.lite.errors import ConverterError
from tfedu.lite.kernels.base import Quant, round_half_away
from tfedu.lite.program import Op, Program, Value

__all__ = ["apply", "MIN_RUNTIME", "DYNAMIC_RANGE_MIN_ELEMENTS"]

MIN_RUNTIME = {"float": "1.5.0", "dynamic": "1.14.0", "int8": "1.14.0", "float16": "1.15.0"}
DYNAMIC_RANGE_MIN_ELEMENTS = 1024  # TF leaves smaller weights in float32
_WEIGHTED = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")


def apply(program: Program, mode: str, converter) -> Program:
    if mode == "float":
        return program
    if mode == "float16":
        return float16_weights(program)
    if mode == "dynamic":
        return dynamic_range(program)
    from tfedu.lite.integer import full_integer

    ranges = calibrate(program, converter.representative_dataset)
    return full_integer(program, ranges, converter)


# ------------------------------------------------------------------------------ parameters


def symmetric_per_channel(w: np.ndarray, axis: int) -> tuple:
    """int8 weights in [-127, 127], one scale per channel along `axis` (zero point 0)."""
    other = tuple(i for i in range(w.ndim) if i != axis)
    top = np.abs(w).max(axis=other) if other else np.abs(w)
    scale = np.where(top > 0, top / 127.0, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(round_half_away(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, Quant(scale, np.zeros(len(scale), np.int64), axis)


def asymmetric(lo: float, hi: float, dtype=np.int8) -> Quant:
    """Activation parameters covering [lo, hi] (always including 0, which must be exact)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    info = np.iinfo(dtype)
    scale = (hi - lo) / (info.max - info.min) if hi > lo else 1.0
    zero = int(np.clip(round_half_away(info.min - lo / scale), info.min, info.max))
    return Quant(np.array([scale], np.float32), np.array([zero], np.int64), 0)


def quantized_const(name: str, q: np.ndarray, quant: Quant) -> Value:
    return Value(name, q.dtype, list(q.shape), np.ascontiguousarray(q), quant=quant)


def weight_axis(op_type: str) -> int:
    """The output-channel axis of a layer's weights: [out, ...] but depthwise [1, h, w, out]."""
    return 3 if op_type == "DEPTHWISE_CONV_2D" else 0


# ------------------------------------------------------------------------------ float16


def _dequantize_op(source: Value, name: str) -> tuple:
    out = Value(name, np.dtype(np.float32), list(source.shape))
    return Op("DEQUANTIZE", name, [source], [out], {}), out


def float16_weights(program: Program) -> Program:
    """Every float32 constant stored as float16, DEQUANTIZE'd to float32 at the start."""
    front, replaced = [], {}
    for op in program.ops:
        for i, v in enumerate(op.inputs):
            if v is not None and v.is_const and v.dtype == np.float32:
                if id(v) not in replaced:
                    half = Value(v.name, np.dtype(np.float16), list(v.const.shape),
                                 v.const.astype(np.float16))
                    dq, replaced[id(v)] = _dequantize_op(half, f"{v.name}1")
                    front.append(dq)
                op.inputs[i] = replaced[id(v)]
    program.ops = front + program.ops
    return program.relink()


# ------------------------------------------------------------------------------ dynamic range


def dynamic_range(program: Program) -> Program:
    """Large weights to int8: per channel in layers with hybrid kernels, else via DEQUANTIZE."""
    front = []
    for op in program.ops:
        for i, v in enumerate(op.inputs):
            if (v is None or not v.is_const or v.dtype != np.float32
                    or v.const.size < DYNAMIC_RANGE_MIN_ELEMENTS):
                continue
            if op.type in _WEIGHTED and i == 1:
                q, quant = symmetric_per_channel(v.const, weight_axis(op.type))
                op.inputs[i] = quantized_const(v.name, q, quant)
                if op.type == "FULLY_CONNECTED":
                    op.attrs["asymmetric_quantize_inputs"] = True
            else:
                q, quant = symmetric_per_channel(v.const.reshape(1, -1), 0)
                dq, op.inputs[i] = _dequantize_op(
                    quantized_const(v.name, q.reshape(v.const.shape), quant), f"{v.name}1")
                front.append(dq)
    program.ops = front + program.ops
    return program.relink()


def int8_only_error(op: Op) -> ConverterError:
    return ConverterError(f"Quantization not yet supported for op: '{op.type}'. "
                          f"With target_spec.supported_ops = [TFLITE_BUILTINS_INT8] every op "
                          f"must have an int8 kernel; allow TFLITE_BUILTINS to keep it in float.")
