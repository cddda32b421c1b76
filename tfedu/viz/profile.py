"""Where time goes: a per-op profile of a graph run, as a table and as heat on the graph.

    tfedu.viz.profile(f, x, y, runs=20)               # a tf.function / ConcreteFunction call
    tfedu.viz.profile(model.fit, x, y, epochs=1)      # anything that runs graphs (Keras fit)
    tfedu.viz.profile(sess, fetches, feed_dict, runs=20)   # a v1 Session.run
    tfedu.viz.profile(f_fused, x, y, before=p_plain)  # and what changed since another profile

Every plan run inside the call goes through `tfedu.viz.recorder.Recorder` (the same kernels),
which times each step; the view (`application/vnd.tfedu.profile+json`) lists time, calls and
bytes produced per op type and per node, colours the busiest graph by time, and says in one
line what dominates (and, with `before=`, what fusion or another change did). Times are
measured around each kernel call in Python, so a step's few microseconds of bookkeeping
are included; what matters is the share, not the absolute figure. A step's first call is
left out when it ran more than once: it includes compiling its kernel (Numba), once. A
step's time is its median call times its calls, so that one call slowed by the machine
(another process, the garbage collector) does not make a tiny op look like the busiest.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from importlib import resources
from typing import Any

__all__ = ["PROFILE_MIME_TYPE", "ProfileView", "profile", "profile_schema"]

PROFILE_MIME_TYPE = "application/vnd.tfedu.profile+json"
PROFILE_SCHEMA_VERSION = 1
_TOP_NODES = 40


def profile_schema() -> dict:
    """The JSON Schema (draft 2020-12) of profile payload version 1."""
    text = resources.files("tfedu.viz").joinpath("schemas/profile.v1.json").read_text("utf-8")
    return json.loads(text)


def _rows(recorder) -> list[dict]:
    """One row per (plan, step) that ran: op, type, calls, microseconds, bytes.

    A step's time is its median call times its calls: one call slowed by something else
    (another process on a busy machine, Python's garbage collector) would otherwise count as
    hundreds of typical ones, and a step of a few microseconds would top the table."""
    rows = []
    for (plan_id, step), (nbytes, times) in recorder.totals.items():
        calls = len(times)
        if calls > 1:  # leave out the first call: it may include compiling the kernel
            times, nbytes = times[1:], nbytes - nbytes // calls
            calls -= 1
        rows.append({"plan": plan_id, "step": step, "op": step.op.name, "type": step.op.type,
                     "calls": calls, "us": statistics.median(times) * calls, "bytes": nbytes,
                     "fused": len(getattr(step, "steps", ()) or ())})
    return rows


def _by_type(rows: list[dict], total: float) -> list[dict]:
    acc: dict[str, list] = defaultdict(lambda: [0, 0.0, 0])
    for r in rows:
        a = acc[r["type"]]
        a[0] += r["calls"]
        a[1] += r["us"]
        a[2] += r["bytes"]
    out = [{"type": t, "calls": c, "us": round(us, 1), "bytes": b,
            "share": round(us / total, 4) if total else 0.0} for t, (c, us, b) in acc.items()]
    return sorted(out, key=lambda r: -r["us"])


def _graph_entries(recorder, rows: list[dict], total: float) -> tuple[list, list]:
    """The graph of the busiest plan with each node's share of the time (its heat), and
    the busiest nodes as table rows pointing into it."""
    from .plan_view import plan_graph

    per_plan: dict[int, float] = defaultdict(float)
    for r in rows:
        per_plan[r["plan"]] += r["us"]
    if not per_plan:
        return [], []
    busiest = max(per_plan, key=per_plan.get)
    plan, fn = recorder.plan_of[busiest]
    payload, step_nodes, _ = plan_graph(plan, getattr(fn, "_name", None) or "graph")
    heat = {}
    nodes = []
    for r in sorted(rows, key=lambda r: -r["us"]):
        share = r["us"] / total if total else 0.0
        node = step_nodes.get(id(r["step"])) if r["plan"] == busiest else None
        if node is not None:
            heat[str(node)] = round(share, 4)
        if len(nodes) < _TOP_NODES:
            nodes.append({"op": r["op"], "type": r["type"], "calls": r["calls"],
                          "us": round(r["us"], 1), "bytes": r["bytes"],
                          "share": round(share, 4), "node": node, "fused": r["fused"]})
    return [{"graph": payload, "heat": heat}], nodes


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def explain(by_type: list[dict], steps: int, per_run_us: float,
            before: dict | None = None) -> str:
    """One line on what dominates (and what changed since `before`)."""
    if not by_type:
        return "No graph ran: nothing to profile."
    top = by_type[0]
    text = f"{top['type']} takes {_pct(top['share'])} of the time ({top['calls']} calls)"
    if len(by_type) > 1:
        text += f", then {by_type[1]['type']} ({_pct(by_type[1]['share'])})"
    fused = [r["type"] for r in by_type if r["type"].startswith("_Fused") or
             r["type"] == "FusedElementwise"]
    if fused:
        text += f"; fused steps: {', '.join(fused)}"
    if before:
        was = before["total_us"] / before["runs"]
        text += (f". Before ({before['title']}): {before['steps']} steps, {was / 1e3:.2f} ms per "
                 f"run; now {steps} steps, {per_run_us / 1e3:.2f} ms per run")
    return text + "."


class ProfileView:
    """A profile: `by_type` and `by_node` rows, the heat graph, and a one-line `explanation`."""

    def __init__(self, payload: dict):
        self.payload = payload

    @property
    def explanation(self) -> str:
        return self.payload["explanation"]

    @property
    def by_type(self) -> list[dict]:
        return self.payload["by_type"]

    def _text(self) -> str:
        p = self.payload
        lines = [f"<tfedu profile {p['title']!r}: {p['runs']} run(s), "
                 f"{p['total_us'] / 1e3:.2f} ms, {p['steps']} distinct steps>", p["explanation"]]
        lines += [f"  {r['type']:<24} {_pct(r['share']):>4}  {r['calls']:>6} calls  "
                  f"{r['us'] / 1e3:8.3f} ms  {r['bytes']:>10} bytes" for r in p["by_type"][:12]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {PROFILE_MIME_TYPE: self.payload, "text/plain": self._text()}


def _run(target, args, kwargs, runs: int, recorder) -> None:
    from .stepper import _is_session, _step_session

    if _is_session(target):
        fetches = args[0] if args else kwargs.pop("fetches")
        feed = kwargs.pop("feed_dict", args[1] if len(args) > 1 else None)
        for _ in range(runs):
            _step_session(target, fetches, feed, recorder)
        return
    with recorder.recording():
        for _ in range(runs):
            target(*args, **kwargs)


def profile(target: Any, *args: Any, runs: int = 1, before: ProfileView | None = None,
            title: str | None = None, **kwargs: Any) -> ProfileView:
    """Call `target(*args, **kwargs)` `runs` times and profile every graph step it ran.

    `target` is a tf.function, a ConcreteFunction, a v1 Session (`profile(sess, fetches,
    feed_dict)`) or any callable that runs them (`model.fit`). Returns the view; its
    `explanation` says in one line what dominates, compared with `before` if given.
    """
    from .recorder import Recorder

    rec = Recorder(values=False)
    _run(target, args, kwargs, max(1, int(runs)), rec)
    rows = _rows(rec)
    total = sum(r["us"] for r in rows)
    by_type = _by_type(rows, total)
    graphs, nodes = _graph_entries(rec, rows, total)
    name = title or getattr(target, "__name__", None) or getattr(target, "_name", None) or \
        type(target).__name__
    steps = len(rows)  # distinct plan steps that ran
    summary = before.payload if before is not None else None
    payload = {
        "version": PROFILE_SCHEMA_VERSION, "kind": "profile", "title": str(name),
        "runs": max(1, int(runs)), "total_us": round(total, 1), "steps": steps,
        "by_type": by_type, "by_node": nodes, "graphs": graphs,
        "explanation": explain(by_type, steps, total / max(1, int(runs)), summary),
        "before": None if summary is None else {
            "title": summary["title"], "total_us": summary["total_us"], "runs": summary["runs"],
            "steps": summary["steps"], "by_type": summary["by_type"]},
    }
    return ProfileView(payload)
