"""TensorFlow's `FunctionDef`s and `GraphDef`s read back into tfedu graphs.

Each `NodeDef` becomes the tfedu op of the same name, built through the registry exactly as
if the Python API had built it (shapes are inferred again, kernels are tfedu's). An op tfedu
does not have is refused with an error naming it. Functions called by a node (`f` of
`StatefulPartitionedCall`, the branches of `If`, cond and body of `While`: `control_flow_io`)
are read on demand from the same library.

Nothing in the protobuf is executed while reading: node names, op names and attr values are
data; the graph runs only when the loaded function is called, with tfedu's own kernels.
"""

from __future__ import annotations

import inspect

from tfedu.framework import errors
from tfedu.framework.context import _state
from tfedu.framework.convert import _const_in_graph
from tfedu.framework.execute import execute
from tfedu.framework.func_graph import FuncGraph, placeholder
from tfedu.framework.registry import OPS
from tfedu.framework.tensor_shape import TensorShape
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.function.concrete_function import CALL, STATEFUL_CALL, ConcreteFunction, create_graph_op
from tfedu.saved_model import control_flow_io as cfx
from tfedu.saved_model import op_table
from tfedu.saved_model.graph_export import output_arg
from tfedu.saved_model.proto_values import (
    array_from_proto,
    attr_from_proto,
    dtype_from_enum,
    shape_from_proto,
)

__all__ = ["FunctionLoader", "import_nodes", "missing_ops"]

_CALL_OPS = {"PartitionedCall": CALL, "StatefulPartitionedCall": STATEFUL_CALL}
_GRAPH_ONLY_ATTRS = {"T", "N", "Tin", "Tout", "f", "config", "config_proto", "executor_type"}


def missing_ops(node_defs) -> set:
    return {n.op for n in node_defs if n.op not in OPS and n.op not in ("Const",)}


def _op_error(op_type: str, where: str):
    reason = op_table.unsupported_reason(op_type)
    if reason and op_type in OPS:
        return errors.UnimplementedError(
            None, None, f"Op '{op_type}' (needed by {where}) cannot be read into tfedu: {reason}.")
    return errors.NotFoundError(
        None, None, f"Op type not registered '{op_type}' in tfedu (needed by {where}). tfedu "
        "reads graphs made of the ops it implements; this one is not among them.")


_KERNEL_PARAMS = {}


def _kernel_params(opdef):
    """Names of the attrs the op's kernel takes (None: it takes any)."""
    hit = _KERNEL_PARAMS.get(opdef.type)
    if hit is None:
        try:
            params = inspect.signature(opdef.kernel).parameters.values()
        except (TypeError, ValueError):
            params = ()
        if any(p.kind is p.VAR_KEYWORD for p in params):
            hit = _KERNEL_PARAMS[opdef.type] = ("*",)
        else:
            hit = _KERNEL_PARAMS[opdef.type] = tuple(p.name for p in params)
    return None if hit == ("*",) else set(hit)


def _structure_inputs(opdef, flat, attrs):
    """Group a node's flat inputs by the op's input specs (list inputs take N of them)."""
    specs = opdef.input_specs
    n_lists = sum(s.is_list for s in specs)
    fixed = len(specs) - n_lists
    out, i = [], 0
    for s in specs:
        if s.is_list:
            n = attrs.get(s.number_attr)
            n = int(n) if isinstance(n, int) else (len(flat) - fixed) // max(n_lists, 1)
            out.append(list(flat[i:i + n]))
            i += n
        else:
            out.append(flat[i])
            i += 1
    if i != len(flat):
        raise errors.InvalidArgumentError(None, None, f"{opdef.type} got {len(flat)} inputs; "
                                          f"its definition takes {i}")
    return out


def _kernel_attrs(opdef, attrs):
    accepted = _kernel_params(opdef)
    declared = set(opdef.attrs) | set(opdef.type_attrs)
    return {k: v for k, v in attrs.items()
            if k in declared and (accepted is None or k in accepted)}


class _NodeBuilder:
    """Builds the ops of one graph body from `NodeDef`s, in dependency order."""

    def __init__(self, graph, functions, where, ref_style):
        self.graph = graph
        self.functions = functions  # name -> ConcreteFunction
        self.where = where
        self.ref_style = ref_style  # "function" (node:arg:i) or "graph" (node:i)
        self.tensors = {}  # reference text -> tensor
        self.ops = {}  # node name -> Operation

    def ref(self, text):
        t = self.tensors.get(text)
        if t is None and self.ref_style == "graph" and ":" not in text:
            t = self.tensors.get(text + ":0")
        if t is None:
            raise errors.InvalidArgumentError(None, None, f"{self.where}: input '{text}' is not "
                                              "an output of any node")
        return t

    def build(self, nodes):
        for node in _topological(nodes, self.ref_style):
            op = self.node(node)
            if op is not None:
                self.ops[node.name] = op
                self._register_outputs(node.name, op)

    def _register_outputs(self, name, op):
        for i, t in enumerate(op._outputs):
            if self.ref_style == "graph":
                self.tensors[f"{name}:{i}"] = t
            else:
                arg, k = output_arg(op, i)
                self.tensors[f"{name}:{arg}:{k}"] = t

    def node(self, node):
        data = [self.ref(i) for i in node.input if not i.startswith("^")]
        controls = [self.ops[i[1:]] for i in node.input if i.startswith("^") and i[1:] in self.ops]
        with self.graph.control_dependencies(controls):
            if node.op == "Const":
                value = array_from_proto(node.attr["value"].tensor)
                return _const_in_graph(self.graph, value, dtype_from_enum(
                    node.attr["value"].tensor.dtype), node.name + "/")._op
            opdef = OPS.get(node.op)
            if opdef is None or op_table.unsupported_reason(node.op):
                raise _op_error(node.op, self.where)
            attrs = {k: attr_from_proto(v, self.functions) for k, v in node.attr.items()
                     if not k.startswith("_")}
            if node.op in _CALL_OPS:
                return self._call(node, opdef, data, attrs)
            if op_table.entry(node.op).get("control"):
                return cfx.import_control(self.graph, node.op, data, attrs, node.name + "/")
            if op_table.entry(node.op).get("hetero"):
                return self._hetero(node, opdef, data, attrs)
            return self._op(node, opdef, data, attrs)

    def _call(self, node, opdef, data, attrs):
        cf = attrs["f"]
        specs = [(t.shape, t.dtype) for t in cf.outputs]
        return create_graph_op(opdef, data, {"f": cf}, specs, node.op, node.name + "/")

    def _hetero(self, node, opdef, data, attrs):
        """An op with a list of mixed dtypes (`SaveV2`, `RestoreV2`): built as declared."""
        fixed = sum(not s.is_list for s in opdef.input_specs)
        structure = [-1] * fixed + ([len(data) - fixed] if len(opdef.input_specs) > fixed
                                    else [])
        dtypes_list = list(attrs.get("dtypes", ()))
        kattrs = {"dtypes": dtypes_list, "N": len(dtypes_list)}
        specs = [(TensorShape(None), d) for d in dtypes_list] if opdef.output_specs else []
        g = self.graph
        op = g._create_op(opdef, g._op_name(node.name + "/", opdef.type), data, kattrs, specs)
        op._kernel_attrs, op._structure = kattrs, structure
        return op

    def _op(self, node, opdef, data, attrs):
        inputs = _structure_inputs(opdef, data, attrs)
        kattrs = _kernel_attrs(opdef, attrs)
        result = execute(opdef, inputs, kattrs, name=node.name + "/")
        op = result if hasattr(result, "_outputs") else (
            result[0]._op if isinstance(result, list) else result._op)
        if node.op == "ReadVariableOp" and data:
            hd = getattr(data[0]._op, "_handle_data", None)
            if hd is not None and op._outputs[0].shape.rank is None:
                op._outputs[0]._shape = TensorShape(hd[1])
        return op


def _topological(nodes, ref_style):
    """Nodes ordered so that each comes after the nodes it reads (data and control)."""
    by_name = {n.name: n for n in nodes}
    order, state = [], {}

    def deps(n):
        for i in n.input:
            name = i[1:] if i.startswith("^") else i.split(":")[0]
            if name in by_name:
                yield name

    for start in by_name:
        stack = [(start, iter(deps(by_name[start])))]
        if state.get(start):
            continue
        state[start] = 1
        while stack:
            name, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[name] = 2
                order.append(by_name[name])
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(deps(by_name[nxt]))))
            elif state[nxt] == 1:
                raise errors.InvalidArgumentError(None, None, f"Graph has a cycle at {nxt!r}")
    return order


def import_nodes(graph, node_defs, functions=None, where="GraphDef", library=None):
    """Add `node_defs` (a GraphDef's nodes) to the tfedu `graph`; returns {name: Operation}.
    Functions the nodes call come from `library` (a FunctionDefLibrary) or `functions`."""
    if library is not None and library.function:
        functions = FunctionLoader(library).get
    builder = _NodeBuilder(graph, functions, where, "graph")
    with graph.as_default():
        builder.build(node_defs)
    return builder.ops


# --- functions -----------------------------------------------------------------------------

def _arg_shapes(fdef):
    shapes = [shape_from_proto(s) for s in fdef.attr["_input_shapes"].list.shape] \
        if "_input_shapes" in fdef.attr else []
    out = []
    for i, _ in enumerate(fdef.signature.input_arg):
        if i < len(shapes):
            out.append(shapes[i])
            continue
        attr = fdef.arg_attr[i].attr if i in fdef.arg_attr else {}
        listed = attr["_output_shapes"].list.shape if "_output_shapes" in attr else []
        out.append(shape_from_proto(listed[0]) if listed else TensorShape(None))
    return out


def _build_graph(fdef, loader) -> FuncGraph:
    name = fdef.signature.name
    g = FuncGraph(name)
    builder = _NodeBuilder(g, loader.get, f"function {name}", "function")
    with g.as_default():
        for arg, shape in zip(fdef.signature.input_arg, _arg_shapes(fdef)):
            dtype = dtype_from_enum(arg.type)
            ph = placeholder(g, dtype, shape if arg.type != 20 else [], arg.name + "/")
            if arg.handle_data:
                hd = arg.handle_data[0]
                ph._op._handle_data = (dtype_from_enum(hd.dtype), shape_from_proto(hd.shape))
            g.inputs.append(ph)
            builder.tensors[arg.name] = ph
        builder.build(fdef.node_def)
        g.outputs = [builder.ref(fdef.ret[a.name]) for a in fdef.signature.output_arg]
    return g


class FunctionLoader:
    """Reads a `FunctionDefLibrary` into ConcreteFunctions, each on first request."""

    def __init__(self, library):
        self.defs = {f.signature.name: f for f in library.function}
        self.loaded = {}
        self.graphs = {}

    def check_ops(self, names) -> None:
        """Refuse, naming the op, any function (or callee) with an op tfedu lacks."""
        seen, todo = set(), list(names)
        while todo:
            name = todo.pop()
            if name in seen or name not in self.defs:
                continue
            seen.add(name)
            fdef = self.defs[name]
            for node in fdef.node_def:
                if (node.op not in OPS and node.op != "Const") or op_table.unsupported_reason(
                        node.op):
                    raise _op_error(node.op, f"function {name}")
                todo += [a.func.name for a in node.attr.values() if a.WhichOneof("value") ==
                         "func"]

    def graph(self, name) -> FuncGraph:
        if name not in self.graphs:
            if name not in self.defs:
                raise errors.NotFoundError(None, None, f"Function {name} is not in the library")
            saved = _state.graph_stack, _state.graph
            self.graphs[name] = _build_graph(self.defs[name], self)
            _state.graph_stack, _state.graph = saved
        return self.graphs[name]

    def get(self, name) -> ConcreteFunction:
        """A function called by another graph: every input an explicit argument."""
        cf = self.loaded.get(name)
        if cf is None:
            g = self.graph(name)
            params = [(ph.op.name, "POSITIONAL_OR_KEYWORD") for ph in g.inputs]
            specs = [TensorSpec(ph.shape, ph.dtype, ph.op.name) for ph in g.inputs]
            cf = ConcreteFunction(g, params, specs, list(g.outputs))
            cf._name = name
            self.loaded[name] = cf
        return cf
