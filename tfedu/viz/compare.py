"""Side-by-side graphs (`application/vnd.tfedu.compare+json`, schema v1).

`compare_graphs(v1, concrete_function)` puts a TF1 graph (placeholders fed by a Session)
next to the graph tf.function traced for the equivalent TF2 code, and marks what differs:
ops only one side has, Placeholders versus function inputs, and the Identity ops a
function graph adds on its outputs.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from typing import Any

from tfedu.viz._display import wants
from tfedu.viz.graph_view import graph_payload

__all__ = ["COMPARE_MIME_TYPE", "CompareView", "compare_graphs", "compare_payload",
           "compare_schema"]

COMPARE_MIME_TYPE = "application/vnd.tfedu.compare+json"
COMPARE_SCHEMA_VERSION = 1


def compare_schema() -> dict:
    """The JSON Schema of compare payload version 1."""
    text = resources.files("tfedu.viz").joinpath("schemas/compare.v1.json").read_text("utf-8")
    return json.loads(text)


def _graph_of(obj: Any):
    """A graph and its fetched tensor names from a Graph, fetches or a traced function."""
    fetches = obj if isinstance(obj, (list, tuple)) else [obj]
    graph, names = None, []
    for f in fetches:
        g = getattr(f, "graph", None)
        if g is None:
            from tfedu.viz.graph_view import _as_graph

            return _as_graph(obj), []
        graph = g
        name = getattr(f, "name", None)
        if isinstance(name, str) and hasattr(f, "op"):
            names.append(name)
    return graph, names


def _function_io(fn) -> tuple[set[str], set[str]]:
    """Op names of a concrete function's inputs and outputs."""
    ins = {t.op.name for t in getattr(fn, "inputs", []) or []}
    outs = {t.op.name for t in getattr(fn, "outputs", []) or []}
    return ins, outs


def compare_payload(v1: Any, function: Any, title: str | None = None) -> dict:
    """Schema-v1 payload for a TF1 graph (or fetches) and a traced function's graph."""
    g1, fetched = _graph_of(v1)
    if hasattr(function, "get_concrete_function") and not hasattr(function, "inputs"):
        traces = getattr(function, "_traces", None)
        function = traces[-1].cf if traces else function.get_concrete_function()
    left = graph_payload(g1, title="TF1 graph + Session")
    name = getattr(function, "name", "")
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    right = graph_payload(function, title=f"tf.function {name}".strip())
    ins, outs = _function_io(function)
    marks_l: dict[str, str] = {}
    marks_r: dict[str, str] = {}
    fetched_ops = {n.split(":")[0] for n in fetched}
    for n in left["nodes"]:
        if n["type"] in ("Placeholder", "PlaceholderV2", "PlaceholderWithDefault"):
            marks_l[n["id"]] = "placeholder"
        elif n["id"] in fetched_ops:
            marks_l[n["id"]] = "fetch"
    for n in right["nodes"]:
        if n["id"] in ins:
            marks_r[n["id"]] = "input"
        elif n["id"] in outs and n["type"] == "Identity":
            marks_r[n["id"]] = "output"
    # Ops of a type the other side has fewer of (placeholders and I/O are compared apart).
    count_l = Counter(n["type"] for n in left["nodes"] if n["id"] not in marks_l
                      or marks_l[n["id"]] == "fetch")
    count_r = Counter(n["type"] for n in right["nodes"] if n["id"] not in marks_r)
    differences = []
    for side, nodes, mine, other, marks in (("TF1", left["nodes"], count_l, count_r, marks_l),
                                            ("tf.function", right["nodes"], count_r, count_l,
                                             marks_r)):
        extra = {t: mine[t] - other.get(t, 0) for t in mine if mine[t] > other.get(t, 0)}
        for t, k in sorted(extra.items()):
            differences.append(f"only in the {side} graph: {k} {t} op{'s' if k != 1 else ''}")
        for n in reversed(nodes):
            t = n["type"]
            if extra.get(t, 0) > 0 and marks.get(n["id"]) in (None, "fetch"):
                marks[n["id"]] = "only"
                extra[t] -= 1
    phs = [i for i, m in marks_l.items() if m == "placeholder"]
    if phs or ins:
        differences.append(f"TF1 feeds placeholders ({', '.join(sorted(phs))}) through "
                           f"feed_dict; the function takes them as inputs "
                           f"({', '.join(sorted(ins))})")
    idents = sorted(i for i, m in marks_r.items() if m == "output")
    if idents:
        differences.append(f"tf.function adds Identity ops on its outputs ({', '.join(idents)}); "
                           "TF1 fetches tensors directly")
    return {
        "kind": "compare",
        "version": COMPARE_SCHEMA_VERSION,
        "title": title or "TF1 graph vs tf.function",
        "left": {"label": "TF1: placeholders + Session", "graph": left, "marks": marks_l},
        "right": {"label": "TF2: tf.function", "graph": right, "marks": marks_r},
        "differences": differences,
    }


class CompareView:
    """A displayable comparison, with SVG (when `dot` exists) and text fallbacks."""

    def __init__(self, payload: dict):
        self.payload = payload

    def _text(self) -> str:
        p = self.payload
        lines = [p["title"],
                 f"  left:  {p['left']['label']} ({len(p['left']['graph']['nodes'])} ops)",
                 f"  right: {p['right']['label']} ({len(p['right']['graph']['nodes'])} ops)"]
        lines += [f"  - {d}" for d in p["differences"]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle: dict[str, Any] = {COMPARE_MIME_TYPE: self.payload, "text/plain": self._text()}
        if wants("image/svg+xml", include, exclude):
            svg = _side_by_side_svg(self.payload)
            if svg is not None:
                bundle["image/svg+xml"] = svg
        return bundle


def _side_by_side_svg(payload: dict) -> str | None:
    from tfedu.viz.graph_view import _svg

    left, right = _svg(payload["left"]["graph"]), _svg(payload["right"]["graph"])
    if left is None or right is None:
        return None
    import re

    def size(svg):
        m = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        return (float(m.group(1)), float(m.group(2))) if m else (300.0, 300.0)

    def body(svg):
        return svg[svg.index("<svg"):]

    (w1, h1), (w2, h2) = size(left), size(right)
    w, h = w1 + w2 + 20, max(h1, h2)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" '
            f'viewBox="0 0 {w} {h}"><g>{_nest(body(left), 0)}</g>'
            f'<g>{_nest(body(right), w1 + 20)}</g></svg>')


def _nest(svg: str, x: float) -> str:
    return svg.replace("<svg", f'<svg x="{x}" y="0"', 1)


def compare_graphs(v1_graph_or_fetches: Any, concrete_function: Any,
                   title: str | None = None) -> CompareView:
    """Show a TF1 graph next to a tf.function's traced graph, with differences marked."""
    return CompareView(compare_payload(v1_graph_or_fetches, concrete_function, title))
