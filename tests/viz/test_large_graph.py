"""Big graphs: collapsed name scopes, edge labels as tooltips, and the static fallback's limits."""

from __future__ import annotations

import re
import shutil
import sys
import threading

import graphviz
import pytest

import tfedu.viz.graph_view as graph_view
from tests.viz.test_dot import graph, node
from tfedu.viz import show_graph
from tfedu.viz.dot import (
    COLLAPSE_ABOVE_OPS,
    LABELLED_EDGES_MAX_NODES,
    default_collapsed,
    drawn_nodes,
    graph_to_dot,
    scope_paths,
    scope_tree,
)


def chain(n: int) -> dict:
    """`x`, then ops reading the previous op and `x` (a flat graph of `n` ops)."""
    nodes = [node("x", "Placeholder", outputs=[{"shape": [4], "dtype": "float32"}])]
    for i in range(1, n):
        nodes.append(node(f"op{i}", "AddV2", inputs=[f"{nodes[-1]['id']}:0", "x:0"],
                          outputs=[{"shape": [4], "dtype": "float32"}]))
    return graph(nodes)


def scoped(scopes: int, per: int) -> dict:
    """`x`, then `scopes` name scopes of `per` ops, each reading the op before."""
    nodes = [node("x", "Placeholder")]
    for j in range(scopes):
        for k in range(per):
            nodes.append(node(f"block{j}/op{k}", "Mul", inputs=[f"{nodes[-1]['id']}:0"]))
    return graph(nodes)


def edges(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if " -> " in line]


def test_scopes_are_numbered_in_pre_order():
    g = graph([node("a/b/c", "Const"), node("a/d", "Const"), node("e/f", "Const"),
               node("a/b/g/h", "Const")])
    assert scope_paths(g) == ["a", "a/b", "a/b/g", "e"]
    tree = scope_tree(g)
    assert tree["ops"] == 4 and tree["children"]["a"]["ops"] == 3
    dot = graph_to_dot(g)
    assert [int(k) for k in re.findall(r"subgraph cluster_(\d+)", dot)] == [0, 1, 2, 3]


def test_default_collapse_policy():
    small = scoped(1, COLLAPSE_ABOVE_OPS - 1)
    assert len(small["nodes"]) == COLLAPSE_ABOVE_OPS and default_collapsed(small) == []
    assert default_collapsed(scoped(1, COLLAPSE_ABOVE_OPS)) == ["block0"]
    mixed = graph(chain(COLLAPSE_ABOVE_OPS)["nodes"] + [
        node("outer/inner/a", "Const"), node("outer/inner/b", "Const"), node("lone/c", "Const")])
    assert default_collapsed(mixed) == ["outer", "outer/inner"]  # not the one-op scope
    assert drawn_nodes(mixed) == COLLAPSE_ABOVE_OPS + 2
    assert drawn_nodes(mixed, collapsed=[]) == COLLAPSE_ABOVE_OPS + 3


def test_collapsed_scopes_are_nodes_with_merged_edges():
    g = scoped(40, 50)
    assert drawn_nodes(g) == 41
    dot = graph_to_dot(g)
    assert "subgraph cluster_" not in dot
    assert ('  s3 [label="block3\\n50 ops", tooltip="block3: 50 ops", shape=box3d, '
            'style="filled", color="#4f46e5", fillcolor="#e0e7ff"];') in dot.splitlines()
    assert re.findall(r"^  n\d+ \[", dot, re.M) == ["  n0 ["]
    lines = edges(dot)
    assert len(lines) == 40
    assert lines[:2] == ['  n0 -> s0 [label="(2, 3) float32"];',
                         '  s0 -> s1 [label="(2, 3) float32"];']


def test_merged_edges_count_tensors_and_keep_kinds_apart():
    g = graph([
        node("x", "Placeholder"),
        node("s/a", "Identity", inputs=["x:0"]),
        node("s/b", "Identity", inputs=["x:0", "outer/cap:0"]),
        node("s/c", "Identity", inputs=["s/a:0", "outer/cap:0"], control_inputs=["x"]),
        node("t", "AddN", inputs=["s/a:0", "s/b:0", "s/c:0"], control_inputs=["s/a", "s/b"]),
    ])
    assert edges(graph_to_dot(g, collapsed=["s"])) == [
        '  n0 -> s0 [label="(2, 3) float32"];',
        "  x0 -> s0;",
        "  n0 -> s0 [style=dashed, arrowhead=odot];",
        '  s0 -> n4 [label="3 tensors"];',
        "  s0 -> n4 [style=dashed, arrowhead=odot];",
    ]


def test_edge_labels_become_tooltips_past_the_limit():
    at_limit = edges(graph_to_dot(chain(LABELLED_EDGES_MAX_NODES)))
    assert all(line.endswith(' [label="(4,) float32"];') for line in at_limit)
    over = graph_to_dot(chain(LABELLED_EDGES_MAX_NODES + 1))
    assert all(line.endswith(' [tooltip="(4,) float32"];') for line in edges(over))
    assert 'n7 [label="op7\\nAddV2"' in over
    assert over.splitlines()[4] == "  graph [nslimit=0.2];"
    assert "nslimit" not in graph_to_dot(chain(LABELLED_EDGES_MAX_NODES))
    expanded = graph_to_dot(scoped(40, 50), collapsed=[])
    assert expanded.count("subgraph cluster_") == 40
    assert expanded.count('tooltip="(2, 3) float32"') == 2000 and "label=\"(2, 3)" not in expanded


def test_big_flat_graph_gets_a_text_summary_instead_of_svg(monkeypatch):
    ran = []
    monkeypatch.setattr(graphviz.Source, "pipe", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: "/usr/bin/dot")
    bundle = show_graph(chain(graph_view.SVG_FALLBACK_MAX_NODES + 1))._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and ran == []  # Graphviz is not even started
    text = bundle["text/plain"]
    assert text.startswith("<tfedu graph 'g': 501 ops>\n  inputs: x (4,) float32")
    assert "  501 ops, 1000 edges: too big for a static drawing" in text
    assert "(501 nodes to draw, more than 500)" in text
    assert "op types: AddV2 x500, Placeholder x1" in text
    # Small graphs say what they are, without the reason for a missing picture.
    small = show_graph(chain(3))._repr_mimebundle_(exclude={"image/svg+xml"})["text/plain"]
    assert small.startswith("<tfedu graph 'g': 3 ops>\n  inputs: x (4,) float32\n")
    assert "too big" not in small


def test_without_dot_a_collapsible_graph_keeps_the_short_text(monkeypatch):
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: None)
    bundle = show_graph(scoped(12, 50))._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    text = bundle["text/plain"]
    assert text.startswith("<tfedu graph 'g': 601 ops>") and "too big" not in text  # 13 drawn
    assert "top-level scopes: block0 (50 ops), block1 (50 ops)" in text


def test_slow_graphviz_gives_the_summary(monkeypatch):
    release = threading.Event()

    def slow(self, **kwargs):
        release.wait(30)
        return "<svg/>"

    monkeypatch.setattr(graphviz.Source, "pipe", slow)
    monkeypatch.setattr(graph_view, "SVG_FALLBACK_TIMEOUT_S", 0.05)
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: "/usr/bin/dot")
    g = graph([node(f"s{j}/op{k}", "Mul") for j in range(3) for k in range(70)])
    try:
        text = show_graph(g)._repr_mimebundle_()["text/plain"]
    finally:
        release.set()
    assert "210 ops, 0 edges: Graphviz could not draw it within 0.05 s." in text
    assert "top-level scopes: s0 (70 ops), s1 (70 ops)" in text


@pytest.mark.parametrize("error", [
    graphviz.ExecutableNotFound(["dot"]),
    graphviz.CalledProcessError(1, ["dot"], stderr=b"Error: syntax error"),
    OSError("broken pipe"),
])
def test_graphviz_errors_only_lose_the_picture(monkeypatch, error):
    def fail(self, **kwargs):
        raise error

    monkeypatch.setattr(graphviz.Source, "pipe", fail)
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: "/usr/bin/dot")
    bundle = show_graph(chain(3))._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and bundle["text/plain"].startswith("<tfedu graph 'g'")


def test_static_picture_is_piped_through_the_graphviz_package(monkeypatch):
    calls = []

    def pipe(self, **kwargs):
        calls.append((self.source, kwargs))
        return "<svg>drawn</svg>"

    monkeypatch.setattr(graphviz.Source, "pipe", pipe)
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: "/usr/bin/dot")
    p = chain(3)
    assert show_graph(p)._repr_mimebundle_()["image/svg+xml"] == "<svg>drawn</svg>"
    assert calls == [(graph_to_dot(p), {"format": "svg", "encoding": "utf-8", "quiet": True})]


def test_without_the_graphviz_package_there_is_no_picture(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import fails
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: "/usr/bin/dot")
    assert "image/svg+xml" not in show_graph(chain(3))._repr_mimebundle_()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` binary not installed")
def test_big_scoped_graph_svg_is_the_collapsed_drawing():
    svg = show_graph(scoped(40, 50))._repr_mimebundle_()["image/svg+xml"]
    assert svg.count('class="node"') == 41
    assert "block39" in svg and "50 ops" in svg and "block0/op1" not in svg


def _fake_svg(width: float, height: float = 100.0) -> str:
    return (f'<?xml version="1.0"?>\n<svg width="{width:g}pt" height="{height:g}pt" '
            f'viewBox="0 0 {width:g} {height:g}"><g class="graph"/></svg>')


def test_a_too_wide_static_picture_is_laid_out_again_then_scaled():
    from tfedu.viz.static import MAX_WIDTH_PT, readable_svg

    tried = []

    def pipe(widths):
        def draw(dot):
            tried.append(dot)
            return _fake_svg(widths[len(tried) - 1])
        return draw

    g = scoped(3, 50)
    # Left to right fits: drawn as the view starts.
    assert readable_svg(g, pipe([800])) == _fake_svg(800) and len(tried) == 1
    # Too wide: top to bottom next.
    tried.clear()
    assert readable_svg(g, pipe([MAX_WIDTH_PT * 3, 900])) == _fake_svg(900)
    assert "rankdir=TB" in tried[1] and "subgraph cluster_" in tried[1]
    # Still too wide: every scope collapsed, then the narrowest scaled to the page.
    tried.clear()
    svg = readable_svg(g, pipe([5000, 4000, 3000, 2000]))
    assert len(tried) == 4 and "shape=box3d" in tried[3] and "rankdir=TB" in tried[3]
    assert svg.startswith('<?xml version="1.0"?>\n<svg width="100%" style="max-width: 2000pt"')


def test_static_picture_shows_the_graphs_it_calls():
    from tfedu.viz.static import MAX_WIDTH_PT, static_svg

    main = chain(3)
    main["subgraphs"] = {"cond.then_branch": chain(2), "cond.else_branch": chain(2)}
    drawn = []

    def pipe(dot):
        drawn.append(dot)
        return _fake_svg(300 + 100 * len(drawn), 50)

    svg = static_svg(main, pipe, max_nodes=500)
    assert len(drawn) == 3
    assert svg.startswith('<svg width="600pt" height="')
    assert '<svg x="0" y="0" width="400" height="50" viewBox' in svg  # nested in points
    assert ">cond.then_branch</text>" in svg and ">cond.else_branch</text>" in svg
    assert svg.count("<svg") == 4  # the stack, then each drawing nested in it
    assert static_svg(main, pipe, max_nodes=5) is None  # 7 nodes in all: over the cap
    # A stack wider than a page is scaled as a whole.
    drawn.clear()
    wide = static_svg(main, lambda dot: _fake_svg(MAX_WIDTH_PT + 1, 50), max_nodes=500)
    assert wide.startswith(f'<svg width="100%" style="max-width: {MAX_WIDTH_PT + 1:g}pt"')


def test_an_abandoned_slow_drawing_does_not_hold_up_the_next(monkeypatch):
    release, calls = threading.Event(), []

    def pipe(self, **kwargs):
        calls.append(self.source)
        if len(calls) <= 2:  # the first two never finish while the third is drawn
            release.wait(30)
        return _fake_svg(100)

    monkeypatch.setattr(graphviz.Source, "pipe", pipe)
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graph_view, "SVG_FALLBACK_TIMEOUT_S", 0.05)
    try:
        for n in (3, 4):
            assert "image/svg+xml" not in show_graph(chain(n))._repr_mimebundle_()
        monkeypatch.setattr(graph_view, "SVG_FALLBACK_TIMEOUT_S", 60.0)
        assert show_graph(chain(5))._repr_mimebundle_()["image/svg+xml"] == _fake_svg(100)
    finally:
        release.set()


def test_other_layouts_are_tried_within_the_budget_and_a_failure_keeps_the_best():
    from tfedu.viz.static import MAX_WIDTH_PT, static_svg

    g, widths, tried = scoped(3, 50), [5000, 3000], []

    def pipe(dot):
        tried.append(dot)
        return _fake_svg(widths[len(tried) - 1]) if len(tried) <= len(widths) else None

    # The third layout fails: the narrower of the first two, scaled to the page.
    assert static_svg(g, pipe, 500).startswith('<?xml version="1.0"?>\n<svg width="100%" '
                                               'style="max-width: 3000pt"')
    assert len(tried) == 3
    # No time left: only the first layout is drawn.
    tried.clear()
    svg = static_svg(g, pipe, 500, budget_s=-1.0)
    assert len(tried) == 1 and 'style="max-width: 5000pt"' in svg and MAX_WIDTH_PT < 5000
