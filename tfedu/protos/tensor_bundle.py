"""The checkpoint bundle's messages: `BundleHeaderProto`, `BundleEntryProto`, `TensorSliceProto`.

A checkpoint's `.index` file is a sorted table whose value for the empty key is a
`BundleHeaderProto` (number of data shards, endianness, format version) and, for each tensor
name, a `BundleEntryProto`: dtype, shape, which `.data` shard, offset and size there, and the
masked CRC32C of the bytes. TensorFlow declares them in `tensor_bundle.proto` and
`tensor_slice.proto`; `tensorboard` does not ship those, so they are declared here with the same
field numbers.
"""

from __future__ import annotations

from tensorboard.compat.proto import tensor_shape_pb2, types_pb2, versions_pb2

from tfedu.protos._build import message_classes

_DEPS = [tensor_shape_pb2.DESCRIPTOR.name, types_pb2.DESCRIPTOR.name, versions_pb2.DESCRIPTOR.name]
_PKG = "tfedu.protos"

_classes = message_classes("tfedu/protos/tensor_bundle.proto", _PKG, _DEPS, {
    "TensorSliceProto": {
        "nested": {"Extent": {"oneofs": ["has_length"], "fields": [
            (1, "start", "int64"), (2, "length", "int64", None, False, 0)]}},
        "fields": [(1, "extent", "message", f".{_PKG}.TensorSliceProto.Extent", True)],
    },
    "BundleHeaderProto": {
        "enums": {"Endianness": [("LITTLE", 0), ("BIG", 1)]},
        "fields": [(1, "num_shards", "int32"),
                   (2, "endianness", "enum", f".{_PKG}.BundleHeaderProto.Endianness"),
                   (3, "version", "message", ".tensorboard.VersionDef")],
    },
    "BundleEntryProto": {
        "fields": [(1, "dtype", "enum", ".tensorboard.DataType"),
                   (2, "shape", "message", ".tensorboard.TensorShapeProto"),
                   (3, "shard_id", "int32"), (4, "offset", "int64"), (5, "size", "int64"),
                   (6, "crc32c", "fixed32"),
                   (7, "slices", "message", f".{_PKG}.TensorSliceProto", True)],
    },
})

TensorSliceProto = _classes["TensorSliceProto"]
BundleHeaderProto = _classes["BundleHeaderProto"]
BundleEntryProto = _classes["BundleEntryProto"]

__all__ = ["TensorSliceProto", "BundleHeaderProto", "BundleEntryProto"]
