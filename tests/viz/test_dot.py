"""Python DOT generation (the static SVG fallback) and its parity with the TypeScript view."""

from __future__ import annotations

import re
import shutil

import pytest

from tfedu.viz.dot import (
    GROUP_COLOURS,
    OTHER_COLOUR,
    display_scopes,
    dot_string,
    graph_to_dot,
    local_name,
    node_label,
    op_colour,
    op_group,
    shape_text,
    truncate,
)

EVIL = "<img src=x onerror=alert(1)>"


def node(id_, type_, **extra):
    base = {
        "id": id_, "type": type_, "scope": id_.rpartition("/")[0], "attrs": {}, "inputs": [],
        "control_inputs": [], "outputs": [{"shape": [2, 3], "dtype": "float32"}],
        "source": None, "value": None,
    }
    base.update(extra)
    return base


def graph(nodes):
    return {"version": 2, "kind": "graph", "title": "g", "nodes": nodes, "subgraphs": {}}


SAMPLE = graph([
    node("x", "Placeholder", outputs=[{"shape": [None, 3], "dtype": "float32"}]),
    node("layer/w", "Const"),
    node("layer/inner/Add/y", "Const", outputs=[{"shape": [], "dtype": "float32"}]),
    node("layer/inner/Add", "AddV2", inputs=["x:0", "layer/inner/Add/y:0"]),
    node("split", "Split", inputs=["layer/inner/Add:0"], outputs=[
        {"shape": [1], "dtype": "int32"}, {"shape": None, "dtype": "int32"}]),
    node(EVIL, 'Op"\\N&amp;', inputs=["split:1", "outer/cap:0"], control_inputs=["x"]),
    node("s\\\"q/t\n2", "Zz\x00\ud800", scope="s\\\"q"),
    node("x" * 80, "SomeOpType", control_inputs=["^gone"]),
])


def _label_text(quoted: str) -> str:
    """How Graphviz reads a quoted label: backslash escapes, then HTML entities."""
    body = quoted[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        assert c != '"', quoted
        if c == "\\":
            i += 1
            out.append("\n" if body[i] == "n" else body[i])
        else:
            out.append(c)
        i += 1
    text = "".join(out)
    assert not re.search(r"&(?!amp;)", text), quoted
    return text.replace("&amp;", "&")


def test_dot_string_round_trips():
    for s in ["plain", 'a "q"', "b\\N\\l\\", EVIL, "&lt; &amp;", "two\nlines", "数据 🙂"]:
        assert _label_text(dot_string(s)) == s
    assert dot_string("a\x00b\ud800") == '"a\ufffdb\ufffd"'
    assert dot_string("a\r\nb") == '"a\\nb"'


def test_helpers():
    assert shape_text([None, 3]) == "(None, 3)" and shape_text([5]) == "(5,)"
    assert shape_text([]) == "()" and shape_text(None) == "<unknown>"
    assert truncate("abcdef", 5) == "abcd\u2026" and truncate("abc", 5) == "abc"
    assert op_colour("AnythingElse") == OTHER_COLOUR
    assert local_name(node("a/b/c", "X")) == "c" and local_name(node("a/b/c", "X"), "a") == "b/c"
    assert display_scopes(SAMPLE["nodes"])[2] == "layer/inner"


def test_colours_come_from_the_op_groups():
    from tfedu.framework.registry import GROUPS, OPS

    assert set(GROUPS) <= set(GROUP_COLOURS)  # every group the registry knows has a colour
    assert op_group("Relu") == "nn" and op_colour("Relu") == GROUP_COLOURS["nn"]
    assert op_group("Placeholder") == "input" and op_group("ReadVariableOp") == "variable"
    assert op_colour("_FusedNotARegistryOp") == GROUP_COLOURS["fused"]
    assert all(op_colour(t) != OTHER_COLOUR for t, opdef in OPS.items() if opdef.group)


def test_labels_do_not_repeat_the_type():
    assert node_label(node("MatMul", "MatMul")) == "MatMul"
    assert node_label(node("dense/Relu_1", "Relu")) == "Relu_1"
    assert node_label(node("dense/MatMul2", "MatMul")) == "MatMul2\nMatMul"
    assert node_label(node("x", "Placeholder")) == "x\nPlaceholder"


def test_graph_to_dot_structure():
    dot = graph_to_dot(SAMPLE)
    assert dot.startswith("digraph tfedu {\n") and "rankdir=LR" in dot
    assert 'n3 [label="Add\\nAddV2", fillcolor=' in dot
    assert 'n2 [label="Add/y\\nConst"' in dot
    assert 'n0 -> n3 [label="(None, 3) float32"];' in dot
    assert 'n4 -> n5 [label=":1 <unknown> int32"];' in dot
    assert "n0 -> n5 [style=dashed, arrowhead=odot];" in dot
    assert 'x0 [label="outer/cap:0"' in dot and "x0 -> n5;" in dot
    assert dot.count("subgraph cluster_") == 3  # layer, layer/inner, s\"q
    for line in dot.splitlines():
        outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line).replace(" -> ", " ")
        assert not re.search(r"[<>&]", outside), line


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` binary not installed")
def test_dot_renders_hostile_names_as_text():
    graphviz = pytest.importorskip("graphviz")
    svg = graphviz.Source(graph_to_dot(SAMPLE)).pipe(format="svg", encoding="utf-8")
    assert svg.count('class="node"') == len(SAMPLE["nodes"]) + 2  # two external inputs
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg
    assert "<img" not in svg
    assert "Op&quot;\\N&amp;amp;" in svg
