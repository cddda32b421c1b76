"""SavedModel's own messages: `SavedModel` (the top of `saved_model.pb`) and `FingerprintDef`.

`saved_model.pb` holds a `SavedModel`: a schema version and a list of `MetaGraphDef`s (TF's
schema, from `tensorboard.compat.proto.meta_graph_pb2`). `fingerprint.pb` holds a
`FingerprintDef`: 64-bit hashes of the pieces of the SavedModel. Neither message ships with
`tensorboard`, so they are declared here with TensorFlow's field numbers.
"""

from __future__ import annotations

from tensorboard.compat.proto import meta_graph_pb2, versions_pb2

from tfedu.protos._build import message_classes

_classes = message_classes(
    "tfedu/protos/saved_model.proto", "tfedu.protos",
    [meta_graph_pb2.DESCRIPTOR.name, versions_pb2.DESCRIPTOR.name], {
        "SavedModel": {"fields": [
            (1, "saved_model_schema_version", "int64"),
            (2, "meta_graphs", "message", ".tensorboard.MetaGraphDef", True)]},
        "FingerprintDef": {"fields": [
            (1, "saved_model_checksum", "uint64"), (2, "graph_def_program_hash", "uint64"),
            (3, "signature_def_hash", "uint64"), (4, "saved_object_graph_hash", "uint64"),
            (5, "checkpoint_hash", "uint64"), (6, "version", "message", ".tensorboard.VersionDef"),
            (7, "uuid", "string")]},
    })

SavedModel = _classes["SavedModel"]
FingerprintDef = _classes["FingerprintDef"]

__all__ = ["SavedModel", "FingerprintDef"]
