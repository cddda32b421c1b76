"""The reverse-mode engine: the one loop `GradientTape.gradient` and `tf.gradients` share.

Both have a list of records, in the order the ops ran or were built: a tape's records, or the
graph ops lying between `xs` and `ys`. Seeded with the targets' gradients, the engine walks the
records from last to first; for each one whose outputs received gradients it sums them, calls
the op's gradient function (its `OpDef.grad`, or the record's own for a custom gradient) and
passes the input gradients on. Gradient functions build ordinary ops, so the same loop runs
eagerly (numbers now) and while building a graph (more graph, under `gradients/`).

Eagerly the engine spares work no source needs, as TensorFlow's eager backprop does: an op that
ran eagerly is told which of its inputs need no gradient (`op.skip_input_indices`: a constant,
or a tensor that does not lead to any source), so `MatMul`'s gradient skips that product; an
op none of whose inputs needs one is not differentiated at all; and the ops TF lists as
accepting None for an unused output (`ACCEPTS_NONE`) get None there instead of zeros.
"""

from __future__ import annotations

import enum

from tfedu.framework.dtypes import as_dtype
from tfedu.framework.execute import EagerOp
from tfedu.ops import array_ops, math_ops

__all__ = ["UnconnectedGradients", "backpropagate", "differentiable", "sum_gradients",
           "no_gradient", "ACCEPTS_NONE"]

ACCEPTS_NONE = {
    "SoftmaxCrossEntropyWithLogits": frozenset({1}),
    "SparseSoftmaxCrossEntropyWithLogits": frozenset({1}),
}
"""Op type -> outputs whose gradient function takes None when nothing used that output (TF's
`_grad_fn_accepts_none_for_indices`): the cross-entropies then skip their second-order term
instead of multiplying zeros."""


class UnconnectedGradients(enum.Enum):
    """What `gradient()` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def differentiable(dtype) -> bool:
    """Whether gradients flow through tensors of `dtype` (floats and complex numbers)."""
    known = _DIFFERENTIABLE.get(id(dtype))  # asked for every input of every op: remembered
    if known is None:
        d = as_dtype(dtype)
        known = d.is_floating or d.is_complex
        if d is dtype:
            _DIFFERENTIABLE[id(d)] = known  # DTypes live as long as the process
    return known


_DIFFERENTIABLE: dict[int, bool] = {}


def sum_gradients(parts):
    """The total of the gradient contributions one tensor received (`AddN` of several)."""
    return parts[0] if len(parts) == 1 else math_ops.add_n(parts)


def no_gradient(source, unconnected):
    """A source's gradient when nothing reached it: None, or zeros like it."""
    if unconnected is UnconnectedGradients.ZERO:
        return array_ops.zeros_like(source.value() if getattr(source, "_is_variable", False)
                                    else source)
    return None


def _grad_fn(rec):
    return getattr(rec, "_grad_fn", None) or rec.opdef.grad


def _output_gradients(outputs, grads):
    """The summed gradient of each output (None where none arrived), or None if none did."""
    out, have = [], False
    for o in outputs:
        parts = grads.get(id(o))
        if parts:
            total = sum_gradients(parts)
            grads[id(o)] = [total]
            out.append(total)
            have = True
        else:
            out.append(None)
    return out if have else None


def backpropagate(records, grads, accept, scope=None):
    """Push gradients from the last record to the first; returns `grads`.

    `grads` maps id(tensor) -> gradient contributions, seeded with the targets'. `accept(x)`
    says whether input `x` takes its gradient (it is watched, or lies on a path to a source).
    `scope(rec)` wraps each gradient function (a graph's `<op name>_grad` name scope).
    """
    for rec in reversed(records):
        fn = _grad_fn(rec)
        if fn is None or (type(rec) is EagerOp and _skip_inputs(rec, accept)):
            continue
        outs = rec.outputs
        out_grads = _output_gradients(outs, grads)
        if out_grads is None:
            continue
        if scope is None:
            in_grads = _call_grad(fn, rec, outs, out_grads)
        else:
            with scope(rec):
                in_grads = _call_grad(fn, rec, outs, out_grads)
        if not isinstance(in_grads, (list, tuple)):
            in_grads = [in_grads]
        for x, gx in zip(rec.inputs, in_grads):
            if gx is not None and accept(x):
                grads.setdefault(id(x), []).append(gx)
    return grads


def _call_grad(fn, rec, outs, out_grads):
    if len(out_grads) > 1:
        out_grads = _fill_unused(rec, outs, out_grads)
    return fn(rec, *out_grads)


def _skip_inputs(rec, accept) -> bool:
    """Set `rec.skip_input_indices` (the inputs no source needs); True when that is all."""
    skip = tuple(i for i, x in enumerate(rec.inputs) if not accept(x))
    rec.skip_input_indices = skip or None
    return len(skip) == len(rec.inputs)


def _fill_unused(rec, outs, out_grads):
    """A multi-output op gets zeros for the outputs nobody used (None where it accepts None)."""
    opdef = getattr(rec, "opdef", None) or getattr(rec, "_opdef", None)
    none_ok = ACCEPTS_NONE.get(getattr(opdef, "type", None), ())
    return [array_ops.zeros_like(o) if g is None and i not in none_ok and differentiable(o.dtype)
            else g for i, (o, g) in enumerate(zip(outs, out_grads))]
