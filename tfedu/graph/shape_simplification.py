"""The `shape_simplification` pass: steps that cannot change their input stop running their
kernel, as TensorFlow's Grappler rewrites them in a `tf.function` (not in `Session.run`).

Grappler knows every shape of a traced function and removes work that only moves data:

- a `Reshape` whose target (a constant) has the input's rank and, in each place, -1 or the
  input's size, returns its input (the arithmetic optimizer's RemoveRedundantReshape);
- a reduction (`Sum`, `Prod`, `Min`, `Max`, `Mean`, `Any`, `All`) with constant axes, an input
  and a result of fully known shapes, becomes a `Reshape` when one element goes in and one
  comes out, not as a scalar (`keepdims=False`; not `Any`/`All`), or an `Identity` when it
  keeps its dims and every axis names a size-1 dim (constant folding's SimplifyReduction).

The values are the same as the kernels would give, but the kernels' checks no longer run. So,
as in TensorFlow, a `tf.function` returns a value where eager mode refuses:
`tf.reshape(x, [-1, -1])` of a 4x4 `x` is `x` (eager: "Only one input size may be -1"), and
`tf.reduce_sum(x, axis=[1, 1], keepdims=True)` of a 4x1 `x` is `x` (eager: "Axes contains
duplicate dimension"). `explain()` lists the steps rewritten.
"""

from __future__ import annotations

import numpy as np

__all__ = ["shape_simplification", "REDUCTIONS"]

REDUCTIONS = frozenset({"Sum", "Prod", "Min", "Max", "Mean", "Any", "All"})
"""The reductions Grappler simplifies (EuclideanNorm is not one: |x| is not x)."""


def _known(shape):
    return shape.rank is not None and shape.is_fully_defined()


def _forward(x, *_, **__):
    return x


def _reshape_to(shape):
    def reshape(x, *_, **__):
        return x.reshape(shape)

    return reshape


def _reshape_rewrite(step, constants):
    """`_forward` when the Reshape keeps its input's shape, else None."""
    src, target = step.op._inputs[0].shape, constants.get(step.inputs[1])
    if target is None or not _known(src) or step.op._control_inputs:
        return None
    target = np.asarray(target).ravel()
    dims = src.as_list()
    if len(target) != len(dims) or any(t not in (-1, d) for t, d in zip(target.tolist(), dims)):
        return None
    return _forward


def _reduction_rewrite(step, constants):
    """A kernel for a reduction Grappler removes (reshape or identity), else None."""
    op = step.op
    axes = constants.get(step.inputs[1])
    src, out = op._inputs[0].shape, op._outputs[0].shape
    if axes is None or not _known(src) or not _known(out):
        return None
    keep = bool(step.attrs.get("keep_dims", False))
    # one element in, one out, into a result of rank >= 1 (TF leaves scalar results alone)
    single = src.num_elements() == 1 and out.num_elements() == 1 and out.rank > 0
    if single and not keep and op.type not in ("Any", "All"):
        return _reshape_to(tuple(out.as_list()))
    axes = np.asarray(axes).ravel().tolist()
    dims = src.as_list()
    if not axes or (keep and all(-len(dims) <= a < len(dims) and dims[a] == 1 for a in axes)):
        return _forward
    return None


def shape_simplification(plan) -> str:
    """Forward the input of Reshapes and reductions that cannot change it (Grappler's)."""
    done = []
    for step in plan.steps:
        if step.skip or step.kernel is not step.op._opdef.kernel:  # fed, or refused
            continue
        kind = step.op.type
        rewrite = (_reshape_rewrite(step, plan.constants) if kind == "Reshape" else
                   _reduction_rewrite(step, plan.constants) if kind in REDUCTIONS else None)
        if rewrite is not None:
            step.kernel = rewrite
            done.append(step)
    if not done:
        return "nothing to simplify"
    names = ", ".join(f"{s.op.name} ({s.op.type})" for s in done[:6])
    more = f", ... ({len(done) - 6} more)" if len(done) > 6 else ""
    return f"{len(done)} step(s) forward their input without running a kernel: {names}{more}"
