"""Graph payload -> Graphviz DOT, the Python twin of `lab_extension/src/dot.ts`.

Used for the static `image/svg+xml` fallback (notebook viewers without the lab extension).
Both write byte-identical DOT (tests/viz/test_lab_extension.py checks it), including the
large-graph policy: a graph of more than `COLLAPSE_ABOVE_OPS` ops starts with its name
scopes collapsed to one node each, and past `LABELLED_EDGES_MAX_NODES` drawn nodes edge
labels become tooltips (Graphviz lays labels out as nodes: a 2,000-op chain takes 6 s with
them, 0.5 s without).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "default_collapsed", "dot_string", "drawn_nodes", "fnv1a", "graph_to_dot", "scope_paths", "scope_tree",
    "shape_text", "type_colour",
]

MAX_LABEL_CHARS = 48

TYPE_COLOURS = {
    "Placeholder": "#fde68a",
    "PlaceholderWithDefault": "#fde68a",
    "Const": "#e5e7eb",
    "VarHandleOp": "#bbf7d0",
    "VariableV2": "#bbf7d0",
    "ReadVariableOp": "#bbf7d0",
    "AssignVariableOp": "#86efac",
    "AssignAddVariableOp": "#86efac",
    "AssignSubVariableOp": "#86efac",
    "MatMul": "#bfdbfe",
    "BatchMatMulV2": "#bfdbfe",
    "Conv2D": "#bfdbfe",
    "NoOp": "#f3f4f6",
    "Identity": "#f5f5f4",
}

PALETTE = [
    "#fecaca", "#fed7aa", "#d9f99d", "#a7f3d0", "#a5f3fc",
    "#c7d2fe", "#ddd6fe", "#f5d0fe", "#fbcfe8", "#e7e5e4",
]

EXTERNAL_COLOUR = "#ffffff"

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_TENSOR_NAME = re.compile(r"^(.*):(\d+)$")


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units (matches the TypeScript hash)."""
    h = 0x811C9DC5
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def type_colour(op_type: str) -> str:
    return TYPE_COLOURS.get(op_type) or PALETTE[fnv1a(op_type) % len(PALETTE)]


def clean_text(text: str) -> str:
    """Replace characters that XML cannot hold with U+FFFD."""
    return _BAD_XML.sub("\ufffd", text)


def truncate(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def dot_string(text: str) -> str:
    """A DOT quoted string whose Graphviz label text is exactly `text`."""
    body = clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    body = body.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return '"' + body.replace("\n", "\\n") + '"'


def shape_text(shape: list | None) -> str:
    """A static shape as TensorFlow prints it: `(2, 3)`, `(None,)`, `()`, `<unknown>`."""
    if shape is None:
        return "<unknown>"
    dims = ["None" if d is None else str(d) for d in shape]
    return f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(dims) + ")"


def output_text(output: dict) -> str:
    return f"{shape_text(output['shape'])} {output['dtype']}"


def parse_tensor_name(name: str) -> tuple[str, int]:
    m = _TENSOR_NAME.match(name)
    return (m.group(1), int(m.group(2))) if m else (name, 0)


def local_name(node: dict, scope: str | None = None) -> str:
    scope = node["scope"] if scope is None else scope
    if scope and node["id"].startswith(scope + "/"):
        return node["id"][len(scope) + 1:]
    return node["id"]


def node_label(node: dict, scope: str | None = None) -> str:
    return f"{truncate(local_name(node, scope))}\n{truncate(node['type'])}"


def display_scopes(nodes: list[dict]) -> list[str]:
    """The cluster of each node; helpers in a scope named after an op sit beside that op."""
    ids = {n["id"] for n in nodes}
    out = []
    for node in nodes:
        scope = node["scope"]
        while scope and scope in ids:
            scope = scope.rpartition("/")[0]
        out.append(scope)
    return out


# A graph with more ops than this starts with its name scopes collapsed.
COLLAPSE_ABOVE_OPS = 200
# The smallest scope collapsed by default (a one-op scope gains nothing from it).
MIN_COLLAPSED_OPS = 2
# With more drawn nodes than this, edges carry no labels (shape and dtype move to the edge
# tooltip): Graphviz lays every edge label out as an extra node, most of the layout time.
LABELLED_EDGES_MAX_NODES = 200
# Past that many drawn nodes, network simplex for node placement stops after 0.2 x nodes
# iterations: 25-50 % less layout time on 2,000-node graphs, slightly less straight edges.
LARGE_GRAPH_ATTRS = "nslimit=0.2"

SCOPE_COLOUR = "#e0e7ff"
SCOPE_BORDER = "#4f46e5"


def scope_tree(graph: dict) -> dict[str, Any]:
    """The scope tree of `graph` (display scopes), scopes numbered in pre-order.

    Each scope is a dict: name, path, index (position in `scope_paths`, -1 for the root),
    nodes (its own op indices), children (by name, in first-seen order), ops (all ops below).
    """
    root: dict[str, Any] = {"name": "", "path": "", "index": -1, "nodes": [], "children": {}, "ops": 0}
    for i, scope in enumerate(display_scopes(graph["nodes"])):
        t = root
        if scope:
            for part in scope.split("/"):
                child = t["children"].get(part)
                if child is None:
                    path = f"{t['path']}/{part}" if t["path"] else part
                    child = {"name": part, "path": path, "index": -1, "nodes": [], "children": {},
                             "ops": 0}
                    t["children"][part] = child
                t = child
        t["nodes"].append(i)
    counter = 0

    def number(t: dict) -> int:
        nonlocal counter
        for child in t["children"].values():
            child["index"] = counter
            counter += 1
            t["ops"] += number(child)
        t["ops"] += len(t["nodes"])
        return t["ops"]

    number(root)
    return root


def _walk(tree: dict):
    for child in tree["children"].values():
        yield child
        yield from _walk(child)


def scope_paths(graph: dict) -> list[str]:
    """Every scope path of `graph` in `scope_tree` order (cluster k is scope k)."""
    return [t["path"] for t in _walk(scope_tree(graph))]


def default_collapsed(graph: dict) -> list[str]:
    """Scopes drawn collapsed unless asked otherwise: in a graph of more than
    `COLLAPSE_ABOVE_OPS` ops, every scope of at least `MIN_COLLAPSED_OPS` ops."""
    if len(graph["nodes"]) <= COLLAPSE_ABOVE_OPS:
        return []
    return [t["path"] for t in _walk(scope_tree(graph)) if t["ops"] >= MIN_COLLAPSED_OPS]


def drawn_nodes(graph: dict, collapsed: Iterable[str] | None = None) -> int:
    """How many nodes `graph_to_dot` draws: ops outside collapsed scopes, one per collapsed
    scope (external inputs not counted)."""
    collapsed = set(default_collapsed(graph) if collapsed is None else collapsed)

    def count(t: dict) -> int:
        n = len(t["nodes"])
        for child in t["children"].values():
            n += 1 if child["path"] in collapsed else count(child)
        return n

    return count(scope_tree(graph))


def _ops_text(n: int) -> str:
    return "1 op" if n == 1 else f"{n} ops"


def graph_to_dot(graph: dict, rankdir: str = "LR", collapsed: Iterable[str] | None = None) -> str:
    """Graphviz DOT for a graph payload: scopes as clusters, edges labelled shape + dtype.

    Collapsed scopes (by default all scopes of a graph of more than `COLLAPSE_ABOVE_OPS` ops)
    are one node each showing their op count, their edges merged per neighbour; with more
    than `LABELLED_EDGES_MAX_NODES` nodes drawn, edge labels become tooltips and
    `LARGE_GRAPH_ATTRS` speed the layout up.
    """
    nodes = graph["nodes"]
    collapsed = set(default_collapsed(graph) if collapsed is None else collapsed)
    index = {n["id"]: i for i, n in enumerate(nodes)}
    font = "Helvetica,Arial,sans-serif"
    lines = [
        "digraph tfedu {",
        f'  graph [rankdir={rankdir}, bgcolor="transparent", fontname="{font}", fontsize=10, '
        "nodesep=0.25, ranksep=0.45, labeljust=l];",
        f'  node [shape=box, style="rounded,filled", fontname="{font}", fontsize=10, '
        'color="#4b5563", penwidth=1, margin="0.12,0.05"];',
        f'  edge [fontname="{font}", fontsize=8, color="#6b7280", fontcolor="#374151", '
        "arrowsize=0.6];",
    ]
    scopes = display_scopes(nodes)
    tree = scope_tree(graph)
    owner = [f"n{i}" for i in range(len(nodes))]  # where each op is drawn
    drawn = 0

    def assign(t: dict, drawn_as: str | None) -> None:
        nonlocal drawn
        for child in t["children"].values():
            inner = drawn_as
            if inner is None and child["path"] in collapsed:
                inner = f"s{child['index']}"
                drawn += 1
            assign(child, inner)
        for i in t["nodes"]:
            if drawn_as is not None:
                owner[i] = drawn_as
            else:
                drawn += 1

    assign(tree, None)
    labelled = drawn <= LABELLED_EDGES_MAX_NODES
    if not labelled:
        lines.append(f"  graph [{LARGE_GRAPH_ATTRS}];")

    def emit(t: dict, indent: str) -> None:
        for child in t["children"].values():
            k = child["index"]
            if child["path"] in collapsed:
                label = dot_string(f"{truncate(child['name'])}\n{_ops_text(child['ops'])}")
                tooltip = dot_string(f"{child['path']}: {_ops_text(child['ops'])}")
                lines.append(
                    f"{indent}s{k} [label={label}, tooltip={tooltip}, shape=box3d, "
                    f'style="filled", color="{SCOPE_BORDER}", fillcolor="{SCOPE_COLOUR}"];'
                )
                continue
            lines.append(f"{indent}subgraph cluster_{k} {{")
            lines.append(
                f"{indent}  label={dot_string(truncate(child['name']))}; "
                'style="rounded,dashed"; color="#9ca3af"; fontcolor="#4b5563";'
            )
            emit(child, indent + "  ")
            lines.append(f"{indent}}}")
        for i in t["nodes"]:
            node = nodes[i]
            lines.append(
                f"{indent}n{i} [label={dot_string(node_label(node, scopes[i]))}, "
                f'fillcolor="{type_colour(node["type"])}"];'
            )

    emit(tree, "  ")

    external: dict[str, str] = {}

    def external_id(name: str) -> str:
        if name not in external:
            external[name] = f"x{len(external)}"
            lines.append(
                f"  {external[name]} [label={dot_string(truncate(name))}, shape=box, "
                f'style="dashed", fillcolor="{EXTERNAL_COLOUR}"];'
            )
        return external[name]

    def edge_text(text: str) -> str:
        return f" [{'label' if labelled else 'tooltip'}={dot_string(text)}]"

    # Edges touching a collapsed scope are merged: one per pair of drawn ends and kind, written
    # where the first was met, labelled with its tensor (or how many tensors it carries).
    merged: dict[tuple[str, str, str], dict] = {}

    def merged_edge(start: str, end: str, tensor: str | None, text: str | None) -> None:
        if start == end:
            return  # inside one collapsed scope
        key = (start, end, "ctrl" if tensor is None else "data")
        edge = merged.get(key)
        if edge is None:
            merged[key] = {"line": len(lines), "tensors": [] if tensor is None else [tensor],
                           "text": text}
            lines.append(f"  {start} -> {end}")
        elif tensor is not None and tensor not in edge["tensors"]:
            edge["tensors"].append(tensor)

    for i, node in enumerate(nodes):
        end = owner[i]
        for name in node["inputs"]:
            op_name, k = parse_tensor_name(name)
            src = index.get(op_name)
            if src is None:
                start = external_id(name)
                if end == f"n{i}":
                    lines.append(f"  {start} -> {end};")
                else:
                    merged_edge(start, end, name, None)
                continue
            outputs = nodes[src]["outputs"]
            label = output_text(outputs[k]) if k < len(outputs) else "?"
            if len(outputs) > 1:
                label = f":{k} {label}"
            start = owner[src]
            if start == f"n{src}" and end == f"n{i}":
                lines.append(f"  {start} -> {end}{edge_text(label)};")
            else:
                merged_edge(start, end, f"{op_name}:{k}", label)
        for ctrl in node["control_inputs"]:
            src = index.get(ctrl[1:] if ctrl.startswith("^") else ctrl)
            start = external_id(ctrl) if src is None else owner[src]
            if end == f"n{i}" and (src is None or start == f"n{src}"):
                lines.append(f"  {start} -> {end} [style=dashed, arrowhead=odot];")
            else:
                merged_edge(start, end, None, None)
    for (_, _, kind), edge in merged.items():
        if kind == "ctrl":
            lines[edge["line"]] += " [style=dashed, arrowhead=odot];"
        elif edge["text"] is None:
            lines[edge["line"]] += ";"  # from an external input
        else:
            count = len(edge["tensors"])
            lines[edge["line"]] += edge_text(edge["text"] if count == 1 else f"{count} tensors") + ";"
    lines.append("}")
    return "\n".join(lines) + "\n"
