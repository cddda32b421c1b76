"""Values to and from TensorFlow's protobuf messages: dtypes, shapes, tensors, attr values.

`tensor_proto(array)` writes a `TensorProto` as TensorFlow does (raw little-endian bytes in
`tensor_content`, strings in `string_val`); `array_from_proto` reads every encoding TF uses,
including the short forms (`float_val: 1` for a whole splat tensor, `half_val` bit patterns).
Nothing is evaluated: a tensor is bytes and numbers, a string stays bytes.
"""

from __future__ import annotations

import numpy as np
from tensorboard.compat.proto import attr_value_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tfedu.framework import dtypes, errors
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["dtype_enum", "dtype_from_enum", "shape_proto", "shape_from_proto", "tensor_proto",
           "array_from_proto", "attr_value", "attr_from_proto"]


def dtype_enum(dtype) -> int:
    return types_pb2.DataType.Value(dtypes.as_dtype(dtype).as_datatype_enum)


_BY_ENUM = {}


def dtype_from_enum(enum: int):
    """The tfedu dtype for a `DataType` number (error naming the type tfedu lacks)."""
    if not _BY_ENUM:
        for d in dtypes.ALL + (dtypes.resource, dtypes.variant):
            _BY_ENUM[types_pb2.DataType.Value(d.as_datatype_enum)] = d
    d = _BY_ENUM.get(int(enum))
    if d is None:
        name = types_pb2.DataType.Name(enum) if enum in types_pb2.DataType.values() else enum
        raise errors.UnimplementedError(None, None, f"tfedu has no dtype {name}")
    return d


def shape_proto(shape) -> tensor_shape_pb2.TensorShapeProto:
    shape = TensorShape(shape)
    p = tensor_shape_pb2.TensorShapeProto()
    if shape.rank is None:
        p.unknown_rank = True
        return p
    for d in shape.as_list():
        p.dim.add(size=-1 if d is None else int(d))
    return p


def shape_from_proto(p) -> TensorShape:
    if p.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size < 0 else d.size for d in p.dim])


def tensor_proto(array, dtype=None) -> tensor_pb2.TensorProto:
    """A `TensorProto` holding `array` (dtype from the array unless given)."""
    array = np.asarray(array)
    if dtype is None:
        dtype = dtypes.string if array.dtype.kind in "OSU" else dtypes.from_numpy(array.dtype)
    dtype = dtypes.as_dtype(dtype)
    p = tensor_pb2.TensorProto(dtype=dtype_enum(dtype))
    p.tensor_shape.CopyFrom(shape_proto(array.shape))
    if dtype is dtypes.string:
        p.string_val.extend(v if isinstance(v, bytes) else str(v).encode()
                            for v in array.reshape(-1))
    else:
        le = np.dtype(dtype._np).newbyteorder("<")
        p.tensor_content = np.ascontiguousarray(array, dtype=le).tobytes()
    return p


_VAL_FIELDS = {
    "float32": "float_val", "float64": "double_val", "int32": "int_val", "int16": "int_val",
    "int8": "int_val", "uint8": "int_val", "uint16": "int_val", "int64": "int64_val",
    "uint32": "uint32_val", "uint64": "uint64_val", "bool": "bool_val", "float16": "half_val",
    "complex64": "scomplex_val", "complex128": "dcomplex_val", "string": "string_val",
}


def _from_vals(p, dtype, n):
    vals = list(getattr(p, _VAL_FIELDS[dtype.name]))
    if dtype is dtypes.float16:
        arr = np.array(vals, dtype=np.uint16).view(np.float16)
    elif dtype.is_complex:
        arr = np.array(vals, dtype=np.float64)
        arr = (arr[0::2] + 1j * arr[1::2]).astype(dtype._np)
    elif dtype is dtypes.string:
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
    else:
        arr = np.array(vals, dtype=dtype._np)
    if arr.size == n:
        return arr
    if arr.size == 0:
        return np.zeros(n, dtype=dtype._np) if dtype is not dtypes.string else np.full(
            n, b"", dtype=object)
    if arr.size < n:  # TF's short form: the last value repeats
        return np.concatenate([arr, np.repeat(arr[-1:], n - arr.size)])
    raise errors.InvalidArgumentError(None, None, f"Tensor proto holds {arr.size} values for a "
                                      f"shape of {n} elements")


def array_from_proto(p) -> np.ndarray:
    """The numpy value of a `TensorProto`."""
    dtype = dtype_from_enum(p.dtype)
    shape = shape_from_proto(p.tensor_shape)
    if shape.rank is None or not shape.is_fully_defined():
        raise errors.InvalidArgumentError(None, None, "A constant tensor needs a full shape")
    dims = shape.as_list()
    n = int(np.prod(dims, dtype=np.int64))
    if p.tensor_content and dtype is not dtypes.string:
        le = np.dtype(dtype._np).newbyteorder("<")
        if len(p.tensor_content) != n * le.itemsize:
            raise errors.InvalidArgumentError(None, None, "Tensor proto content has the wrong "
                                              "size for its shape")
        return np.frombuffer(p.tensor_content, dtype=le).astype(dtype._np).reshape(dims)
    return _from_vals(p, dtype, n).reshape(dims)


# --- attr values ---------------------------------------------------------------------------

def _list_attr(items, out: attr_value_pb2.AttrValue.ListValue) -> None:
    for v in items:
        if isinstance(v, dtypes.DType):
            out.type.append(dtype_enum(v))
        elif isinstance(v, bool):
            out.b.append(v)
        elif isinstance(v, (int, np.integer)):
            out.i.append(int(v))
        elif isinstance(v, (float, np.floating)):
            out.f.append(float(v))
        elif isinstance(v, (str, bytes)):
            out.s.append(v.encode() if isinstance(v, str) else v)
        elif isinstance(v, TensorShape):
            out.shape.add().CopyFrom(shape_proto(v))
        else:
            raise TypeError(f"cannot write {type(v).__name__} in a list attr")


def attr_value(value) -> attr_value_pb2.AttrValue:
    """An `AttrValue` for a tfedu attr (dtype, bool, int, float, str, shape, array, list)."""
    a = attr_value_pb2.AttrValue()
    if isinstance(value, dtypes.DType):
        a.type = dtype_enum(value)
    elif isinstance(value, bool):
        a.b = value
    elif isinstance(value, (int, np.integer)):
        a.i = int(value)
    elif isinstance(value, (float, np.floating)):
        a.f = float(value)
    elif isinstance(value, (str, bytes)):
        a.s = value.encode() if isinstance(value, str) else value
    elif isinstance(value, TensorShape):
        a.shape.CopyFrom(shape_proto(value))
    elif isinstance(value, np.ndarray):
        a.tensor.CopyFrom(tensor_proto(value))
    elif isinstance(value, (list, tuple)):
        a.list.SetInParent()
        _list_attr(value, a.list)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as an attr value")
    return a


def _list_from_proto(lst):
    for field in ("type", "shape", "s", "i", "f", "b", "tensor", "func"):
        items = list(getattr(lst, field))
        if items:
            if field == "type":
                return [dtype_from_enum(t) for t in items]
            if field == "shape":
                return [shape_from_proto(s) for s in items]
            if field == "s":
                return [s.decode("utf-8", "replace") for s in items]
            if field == "tensor":
                return [array_from_proto(t) for t in items]
            if field == "func":
                return [f.name for f in items]
            return items
    return []


def attr_from_proto(a, functions=None):
    """The tfedu value of an `AttrValue` (a function name is resolved through `functions`)."""
    kind = a.WhichOneof("value")
    if kind == "type":
        return dtype_from_enum(a.type)
    if kind == "shape":
        return shape_from_proto(a.shape)
    if kind == "tensor":
        return array_from_proto(a.tensor)
    if kind == "s":
        return a.s.decode("utf-8", "replace")
    if kind == "list":
        return _list_from_proto(a.list)
    if kind == "func":
        return functions(a.func.name) if functions is not None else a.func.name
    if kind in ("i", "f", "b"):
        return getattr(a, kind)
    return None
