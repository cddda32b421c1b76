"""Full-integer quantisation of a float program, given each activation's calibrated range.

Each op either runs in int8 (it has an int8 kernel: listed in `INT8_OPS`) or stays float. Every
value then lives in one domain: the int8 version of a value exists where an int8 op made it, the
float version where a float op (or the float model input) did. Where an op needs the other
version, a QUANTIZE or DEQUANTIZE op is put in between. The parameters of an int8 activation
come from its calibrated range, except for ops whose output range is fixed (softmax, logistic,
tanh) or equal to their input's (reshape, pooling, slicing: these move values, they do not
compute new ones).
"""

from __future__ import annotations

import numpy as np

from tfedu.lite.kernels.base import Quant
from tfedu.lite.program import Op, Program, Value
from tfedu.lite.quantize import (
    asymmetric,
    int8_only_error,
    quantized_const,
    symmetric_per_channel,
    weight_axis,
)

__all__ = ["full_integer", "INT8_OPS"]

_FIXED = {"SOFTMAX": (1 / 256, -128), "LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0),
          "LOG_SOFTMAX": (16 / 256, 127)}
_SAME_AS_INPUT = {"RESHAPE": 0, "SQUEEZE": 0, "EXPAND_DIMS": 0, "TRANSPOSE": 0,
                  "MAX_POOL_2D": 0, "AVERAGE_POOL_2D": 0, "STRIDED_SLICE": 0, "SLICE": 0,
                  "GATHER": 0, "SPLIT": 1, "SPLIT_V": 0, "UNPACK": 0, "PAD": 0}
INT8_OPS = set(_FIXED) | set(_SAME_AS_INPUT) | {
    "FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "SUB", "MUL", "CONCATENATION",
    "RELU", "RELU6", "LEAKY_RELU", "MEAN", "HARD_SWISH"}
_WEIGHTED = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")


def _io_type(dtype) -> np.dtype:
    name = getattr(dtype, "name", None) or (np.dtype(dtype).name if dtype is not None else "")
    return np.dtype({"int8": np.int8, "uint8": np.uint8}.get(name, np.float32))


class _Integer:
    def __init__(self, program: Program, ranges: dict, converter):
        self.program = program
        self.ranges = ranges
        self.in_type = _io_type(converter.inference_input_type)
        self.out_type = _io_type(converter.inference_output_type)
        self.int8_only = _int8_only(converter)
        self.int8: dict = {}   # id(float value) -> its int8 version
        self.float: dict = {}  # id(float value) -> its float version, where one exists
        self.params: dict = {}
        self.ops: list = []

    # ---------------------------------------------------------------- parameters

    def param(self, v: Value) -> Quant:
        if id(v) not in self.params:
            self.params[id(v)] = self._param(v)
        return self.params[id(v)]

    def _param(self, v: Value) -> Quant:
        op = v.producer
        if op is not None and op.type in _FIXED and op.type in INT8_OPS:
            scale, zero = _FIXED[op.type]
            return Quant(np.array([scale], np.float32), np.array([zero], np.int64), 0)
        if op is not None and op.type in _SAME_AS_INPUT:
            return self.param(op.inputs[_SAME_AS_INPUT[op.type]])
        if id(v) not in self.ranges:
            return asymmetric(0.0, 0.0)
        return asymmetric(*self.ranges[id(v)])

    # ---------------------------------------------------------------- domains

    def as_int8(self, v: Value) -> Value:
        """The int8 version of activation `v`, quantising its float version if needed."""
        if id(v) not in self.int8:
            q = Value(v.name, np.dtype(np.int8), v.shape, quant=self.param(v))
            self.ops.append(Op("QUANTIZE", f"{v.name}/quantize", [self.as_float(v)], [q]))
            self.int8[id(v)] = q
        return self.int8[id(v)]

    def as_float(self, v: Value) -> Value:
        """The float version of `v` (the original value object), dequantising if needed."""
        if id(v) not in self.float:
            self.ops.append(Op("DEQUANTIZE", f"{v.name}/dequantize", [self.int8[id(v)]], [v]))
            self.float[id(v)] = v
        return self.float[id(v)]

    # ---------------------------------------------------------------- ops

    def runs_int8(self, op: Op) -> bool:
        floats = [v for v in op.inputs + op.outputs if v is not None and v.dtype == np.float32]
        return op.type in INT8_OPS and bool(floats)

    def int8_op(self, op: Op):
        inputs = [self.int8_input(op, i, v) for i, v in enumerate(op.inputs)]
        outputs = []
        for v in op.outputs:
            if v.dtype != np.float32:
                outputs.append(v)
                continue
            q = Value(v.name, np.dtype(np.int8), v.shape, quant=self.param(v))
            self.int8[id(v)] = q
            outputs.append(q)
        self.ops.append(Op(op.type, op.name, inputs, outputs, dict(op.attrs), op.source))

    def int8_input(self, op: Op, i: int, v: Value | None):
        if v is None or v.dtype != np.float32:
            return v
        if not v.is_const:
            return self.as_int8(v)
        if op.type in _WEIGHTED and i == 1:
            q, quant = symmetric_per_channel(v.const, weight_axis(op.type))
            return quantized_const(v.name, q, quant)
        if op.type in _WEIGHTED and i == 2:
            return self.bias(op, v)
        quant = asymmetric(v.const.min(initial=0.0), v.const.max(initial=0.0))
        return quantized_const(v.name, _quantize(v.const, quant), quant)

    def bias(self, op: Op, v: Value) -> Value:
        """int32 bias on the grid of (input scale x weight scale), channel by channel."""
        x_scale = float(self.param(op.inputs[0]).scale[0])
        _, w_quant = symmetric_per_channel(op.inputs[1].const, weight_axis(op.type))
        scale = (x_scale * w_quant.scale).astype(np.float32)
        q = np.clip(np.round(v.const / scale), -2**31, 2**31 - 1).astype(np.int32)
        return quantized_const(v.name, q, Quant(scale, np.zeros(len(scale), np.int64), 0))

    def float_op(self, op: Op):
        if self.int8_only:
            raise int8_only_error(op)
        inputs = [v if v is None or v.is_const or v.dtype != np.float32 else self.as_float(v)
                  for v in op.inputs]
        for v in op.outputs:
            self.float[id(v)] = v
        self.ops.append(Op(op.type, op.name, inputs, op.outputs, dict(op.attrs), op.source))

    # ---------------------------------------------------------------- model inputs and outputs

    def inputs(self) -> list:
        new = []
        for v in self.program.inputs:
            if v.dtype != np.float32 or self.in_type == np.float32:
                self.float[id(v)] = v
                new.append(v)
                continue
            q = self.param(v)
            outer = Value(v.name, self.in_type, v.shape, quant=_shift(q, self.in_type))
            if self.in_type == np.uint8:
                inner = Value(f"{v.name}_int8", np.dtype(np.int8), v.shape, quant=q)
                self.ops.append(Op("QUANTIZE", f"{v.name}/quantize", [outer], [inner]))
                self.int8[id(v)] = inner
            else:
                self.int8[id(v)] = outer
            new.append(outer)
        return new

    def outputs(self) -> list:
        new = []
        for v in self.program.outputs:
            if v.dtype != np.float32:
                new.append(v)
            elif self.out_type == np.float32:
                new.append(self.as_float(v))
            else:
                q = self.as_int8(v)
                if self.out_type == np.uint8:
                    out = Value(f"{v.name}_uint8", self.out_type, v.shape,
                                quant=_shift(q.quant, np.uint8))
                    self.ops.append(Op("QUANTIZE", f"{v.name}/quantize_uint8", [q], [out]))
                    q = out
                new.append(q)
        return new

    def run(self) -> Program:
        inputs = self.inputs()
        for op in self.program.ops:
            (self.int8_op if self.runs_int8(op) else self.float_op)(op)
        outputs = self.outputs()
        return Program(inputs, outputs, self.ops, self.program.input_names,
                       self.program.output_names, self.program.signature_key).relink()


def _quantize(x: np.ndarray, quant: Quant) -> np.ndarray:
    from tfedu.lite.kernels.base import quantize

    return quantize(x, quant, np.int8)


def _shift(q: Quant, dtype) -> Quant:
    """uint8 is int8 with zero points moved by 128 (the same reals, another integer type)."""
    if np.dtype(dtype) != np.uint8:
        return q
    return Quant(q.scale, q.zero_point + 128, q.axis)


def _int8_only(converter) -> bool:
    ops = {str(getattr(o, "value", o)) for o in converter.target_spec.supported_ops}
    return ops == {"TFLITE_BUILTINS_INT8"}


def full_integer(program: Program, ranges: dict, converter) -> Program:
    return _Integer(program, ranges, converter).run()
