"""A straight-line Python function generated from an execution plan (the fast path of
`tf.function` calls and `Session.run`, `Plan.run_fast`).

`Plan.run` interprets its steps (a loop, a list of slots, per-step bookkeeping). A traced
function is called many times with the same plan, so we generate its source once instead:

    def run(feeds, resources):
        v0, v1 = feeds
        _i = 0; v3 = k0(v0, c2)          # constants are bound once, not recomputed
        _i = 1; v4 = k1(v3)
        return [v4]

A failing kernel raises the same run-time error `Plan.run` would, naming the node (`_i` says
which step failed). Calling a traced `x + 1` then costs a few microseconds.
"""

from __future__ import annotations

import numpy as np

from tfedu.graph.plan import RUN_ERRORS, reraise_as_runtime_error

__all__ = ["build_runner"]


def build_runner(plan, n_fetch):
    """A function `run(feeds, resources) -> [arrays of the first n_fetch fetches]`."""
    ns = {f"v{slot}": value for slot, value in getattr(plan, "constants", {}).items()}
    lines = []
    # Liveness: an intermediate is dropped right after its last use, so a long chain of ops
    # on big arrays holds two or three of them at a time, not all (memory and cache reuse).
    fetched = {s for s in plan.fetch_slots[:n_fetch] if s is not None}
    last_use = {}
    for i, step in enumerate(plan.steps):
        for inp in step.inputs:
            for j in (inp if type(inp) is list else (inp,)):
                last_use[j] = i
    local = set(plan.feed_slots)
    feed_names = [f"v{s}" for s in plan.feed_slots]
    if feed_names:
        lines.append(f"    {', '.join(feed_names)}{',' if len(feed_names) == 1 else ''} = feeds")
    for i, step in enumerate(plan.steps):
        if step.skip:
            return None
        op = step.op
        if op.type == "Const" and len(step.outputs) == 1:
            ns[f"v{step.outputs[0]}"] = step.kernel(**step.attrs)
            continue
        ns[f"k{i}"] = step.kernel
        args = []
        if step.uses_resources:
            args.append("resources")
        for inp in step.inputs:
            if type(inp) is list:
                args.append("[" + ", ".join(f"v{j}" for j in inp) + "]")
            else:
                args.append(f"v{inp}")
        if step.attrs:
            ns[f"a{i}"] = step.attrs
            args.append(f"**a{i}")
        call = f"k{i}({', '.join(args)})"
        outs = step.outputs
        if not outs:
            lines.append(f"    _i = {i}; {call}")
        elif step.single:
            lines.append(f"    _i = {i}; v{outs[0]} = {call}")
        else:
            lines.append(f"    _i = {i}; {', '.join(f'v{o}' for o in outs)}, = {call}")
        local.update(outs)
        used = [j for inp in step.inputs for j in (inp if type(inp) is list else (inp,))]
        dead = sorted({j for j in used + list(outs)
                       if j in local and j not in fetched and last_use.get(j, -1) <= i})
        if dead:
            local.difference_update(dead)
            lines.append(f"    del {', '.join(f'v{j}' for j in dead)}")
    fetches = []
    for s in plan.fetch_slots[:n_fetch]:
        fetches.append("None" if s is None else f"v{s}")
    lines.append(f"    return [{', '.join(fetches)}]")
    body = "\n".join(lines)
    src = ("def run(feeds, resources):\n    _i = -1\n    try:\n"
           + "\n".join("    " + ln for ln in body.split("\n"))
           + "\n    except BaseException as e:\n        _fail(_i, e)\n        raise\n")
    steps = plan.steps

    def _fail(i, e):
        if i >= 0 and isinstance(e, RUN_ERRORS):
            reraise_as_runtime_error(steps[i].op, e)

    ns["_fail"] = _fail
    ns["np"] = np
    exec(compile(src, f"<tfedu plan of {plan.graph!r}>", "exec"), ns)
    return ns["run"]
