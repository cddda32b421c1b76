"""Map a frozen program's TensorFlow ops to TensorFlow Lite builtin operators.

Which builtin an op becomes is plain data on the op's registry entry (`opdef.export["tflite"]`,
e.g. `MatMul` -> `FULLY_CONNECTED`). What changes on the way is written here, one function per
builtin: TFLite's own layouts (a dense kernel is stored `[out, in]`, a conv filter
`[out, h, w, in]`), attributes that become options (strides, padding) and inputs that become
options (a concatenation's axis). An op with no builtin stops the conversion with TF's error.

Then `fuse.py` folds biases, batch normalisation and activations into the layers before them.
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import registry
from tfedu.lite import schema
from tfedu.lite.errors import ConverterError, unsupported_ops_error
from tfedu.lite.program import Op, Program, Value

__all__ = ["legalize", "tflite_builtin"]

# TF op type -> TFLite builtin, for ops whose registry entry does not carry it yet.
_PENDING_EXPORT = {
    "MatMul": "FULLY_CONNECTED", "BatchMatMulV2": "BATCH_MATMUL", "Conv2D": "CONV_2D",
    "DepthwiseConv2dNative": "DEPTHWISE_CONV_2D", "MaxPool": "MAX_POOL_2D",
    "AvgPool": "AVERAGE_POOL_2D", "BiasAdd": "ADD", "AddV2": "ADD", "Sub": "SUB", "Mul": "MUL",
    "RealDiv": "DIV", "Maximum": "MAXIMUM", "Minimum": "MINIMUM",
    "SquaredDifference": "SQUARED_DIFFERENCE", "Pow": "POW", "FloorDiv": "FLOOR_DIV",
    "FloorMod": "FLOOR_MOD", "Relu": "RELU", "Relu6": "RELU6", "Elu": "ELU",
    "LeakyRelu": "LEAKY_RELU", "Sigmoid": "LOGISTIC", "Tanh": "TANH", "Softmax": "SOFTMAX",
    "LogSoftmax": "LOG_SOFTMAX", "Exp": "EXP", "Log": "LOG", "Sqrt": "SQRT", "Rsqrt": "RSQRT",
    "Square": "SQUARE", "Abs": "ABS", "Neg": "NEG", "Sin": "SIN", "Cos": "COS",
    "Floor": "FLOOR", "Ceil": "CEIL", "Round": "ROUND", "Sign": "SIGN", "Reshape": "RESHAPE",
    "Squeeze": "SQUEEZE", "ExpandDims": "EXPAND_DIMS", "Transpose": "TRANSPOSE",
    "ConcatV2": "CONCATENATION", "Pack": "PACK", "Unpack": "UNPACK", "Split": "SPLIT",
    "SplitV": "SPLIT_V", "StridedSlice": "STRIDED_SLICE", "Slice": "SLICE",
    "GatherV2": "GATHER", "Shape": "SHAPE", "Fill": "FILL", "Pad": "PAD", "PadV2": "PADV2",
    "Tile": "TILE", "BroadcastTo": "BROADCAST_TO", "Mean": "MEAN", "Sum": "SUM",
    "Max": "REDUCE_MAX", "Min": "REDUCE_MIN", "Prod": "REDUCE_PROD", "ArgMax": "ARG_MAX",
    "ArgMin": "ARG_MIN", "Cast": "CAST", "SelectV2": "SELECT_V2", "Less": "LESS",
    "LessEqual": "LESS_EQUAL", "Greater": "GREATER", "GreaterEqual": "GREATER_EQUAL",
    "Equal": "EQUAL", "NotEqual": "NOT_EQUAL", "LogicalAnd": "LOGICAL_AND",
    "LogicalOr": "LOGICAL_OR", "LogicalNot": "LOGICAL_NOT", "AddN": "ADD_N",
    "ZerosLike": "ZEROS_LIKE", "Range": "RANGE",
}

_LEGALIZERS: dict = {}


def tflite_builtin(op_type: str) -> str | None:
    """The TFLite builtin an op maps to: `export["tflite"]["builtin"]` of its registry entry."""
    opdef = registry.OPS.get(op_type)
    entry = (getattr(opdef, "export", None) or {}).get("tflite")
    if isinstance(entry, dict):
        return entry.get("builtin")
    return entry or _PENDING_EXPORT.get(op_type)


def _legalizer(*builtins):
    def deco(fn):
        for b in builtins:
            _LEGALIZERS[b] = fn
        return fn

    return deco


def legalize(program: Program) -> Program:
    """Every op of `program` as TFLite builtins (ConverterError naming those with none)."""
    missing = [op for op in program.ops if tflite_builtin(op.type) is None]
    if missing:
        raise unsupported_ops_error(missing)
    ops = []
    for op in program.ops:
        builtin = tflite_builtin(op.type)
        ops.extend(_LEGALIZERS.get(builtin, _same_inputs)(op, builtin))
    return Program(program.inputs, program.outputs, ops, program.input_names,
                   program.output_names, program.signature_key).relink()


def _new(op: Op, builtin: str, inputs: list, **options) -> Op:
    return Op(builtin, op.name, inputs, op.outputs, options, op.source)


def _const(name: str, data) -> Value:
    data = np.ascontiguousarray(data)
    return Value(name, data.dtype, list(data.shape), data)


def _int32(v: Value, name: str) -> Value:
    if not v.is_const:
        return v
    return _const(name, v.const.astype(np.int32))


def _constant_input(op: Op, i: int, what: str) -> np.ndarray:
    v = op.inputs[i]
    if not v.is_const:
        raise ConverterError(f"{op.type} '{op.name}': its {what} must be a constant to become "
                             f"a TFLite option; here it is computed at run time.")
    return v.const


def _same_inputs(op: Op, builtin: str) -> list:
    options = {"fused_activation_function": 0} if builtin in ("ADD", "SUB", "MUL", "DIV") else {}
    return [_new(op, builtin, list(op.inputs), **options)]


@_legalizer("FULLY_CONNECTED")
def _matmul(op: Op, builtin: str) -> list:
    """MatMul(x, W) with a constant W -> FULLY_CONNECTED(x, W stored [out, in])."""
    a, b = op.inputs
    if not b.is_const or op.attrs.get("transpose_a") or a.is_const:
        return [_new(op, "BATCH_MATMUL", [a, b], adj_x=bool(op.attrs.get("transpose_a")),
                     adj_y=bool(op.attrs.get("transpose_b")), asymmetric_quantize_inputs=False)]
    weights = b.const if op.attrs.get("transpose_b") else b.const.T
    return [_new(op, builtin, [a, _const(b.name, weights), None], fused_activation_function=0,
                 weights_format=0, keep_num_dims=False, asymmetric_quantize_inputs=False)]


@_legalizer("BATCH_MATMUL")
def _batch_matmul(op: Op, builtin: str) -> list:
    return [_new(op, builtin, list(op.inputs[:2]), adj_x=bool(op.attrs.get("adj_x")),
                 adj_y=bool(op.attrs.get("adj_y")), asymmetric_quantize_inputs=False)]


def _padding(op: Op) -> int:
    padding = op.attrs.get("padding", "VALID")
    padding = padding.decode() if isinstance(padding, bytes) else padding
    if padding not in schema.PADDINGS:
        raise ConverterError(f"{op.type} '{op.name}': padding {padding!r} has no TFLite form "
                             f"(only SAME and VALID)")
    if op.attrs.get("data_format", "NHWC") not in ("NHWC", b"NHWC"):
        raise ConverterError(f"{op.type} '{op.name}': TFLite runs NHWC layouts only")
    return schema.PADDINGS[padding]


def _window(op: Op) -> dict:
    strides = list(op.attrs.get("strides", [1, 1, 1, 1]))
    return {"padding": _padding(op), "stride_h": int(strides[1]), "stride_w": int(strides[2])}


def _dilation(op: Op) -> dict:
    dil = list(op.attrs.get("dilations", [1, 1, 1, 1]))
    return {"dilation_h_factor": int(dil[1]), "dilation_w_factor": int(dil[2])}


@_legalizer("CONV_2D")
def _conv2d(op: Op, builtin: str) -> list:
    """Filter [h, w, in, out] -> [out, h, w, in]; a zero bias, which fusion may fill."""
    x, f = op.inputs
    filt = np.transpose(_constant_input(op, 1, "filter"), (3, 0, 1, 2))
    bias = _const(f"{op.name}/bias", np.zeros(filt.shape[0], filt.dtype))
    return [_new(op, builtin, [x, _const(f.name, filt), bias], **_window(op),
                 fused_activation_function=0, **_dilation(op))]


@_legalizer("DEPTHWISE_CONV_2D")
def _depthwise(op: Op, builtin: str) -> list:
    """Filter [h, w, in, multiplier] -> [1, h, w, in * multiplier]."""
    x, f = op.inputs
    filt = _constant_input(op, 1, "filter")
    h, w, cin, mult = filt.shape
    bias = _const(f"{op.name}/bias", np.zeros(cin * mult, filt.dtype))
    return [_new(op, builtin, [x, _const(f.name, filt.reshape(1, h, w, cin * mult)), bias],
                 **_window(op), depth_multiplier=int(mult), fused_activation_function=0,
                 **_dilation(op))]


@_legalizer("MAX_POOL_2D", "AVERAGE_POOL_2D")
def _pool(op: Op, builtin: str) -> list:
    ksize = list(op.attrs.get("ksize", [1, 1, 1, 1]))
    return [_new(op, builtin, [op.inputs[0]], **_window(op), filter_height=int(ksize[1]),
                 filter_width=int(ksize[2]), fused_activation_function=0)]


@_legalizer("RESHAPE")
def _reshape(op: Op, builtin: str) -> list:
    return [_new(op, builtin, [op.inputs[0], _int32(op.inputs[1], f"{op.name}/shape")])]


def _axis(op: Op, i: int, rank_extra: int = 0) -> int:
    axis = int(np.ravel(_constant_input(op, i, "axis"))[0])
    rank = len(op.outputs[0].shape or []) - rank_extra
    return axis + rank if axis < 0 else axis


@_legalizer("CONCATENATION")
def _concat(op: Op, builtin: str) -> list:
    return [_new(op, builtin, list(op.inputs[:-1]), axis=_axis(op, len(op.inputs) - 1),
                 fused_activation_function=0)]


def _attr_axis(op: Op, rank: int) -> int:
    axis = int(op.attrs.get("axis", 0))
    return axis + rank if axis < 0 else axis


@_legalizer("PACK")
def _pack(op: Op, builtin: str) -> list:
    axis = _attr_axis(op, len(op.outputs[0].shape or []))
    return [_new(op, builtin, list(op.inputs), values_count=len(op.inputs), axis=axis)]


@_legalizer("UNPACK")
def _unpack(op: Op, builtin: str) -> list:
    axis = _attr_axis(op, len(op.inputs[0].shape or []))
    return [_new(op, builtin, list(op.inputs), num=len(op.outputs), axis=axis)]


@_legalizer("SPLIT")
def _split(op: Op, builtin: str) -> list:
    """TF's Split(axis, value) already has TFLite's input order."""
    return [_new(op, builtin, [_int32(op.inputs[0], f"{op.name}/axis"), op.inputs[1]],
                 num_splits=len(op.outputs))]


@_legalizer("SPLIT_V")
def _split_v(op: Op, builtin: str) -> list:
    inputs = [op.inputs[0], _int32(op.inputs[1], f"{op.name}/sizes"),
              _int32(op.inputs[2], f"{op.name}/axis")]
    return [Op(builtin, op.name, inputs, op.outputs, {}, op.source)]


@_legalizer("STRIDED_SLICE")
def _strided_slice(op: Op, builtin: str) -> list:
    inputs = [op.inputs[0]] + [_int32(v, f"{op.name}/{n}")
                               for v, n in zip(op.inputs[1:], ("begin", "end", "strides"))]
    masks = {k: int(op.attrs.get(k, 0)) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                                   "new_axis_mask", "shrink_axis_mask")}
    return [_new(op, builtin, inputs, **masks, offset=False)]


@_legalizer("GATHER")
def _gather(op: Op, builtin: str) -> list:
    params, indices = op.inputs[:2]
    axis = 0
    if len(op.inputs) > 2:
        axis = int(np.ravel(_constant_input(op, 2, "axis"))[0]) % max(len(params.shape or []), 1)
    return [_new(op, builtin, [params, indices], axis=axis,
                 batch_dims=int(op.attrs.get("batch_dims", 0)))]


@_legalizer("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD")
def _reduce(op: Op, builtin: str) -> list:
    return [_new(op, builtin, [op.inputs[0], _int32(op.inputs[1], f"{op.name}/axes")],
                 keep_dims=bool(op.attrs.get("keep_dims", False)))]


@_legalizer("SOFTMAX")
def _softmax(op: Op, builtin: str) -> list:
    return [_new(op, builtin, list(op.inputs), beta=1.0)]


@_legalizer("LEAKY_RELU")
def _leaky_relu(op: Op, builtin: str) -> list:
    return [_new(op, builtin, list(op.inputs), alpha=float(op.attrs.get("alpha", 0.2)))]


def _type_code(dtype) -> int:
    return schema.TYPE_CODES[np.dtype(getattr(dtype, "as_numpy_dtype", dtype))]


@_legalizer("CAST")
def _cast(op: Op, builtin: str) -> list:
    return [_new(op, builtin, list(op.inputs), in_data_type=_type_code(op.inputs[0].dtype),
                 out_data_type=_type_code(op.outputs[0].dtype))]


@_legalizer("SHAPE")
def _shape(op: Op, builtin: str) -> list:
    return [_new(op, builtin, list(op.inputs), out_type=_type_code(op.outputs[0].dtype))]


@_legalizer("ARG_MAX", "ARG_MIN")
def _arg(op: Op, builtin: str) -> list:
    inputs = [op.inputs[0], _int32(op.inputs[1], f"{op.name}/axis")]
    options = {"output_type": _type_code(op.outputs[0].dtype)} if builtin == "ARG_MAX" else {}
    return [_new(op, builtin, inputs, **options)]


@_legalizer("SQUEEZE")
def _squeeze(op: Op, builtin: str) -> list:
    dims = list(op.attrs.get("squeeze_dims", op.attrs.get("axis", [])) or [])
    return [_new(op, builtin, list(op.inputs), squeeze_dims=np.asarray(dims, np.int32))]


@_legalizer("EXPAND_DIMS", "TRANSPOSE", "TILE", "PAD", "PADV2", "SLICE", "BROADCAST_TO",
            "FILL")
def _int_shape_inputs(op: Op, builtin: str) -> list:
    """Ops whose second and later inputs are shapes or indices: stored as int32."""
    inputs = [op.inputs[0]] + [_int32(v, f"{op.name}/{i}") for i, v in
                               enumerate(op.inputs[1:], 1)]
    if builtin == "FILL":
        inputs = [_int32(op.inputs[0], f"{op.name}/dims")] + list(op.inputs[1:])
    return [_new(op, builtin, inputs)]
