"""Graph payload -> layout model -> Graphviz DOT: the one place where a drawing is decided.

`layout_model(payload)` decides everything about a graph's drawing: each op's label and
colour (by the op registry's `group`, see `GROUP_COLOURS`), the boxes ops sit in (name
scopes, a variable's handle with its reads, the ops a fused step replaced), which boxes
start collapsed, and every edge's label. The payload carries that model (`"layout"`); the
lab extension only assembles DOT from it for the boxes a student has opened
(`lab_extension/src/layout.ts` follows `assemble_dot` here line for line, tested equal),
and the static SVG fallback assembles the starting drawing with the same function.

Policy for big graphs: a graph of more than `COLLAPSE_ABOVE_OPS` ops starts with its name
scopes collapsed to one node each, and past `LABELLED_EDGES_MAX_NODES` drawn nodes edge
labels become tooltips (Graphviz lays labels out as nodes: a 2,000-op chain takes 6 s with
them, 0.5 s without).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "GROUP_COLOURS", "assemble_dot", "default_collapsed", "dot_string", "drawn_nodes",
    "graph_to_dot", "layout_model", "op_colour", "op_group", "output_text", "scope_paths",
    "scope_tree", "shape_text",
]

MAX_LABEL_CHARS = 48

# Fill colour of each op group (`OpDef.group`, one of `tfedu.framework.registry.GROUPS`):
# the only colour table of the views. Fused steps (not registry ops) have their own.
GROUP_COLOURS = {
    "input": "#fde68a",
    "const": "#e5e7eb",
    "variable": "#bbf7d0",
    "math": "#ddd6fe",
    "linalg": "#bfdbfe",
    "nn": "#fed7aa",
    "array": "#a5f3fc",
    "random": "#fecaca",
    "control": "#f3f4f6",
    "string": "#d9f99d",
    "io": "#fef9c3",
    "training": "#86efac",
    "debug": "#fbcfe8",
    "distribute": "#c7d2fe",
    "fused": "#fdba74",
}
OTHER_COLOUR = "#e7e5e4"
EXTERNAL_COLOUR = "#ffffff"
SCOPE_COLOUR = "#e0e7ff"
SCOPE_BORDER = "#4f46e5"
FUSED_BORDER = "#c2410c"

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_TENSOR_NAME = re.compile(r"^(.*):(\d+)$")


def op_group(op_type: str) -> str | None:
    """The viewer group the op registry declares for an op type (None: not a registry op,
    such as a fused step)."""
    from tfedu.framework.registry import OPS

    opdef = OPS.get(op_type)
    return getattr(opdef, "group", None) or ("fused" if op_type.startswith("_Fused") else None)


def op_colour(op_type: str) -> str:
    """The fill colour an op of this type is drawn with (by its group)."""
    return GROUP_COLOURS.get(op_group(op_type) or "", OTHER_COLOUR)


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
    """`name\\ntype`, or the name alone when it already says the type (`MatMul`, `Relu_1`)."""
    name = local_name(node, scope)
    if re.fullmatch(re.escape(node["type"]) + r"(_\d+)?", name):
        return truncate(name)
    return f"{truncate(name)}\n{truncate(node['type'])}"


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

_FONT = "Helvetica,Arial,sans-serif"
HEADER = (
    "digraph tfedu {\n"
    f'  graph [rankdir=LR, bgcolor="transparent", fontname="{_FONT}", fontsize=10, '
    "nodesep=0.25, ranksep=0.45, labeljust=l];\n"
    f'  node [shape=box, style="rounded,filled", fontname="{_FONT}", fontsize=10, '
    'color="#4b5563", penwidth=1, margin="0.12,0.05"];\n'
    f'  edge [fontname="{_FONT}", fontsize=8, color="#6b7280", fontcolor="#374151", '
    "arrowsize=0.6];\n"
)
_VARIABLE_HANDLES = ("VarHandleOp", "VariableV2")


def _ops_text(n: int) -> str:
    return "1 op" if n == 1 else f"{n} ops"


# --- boxes: name scopes, variables with their reads, fused steps ----------------------------


def _variable_boxes(nodes: list[dict]) -> list[dict]:
    """A box per variable handle read by `ReadVariableOp`s: the handle and its reads."""
    index = {n["id"]: i for i, n in enumerate(nodes)}
    boxes: dict[int, dict] = {}
    for i, n in enumerate(nodes):
        if n["type"] != "ReadVariableOp" or len(n["inputs"]) != 1 or n["control_inputs"]:
            continue
        h = index.get(parse_tensor_name(n["inputs"][0])[0])
        if h is None:
            continue
        handle = nodes[h]
        resource = [o["dtype"] for o in handle["outputs"]] == ["resource"]
        if handle["type"] in _VARIABLE_HANDLES or (handle["type"] == "Placeholder" and resource):
            name = handle["attrs"].get("variable") or handle["attrs"].get("shared_name")
            boxes.setdefault(h, {"kind": "variable", "name": name or handle["id"],
                                 "members": [h]})["members"].append(i)
    return list(boxes.values())


def _fused_boxes(nodes: list[dict]) -> list[dict]:
    """A box per fused step (ops marked `_fused_into`): the ops the fused kernel replaced."""
    boxes: dict[str, dict] = {}
    for i, n in enumerate(nodes):
        step = n["attrs"].get("_fused_into")
        if step:
            boxes.setdefault(step, {"kind": "fused", "name": step, "members": []})[
                "members"].append(i)
    return list(boxes.values())


def _new_box(name: str, path: str, kind: str = "scope") -> dict:
    return {"name": name, "path": path, "kind": kind, "index": -1, "nodes": [],
            "children": {}, "ops": 0, "label": None}


def _place(root: dict, scope: str, key: str | None = None, box: dict | None = None) -> dict:
    """The tree node for name scope `scope` (created on the way), or box `key` inside it."""
    t = root
    for part in scope.split("/") if scope else []:
        if part not in t["children"]:
            path = f"{t['path']}/{part}" if t["path"] else part
            t["children"][part] = _new_box(part, path)
        t = t["children"][part]
    if key is None:
        return t
    if key not in t["children"]:
        kind, name = box["kind"], box["name"]
        path = f"{t['path']}/{name} ({kind})" if t["path"] else f"{name} ({kind})"
        t["children"][key] = _new_box(name, path, kind)
    return t["children"][key]


def scope_tree(graph: dict) -> dict[str, Any]:
    """The box tree of `graph`, boxes numbered in pre-order (box k is `cluster_k` / `s<k>`).

    Each box is a dict: name, path, kind ("scope", "variable" or "fused"), index (-1 for the
    root), nodes (its own op indices), children (in first-seen order), ops (all ops below).
    """
    nodes = graph["nodes"]
    scopes = display_scopes(nodes)
    owner: dict[int, tuple[str, dict, str]] = {}
    for j, box in enumerate(_variable_boxes(nodes) + _fused_boxes(nodes)):
        for i in box["members"]:
            owner.setdefault(i, (f"\x00{j}", box, scopes[box["members"][0]]))
    root = _new_box("", "")
    for i in range(len(nodes)):
        key, box, scope = owner.get(i, (None, None, scopes[i]))
        _place(root, scope, key, box)["nodes"].append(i)
    _number(root, [0])
    return root


def _number(t: dict, counter: list) -> int:
    for child in t["children"].values():
        child["index"] = counter[0]
        counter[0] += 1
        t["ops"] += _number(child, counter)
    t["ops"] += len(t["nodes"])
    return t["ops"]


def _walk(tree: dict):
    for child in tree["children"].values():
        yield child
        yield from _walk(child)


def scope_paths(graph: dict) -> list[str]:
    """Every box path of `graph` in `scope_tree` order (cluster k is box k)."""
    return [t["path"] for t in _walk(scope_tree(graph))]


def _collapsed_at_start(t: dict, ops: int) -> bool:
    if t["kind"] != "scope":
        return True
    return ops > COLLAPSE_ABOVE_OPS and t["ops"] >= MIN_COLLAPSED_OPS


def default_collapsed(graph: dict) -> list[str]:
    """Boxes drawn collapsed unless asked otherwise: variables and fused steps always; in a
    graph of more than `COLLAPSE_ABOVE_OPS` ops, every scope of at least `MIN_COLLAPSED_OPS`."""
    ops = len(graph["nodes"])
    return [t["path"] for t in _walk(scope_tree(graph)) if _collapsed_at_start(t, ops)]


# --- the layout model ------------------------------------------------------------------------


def _box_texts(t: dict, nodes: list[dict]) -> dict:
    """A box's DOT attributes (as a cluster, as one collapsed node) and hover title."""
    name, n = truncate(t["name"]), t["ops"]
    cluster = (f"label={dot_string(name)}; style=\"rounded,dashed\"; color=\"#9ca3af\"; "
               'fontcolor="#4b5563";')
    if t["kind"] == "variable":
        reads = n - 1
        text = f"{name}\nvariable" + (f" \u00b7 {reads} reads" if reads > 1 else "")
        title = f"variable {t['name']}: its handle and {reads} read{'s' * (reads != 1)}"
        style = (f'shape=cylinder, style="filled", color="#15803d", '
                 f'fillcolor="{GROUP_COLOURS["variable"]}"')
    elif t["kind"] == "fused":
        text = f"{name}\nfused \u00b7 {_ops_text(n)}"
        title = f"{t['name']}: one fused step for {_ops_text(n)}"
        style = (f'shape=box3d, style="filled", color="{FUSED_BORDER}", '
                 f'fillcolor="{GROUP_COLOURS["fused"]}"')
    else:
        text, title = f"{name}\n{_ops_text(n)}", f"{t['path']}: {_ops_text(n)}"
        style = f'shape=box3d, style="filled", color="{SCOPE_BORDER}", fillcolor="{SCOPE_COLOUR}"'
    node = f"label={dot_string(text)}, tooltip={dot_string(title)}, {style}"
    return {"cluster": cluster, "node": node, "title": title}


def _edges(nodes: list[dict], index: dict) -> tuple[list, list[str]]:
    """Edges as [from, to, tensor key or None, quoted label or None] in DOT order; `from` is
    an op index, or -1 - k for external input k (inputs from outside this graph)."""
    external: dict[str, int] = {}
    edges = []

    def ext(name: str) -> int:
        return -1 - external.setdefault(name, len(external))

    for i, node in enumerate(nodes):
        for name in node["inputs"]:
            op_name, k = parse_tensor_name(name)
            src = index.get(op_name)
            if src is None:
                edges.append([ext(name), i, name, None])
                continue
            outputs = nodes[src]["outputs"]
            label = output_text(outputs[k]) if k < len(outputs) else "?"
            label = f":{k} {label}" if len(outputs) > 1 else label
            edges.append([src, i, f"{src}:{k}", dot_string(label)])
        for ctrl in node["control_inputs"]:
            src = index.get(ctrl[1:] if ctrl.startswith("^") else ctrl)
            edges.append([ext(ctrl) if src is None else src, i, None, None])
    labels = [f"label={dot_string(truncate(name))}, shape=box, style=\"dashed\", "
              f'fillcolor="{EXTERNAL_COLOUR}"' for name in external]
    return edges, labels


def _op_entry(node: dict, scope: str) -> dict:
    return {
        "stmt": f"label={dot_string(node_label(node, scope))}, "
                f'fillcolor="{op_colour(node["type"])}"',
        "outs": [output_text(o) for o in node["outputs"]],
    }


def layout_model(graph: dict) -> dict:
    """The drawing of `graph` (a payload's nodes) as plain data, ready to assemble into DOT.

    `ops[i]`: DOT attributes of op i and its outputs' texts; `boxes`: in pre-order, each
    with its parent box (-1: top level), own ops, kind, DOT attributes as a cluster and as a
    collapsed node, hover title; `collapsed`: boxes drawn collapsed at first; `edges` and
    `externals` as `_edges` gives them; `labelled_max`: past that many drawn nodes, edge
    labels become tooltips and `large_attrs` apply.
    """
    nodes = graph["nodes"]
    scopes = display_scopes(nodes)
    tree = scope_tree(graph)
    boxes = []

    def visit(t: dict, parent: int) -> None:
        for child in t["children"].values():
            entry = {"path": child["path"], "kind": child["kind"], "parent": parent,
                     "ops": child["ops"], "nodes": child["nodes"],
                     **_box_texts(child, nodes)}
            boxes.append(entry)
            visit(child, child["index"])

    visit(tree, -1)
    edges, externals = _edges(nodes, {n["id"]: i for i, n in enumerate(nodes)})
    return {
        "header": HEADER, "large_attrs": f"  graph [{LARGE_GRAPH_ATTRS}];\n",
        "labelled_max": LABELLED_EDGES_MAX_NODES, "top": tree["nodes"],
        "ops": [_op_entry(n, s) for n, s in zip(nodes, scopes)],
        "boxes": boxes, "edges": edges, "externals": externals,
        "collapsed": [k for k, t in enumerate(_walk(tree))
                      if _collapsed_at_start(t, len(nodes))],
        "big": len(nodes) > COLLAPSE_ABOVE_OPS,
    }


# --- DOT from the model (lab_extension/src/layout.ts does the same) -------------------------


def _owners(model: dict, collapsed: set) -> tuple[list[str], int]:
    """Where each op is drawn (`n<i>`, or `s<k>` of the outermost collapsed box holding it)
    and how many nodes are drawn."""
    boxes = model["boxes"]
    owner = [f"n{i}" for i in range(len(model["ops"]))]
    drawn_as = [None] * len(boxes)
    drawn = len(model["top"])
    for k, box in enumerate(boxes):  # pre-order: a parent comes before its children
        outer = drawn_as[box["parent"]] if box["parent"] >= 0 else None
        drawn_as[k] = outer or (f"s{k}" if k in collapsed else None)
        if drawn_as[k] is None:
            drawn += len(box["nodes"])
        elif outer is None:
            drawn += 1
        for i in box["nodes"]:
            owner[i] = drawn_as[k] or owner[i]
    return owner, drawn


def _emit_boxes(model: dict, collapsed: set, lines: list[str]) -> None:
    boxes, ops = model["boxes"], model["ops"]
    children: list[list[int]] = [[] for _ in boxes]
    top = []
    for k, box in enumerate(boxes):
        (children[box["parent"]] if box["parent"] >= 0 else top).append(k)

    def emit(ks: list[int], own: list[int], indent: str) -> None:
        for k in ks:
            if k in collapsed:
                lines.append(f"{indent}s{k} [{boxes[k]['node']}];")
                continue
            lines.append(f"{indent}subgraph cluster_{k} {{")
            lines.append(f"{indent}  {boxes[k]['cluster']}")
            emit(children[k], boxes[k]["nodes"], indent + "  ")
            lines.append(f"{indent}}}")
        for i in own:
            lines.append(f"{indent}n{i} [{ops[i]['stmt']}];")

    emit(top, model["top"], "  ")


def _edge_lines(model: dict, owner: list[str], attr: str, lines: list[str]) -> None:
    """Append the edges: direct between drawn ops, merged where a collapsed box is an end."""
    merged: dict[tuple, dict] = {}
    for src, dst, tensor, label in model["edges"]:
        start = f"x{-1 - src}" if src < 0 else owner[src]
        end = owner[dst]
        if (src < 0 or start == f"n{src}") and end == f"n{dst}":
            if tensor is None:
                lines.append(f"  {start} -> {end} [style=dashed, arrowhead=odot];")
            else:
                lines.append(f"  {start} -> {end}{f' [{attr}={label}]' if label else ''};")
            continue
        if start == end:
            continue  # inside one collapsed box
        edge = merged.get((start, end, tensor is None))
        if edge is None:
            edge = merged[(start, end, tensor is None)] = {"line": len(lines), "tensors": [],
                                                           "label": label}
            lines.append(f"  {start} -> {end}")
        if tensor is not None and tensor not in edge["tensors"]:
            edge["tensors"].append(tensor)
    for (_, _, ctrl), edge in merged.items():
        if ctrl:
            lines[edge["line"]] += " [style=dashed, arrowhead=odot];"
        elif edge["label"] is None:
            lines[edge["line"]] += ";"  # from an external input
        else:
            n = len(edge["tensors"])
            text = edge["label"] if n == 1 else dot_string(f"{n} tensors")
            lines[edge["line"]] += f" [{attr}={text}];"


def assemble_dot(model: dict, collapsed: Iterable[int] | None = None) -> str:
    """Graphviz DOT for a layout model with the boxes `collapsed` (default: the model's).

    A collapsed box is one node; edges touching it are merged into one per neighbour and
    kind, labelled with their tensor or how many tensors they carry.
    """
    collapsed = set(model["collapsed"] if collapsed is None else collapsed)
    owner, drawn = _owners(model, collapsed)
    labelled = drawn <= model["labelled_max"]
    lines = [model["header"].rstrip("\n")]
    if not labelled:
        lines.append(model["large_attrs"].rstrip("\n"))
    _emit_boxes(model, collapsed, lines)
    lines += [f"  x{k} [{stmt}];" for k, stmt in enumerate(model["externals"])]
    _edge_lines(model, owner, "label" if labelled else "tooltip", lines)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _indices(graph: dict, paths: Iterable[str]) -> list[int]:
    wanted = set(paths)
    return [k for k, p in enumerate(scope_paths(graph)) if p in wanted]


def graph_to_dot(graph: dict, collapsed: Iterable[str] | None = None) -> str:
    """Graphviz DOT for a graph payload, with the boxes whose paths are in `collapsed`
    collapsed (default: `default_collapsed`)."""
    model = graph.get("layout") or layout_model(graph)
    return assemble_dot(model, None if collapsed is None else _indices(graph, collapsed))


def drawn_nodes(graph: dict, collapsed: Iterable[str] | None = None) -> int:
    """How many nodes `graph_to_dot` draws: ops outside collapsed boxes, one per collapsed
    box (external inputs not counted)."""
    model = graph.get("layout") or layout_model(graph)
    indices = model["collapsed"] if collapsed is None else _indices(graph, collapsed)
    return _owners(model, set(indices))[1]
