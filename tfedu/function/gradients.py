"""Symbolic gradients of function graphs (for call ops, `tf.cond` branches and loop bodies).

`vjp_function(graph)` builds a new `FuncGraph` that takes the graph's inputs plus one upstream
gradient per output, replays the forward ops under a `GradientTape` and returns the gradient
for every input the outputs depend on. Each replayed op uses its registered gradient function,
so the gradient graph is made of ordinary ops: it can be run, shown, and differentiated again.
Ops without outputs (assignments, prints) are not replayed: a gradient never repeats side effects.
"""

from __future__ import annotations

from tfedu.framework import dtypes
from tfedu.framework.context import _state
from tfedu.framework.func_graph import FUNCTION_RUNTIME, FuncGraph, VariableArgument, placeholder

__all__ = ["vjp_function", "call_gradient", "replay_graph", "structured_inputs"]


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
    from tfedu.framework.execute import execute

    mapping = {id(a): b for a, b in zip(graph.inputs, new_inputs)}
    proxies = proxies or {}
    for op in graph._ops:
        if not op._outputs:
            continue
        if op.type == "Placeholder" and id(op._outputs[0]) in mapping:
            continue
        ins = [mapping.get(id(t), t) for t in op._inputs]
        if op.type == "ReadVariableOp" and id(ins[0]) in proxies:
            outs = [proxies[id(ins[0])].value()]
        else:
            replay = getattr(op._opdef, "replay", None)
            if replay is not None:
                values = [proxies.get(id(t), t) for t in ins]
                outs = replay(op, values)
            else:
                res = execute(op._opdef, structured_inputs(op, ins),
                              dict(getattr(op, "_kernel_attrs", {})), default_name=op.type)
                outs = [res] if not isinstance(res, (list, tuple)) else list(res)
                if len(op._outputs) == 1 and isinstance(res, list):
                    outs = res
        for old, new in zip(op._outputs, outs):
            if new is not None and getattr(new, "_shape", None) is not None \
                    and new.shape.rank is None and old.shape.rank is not None:
                new._shape = old.shape
            mapping[id(old)] = new
    return mapping


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
    from tfedu.eager.tape import GradientTape
    from tfedu.function.concrete_function import ConcreteFunction
    from tfedu.ops import array_ops

    gg = FuncGraph(name or f"gradient_{fg.name}", outer_graph=fg.outer_graph)
    saved_tapes = _state.tapes
    _state.tapes = []
    try:
        with gg.as_default():
            new_inputs = make_inputs_like(gg, fg.inputs)
            ups = [placeholder(gg, t.dtype, t.shape, "upstream") for t in fg.outputs]
            gg.inputs = list(new_inputs) + list(ups)
            proxies = proxies_for(gg, new_inputs)
            tape = GradientTape(persistent=True)
            tape._push()
            try:
                for t in new_inputs:
                    if _differentiable(t.dtype):
                        tape.watch(t)
                mapping = replay_graph(fg, new_inputs, proxies)
            finally:
                tape._pop()
            targets, og = [], []
            for t, u in zip(fg.outputs, ups):
                if _differentiable(t.dtype):
                    targets.append(mapping[id(t)])
                    og.append(u)
            sources = []
            for t in new_inputs:
                if id(t) in proxies:
                    sources.append(proxies[id(t)])
                else:
                    sources.append(t)
            if targets:
                grads = tape.gradient(targets, sources, output_gradients=og)
            else:
                grads = [None] * len(sources)
            mask = []
            outs = []
            for s, g in zip(sources, grads):
                if g is None or not _differentiable(s.dtype):
                    mask.append(False)
                    continue
                mask.append(True)
                outs.append(array_ops.identity(g))
            gg.outputs = outs
    finally:
        _state.tapes = saved_tapes
    params = [(f"arg{i}", "POSITIONAL_OR_KEYWORD") for i in range(len(new_inputs) + len(ups))]
    from tfedu.framework.tensor_spec import TensorSpec

    specs = [TensorSpec(t.shape, t.dtype) for t in list(new_inputs) + list(ups)]
    cf = ConcreteFunction(gg, params, specs, list(outs))
    return cf, mask


def call_gradient(cf, values, grads):
    """Gradients for the inputs `values` of a call of `cf`, given upstream `grads`."""
    from tfedu.ops import array_ops

    if cf._gradient is None:
        cf._gradient = vjp_function(cf.graph)
    gcf, mask = cf._gradient
    ups = []
    for g, out in zip(grads, cf.outputs):
        if g is None:
            g = array_ops.zeros(out.shape.as_list(), dtype=out.dtype) \
                if out.shape.is_fully_defined() else None
        ups.append(g)
    if any(u is None for u in ups):
        # shapes only known at run time: zeros shaped like the forward outputs
        fwd = cf._call_flat(list(values[:cf._num_args]))
        fwd = [fwd] if not isinstance(fwd, (list, tuple)) else list(fwd)
        ups = [u if u is not None else array_ops.zeros_like(f) for u, f in zip(ups, fwd)]
    res = gcf._call_flat(list(values) + ups) if mask.count(True) else []
    res = list(res) if isinstance(res, (list, tuple)) else [res]
    out, k = [], 0
    for m in mask:
        if m:
            out.append(res[k])
            k += 1
        else:
            out.append(None)
    return out


FUNCTION_RUNTIME.gradient_function = vjp_function
