"""Symbolic gradients of function graphs (for call ops, `tf.cond` branches and loop bodies).

`vjp_function(graph)` builds a new `FuncGraph` that takes the graph's inputs plus one upstream
gradient per output, replays the forward ops under a `GradientTape` and returns the gradient
for every input the outputs depend on. Each replayed op uses its registered gradient function,
so the gradient graph is made of ordinary ops: it can be run, shown, and differentiated again.
Ops without outputs (assignments, prints) are not replayed: a gradient never repeats side effects.
"""

from __future__ import annotations

from tfedu.eager.tape import GradientTape
from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.execute import execute
from tfedu.framework.func_graph import FUNCTION_RUNTIME, FuncGraph, VariableArgument, placeholder
from tfedu.framework.tensor_spec import TensorSpec
from tfedu.function.concrete_function import ConcreteFunction
from tfedu.ops import array_ops

__all__ = ["vjp_function", "replay_graph", "structured_inputs"]


def _differentiable(dtype) -> bool:
    return dtype.is_floating or dtype.is_complex


def structured_inputs(op, flat):
    """Regroup a flat input list the way `op` received it (list inputs as lists)."""
    structure = getattr(op, "_structure", None)
    if not structure:
        return list(flat)
    out, i = [], 0
    for n in structure:
        if n < 0:
            out.append(flat[i])
            i += 1
        else:
            out.append(list(flat[i:i + n]))
            i += n
    return out


def handle_data(t):
    """(dtype, shape) of the variable a resource tensor refers to, if known."""
    return getattr(t._op, "_handle_data", None)


def replay_graph(graph, new_inputs, proxies=None):
    """Re-create `graph`'s ops in the current graph, with `graph.inputs` -> `new_inputs`.

    `proxies` maps id(resource input) -> VariableArgument so variable reads are seen by tapes.
    Returns a dict id(old tensor) -> new tensor.
    """
    mapping = {id(a): b for a, b in zip(graph.inputs, new_inputs)}
    proxies = proxies or {}
    for op in graph._ops:
        if not op._outputs:
            continue
        if op.type == "Placeholder" and id(op._outputs[0]) in mapping:
            continue
        outs = _replay_op(op, [mapping.get(id(t), t) for t in op._inputs], proxies)
        for old, new in zip(op._outputs, outs):
            if new is not None and getattr(new, "_shape", None) is not None \
                    and new.shape.rank is None and old.shape.rank is not None:
                new._shape = old.shape
            mapping[id(old)] = new
    return mapping


def _replay_op(op, ins, proxies):
    """The outputs of `op` run again on `ins` (its OpDef's `replay` for ops that need one)."""
    if op.type == "ReadVariableOp" and id(ins[0]) in proxies:
        return [proxies[id(ins[0])].value()]
    if op._opdef.replay is not None:
        return op._opdef.replay(op, [proxies.get(id(t), t) for t in ins])
    res = execute(op._opdef, structured_inputs(op, ins), dict(getattr(op, "_kernel_attrs", {})),
                  default_name=op.type)
    if len(op._outputs) == 1 and isinstance(res, list):
        return res
    return [res] if not isinstance(res, (list, tuple)) else list(res)


def make_inputs_like(graph, inputs, name="input"):
    """Placeholders in the current graph mirroring `inputs` (resource handles keep their data)."""
    out = []
    for t in inputs:
        ph = placeholder(graph, t.dtype, t.shape, name)
        hd = handle_data(t)
        if hd is not None:
            ph._op._handle_data = hd
        out.append(ph)
    return out


def proxies_for(graph, inputs):
    """VariableArgument stand-ins for the resource inputs whose variable type is known."""
    proxies = {}
    for t in inputs:
        if t.dtype is dtypes.resource:
            hd = handle_data(t)
            if hd is not None:
                proxies[id(t)] = VariableArgument(graph, t, hd[0], hd[1], "var")
    return proxies


def vjp_function(fg: FuncGraph, name=None):
    """(ConcreteFunction computing input gradients, mask of inputs that get one)."""
    gg = FuncGraph(name or f"gradient_{fg.name}", outer_graph=fg.outer_graph)
    saved_tapes, _state.tapes = _state.tapes, []  # outer tapes do not see the gradient graph
    try:
        with gg.as_default():
            new_inputs = make_inputs_like(gg, fg.inputs)
            ups = [placeholder(gg, t.dtype, t.shape, "upstream") for t in fg.outputs]
            args = gg.inputs = list(new_inputs) + list(ups)
            grads, sources = _input_gradients(gg, fg, new_inputs, ups)
            mask = [g is not None and _differentiable(s.dtype) for s, g in zip(sources, grads)]
            gg.outputs = [array_ops.identity(g) for g, m in zip(grads, mask) if m]
    finally:
        _state.tapes = saved_tapes
    params = [(f"arg{i}", "POSITIONAL_OR_KEYWORD") for i in range(len(args))]
    specs = [TensorSpec(t.shape, t.dtype) for t in args]
    return ConcreteFunction(gg, params, specs, list(gg.outputs)), mask


def _input_gradients(gg, fg, new_inputs, ups):
    """Replay `fg` on `new_inputs` under a tape; the gradients of its inputs given `ups`.

    Returns (gradients, sources): a resource input's source is its variable stand-in.
    """
    proxies = proxies_for(gg, new_inputs)
    tape = GradientTape(persistent=True)
    tape._push()
    try:
        tape.watch([t for t in new_inputs if _differentiable(t.dtype)])
        mapping = replay_graph(fg, new_inputs, proxies)
    finally:
        tape._pop()
    pairs = [(mapping[id(t)], u) for t, u in zip(fg.outputs, ups) if _differentiable(t.dtype)]
    sources = [proxies.get(id(t), t) for t in new_inputs]
    if not pairs:
        return [None] * len(sources), sources
    targets, og = [list(x) for x in zip(*pairs)]
    return tape.gradient(targets, sources, output_gradients=og), sources


FUNCTION_RUNTIME.gradient_function = vjp_function
