"""A straight-line Python function generated from an execution plan (the fast path of
`tf.function` calls and `Session.run`, `Plan.run_fast`).

`Plan.run` interprets its steps (a loop, a list of slots, per-step bookkeeping). A traced
function is called many times with the same plan, so we generate its source once instead:

    def run(feeds, resources):
        v0, = feeds
        if v0.shape != (100,) or v0.dtype != d0: return _plain(feeds, resources)
        try:
            v2 = k0(v0, v1, axis=a0_0)       # a kernel; constants and attributes bound once
            v3 = u_add(v2, v1)               # a ufunc called directly (buffer_reuse pass)
            u_multiply(v3, v4, v3)           # ... writing into a dead input's buffer
            del v2
            return [v3]
        except BaseException as e:
            _fail(e, locals())

An intermediate is dropped (`del`) right after its last use, so a long chain on big arrays
holds two or three arrays at a time, not all. A failing kernel raises the same run-time
error `Plan.run` would, naming the node: the line that failed says which step it was, and a
ufunc called directly is run again through the step's own kernel for TF's message. The
shape check on entry exists only when some step writes in place (those steps rely on the
traced shapes); a call with other shapes runs `Plan.run` instead.
"""

from __future__ import annotations

import keyword

import numpy as np

from tfedu.graph.plan import RUN_ERRORS, reraise_as_runtime_error, without_gc

__all__ = ["build_runner"]


def _slots(inputs):
    for i in inputs:
        yield from (i if type(i) is list else (i,))


class _Source:
    """The generated function's namespace and lines, and which value has which name."""

    def __init__(self, plan, n_fetch):
        self.plan, self.steps = plan, plan.steps
        self.ns = {"np": np}
        self.lines = []  # body lines (inside the try)
        self.line_step = {}  # body line index -> step index
        self.name = {}  # slot -> variable name
        self.local = set()  # variable names that are locals of the function (may be deleted)
        self.live = {}  # local variable name -> slots it holds still needed
        self.fetched = {s for s in plan.fetch_slots[:n_fetch] if s is not None}
        self.last_use = {}
        for i, step in enumerate(plan.steps):
            for j in _slots(step.inputs):
                self.last_use[j] = i
        for slot, value in getattr(plan, "constants", {}).items():
            self.name[slot] = f"v{slot}"
            self.ns[f"v{slot}"] = value

    def bind(self, slot, var):
        self.name[slot] = var
        if var in self.local:
            self.live.setdefault(var, set()).add(slot)

    def new_local(self, slot):
        var = f"v{slot}"
        self.local.add(var)
        self.bind(slot, var)
        return var

    def args(self, inputs):
        return [("[" + ", ".join(self.name[j] for j in i) + "]") if type(i) is list
                else self.name[i] for i in inputs]

    def emit(self, i, line):
        self.line_step[len(self.lines)] = i
        self.lines.append(line)

    def drop_dead(self, i, slots):
        """`del` the variables whose every slot has had its last use at step i."""
        dead = []
        for j in slots:
            var = self.name.get(j)
            if var not in self.local or j in self.fetched or self.last_use.get(j, -1) > i:
                continue
            held = self.live.get(var)
            if held is not None and j in held:
                held.discard(j)
                if not held:
                    dead.append(var)
        if dead:
            self.local.difference_update(dead)
            self.lines.append(f"del {', '.join(sorted(set(dead)))}")


def _kernel_call(src, i, step, in_place):
    """The line calling step i's kernel (or its ufunc)."""
    u = getattr(step, "direct", None)
    args = src.args(step.inputs)
    static = getattr(step, "static", None)
    if static is not None:  # static_args pass: NumPy called with the worked-out argument
        fn, extra = static
        src.ns[f"s{i}"] = fn
        for n, value in enumerate(extra):
            src.ns[f"c{i}_{n}"] = value
        return f"s{i}({', '.join([args[0]] + [f'c{i}_{n}' for n in range(len(extra))])})"
    if u is not None:
        src.ns[f"u_{u.__name__}"] = u
        if in_place is not None:  # (np.maximum/minimum take their `out` by keyword only)
            out = "out=" if u in (np.maximum, np.minimum) else ""
            return f"u_{u.__name__}({', '.join(args)}, {out}{args[in_place]})"
        return f"u_{u.__name__}({', '.join(args)})"
    src.ns[f"k{i}"] = step.kernel
    if step.uses_resources:
        args.insert(0, "resources")
    args += _keyword_args(src, i, step.attrs)
    return f"k{i}({', '.join(args)})"


def _keyword_args(src, i, attrs):
    """The attributes as `name=a{i}_{n}` keywords, each value bound once in the namespace: a
    keyword call binds them straight to the kernel's parameters, where `**attrs` would build
    a new dict on every call. Names that are not identifiers go through `**` still."""
    args, rest = [], {}
    for n, (name, value) in enumerate(attrs.items()):
        if name.isidentifier() and not keyword.iskeyword(name):
            src.ns[f"a{i}_{n}"] = value
            args.append(f"{name}=a{i}_{n}")
        else:
            rest[name] = value
    if rest:
        src.ns[f"a{i}"] = rest
        args.append(f"**a{i}")
    return args


def _emit_step(src, i, step):
    """The lines of step i; False when the runner cannot express the plan."""
    if step.skip:
        return False
    outs = step.outputs
    if getattr(step, "alias", False):
        src.bind(outs[0], src.name[step.inputs[0]])
    elif step.op.type == "Const" and len(outs) == 1:
        src.ns[f"v{outs[0]}"] = step.kernel(**step.attrs)
        src.name[outs[0]] = f"v{outs[0]}"
        return True
    else:
        in_place = getattr(step, "in_place", None)
        call = _kernel_call(src, i, step, in_place)
        if in_place is not None:
            src.bind(outs[0], src.name[step.inputs[in_place]])
            src.emit(i, call)
        elif not outs:
            src.emit(i, call)
        else:
            names = [src.new_local(o) for o in outs]
            src.emit(i, f"{names[0]} = {call}" if step.single else f"{', '.join(names)}, = {call}")
    src.drop_dead(i, [*_slots(step.inputs), *outs])
    return True


def _guards(plan) -> list:
    """Entry checks that the fed arrays have the traced shapes and dtypes (when some step
    writes in place: those steps rely on them)."""
    if not any(getattr(s, "in_place", None) is not None for s in plan.steps):
        return [], {}
    checks, ns = [], {}
    for n, (slot, t) in enumerate(zip(plan.feed_slots, plan.feeds)):
        dt = getattr(t.dtype, "_np", None)
        if dt is None or dt.kind not in "biufc" or not t.shape.is_fully_defined():
            continue
        ns[f"d{n}"] = dt
        checks.append(f"getattr(v{slot}, 'shape', None) != {tuple(t.shape.as_list())!r} "
                      f"or getattr(v{slot}, 'dtype', None) != d{n}")
    if not checks:
        return [], ns
    return ["    if " + " or ".join(checks) + ":", "        return _plain(feeds, resources)"], ns


def _failure_handler(src):
    """`_fail(e, locals())`: the run-time error naming the step whose line failed."""
    steps, ns, line_step = src.steps, src.ns, src.line_step
    arg_names, offset = src.direct_args, src.first_body_line

    def _fail(e, names):
        tb = e.__traceback__
        i = None if tb is None else line_step.get(tb.tb_lineno - offset)
        if i is None or not isinstance(e, RUN_ERRORS):
            return
        step = steps[i]
        if i in arg_names:  # NumPy called directly: the step's kernel says it as TF does
            args = [names[n] if n in names else ns[n] for n in arg_names[i]]
            try:
                step.kernel(*args, **step.attrs)
            except RUN_ERRORS as again:
                reraise_as_runtime_error(step.op, again)
        reraise_as_runtime_error(step.op, e)

    return _fail


@without_gc
def build_runner(plan, n_fetch):
    """A function `run(feeds, resources) -> [arrays of the first n_fetch fetches]`, or None
    when the plan feeds an intermediate (then `Plan.run` runs it)."""
    src = _Source(plan, n_fetch)
    feed_names = [src.new_local(s) for s in plan.feed_slots]
    src.direct_args = {}
    for i, step in enumerate(plan.steps):
        if getattr(step, "direct", None) is not None or getattr(step, "static", None) is not None:
            src.direct_args[i] = src.args(step.inputs)
        if not _emit_step(src, i, step):
            return None
    fetches = ["None" if s is None else src.name[s] for s in plan.fetch_slots[:n_fetch]]
    src.lines.append(f"return [{', '.join(fetches)}]")
    head = ["def run(feeds, resources):"]
    if feed_names:
        head.append(f"    {', '.join(feed_names)}{',' if len(feed_names) == 1 else ''} = feeds")
    guard, guard_ns = _guards(plan)
    head += guard + ["    try:"]
    src.first_body_line = len(head) + 1
    text = "\n".join(head + ["        " + ln for ln in src.lines]
                     + ["    except BaseException as e:", "        _fail(e, locals())",
                        "        raise", ""])
    src.ns.update(guard_ns, _fail=_failure_handler(src),
                  _plain=lambda feeds, resources: plan.run(feeds, resources)[:n_fetch])
    exec(compile(text, f"<tfedu plan of {plan.graph!r}>", "exec"), src.ns)
    run = src.ns["run"]
    run.source = text  # what was generated, for the curious
    return run
