"""`GraphDef` / `NodeDef` / `AttrValue`: a graph written down, as TF's protobufs print it,
plus a JSON-safe dictionary form for the graph viewer and exporters.

    node {
      name: "add"
      op: "AddV2"
      input: "Const"
      input: "Const_1"
      attr {
        key: "T"
        value {
          type: DT_FLOAT
        }
      }
    }
"""

from __future__ import annotations

import numpy as np

from tfedu.framework import dtypes
from tfedu.framework.tensor_shape import TensorShape

__all__ = ["AttrValue", "NodeDef", "GraphDef", "node_def", "graph_def", "graph_to_dict",
           "json_safe"]

PRODUCER_VERSION = 1882
_MAX_TENSOR_VALUES = 10


def _indent(text: str, n: int = 2) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _tensor_text(arr: np.ndarray, dtype) -> str:
    lines = [f"dtype: {dtype.as_datatype_enum}", _shape_text(TensorShape(arr.shape))]
    flat = np.asarray(arr).reshape(-1)
    if dtype is dtypes.string:
        key = "string_val"
    elif dtype.is_floating:
        key = "double_val" if dtype is dtypes.float64 else "float_val"
    elif dtype is dtypes.bool_:
        key = "bool_val"
    elif dtype is dtypes.int64:
        key = "int64_val"
    else:
        key = "int_val"
    if flat.size and (flat == flat[0]).all():
        flat = flat[:1]  # TF stores a splat as one value
    for v in flat[:_MAX_TENSOR_VALUES]:
        if isinstance(v, bytes):
            lines.append(f'{key}: "{v.decode(errors="replace")}"')
        elif key == "bool_val":
            lines.append(f"{key}: {str(bool(v)).lower()}")
        else:
            lines.append(f"{key}: {v.item() if hasattr(v, 'item') else v}")
    if flat.size > _MAX_TENSOR_VALUES:
        lines.append(f"# ... {flat.size - _MAX_TENSOR_VALUES} more values")
    return "tensor {\n" + _indent("\n".join(lines)) + "\n}"


def _shape_text(shape: TensorShape, key: str = "tensor_shape") -> str:
    if shape.rank is None:
        return f"{key} {{\n  unknown_rank: true\n}}"
    dims = "".join(f"\n  dim {{\n    size: {-1 if d is None else d}\n  }}" for d in shape.as_list())
    return f"{key} {{{dims}\n}}"


class AttrValue:
    """One attribute value (`node.attr["T"].type`, `.i`, `.f`, `.s`, `.b`, `.shape`, ...)."""

    def __init__(self, value):
        self.value = value
        self.type = self.i = self.f = self.s = self.b = None
        self.shape = self.tensor = self.list = None
        if isinstance(value, dtypes.DType):
            self.type, self.kind = value.as_datatype_enum, "type"
        elif isinstance(value, bool):
            self.b, self.kind = value, "b"
        elif isinstance(value, (int, np.integer)):
            self.i, self.kind = int(value), "i"
        elif isinstance(value, (float, np.floating)):
            self.f, self.kind = float(value), "f"
        elif isinstance(value, (str, bytes)):
            self.s = value.encode() if isinstance(value, str) else value
            self.kind = "s"
        elif isinstance(value, TensorShape):
            self.shape, self.kind = value, "shape"
        elif isinstance(value, np.ndarray):
            self.tensor, self.kind = value, "tensor"
        elif isinstance(value, (list, tuple)):
            self.list, self.kind = list(value), "list"
        else:
            self.kind = "other"

    def HasField(self, name: str) -> bool:  # noqa: N802  (protobuf's spelling)
        return self.kind == name

    def text(self, dtype=None) -> str:
        k = self.kind
        if k == "type":
            return f"type: {self.type}"
        if k == "b":
            return f"b: {str(self.b).lower()}"
        if k == "i":
            return f"i: {self.i}"
        if k == "f":
            return f"f: {self.f:g}" if self.f == int(self.f) else f"f: {self.f}"
        if k == "s":
            return f's: "{self.s.decode(errors="replace")}"'
        if k == "shape":
            return _shape_text(self.shape, "shape")
        if k == "tensor":
            return _tensor_text(self.tensor, dtype or dtypes.from_numpy(self.tensor.dtype))
        if k == "list":
            items = []
            for v in self.list:
                sub = AttrValue(v)
                items.append(sub.text())
            return "list {\n" + _indent("\n".join(items)) + "\n}" if items else "list {\n}"
        return f"# {type(self.value).__name__}: {self.value!r}"

    def __repr__(self):
        return self.text()


class NodeDef:
    """One node: `name`, `op`, `input` (`"op"`, `"op:1"`, `"^control"`), `device`, `attr`."""

    def __init__(self, name, op, input, attr, device=""):
        self.name = name
        self.op = op
        self.input = input
        self.attr = attr
        self.device = device

    def __str__(self):
        lines = [f'name: "{self.name}"', f'op: "{self.op}"']
        lines += [f'input: "{i}"' for i in self.input]
        if self.device:
            lines.append(f'device: "{self.device}"')
        dtype = self.attr["dtype"].value if "dtype" in self.attr else None
        for k, v in self.attr.items():
            body = v.text(dtype if isinstance(dtype, dtypes.DType) else None)
            lines.append(f'attr {{\n  key: "{k}"\n  value {{\n{_indent(body, 4)}\n  }}\n}}')
        return "\n".join(lines) + "\n"

    __repr__ = __str__


class GraphDef:
    """A whole graph as a list of `NodeDef`s (`g.as_graph_def()`)."""

    def __init__(self, nodes):
        self.node = nodes
        self.versions = {"producer": PRODUCER_VERSION}

    def __str__(self):
        parts = ["node {\n" + _indent(str(n).rstrip("\n")) + "\n}" for n in self.node]
        parts.append(f"versions {{\n  producer: {PRODUCER_VERSION}\n}}")
        return "\n".join(parts) + "\n"

    __repr__ = __str__

    def ByteSize(self) -> int:  # noqa: N802
        return len(str(self).encode())


def _input_name(t) -> str:
    return t._op.name if t._value_index == 0 else t.name


def _public_attrs(op):
    return {k: v for k, v in sorted(op._attrs.items()) if not k.startswith("_") and v is not None}


def node_def(op) -> NodeDef:
    inputs = [_input_name(t) for t in op._inputs] + ["^" + c.name for c in op._control_inputs]
    attrs = {k: AttrValue(v) for k, v in _public_attrs(op).items()}
    return NodeDef(op.name, op.type, inputs, attrs, op.device)


def graph_def(graph) -> GraphDef:
    return GraphDef([node_def(op) for op in graph.get_operations()])


def json_safe(value):
    """An attr value as plain JSON (dtypes by name, shapes as lists, small arrays as lists)."""
    if isinstance(value, dtypes.DType):
        return value.name
    if isinstance(value, TensorShape):
        return None if value.rank is None else value.as_list()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, np.ndarray):
        if value.size <= _MAX_TENSOR_VALUES:
            return {"shape": list(value.shape), "values": json_safe(value.tolist())}
        return {"shape": list(value.shape), "values": None, "size": int(value.size)}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return repr(value)


def graph_to_dict(graph) -> dict:
    """The graph as JSON-safe data: one entry per op, in creation order."""
    ops = []
    for op in graph.get_operations():
        name = op.name
        scope = name.rpartition("/")[0]
        loc = op.source_location
        ops.append({
            "name": name,
            "type": op.type,
            "attrs": {k: json_safe(v) for k, v in _public_attrs(op).items()},
            "inputs": [f"{t._op.name}:{t._value_index}" for t in op._inputs],
            "control_inputs": [c.name for c in op._control_inputs],
            "outputs": [{"shape": json_safe(t.shape), "dtype": t.dtype.name}
                        for t in op._outputs],
            "name_scope": scope,
            "source": None if loc is None else {"file": loc[0], "line": loc[1],
                                                 "function": loc[2]},
        })
    return {"ops": ops, "version": graph.version}
