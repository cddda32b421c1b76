"""A graph for outputs without the lab extension: a static picture that stays readable, and a
text that says what the graph is.

`static_svg(payload)` draws the graph with Graphviz (the `graphviz` package) as the view
would start, then keeps it readable in a page: a drawing wider than `MAX_WIDTH_PT` is laid out
top to bottom instead of left to right, then with every name scope collapsed (one box each,
labelled with its op count) either way, and only if it is still too wide is the narrowest of
them scaled to the page's width. The graphs it calls (If/While branches, function bodies)
follow under it, each with its title, so a saved notebook shows them too. `describe(payload)` is the text: inputs,
outputs, op types, top-level scopes and bodies.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter

from .dot import assemble_dot, drawn_nodes, layout_model, parse_tensor_name, scope_tree

__all__ = ["MAX_WIDTH_PT", "describe", "fit_page", "readable_svg", "static_svg"]

# Wider than this (points; a notebook column is about 700 pt) a drawing is laid out again.
MAX_WIDTH_PT = 1000.0
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_INPUTS = ("Placeholder", "PlaceholderWithDefault")


def _size(svg: str) -> tuple[float, float]:
    m = _SIZE.search(svg)
    return (float(m.group(1)), float(m.group(2))) if m else (MAX_WIDTH_PT, 100.0)


def _collapsed_everything(model: dict) -> list[int]:
    """Every box collapsed: scopes of two ops or more, variables, fused steps."""
    return [k for k, b in enumerate(model["boxes"]) if b["kind"] != "scope" or b["ops"] >= 2]


def _attempts(model: dict):
    """DOT texts to try, most faithful first: as the view starts, top to bottom, then both
    with every scope collapsed."""
    top_down = dict(model, header=model["header"].replace("rankdir=LR", "rankdir=TB"))
    yield assemble_dot(model)
    yield assemble_dot(top_down)
    everything = _collapsed_everything(model)
    if set(everything) != set(model["collapsed"]):
        yield assemble_dot(model, everything)
        yield assemble_dot(top_down, everything)


def _readable(payload: dict, pipe, deadline: float = math.inf) -> str | None:
    """The first drawing of `_attempts` no wider than `MAX_WIDTH_PT`, else the narrowest.

    Another layout is tried only before `deadline` (`time.monotonic()`), and a failed one
    leaves the narrowest so far; None only when the first drawing fails."""
    model = payload.get("layout") or layout_model(payload)
    best = None
    for dot in _attempts(model):
        if best is not None and time.monotonic() > deadline:
            break
        svg = pipe(dot)
        if svg is None:
            break
        if _size(svg)[0] <= MAX_WIDTH_PT:
            return svg
        if best is None or _size(svg)[0] < _size(best)[0]:
            best = svg
    return best


def fit_page(svg: str) -> str:
    """`svg` as it is when no wider than `MAX_WIDTH_PT`, else scaled to the page's width
    (its viewBox keeps the proportions)."""
    width = _size(svg)[0]
    if width <= MAX_WIDTH_PT:
        return svg
    return _SIZE.sub(f'<svg width="100%" style="max-width: {width:g}pt"', svg, count=1)


def readable_svg(payload: dict, pipe) -> str | None:
    """The drawing of `payload` that fits a page best (`_attempts`), scaled to the page's
    width if none fits (`pipe(dot)` draws DOT as SVG text, or None)."""
    svg = _readable(payload, pipe)
    return None if svg is None else fit_page(svg)


def _body(svg: str, x: float, y: float) -> str:
    """`svg` nested at (x, y), its size in the outer drawing's units (points)."""
    w, h = _size(svg)
    return _SIZE.sub(f'<svg x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}"',
                     svg[svg.index("<svg"):], count=1)


def _flatten(payload: dict, prefix: str = "") -> list[tuple[str, dict]]:
    out = [(prefix, payload)]
    for name, sub in payload.get("subgraphs", {}).items():
        out += _flatten(sub, f"{prefix} \u203a {name}" if prefix else name)
    return out


def _title(x: float, y: float, text: str) -> str:
    from ._display import svg_text

    return svg_text(x, y, text, 13, font_weight="bold")


def stack(drawings: list[tuple[str, str]]) -> str:
    """One SVG of Graphviz drawings (title, svg text) one under the other."""
    parts, y, width = [], 0.0, 0.0
    for title, svg in drawings:
        if title:
            y += 20
            parts.append(_title(4, y - 5, title))
        parts.append(_body(svg, 0, y))
        w, h = _size(svg)
        y += h + 8
        width = max(width, w)
    return (f'<svg width="{width:g}pt" height="{y:g}pt" viewBox="0 0 {width:g} {y:g}" '
            'xmlns="http://www.w3.org/2000/svg">' + "".join(parts) + "</svg>")


def static_svg(payload: dict, pipe, max_nodes: int, budget_s: float = math.inf) -> str | None:
    """The readable drawing of `payload` and of each graph it calls, stacked (None when
    Graphviz cannot draw or more than `max_nodes` nodes would be drawn in all).

    Layouts other than the first of each graph are tried within `budget_s` seconds in all,
    so a slow Graphviz costs at most about twice the budget."""
    graphs = _flatten(payload)
    if sum(drawn_nodes(g) for _, g in graphs) > max_nodes:
        return None
    deadline = time.monotonic() + budget_s
    drawings = []
    for name, graph in graphs:
        if not graph["nodes"]:
            continue
        svg = _readable(graph, pipe, deadline)
        if svg is None:
            return None
        drawings.append((name, svg))
    if not drawings:
        return None
    return fit_page(drawings[0][1] if len(drawings) == 1 else stack(drawings))


# --- text ---------------------------------------------------------------------------------


def _tensor_text(node: dict) -> str:
    from .dot import output_text

    outs = node["outputs"]
    return f"{node['id']} {output_text(outs[0])}" if outs else node["id"]


def _listed(items: list[str], limit: int = 6) -> str:
    more = f", and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def describe(payload: dict) -> list[str]:
    """Lines saying what the graph is: inputs, outputs, op types, scopes, bodies."""
    nodes = payload["nodes"]
    used = {parse_tensor_name(t)[0] for n in nodes for t in n["inputs"]}
    used |= {c.lstrip("^") for n in nodes for c in n["control_inputs"]}
    lines = []
    inputs = [_tensor_text(n) for n in nodes if n["type"] in _INPUTS]
    if inputs:
        lines.append(f"inputs: {_listed(inputs)}")
    outputs = [_tensor_text(n) for n in nodes if n["id"] not in used and n["type"] not in _INPUTS]
    if outputs:
        lines.append(f"results (read by no op): {_listed(outputs)}")
    types = Counter(n["type"] for n in nodes).most_common()
    if types:
        lines.append("op types: " + _listed([f"{t} x{c}" for t, c in types], 8))
    top = [t for t in scope_tree(payload)["children"].values() if t["kind"] == "scope"]
    if top:
        lines.append("top-level scopes: " + _listed([f"{t['path']} ({t['ops']} ops)"
                                                      for t in top], 8))
    subs = payload.get("subgraphs", {})
    if subs:
        lines.append("graphs it calls: " + _listed([f"{k} ({len(v['nodes'])} ops)"
                                                     for k, v in subs.items()]))
    return lines
