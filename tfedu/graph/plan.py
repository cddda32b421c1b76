"""Execution plans: a graph lowered to a flat list of kernel calls.

`compile_plan(graph, fetches, feeds)` keeps only the ops the fetches need (following data and
control inputs, stopping at fed tensors), orders them topologically (creation order is one),
and turns each into a `Step`: which value slots it reads, which kernel it calls, which slots it
writes. `Plan.run(feed_arrays, resources)` then just walks the steps:

    values[feed slots] = feed arrays
    for step in steps: values[step.outputs] = step.kernel(*values[step.inputs], **attrs)

A kernel failure becomes TensorFlow's run-time error naming the node and the user's line that
created it ("Detected at node ..."). The same plan serves `Session.run` and `tf.function`.
"""

from __future__ import annotations

import functools
import gc
import re

import numpy as np

from tfedu.framework import errors, graph_ops
from tfedu.framework.execute import missing_kernel, no_kernel_error
from tfedu.framework.graph_ops import ResourceStore
from tfedu.framework.op_check import OpCheckError, check_budget, oom_from_numpy
from tfedu.framework.tensor import SymbolicTensor

__all__ = ["compile_plan", "Plan", "Step", "ResourceStore", "runtime_error", "run_unfused",
           "RUN_ERRORS", "reraise_as_runtime_error", "without_gc"]

_KERNEL_ERRORS = (ValueError, IndexError, ZeroDivisionError, FloatingPointError, TypeError,
                  OverflowError, MemoryError)

_PRODUCT = re.compile(r"MatMul|Conv2D|Conv3D|Einsum")
"""Op types whose work is matrix products (their BLAS setup is noted in `explain()`)."""


class Step:
    """One kernel call: read `inputs` slots (ints, or lists for list inputs), write `outputs`."""

    __slots__ = ("op", "kernel", "inputs", "outputs", "attrs", "uses_resources", "single",
                 "skip", "direct", "alias", "in_place", "static")

    def __init__(self, op, inputs, outputs, skip):
        opdef = op._opdef
        self.op = op
        self.kernel = _kernel_or_refusal(op)
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = dict(getattr(op, "_kernel_attrs", op._attrs))
        self.uses_resources = getattr(opdef, "uses_resources", False)
        self.single = len(opdef.output_specs) == 1 and not opdef.output_specs[0].is_list
        self.skip = skip  # output slots that are fed: keep the fed value
        # set by the buffer_reuse pass: the ufunc to call, Identity, input written over
        self.direct, self.alias, self.in_place = None, False, None
        self.static = None  # set by the static_args pass: (NumPy function, worked-out args)
        if op.type == "Placeholder":
            self.attrs["_name"] = op.name

    def __repr__(self):
        return f"<Step {self.op.name} ({self.op.type}) {self.inputs} -> {self.outputs}>"


def without_gc(fn):
    """`fn` runs with Python's cyclic garbage collector paused (then restored as it was).

    Tracing a function and compiling its plan create many objects (ops, tensors, steps) that
    all stay alive: no garbage, but every few hundred allocations the collector walks them
    all again, about half of a 10k-op graph's first call. Reference counting still frees what
    dies meanwhile; cycles wait until the collector is back on.
    """

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


def _kernel_or_refusal(op):
    """The op's kernel, or one raising TF's error when TF has no kernel for its dtypes."""
    missing = missing_kernel(op._opdef, op._attrs) if op._opdef.no_kernel else None
    try:
        if missing is None:
            check_budget([(t.shape, t.dtype) for t in op._outputs])
            return op._opdef.kernel
        error = no_kernel_error(op.name, op.type, missing)
    except OpCheckError as e:  # an output no machine could hold
        error = e

    def refuse(*args, **kwargs):
        raise error

    return refuse


def _prune(fetch_ops, fed):
    """The ops needed to compute `fetch_ops`' outputs, not looking behind fed tensors."""
    needed = {}
    stack = list(fetch_ops)
    while stack:
        op = stack.pop()
        if id(op) in needed:
            continue
        needed[id(op)] = op
        for t in op._inputs:
            if id(t) not in fed and id(t._op) not in needed:
                stack.append(t._op)
        for c in op._control_inputs:
            if id(c) not in needed:
                stack.append(c)
    return sorted(needed.values(), key=lambda o: o._id)


@without_gc
def compile_plan(graph, fetches, feeds, optimize: bool = False, passes=None) -> Plan:
    """Prune `graph` to what `fetches` (tensors or ops) need, given `feeds` (tensors).

    With `optimize=True` the passes of `tfedu.graph.passes` switched on by default (constant
    folding, common subexpression elimination) run on the plan; `passes=[names or functions]`
    picks them explicitly (e.g. `["constant_folding", "fusion"]`). `plan.explain()` shows
    what they did.
    """
    fed = {id(t): t for t in feeds}
    fetch_ops = []
    for f in fetches:
        if isinstance(f, SymbolicTensor):
            if id(f) not in fed:
                fetch_ops.append(f._op)
        else:
            fetch_ops.append(f)
    ops = _prune(fetch_ops, fed)
    slot_of = {}

    def slot(t):
        s = slot_of.get(id(t))
        if s is None:
            s = slot_of[id(t)] = len(slot_of)
        return s

    feed_slots = [slot(t) for t in feeds]
    steps = []
    for op in ops:
        flat = [slot(t) for t in op._inputs]
        structure = getattr(op, "_structure", None) or [-1] * len(flat)
        grouped, i = [], 0
        for n in structure:
            if n < 0:
                grouped.append(flat[i])
                i += 1
            else:
                grouped.append(flat[i:i + n])
                i += n
        outs = [slot(t) for t in op._outputs]
        skip = {s for t, s in zip(op._outputs, outs) if id(t) in fed}
        steps.append(Step(op, grouped, outs, skip))
    fetch_slots = [slot(f) if isinstance(f, SymbolicTensor) else None for f in fetches]
    plan = Plan(graph, steps, feed_slots, fetch_slots, len(slot_of), list(fetches), list(feeds))
    plan.report.append(("prune", f"kept {len(steps)} of {len(graph._ops)} ops"))
    plan.slot_tensors = slot_of
    if passes is None and optimize:
        from tfedu.graph.passes import function_passes

        passes = function_passes(session=True)
    if passes:
        from tfedu.graph.passes import resolve_passes

        for p in resolve_passes(passes):
            plan.report.append((p.__name__, p(plan)))
    return plan


class Plan:
    """A compiled, pruned, ordered graph ready to run many times."""

    def __init__(self, graph, steps, feed_slots, fetch_slots, num_slots, fetches, feeds):
        self.graph = graph
        self.steps = steps
        self.feed_slots = feed_slots
        self.fetch_slots = fetch_slots
        self.num_slots = num_slots
        self.fetches = fetches
        self.feeds = feeds
        self.constants = {}  # slot -> value known before running (filled by constant folding)
        self.report = []  # (pass name, what it did)
        self.slot_tensors = None  # id(tensor) -> slot (names for viewers)
        self._runner = None  # the generated straight-line function (`run_fast`), once built

    @property
    def ops(self):
        """The operations this plan runs, in order."""
        return [s.op for s in self.steps]

    def explain(self) -> str:
        """What compiling did (pruning, each pass) and the steps that run, in order."""
        lines = [f"Plan for {len(self.fetches)} fetch(es), {len(self.feeds)} feed(s):"]
        lines += [f"  {name}: {what}" for name, what in self.report]
        lines.append(f"  {len(self.steps)} step(s):")
        for i, s in enumerate(self.steps):
            lines.append(f"    {i}. {s.op.name} ({s.op.type}){_reuse_note(s)}")
            extra = getattr(s, "explain_lines", None)
            if extra is not None:
                lines += [f"         {ln}" for ln in extra()]
        if any(_PRODUCT.search(s.op.type) for s in self.steps):
            from tfedu.kernels.blas import describe

            lines.append(f"  kernels: {describe()}")
        return "\n".join(lines)

    def run(self, feed_arrays, resources=None) -> list:
        """Run the steps; returns one numpy array per fetch (None for operation fetches)."""
        if resources is None:
            resources = ResourceStore()
        values = [None] * self.num_slots
        for s, v in self.constants.items():
            values[s] = v
        for s, v in zip(self.feed_slots, feed_arrays):
            values[s] = v
        frees = self._frees()
        for k, step in enumerate(self.steps):
            args = [[values[j] for j in i] if type(i) is list else values[i]
                    for i in step.inputs]
            try:
                if step.uses_resources:
                    result = step.kernel(resources, *args, **step.attrs)
                else:
                    result = step.kernel(*args, **step.attrs)
            except RUN_ERRORS as e:
                reraise_as_runtime_error(step.op, e)
            outs = step.outputs
            if not outs:
                continue
            if step.single:
                result = (result,)
            skip = step.skip
            for s, r in zip(outs, result):
                if s not in skip:
                    values[s] = r
            for j in frees[k]:
                values[j] = None
        out = []
        for s in self.fetch_slots:
            if s is None:
                out.append(None)
            else:
                v = values[s]
                out.append(v if type(v) is np.ndarray or not _is_arraylike(v) else np.asarray(v))
        return out

    def run_fast(self, feed_arrays, resources=None) -> list:
        """`run`, through a straight-line Python function generated once from the steps
        (`tfedu.graph.runner`): same results and errors, without the per-step interpretation
        (a few times faster per op). Plans it cannot express (fed intermediates) use `run`."""
        runner = self._runner
        if runner is None:
            from tfedu.graph.runner import build_runner

            runner = self._runner = build_runner(self, len(self.fetch_slots)) or False
        if runner is False:
            return self.run(feed_arrays, resources)
        out = runner(feed_arrays, ResourceStore() if resources is None else resources)
        return [v if v is None or type(v) is np.ndarray or not _is_arraylike(v)
                else np.asarray(v) for v in out]

    def _frees(self):
        """Per step, the intermediates no later step or fetch needs (dropped to save memory)."""
        frees = getattr(self, "_free_lists", None)
        if frees is None or len(frees) != len(self.steps):
            keep = set(self.fetch_slots) | set(self.constants) | set(self.feed_slots)
            last = {}
            for k, step in enumerate(self.steps):
                for i in step.inputs:
                    for j in (i if type(i) is list else (i,)):
                        last[j] = k
                for j in step.outputs:
                    last.setdefault(j, k)
            frees = [[] for _ in self.steps]
            for j, k in last.items():
                if j not in keep:
                    frees[k].append(j)
            self._free_lists = frees
        return frees

    def __repr__(self):
        return f"<Plan: {len(self.steps)} steps>"


def _reuse_note(step) -> str:
    """What the buffer_reuse pass made of a step, for `explain()`."""
    if getattr(step, "alias", False):
        return ": renames its input"
    p = getattr(step, "in_place", None)
    if p is not None:
        return f": np.{step.direct.__name__} into input {p}'s buffer"
    if getattr(step, "static", None) is not None:
        fn, args = step.static
        return f": {fn.__name__}(x, {', '.join(map(repr, args))}) (argument worked out once)"
    return f": np.{step.direct.__name__}" if getattr(step, "direct", None) is not None else ""


RUN_ERRORS = (OpCheckError, errors.OpError) + _KERNEL_ERRORS
"""What a failing kernel raises; `reraise_as_runtime_error` turns it into TF's error."""


def reraise_as_runtime_error(op, e: BaseException):
    """Raise the `Session.run` error for `e` raised by the kernel of `op` (an error that
    already names its node passes through unchanged)."""
    if isinstance(e, MemoryError):
        e = oom_from_numpy(e)
    if isinstance(e, OpCheckError):
        raise runtime_error(op, e.message, e.cls) from None
    if isinstance(e, errors.OpError):
        if e.message.startswith("Graph execution error"):
            raise e
        raise runtime_error(op, e.message, type(e)) from None
    raise runtime_error(op, str(e), errors.InvalidArgumentError) from e


def run_unfused(steps, values: dict):
    """Run single-output `steps` one by one on `values` (slot -> array), as `Plan.run` would:
    a failing kernel raises the run-time error naming its own node. Returns the last result.
    Fused steps use it for inputs their kernel does not handle."""
    for step in steps:
        args = [values[i] for i in step.inputs]
        try:
            values[step.outputs[0]] = step.kernel(*args, **step.attrs)
        except RUN_ERRORS as e:
            reraise_as_runtime_error(step.op, e)
    return values[steps[-1].outputs[0]]


def _is_arraylike(v) -> bool:
    return isinstance(v, (np.generic, int, float, bool, complex, list, tuple))


def detected_at(op) -> str:
    """TF's 'Detected at node' block pointing at the user's line that created `op`."""
    loc = op.source_location
    if loc is None:
        return f"Detected at node '{op.name}':\n"
    fn, line, func = loc
    func = func[4:] if func.startswith("tf__") else func  # AutoGraph's copy of the user's function
    return (f"Detected at node '{op.name}' defined at (most recent call last):\n"
            f'    File "{fn}", line {line}, in {func}\n')


def runtime_error(op, message: str, cls=errors.InvalidArgumentError) -> errors.OpError:
    """The error `Session.run` raises when the kernel of `op` fails."""
    text = (f"Graph execution error:\n\n{detected_at(op)}Node: '{op.name}'\n{message}\n"
            f"\t [[{{{{node {op.name}}}}}]]")
    if not (isinstance(cls, type) and issubclass(cls, errors.OpError)):
        cls = errors.InvalidArgumentError
    return cls(op.node_def, op, text)


# Make sure graph-only ops are registered whenever plans are used, and the passes' options
# (`tf.config.optimizer`) are published.
_ = graph_ops
from tfedu.graph import passes as _passes  # noqa: E402

_ = _passes
