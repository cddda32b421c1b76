"""`tf.gradients`: symbolic reverse-mode differentiation of a graph.

Find the ops lying between `xs` and `ys` and hand them to the reverse-mode engine
(`tfedu.ops.backprop`, shared with `GradientTape`), which visits them from the last created to
the first and calls each op's registered gradient function. Those functions build ordinary ops, so the
gradient is more graph, added under the scope `gradients/` (`gradients_1/`, ...), op by op
under `<op name>_grad/`. Nothing is computed until a Session runs it.
"""

from __future__ import annotations

from tfedu.framework import context, dtypes
from tfedu.framework.convert import convert_to_tensor
from tfedu.framework.tensor import SymbolicTensor
from tfedu.ops import array_ops
from tfedu.ops.backprop import UnconnectedGradients, backpropagate, no_gradient, sum_gradients

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


def _seed(ys, grad_ys):
    """The targets' gradients: ones, or the given `grad_ys` (named `grad_ys_<i>`)."""
    grads = {}
    for i, (y, gy) in enumerate(zip(ys, grad_ys)):
        if gy is None:
            gy = array_ops.ones_like(y, name=f"grad_ys_{i}")
        else:
            gy = convert_to_tensor(gy, dtype=y.dtype, name=f"grad_ys_{i}")
        grads.setdefault(id(y), []).append(gy)
    return grads


def _result(x, x_orig, grads, unconnected):
    parts = grads.get(id(x))
    if parts and _differentiable(x.dtype):
        return sum_gradients(parts)
    return no_gradient(x_orig if getattr(x_orig, "_is_variable", False) else x, unconnected)


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """Symbolic d(sum of ys)/d(x) for each x in `xs` (None where not connected)."""
    if context.executing_eagerly():
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use "
                           "tf.GradientTape instead.")
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
        grads = _seed(ys, grad_ys)
        between = _between(ys, xs_t, stop_ids)
        x_ids = {id(x) for x in xs_t}

        def accept(x):  # on a path to a source, not stopped, of a differentiable dtype
            return (id(x) not in stop_ids and _differentiable(x.dtype)
                    and (id(x._op) in between or id(x) in x_ids))

        records = sorted(between.values(), key=lambda o: o._id)
        backpropagate(records, grads, accept, scope=lambda op: g.name_scope(op.name + "_grad"))
        return [_result(x, x_orig, grads, unconnected) for x, x_orig in zip(xs_t, xs_in)]
