"""`tf.gradients`: symbolic reverse-mode differentiation of a graph.

Find the ops lying between `xs` and `ys`, visit them from the last created to the first, and
call each op's registered gradient function. Those functions build ordinary ops, so the
gradient is more graph, added under the scope `gradients/` (`gradients_1/`, ...), op by op
under `<op name>_grad/`. Nothing is computed until a Session runs it.
"""

from __future__ import annotations

from tfedu.eager.tape import UnconnectedGradients
from tfedu.framework import context, dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.tensor import SymbolicTensor

__all__ = ["gradients"]


def _differentiable(dtype) -> bool:
    return dtype.is_floating or dtype.is_complex or dtype is dtypes.resource


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _as_graph_tensor(x, for_source):
    if getattr(x, "_is_variable", False):
        return x.handle if for_source else x.value()
    return convert_to_tensor(x)


def _between(ys, xs, stop_ids):
    """Ops both reachable forward from `xs` and backward from `ys` (by op id)."""
    forward = set()
    stack = [x.op for x in xs]
    while stack:
        op = stack.pop()
        if id(op) in forward:
            continue
        forward.add(id(op))
        for t in op._outputs:
            if id(t) in stop_ids:
                continue
            stack.extend(t._consumers)
    between = {}
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if id(op) in between or id(op) not in forward:
            continue
        between[id(op)] = op
        for t in op._inputs:
            if id(t) not in stop_ids:
                stack.append(t._op)
    return between


def _sum(parts):
    from tfedu.ops import math_ops

    return parts[0] if len(parts) == 1 else math_ops.add_n(parts)


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """Symbolic d(sum of ys)/d(x) for each x in `xs` (None where not connected)."""
    if context.executing_eagerly():
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use "
                           "tf.GradientTape instead.")
    from tfedu.ops import array_ops

    g = context.get_default_graph()
    unconnected = UnconnectedGradients(unconnected_gradients)
    ys = [_as_graph_tensor(y, False) for y in _as_list(ys)]
    xs_in = _as_list(xs)
    xs_t = [_as_graph_tensor(x, True) for x in xs_in]
    for t in ys + xs_t:
        if isinstance(t, SymbolicTensor) and t.graph is not g:
            raise ValueError(f"Tensor {t} must be from the same graph as the default graph.")
    stop_ids = {id(convert_to_tensor(s)) for s in _as_list(stop_gradients or [])}
    grad_ys = _as_list(grad_ys) if grad_ys is not None else [None] * len(ys)
    with g.name_scope(name or "gradients"):
        grads = {}
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if gy is None:
                gy = array_ops.ones_like(y, name=f"grad_ys_{i}")
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype, name=f"grad_ys_{i}")
            grads.setdefault(id(y), []).append(gy)
        between = _between(ys, xs_t, stop_ids)
        x_ids = {id(x) for x in xs_t}
        for op in sorted(between.values(), key=lambda o: o._id, reverse=True):
            fn = op._opdef.grad
            if fn is None:
                continue
            out_grads, have = [], False
            for o in op._outputs:
                parts = grads.get(id(o))
                if parts:
                    total = _sum(parts)
                    grads[id(o)] = [total]
                    out_grads.append(total)
                    have = True
                else:
                    out_grads.append(None)
            if not have:
                continue
            with g.name_scope(op.name + "_grad"):
                if len(out_grads) > 1:
                    out_grads = [array_ops.zeros_like(o) if gr is None and _differentiable(o.dtype)
                                 else gr for o, gr in zip(op._outputs, out_grads)]
                in_grads = fn(op, *out_grads)
            if not isinstance(in_grads, (list, tuple)):
                in_grads = [in_grads]
            for x, gx in zip(op._inputs, in_grads):
                if gx is None or id(x) in stop_ids or not _differentiable(x.dtype):
                    continue
                if id(x._op) in between or id(x) in x_ids:
                    grads.setdefault(id(x), []).append(gx)
        result = []
        for x, x_orig in zip(xs_t, xs_in):
            parts = grads.get(id(x))
            if parts and _differentiable(x.dtype):
                result.append(_sum(parts))
            elif unconnected is UnconnectedGradients.ZERO:
                result.append(array_ops.zeros_like(
                    x_orig.value() if getattr(x_orig, "_is_variable", False) else x))
            else:
                result.append(None)
    return result
