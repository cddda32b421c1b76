"""Lay a legalised `Program` out as a TFLite model and serialise it.

The file lists every tensor once (inputs first), keeps each constant's bytes in a `Buffer`
(identical constants share one; buffer 0 is the empty one, for tensors computed at run time),
lists each builtin once with its version, and names the entry point in a signature
(`serving_default`: input names -> tensors, `output_0`... -> tensors). A tensor whose batch
dimension is unknown gets shape `1` there and `-1` in its `shape_signature`.
"""

from __future__ import annotations

import numpy as np

from tfedu.lite import flatbuffer, schema
from tfedu.lite.program import Program, Value

__all__ = ["serialize", "op_version"]

DESCRIPTION = "tfedu converted."

# Versions TF's converter gives builtins whose int8 kernels are newer than their float ones.
_INT8_VERSION = {"CONV_2D": 3, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 4, "SOFTMAX": 2,
                 "MAX_POOL_2D": 2, "AVERAGE_POOL_2D": 2, "ADD": 2, "SUB": 2, "MUL": 2,
                 "CONCATENATION": 2, "LOGISTIC": 2, "TANH": 2, "MEAN": 2, "DEQUANTIZE": 2,
                 "PACK": 2, "UNPACK": 2, "GATHER": 2, "STRIDED_SLICE": 2, "SLICE": 2,
                 "TRANSPOSE": 2, "SPLIT": 2, "MAXIMUM": 2, "MINIMUM": 2, "RELU": 2,
                 "RELU6": 2, "LEAKY_RELU": 2, "PAD": 2, "ARG_MAX": 2, "QUANTIZE": 1}
_HYBRID_VERSION = {"FULLY_CONNECTED": 12, "CONV_2D": 5, "DEPTHWISE_CONV_2D": 6}


def op_version(op) -> int:
    """The builtin's version: 1 for float, higher where the file needs a newer kernel."""
    first = next((v for v in op.inputs if v is not None), None)
    weights = op.inputs[1] if len(op.inputs) > 1 else None
    if op.type == "DEQUANTIZE" and first is not None and first.dtype == np.float16:
        return 3
    if (first is not None and first.dtype == np.float32 and weights is not None
            and weights.is_const and weights.dtype == np.int8):
        return _HYBRID_VERSION.get(op.type, 1)
    if first is not None and first.dtype in (np.int8, np.uint8) and first.quant is not None:
        return _INT8_VERSION.get(op.type, 1)
    return 1


class _Layout:
    """Assigns tensor and buffer indices and builds the tables."""

    def __init__(self, program: Program):
        self.program = program
        self.index: dict = {}
        self.tensors: list = []
        self.buffers: list = [{}]
        self.buffer_of: dict = {}
        self.names = self._names()

    def _names(self) -> dict:
        """A signature's tensors are named as TF names them; a bare function's keep theirs."""
        key = self.program.signature_key
        if key is None:
            return {id(v): n for v, n in zip(self.program.inputs, self.program.input_names)}
        names = {id(v): f"{key}_{n}:0" for v, n in zip(self.program.inputs,
                                                        self.program.input_names)}
        for i, v in enumerate(self.program.outputs):
            names.setdefault(id(v), f"StatefulPartitionedCall:{i}")
        return names

    def tensor(self, v: Value | None) -> int:
        if v is None:
            return -1
        if id(v) not in self.index:
            self.index[id(v)] = len(self.tensors)
            self.tensors.append(self._tensor_table(v))
        return self.index[id(v)]

    def _tensor_table(self, v: Value) -> dict:
        shape = v.const.shape if v.is_const else (v.shape or [])
        table = {"shape": np.array([1 if d is None else d for d in shape], np.int32),
                 "type": schema.TYPE_CODES[np.dtype(v.dtype)],
                 "buffer": self._buffer(v), "name": self.names.get(id(v), v.name)}
        if any(d is None for d in shape):
            table["shape_signature"] = np.array([-1 if d is None else d for d in shape],
                                                np.int32)
        if v.quant is not None and v.quant.quantized:
            table["quantization"] = {"scale": v.quant.scale.astype(np.float32),
                                     "zero_point": v.quant.zero_point.astype(np.int64),
                                     "quantized_dimension": int(v.quant.axis)}
        return table

    def _buffer(self, v: Value) -> int:
        if not v.is_const:
            return 0
        data = np.ascontiguousarray(v.const.astype(np.dtype(v.dtype).newbyteorder("<"))).tobytes()
        if data not in self.buffer_of:
            self.buffer_of[data] = len(self.buffers)
            self.buffers.append({"data": data})
        return self.buffer_of[data]


def serialize(program: Program, min_runtime_version: str = "1.5.0",
              indices: dict | None = None) -> bytes:
    """The `.tflite` bytes of a legalised program (`indices`, if given, receives
    id(value) -> tensor index: how calibration finds each value in the interpreter)."""
    layout = _Layout(program)
    for v in program.inputs:
        layout.tensor(v)
    codes, operators = [], []
    for op in program.ops:
        operators.append(_operator(op, layout, codes))
    outputs = [layout.tensor(v) for v in program.outputs]
    inputs = [layout.index[id(v)] for v in program.inputs]
    subgraph = {"tensors": layout.tensors, "inputs": np.array(inputs, np.int32),
                "outputs": np.array(outputs, np.int32), "operators": operators, "name": "main"}
    layout.buffers.append({"data": min_runtime_version.encode().ljust(16, b"\0")})
    model = {"version": schema.SCHEMA_VERSION, "operator_codes": [
        {"deprecated_builtin_code": min(schema.builtin_code(name), 127), "version": version,
         "builtin_code": schema.builtin_code(name)} for name, version in codes],
        "subgraphs": [subgraph], "description": DESCRIPTION, "buffers": layout.buffers,
        "metadata": [{"name": "min_runtime_version", "buffer": len(layout.buffers) - 1}],
        "signature_defs": [_signature(program, inputs, outputs)] if program.signature_key else []}
    if indices is not None:
        indices.update(layout.index)
    return flatbuffer.write_model(model)


def _operator(op, layout: _Layout, codes: list) -> dict:
    key = (op.type, op_version(op))
    if key not in codes:
        codes.append(key)
    table = {"opcode_index": codes.index(key),
             "inputs": np.array([layout.tensor(v) for v in op.inputs], np.int32),
             "outputs": np.array([layout.tensor(v) for v in op.outputs], np.int32)}
    options_name = schema.BUILTIN_OPTIONS.get(op.type)
    if options_name is not None:
        fields = schema.OPTIONS[options_name][1]
        table.update(flatbuffer.options(options_name, **{k: v for k, v in op.attrs.items()
                                                         if k in fields}))
    return table


def _signature(program: Program, inputs: list, outputs: list) -> dict:
    return {"signature_key": program.signature_key, "subgraph_index": 0,
            "inputs": [{"name": n, "tensor_index": i}
                       for n, i in zip(program.input_names, inputs)],
            "outputs": [{"name": n, "tensor_index": i}
                        for n, i in zip(program.output_names, outputs)]}
