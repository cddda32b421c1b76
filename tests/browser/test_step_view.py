"""Step-through and profile views in a real JupyterLab: a tf.function, control flow, a fused
plan, a failing step, a v1 Session.run, the profile's table and heat, and a saved notebook
reopened without a kernel. Screenshots are checked for their essentials (the current node's
amber border, values on the nodes) and kept in test-artifacts/."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_page, open_and_run, screenshot

SETUP = '''\
import numpy as np
import tfedu as tf
from tfedu.viz import step, profile

@tf.function
def layer(x, w):
    z = tf.matmul(x, w)
    return tf.nn.relu(z + 1.0)

step(layer, tf.constant([[1.0, -2.0]]), tf.constant([[1.0, 0.5], [3.0, 1.0]]))
'''

CONTROL_FLOW = '''\
@tf.function
def flow(x):
    if tf.reduce_sum(x) > 0:
        y = x * 2.0
    else:
        y = -x
    i = tf.constant(0)
    while i < 2:
        y = y + 1.0
        i += 1
    return y

step(flow, tf.constant([1.0, 2.0]))
'''

FUSED = '''\
@tf.function(jit_compile=True)
def fused(x, w, b):
    return tf.nn.relu(tf.matmul(x, w) + b) * 2.0 + 1.0

step(fused, tf.ones([2, 3]), tf.ones([3, 4]), tf.ones([4]))
'''

FAILING = '''\
@tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])
def bad(x):
    return tf.reshape(x, [5]) * 2.0

step(bad, tf.ones([2, 3]))
'''

SESSION = '''\
g = tf.Graph()
with g.as_default():
    a = tf.compat.v1.placeholder(tf.float32, [2], name="a")
    v = tf.compat.v1.Variable([1.0, 2.0], name="v")
    total = tf.reduce_sum(a * v, name="total")
    init = tf.compat.v1.global_variables_initializer()
sess = tf.compat.v1.Session(graph=g)
sess.run(init)
step(sess, total, {a: [3.0, 4.0]})
'''

PROFILE = '''\
w = tf.Variable(tf.ones([8, 16]))
def train(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.relu(tf.matmul(x, w)) ** 2)
    w.assign_sub(0.01 * tape.gradient(loss, w))
    return loss
xs = tf.constant(np.random.RandomState(0).rand(32, 8).astype("float32"))
plain = profile(tf.function(train), xs, runs=5, title="plain")
profile(tf.function(train, jit_compile=True), xs, runs=5, before=plain, title="fused")
'''

CELLS = [SETUP, CONTROL_FLOW, FUSED, FAILING, SESSION, PROFILE]
AMBER = (0xF5, 0x9E, 0x0B)


@pytest.fixture(scope="module")
def page(browser, lab_server):
    context, page = new_page(browser)
    nb = lab_server.write_notebook("step.ipynb", CELLS)
    open_and_run(page, lab_server, nb)
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-OutputArea .tfedu-step').length === 5 &&"
        " document.querySelectorAll('.jp-OutputArea .tfedu-profile-types').length === 1",
        timeout=180_000)
    yield page
    context.close()


def _view(page, n: int):
    return page.locator(".jp-OutputArea .tfedu-step").nth(n)


def _wait_drawn(view):
    view.locator("svg .tfedu-graph-node").first.wait_for(timeout=60_000)


def _amber_pixels(path) -> int:
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.array(AMBER)) < 40).all(axis=-1).sum())


# Value badges a reader cannot see: outside the viewport, or cut off by the drawing's own box
# (Graphviz's <svg> ends just below its lowest node; a badge is written under it).
HIDDEN_BADGES_JS = """
v => {
  const port = v.querySelector('.tfedu-graph-viewport').getBoundingClientRect();
  return [...v.querySelectorAll('.tfedu-mark-badge')].filter(t => {
    const r = t.getBoundingClientRect(), svg = t.ownerSVGElement.getBoundingClientRect();
    const clipped = getComputedStyle(t.ownerSVGElement).overflow !== 'visible' &&
      r.bottom > svg.bottom + 0.5;
    return clipped || r.bottom > port.bottom + 0.5 || r.top < port.top - 0.5;
  }).map(t => t.textContent);
}
"""


# Whether the hottest node of a profile's graph lies inside the graph's viewport.
BUSIEST_IN_SIGHT_JS = """
v => {
  const nodes = [...v.querySelectorAll('[data-tfedu-heat]')];
  const hot = nodes.reduce((a, b) => (+b.dataset.tfeduHeat > +a.dataset.tfeduHeat ? b : a));
  const r = hot.getBoundingClientRect();
  const port = v.querySelector('.tfedu-graph-viewport').getBoundingClientRect();
  return r.left >= port.left && r.right <= port.right && r.top >= port.top && r.bottom <= port.bottom;
}
"""


def _button(view, text: str):
    return view.get_by_role("button", name=text, exact=True)


def _go(view, text: str):
    _button(view, text).click()


def test_steps_through_a_function_with_values_on_its_nodes(page):
    view = _view(page, 0)
    _wait_drawn(view)
    counter = view.locator(".tfedu-step-counter")
    expect(counter).to_have_text("step 6 of 6")  # x, w fed; MatMul, add, Relu, Identity
    _go(view, "|\u25c0")
    expect(counter).to_have_text("step 1 of 6")
    assert view.locator(".tfedu-step-current").count() == 1
    assert view.locator(".tfedu-step-todo").count() >= 4
    for _ in range(2):
        _go(view, "\u25b6")
    current = view.locator(".tfedu-step-current")
    expect(current.locator("text").first).to_have_text("MatMul")
    badges = view.locator(".tfedu-mark-badge").all_text_contents()
    assert "[[ 1. -2.]]" in badges and "[[-5. -1.5]]" in badges  # x and x @ w
    details = view.locator(".tfedu-step-details")
    assert "[[-5.  -1.5]]" in details.inner_text() and "inputs" in details.inner_text().lower()
    assert "Cell In[1]:7 in layer" in details.inner_text()  # the student's line
    shot = screenshot(view, "step_function")
    assert _amber_pixels(shot) > 30  # the current node's border is drawn
    _go(view, "\u25c0")
    expect(counter).to_have_text("step 2 of 6")
    # Run to a node picked in the graph.
    view.locator("svg .tfedu-graph-node", has_text="Relu").click()
    _go(view, "Run to selected")
    expect(counter).to_have_text("step 5 of 6")
    expect(view.locator(".tfedu-step-current text").first).to_have_text("Relu")


def test_if_and_while_bodies_are_entered(page):
    view = _view(page, 1)
    _wait_drawn(view)
    crumbs = view.locator(".tfedu-step-crumbs")
    _go(view, "|\u25c0")
    seen = set()
    for _ in range(30):
        seen.add(crumbs.inner_text())
        if _button(view, "\u25b6").is_disabled():
            break
        _go(view, "\u25b6")
    assert any("then_branch of cond" in c for c in seen), seen
    assert any("body of while" in c for c in seen), seen
    expect(crumbs).to_have_text("")  # back in the function at the end
    # Step over from the start of the If body returns to the function's graph.
    _go(view, "|\u25c0")
    while "then_branch" not in crumbs.inner_text():
        _go(view, "\u25b6")
    screenshot(view, "step_if_branch")
    _go(view, "Over")
    _go(view, "Over")
    assert "then_branch" not in crumbs.inner_text()


def test_fused_steps_are_boxes_that_open(page):
    view = _view(page, 2)
    _wait_drawn(view) if view.locator("svg .tfedu-graph-node").count() else None
    boxes = view.locator("svg .tfedu-box-fused")
    boxes.first.wait_for(timeout=60_000)
    assert boxes.count() == 2
    texts = " ".join(boxes.all_text_contents())
    assert "_FusedMatMul" in texts and "fused" in texts
    screenshot(view, "step_fused")
    boxes.first.click()  # opens into the ops it replaced
    view.locator("svg .tfedu-graph-cluster").first.wait_for(timeout=30_000)
    inner = set(view.locator("svg .tfedu-graph-node text").all_text_contents())
    assert {"MatMul", "Relu"} <= inner


def test_a_failing_step_stops_the_run_with_its_inputs(page):
    view = _view(page, 3)
    _wait_drawn(view)
    assert view.locator(".tfedu-step-error").count() == 1
    error = view.locator(".tfedu-step-error-text")
    assert "InvalidArgumentError" in error.inner_text() and "Reshape" in error.inner_text()
    notes = view.locator(".tfedu-step-error-notes").inner_text()  # after TF's text
    assert "created at Cell In[4], line 3:" in notes and "tf.reshape(x, [5])" in notes
    assert "Hint: A reshape keeps the number of values" in notes
    # Its lines break between words (JupyterLab's output <pre> would cut them anywhere).
    assert view.locator(".tfedu-step-error-notes").evaluate(
        "e => getComputedStyle(e).wordBreak") == "normal"
    assert view.evaluate(HIDDEN_BADGES_JS) == []  # "2." under the lowest node, mul/y
    assert "2." in view.locator(".tfedu-mark-badge").all_text_contents()
    details = view.locator(".tfedu-step-details")
    assert "failed: invalidargumenterror" in details.inner_text().lower()
    assert "(2, 3) float32" in details.inner_text()  # the input that did not fit
    screenshot(view, "step_error")


def test_session_run_is_stepped_too(page):
    view = _view(page, 4)
    _wait_drawn(view)
    expect(view.locator(".tfedu-step-counter")).to_have_text("step 5 of 5")  # a, v, read, mul, sum
    badges = view.locator(".tfedu-mark-badge").all_text_contents()
    assert "11." in badges and "[1. 2.]" in badges  # the sum, and the variable read


def test_profile_shows_table_heat_and_explanation(page):
    prof = page.locator(".jp-OutputArea .tfedu-profile").last
    screenshot(prof, "profile_fused")
    prof.locator("svg .tfedu-graph-node").first.wait_for(timeout=60_000)
    text = prof.locator(".tfedu-profile-explanation").inner_text()
    assert "takes" in text and "Before (plain)" in text and "FusedElementwise" in text
    assert prof.locator(".tfedu-profile-types tr").count() > 3
    assert prof.locator("svg .tfedu-heat").count() > 3
    assert "share before" in prof.locator(".tfedu-profile-types").inner_text()
    # The drawing is wider than the view: it starts with its busiest node in sight.
    prof.scroll_into_view_if_needed()
    assert prof.evaluate(BUSIEST_IN_SIGHT_JS), "the busiest node starts out of sight"
    screenshot(prof, "profile_fused")


def test_saved_step_view_replays_without_a_kernel(page, lab_server, browser):
    view = _view(page, 0)
    _go(view, "|\u25c0")
    _go(view, "\u25b6")
    _go(view, "\u25b6")  # MatMul
    path = lab_server.root / "step.ipynb"
    deadline = time.monotonic() + 240  # a loaded machine saves late
    while True:
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        time.sleep(0.5)
        saved = json.loads(path.read_text())
        meta = [o.get("metadata", {}).get("tfedu-step") for o in saved["cells"][0]["outputs"]]
        if {"position": 2} in meta or time.monotonic() > deadline:
            break
    assert {"position": 2} in meta
    saved["metadata"] = {}
    (lab_server.root / "step_reopened.ipynb").write_text(json.dumps(saved))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        p2 = context.new_page()
        p2.goto(lab_server.url("lab/tree/step_reopened.ipynb?reset"))
        p2.locator(".jp-Dialog button", has_text="No Kernel").click(timeout=60_000)
        v2 = p2.locator(".jp-OutputArea .tfedu-step").first
        v2.locator(".tfedu-step-current").wait_for(timeout=60_000)
        expect(v2.locator(".tfedu-step-counter")).to_have_text("step 3 of 6")
        expect(v2.locator(".tfedu-step-current text").first).to_have_text("MatMul")
        _go(v2, "\u25b6")
        expect(v2.locator(".tfedu-step-counter")).to_have_text("step 4 of 6")
        screenshot(v2, "step_reopened")
    finally:
        context.close()
