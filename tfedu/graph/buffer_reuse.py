"""The `buffer_reuse` pass: elementwise steps call their NumPy ufunc directly, and write their
result into the buffer of an input nothing reads any more.

A step such as `AddV2` runs its kernel, a small Python wrapper around `np.add` that turns a
broadcasting failure into TensorFlow's message. In a plan the shapes were checked when the
graph was built, so the generated runner (`tfedu.graph.runner`) calls `np.add` itself; if it
fails all the same, the step's own kernel runs again on the same inputs to raise TF's error.

When one input is an intermediate result that no later step reads and that only such steps
ever saw, the ufunc writes into that input's buffer: `np.add(v3, c, v3)` instead of
`v4 = np.add(v3, c)` then `del v3`. No allocation, no free: a chain of elementwise ops runs
in one buffer. Conditions, all checked here when the plan is compiled:

- the ufunc is exactly rounded (add, subtract, multiply, maximum, negative, floor...): every
  element is the same whichever buffer it is written to, so results stay bit-identical;
- the buffer was made by such a step of this plan, never a feed, a constant or a value a
  variable, a view or any other kernel may hold, and it is not fetched;
- every step that reads it is such a step (or an `Identity`, which only gives it a second
  name), at or before this one;
- input and output shapes are fully known, equal, and of the same numeric dtype. The runner
  checks on entry that the fed arrays have the shapes and dtypes the plan was traced with,
  and runs the plain `Plan.run` when they do not.

`explain()` reports the counts; steps that reuse a buffer say so.
"""

from __future__ import annotations

import numpy as np

__all__ = ["buffer_reuse", "EXACT_UFUNCS", "ALIAS_TYPES", "direct_ufunc", "is_alias"]

EXACT_UFUNCS = frozenset({np.add, np.subtract, np.multiply, np.maximum, np.minimum,
                          np.negative, np.absolute, np.floor, np.ceil, np.rint, np.sign,
                          np.invert, np.bitwise_and, np.bitwise_or, np.bitwise_xor})
"""Ufuncs whose every element is exactly rounded: where the result goes cannot change it."""

ALIAS_TYPES = frozenset({"Identity", "StopGradient"})
"""Ops whose kernel returns its input itself: the runner only renames the value."""


def _plain(step) -> bool:
    from tfedu.graph.plan import Step

    return (type(step) is Step and step.single and not step.uses_resources and not step.skip
            and not step.attrs and all(type(i) is not list for i in step.inputs))


def direct_ufunc(step):
    """The NumPy ufunc a step's kernel wraps (None when the kernel is anything else)."""
    if not _plain(step) or not step.op._opdef.elementwise:
        return None
    kernel = step.kernel
    u = kernel if isinstance(kernel, np.ufunc) else getattr(kernel, "reference", None)
    if not isinstance(u, np.ufunc) or u.nout != 1 or u.nin != len(step.inputs):
        return None
    return u


def is_alias(step) -> bool:
    """True for an Identity step: its output is its input, the same array."""
    return (_plain(step) and step.op.type in ALIAS_TYPES and len(step.inputs) == 1
            and step.kernel is step.op._opdef.kernel)


def _static(t):
    """(shape tuple, numpy dtype) of a tensor when fully known and numeric, else None."""
    shape, dt = t.shape, getattr(t.dtype, "_np", None)
    if dt is None or dt.kind not in "biufc" or not shape.is_fully_defined():
        return None
    return tuple(shape.as_list()), dt


class _Buffers:
    """Owned buffers: which slots name each one, whether it may still be written over."""

    def __init__(self, plan, readers, safe):
        from tfedu.graph.passes import protected_slots

        self.protected, self.readers, self.safe = protected_slots(plan), readers, safe
        self.of = {}  # slot -> buffer id
        self.last = []  # buffer id -> last step index reading any of its slots
        self.unsafe = []  # buffer id -> fetched, or read by a step that may keep it

    def new(self, slot):
        self.last.append(-1)
        self.unsafe.append(False)
        self.join(slot, len(self.last) - 1)

    def join(self, slot, b):
        self.of[slot] = b
        reads = self.readers.get(slot, ())
        self.last[b] = max([self.last[b], *reads])
        if slot in self.protected or not all(self.safe[k] for k in reads):
            self.unsafe[b] = True

    def free_at(self, slot, k) -> bool:
        b = self.of.get(slot)
        return b is not None and not self.unsafe[b] and self.last[b] <= k


def _in_place_input(step, k, buffers, tensors):
    """The input position whose buffer the step may write into, or None."""
    if step.direct not in EXACT_UFUNCS or len(tensors) != len(step.inputs):
        return None
    out = _static(step.op._outputs[0])
    if out is None or not out[0]:
        return None
    ins = [_static(t) for t in tensors]
    if any(i is None or i[1] != out[1] for i in ins):
        return None
    for p, (s, i) in enumerate(zip(step.inputs, ins)):
        if i == out and buffers.free_at(s, k):
            return p
    return None


def _annotate(plan):
    """Marks each plain step's `direct`, `alias` and `in_place`; returns the counts."""
    from tfedu.graph.passes import consumers_of
    from tfedu.graph.plan import Step

    steps = plan.steps
    for step in steps:
        if type(step) is Step:
            step.direct, step.alias, step.in_place = direct_ufunc(step), is_alias(step), None
    safe = [getattr(s, "direct", None) is not None or getattr(s, "alias", False) for s in steps]
    buffers = _Buffers(plan, consumers_of(steps), safe)
    for k, step in enumerate(steps):
        if not safe[k]:
            continue
        if step.alias:
            if step.inputs[0] in buffers.of:
                buffers.join(step.outputs[0], buffers.of[step.inputs[0]])
            continue
        p = _in_place_input(step, k, buffers, step.op._inputs)
        step.in_place = p
        if p is None:
            buffers.new(step.outputs[0])
        else:
            buffers.join(step.outputs[0], buffers.of[step.inputs[p]])
    aliases = sum(getattr(s, "alias", False) for s in steps)
    return sum(safe) - aliases, sum(getattr(s, "in_place", None) is not None for s in steps), \
        aliases


def buffer_reuse(plan) -> str:
    """Annotate the plan's steps for the runner; returns the one-line report."""
    direct, in_place, alias = _annotate(plan)
    if not (direct or alias):
        return "no elementwise steps"
    return (f"{direct} elementwise step(s) call their NumPy ufunc directly, {in_place} of "
            f"them write into a dead input's buffer (no new array); {alias} Identity step(s) "
            "only rename their input")
