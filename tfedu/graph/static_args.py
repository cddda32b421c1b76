"""The `static_args` pass: a step whose shape, permutation or axis argument is a constant of
the plan has it worked out once, when the plan is compiled.

`Reshape`'s kernel reads its target shape from a tensor on every call, checks it as TF does
(one -1 at most, no negative size, as many values as the input) and only then calls
`np.reshape`: several microseconds for a call that moves no data. In a plan that tensor is
usually a constant, so the check and the conversion are done here once, and the generated
runner (`tfedu.graph.runner`) calls NumPy with the result:

    v5 = s3(v4, c3_0)          # np.reshape(v4, (8, 100)): the shape worked out once

- `Reshape`: the sizes as they are when they have no -1; with a -1, the sizes the kernel
  would compute from the input's shape, when that shape is fully known (the plan's values
  always have their fully known static shapes);
- `Transpose`: the permutation as a tuple (`np.transpose`, then C order as the kernel does);
- `ExpandDims`: the output's shape when it is fully known (`np.expand_dims` is that reshape),
  else the axis as an int.

An array's own `reshape`/`transpose` method is what `np.reshape`/`np.transpose` call, so
results are the same arrays. When it fails all the same (a shape that does not fit), the step's kernel runs
again on the same inputs and raises TF's error. `explain()` marks those steps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["static_args", "STATIC_TYPES"]


def _ints(v) -> list:
    return [int(x) for x in np.reshape(v, -1)]


def reshaped(x, shape):
    """`np.reshape(x, shape)`, through the array's own method when x is an array (the same
    result without `np.reshape`'s Python wrapper)."""
    return x.reshape(shape) if type(x) is np.ndarray else np.reshape(x, shape)


def transposed(x, perm):
    """The Transpose kernel's result: `np.transpose(x, perm)` in C order."""
    a = x.transpose(perm) if type(x) is np.ndarray else np.transpose(x, perm)
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _reshape(step, const):
    from tfedu.framework.op_check import OpCheckError
    from tfedu.ops.array_ops import _reshaped

    sizes = _ints(const)
    if -1 not in sizes and all(s >= 0 for s in sizes):
        return reshaped, (tuple(sizes),)
    shape = step.op._inputs[0].shape
    if not shape.is_fully_defined():
        return None
    try:
        return reshaped, (tuple(_reshaped(shape.as_list(), sizes)),)
    except OpCheckError:  # the kernel raises it at run time, naming the node
        return None


def _expand_dims(step, const):
    """`np.expand_dims` is a reshape to the output's shape, when that shape is fully known."""
    if np.size(const) < 1:
        return None
    out = step.op._outputs[0].shape
    if step.op._inputs[0].shape.is_fully_defined() and out.is_fully_defined():
        return reshaped, (tuple(out.as_list()),)
    return np.expand_dims, (_ints(const)[0],)


STATIC_TYPES = {
    "Reshape": _reshape,
    "Transpose": lambda step, const: (transposed, (tuple(_ints(const)),)),
    "ExpandDims": _expand_dims,
}
"""Op type -> (step, its constant second input) -> (NumPy function, arguments after the
first input), or None to leave the step to its kernel."""


def _static(step, constants):
    from tfedu.graph.plan import Step

    make = STATIC_TYPES.get(step.op.type)
    if (make is None or type(step) is not Step or step.skip or step.attrs
            or step.uses_resources or len(step.inputs) != 2
            or any(type(i) is list for i in step.inputs)
            or step.kernel is not step.op._opdef.kernel):
        return None
    const = constants.get(step.inputs[1])
    if not isinstance(const, (np.ndarray, np.generic)) or const.dtype.kind not in "iu":
        return None
    return make(step, const)


def static_args(plan) -> str:
    """Mark each step whose constant argument can be worked out now (`step.static`)."""
    done = []
    for step in plan.steps:
        static = _static(step, plan.constants)
        if static is not None:
            step.static = static
            done.append(step)
    if not done:
        return "no steps with constant shape arguments"
    names = ", ".join(s.op.name for s in done[:6]) + (", ..." if len(done) > 6 else "")
    return (f"{len(done)} Reshape/Transpose/ExpandDims step(s) have their constant argument "
            f"worked out once and call NumPy directly: {names}")
