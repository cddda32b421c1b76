"""The `scalar_chains` pass: a chain of elementwise ops with scalar constants becomes one step.

`y = (x + 0.001) * 0.999` repeated is, op by op, one kernel call and one fresh array per op:
about a microsecond each, whatever the array's size. This pass finds runs of steps where each
step is `Add`/`AddV2`/`Sub`/`Mul`/`RealDiv`/`Neg` of the previous step's result and a scalar
constant of the plan (float32 or float64), whose intermediate results nothing else reads, and
runs the run as one program over one buffer (`tfedu.kernels.chain_kernels`): one call, one
array, a few nanoseconds per op. The results are bit-identical: the same exactly-rounded
operations in the same dtype, in the same order. Inputs the program does not take (another
dtype, a Python scalar) run the original steps. `explain()` lists the chains and their ops.
"""

from __future__ import annotations

import numpy as np

from tfedu.kernels import chain_kernels

__all__ = ["scalar_chains", "ChainStep", "MIN_CHAIN"]

MIN_CHAIN = 2
"""Shorter runs stay as they are (one op gains nothing)."""

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
# op type -> (code when the chain's value is the first input, code when it is the second)
_CODES = {"Add": ("add", "add"), "AddV2": ("add", "add"), "Sub": ("sub", "rsub"),
          "Mul": ("mul", "mul"), "RealDiv": ("div", "rdiv"), "Neg": ("neg", None)}


class ChainStep:
    """One plan step running a chain (same interface as `tfedu.graph.plan.Step`)."""

    __slots__ = ("op", "kernel", "inputs", "outputs", "attrs", "uses_resources", "single",
                 "skip", "steps", "codes", "consts", "dtype", "known")

    def __init__(self, steps, head, program, dtype, known):
        from tfedu.graph.fusion import FusedOp

        self.steps, self.dtype = steps, np.dtype(dtype)
        self.known = known  # the constants' slots and values, for the original steps
        self.codes = np.array([chain_kernels.OPCODES[c] for c, _ in program], np.int8)
        self.consts = np.array([v for _, v in program], self.dtype)
        self.inputs, self.outputs = [head], [steps[-1].outputs[0]]
        self.attrs, self.uses_resources, self.single, self.skip = {}, False, True, set()
        self.kernel = self._run
        self.op = FusedOp(steps[-1].op, [s.op for s in steps], self.listing())

    def listing(self) -> str:
        """The program, one instruction a line (what `explain()` and the plan view show)."""
        return "\n".join(f"{s.op.name}: buf = " + _TEXT[int(code)].format(c=str(v))
                          for s, code, v in zip(self.steps, self.codes, self.consts, strict=True))

    def explain_lines(self) -> list:
        return [f"runs {len(self.steps)} scalar op(s) as one program over one buffer:"] + \
            self.listing().split("\n")

    def _run(self, x):
        if type(x) is not np.ndarray or x.dtype != self.dtype:
            from tfedu.graph.plan import run_unfused

            return run_unfused(self.steps, {**self.known, self.inputs[0]: x})
        buf = np.array(x, order="C", copy=True)
        chain_kernels.nb_run_program(buf.reshape(-1), self.codes, self.consts)
        return buf

    def __repr__(self):
        return f"<ChainStep {self.op.name}: {len(self.steps)} ops {self.inputs} -> {self.outputs}>"


_TEXT = {0: "buf + {c}", 1: "buf - {c}", 2: "{c} - buf", 3: "buf * {c}", 4: "buf / {c}",
         5: "{c} / buf", 6: "-buf"}


def _link(step, constants, pure):
    """(chain input slot, code name, constant) when `step` can be a link, else None."""
    code = _CODES.get(step.op.type)
    if code is None or not pure(step) or len(step.outputs) != 1:
        return None
    dt = getattr(step.op._outputs[0].dtype, "_np", None)
    if dt is None or np.dtype(dt) not in _FLOATS:
        return None
    if step.op.type == "Neg":
        return step.inputs[0], "neg", 0.0
    for side, (mine, other) in enumerate((step.inputs, step.inputs[::-1])):
        c = constants.get(other)
        if mine in constants or type(c) is not np.ndarray or c.shape != () \
                or c.dtype != np.dtype(dt):
            continue
        return mine, code[side], c[()]
    return None


def _chains(plan, pure):
    """Lists of (step index, link) that form chains, in plan order."""
    from tfedu.graph.passes import consumers_of, protected_slots

    consumers, protected = consumers_of(plan.steps), protected_slots(plan)
    open_at: dict[int, list] = {}  # output slot of a chain's last step -> the chain
    chains = []
    for k, step in enumerate(plan.steps):
        link = _link(step, plan.constants, pure)
        if link is None:
            continue
        chain = open_at.pop(link[0], None)
        if chain is None or plan.steps[chain[-1][0]].op._outputs[0].dtype \
                is not step.op._outputs[0].dtype:
            chain = []
            chains.append(chain)
        chain.append((k, link))
        out = step.outputs[0]
        if out not in protected and len(consumers.get(out, [])) == 1:
            open_at[out] = chain
    return [c for c in chains if len(c) >= MIN_CHAIN]


def scalar_chains(plan) -> str:
    """Replace each run of scalar elementwise steps by one `ChainStep`."""
    from tfedu.graph.passes import _pure, splice_steps

    replace, drop = {}, set()
    for chain in _chains(plan, _pure):
        ks = [k for k, _ in chain]
        steps = [plan.steps[k] for k in ks]
        program = [(code, c) for _, (_, code, c) in chain]
        dtype = np.dtype(steps[-1].op._outputs[0].dtype._np)
        known = {i: plan.constants[i] for st in steps for i in st.inputs if i in plan.constants}
        replace[ks[-1]] = ChainStep(steps, chain[0][1][0], program, dtype, known)
        drop.update(ks)
    if not replace:
        return "no chains of scalar elementwise ops"
    made = splice_steps(plan, replace, drop)
    n_ops = sum(len(c.steps) for c in made)
    return (f"{n_ops} scalar elementwise op(s) run as {len(made)} program(s): "
            + ", ".join(c.op.name for c in made[:6]))
