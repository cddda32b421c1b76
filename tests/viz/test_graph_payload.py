"""Graph payloads (schema v1) built from tfedu graphs, and their notebook MIME bundles."""

from __future__ import annotations

import json
import shutil

import jsonschema
import pytest

import tfedu as tf
from tfedu.viz import GRAPH_MIME_TYPE, GraphView, graph_payload, graph_schema, show_graph

VALIDATOR = jsonschema.Draft202012Validator(graph_schema())


def _validate(payload):
    VALIDATOR.validate(payload)
    assert json.loads(json.dumps(payload)) == payload  # plain JSON data, nothing else


def _small_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        with tf.name_scope("layer"):
            w = tf.constant([[1.0], [2.0], [3.0]], name="w")
            y = tf.matmul(x, w)
        with g.control_dependencies([y]):
            s = tf.reduce_sum(y, name="total")
    return g, x, y, s


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(graph_schema())


def test_payload_describes_every_op():
    g, x, y, s = _small_graph()
    p = graph_payload(g)
    _validate(p)
    assert p["version"] == 2 and p["kind"] == "graph" and p["subgraphs"] == {}
    by_id = {n["id"]: n for n in p["nodes"]}
    assert [n["id"] for n in p["nodes"]] == [op.name for op in g.get_operations()]

    xp = by_id["x"]
    assert xp["type"] == "Placeholder" and xp["scope"] == ""
    assert xp["outputs"] == [{"shape": [None, 3], "dtype": "float32"}]
    assert xp["attrs"]["dtype"] == "float32" and xp["attrs"]["shape"] == "(None, 3)"

    mm = by_id[y.op.name]
    assert mm["id"] == "layer/MatMul" and mm["scope"] == "layer" and mm["type"] == "MatMul"
    assert mm["inputs"] == ["x:0", "layer/w:0"]
    assert mm["outputs"] == [{"shape": [None, 1], "dtype": "float32"}]
    assert mm["attrs"]["transpose_a"] == "False" and mm["attrs"]["T"] == "float32"
    assert mm["value"] is None

    w = by_id["layer/w"]
    assert w["value"] == "[[1.]\n [2.]\n [3.]]"
    assert "value" not in w["attrs"]

    total = by_id["total"]
    assert total["control_inputs"] == ["layer/MatMul"]
    assert total["inputs"][0] == "layer/MatMul:0"


def test_source_points_at_the_users_line():
    g, *_ = _small_graph()
    src = graph_payload(g)["nodes"][0]["source"]
    assert src["file"] == __file__
    assert src["function"] == "_small_graph"
    with open(__file__) as f:
        assert "placeholder" in f.read().splitlines()[src["line"] - 1]


def test_notebook_cells_are_named_as_ipython_does(monkeypatch):
    import types

    class Compiler:
        def format_code_name(self, name):
            return ("Cell", "In[7]") if name.endswith("/123.py") else None

    shell = types.SimpleNamespace(compile=Compiler())
    fake = types.SimpleNamespace(get_ipython=lambda: shell)
    monkeypatch.setitem(__import__("sys").modules, "IPython", fake)
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0, name="c")
    op = g.get_operations()[0]
    op._source = ("/tmp/ipykernel_1/123.py", 4, "<module>")
    assert graph_payload(g)["nodes"][0]["source"] == {
        "file": "Cell In[7]", "line": 4, "function": "<module>"}
    op._source = ("/home/me/script.py", 4, "main")
    assert graph_payload(g)["nodes"][0]["source"]["file"] == "/home/me/script.py"


def test_unknown_rank_and_scalar_shapes():
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.placeholder(tf.int32, None, name="anything")
        tf.constant(3.5, name="c")
    nodes = graph_payload(g)["nodes"]
    assert nodes[0]["outputs"] == [{"shape": None, "dtype": "int32"}]
    assert nodes[0]["attrs"]["shape"] == "<unknown>"
    assert nodes[1]["outputs"] == [{"shape": [], "dtype": "float32"}]
    assert nodes[1]["value"] == "3.5"


def test_large_constant_values_are_summarised():
    g = tf.Graph()
    with g.as_default():
        tf.constant(list(range(10_000)), name="big")
    value = graph_payload(g)["nodes"][0]["value"]
    assert value.startswith("[   0    1    2 ...") and len(value) <= 400


def test_ops_tensors_and_wrappers_lead_to_their_graph():
    g, x, y, s = _small_graph()
    ids = [n["id"] for n in graph_payload(g)["nodes"]]
    assert [n["id"] for n in graph_payload(y)["nodes"]] == ids
    assert [n["id"] for n in graph_payload(y.op)["nodes"]] == ids

    class Traced:  # what a concrete function looks like from here
        graph = g
        name = "f"

    assert [n["id"] for n in graph_payload(Traced())["nodes"]] == ids
    assert graph_payload(g, title="mine")["title"] == "mine"


def test_not_a_graph_is_a_type_error():
    with pytest.raises(TypeError, match="Cannot show an object of type int as a graph"):
        graph_payload(3)


def test_graph_valued_attrs_become_subgraphs():
    body = tf.Graph()
    with body.as_default():
        tf.constant(1.0, name="one")
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(0.0, name="call")
    # A function-calling op holds its body graph in an attr (as If/While/PartitionedCall do).
    c.op._attrs["f"] = body
    c.op._attrs["loop"] = g  # a graph that contains itself must not recurse forever
    p = graph_payload(g)
    _validate(p)
    call = p["nodes"][0]
    assert call["attrs"]["f"] == "call.f"
    assert list(p["subgraphs"]) == ["call.f"]
    assert [n["id"] for n in p["subgraphs"]["call.f"]["nodes"]] == ["one"]
    assert p["subgraphs"]["call.f"]["title"] == "call.f"


def test_tf_function_shows_its_latest_trace_with_branches_as_subgraphs():
    @tf.function
    def f(a):
        b = a * 2.0
        return tf.cond(a > 0, lambda: b + 1.0, lambda: b - 1.0)

    with pytest.raises(TypeError, match="has not been traced yet"):
        graph_payload(f)
    f(tf.constant(1.0))
    p = graph_payload(f)
    _validate(p)
    assert p["title"] == "f"
    (cond,) = [n for n in p["nodes"] if n["type"] in ("If", "StatelessIf")]
    assert cond["attrs"]["then_branch"] in p["subgraphs"]
    assert cond["attrs"]["else_branch"] in p["subgraphs"]
    assert cond["attrs"]["output_specs"] == "[() float32]"
    then_types = {n["type"] for n in p["subgraphs"][cond["attrs"]["then_branch"]]["nodes"]}
    assert "AddV2" in then_types


def test_attr_objects_print_without_memory_addresses():
    from tfedu.viz.graph_view import _attr_text

    class Opaque:
        pass

    assert " at 0x" not in _attr_text(Opaque()) and "Opaque object" in _attr_text(Opaque())
    assert _attr_text([tf.float32, (2, 3), b"VALID", True]) == "[float32, [2, 3], VALID, True]"


def test_hostile_names_pass_through_unchanged():
    evil = "<img src=x onerror=alert(1)>"
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0, name="ok")
    g.get_operations()[0]._name = evil
    p = graph_payload(g)
    _validate(p)
    assert p["nodes"][0]["id"] == evil  # escaping is the renderer's job, data stays exact


def test_mimebundle_has_the_custom_type_text_and_svg():
    g, *_ = _small_graph()
    bundle = show_graph(g, title="demo")._repr_mimebundle_()
    assert bundle["text/plain"].splitlines()[:3] == [
        "<tfedu graph 'demo': 5 ops>", "  inputs: x (None, 3) float32",
        "  results (read by no op): total () float32"]
    _validate(bundle[GRAPH_MIME_TYPE])
    assert bundle[GRAPH_MIME_TYPE]["title"] == "demo"
    if shutil.which("dot") is None:
        assert "image/svg+xml" not in bundle
    else:
        svg = bundle["image/svg+xml"]
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert svg.count('class="node"') == 5
        assert "(None, 3) float32" in svg


def test_svg_is_skipped_without_dot(monkeypatch):
    import tfedu.viz.graph_view as gv

    monkeypatch.setattr(gv.shutil, "which", lambda name: None)
    g, *_ = _small_graph()
    bundle = show_graph(g)._repr_mimebundle_()
    assert set(bundle) == {GRAPH_MIME_TYPE, "text/plain"}


def test_include_exclude_drop_the_svg():
    g, *_ = _small_graph()
    view = show_graph(g)
    assert "image/svg+xml" not in view._repr_mimebundle_(exclude={"image/svg+xml"})
    assert "image/svg+xml" not in view._repr_mimebundle_(include={GRAPH_MIME_TYPE})


def test_graph_displays_itself():
    g, *_ = _small_graph()
    bundle = g._repr_mimebundle_(exclude={"image/svg+xml"})
    assert bundle[GRAPH_MIME_TYPE] == graph_payload(g)
    assert bundle["text/plain"].startswith("<tfedu graph 'Graph': 5 ops>\n  inputs: x")


def test_show_graph_accepts_payloads_and_views():
    g, *_ = _small_graph()
    p = graph_payload(g)
    view = show_graph(p, title="again")
    assert isinstance(view, GraphView) and view.title == "again"
    assert p["title"] == "Graph"  # the caller's dict is not modified
    assert show_graph(view) is view
    with pytest.raises(ValueError, match="Unsupported graph payload version 3"):
        show_graph({**p, "version": 3})
    with pytest.raises(ValueError, match="kind 'graph'"):
        show_graph({"nodes": []})


def test_empty_graph_has_no_svg():
    bundle = show_graph(tf.Graph())._repr_mimebundle_()
    assert bundle["text/plain"] == "<tfedu graph 'Graph': 0 ops>"
    assert "image/svg+xml" not in bundle
    _validate(bundle[GRAPH_MIME_TYPE])


def test_schema_rejects_malformed_payloads():
    g, *_ = _small_graph()
    p = graph_payload(g)
    bad = [
        {**p, "version": 3},
        {**p, "nodes": [{**p["nodes"][0], "inputs": ["no_index"]}]},
        {**p, "nodes": [{**p["nodes"][0], "outputs": [{"shape": [1.5], "dtype": "f"}]}]},
        {**p, "nodes": [{**p["nodes"][0], "attrs": {"k": 1}}]},
        {k: v for k, v in p.items() if k != "subgraphs"},
        {k: v for k, v in p.items() if k != "layout"},
        {**p, "layout": {**p["layout"], "edges": [[0, 1, None]]}},
    ]
    for payload in bad:
        with pytest.raises(jsonschema.ValidationError):
            VALIDATOR.validate(payload)
