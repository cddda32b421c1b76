"""Retracing views (`application/vnd.tfedu.retracing+json`, schema v1) of `tf.function`s.

`show_retracing(f)` shows f's calls (hits and traces), each concrete function's signature,
trace time and graph, and why every retrace happened, read from f's trace log.
`RetracingMonitor()` is the live version: one output that redraws (throttled) whenever any
tf.function in the process is called. In a kernel with ipywidgets it is a widget whose graphs
are fetched from the kernel when a concrete function is clicked.
"""

from __future__ import annotations

import itertools
import json
import re
import textwrap
from importlib import resources
from typing import Any

from tfedu.function import trace_log
from tfedu.viz._display import LiveDisplay, svg_text, wants

__all__ = [
    "RETRACING_MIME_TYPE",
    "RetracingMonitor",
    "RetracingView",
    "retracing_payload",
    "retracing_schema",
    "show_retracing",
]

RETRACING_MIME_TYPE = "application/vnd.tfedu.retracing+json"
RETRACING_SCHEMA_VERSION = 1
_MAX_TIMELINE = 200  # timeline entries kept per function (the newest)
_MAX_GRAPHS = 24  # concrete functions whose graphs are embedded


def retracing_schema() -> dict:
    """The JSON Schema of retracing payload version 1."""
    text = resources.files("tfedu.viz").joinpath("schemas/retracing.v1.json").read_text("utf-8")
    return json.loads(text)


# A traced graph never changes: live redraws reuse its payload (bounded, oldest dropped).
_graph_cache: dict[int, tuple] = {}


def _warning(fn) -> str | None:
    """TF's retracing warning as it was counted, reconciled with this view's own counts: TF
    counts the calls of every tf.function made from the same Python code, so a cell run
    again (a new `f`) adds to the calls of the `f` before it."""
    det = getattr(fn, "_detector", None)
    if det is None or not getattr(det, "warnings", 0):
        return None
    text = (f"{len(det.calls_per_tracing)} out of the last {det.call_count} calls to "
            f"`{fn._name}` triggered tf.function retracing (the retracing warning fired "
            f"{det.warnings} time{'s' if det.warnings != 1 else ''}).")
    log = fn.trace_log
    if det.call_count > log.calls or len(det.calls_per_tracing) > log.traces:
        text += (f" TensorFlow counts the calls of every tf.function made from this Python "
                 f"code, earlier definitions of `{fn._name}` included (a cell run again "
                 f"makes a new one); this `{fn._name}` has had {log.calls} calls and "
                 f"{log.traces} traces.")
    return text


def function_id(fn) -> str:
    """The id of a tf.function in payloads (`functions[i].id`), valid while it lives."""
    return f"{id(fn):x}"


def _graph_of(fn, trace) -> dict:
    """The graph payload of one trace of `fn` (cached: a traced graph never changes)."""
    from tfedu.viz.graph_view import graph_payload

    graph = _graph_cache.get(id(trace.cf))
    if graph is None or graph[0] is not trace.cf:
        graph = (trace.cf, graph_payload(trace.cf, title=f"{fn._name} #{trace.index}"))
        _graph_cache[id(trace.cf)] = graph
    return graph[1]


def find_graph(function: str, index: int) -> dict:
    """The graph payload of concrete function `index` of the live tf.function whose
    `function_id` is `function` (what a retracing widget asks for on click)."""
    for f in trace_log.live_functions():
        if function_id(f) == function:
            for t in f._traces:
                if t.index == index:
                    return _graph_of(f, t)
            raise LookupError(f"{f._name} has no concrete function #{index}.")
    raise LookupError("This tf.function no longer exists.")


def _function_entry(fn, graphs: bool = True) -> dict:
    from tfedu.function.trace_type import diff_keys

    log = fn.trace_log
    traces = list(fn._traces)
    first_record: dict[int, Any] = {}
    for rec in log.records:
        if rec.traced and rec.trace_index not in first_record:
            first_record[rec.trace_index] = rec
    concrete = []
    for pos, t in enumerate(traces):
        rec = first_record.get(t.index)
        since_previous: list[str] = []
        if pos > 0:
            for name, new, old in zip(fn._param_names, t.key, traces[pos - 1].key):
                since_previous += diff_keys(name, new, old)
        if rec is not None and since_previous == list(rec.reasons):
            since_previous = []  # the closest trace was the previous one: nothing to add
        graph = _graph_of(fn, t) if graphs and pos < _MAX_GRAPHS else None
        concrete.append({
            "index": t.index,
            "signature": fn._signature_of(t.key),
            "trace_seconds": rec.trace_seconds if rec is not None else None,
            "reasons": list(rec.reasons) if rec is not None else [],
            "closest_signature": rec.closest_signature if rec is not None else None,
            "since_previous": since_previous,
            "call_index": rec.call_index if rec is not None else None,
            "graph": graph,
        })
    timeline: list[dict] = []
    for r in log.records:
        last = timeline[-1] if timeline else None
        if last and not r.traced and not last["traced"] and last["trace_index"] == r.trace_index:
            last["repeats"] += r.repeats  # consecutive hits of one trace read as one entry
            continue
        timeline.append({"call_index": r.call_index, "traced": r.traced,
                         "trace_index": r.trace_index, "repeats": r.repeats,
                         "signature": r.signature})
    timeline = timeline[-_MAX_TIMELINE:]
    while len(_graph_cache) > 256:
        _graph_cache.pop(next(iter(_graph_cache)))
    return {
        "name": fn._name,
        "id": function_id(fn),
        "calls": log.calls,
        "traces": log.traces,
        "timeline": timeline,
        "concrete_functions": concrete,
        "warning": _warning(fn),
    }


def retracing_payload(functions: Any = None, title: str | None = None,
                      graphs: bool = True) -> dict:
    """Schema-v1 payload for one tf.function, a list of them, or (None) every live one."""
    if functions is None:
        fns = [f for f in trace_log.live_functions() if f.trace_log.calls]
        fns.sort(key=lambda f: f._name)
    elif isinstance(functions, (list, tuple)):
        fns = list(functions)
    else:
        fns = [functions]
    for f in fns:
        if not hasattr(f, "trace_log"):
            raise TypeError(f"Expected a tf.function, got {type(f).__name__}.")
    if title is None:
        title = f"tf.function {fns[0]._name}" if len(fns) == 1 else "tf.function retracing"
    return {
        "kind": "retracing",
        "version": RETRACING_SCHEMA_VERSION,
        "title": title,
        "functions": [_function_entry(f, graphs) for f in fns],
    }


def _plain(text: str) -> str:
    """Text for plain outputs: `name` (as messages mark code) becomes 'name'."""
    return re.sub(r"`([^`]*)`", r"'\1'", text)


def payload_text(payload: dict) -> str:
    """Plain-text story of a retracing payload."""
    lines = [payload["title"]]
    for fn in payload["functions"]:
        lines.append(f"{fn['name']}: {fn['calls']} call(s), {len(fn['concrete_functions'])} "
                     f"concrete function(s)")
        for c in fn["concrete_functions"]:
            ms = "" if c["trace_seconds"] is None else f" traced in {c['trace_seconds']*1e3:.2f} ms"
            lines.append(f"  #{c['index']} {c['signature']}{ms}")
            for r in c["reasons"]:
                lines.append(f"      {_plain(r)}")
            if c["since_previous"]:
                lines.append("      since the previous trace: " +
                             _plain("; ".join(c["since_previous"])))
        if fn["warning"]:
            lines.append(f"  WARNING: {_plain(fn['warning'])}")
    return "\n".join(lines)


_MAX_BOXES = 60  # boxes of 12 px that fit the picture's 760 px


def _call_boxes(timeline: list[dict]) -> list[bool]:
    """One entry per call (traced or not), the first _MAX_BOXES: the timeline folds
    consecutive hits of one concrete function into one entry with `repeats`."""
    calls = (ev["traced"] for ev in timeline for _ in range(ev.get("repeats", 1)))
    return list(itertools.islice(calls, _MAX_BOXES))


def payload_svg(payload: dict) -> str:
    """A static SVG of the timeline and concrete functions (for viewers without the extension)."""
    rows: list[str] = []
    y = 22
    rows.append(svg_text(8, y, payload["title"], 14, font_weight="bold"))
    for fn in payload["functions"]:
        y += 22
        rows.append(svg_text(8, y, f"{fn['name']}: {fn['calls']} calls, "
                                   f"{len(fn['concrete_functions'])} concrete functions", 12))
        y += 10
        x = 8
        for traced in _call_boxes(fn["timeline"]):
            color = "#e8590c" if traced else "#2f9e44"
            rows.append(f'<rect x="{x}" y="{y}" width="10" height="14" fill="{color}"/>')
            x += 12
        y += 14
        if fn["timeline"]:
            y += 14
            rows.append(svg_text(8, y, "one box per call: orange traced a new concrete function, "
                                       "green reused one", 10, fill="#555"))
        for c in fn["concrete_functions"]:
            y += 18
            ms = "" if c["trace_seconds"] is None else f"  ({c['trace_seconds']*1e3:.2f} ms)"
            rows.append(svg_text(16, y, f"#{c['index']} {c['signature']}{ms}", 12))
            for r in c["reasons"] + (["since previous: " + "; ".join(c["since_previous"])]
                                     if c["since_previous"] else []):
                for line in textwrap.wrap(_plain(r), 110):
                    y += 16
                    rows.append(svg_text(32, y, line, 11, fill="#555"))
        for line in textwrap.wrap(_plain(fn["warning"] or ""), 120):
            y += 16
            rows.append(svg_text(16, y, line, 11, fill="#c92a2a"))
    height = y + 12
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{height}" '
            f'viewBox="0 0 760 {height}">' + "".join(rows) + "</svg>")


class RetracingView:
    """A displayable retracing payload, with SVG and text fallbacks."""

    def __init__(self, payload: dict):
        self.payload = payload

    def __repr__(self) -> str:
        return payload_text(self.payload)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle: dict[str, Any] = {RETRACING_MIME_TYPE: self.payload,
                                  "text/plain": payload_text(self.payload)}
        if wants("image/svg+xml", include, exclude):
            bundle["image/svg+xml"] = payload_svg(self.payload)
        return bundle


def show_retracing(fn: Any = None, title: str | None = None) -> RetracingView:
    """The retracing view of a tf.function (or of a list of them, or every live one)."""
    return RetracingView(retracing_payload(fn, title=title))


class RetracingMonitor:
    """A live retracing view: redraws (at most every `interval` s) on every tf.function call.

    Watches `functions` (one, a list, or None for every tf.function in the process). Display
    it (last line of a cell, or `.show()`); `.close()` stops listening. As a widget, graphs
    are sent when a concrete function is clicked; the saved output embeds them when `graphs`.
    """

    def __init__(self, functions: Any = None, interval: float = 0.25, graphs: bool = True):
        self._functions = functions
        self._graphs = graphs
        self._live = LiveDisplay(self._bundle, interval, kind="retracing",
                                 payload=self._widget_payload,
                                 actions={"graph": self._graph_action})
        self._watch = None if functions is None else {
            id(f) for f in (functions if isinstance(functions, (list, tuple)) else [functions])
        }
        trace_log.add_listener(self._on_call)

    def payload(self) -> dict:
        """The monitor's state as saved in the notebook (the live widget says "(live)")."""
        return retracing_payload(self._functions, title="tf.function calls",
                                 graphs=self._graphs)

    def _bundle(self) -> dict:
        return RetracingView(self.payload())._repr_mimebundle_()

    def _widget_payload(self) -> dict:
        return retracing_payload(self._functions, title="tf.function calls (live)", graphs=False)

    def _graph_action(self, content: dict) -> dict:
        index = content.get("index")
        if not isinstance(index, int):
            raise TypeError("index: expected an integer")
        return {"graph": find_graph(str(content.get("function")), index)}

    @property
    def widget(self):
        """The live widget (a `tfedu.viz.widgets.TfeduWidget`) when shown as one, else None."""
        return self._live.widget

    def _on_call(self, log, record) -> None:
        if self._watch is not None and not any(
                getattr(f, "_log", None) is log for f in self._targets()):
            return
        self._live.touch()

    def _targets(self) -> list:
        f = self._functions
        return list(f) if isinstance(f, (list, tuple)) else [f]

    def show(self) -> RetracingMonitor:
        self._live.show()
        return self

    def flush(self) -> None:
        self._live.flush()

    def close(self) -> None:
        """Stop following calls; the output keeps its last state."""
        trace_log.remove_listener(self._on_call)
        self._live.save()

    def _ipython_display_(self) -> None:
        self.show()

    def __repr__(self) -> str:
        return payload_text(self.payload())
