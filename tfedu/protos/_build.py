"""Declare protobuf messages in Python: a few lines per message instead of a `.proto` file.

`message_classes(file_name, package, deps, messages)` builds a `FileDescriptorProto` with
`google.protobuf.descriptor_pb2`, adds it to the default descriptor pool and returns the
generated message classes. Field numbers and types follow TensorFlow's own definitions, so the
bytes are TensorFlow's; messages of other files (`tensorboard.compat.proto`) are referenced by
their full name.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
TYPES = {
    "int32": _F.TYPE_INT32, "int64": _F.TYPE_INT64, "uint32": _F.TYPE_UINT32,
    "uint64": _F.TYPE_UINT64, "float": _F.TYPE_FLOAT,
    "fixed32": _F.TYPE_FIXED32, "string": _F.TYPE_STRING, "bytes": _F.TYPE_BYTES,
    "bool": _F.TYPE_BOOL, "enum": _F.TYPE_ENUM, "message": _F.TYPE_MESSAGE,
}


def _add_field(msg, number, name, kind, type_name=None, repeated=False, oneof=None):
    f = msg.field.add(name=name, number=number, type=TYPES[kind])
    f.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    return f


def _add_map(msg, number, name, key_kind, value_kind, value_type=None):
    """A `map<key, value>` field: a nested `...Entry` message marked as a map entry."""
    entry = msg.nested_type.add(name="".join(p.title() for p in name.split("_")) + "Entry")
    entry.options.map_entry = True
    _add_field(entry, 1, "key", key_kind)
    _add_field(entry, 2, "value", value_kind, value_type)
    _add_field(msg, number, name, "message", entry.name, repeated=True)


def _add_message(container, name, spec):
    """`spec`: {"fields": [(number, name, kind, type_name?, repeated?, oneof?)],
    "enums": {name: [(value_name, number)]}, "nested": {name: spec}, "oneofs": [names],
    "maps": [(number, name, key_kind, value_kind, value_type?)],
    "json_names": {field: name in JSON}}."""
    msg = container.add(name=name)
    for oneof in spec.get("oneofs", ()):
        msg.oneof_decl.add(name=oneof)
    for enum_name, values in spec.get("enums", {}).items():
        e = msg.enum_type.add(name=enum_name)
        for vname, number in values:
            e.value.add(name=vname, number=number)
    for nested_name, nested in spec.get("nested", {}).items():
        _add_message(msg.nested_type, nested_name, nested)
    for field in spec["fields"]:
        f = _add_field(msg, *field)
        if field[1] in spec.get("json_names", {}):
            f.json_name = spec["json_names"][field[1]]
    for entry in spec.get("maps", ()):
        _add_map(msg, *entry)


def message_classes(file_name: str, package: str, deps, messages: dict) -> dict:
    """Register the file (once) and return {message name: class}."""
    pool = descriptor_pool.Default()
    try:
        fd = pool.FindFileByName(file_name)
    except KeyError:
        proto = descriptor_pb2.FileDescriptorProto(name=file_name, package=package,
                                                   syntax="proto3")
        proto.dependency.extend(deps)
        for name, spec in messages.items():
            _add_message(proto.message_type, name, spec)
        fd = pool.Add(proto)
        fd = pool.FindFileByName(file_name)
    return {name: message_factory.GetMessageClass(fd.message_types_by_name[name])
            for name in messages}
