"""The `fusion` pass: chains and trees of elementwise ops become one generated Numba loop.

`a * b + c` in a plan is two steps, each reading and writing a whole array. Fused, it is one
step computing `out[i] = a[i] * b[i] + c[i]` in a single parallel pass over memory. A group is
built backwards from an op: an elementwise producer joins its consumer's group when every use
of its result is inside that group and the result is not fetched. Only float32/float64 ops
that declare a fused expression (`OpDef.fused`) are fused.

At run time the fused step checks its inputs (same float dtype, shapes that broadcast as a
scalar, the full shape, or trailing dimensions); anything else, and small arrays where numpy is
faster, run the original steps unchanged, so results and error
messages stay those of the unfused plan. Output buffers are reused only when nothing outside
the step still refers to them (a returned tensor, a view of it), so results never alias.
"""

from __future__ import annotations

import sys
import threading
import warnings

import numpy as np

from tfedu.graph.passes import _pure, consumers_of, protected_slots, splice_steps
from tfedu.graph.plan import run_unfused

__all__ = ["fuse_elementwise", "FusedStep", "MIN_FUSED_SIZE", "PARALLEL_MIN_SIZE", "PARALLEL"]

MIN_FUSED_SIZE = 1 << 14
"""Arrays with fewer elements run the original numpy steps (checking and calling cost more)."""

PARALLEL_MIN_SIZE = 1 << 20
"""From this many elements the kernel runs as a parallel `prange` loop; below, a serial one
(waking worker threads costs ~0.1-0.3 ms on a busy machine, more than the loop itself)."""

PARALLEL = True
"""Use parallel loops at all (serial ones compile faster, which tests use)."""

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _refcount_of(pool, i):
    return sys.getrefcount(pool[i])


_FREE_REFS = _refcount_of([np.empty(1)], 0)  # the pool's own reference (+ the call's)


class _FusedOpDef:
    stateful = False
    elementwise = True
    uses_resources = False
    fused = None  # a fused step is not fused again


class FusedOp:
    """Stands for the fused group where plans and viewers expect an operation."""

    type = "FusedElementwise"
    _opdef = _FusedOpDef()
    _control_inputs = ()

    def __init__(self, root, ops, source):
        self.root = root
        self.name = root.name
        self.fused_ops = ops
        self.source = source
        self._outputs = root._outputs
        self._inputs = []
        self._attrs = {}

    @property
    def node_def(self):
        return self.root.node_def

    @property
    def source_location(self):
        return self.root.source_location

    @property
    def outputs(self):
        return list(self._outputs)

    def __repr__(self):
        return f"<FusedElementwise {self.name}: {', '.join(o.type for o in self.fused_ops)}>"


class FusedStep:
    """One plan step running a fused group (same interface as `tfedu.graph.plan.Step`)."""

    __slots__ = ("op", "kernel", "inputs", "outputs", "attrs", "uses_resources", "single",
                 "skip", "steps", "nodes", "dtype", "_kernels", "_pool", "_lock", "_leaf_pos",
                 "_out_slot")

    def __init__(self, steps, leaves, nodes, dtype):
        self.steps = steps  # the original steps, in order (the fallback path)
        self.nodes = nodes
        self.dtype = np.dtype(dtype)
        self.inputs = list(leaves)
        self._out_slot = steps[-1].outputs[0]
        self.outputs = [self._out_slot]
        self.attrs = {}
        self.uses_resources = False
        self.single = True
        self.skip = set()
        self.kernel = self._run
        self._kernels = {}
        self._pool = []
        self._lock = threading.Lock()
        self._leaf_pos = {s: i for i, s in enumerate(leaves)}
        self.op = FusedOp(steps[-1].op, [s.op for s in steps], self.source())

    def source(self, modes=None, parallel=None) -> str:
        """The generated kernel source (all inputs full-shaped unless `modes` says otherwise)."""
        from tfedu.kernels.fusion_codegen import kernel_source

        parallel = PARALLEL if parallel is None else parallel
        return kernel_source(self.nodes, modes or "f" * len(self.inputs), self.dtype, parallel)

    def explain_lines(self) -> list:
        lines = ["fuses " + ", ".join(f"{s.op.name} ({s.op.type})" for s in self.steps)]
        lines += self.op.source.rstrip("\n").split("\n")
        return lines

    # --- running ---------------------------------------------------------------------------
    def _run(self, *arrays):
        dt = self.dtype
        for a in arrays:
            if type(a) is not np.ndarray or a.dtype != dt:
                return self._unfused(arrays)
        try:
            shape = np.broadcast_shapes(*[a.shape for a in arrays])
        except ValueError:
            return self._unfused(arrays)
        n = 1
        for d in shape:
            n *= d
        if n < MIN_FUSED_SIZE or n == 0:
            return self._unfused(arrays)
        modes, args = [], []
        rank = len(shape)
        for a in arrays:
            if a.size == 1:
                modes.append("s")
                args.append(a.reshape(1))
            elif a.shape == shape:
                modes.append("f")
                args.append(np.ascontiguousarray(a).reshape(-1))
            elif a.shape[a.ndim - _trailing(a.shape):] == shape[rank - _trailing(a.shape):] \
                    and all(d == 1 for d in a.shape[:a.ndim - _trailing(a.shape)]):
                modes.append("t")
                args.append(np.ascontiguousarray(a).reshape(-1))
                args.append(a.size)
            else:
                modes.append("f")
                args.append(np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1))
        parallel = PARALLEL and n >= PARALLEL_MIN_SIZE
        key = "".join(modes) + ("p" if parallel else "")
        fn = self._kernels.get(key)
        if fn is None:
            fn = self._kernels[key] = self._compile(modes, parallel)
        if fn is False:
            return self._unfused(arrays)
        out = self._buffer(shape)
        fn(n, out.reshape(-1), *args)
        return out

    def _compile(self, modes, parallel):
        """The compiled kernel, or False (with a warning) if Numba cannot build it."""
        from tfedu.kernels.fusion_codegen import compile_kernel

        try:
            fn = compile_kernel(self.source(modes, parallel))
            args = []
            for m in modes:  # one call on one element compiles it now
                args.append(np.zeros(1, self.dtype))
                if m == "t":
                    args.append(1)
            fn(1, np.empty(1, self.dtype), *args)
            return fn
        except Exception as e:  # the unfused steps still give the right answer
            warnings.warn(f"fusion of {self.op.name} disabled: {type(e).__name__}: {e}",
                          RuntimeWarning, stacklevel=3)
            return False

    def _buffer(self, shape):
        """An output array nobody else holds (two are kept, for `y = f(x)` in a loop)."""
        pool = self._pool
        with self._lock:
            for i in range(len(pool)):
                if pool[i].shape == shape and _refcount_of(pool, i) == _FREE_REFS:
                    out = pool[i]
                    return out
            out = np.empty(shape, self.dtype)
            if len(pool) < 2:
                pool.append(out)
            else:
                pool[0] = pool[1]
                pool[1] = out
            return out

    def _unfused(self, arrays):
        """Run the original steps on numpy (small inputs, odd dtypes or shapes, errors)."""
        return run_unfused(self.steps, dict(zip(self.inputs, arrays)))

    def __repr__(self):
        return f"<FusedStep {self.op.name}: {len(self.steps)} ops {self.inputs} -> {self.outputs}>"


def _trailing(shape) -> int:
    """How many trailing dimensions of `shape` are not 1-padding (rank minus leading 1s)."""
    k = 0
    for d in shape:
        if d != 1:
            break
        k += 1
    return len(shape) - k


def _fusable(step, pure) -> bool:
    op = step.op
    if op._opdef.fused is None or not pure(step) or not step.single:
        return False
    if any(type(i) is list for i in step.inputs) or len(step.outputs) != 1:
        return False
    try:
        dt = np.dtype(op._outputs[0].dtype._np)
    except (AttributeError, TypeError):
        return False
    return dt in _FLOATS and all(t.dtype is op._outputs[0].dtype for t in op._inputs)


def fuse_elementwise(plan) -> str:
    """Replace each group of two or more fusable elementwise steps by one `FusedStep`."""
    steps = plan.steps
    consumers = consumers_of(steps)
    protected = protected_slots(plan)
    group_of: dict[int, int] = {}
    members: dict[int, list] = {}
    for k in range(len(steps) - 1, -1, -1):
        step = steps[k]
        if not _fusable(step, _pure):
            continue
        out = step.outputs[0]
        users = consumers.get(out, [])
        groups = {group_of.get(c) for c in users}
        if out not in protected and users and len(groups) == 1 and None not in groups \
                and steps[users[0]].op._outputs[0].dtype is step.op._outputs[0].dtype:
            g = groups.pop()
        else:
            g = k
        group_of[k] = g
        members.setdefault(g, []).append(k)
    replaced: dict[int, FusedStep] = {}
    drop = set()
    for root, ks in members.items():
        if len(ks) < 2:
            continue
        ks = sorted(ks)
        group_steps = [steps[k] for k in ks]
        made = {steps[k].outputs[0]: n for n, k in enumerate(ks)}
        leaves, nodes = [], []
        for step in group_steps:
            operands = []
            for s in step.inputs:
                if s in made and made[s] < len(nodes):
                    operands.append(("t", made[s]))
                else:
                    if s not in leaves:
                        leaves.append(s)
                    operands.append(("x", leaves.index(s)))
            nodes.append((step.op._opdef.fused, operands))
        dtype = np.dtype(group_steps[-1].op._outputs[0].dtype._np)
        replaced[root] = FusedStep(group_steps, leaves, nodes, dtype)
        drop.update(ks)
    if not replaced:
        return "nothing to fuse"
    made = splice_steps(plan, replaced, drop)
    n_ops = sum(len(f.steps) for f in made)
    names = ", ".join(f.op.name for f in made[:6])
    return f"fused {n_ops} elementwise op(s) into {len(replaced)} kernel(s): {names}"
