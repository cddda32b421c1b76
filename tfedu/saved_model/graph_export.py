"""tfedu graphs written as TensorFlow's protobufs: `GraphDef`, `NodeDef`, `FunctionDef`.

A traced `tf.function` (a `FuncGraph`) becomes a `FunctionDef`: its argument placeholders
become the signature's input args (variables captured by the function become trailing
`resource` args, bound to the variables when loaded), every other op becomes a `NodeDef` whose
inputs name `node:output_arg:index`, and its outputs become the return values. Functions a graph
calls (`StatefulPartitionedCall`'s `f`, an `If`'s branches, a `While`'s cond and body, see
`control_flow_io`) join the same library; a branch or loop function takes every input as an
argument, as its op passes them. A TF 1.x `Graph` becomes a
`GraphDef` whose inputs name `node:index`.

Attrs are tfedu's own, which are TensorFlow's names; `op_table` lists the few places where
TensorFlow's op definitions differ. An op TensorFlow cannot run raises an error naming it.
"""

from __future__ import annotations

import re

import numpy as np
from tensorboard.compat.proto import attr_value_pb2, function_pb2, graph_pb2, node_def_pb2

from tfedu.framework import dtypes
from tfedu.framework.graph_def import PRODUCER_VERSION
from tfedu.framework.tensor import EagerTensor
from tfedu.saved_model import control_flow_io as cfx
from tfedu.saved_model import op_table
from tfedu.saved_model.proto_values import attr_value, dtype_enum, shape_proto

__all__ = ["FunctionLibrary", "graph_def_proto", "node_attrs", "tensor_name", "ExportError"]

MIN_CONSUMER = 12


class ExportError(ValueError):
    """A graph holds something TensorFlow's formats cannot express."""


def _list_lengths(op, specs, attrs):
    return [int(attrs.get(s.number_attr, 0)) if s.is_list else 1 for s in specs]


def output_arg(op, index: int) -> tuple[str, int]:
    """(TensorFlow output arg name, index within it) of output `index` of `op`."""
    index += cfx.output_offset(op)
    names = op_table.output_names(op._opdef)
    specs = op._opdef.output_specs
    if len(specs) == 1:
        return names[0], index
    if not any(s.is_list for s in specs):
        return names[index], 0
    start = 0
    for name, n in zip(names, _list_lengths(op, specs, op._attrs)):
        if index < start + n:
            return name, index - start
        start += n
    raise ExportError(f"output {index} of {op.name} ({op.type}) has no arg")


def _func_attr(name: str) -> attr_value_pb2.AttrValue:
    a = attr_value_pb2.AttrValue()
    a.func.name = name
    return a


def _type_list(dtype_list) -> attr_value_pb2.AttrValue:
    a = attr_value_pb2.AttrValue()
    a.list.SetInParent()
    a.list.type.extend(dtype_enum(d) for d in dtype_list)
    return a


def _declared_attrs(opdef, e) -> set:
    names = set(opdef.attrs) | set(opdef.type_attrs)
    names |= {s.number_attr for s in opdef.input_specs + opdef.output_specs if s.is_list}
    return names - set(e.get("drop", ())) - {"f"}


def _check_defaults(op, e):
    for k, want in e.get("defaults", {}).items():
        if op._attrs.get(k, want) != want:
            raise ExportError(f"{op.type} op {op.name!r} has {k}={op._attrs[k]!r}; TensorFlow's "
                              f"{op.type} only computes {k}={want!r}")


def _spec_inputs(op, position):
    """The input tensors of the `position`-th input spec."""
    structure = getattr(op, "_structure", None) or [-1] * len(op._inputs)
    start = sum(1 if n < 0 else n for n in structure[:position])
    n = structure[position] if position < len(structure) else -1
    return op._inputs[start:start + (1 if n < 0 else n)]


def _check_writable(op, e):
    reason = e.get("unsupported")
    if reason:
        raise ExportError(f"Cannot write op {op.name!r} of type {op.type} for TensorFlow: "
                          f"{reason}.")
    _check_defaults(op, e)


def node_attrs(op, library=None) -> dict:
    """{name: AttrValue} of `op` as TensorFlow's op definition wants them."""
    e = op_table.entry(op.type)
    _check_writable(op, e)
    if e.get("control"):
        return cfx.control_attrs(op, library)
    out = {k: attr_value(v) for k, v in e.get("add", {}).items()}
    for k in sorted(_declared_attrs(op._opdef, e)):
        v = op._attrs.get(k)
        if v is None:
            continue
        try:
            out[k] = attr_value(v)
        except TypeError as err:
            raise ExportError(f"Cannot write attr {k!r} of {op.type} op {op.name!r}: "
                              f"{err}") from None
    if op.type == "Const":
        out["value"] = attr_value(np.asarray(op._attrs["value"]))
    for k, position in e.get("type_list", {}).items():
        out[k] = _type_list(t.dtype for t in _spec_inputs(op, position))
    if e.get("call"):
        out["f"] = _func_attr(library.add(op._attrs["f"]))
        out["Tin"] = _type_list(t.dtype for t in op._inputs)
        out["Tout"] = _type_list(t.dtype for t in op._outputs)
    return out


# --- FunctionDef ---------------------------------------------------------------------------

_ARG_OK = re.compile(r"[^a-z0-9_]")


def _arg_name(raw: str, used: set) -> str:
    name = _ARG_OK.sub("_", raw.lower().replace("/", "_"))
    if not name or not name[0].isalpha():
        name = "arg_" + name
    base, i = name, 1
    while name in used:
        name = f"{base}_{i}"
        i += 1
    used.add(name)
    return name


class FunctionLibrary:
    """The `FunctionDefLibrary` being written: each concrete function once, callees included."""

    def __init__(self):
        self.functions = {}  # name -> FunctionDef (None while being written)
        self.concrete = {}  # name -> ConcreteFunction

    def add(self, cf) -> str:
        name = cf._name
        if name not in self.functions:
            self.functions[name] = None
            self.concrete[name] = cf
            self.functions[name] = _FunctionWriter(cf, self).function_def()
        return name

    def proto(self) -> function_pb2.FunctionDefLibrary:
        lib = function_pb2.FunctionDefLibrary()
        for fdef in self.functions.values():
            lib.function.add().CopyFrom(fdef)
        return lib


class _FunctionWriter:
    def __init__(self, cf, library):
        self.cf = cf
        self.graph = cf.graph
        self.library = library
        self.fdef = function_pb2.FunctionDef()
        self.refs = {}  # id(tensor) -> reference text
        self.used = set()
        self.last_stateful = None

    def function_def(self) -> function_pb2.FunctionDef:
        self.fdef.signature.name = self.cf._name
        constants = self._inputs()
        for op in self.graph.get_operations():
            if op.type == "Placeholder" and id(op._outputs[0]) in self.refs:
                continue
            if id(op) in constants:
                self._const_node(op, constants[id(op)])
                continue
            self._node(op)
        self._outputs()
        return self.fdef

    def _inputs(self) -> dict:
        """Argument and captured-variable placeholders become args; captured eager values
        become constants. Returns {id(placeholder op): value} of the constants."""
        captured = {id(inner): outer for outer, inner in self.graph._captures.values()}
        constants, shapes = {}, []
        for k, ph in enumerate(self.graph.inputs):
            # a branch or loop body takes every input from its op: none become constants
            outer = captured.get(id(ph)) if k >= self.cf._num_args else None
            if isinstance(outer, EagerTensor):
                constants[id(ph.op)] = outer
                continue
            name = _arg_name(ph.op.name, self.used)
            arg = self.fdef.signature.input_arg.add(name=name, type=dtype_enum(ph.dtype))
            handle = getattr(ph.op, "_handle_data", None)
            if ph.dtype is dtypes.resource and handle is not None:
                hd = arg.handle_data.add(dtype=dtype_enum(handle[0]))
                hd.shape.CopyFrom(shape_proto(handle[1]))
            user_name = ph.op.name if outer is None else "resource"
            self.fdef.arg_attr[len(shapes)].attr["_user_specified_name"].s = user_name.encode()
            shapes.append(ph.shape)
            self.refs[id(ph)] = name
        self.fdef.attr["_input_shapes"].list.shape.extend(shape_proto(s) for s in shapes)
        return constants

    def _ref(self, t) -> str:
        ref = self.refs.get(id(t))
        if ref is None:
            arg, i = output_arg(t._op, t._value_index)
            ref = f"{t._op.name}:{arg}:{i}"
        return ref

    def _const_node(self, op, value):
        _const_def(self.fdef.node_def.add(), op.name, value._value, value._dtype)

    def _node(self, op):
        inputs = [self._ref(t) for t in cfx.tf_inputs(op)]
        if cfx.while_counter(op):
            counter = _const_def(self.fdef.node_def.add(), f"{op.name}/loop_counter", 0)
            inputs.insert(0, f"{counter.name}:output:0")
        node = self.fdef.node_def.add(name=op.name, op=op.type)
        node.input.extend(inputs)
        controls = [c.name for c in op._control_inputs]
        stateful = op._opdef.stateful and op.type not in ("Const", "Placeholder", "NoOp")
        if stateful and self.last_stateful is not None and self.last_stateful not in controls:
            controls.append(self.last_stateful)  # TF runs a graph's stateful ops in any order
        node.input.extend("^" + c for c in controls)
        for k, v in node_attrs(op, self.library).items():
            node.attr[k].CopyFrom(v)
        if stateful:
            self.last_stateful = op.name
            self.fdef.signature.is_stateful = True
            if not any(t._consumers for t in op._outputs):
                self.fdef.signature.control_output.append(op.name)
                self.fdef.control_ret[op.name] = op.name

    def _outputs(self):
        used = set(self.used)
        for t in self.graph.outputs:
            name = _arg_name("identity", used)
            self.fdef.signature.output_arg.add(name=name, type=dtype_enum(t.dtype))
            self.fdef.ret[name] = self._ref(t)


def _const_def(node, name, value, dtype=dtypes.int32):
    """Fill `node` as a Const named `name` holding `value`."""
    node.name, node.op = name, "Const"
    node.attr["value"].CopyFrom(attr_value(np.asarray(value, dtype._np)))
    node.attr["dtype"].CopyFrom(attr_value(dtype))
    return node


# --- GraphDef ------------------------------------------------------------------------------

def tensor_name(t) -> str:
    """`node:index` of tensor `t` in the written GraphDef (a tfedu-layout `While`'s outputs
    count after TensorFlow's loop counter and limit)."""
    return f"{t._op.name}:{t._value_index + cfx.output_offset(t._op)}"


def _graph_ref(t) -> str:
    name = tensor_name(t)
    return name[:-2] if name.endswith(":0") else name


def node_def_proto(op, library, for_display=False) -> node_def_pb2.NodeDef:
    """`op` as a NodeDef; `for_display` (a graph drawn by TensorBoard, never run) keeps an op
    TensorFlow could not run, with its name, type and inputs but no attrs."""
    node = node_def_pb2.NodeDef(name=op.name, op=op.type, device=op.device)
    if cfx.while_counter(op):
        node.input.append(f"{op.name}/loop_counter")
    node.input.extend(_graph_ref(t) for t in cfx.tf_inputs(op))
    node.input.extend("^" + c.name for c in op._control_inputs)
    try:
        attrs = node_attrs(op, library)
    except ExportError:
        if not for_display:
            raise
        attrs = {}
    for k, v in attrs.items():
        node.attr[k].CopyFrom(v)
    return node


def graph_def_proto(graph, library=None, for_display=False) -> graph_pb2.GraphDef:
    """A TF 1.x graph as a `GraphDef` (functions it calls in its library); `for_display` for
    a graph TensorBoard draws (see `node_def_proto`)."""
    library = library or FunctionLibrary()
    g = graph_pb2.GraphDef()
    for op in graph.get_operations():
        if cfx.while_counter(op):
            _const_def(g.node.add(), f"{op.name}/loop_counter", 0)
        g.node.add().CopyFrom(node_def_proto(op, library, for_display))
    g.versions.producer = PRODUCER_VERSION
    g.versions.min_consumer = MIN_CONSUMER
    if library.functions:
        g.library.CopyFrom(library.proto())
    return g
