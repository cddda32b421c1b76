"""The graph view in a real JupyterLab: rendering, edge labels, details panel, zoom/pan, escaping."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import new_page, open_and_run, screenshot

EVIL = "<img src=x onerror=alert(1)>"

GRAPH_CELL = '''\
import tfedu as tf
from tfedu.viz import graph_payload, show_graph

g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
    with tf.name_scope("layer"):
        w = tf.constant([[1.0], [2.0], [3.0]], name="w")
        y = tf.matmul(x, w)
    total = tf.reduce_sum(y, name="total")
g
'''

EVIL_CELL = f'''\
evil = {EVIL!r}
p = graph_payload(g, title=evil)
node = p["nodes"][0]
node.update(id=evil, type='"><script>alert(2)</script>', scope="",
            attrs={{"k": "<b onmouseover=alert(3)>bold</b>"}}, value="<svg onload=alert(4)>")
node["source"]["file"] = "<iframe src=javascript:alert(5)>"
for n in p["nodes"]:
    n["inputs"] = [evil + ":0" if i == "x:0" else i for i in n["inputs"]]
show_graph(p)
'''


SUBGRAPH_CELL = '''\
body = tf.Graph()
with body.as_default():
    a = tf.compat.v1.placeholder(tf.float32, [], name="a")
    tf.identity(a * 2.0, name="doubled")
p = graph_payload(g, title="with body")
p["subgraphs"] = {"f_body": graph_payload(body, title="f_body")}
show_graph(p)
'''

# Two 2,000-op graphs: a flat ladder of adds (no scopes) and 40 name scopes of 50 ops.
# benchmarks/graph_render.py times the same graphs.
LARGE_GRAPHS_CELL = '''\
import tfedu as tf
from tfedu.viz import show_graph


def ladder_graph(ops=2000):
    """Two placeholders, then pairs of adds that each read both previous sums."""
    g = tf.Graph()
    with g.as_default():
        a = tf.compat.v1.placeholder(tf.float32, [4], name="a")
        b = tf.compat.v1.placeholder(tf.float32, [4], name="b")
        for _ in range((ops - 2) // 2):
            a, b = tf.add(a, b), tf.add(b, a)
    return g


def scoped_graph(scopes=40, ops_per_scope=50):
    """A placeholder feeding `scopes` name scopes, each a chain of Mul/Add with constants."""
    g = tf.Graph()
    with g.as_default():
        t = tf.compat.v1.placeholder(tf.float32, [None, 8], name="x")
        for j in range(scopes):
            with tf.name_scope(f"block{j}"):
                for k in range(ops_per_scope // 2):
                    t = tf.add(t, float(k)) if k % 2 else tf.multiply(t, 0.5)
    return g


ladder, scoped = ladder_graph(), scoped_graph()
'''

LARGE_CELLS = [LARGE_GRAPHS_CELL, 'show_graph(ladder, title="ladder")',
               'show_graph(scoped, title="scoped")']


def _expected():
    """Node count and edge labels of GRAPH_CELL's graph, computed here with tfedu itself."""
    from tfedu.viz import graph_payload
    from tfedu.viz.dot import output_text, parse_tensor_name

    scope: dict = {}
    exec(GRAPH_CELL.rsplit("\n", 2)[0], scope)
    p = graph_payload(scope["g"])
    outputs = {n["id"]: n["outputs"] for n in p["nodes"]}
    labels = []
    for n in p["nodes"]:
        for t in n["inputs"]:
            op, k = parse_tensor_name(t)
            labels.append(output_text(outputs[op][k]))
    return p, sorted(labels)


@pytest.fixture(scope="module")
def page(browser, lab_server):
    context, page = new_page(browser)
    nb = lab_server.write_notebook("graph.ipynb", [GRAPH_CELL, EVIL_CELL, SUBGRAPH_CELL] + LARGE_CELLS)
    open_and_run(page, lab_server, nb)
    page.wait_for_function(
        "() => document.querySelectorAll('.tfedu-graph svg .tfedu-graph-node').length >= 15",
        timeout=90_000,
    )
    yield page
    context.close()


def _views(page):
    return page.locator(".jp-OutputArea .tfedu-graph")


def test_graph_renders_nodes_and_edge_labels(page):
    payload, labels = _expected()
    view = _views(page).nth(0)
    assert view.locator(".tfedu-graph-title").inner_text() == "Graph"
    assert view.locator("svg .tfedu-graph-node").count() == len(payload["nodes"]) == 5
    edge_texts = view.locator("svg g.edge text").all_text_contents()
    assert sorted(edge_texts) == labels
    assert "(None, 3) float32" in edge_texts
    node_texts = view.locator("svg .tfedu-graph-node text").all_text_contents()
    assert {"x", "MatMul", "total", "Placeholder", "Sum"} <= set(node_texts)
    cluster_texts = view.locator("svg g.cluster text").all_text_contents()
    assert cluster_texts == ["layer"]
    screenshot(view, "graph_view")


def test_clicking_a_node_shows_its_details(page):
    view = _views(page).nth(0)
    details = view.locator(".tfedu-graph-details")
    assert details.is_hidden()
    view.locator("svg .tfedu-graph-node", has_text="MatMul").click()
    assert details.is_visible()
    assert details.locator(".tfedu-details-name").inner_text() == "layer/MatMul"
    assert details.locator(".tfedu-details-type").inner_text() == "MatMul"
    text = details.inner_text()
    assert "x:0" in text and "layer/w:0" in text
    assert "layer/MatMul:0 (None, 1) float32" in text
    assert "transpose_a = False" in text
    assert details.locator(".tfedu-details-source").inner_text() == "Cell In[1]:9 in <module>"
    assert view.locator("svg .tfedu-selected").count() == 1
    screenshot(view, "graph_view_details")
    details.locator(".tfedu-details-close").click()
    assert details.is_hidden()


# Counts wheel events as the page receives them (capture: before the view's own handler,
# which has run by the time the next script runs), so a test waits for its wheel to be
# handled instead of sleeping.
WHEEL_COUNT_JS = """
() => {
  if (window.__tfeduWheels === undefined) {
    window.__tfeduWheels = 0;
    window.addEventListener('wheel', () => { window.__tfeduWheels++; },
                            {capture: true, passive: true});
  }
  return window.__tfeduWheels;
}
"""


def _wheel(page, dy: float) -> None:
    """A real mouse wheel turn at the pointer, returned once the page has handled it."""
    seen = page.evaluate(WHEEL_COUNT_JS)
    page.mouse.wheel(0, dy)
    page.wait_for_function("n => window.__tfeduWheels > n", arg=seen, timeout=30_000)


def test_ctrl_wheel_zooms_wheel_scrolls_and_drag_pans(page):
    view = _views(page).nth(0)
    viewport = view.locator(".tfedu-graph-viewport")
    canvas = view.locator(".tfedu-graph-canvas")

    def transform():
        t = canvas.evaluate("e => e.style.transform")
        m = re.match(r"translate\(([-\d.e]+)px, ([-\d.e]+)px\) scale\(([-\d.e]+)\)", t)
        assert m, t
        return tuple(float(v) for v in m.groups())

    box = viewport.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    x0, y0, k0 = transform()
    page.mouse.move(cx, cy)
    _wheel(page, -300)  # the drawing fits: the wheel is the notebook's
    assert transform() == pytest.approx((x0, y0, k0), abs=1e-3)
    viewport.dispatch_event("wheel", {"deltaY": -300, "ctrlKey": True, "clientX": cx,
                                      "clientY": cy, "bubbles": True, "cancelable": True})
    x1, y1, k1 = transform()  # dispatched in the page: handled when the call returns
    assert k1 > k0 * 1.2
    _wheel(page, -200)  # zoomed in, the drawing overflows: the wheel scrolls it
    x_, y_, k_ = transform()
    assert (x_, y_) != pytest.approx((x1, y1), abs=1) and k_ == pytest.approx(k1)
    x1, y1, k1 = transform()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 40, steps=5)
    page.mouse.up()
    x2, y2, k2 = transform()
    assert (x2 - x1, y2 - y1, k2) == pytest.approx((50, 30, k1), abs=1e-3)
    assert view.locator(".tfedu-graph-details").is_hidden()  # a drag is not a click
    view.locator(".tfedu-graph-button", has_text="Fit").click()
    assert transform() == pytest.approx((x0, y0, k0), abs=1e-3)


def test_subgraphs_are_picked_from_the_toolbar(page):
    view = _views(page).nth(2)
    picker = view.locator(".tfedu-graph-picker")
    assert _views(page).nth(0).locator(".tfedu-graph-picker").is_hidden()
    assert picker.locator("option").all_text_contents() == ["with body", "f_body"]
    assert view.locator("svg .tfedu-graph-node").count() == 5
    picker.select_option(label="f_body")
    page.wait_for_function(
        "v => v.querySelectorAll('svg .tfedu-graph-node').length === 4",
        arg=view.element_handle(), timeout=10_000,
    )
    assert view.locator(".tfedu-graph-title").inner_text() == "with body"
    assert view.locator(".tfedu-graph-count").inner_text() == "4 ops \u00b7 3 edges"
    assert "doubled" in view.locator("svg .tfedu-graph-node text").all_text_contents()
    screenshot(view, "graph_view_subgraph")
    picker.select_option(label="with body")
    page.wait_for_function(
        "v => v.querySelectorAll('svg .tfedu-graph-node').length === 5",
        arg=view.element_handle(), timeout=10_000,
    )


def test_hostile_strings_render_as_text(page):
    view = _views(page).nth(1)
    assert view.locator(".tfedu-graph-title").inner_text() == EVIL
    node = view.locator("svg .tfedu-graph-node").filter(has_text=EVIL)
    assert node.count() == 1
    node.click()
    details = view.locator(".tfedu-graph-details")
    assert details.locator(".tfedu-details-name").inner_text() == EVIL
    assert details.locator(".tfedu-details-type").inner_text() == '"><script>alert(2)</script>'
    text = details.inner_text()
    assert "k = <b onmouseover=alert(3)>bold</b>" in text
    assert "<svg onload=alert(4)>" in text and "<iframe src=javascript:alert(5)>" in text
    # Nothing was injected: no element from the strings exists, no handler ran.
    outputs = page.locator(".jp-OutputArea")
    for tag in ("img", "script", "iframe", "b"):
        assert outputs.locator(tag).count() == 0, tag
    assert page.locator("[onerror], [onload], [onmouseover]").count() == 0
    assert view.locator("svg svg").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []
    screenshot(view, "graph_view_escaping")
    screenshot(page, "graph_notebook")


# DOMPurify's known SVG vectors, fed to the graph view's sanitizer as if Graphviz had
# written them: each must come out without anything that runs or loads.
SVG_VECTORS = [
    '<svg><script>alert(11)</script><g class="node"><title>n0</title></g></svg>',
    '<svg><a xlink:href="javascript:alert(12)"><text x="2" y="9">click</text></a></svg>',
    '<svg><a href="javascript:alert(13)"><text>click</text></a></svg>',
    '<svg><animate onbegin="alert(14)" attributeName="x" dur="1s"/></svg>',
    '<svg><a><animate attributeName="href" values="javascript:alert(15)"/><text>x</text></a></svg>',
    '<svg><set attributeName="onmouseover" to="alert(16)"/><rect width="9" height="9"/></svg>',
    '<svg><a><set attributeName="href" to="javascript:alert(17)"/><text>y</text></a></svg>',
    '<svg><foreignObject><iframe src="javascript:alert(18)"></iframe></foreignObject></svg>',
    '<svg><foreignObject><body><img src=x onerror=alert(19)></body></foreignObject></svg>',
    '<svg><image href="x" onerror="alert(20)"/><image xlink:href="http://evil.test/x.png"/></svg>',
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='1' onerror='alert(21)'/></svg>#x\"/></svg>",
    '<svg><style><img src=x onerror=alert(22)></style></svg>',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(23)>"></svg>',
    '<svg><g onload="alert(24)" onclick="alert(25)" style="fill:url(http://evil.test/p)">'
    '<path fill="url(http://evil.test/x.svg#p)" stroke="url(#local)" d="M0,0"/></g></svg>',
    '<svg><math><mi xlink:href="javascript:alert(26)">m</mi></math></svg>',
]


def test_sanitizer_removes_known_svg_vectors(page):
    sanitize = "svg => window.jupyterapp.commands.execute('tfedu-lab:sanitize-svg', {svg})"
    for vector in SVG_VECTORS:
        out = page.evaluate(sanitize, vector)
        assert "svg" in out, (vector, out)
        markup = out["svg"]
        low = markup.lower()
        for bad in ("<script", "<animate", "<set", "<foreignobject", "<iframe", "<img", "<image",
                    "<use", "<style", "<math", "javascript:", "onerror", "onload", "onbegin",
                    "onclick", "onmouseover", "http://evil", " id="):
            assert bad not in low, (vector, markup)
    kept = page.evaluate(sanitize, SVG_VECTORS[-2])["svg"]
    assert 'stroke="url(#local)"' in kept and 'd="M0,0"' in kept  # the drawing itself stays
    assert 'class="node"' in page.evaluate(sanitize, SVG_VECTORS[0])["svg"]
    assert page.evaluate(sanitize, "no svg at all") == {
        "error": "Graphviz output holds no <svg> drawing"}
    # Inserted into the page, the sanitized markup runs nothing.
    page.evaluate("""async ([vectors, cmd]) => {
      const box = document.createElement('div');
      box.id = 'tfedu-vectors';
      document.body.append(box);
      for (const svg of vectors) {
        const out = await window.jupyterapp.commands.execute(cmd, {svg});
        box.insertAdjacentHTML('beforeend', out.svg);
      }
    }""", [SVG_VECTORS, "tfedu-lab:sanitize-svg"])
    page.wait_for_timeout(300)
    assert page.dialogs == []
    page.evaluate("() => document.getElementById('tfedu-vectors').remove()")


def _titled(page, title: str):
    """The graph view whose toolbar title is exactly `title`."""
    return _views(page).filter(
        has=page.locator(".tfedu-graph-title", has_text=re.compile(f"^{re.escape(title)}$")))


def _wait_count(page, view, selector: str, n: int, timeout: float = 90_000) -> None:
    page.wait_for_function(
        "([v, sel, n]) => v.querySelectorAll(sel).length === n",
        arg=[view.element_handle(timeout=timeout), selector, n], timeout=timeout,
    )


def test_large_flat_graph_draws_every_op_with_edge_tooltips(page):
    view = _titled(page, "ladder")
    _wait_count(page, view, "svg .tfedu-graph-node", 2000)
    assert view.locator(".tfedu-graph-count").inner_text() == "2000 ops \u00b7 3996 edges"
    assert view.locator("svg g.edge").count() == 3996
    # Past 200 drawn nodes edges have no label; shape and dtype are in their tooltips.
    assert view.locator("svg g.edge text").count() == 0
    tips = view.locator("svg g.edge").evaluate_all("gs => gs.map(g => g.getAttribute('data-tip'))")
    assert len(tips) == 3996 and set(tips) == {"(4,) float32"}
    assert view.locator("svg title").count() == 0  # hover titles are made on demand
    view.locator("svg g.edge").nth(5).hover()
    assert view.locator("svg g.edge").nth(5).locator("> title").text_content() == "(4,) float32"
    assert view.locator("svg a").count() == 0  # Graphviz's tooltip links are unwrapped
    assert view.locator("svg .tfedu-graph-scope").count() == 0
    assert view.locator(".tfedu-graph-scopes").is_hidden()
    # Drawn from its start at a readable scale, not shrunk to fit.
    scale = view.locator(".tfedu-graph-canvas").evaluate("e => e.style.transform")
    assert scale.endswith("scale(0.8)"), scale
    # Node 9 is Add_7 = b + a of the previous pair; its details give the inputs' shapes.
    view.locator('svg [data-tfedu-node="9"]').click()
    details = view.locator(".tfedu-graph-details")
    assert details.locator(".tfedu-details-name").inner_text() == "Add_7"
    text = details.inner_text()
    assert "Add_5:0 (4,) float32" in text and "Add_4:0 (4,) float32" in text
    assert view.locator('svg [data-tfedu-node="9"] > title').text_content() == "Add_7"
    screenshot(view, "graph_large_ladder")
    details.locator(".tfedu-details-close").click()


def test_large_scoped_graph_starts_collapsed_and_expands_on_click(page):
    view = _titled(page, "scoped")
    _wait_count(page, view, "svg .tfedu-graph-scope", 40)
    count = view.locator(".tfedu-graph-count")
    assert count.inner_text() == "2001 ops \u00b7 2000 edges \u00b7 40 collapsed scopes"
    assert view.locator("svg .tfedu-graph-node").count() == 1  # the placeholder x
    assert view.locator("svg g.cluster").count() == 0
    assert view.locator('svg [data-tfedu-scope="3"] text').all_text_contents() == ["block3", "50 ops"]
    view.locator('svg [data-tfedu-scope="3"]').hover()
    assert view.locator('svg [data-tfedu-scope="3"] > title').text_content() == (
        "block3: 50 ops (click to expand)")
    # 41 drawn nodes: small enough for edge labels.
    assert "(None, 8) float32" in view.locator("svg g.edge text").all_text_contents()
    screenshot(view, "graph_large_scoped")

    scope = view.locator('svg [data-tfedu-scope="3"]')
    before = scope.bounding_box()
    scope.click()
    _wait_count(page, view, "svg .tfedu-graph-node", 51)
    assert view.locator("svg .tfedu-graph-scope").count() == 39
    assert count.inner_text().endswith("\u00b7 39 collapsed scopes")
    label = view.locator("svg g.cluster > text")
    assert label.all_text_contents() == ["block3"]
    # The scope opens where its node was.
    after = view.locator('svg [data-tfedu-cluster="3"]').bounding_box()
    assert abs(after["x"] - before["x"]) < 2 and abs(after["y"] - before["y"]) < 2
    texts = set(view.locator("svg .tfedu-graph-node text").all_text_contents())
    assert {"Mul", "Mul_12", "Mul_12/y", "Add_11", "AddV2"} <= texts
    screenshot(view, "graph_large_scoped_expanded")

    label.click()  # a cluster's label collapses it again
    _wait_count(page, view, "svg .tfedu-graph-scope", 40)
    assert view.locator("svg .tfedu-graph-node").count() == 1

    button = view.locator(".tfedu-graph-scopes")
    assert button.inner_text() == "Expand all"
    button.click()
    _wait_count(page, view, "svg .tfedu-graph-node", 2001)
    assert view.locator("svg g.cluster").count() == 40
    assert view.locator("svg .tfedu-graph-scope").count() == 0
    assert button.inner_text() == "Collapse all"
    assert count.inner_text() == "2001 ops \u00b7 2000 edges"
    screenshot(view, "graph_large_scoped_all_expanded")
    button.click()
    _wait_count(page, view, "svg .tfedu-graph-scope", 40)
