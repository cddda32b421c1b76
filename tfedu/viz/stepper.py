"""Step through a graph as it runs: `tfedu.viz.step(f, *args)` or `step(sess, fetches, feed)`.

The real call runs once, through `tfedu.viz.recorder.Recorder` (the same plan, kernels and
arguments as without it), and every step's inputs and outputs are kept. The notebook view
(`application/vnd.tfedu.step+json`) then replays that run one node at a time: the graph of
what ran (the optimised plan: a fused step is one box that opens into the ops it replaced),
the current node highlighted, values on the nodes, forward / back / run to a node, and the
bodies of `If`, `While` and function calls entered as they ran. A failing step stops the
run there, with its inputs shown. Everything is in the output, so a saved notebook replays
without a kernel.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["STEP_MIME_TYPE", "StepView", "step", "step_schema"]

STEP_MIME_TYPE = "application/vnd.tfedu.step+json"
STEP_SCHEMA_VERSION = 1


def step_schema() -> dict:
    """The JSON Schema (draft 2020-12) of step payload version 1."""
    text = resources.files("tfedu.viz").joinpath("schemas/step.v1.json").read_text("utf-8")
    return json.loads(text)


# --- the payload -------------------------------------------------------------------------


def _graphs(recorder) -> tuple[list[dict], dict, list[int]]:
    """One graph payload per distinct plan run; per frame, its graph's index."""
    from .plan_view import plan_graph

    graphs, by_plan, maps, frame_graph = [], {}, {}, []
    for f in range(len(recorder.frames)):
        plan, fn = recorder.plans[f]
        if id(plan) not in by_plan:
            title = getattr(fn, "_name", None) or recorder.frames[f]["label"] or "graph"
            payload, steps, feeds = plan_graph(plan, title)
            by_plan[id(plan)] = len(graphs)
            graphs.append(payload)
            maps[id(plan)] = (steps, feeds, plan)
        frame_graph.append(by_plan[id(plan)])
    return graphs, maps, frame_graph


def _event_json(event: dict, maps: dict, plan) -> dict:
    steps, feeds, _ = maps[id(plan)]
    out = {k: v for k, v in event.items() if k not in ("step", "slot")}
    out["node"] = steps[id(event["step"])] if "step" in event else feeds[event["slot"]]
    out["us"] = round(float(event["us"]), 2)
    return out


def step_payload(recorder, title: str, note: str = "") -> dict:
    """The step-through payload (schema v1) of what `recorder` recorded."""
    graphs, maps, frame_graph = _graphs(recorder)
    events = [_event_json(e, maps, recorder.plans[e["frame"]][0]) for e in recorder.events]
    frames = [{"graph": frame_graph[f], "parent": fr["parent"], "label": fr["label"],
               "hidden": fr["hidden"]} for f, fr in enumerate(recorder.frames)]
    from .error_hints import error_lines

    error = None
    if recorder.error is not None:
        error = {"type": type(recorder.error).__name__, "message": str(recorder.error),
                 "notes": error_lines(recorder.error)}
    return {
        "version": STEP_SCHEMA_VERSION, "kind": "step", "title": title, "note": note,
        "graphs": graphs, "frames": frames, "events": events, "error": error,
        "position": next((k for k, e in enumerate(events) if e["error"]), len(events) - 1),
    }


# --- the view and the entry point ----------------------------------------------------------


class StepView:
    """A recorded run, displayed as the step-through view (static text elsewhere)."""

    def __init__(self, payload: dict, result: Any = None):
        self.payload = payload
        self.result = result  # what the call returned (None when it failed)

    def _text(self) -> str:
        p = self.payload
        lines = [f"<tfedu step-through {p['title']!r}: {len(p['events'])} steps>"]
        for e in p["events"][:40]:
            outs = ", ".join(f"{o.get('dtype')} {tuple(o['shape'] or ())}" for o in
                             e.get("outputs", []) if o.get("shape") is not None)
            lines.append(f"  {e['op']} ({e['type']}){' -> ' + outs if outs else ''}")
        if len(p["events"]) > 40:
            lines.append(f"  ... and {len(p['events']) - 40} more")
        if p["error"]:
            lines.append(f"stopped by {p['error']['type']}: "
                         f"{p['error']['message'].splitlines()[0]}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {STEP_MIME_TYPE: self.payload, "text/plain": self._text()}


def _is_session(obj) -> bool:
    return hasattr(obj, "_plan") and hasattr(obj, "_resources") and hasattr(obj, "run")


def _step_session(sess, fetches, feed_dict, recorder):
    """`sess.run(fetches, feed_dict)` through `recorder`, as Session.run computes it."""
    import numpy as np

    flat = []
    sess._flatten_fetches(fetches, flat)
    feeds, arrays = [], []
    for k, v in (feed_dict or {}).items():
        t = sess._feed_key(k)
        feeds.append(t)
        arrays.append(sess._feed_value(t, v))
    unique = list({id(f): f for f in flat}.values())
    out = recorder.run_plan(sess._plan(unique, feeds), arrays, sess._resources,
                            label="Session.run")
    by_id = {id(f): v for f, v in zip(unique, out)}
    values = [None if by_id[id(f)] is None else np.array(by_id[id(f)], copy=True)
              for f in flat]
    return sess._rebuild(fetches, iter(v if v is None or v.ndim else v[()] for v in values))


def step(target: Any, *args: Any, feed_dict: dict | None = None, **kwargs: Any) -> StepView:
    """Run `target` once and return the view that steps through that run node by node.

    - `step(f, *args, **kwargs)`: a `tf.function` or ConcreteFunction called as `f(*args)`;
    - `step(sess, fetches, feed_dict)`: a v1 `Session.run(fetches, feed_dict)`.

    The run is real (the same plan and kernels; variables change as they would). A step that
    fails stops the run: the view opens on it, with its inputs; the error is not raised.
    `view.result` is what the call returned.
    """
    from tfedu.framework import errors

    from .recorder import Recorder

    rec, result = Recorder(values=True), None
    session = _is_session(target)
    title = "Session.run" if session else getattr(target, "__name__", None) or \
        getattr(target, "_name", "function")
    try:
        if session:
            fetches = args[0] if args else kwargs.pop("fetches")
            feed = feed_dict if feed_dict is not None else (args[1] if len(args) > 1 else None)
            result = _step_session(target, fetches, feed, rec)
        else:
            with rec.recording():
                result = target(*args, **kwargs)
    except errors.OpError:
        if rec.error is None:
            raise
    return StepView(step_payload(rec, str(title)), result)
