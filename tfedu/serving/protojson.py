"""Protobuf messages as JSON the way TF Serving's REST API prints them.

TF Serving prints status and metadata with protobuf's C++ `MessageToJsonString`
(`add_whitespace`, `always_print_fields_with_no_presence`): one-space indentation, int64 as
strings, enums by name, fields in number order with the members of a oneof after the others,
map entries by key, and a newline at the end. Python's `json_format` gives the same values;
this module puts them in that order and layout.
"""

from __future__ import annotations

import json

from google.protobuf import json_format


def _ordered(value, descriptor):
    if descriptor is None or not isinstance(value, dict):
        return value
    if descriptor.GetOptions().map_entry:
        return value
    fields = sorted(descriptor.fields, key=lambda f: (f.containing_oneof is not None, f.number))
    out = {}
    for f in fields:
        for key in (f.name, f.json_name):
            if key in value and key not in out:
                out[key] = _field_value(value[key], f)
    for key, v in value.items():
        out.setdefault(key, v)
    return out


def _field_value(v, field):
    sub = field.message_type
    if sub is not None and sub.GetOptions().map_entry:
        value_desc = sub.fields_by_name["value"].message_type
        return {k: _ordered(v[k], value_desc) for k in sorted(v)}
    if isinstance(v, list):
        return [_ordered(item, sub) for item in v]
    return _ordered(v, sub)


def message_json(message, preserve_names: bool = False) -> str:
    """The C++ printer's text for `message` (trailing newline included)."""
    d = json_format.MessageToDict(message, preserving_proto_field_name=preserve_names,
                                  always_print_fields_with_no_presence=True)
    return json.dumps(_ordered(d, message.DESCRIPTOR), indent=1, ensure_ascii=False) + "\n"
