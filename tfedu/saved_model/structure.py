"""Nested Python structures as TensorFlow's `StructuredValue` protobuf, and back.

A SavedModel records, for each traced function, the structure of its arguments and results:
tuples, lists, dicts and namedtuples of `TensorSpec`s, with plain values (None, bools, ints,
floats, strings) where a trace took a Python value. Reading builds plain Python values again;
a namedtuple comes back as a namedtuple of the same name and fields (made with
`collections.namedtuple`, nothing imported).
"""

from __future__ import annotations

import collections

from tensorboard.compat.proto import struct_pb2

from tfedu.framework import dtypes
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.saved_model.proto_values import (
    dtype_enum,
    dtype_from_enum,
    shape_from_proto,
    shape_proto,
)

__all__ = ["encode", "decode", "spec_of"]


def spec_of(t, name=None) -> TensorSpec:
    """A TensorSpec describing a tensor (or variable, or spec)."""
    return TensorSpec(t.shape, t.dtype if isinstance(t.dtype, dtypes.DType) else
                      dtypes.as_dtype(t.dtype), name)


def _is_namedtuple(v) -> bool:
    return isinstance(v, tuple) and hasattr(type(v), "_fields")


def _encode_leaf(value, s) -> bool:
    if value is None:
        s.none_value.SetInParent()
    elif isinstance(value, bool):
        s.bool_value = value
    elif isinstance(value, int):
        s.int64_value = value
    elif isinstance(value, float):
        s.float64_value = value
    elif isinstance(value, str):
        s.string_value = value
    elif isinstance(value, TensorSpec):
        spec = s.tensor_spec_value
        spec.name = value.name or ""
        spec.shape.CopyFrom(shape_proto(value.shape))
        spec.dtype = dtype_enum(value.dtype)
    elif isinstance(value, TensorShape):
        s.tensor_shape_value.CopyFrom(shape_proto(value))
    elif isinstance(value, dtypes.DType):
        s.tensor_dtype_value = dtype_enum(value)
    elif hasattr(value, "shape") and hasattr(value, "dtype"):  # a tensor: described by spec
        return _encode_leaf(spec_of(value, _tensor_name(value)), s)
    else:
        return False
    return True


def _tensor_name(t):
    op = getattr(t, "_op", None)
    return getattr(op, "name", None)


def encode(value) -> struct_pb2.StructuredValue:
    s = struct_pb2.StructuredValue()
    if _encode_leaf(value, s):
        return s
    if _is_namedtuple(value):
        nt = s.named_tuple_value
        nt.name = type(value).__name__
        for k, v in zip(value._fields, value):
            nt.values.add(key=k).value.CopyFrom(encode(v))
    elif isinstance(value, tuple):
        s.tuple_value.SetInParent()
        for v in value:
            s.tuple_value.values.add().CopyFrom(encode(v))
    elif isinstance(value, list):
        s.list_value.SetInParent()
        for v in value:
            s.list_value.values.add().CopyFrom(encode(v))
    elif isinstance(value, dict):
        s.dict_value.SetInParent()
        for k, v in value.items():
            s.dict_value.fields[str(k)].CopyFrom(encode(v))
    else:
        raise ValueError(f"Cannot save a value of type {type(value).__name__} in a function's "
                         f"signature: {value!r}")
    return s


_NAMEDTUPLES = {}


def _namedtuple(name, fields):
    key = (name, tuple(fields))
    if key not in _NAMEDTUPLES:
        _NAMEDTUPLES[key] = collections.namedtuple(name, fields, rename=True)
    return _NAMEDTUPLES[key]


def decode(s):
    kind = s.WhichOneof("kind")
    if kind is None or kind == "none_value":
        return None
    if kind in ("bool_value", "int64_value", "float64_value", "string_value"):
        return getattr(s, kind)
    if kind == "tensor_spec_value":
        spec = s.tensor_spec_value
        return TensorSpec(shape_from_proto(spec.shape), dtype_from_enum(spec.dtype),
                          spec.name or None)
    if kind == "tensor_shape_value":
        return shape_from_proto(s.tensor_shape_value)
    if kind == "tensor_dtype_value":
        return dtype_from_enum(s.tensor_dtype_value)
    if kind == "list_value":
        return [decode(v) for v in s.list_value.values]
    if kind == "tuple_value":
        return tuple(decode(v) for v in s.tuple_value.values)
    if kind == "dict_value":
        return {k: decode(v) for k, v in s.dict_value.fields.items()}
    if kind == "named_tuple_value":
        nt = s.named_tuple_value
        cls = _namedtuple(nt.name, [p.key for p in nt.values])
        return cls(*[decode(p.value) for p in nt.values])
    raise ValueError(f"tfedu cannot read a {kind} in a saved function's signature")
