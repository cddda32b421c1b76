"""tfedu's `If`/`While` ops written as TensorFlow's, and TensorFlow's read back.

`If` / `StatelessIf` have TensorFlow's layout already: inputs `[pred, captured...]`, each
branch a function of every captured input. They are written with TensorFlow's attrs
(`Tcond`, `Tin`, `Tout`, `then_branch`, `else_branch`, `output_shapes`).

tfedu's `While` takes `[max_iter, loop vars..., captured...]`; its `cond` reads loop vars and
captures, its `body` returns only the loop vars, and `max_iter < 0` means "no limit".
TensorFlow's `While` (see its `while_v2`) carries every value round the loop: inputs
`[loop_counter, maximum_iterations, loop vars..., captured...]`, `cond` takes them all, `body`
returns them all (captures passed through, the counter plus one). At export two wrapper
functions are built with tfedu's own ops, each calling tfedu's cond / body:

    cond'(i, n, *vars, *caps) = (n < 0 or i < n) and cond(*vars, *caps)
    body'(i, n, *vars, *caps) = (i + 1, n, *body(*vars, *caps), *caps)

and the `While` node gets a `loop_counter` constant as its first input; tfedu's output `k`
is TensorFlow's output `k + 2`. A `While` read from TensorFlow keeps TensorFlow's layout
(every input a loop var, no limit of its own; attr `tf_layout`) and is written back as it is.
"""

from __future__ import annotations

import numpy as np
from tensorboard.compat.proto import attr_value_pb2

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.convert import _const_in_graph
from tfedu.framework.func_graph import FuncGraph, create_graph_op, graph_function, placeholder
from tfedu.framework.registry import OPS
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import math_ops
from tfedu.ops.control_flow_ops import _Spec
from tfedu.saved_model.proto_values import attr_value, dtype_enum

__all__ = ["control_attrs", "while_counter", "output_offset", "tf_inputs", "import_control",
           "CONTROL_ATTRS"]

CONTROL_ATTRS = {
    "if": ("Tcond", "Tin", "Tout", "then_branch", "else_branch", "output_shapes"),
    "while": ("T", "cond", "body", "output_shapes", "parallel_iterations"),
}


def _kind(op):
    opdef = getattr(op, "_opdef", op)
    e = opdef.export.get("graphdef", {}) if opdef is not None else {}
    return e.get("control")


def while_counter(op) -> bool:
    """True for a tfedu-layout `While`, which TensorFlow's form gives a loop-counter input."""
    return _kind(op) == "while" and not op._attrs.get("tf_layout")


def output_offset(op) -> int:
    """TensorFlow's output index minus tfedu's (2 for a tfedu-layout `While`)."""
    return 2 if while_counter(op) else 0


def tf_inputs(op) -> list:
    """The op's inputs as TensorFlow's node takes them (counter excluded, written apart)."""
    if _kind(op) == "while" and op._attrs.get("tf_layout"):
        return list(op._inputs[1:])  # max_iter (always -1) is not TensorFlow's
    return list(op._inputs)


def _types(values):
    a = attr_value([])
    a.list.type.extend(dtype_enum(d) for d in values)
    return a


def _func(name):
    a = attr_value_pb2.AttrValue()
    a.func.name = name
    return a


def _shapes(shapes):
    return attr_value([TensorShape(s) for s in shapes])


def control_attrs(op, library) -> dict:
    """TensorFlow's attrs for an `If` or `While` node (functions added to `library`)."""
    return _if_attrs(op, library) if _kind(op) == "if" else _while_attrs(op, library)


def _if_attrs(op, library) -> dict:
    return {"Tcond": attr_value(op._inputs[0].dtype),
            "Tin": _types(t.dtype for t in op._inputs[1:]),
            "Tout": _types(t.dtype for t in op._outputs),
            "then_branch": _func(library.add(op._attrs["then_branch"])),
            "else_branch": _func(library.add(op._attrs["else_branch"])),
            "output_shapes": _shapes([t.shape for t in op._outputs])}


def _while_attrs(op, library) -> dict:
    cond, body = op._attrs["cond"], op._attrs["body"]
    inputs = tf_inputs(op)
    shapes = [t.shape for t in op._outputs]
    if while_counter(op):
        cond, body = _wrappers(op)
        n_loop = op._attrs["n_loop"]
        shapes = [[], []] + shapes + [t.shape for t in op._inputs[1 + n_loop:]]
        inputs = [op._inputs[0]] * 2 + inputs[1:]  # two int32 scalars lead
    return {"T": _types(t.dtype for t in inputs), "cond": _func(library.add(cond)),
            "body": _func(library.add(body)), "output_shapes": _shapes(shapes),
            "parallel_iterations": attr_value(10)}


# --- the wrapper functions ----------------------------------------------------------------

def _wrappers(op):
    """(cond', body') of a tfedu-layout `While`, built once per body."""
    cond, body = op._attrs["cond"], op._attrs["body"]
    cache = getattr(body, "_tf_while", None)
    if cache is None or cache[0] is not cond:
        stateful = op._opdef.stateful
        cache = (cond, _wrap_cond(cond, stateful), _wrap_body(body, op._attrs["n_loop"], stateful))
        body._tf_while = cache
    return cache[1], cache[2]


def _args(g, like):
    """Placeholders in `g`: counter, maximum iterations, then one like each of `like`."""
    args = [placeholder(g, dtypes.int32, [], "loop_counter"),
            placeholder(g, dtypes.int32, [], "maximum_iterations")]
    for t in like:
        ph = placeholder(g, t.dtype, t.shape, "Placeholder")
        hd = getattr(t.op, "_handle_data", None)
        if hd is not None:
            ph._op._handle_data = hd
        args.append(ph)
    g.inputs = list(args)
    return args


def _call(fn, args, stateful):
    opdef = OPS["StatefulPartitionedCall" if stateful else "PartitionedCall"]
    specs = [(t.shape, t.dtype) for t in fn.graph.outputs]
    return list(create_graph_op(opdef, args, {"f": fn}, specs, opdef.type)._outputs)


def _in_graph(name, build):
    g = FuncGraph(name)
    saved = _state.graph_stack, _state.graph
    try:
        with g.as_default():
            build(g)
    finally:
        _state.graph_stack, _state.graph = saved
    return graph_function(g)


def _wrap_cond(cond, stateful):
    def build(g):
        i, n, *rest = _args(g, cond.graph.inputs)
        within = math_ops.logical_or(math_ops.less(n, 0), math_ops.less(i, n))
        g.outputs = [math_ops.logical_and(within, _call(cond, rest, stateful)[0])]
    return _in_graph(cond.graph.name, build)


def _wrap_body(body, n_loop, stateful):
    def build(g):
        i, n, *rest = _args(g, body.graph.inputs)
        outs = _call(body, rest, stateful)
        g.outputs = [math_ops.add(i, 1), n] + outs + rest[n_loop:]
    return _in_graph(body.graph.name, build)


# --- reading TensorFlow's nodes ------------------------------------------------------------

def _branch(cf):
    """A loaded function as a branch / loop function (every input an argument)."""
    fn = getattr(cf, "_as_branch", None)
    if fn is None:
        fn = cf._as_branch = graph_function(cf.graph)
    return fn


def _specs(types, shapes):
    shapes = list(shapes or ())
    return [(TensorShape(shapes[i]) if i < len(shapes) else TensorShape(None), d)
            for i, d in enumerate(types or ())]


def import_control(graph, op_type, data, attrs, name):
    """A TensorFlow `If`/`While` node (inputs `data`, attrs read) as the tfedu op."""
    if _kind(OPS[op_type]) == "if":
        tensors = list(data)
        specs = _specs(attrs.get("Tout"), attrs.get("output_shapes"))
        kattrs = {"then_branch": _branch(attrs["then_branch"]),
                  "else_branch": _branch(attrs["else_branch"])}
    else:
        limit = _const_in_graph(graph, np.array(-1, np.int32), dtypes.int32, name + "no_limit/")
        tensors = [limit] + list(data)
        specs = _specs(attrs.get("T"), attrs.get("output_shapes"))
        kattrs = {"cond": _branch(attrs["cond"]), "body": _branch(attrs["body"]),
                  "n_loop": len(data), "tf_layout": True}
    kattrs["output_specs"] = tuple(_Spec(s, d) for s, d in specs)
    op = create_graph_op(OPS[op_type], tensors, kattrs, specs, op_type, name)
    op._structure = [-1, len(tensors) - 1]
    return op
