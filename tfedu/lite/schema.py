"""TensorFlow Lite's file format, written down as plain data.

A `.tflite` file is a FlatBuffer whose root table is a `Model` (file identifier `TFL3`). This
module lists the tables tfedu reads and writes, each field with its slot number in the table and
its type, plus the enums (operators, tensor types, activations, padding). One description drives
both the writer and the verifying reader in `flatbuffer.py`, so the two cannot disagree.

Field types: scalars `i8 u8 bool i32 u32 i64 u64 f32`, `str`, `bytes` (a `[ubyte]` vector),
`[i32]`-style vectors of scalars (read as numpy arrays), a table's name (`"Tensor"`), a vector of
tables (`"[Tensor]"`), and `union` (an options table whose kind is named by the field before it).
"""

from __future__ import annotations

import numpy as np

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3

# Every builtin operator code up to the ones a classroom model meets (codes are positions).
_OPERATOR_NAMES = """
ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE
EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D
LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6
RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL
CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND
SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE
BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST
PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN
TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW
ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK
REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR
LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS
WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE
NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM
BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG
REAL COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL
CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL
BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1
""".split()
BUILTIN_CODES = {name: code for code, name in enumerate(_OPERATOR_NAMES)}
BUILTIN_NAMES = dict(enumerate(_OPERATOR_NAMES))

# TensorType: the code, and the numpy dtype a tensor of that type holds.
TENSOR_TYPES = {
    "FLOAT32": (0, np.float32), "FLOAT16": (1, np.float16), "INT32": (2, np.int32),
    "UINT8": (3, np.uint8), "INT64": (4, np.int64), "STRING": (5, np.object_),
    "BOOL": (6, np.bool_), "INT16": (7, np.int16), "COMPLEX64": (8, np.complex64),
    "INT8": (9, np.int8), "FLOAT64": (10, np.float64), "COMPLEX128": (11, np.complex128),
    "UINT64": (12, np.uint64), "UINT32": (15, np.uint32), "UINT16": (16, np.uint16),
}
TYPE_NAMES = {code: name for name, (code, _) in TENSOR_TYPES.items()}
TYPE_CODES = {np.dtype(np_type): code for code, np_type in TENSOR_TYPES.values()}

ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4, "SIGN_BIT": 5}
PADDINGS = {"SAME": 0, "VALID": 1}

# The tables. Each field: name -> (slot, type).
TABLES = {
    "Model": {"version": (0, "u32"), "operator_codes": (1, "[OperatorCode]"),
              "subgraphs": (2, "[SubGraph]"), "description": (3, "str"),
              "buffers": (4, "[Buffer]"), "metadata_buffer": (5, "[i32]"),
              "metadata": (6, "[Metadata]"), "signature_defs": (7, "[SignatureDef]")},
    "OperatorCode": {"deprecated_builtin_code": (0, "i8"), "custom_code": (1, "str"),
                     "version": (2, "i32", 1), "builtin_code": (3, "i32")},
    "SubGraph": {"tensors": (0, "[Tensor]"), "inputs": (1, "[i32]"), "outputs": (2, "[i32]"),
                 "operators": (3, "[Operator]"), "name": (4, "str")},
    "Tensor": {"shape": (0, "[i32]"), "type": (1, "i8"), "buffer": (2, "u32"),
               "name": (3, "str"), "quantization": (4, "QuantizationParameters"),
               "is_variable": (5, "bool"), "shape_signature": (7, "[i32]"),
               "has_rank": (8, "bool")},
    "QuantizationParameters": {"min": (0, "[f32]"), "max": (1, "[f32]"),
                               "scale": (2, "[f32]"), "zero_point": (3, "[i64]"),
                               "quantized_dimension": (6, "i32")},
    "Buffer": {"data": (0, "bytes"), "offset": (1, "u64"), "size": (2, "u64")},
    "Operator": {"opcode_index": (0, "u32"), "inputs": (1, "[i32]"), "outputs": (2, "[i32]"),
                 "builtin_options_type": (3, "u8"), "builtin_options": (4, "union"),
                 "custom_options": (5, "bytes"), "intermediates": (8, "[i32]")},
    "Metadata": {"name": (0, "str"), "buffer": (1, "u32")},
    "SignatureDef": {"inputs": (0, "[TensorMap]"), "outputs": (1, "[TensorMap]"),
                     "signature_key": (2, "str"), "subgraph_index": (4, "u32")},
    "TensorMap": {"name": (0, "str"), "tensor_index": (1, "u32")},
}

# Builtin options: union code, and the fields of its table (name -> (slot, type, default)).
_FUSED = (0, "i8", 0)
OPTIONS = {
    "Conv2DOptions": (1, {"padding": (0, "i8", 0), "stride_w": (1, "i32", 0),
                          "stride_h": (2, "i32", 0), "fused_activation_function": (3, "i8", 0),
                          "dilation_w_factor": (4, "i32", 1),
                          "dilation_h_factor": (5, "i32", 1)}),
    "DepthwiseConv2DOptions": (2, {"padding": (0, "i8", 0), "stride_w": (1, "i32", 0),
                                   "stride_h": (2, "i32", 0), "depth_multiplier": (3, "i32", 0),
                                   "fused_activation_function": (4, "i8", 0),
                                   "dilation_w_factor": (5, "i32", 1),
                                   "dilation_h_factor": (6, "i32", 1)}),
    "Pool2DOptions": (5, {"padding": (0, "i8", 0), "stride_w": (1, "i32", 0),
                          "stride_h": (2, "i32", 0), "filter_width": (3, "i32", 0),
                          "filter_height": (4, "i32", 0),
                          "fused_activation_function": (5, "i8", 0)}),
    "FullyConnectedOptions": (8, {"fused_activation_function": _FUSED,
                                  "weights_format": (1, "i8", 0),
                                  "keep_num_dims": (2, "bool", False),
                                  "asymmetric_quantize_inputs": (3, "bool", False)}),
    "SoftmaxOptions": (9, {"beta": (0, "f32", 0.0)}),
    "ConcatenationOptions": (10, {"axis": (0, "i32", 0),
                                  "fused_activation_function": (1, "i8", 0)}),
    "AddOptions": (11, {"fused_activation_function": _FUSED,
                        "pot_scale_int16": (1, "bool", True)}),
    "ReshapeOptions": (17, {"new_shape": (0, "[i32]", None)}),
    "MulOptions": (21, {"fused_activation_function": _FUSED}),
    "PadOptions": (22, {}),
    "GatherOptions": (23, {"axis": (0, "i32", 0), "batch_dims": (1, "i32", 0)}),
    "TransposeOptions": (26, {}),
    "ReducerOptions": (27, {"keep_dims": (0, "bool", False)}),
    "SubOptions": (28, {"fused_activation_function": _FUSED,
                        "pot_scale_int16": (1, "bool", True)}),
    "DivOptions": (29, {"fused_activation_function": _FUSED}),
    "SqueezeOptions": (30, {"squeeze_dims": (0, "[i32]", None)}),
    "StridedSliceOptions": (32, {"begin_mask": (0, "i32", 0), "end_mask": (1, "i32", 0),
                                 "ellipsis_mask": (2, "i32", 0),
                                 "new_axis_mask": (3, "i32", 0),
                                 "shrink_axis_mask": (4, "i32", 0),
                                 "offset": (5, "bool", False)}),
    "ExpOptions": (33, {}),
    "SplitOptions": (35, {"num_splits": (0, "i32", 0)}),
    "LogSoftmaxOptions": (36, {}),
    "CastOptions": (37, {"in_data_type": (0, "i8", 0), "out_data_type": (1, "i8", 0)}),
    "DequantizeOptions": (38, {}),
    "MaximumMinimumOptions": (39, {}),
    "ArgMaxOptions": (40, {"output_type": (0, "i8", 0)}),
    "NegOptions": (42, {}),
    "SliceOptions": (48, {}),
    "ExpandDimsOptions": (52, {}),
    "ShapeOptions": (55, {"out_type": (0, "i8", 0)}),
    "PowOptions": (56, {}),
    "PackOptions": (59, {"values_count": (0, "i32", 0), "axis": (1, "i32", 0)}),
    "UnpackOptions": (64, {"num": (0, "i32", 0), "axis": (1, "i32", 0)}),
    "SquareOptions": (66, {}),
    "FillOptions": (68, {}),
    "LeakyReluOptions": (75, {"alpha": (0, "f32", 0.0)}),
    "SquaredDifferenceOptions": (76, {}),
    "AbsOptions": (78, {}),
    "QuantizeOptions": (89, {}),
    "HardSwishOptions": (91, {}),
    "BatchMatMulOptions": (101, {"adj_x": (0, "bool", False), "adj_y": (1, "bool", False),
                                 "asymmetric_quantize_inputs": (2, "bool", False)}),
    "GeluOptions": (116, {"approximate": (0, "bool", False)}),
}
# The options table each builtin carries (ops not listed carry none).
BUILTIN_OPTIONS = {
    "CONV_2D": "Conv2DOptions", "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "MAX_POOL_2D": "Pool2DOptions", "AVERAGE_POOL_2D": "Pool2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions", "SOFTMAX": "SoftmaxOptions",
    "CONCATENATION": "ConcatenationOptions", "ADD": "AddOptions", "SUB": "SubOptions",
    "MUL": "MulOptions", "DIV": "DivOptions", "GATHER": "GatherOptions",
    "TRANSPOSE": "TransposeOptions", "MEAN": "ReducerOptions", "SUM": "ReducerOptions",
    "REDUCE_MAX": "ReducerOptions", "REDUCE_MIN": "ReducerOptions",
    "REDUCE_PROD": "ReducerOptions", "SQUEEZE": "SqueezeOptions",
    "STRIDED_SLICE": "StridedSliceOptions", "SPLIT": "SplitOptions", "PACK": "PackOptions",
    "UNPACK": "UnpackOptions", "SHAPE": "ShapeOptions", "CAST": "CastOptions",
    "LEAKY_RELU": "LeakyReluOptions", "ARG_MAX": "ArgMaxOptions",
    "BATCH_MATMUL": "BatchMatMulOptions", "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions", "EXP": "ExpOptions", "LOG_SOFTMAX": "LogSoftmaxOptions",
    "NEG": "NegOptions", "POW": "PowOptions", "SLICE": "SliceOptions", "PAD": "PadOptions",
    "EXPAND_DIMS": "ExpandDimsOptions", "FILL": "FillOptions", "SQUARE": "SquareOptions",
    "ABS": "AbsOptions", "SQUARED_DIFFERENCE": "SquaredDifferenceOptions",
}

OPTIONS_BY_CODE = {code: (name, fields) for name, (code, fields) in OPTIONS.items()}


def builtin_code(name: str) -> int:
    """The operator code of builtin `name` (`"FULLY_CONNECTED"` -> 9)."""
    return BUILTIN_CODES[name]
