"""Control flow: `tf.cond`, `tf.case`, `tf.switch_case`, `tf.while_loop`, `tf.TensorArray`, `tf.print`.

Eagerly these are plain Python: `tf.cond` calls the branch the predicate picks, `tf.while_loop`
loops in Python, so a tape records each op that really ran. While a graph is being built,
each branch / the loop condition and body are traced into their own `FuncGraph`s, which become
attributes of one op:
    If / StatelessIf        inputs [pred, captured...]            attrs then_branch, else_branch
    While / StatelessWhile  inputs [max_iter, loop vars..., captured...]   attrs cond, body

(the `Stateless` form when the sub-graphs have no side effects; a `While` read from a
TensorFlow file has `tf_layout`: its inputs are TensorFlow's, every one a loop var, and its
`max_iter` is -1). Their kernels run the
sub-graphs' execution plans. Gradients are symbolic: an `If` over the branches' gradient graphs,
and a `WhileGrad` op that replays the loop and runs the body's gradient graph backwards.
"""

from __future__ import annotations

import sys

import numpy as np

from tfedu.framework import dtypes, errors, nest
from tfedu.framework.context import _state
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.execute import execute, record_gradient
from tfedu.framework.func_graph import (
    FuncGraph,
    create_graph_op,
    gradient_function,
    graph_function,
    graph_inputs,
    placeholder,
    tape_inputs,
)
from tfedu.framework.op_check import OpCheckError
from tfedu.framework.registry import ALL, register_op
from tfedu.framework.tensor import EagerTensor, SymbolicTensor, Tensor, _wrap
from tfedu.framework.tensor_shape import TensorShape
from tfedu.ops import array_ops, math_ops
from tfedu.ops.op_helpers import export

__all__ = ["cond", "case", "switch_case", "while_loop", "TensorArray", "print_v2"]

_RESOURCE = dtypes.resource
_VARIANT = dtypes.variant


def _differentiable(dtype) -> bool:
    return dtype.is_floating or dtype.is_complex


# ------------------------------------------------------------------------------------------
# Sub-graphs
# ------------------------------------------------------------------------------------------


def _trace_subgraph(name, fn, inputs_like=(), shapes=None):
    """Trace `fn(*placeholders)` into a FuncGraph; returns (graph, raw Python result)."""
    outer = _state.graph
    g = FuncGraph(name, outer_graph=outer)
    saved_tapes = _state.tapes
    _state.tapes = []
    try:
        with g.as_default():
            args = []
            for i, t in enumerate(inputs_like):
                shape = t.shape if shapes is None or shapes[i] is None else shapes[i]
                ph = placeholder(g, t.dtype, shape, "Placeholder")
                hd = getattr(getattr(t, "_op", None), "_handle_data", None)
                if hd is not None:
                    ph._op._handle_data = hd
                args.append(ph)
            g.inputs = list(args)
            result = fn(*args)
    finally:
        _state.tapes = saved_tapes
    return g, result


def _unify_captures(graphs, n_explicit):
    """Give every graph the same inputs: explicit ones, then the union of all captures."""
    externals = []
    index = {}
    for g in graphs:
        for outer, _ in g._captures.values():
            if id(outer) not in index:
                index[id(outer)] = len(externals)
                externals.append(outer)
    for g in graphs:
        mine = {id(o): ph for o, ph in g._captures.values()}
        extra = []
        for outer in externals:
            ph = mine.get(id(outer))
            if ph is None:
                with g.as_default():
                    dtype = outer.dtype if not getattr(outer, "_is_variable", False) \
                        else _RESOURCE
                    shape = outer.shape if dtype is not _RESOURCE else []
                    ph = placeholder(g, dtype, shape, "Placeholder")
                if dtype is _RESOURCE:
                    hd = (outer.dtype, TensorShape(outer.shape)) if getattr(
                        outer, "_is_variable", False) else getattr(outer._op, "_handle_data",
                                                                   None)
                    if hd is not None:
                        ph._op._handle_data = hd
            extra.append(ph)
        g.inputs = list(g.inputs[:n_explicit]) + extra
    return externals


def _output_tensors(g, values):
    """Tensors (in graph g) for a branch's flat results; Python values become constants."""
    out = []
    with g.as_default():
        for v in values:
            if isinstance(v, Tensor) and v.graph is g if isinstance(v, SymbolicTensor) else False:
                out.append(v)
            elif getattr(v, "_is_variable", False):
                out.append(v.value())
            else:
                out.append(convert_to_tensor(v))
    return out


def _is_stateful(*graphs) -> bool:
    for g in graphs:
        for op in g._ops:
            if op.type in ("Placeholder", "Const"):
                continue
            if op._opdef.stateful and op.type != "ReadVariableOp":
                return True
            if op.type in ("StatefulPartitionedCall", "If", "While"):
                return True
    return False


# ------------------------------------------------------------------------------------------
# If
# ------------------------------------------------------------------------------------------


def _if_kernel(resources, pred, inputs, then_branch=None, else_branch=None, **_):
    p = np.asarray(pred)
    if p.size != 1:
        raise OpCheckError(f"The first input to If must be a scalar, got shape {p.shape}")
    branch = then_branch if bool(p.reshape(())) else else_branch
    out = branch.run(inputs, resources)
    return out


def _if_infer(op):
    return [(t.shape, t.dtype) for t in op.attrs["output_specs"]]


def _if_replay(op, values):
    return build_if(values[0], op.get_attr("then_branch"), op.get_attr("else_branch"),
                    values[1:], op.get_attr("output_specs"))


def _if_graph_grad(op, *grads):
    return [None] + if_gradient(op.get_attr("then_branch"), op.get_attr("else_branch"),
                                op.inputs[0], list(op.inputs[1:]), grads)


IF = register_op("If", group="control", inputs=("cond: Tcond", "input: N*T"), outputs=("output: N*T",),
                 export={"graphdef": {"control": "if"}},
                 attrs={"then_branch": None, "else_branch": None, "output_specs": ()},
                 infer=_if_infer, kernel=_if_kernel, grad=_if_graph_grad, stateful=True,
                 uses_resources=True, replay=_if_replay,
                 doc="Runs then_branch or else_branch on its inputs, by cond.")


STATELESS_IF = register_op("StatelessIf", group="control", inputs=("cond: Tcond", "input: N*T"),
                           export={"graphdef": {"control": "if"}},
                           outputs=("output: N*T",),
                           attrs={"then_branch": None, "else_branch": None, "output_specs": ()},
                           infer=_if_infer, kernel=_if_kernel, grad=_if_graph_grad,
                           uses_resources=True, replay=_if_replay,
                           doc="If without side effects in either branch.")


def build_if(pred, then_sg, else_sg, values, output_specs, name=None):
    """Emit an If op; record it on tapes; returns the flat output tensors."""
    pred_t = convert_to_tensor(pred)
    tensors = [pred_t] + graph_inputs(values)
    stateful = _is_stateful(then_sg.graph, else_sg.graph)
    opdef = IF if stateful else STATELESS_IF
    attrs = {"then_branch": then_sg, "else_branch": else_sg, "output_specs": output_specs}
    op = create_graph_op(opdef, tensors, attrs, [(s.shape, s.dtype) for s in output_specs],
                         "cond" if name is None else name)
    op._structure = [-1, len(tensors) - 1]
    outs = list(op._outputs)
    if _state.tapes and outs:
        vals = list(values)
        tin = tape_inputs(vals, tensors[1:])

        def grad_fn(rec, *grads):
            return if_gradient(then_sg, else_sg, pred_t, vals, grads)

        record_gradient(tin, outs, grad_fn)
    return outs



class _Spec:
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def if_gradient(then_sg, else_sg, pred, values, grads):
    """Gradients for an If's inputs: an If over the two branches' gradient graphs."""
    cache = getattr(then_sg, "_if_grad", None)
    if cache is None or cache[0] is not else_sg:
        (tg, tmask), (eg, emask) = gradient_function(then_sg.graph), gradient_function(else_sg.graph)
        mask = [a or b for a, b in zip(tmask, emask)]
        tgrad = _fill_mask(tg, tmask, mask, then_sg.graph.inputs)
        egrad = _fill_mask(eg, emask, mask, else_sg.graph.inputs)
        n = len(then_sg.graph.inputs) + len(then_sg.graph.outputs)
        externals = _unify_captures([tgrad.graph, egrad.graph], n)
        tgrad, egrad = graph_function(tgrad.graph), graph_function(egrad.graph)
        specs = [_Spec(t.shape, t.dtype) for t in tgrad.graph.outputs]
        cache = (else_sg, tgrad, egrad, mask, specs, externals)
        then_sg._if_grad = cache
    _, tgrad, egrad, mask, specs, externals = cache
    if not any(mask):
        return [None] * len(values)
    ups = []
    for g, out in zip(grads, then_sg.graph.outputs):
        ups.append(g if g is not None else _zeros_for(out))
    res = build_if(pred, tgrad, egrad, list(values) + ups + list(externals), specs)
    out, k = [], 0
    for m in mask:
        if m:
            out.append(res[k])
            k += 1
        else:
            out.append(None)
    return out


def _zeros_for(t):
    if t.shape.is_fully_defined():
        return array_ops.zeros(t.shape.as_list(), dtype=t.dtype)
    raise ValueError(f"Cannot make a zero gradient for {t!r} with unknown shape")


def _fill_mask(gcf, own, mask, inputs):
    """A gradient graph whose outputs follow `mask` (zeros where this branch had none)."""
    g = gcf.graph
    outs = list(g.outputs)
    new, k = [], 0
    with g.as_default():
        for m_own, m, x in zip(own, mask, g.inputs[:len(inputs)]):
            if m_own:
                new.append(outs[k])
                k += 1
            elif m:
                hd = getattr(x._op, "_handle_data", None)
                if x.dtype is _RESOURCE and hd is not None:
                    new.append(array_ops.zeros(hd[1].as_list(), dtype=hd[0]))
                else:
                    new.append(array_ops.zeros_like(x))
    g.outputs = new
    gcf._out_dtypes = [t.dtype for t in new]
    return gcf


def _flatten_composite(structure):
    """Flatten loop vars / branch results: TensorArrays contribute their flow tensor."""
    flat = nest.flatten(structure)
    tensors, rebuild = [], []
    for leaf in flat:
        if isinstance(leaf, TensorArray):
            tensors.append(leaf._flow_tensor())
            rebuild.append(leaf)
        else:
            tensors.append(leaf)
            rebuild.append(None)
    return flat, tensors, rebuild


def _pack_composite(structure, flat_template, rebuild, tensors):
    leaves = []
    for _tmpl, r, t in zip(flat_template, rebuild, tensors):
        leaves.append(r._with_flow(t) if r is not None else t)
    if not nest.is_nested(structure):
        return leaves[0]
    return nest.pack_sequence_as(structure, leaves)


@export("cond")
def cond(pred, true_fn=None, false_fn=None, name=None):
    """`tf.cond`: `true_fn()` if pred else `false_fn()`; both are traced inside a graph."""
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    if _state.graph is None:
        p = pred.numpy() if isinstance(pred, EagerTensor) else pred
        if getattr(pred, "_is_variable", False):
            p = pred.numpy()
        return true_fn() if bool(p) else false_fn()
    pred_t = convert_to_tensor(pred)
    if pred_t.dtype is not dtypes.bool_:
        raise TypeError(f"pred must be a tf.bool tensor, got {pred_t.dtype.name}")
    tg, tres = _trace_subgraph("cond_true", true_fn)
    eg, eres = _trace_subgraph("cond_false", false_fn)
    return _finish_cond(pred_t, tg, tres, eg, eres, name)


def _finish_cond(pred_t, tg, tres, eg, eres, name=None, names=None):
    try:
        nest.assert_same_structure(tres, eres)
    except (ValueError, TypeError) as e:
        raise ValueError(
            "true_fn and false_fn arguments to tf.cond must have the same number, type, and "
            f"overall structure of return values.\n\ntrue_fn output: {tres}\nfalse_fn output: "
            f"{eres}\n\nError details:\n{e}") from None
    tflat, tt, trb = _flatten_composite(tres)
    _, et, _ = _flatten_composite(eres)
    tt = _output_tensors(tg, tt)
    et = _output_tensors(eg, et)
    specs = []
    for i, (a, b) in enumerate(zip(tt, et)):
        if a.dtype is not b.dtype:
            label = names[i] if names else f"output {i}"
            raise TypeError(f"'{label}' has dtype {a.dtype.name} in the main branch, but dtype "
                            f"{b.dtype.name} in the else branch")
        specs.append(_Spec(a.shape.most_specific_compatible_shape(b.shape), a.dtype))
    tg.outputs, eg.outputs = tt, et
    externals = _unify_captures([tg, eg], 0)
    outs = build_if(pred_t, graph_function(tg), graph_function(eg), externals, specs, name)
    if tres is None:
        return None
    return _pack_composite(tres, tflat, trb, outs)


@export("case")
def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """`tf.case`: the first pair whose predicate holds, else `default` (nested conds)."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) \
        else list(pred_fn_pairs)
    if default is None:
        if not pairs:
            raise ValueError("pred_fn_pairs must not be empty without a default")
        *pairs, (_, default) = pairs

    def chain(i):
        if i == len(pairs):
            return default()
        p, fn = pairs[i]
        return cond(p, fn, lambda: chain(i + 1))

    return chain(0)


@export("switch_case")
def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """`tf.switch_case`: run `branch_fns[branch_index]` (or `default` when out of range)."""
    fns = [fn for _, fn in sorted(branch_fns.items())] if isinstance(branch_fns, dict) \
        else [fn[1] if isinstance(fn, tuple) else fn for fn in branch_fns]
    if default is None:
        default = fns[-1]
    if _state.graph is None:
        i = int(branch_index)
        return fns[i]() if 0 <= i < len(fns) else default()

    idx = convert_to_tensor(branch_index)

    def chain(i):
        if i == len(fns):
            return default()
        return cond(math_ops.equal(idx, i), fns[i], lambda: chain(i + 1))

    return chain(0)


# ------------------------------------------------------------------------------------------
# While
# ------------------------------------------------------------------------------------------


def _while_kernel(resources, max_iter, inputs, cond=None, body=None, n_loop=0, **_):
    vals = list(inputs[:n_loop])
    caps = list(inputs[n_loop:])
    limit = int(max_iter)
    i = 0
    while (limit < 0 or i < limit) and bool(np.asarray(cond.run(vals + caps, resources)[0])):
        vals = list(body.run(vals + caps, resources))
        i += 1
    return vals


def _while_infer(op):
    return [(t.shape, t.dtype) for t in op.attrs["output_specs"]]


def _while_replay(op, values):
    return build_while(op.get_attr("cond"), op.get_attr("body"), values[0], values[1:],
                       op.get_attr("n_loop"), op.get_attr("output_specs"))


def _while_graph_grad(op, *grads):
    return [None] + while_gradient(op, op.inputs[0], list(op.inputs[1:]), grads)


WHILE = register_op("While", group="control", inputs=("max_iter: int32", "input: N*T"), outputs=("output: N*T",),
                    export={"graphdef": {"control": "while"}},
                    attrs={"cond": None, "body": None, "n_loop": 0, "output_specs": (),
                           "tf_layout": False},
                    infer=_while_infer, kernel=_while_kernel, grad=_while_graph_grad,
                    stateful=True, uses_resources=True, replay=_while_replay, doc="Runs body while cond holds (loop vars, then captures).")


STATELESS_WHILE = register_op("StatelessWhile", group="control", inputs=("max_iter: int32", "input: N*T"),
                              export={"graphdef": {"control": "while"}},
                              outputs=("output: N*T",),
                              attrs={"cond": None, "body": None, "n_loop": 0,
                                     "output_specs": (), "tf_layout": False},
                              infer=_while_infer, kernel=_while_kernel, grad=_while_graph_grad,
                              uses_resources=True, replay=_while_replay,
                              doc="While without side effects in cond or body.")


def build_while(cond_sg, body_sg, max_iter, values, n_loop, output_specs, name=None):
    max_t = convert_to_tensor(max_iter, dtype=dtypes.int32)
    tensors = [max_t] + graph_inputs(values)
    stateful = _is_stateful(cond_sg.graph, body_sg.graph)
    opdef = WHILE if stateful else STATELESS_WHILE
    attrs = {"cond": cond_sg, "body": body_sg, "n_loop": n_loop, "output_specs": output_specs}
    op = create_graph_op(opdef, tensors, attrs, [(s.shape, s.dtype) for s in output_specs],
                         "while" if name is None else name)
    op._structure = [-1, len(tensors) - 1]
    outs = list(op._outputs)
    if _state.tapes and outs:
        vals = list(values)
        tin = tape_inputs(vals, tensors[1:])

        def grad_fn(rec, *grads):
            return while_gradient(op, max_t, vals, grads)

        record_gradient(tin, outs, grad_fn)
    return outs



def _while_grad_kernel(resources, max_iter, inputs, cond=None, body=None, body_grad=None,
                       n_loop=0, n_caps=0, mask=(), **_):
    """Replay the loop keeping every state, then run the body's gradient graph backwards."""
    vals = list(inputs[:n_loop])
    caps = list(inputs[n_loop:n_loop + n_caps])
    ups = list(inputs[n_loop + n_caps:])
    states = []
    limit = int(max_iter)
    i = 0
    while (limit < 0 or i < limit) and bool(np.asarray(cond.run(vals + caps, resources)[0])):
        states.append(vals)
        vals = list(body.run(vals + caps, resources))
        i += 1
    g_loop = [np.asarray(u) for u in ups]
    g_caps = [None] * n_caps
    extra = body_grad._capture_feed()
    for state in reversed(states):
        res = body_grad._run_arrays(list(state) + caps + g_loop + extra, resources)
        new_loop = [np.zeros_like(np.asarray(s)) if isinstance(s, np.ndarray) and
                    s.dtype != object else s for s in state]
        k = 0
        for j, m in enumerate(mask):
            if not m:
                continue
            r = res[k]
            k += 1
            if j < n_loop:
                new_loop[j] = r
            else:
                c = j - n_loop
                g_caps[c] = r if g_caps[c] is None else g_caps[c] + r
        g_loop = new_loop
    out = []
    for j, m in enumerate(mask):
        if not m:
            continue
        if j < n_loop:
            out.append(g_loop[j])
        else:
            g = g_caps[j - n_loop]
            if g is None:
                g = np.zeros(body_grad._out_shapes[len(out)], body_grad._out_np[len(out)])
            out.append(g)
    return out


def _while_grad_infer(op):
    return [(t.shape, t.dtype) for t in op.attrs["output_specs"]]


WHILE_GRAD = register_op("WhileGrad", group="control", inputs=("max_iter: int32", "input: N*T"),
                         export={"graphdef": {
                             "unsupported": "it is tfedu's own gradient of a while loop (TensorFlow has no op of "
                             "that name); save the forward function and let TensorFlow "
                             "differentiate it after loading"}},
                         outputs=("output: N*T",),
                         attrs={"cond": None, "body": None, "body_grad": None, "n_loop": 0,
                                "n_caps": 0, "mask": (), "output_specs": ()},
                         infer=_while_grad_infer, kernel=_while_grad_kernel, stateful=True,
                         uses_resources=True,
                         doc="Gradient of a While: replays the loop, then runs it backwards.")


def while_gradient(op, max_t, values, grads):
    """Gradients for a While's inputs (loop vars and captures)."""
    cond_sg, body_sg = op.get_attr("cond"), op.get_attr("body")
    n_loop = op.get_attr("n_loop")
    cache = getattr(body_sg, "_while_grad", None)
    if cache is None:
        gcf, mask = gradient_function(body_sg.graph)
        # vjp inputs: body inputs, one upstream per body output (= loop vars)
        bg = graph_function(gcf.graph)
        bg._num_args = len(gcf.graph.inputs)
        outs = gcf.graph.outputs
        bg._out_shapes = [tuple(t.shape.as_list()) if t.shape.is_fully_defined() else ()
                          for t in outs]
        cache = (bg, mask)
        body_sg._while_grad = cache
    bg, mask = cache
    if not any(mask):
        return [None] * len(values)
    n_caps = len(values) - n_loop
    ups = []
    for g, spec in zip(grads, op.get_attr("output_specs")):
        if g is None:
            g = _zeros_for(spec) if spec.shape.is_fully_defined() else None
        ups.append(g)
    if any(u is None for u in ups):
        outs = op.outputs if hasattr(op, "outputs") else []
        ups = [u if u is not None else array_ops.zeros_like(o) for u, o in zip(ups, outs)]
    tensors = [max_t] + graph_inputs(list(values) + ups) if _state.graph is not None else None
    in_specs = list(body_sg.graph.inputs)
    specs = [_Spec(t.shape, t.dtype if t.dtype is not _RESOURCE else
                   getattr(t._op, "_handle_data", (dtypes.float32,))[0])
             for t, m in zip(in_specs, mask) if m]
    attrs = {"cond": cond_sg, "body": body_sg, "body_grad": bg, "n_loop": n_loop,
             "n_caps": n_caps, "mask": tuple(mask), "output_specs": specs}
    if _state.graph is None:
        arrays = [np.asarray(max_t._value if isinstance(max_t, EagerTensor) else max_t)]
        feed = []
        for v in list(values) + ups:
            if getattr(v, "_is_variable", False):
                feed.append(v)
            else:
                feed.append(v._value if isinstance(v, EagerTensor) else np.asarray(v))
        res = _while_grad_kernel(None, arrays[0], feed, **attrs)
        res = [_wrap(np.asarray(r), s.dtype) for r, s in zip(res, specs)]
    else:
        gop = create_graph_op(WHILE_GRAD, tensors, attrs, [(s.shape, s.dtype) for s in specs],
                              "while_grad")
        gop._structure = [-1, len(tensors) - 1]
        res = list(gop._outputs)
    out, k = [], 0
    for m in mask:
        if m:
            out.append(res[k])
            k += 1
        else:
            out.append(None)
    return out



def _as_loop_tensor(v):
    if isinstance(v, Tensor):
        return convert_to_tensor(v)
    if getattr(v, "_is_variable", False):
        return v.value()
    return convert_to_tensor(v)


@export("while_loop")
def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None,
               return_same_structure=True):
    """`tf.while_loop`: repeat `body` while `cond` holds (a `While` op inside graphs)."""
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    single = not isinstance(loop_vars, (list, tuple)) or (
        isinstance(loop_vars, tuple) and hasattr(type(loop_vars), "_fields"))
    if single and not isinstance(loop_vars, (list, tuple)):
        packed_vars = [loop_vars]
    else:
        packed_vars = loop_vars
    if _state.graph is None:
        vals = packed_vars
        i = 0
        limit = None if maximum_iterations is None else int(maximum_iterations)
        while (limit is None or i < limit) and bool(_truth(cond(*vals))):
            out = body(*vals)
            if single and not isinstance(loop_vars, (list, tuple)):
                out = [out]
            elif not isinstance(out, (list, tuple)):
                out = [out]
            vals = out
            i += 1
        if single and not isinstance(loop_vars, (list, tuple)):
            return vals[0]
        return type(loop_vars)(vals) if not hasattr(type(loop_vars), "_fields") else vals
    flat, tensors, rebuild = _flatten_composite(packed_vars)
    tensors = [_as_loop_tensor(t) for t in tensors]
    invariants = None
    if shape_invariants is not None:
        inv = shape_invariants if not single or isinstance(loop_vars, (list, tuple)) \
            else [shape_invariants]
        invariants = [None if s is None else TensorShape(s) for s in nest.flatten(
            inv, expand_composites=False)] if nest.is_nested(inv) else [TensorShape(inv)]
        invariants = [s if not isinstance(s, TensorShape) or True else s for s in invariants]
    n = len(tensors)

    def unpack(args):
        return _pack_composite(packed_vars, flat, rebuild, list(args))

    cg, cres = _trace_subgraph("while_cond", lambda *a: cond(*_as_list(unpack(a))),
                               tensors, invariants)
    bg, bres = _trace_subgraph("while_body", lambda *a: body(*_as_list(unpack(a))),
                               tensors, invariants)
    if single and not isinstance(loop_vars, (list, tuple)):
        bres = [bres]
    _, btensors, _ = _flatten_composite(bres)
    if len(btensors) != n:
        raise ValueError(f"The two structures don't have the same number of elements. Loop "
                         f"has {n} variables, body returned {len(btensors)}.")
    btensors = _output_tensors(bg, btensors)
    for i, (before, after) in enumerate(zip(cg.inputs[:n], btensors)):
        if before.dtype is not after.dtype:
            raise TypeError(f"Loop variable {i} enters the loop with type {before.dtype.name}, "
                            f"but has type {after.dtype.name} after one iteration.")
        if not before.shape.is_compatible_with(after.shape) or (
                before.shape.rank is not None and after.shape.rank is not None and
                not _shape_at_least(after.shape, before.shape)):
            raise ValueError(
                f"Input tensor '{tensors[i].name}' enters the loop with shape "
                f"{before.shape}, but has shape {after.shape} after one iteration. To allow "
                "the shape to vary across iterations, use the `shape_invariants` argument of "
                "tf.while_loop to specify a less-specific shape.")
    cflat = nest.flatten(cres)
    cg.outputs = _output_tensors(cg, [cflat[0]])
    bg.outputs = btensors
    externals = _unify_captures([cg, bg], n)
    specs = [_Spec(ph.shape, ph.dtype) for ph in cg.inputs[:n]]
    max_iter = -1 if maximum_iterations is None else maximum_iterations
    outs = build_while(graph_function(cg), graph_function(bg), max_iter, tensors + list(externals), n,
                       specs, name)
    result = unpack(outs)
    if single and not isinstance(loop_vars, (list, tuple)):
        return result[0] if isinstance(result, list) else result
    return result


def _shape_at_least(after, before):
    """True if `after` is as specific as `before` requires (None dims accept anything)."""
    return all(b is None or a == b for a, b in zip(after.as_list(), before.as_list()))


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) and not hasattr(type(x), "_fields") else [x]


def _truth(v):
    if isinstance(v, EagerTensor):
        return bool(v._value)
    return bool(v)


# ------------------------------------------------------------------------------------------
# TensorArray (a TensorList variant inside graphs, a Python list eagerly)
# ------------------------------------------------------------------------------------------


def _variant(items):
    a = np.empty((), dtype=object)
    a[()] = tuple(items)
    return a


def _items(v):
    return np.asarray(v, dtype=object)[()] if not isinstance(v, tuple) else v


def _list_infer(op):
    return [(TensorShape([]), _VARIANT)]


def _shape_value(v):
    """TF's element-shape tensor as a TensorShape: -1 (scalar) is unknown rank, -1 dims unknown."""
    if v is None:
        return TensorShape(None)
    a = np.asarray(v)
    if a.ndim == 0:
        return TensorShape(None)
    return TensorShape([int(d) if d >= 0 else None for d in a.reshape(-1)])


def shape_tensor_value(shape) -> np.ndarray:
    """The element-shape tensor TF's TensorList ops take for `shape` (-1 for unknown)."""
    shape = TensorShape(shape)
    if shape.rank is None:
        return np.array(-1, np.int32)
    return np.array([-1 if d is None else d for d in shape.as_list()], np.int32)


def _reserve_kernel(element_shape, num_elements, element_dtype=None):
    return _variant([None] * int(num_elements))


TL_RESERVE = register_op(
    "TensorListReserve", group="control", inputs=("element_shape: int32", "num_elements: int32"),
    export={"graphdef": {"add": {"shape_type": dtypes.int32}}},
    outputs=("handle: variant",), attrs={"element_dtype": None},
    infer=_list_infer, kernel=lambda es, n, element_dtype=None: _reserve_kernel(es, n))


def _set_item_kernel(handle, index, item, element_dtype=None, resize_if_index_out_of_bounds=True):
    items = list(_items(handle))
    i = int(index)
    if i < 0 or (i >= len(items) and not resize_if_index_out_of_bounds):
        raise OpCheckError(f"Trying to modify element {i} in a list with {len(items)} elements.")
    if i >= len(items):
        items.extend([None] * (i + 1 - len(items)))
    items[i] = np.asarray(item)
    return _variant(items)


TL_SET = register_op(
    "TensorListSetItem", group="control", inputs=("input_handle: variant", "index: int32", "item: element_dtype"),
    outputs=("output_handle: variant",), type_attrs={"element_dtype": ALL},
    attrs={"resize_if_index_out_of_bounds": True}, infer=_list_infer, kernel=_set_item_kernel)


def _fill_shape(element_shape):
    shape = _shape_value(element_shape)
    return () if shape.rank is None else tuple(d or 0 for d in shape.as_list())


def _get_item_kernel(handle, index, element_shape, element_dtype=None):
    items = _items(handle)
    i = int(index)
    if not 0 <= i < len(items):
        raise OpCheckError(f"Trying to access element {i} in a list with {len(items)} "
                           "elements.")
    v = items[i]
    if v is None:
        return np.zeros(_fill_shape(element_shape), dtype=element_dtype._np)
    return v


TL_GET = register_op(
    "TensorListGetItem", group="control",
    inputs=("input_handle: variant", "index: int32", "element_shape: int32"),
    outputs=("item: element_dtype",), attrs={"element_dtype": None},
    infer=lambda op: [(_shape_value(op.const_value(2)), op.attrs["element_dtype"])],
    kernel=_get_item_kernel)


def _shape_text(shape) -> str:
    """A shape as TensorFlow's messages print it: `[?,4]`, `<unknown>`."""
    if shape.rank is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


def _stack_kernel(handle, element_shape, element_dtype=None, num_elements=-1):
    items = _items(handle)
    shape = _fill_shape(element_shape)
    if not items:
        known = _shape_value(element_shape)
        if not known.is_fully_defined():
            raise OpCheckError("Tried to stack elements of an empty list with "
                               f"non-fully-defined element_shape: {_shape_text(known)}")
        return np.zeros((0,) + shape, dtype=element_dtype._np)
    arrs = [np.zeros(items[0].shape if items[0] is not None else shape, element_dtype._np)
            if v is None else v for v in items]
    return np.stack(arrs).astype(element_dtype._np, copy=False)


def _stack_infer(op):
    shape = _shape_value(op.const_value(1))
    out = TensorShape([None]).concatenate(shape) if shape.rank is not None else TensorShape(None)
    return [(out, op.attrs["element_dtype"])]


TL_STACK = register_op(
    "TensorListStack", group="control", inputs=("input_handle: variant", "element_shape: int32"),
    outputs=("tensor: element_dtype",), attrs={"element_dtype": None, "num_elements": -1},
    infer=_stack_infer, kernel=_stack_kernel)


def _from_tensor_kernel(tensor, element_shape, element_dtype=None):
    return _variant([tensor[i] for i in range(tensor.shape[0])])


TL_FROM_TENSOR = register_op(
    "TensorListFromTensor", group="control", inputs=("tensor: element_dtype", "element_shape: int32"),
    outputs=("output_handle: variant",), export={"graphdef": {"add": {"shape_type": dtypes.int32}}},
    type_attrs={"element_dtype": ALL}, infer=_list_infer, kernel=_from_tensor_kernel)


def _length_kernel(handle):
    return np.int32(len(_items(handle)))


TL_LENGTH = register_op(
    "TensorListLength", group="control", inputs=("input_handle: variant",), outputs=("length: int32",),
    infer=lambda op: [(TensorShape([]), dtypes.int32)], kernel=_length_kernel)


@export("TensorArray")
class TensorArray:
    """`tf.TensorArray`: a list of same-typed tensors that loops can write to (`ta.write(i, x)`)."""
    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        # one cell shared by every TensorArray a loop derives from this one (as in TF): a
        # write inside a loop body tells the array after the loop its element shape
        self._shape_cell = [TensorShape(element_shape)]
        self._infer_shape = infer_shape
        if flow is not None:
            self._flow = flow
            return
        if _state.graph is None:
            n = 0 if size is None else int(size)
            self._flow = [None] * n
        else:
            self._flow = execute(TL_RESERVE, [shape_tensor_value(self._element_shape),
                                              0 if size is None else size],
                                 {"element_dtype": self._dtype}, default_name="TensorArrayV2")

    # --- helpers -------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self):
        return self._shape_cell[0]

    @property
    def _element_shape(self):
        return self._shape_cell[0]

    @property
    def dynamic_size(self):
        return self._dynamic_size

    @property
    def flow(self):
        return self._flow_tensor()

    def _eager(self) -> bool:
        return isinstance(self._flow, list)

    def _flow_tensor(self):
        if self._eager():
            items = [None if v is None else v._value for v in self._flow]
            return _wrap(_variant(items), _VARIANT)
        return self._flow

    def _with_flow(self, flow):
        ta = TensorArray.__new__(TensorArray)
        ta._dtype, ta._dynamic_size = self._dtype, self._dynamic_size
        ta._shape_cell, ta._infer_shape = self._shape_cell, self._infer_shape
        if isinstance(flow, EagerTensor):
            ta._flow = [None if v is None else _wrap(np.asarray(v), self._dtype)
                        for v in _items(flow._value)]
        else:
            ta._flow = flow
        return ta

    def _merge_shape(self, shape):
        if self._infer_shape:
            if self._element_shape.rank is None:
                self._shape_cell[0] = TensorShape(shape)
            elif self._element_shape.is_compatible_with(shape):
                self._shape_cell[0] = self._element_shape.merge_with(shape)

    # --- TF's surface --------------------------------------------------------------------
    def write(self, index, value, name=None):
        value = convert_to_tensor(value, dtype=self._dtype)
        self._merge_shape(value.shape)
        if self._eager():
            i = int(index)
            items = list(self._flow)
            if i >= len(items):
                if not self._dynamic_size:
                    raise errors.InvalidArgumentError(
                        None, None, f"Tried to write to index {i} but array is not resizeable "
                        f"and size is: {len(items)}")
                items.extend([None] * (i + 1 - len(items)))
            items[i] = value
            return self._with_list(items)
        flow = execute(TL_SET, [self._flow, index, value], default_name="TensorArrayV2Write")
        return self._with_flow(flow)

    def _with_list(self, items):
        ta = self._with_flow(None)
        ta._flow = items
        return ta

    def read(self, index, name=None):
        if self._eager():
            v = self._flow[int(index)]
            if v is None:
                return array_ops.zeros(self._element_shape.as_list(), dtype=self._dtype)
            return v
        return execute(TL_GET, [self._flow, index, shape_tensor_value(self._element_shape)],
                       {"element_dtype": self._dtype},
                       default_name="TensorArrayV2Read")

    def stack(self, name=None):
        if self._eager():
            if not self._flow:
                shape = [0] + ([d or 0 for d in self._element_shape.as_list()]
                               if self._element_shape.rank is not None else [])
                return array_ops.zeros(shape, dtype=self._dtype)
            items = [v if v is not None else array_ops.zeros(
                self._element_shape.as_list(), dtype=self._dtype) for v in self._flow]
            return array_ops.stack(items)
        return execute(TL_STACK, [self._flow, shape_tensor_value(self._element_shape)],
                       {"element_dtype": self._dtype},
                       default_name="TensorArrayV2Stack")

    def gather(self, indices, name=None):
        return array_ops.stack([self.read(i) for i in np.asarray(indices).tolist()])

    def unstack(self, value, name=None):
        value = convert_to_tensor(value, dtype=self._dtype)
        self._merge_shape(value.shape[1:] if value.shape.rank else TensorShape(None))
        if self._eager():
            return self._with_list(list(value))
        flow = execute(TL_FROM_TENSOR, [value, shape_tensor_value(self._element_shape)],
                       default_name="TensorArrayUnstack")
        return self._with_flow(flow)

    def scatter(self, indices, value, name=None):
        ta = self
        for k, i in enumerate(np.asarray(indices).tolist()):
            ta = ta.write(i, value[k])
        return ta

    def size(self, name=None):
        if self._eager():
            return convert_to_tensor(len(self._flow), dtype=dtypes.int32)
        return execute(TL_LENGTH, [self._flow], default_name="TensorArrayV2Size")

    def concat(self, name=None):
        st = self.stack()
        shape = st.shape.as_list()
        return array_ops.reshape(st, [-1] + shape[2:])

    def close(self, name=None):
        return None

    def mark_used(self):
        return None

    def identity(self):
        return self

    def __repr__(self):
        return f"<tf.TensorArray dtype={self._dtype.name}>"


# ------------------------------------------------------------------------------------------
# tf.print
# ------------------------------------------------------------------------------------------


def _format_scalar(v, dtype) -> str:
    if dtype is dtypes.string:
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    if dtype.is_bool:
        return "1" if v else "0"
    if dtype.is_floating:
        return format(float(v), "g")
    if dtype.is_complex:
        return f"({format(v.real, 'g')},{format(v.imag, 'g')})"
    return str(v)


def _format_array(arr, dtype, summarize=3) -> str:
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return _format_scalar(arr[()], dtype)

    def elem(v):
        if dtype is dtypes.string:
            s = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
            return f'"{s}"'
        return _format_scalar(v, dtype)

    def rec(a, depth):
        n = a.shape[0]
        if summarize is not None and summarize >= 0 and n > 2 * summarize:
            idx = list(range(summarize)) + [None] + list(range(n - summarize, n))
        else:
            idx = list(range(n))
        if a.ndim == 1:
            return "[" + " ".join("..." if i is None else elem(a[i]) for i in idx) + "]"
        sep = "\n" * (a.ndim - 1) + " " * (depth + 1)
        return "[" + sep.join("..." if i is None else rec(a[i], depth + 1) for i in idx) + "]"

    return rec(arr, 0)


def _format_structure(x, tensors_iter, summarize) -> str:
    if isinstance(x, _Slot):
        arr, dtype = next(tensors_iter)
        return _format_array(arr, dtype, summarize)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_format_structure(v, tensors_iter, summarize)}"
                               for k, v in x.items()) + "}"
    if isinstance(x, list):
        return "[" + ", ".join(_format_structure(v, tensors_iter, summarize) for v in x) + "]"
    if isinstance(x, tuple):
        inner = ", ".join(_format_structure(v, tensors_iter, summarize) for v in x)
        return "(" + inner + ("," if len(x) == 1 else "") + ")"
    return str(x)


class _Slot:
    """Where a tensor goes in a tf.print template."""


def _render(template, arrays, dtypes_, sep, end, summarize):
    it = iter(zip(arrays, dtypes_))
    parts = [_format_structure(t, it, summarize) for t in template]
    return sep.join(parts) + end


def _write(stream, text):
    if stream is None:
        stream = sys.stderr
    elif isinstance(stream, str):
        if stream.startswith("file://"):
            with open(stream[7:], "a") as f:
                f.write(text)
            return
        import logging

        stream = {"stdout": sys.stdout, "stderr": sys.stderr}.get(stream, stream)
        if isinstance(stream, str):
            logging.getLogger("tensorflow").info(text.rstrip("\n"))
            return
    stream.write(text)
    try:
        stream.flush()
    except (AttributeError, ValueError):
        pass


def _print_kernel(inputs, template=(), in_dtypes=(), sep=" ", end="\n", summarize=3,
                  output_stream=None):
    _write(output_stream if output_stream is not None else sys.stderr,
           _render(template, inputs, in_dtypes, sep, end, summarize))


PRINT = register_op("PrintV2", group="debug", inputs=("inputs: N*T",), outputs=(),
                    export={"graphdef": {
                        "unsupported": "tfedu's tf.print keeps its format in Python"}},
                    attrs={"template": (), "in_dtypes": (), "sep": " ", "end": "\n",
                           "summarize": 3, "output_stream": None},
                    infer=lambda op: [], kernel=_print_kernel, stateful=True,
                    doc="Prints a formatted message when run (tf.print).")


def _template(x, tensors):
    if isinstance(x, Tensor) or getattr(x, "_is_variable", False):
        tensors.append(x)
        return _Slot()
    if isinstance(x, dict):
        return {k: _template(v, tensors) for k, v in x.items()}
    if isinstance(x, list):
        return [_template(v, tensors) for v in x]
    if isinstance(x, tuple) and not hasattr(type(x), "_fields"):
        return tuple(_template(v, tensors) for v in x)
    return x


@export("print")
def print_v2(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """`tf.print`: print tensors' values when the op runs (every call of a tf.function)."""
    if output_stream is None:
        output_stream = sys.stderr
    tensors = []
    template = [_template(x, tensors) for x in inputs]
    if _state.graph is None:
        arrays = [t.numpy() if getattr(t, "_is_variable", False) else np.asarray(t._value)
                  for t in tensors]
        _write(output_stream, _render(template, arrays, [t.dtype for t in tensors], sep, end,
                                      summarize))
        return None
    ts = [convert_to_tensor(t) for t in tensors]
    attrs = {"template": template, "in_dtypes": [t.dtype for t in ts], "sep": sep, "end": end,
             "summarize": summarize, "output_stream": output_stream}
    return create_graph_op(PRINT, ts, attrs, [], "PrintV2", name)
