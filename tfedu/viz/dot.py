"""Graph payload -> Graphviz DOT, the Python twin of `lab_extension/src/dot.ts`.

Used for the static `image/svg+xml` fallback (notebook viewers without the lab extension).
Escaping, labels, colours and clusters follow the TypeScript version so both drawings agree.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["graph_to_dot", "dot_string", "shape_text", "type_colour", "fnv1a"]

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


def _scope_tree(scopes: list[str]) -> dict[str, Any]:
    root: dict[str, Any] = {"name": "", "nodes": [], "children": {}}
    for i, scope in enumerate(scopes):
        t = root
        if scope:
            for part in scope.split("/"):
                t = t["children"].setdefault(part, {"name": part, "nodes": [], "children": {}})
        t["nodes"].append(i)
    return root


def graph_to_dot(graph: dict, rankdir: str = "LR") -> str:
    """Graphviz DOT for a graph payload: scopes as clusters, edges labelled shape + dtype."""
    nodes = graph["nodes"]
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
    clusters = 0

    def emit(tree: dict, indent: str) -> None:
        nonlocal clusters
        for child in tree["children"].values():
            lines.append(f"{indent}subgraph cluster_{clusters} {{")
            clusters += 1
            lines.append(
                f"{indent}  label={dot_string(truncate(child['name']))}; "
                'style="rounded,dashed"; color="#9ca3af"; fontcolor="#4b5563";'
            )
            emit(child, indent + "  ")
            lines.append(f"{indent}}}")
        for i in tree["nodes"]:
            node = nodes[i]
            lines.append(
                f"{indent}n{i} [label={dot_string(node_label(node, scopes[i]))}, "
                f'fillcolor="{type_colour(node["type"])}"];'
            )

    emit(_scope_tree(scopes), "  ")

    external: dict[str, str] = {}

    def external_id(name: str) -> str:
        if name not in external:
            external[name] = f"x{len(external)}"
            lines.append(
                f"  {external[name]} [label={dot_string(truncate(name))}, shape=box, "
                f'style="dashed", fillcolor="{EXTERNAL_COLOUR}"];'
            )
        return external[name]

    for i, node in enumerate(nodes):
        for name in node["inputs"]:
            op_name, k = parse_tensor_name(name)
            src = index.get(op_name)
            if src is None:
                lines.append(f"  {external_id(name)} -> n{i};")
                continue
            outputs = nodes[src]["outputs"]
            label = output_text(outputs[k]) if k < len(outputs) else "?"
            if len(outputs) > 1:
                label = f":{k} {label}"
            lines.append(f"  n{src} -> n{i} [label={dot_string(label)}];")
        for ctrl in node["control_inputs"]:
            src = index.get(ctrl[1:] if ctrl.startswith("^") else ctrl)
            start = external_id(ctrl) if src is None else f"n{src}"
            lines.append(f"  {start} -> n{i} [style=dashed, arrowhead=odot];")
    lines.append("}")
    return "\n".join(lines) + "\n"
