"""Retracing, training-curve and comparison views in a real JupyterLab (one notebook, one page).

The retracing monitor and the curves of `fit` are live widgets (`tfedu.viz.widgets`); the saved
notebook, reopened with no kernel, shows their last state from the static data in their output.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, new_page, open_and_run, screenshot

EVIL = "<img src=x onerror=alert(1)>"

MONITOR_CELL = '''\
from tfedu.viz import RetracingMonitor
monitor = RetracingMonitor(interval=0.5, graphs=False)
monitor
'''

RETRACE_CELL = '''\
import tfedu as tf
from tfedu.viz import show_retracing, show_graph, compare_graphs, TrainingCurves

@tf.function
def f(x):
    return tf.add(x, 1.)

f(tf.constant(1.)); f(tf.constant([1., 2.])); f(tf.constant([[1., 2.], [3., 4.]])); f(tf.constant(5.))
show_retracing(f)
'''

COMPARE_CELL = '''\
g1 = tf.Graph()
with g1.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
    y = tf.nn.relu(tf.matmul(x, tf.ones([3, 2])) + 1.0)

@tf.function
def layer(x):
    return tf.nn.relu(tf.matmul(x, tf.ones([3, 2])) + 1.0)

compare_graphs(y, layer.get_concrete_function(tf.TensorSpec([None, 3], tf.float32)))
'''

FIT_CELL = '''\
import time
import numpy as np
model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
slow = tf.keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: time.sleep(0.05))
xs = np.random.RandomState(0).rand(320, 2).astype("float32")
ys = xs.sum(1, keepdims=True)
model.fit(xs, ys, batch_size=8, epochs=2, validation_split=0.2, callbacks=[slow])
model.fit(xs, ys, batch_size=8, epochs=1, validation_split=0.2);
'''

EVIL_CELL = f'''\
evil = {EVIL!r}
def double(x):
    return x * 2.0
double.__name__ = evil
g_evil = tf.function(double)
g_evil(tf.constant(1.0)); g_evil(tf.constant([1.0]))
display(show_retracing(g_evil))
c = TrainingCurves(title=evil, live=False)
c.start_run(evil)
for i in range(5):
    c.log(step=i, **{{evil: 1.0 / (i + 1), "val_" + evil: 2.0}})
c.log_epoch(1, step=4, **{{evil: 0.3, "val_" + evil: 0.5}})
display(c)
live = TrainingCurves(title=evil, interval=0.0)
live.show()
live.start_run(evil)
for i in range(5):
    live.log(step=i, **{{evil: 1.0 / (i + 1)}})
compare_graphs(y, layer.get_concrete_function(tf.TensorSpec([None, 3], tf.float32)), title=evil)
'''

# 2,000 ops: a placeholder, 999 (Const, Add or Mul) pairs and an Identity. Only the
# interactive view is timed, so the static SVG fallback is left out of this output.
BIG_CELL = '''\
big = tf.Graph()
with big.as_default():
    t = tf.compat.v1.placeholder(tf.float32, [4], name="start")
    for i in range(999):
        t = tf.add(t, 1.0) if i % 2 else tf.multiply(t, 0.5)
    tf.identity(t, name="end")
bundle = show_graph(big, title="big")._repr_mimebundle_(exclude={"image/svg+xml"})
import time as _time
shown_at = _time.time()
display(bundle, raw=True)
print(f"shown at {shown_at:.3f}")
'''

# Records when all nodes of the "big" graph view are drawn (wall clock, comparable with the
# kernel's time.time(): JupyterLab inserts an output only once its renderer has finished).
TIMER_JS = """
() => {
  window.__tfeduBig = {};
  const tick = () => {
    for (const v of document.querySelectorAll('.jp-OutputArea .tfedu-graph')) {
      const t = v.querySelector('.tfedu-graph-title');
      if (!t || t.textContent !== 'big') continue;
      if (v.querySelectorAll('svg .tfedu-graph-node').length >= 2000) {
        window.__tfeduBig.end = Date.now();
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
"""

# A call with a new shape, after all the others: the live monitor gains a concrete function.
NEW_SHAPE_CELL = '''\
f(tf.ones([2, 2, 2]))
print("new shape called")
'''

# Three runs in one curves widget: its "Keep last run" button asks the kernel to drop two.
RUNS_CELL = '''\
tries = TrainingCurves(title="three tries", interval=0.0)
tries.show()
for r in range(3):
    tries.start_run(f"try {r + 1}")
    for i in range(10):
        tries.log(step=i, loss=(r + 1) / (i + 1))
'''

CELLS = [MONITOR_CELL, RETRACE_CELL, COMPARE_CELL, FIT_CELL, EVIL_CELL, BIG_CELL, NEW_SHAPE_CELL,
         RUNS_CELL]


@pytest.fixture(scope="module")
def page(browser, lab_server):
    context, page = new_page(browser)
    nb = lab_server.write_notebook("views.ipynb", CELLS)
    page.add_init_script(f"({TIMER_JS})()")
    open_and_run(page, lab_server, nb)
    yield page
    context.close()


def _retracing(page, live: bool = False):
    """The static retracing views (in order), or the monitor (a live output, whether its
    widget is running or it shows its saved state)."""
    if live:
        return page.locator(".jp-OutputArea .tfedu-live .tfedu-retracing")
    return page.locator(".jp-OutputArea .tfedu-retracing:not(.tfedu-live .tfedu-retracing)")


def _point_count(page) -> int:
    return page.evaluate(
        "() => { const v = document.querySelector('.jp-OutputArea .tfedu-curves');"
        " return v ? parseInt(v.dataset.points || '0', 10) : -1; }"
    )


def _wait_all_done(page):
    """Wait for the outputs of every cell but the large graph."""
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-OutputArea .tfedu-compare .tfedu-graph-node')"
        ".length > 16 && document.querySelectorAll('.jp-OutputArea .tfedu-curves').length >= 2",
        timeout=180_000)


def _wait_big(page):
    page.wait_for_function("() => window.__tfeduBig && window.__tfeduBig.end", timeout=300_000)


def _svg_marks(page) -> int:
    """Points drawn in the fit's live curves: polyline vertices and epoch dots."""
    return page.evaluate(
        "() => { const v = document.querySelector('.jp-OutputArea .tfedu-curves');"
        " if (!v) return -1; let n = v.querySelectorAll('circle').length;"
        " for (const l of v.querySelectorAll('polyline'))"
        "   n += (l.getAttribute('points') || '').trim().split(/\\s+/).filter(Boolean).length;"
        " return n; }"
    )


def test_live_curves_gain_points_during_fit(page):
    # Runs first: the fit cell is still training when the page fixture returns. The cell has
    # no curves code: fit shows them by itself, as a live widget.
    page.wait_for_function(
        "() => { const v = document.querySelector('.jp-OutputArea .tfedu-curves');"
        " return v && v.closest('.tfedu-widget') && parseInt(v.dataset.points || '0', 10) > 0; }",
        timeout=120_000)
    first, first_marks = _point_count(page), _svg_marks(page)
    # waits for the next points, however long a loaded machine takes (no fixed sleep)
    page.wait_for_function(
        "(n) => { const v = document.querySelector('.jp-OutputArea .tfedu-curves');"
        " return v && parseInt(v.dataset.points || '0', 10) > n; }", arg=first, timeout=120_000)
    second, second_marks = _point_count(page), _svg_marks(page)
    assert second > first > 0, (first, second)
    assert second_marks > first_marks > 0, (first_marks, second_marks)
    widget = page.locator(".jp-OutputArea .tfedu-widget[data-kind=curves]").first
    assert widget.locator(".tfedu-curves").count() == 1  # the live view only, no stale copy
    view = page.locator(".jp-OutputArea .tfedu-curves").first
    view.scroll_into_view_if_needed()
    screenshot(view, "curves_live")
    # Both fits finish: two runs overlaid, validation lines dashed, loss and mae charts.
    page.wait_for_function(
        "() => { const v = document.querySelector('.jp-OutputArea .tfedu-curves');"
        " return v && v.querySelectorAll('.tfedu-curves-legend-item').length === 2 &&"
        " v.querySelectorAll('.tfedu-curves-line.tfedu-curves-validation').length === 4; }",
        timeout=120_000)
    final = _point_count(page)
    assert final > second
    charts = view.locator(".tfedu-curves-chart")
    assert [charts.nth(i).get_attribute("data-metric") for i in range(charts.count())] == [
        "loss", "mae"]
    # Per-batch training lines of both runs in each chart.
    assert view.locator(".tfedu-curves-chart[data-metric=loss] .tfedu-curves-batch").count() == 2
    screenshot(view, "curves_final")
    # Round ticks on both axes, each label with the same precision (not just min and max).
    loss = view.locator(".tfedu-curves-chart[data-metric=loss]")
    ticks = loss.locator(".tfedu-curves-tick").all_text_contents()
    numbers = [t for t in ticks if re.fullmatch(r"[-\d.e+]+", t)]
    assert len(numbers) >= 6, ticks
    assert len({len(t.partition(".")[2]) for t in numbers[:3]}) == 1, ticks
    assert loss.locator(".tfedu-curves-grid").count() >= 6
    # Log scale, smoothing, one run highlighted.
    view.locator(".tfedu-curves-log").check()
    expect(loss.locator(".tfedu-curves-tick", has_text="log y")).to_have_count(1)
    view.locator(".tfedu-curves-smoothing").select_option("0.9")
    expect(loss.locator(".tfedu-curves-raw")).to_have_count(2)  # the raw points stay, faint
    view.locator(".tfedu-curves-legend-item").first.click()
    expect(view.locator(".tfedu-curves-legend-item.tfedu-curves-highlighted")).to_have_count(1)
    assert loss.locator(".tfedu-curves-faded").count() >= 2  # the other run's lines
    screenshot(view, "curves_log_smooth_highlight")
    view.locator(".tfedu-curves-legend-item").first.click()
    expect(view.locator(".tfedu-curves-faded")).to_have_count(0)


def test_retracing_view_shows_three_concrete_functions_and_why(page):
    _wait_all_done(page)
    view = _retracing(page).first
    cards = view.locator(".tfedu-retracing-concrete")
    assert cards.count() == 3
    sigs = view.locator(".tfedu-retracing-signature").all_text_contents()
    assert sigs == ["f(x: float32[])", "f(x: float32[2])", "f(x: float32[2,2])"]
    text = " | ".join(view.locator(".tfedu-retracing-reason").all_text_contents())
    assert "shape () -> (2,)" in text
    assert "rank 1 -> 2" in text
    assert view.locator(".tfedu-retracing-summary").text_content().strip().startswith("4 calls")
    assert view.locator(".tfedu-retracing-timeline .tfedu-retracing-call").count() == 4
    assert view.locator(".tfedu-retracing-timeline .tfedu-call-trace").count() == 3
    legend = view.locator(".tfedu-retracing-legend").first  # what the chips mean
    assert "a call that traced concrete function #2" in legend.inner_text()
    assert "`" not in text and view.locator(".tfedu-retracing-reason code").count() >= 2
    assert view.locator(".tfedu-retracing-time").count() == 3
    # A concrete function's button opens its traced graph in the embedded graph view.
    cards.nth(2).locator(".tfedu-retracing-show").click()
    graph = view.locator(".tfedu-graph")
    page.wait_for_function(
        "v => v.querySelectorAll('.tfedu-graph svg .tfedu-graph-node').length === 4",
        arg=view.element_handle(), timeout=20_000)
    assert graph.locator(".tfedu-graph-title").inner_text() == "f #2"
    node_texts = set(graph.locator("svg .tfedu-graph-node text").all_text_contents())
    assert {"AddV2", "Identity"} <= node_texts
    screenshot(view, "retracing_view")


def _f_box(page, monitor):
    return monitor.locator(".tfedu-retracing-function").filter(
        has=page.locator(".tfedu-retracing-name", has_text=re.compile(r"^f$"))).first


def test_live_monitor_follows_calls_in_later_cells(page):
    _wait_all_done(page)
    monitor = _retracing(page, live=True)
    assert monitor.count() == 1
    assert monitor.first.locator("xpath=ancestor::*[contains(@class,'tfedu-widget')]").count() == 1
    page.wait_for_function(
        "m => [...m.querySelectorAll('.tfedu-retracing-name')].some(n => n.textContent === 'f')",
        arg=monitor.element_handle(), timeout=30_000)
    names = monitor.locator(".tfedu-retracing-name").all_text_contents()
    assert {"f", EVIL} <= set(names)  # functions that were called (layer was only traced)
    # The last cell calls f with a new shape: the monitor gains a fourth concrete function.
    page.wait_for_function(
        "m => [...m.querySelectorAll('.tfedu-retracing-function')].some(b =>"
        " b.querySelector('.tfedu-retracing-name').textContent === 'f' &&"
        " b.querySelectorAll('.tfedu-retracing-concrete').length === 4)",
        arg=monitor.element_handle(), timeout=300_000)
    f_box = _f_box(page, monitor)
    sigs = f_box.locator(".tfedu-retracing-signature").all_text_contents()
    assert sigs[-1] == "f(x: float32[2,2,2])"
    # The live view redraws in place as calls come: read it once it shows the new trace.
    expect(f_box.locator(".tfedu-retracing-concrete").nth(3)).to_contain_text("rank 2 -> 3")
    screenshot(monitor, "retracing_monitor")


def test_monitor_widget_asks_the_kernel_for_a_graph(page):
    _wait_all_done(page)
    monitor = _retracing(page, live=True)
    f_box = _f_box(page, monitor)
    f_box.locator(".tfedu-retracing-concrete").nth(1).wait_for(timeout=30_000)
    # Graphs are not in the widget's payload: the click sends a request to the kernel.
    assert monitor.locator(".tfedu-graph").count() == 0
    f_box.locator(".tfedu-retracing-concrete").nth(1).locator(".tfedu-retracing-show").click()
    page.wait_for_function(
        "m => { const g = m.querySelector('.tfedu-graph');"
        " return g && g.querySelector('.tfedu-graph-title').textContent === 'f #1' &&"
        " g.querySelectorAll('svg .tfedu-graph-node').length === 4; }",
        arg=monitor.element_handle(), timeout=30_000)
    graph = monitor.locator(".tfedu-graph")
    assert {"AddV2", "Identity"} <= set(graph.locator("svg .tfedu-graph-node text").all_text_contents())
    assert f_box.locator(".tfedu-selected-card .tfedu-retracing-index").inner_text() == "#1"
    graph.scroll_into_view_if_needed()
    screenshot(monitor, "retracing_monitor_graph")


def test_compare_view_marks_differences(page):
    _wait_all_done(page)
    view = page.locator(".jp-OutputArea .tfedu-compare").first
    page.wait_for_function(
        "v => v.querySelectorAll('.tfedu-compare-side svg .tfedu-graph-node').length > 8",
        arg=view.element_handle(), timeout=20_000)
    sides = view.locator(".tfedu-compare-side")
    left, right = sides.nth(0), sides.nth(1)
    assert left.locator("[data-tfedu-mark=placeholder]").count() == 1
    assert right.locator("[data-tfedu-mark=input]").count() == 1
    assert right.locator("[data-tfedu-mark=output]").count() == 1
    diffs = " | ".join(view.locator(".tfedu-compare-difference").all_text_contents())
    assert "feed_dict" in diffs and "Identity" in diffs
    screenshot(view, "compare_view")


def test_hostile_strings_render_as_text_in_new_views(page):
    _wait_all_done(page)
    retr = _retracing(page).nth(1)
    assert retr.locator(".tfedu-retracing-name").inner_text() == EVIL
    assert retr.locator(".tfedu-retracing-signature").first.inner_text().startswith(EVIL)
    curves = page.locator(".jp-OutputArea .tfedu-curves").nth(1)
    assert curves.locator(".tfedu-graph-title").inner_text() == EVIL
    assert curves.locator(".tfedu-curves-legend-item").inner_text() == EVIL
    assert curves.locator(".tfedu-curves-chart").get_attribute("data-metric") == EVIL
    assert curves.locator(".tfedu-curves-metric").text_content() == EVIL
    live = page.locator(".jp-OutputArea .tfedu-widget .tfedu-curves").filter(
        has=page.locator(".tfedu-graph-title", has_text=EVIL))
    assert live.count() == 1  # the widget path writes names as text too
    page.wait_for_function(
        "v => parseInt(v.dataset.points || '0', 10) === 5", arg=live.element_handle(),
        timeout=30_000)
    assert live.locator(".tfedu-curves-legend-item").inner_text() == EVIL
    assert live.locator(".tfedu-curves-metric").text_content() == EVIL
    compare = page.locator(".jp-OutputArea .tfedu-compare").nth(1)
    assert compare.locator(".tfedu-graph-title").first.inner_text() == EVIL
    outputs = page.locator(".jp-OutputArea")
    for tag in ("img", "script", "iframe"):
        assert outputs.locator(tag).count() == 0, tag
    assert page.locator("[onerror], [onload], [onmouseover]").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []
    screenshot(curves, "curves_escaping")


def test_large_graph_render_time(page):
    _wait_big(page)
    end = page.evaluate("() => window.__tfeduBig.end") / 1000
    printed = page.locator(".jp-OutputArea-output", has_text=re.compile(r"shown at [\d.]+")).last
    expect(printed).to_contain_text(re.compile(r"shown at [\d.]+"))
    seconds = end - float(re.search(r"shown at ([\d.]+)", printed.inner_text()).group(1))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps({"graph_2000_ops_render_s": seconds}))
    print(f"2000-op graph rendered in {seconds:.2f} s")
    view = page.locator(".jp-OutputArea .tfedu-graph").filter(
        has=page.locator(".tfedu-graph-title", has_text="big")).last
    assert view.locator(".tfedu-graph-count").inner_text().startswith("2000 ops")
    screenshot(view, "graph_2000_ops")


def _tries(page):
    return page.locator(".jp-OutputArea .tfedu-curves").filter(
        has=page.locator(".tfedu-graph-title", has_text="three tries"))


def test_keep_last_run_button_asks_the_kernel(page):
    tries = _tries(page)
    tries.wait_for(timeout=300_000)
    page.wait_for_function(
        "v => v.querySelectorAll('.tfedu-curves-legend-item').length === 3",
        arg=tries.element_handle(), timeout=30_000)
    tries.locator(".tfedu-curves-clear").click()
    page.wait_for_function(
        "v => v.querySelectorAll('.tfedu-curves-legend-item').length === 1",
        arg=tries.element_handle(), timeout=30_000)
    assert tries.locator(".tfedu-curves-legend-item").inner_text() == "try 3"
    assert tries.locator(".tfedu-curves-clear").count() == 0  # one run: nothing to clear
    assert tries.locator(".tfedu-curves-batch").count() == 1
    screenshot(tries, "curves_keep_last_run")


LIVE = "application/vnd.tfedu.live+json"


def _monitor_f_concretes(nb: dict) -> int:
    """Concrete functions of f in the saved static data of the monitor's output."""
    for o in nb["cells"][0].get("outputs", []):
        for fn in o.get("data", {}).get("application/vnd.tfedu.retracing+json", {}).get(
                "functions", []):
            if fn["name"] == "f":
                return len(fn["concrete_functions"])
    return 0


def test_saved_notebook_reopened_without_kernel_still_shows_views(page, lab_server, browser):
    _wait_big(page)
    page.locator(".jp-OutputArea-output", has_text="new shape called").wait_for(timeout=120_000)
    path = lab_server.root / "views.ipynb"
    deadline = time.monotonic() + 240  # a loaded machine saves late
    while True:
        # The live outputs write their state into the notebook when each cell ends.
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        time.sleep(0.5)
        saved = json.loads(path.read_text())
        kinds = {k for c in saved["cells"] for o in c.get("outputs", [])
                 for k in o.get("data", {})}
        tries = [o["data"]["application/vnd.tfedu.curves+json"]["runs"]
                 for o in saved["cells"][7].get("outputs", []) if LIVE in o.get("data", {})]
        if ("application/vnd.tfedu.graph+json" in kinds and _monitor_f_concretes(saved) == 4
                and [len(t) for t in tries] == [1] or time.monotonic() > deadline):
            break
    for mime in ("retracing", "curves", "compare", "graph", "live"):
        assert f"application/vnd.tfedu.{mime}+json" in kinds, kinds
    assert {"image/svg+xml", "image/png", "text/plain"} <= kinds
    assert _monitor_f_concretes(saved) == 4
    assert [[r["name"] for r in t] for t in tries] == [["try 3"]]  # cleared from the view
    fit_outputs = [o["data"] for o in saved["cells"][3]["outputs"] if LIVE in o.get("data", {})]
    assert len(fit_outputs) == 1 and "image/png" in fit_outputs[0]
    runs = fit_outputs[0]["application/vnd.tfedu.curves+json"]["runs"]
    assert len(runs) == 2  # both fits of the cell, as saved at the end of training

    # Without the extension: nbconvert shows the pictures of the live views.
    from nbconvert import HTMLExporter
    from nbformat import reads

    html, _ = HTMLExporter().from_notebook_node(reads(json.dumps(saved), as_version=4))
    assert html.count("data:image/png;base64,") >= 2  # the fit's curves, the live escaping curves
    assert "<svg" in html or "data:image/svg+xml" in html  # the monitor's picture
    assert "application/vnd.tfedu.live+json" not in html

    # The same outputs, opened by a reader without the kernel.
    saved["metadata"] = {}
    (lab_server.root / "reopened.ipynb").write_text(json.dumps(saved))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        p2 = context.new_page()
        p2.goto(lab_server.url("lab/tree/reopened.ipynb?reset"))
        p2.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        p2.wait_for_function(
            "() => document.querySelectorAll('.jp-OutputArea .tfedu-retracing').length >= 3 &&"
            " document.querySelectorAll('.jp-OutputArea .tfedu-curves-chart').length >= 2 &&"
            " document.querySelectorAll('.jp-OutputArea .tfedu-graph svg .tfedu-graph-node')"
            ".length > 10", timeout=120_000)
        # No kernelspec in the file: JupyterLab asks which kernel to start. Start none.
        p2.locator(".jp-Dialog button", has_text="No Kernel").click(timeout=30_000)
        p2.locator(".jp-Dialog").wait_for(state="detached", timeout=10_000)
        kernel = p2.evaluate(
            "() => { const p = window.jupyterapp.shell.currentWidget;"
            " const s = p && p.sessionContext && p.sessionContext.session;"
            " return s && s.kernel ? s.kernel.name : null; }")
        assert kernel is None
        # The live views show their saved state (no widget model without a kernel).
        lives = p2.locator(".jp-OutputArea .tfedu-live")
        # monitor, fit curves, the escaping cell's curves, tries (the last may still be drawing)
        p2.wait_for_function(
            "() => document.querySelectorAll('.jp-OutputArea .tfedu-live').length === 4",
            timeout=60_000)
        assert {lives.nth(i).get_attribute("data-tfedu-live") for i in range(4)} == {"static"}
        assert _tries(p2).locator(".tfedu-curves-legend-item").all_text_contents() == ["try 3"]
        assert lives.filter(has_text="Error displaying widget").count() == 0
        curves = p2.locator(".jp-OutputArea .tfedu-curves").first
        assert curves.locator("xpath=ancestor::*[contains(@class,'tfedu-live')]").count() == 1
        assert int(curves.get_attribute("data-points")) > 100
        assert curves.locator(".tfedu-curves-legend-item").count() == 2
        monitor = _retracing(p2, live=True)
        assert monitor.count() == 1
        assert _f_box(p2, monitor).locator(".tfedu-retracing-concrete").count() == 4
        assert _retracing(p2).first.locator(".tfedu-retracing-concrete").count() == 3
        monitor.scroll_into_view_if_needed()
        screenshot(monitor, "reopened_monitor")
        curves.scroll_into_view_if_needed()
        screenshot(p2, "reopened_no_kernel")
    finally:
        context.close()


def test_kernel_restart_leaves_the_last_saved_state(page):
    # Runs last. A restart closes every widget model: each live output shows its static data.
    _wait_big(page)
    live = page.locator(".jp-OutputArea .tfedu-live")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea .tfedu-live')]"
        ".every(v => v.dataset.tfeduLive === 'live')", timeout=30_000)
    count = live.count()
    page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea .tfedu-live')]"
        ".every(v => v.dataset.tfeduLive === 'static')", timeout=60_000)
    assert live.count() == count == 4
    assert page.locator(".jp-OutputArea .tfedu-widget").count() == 0
    curves = page.locator(".jp-OutputArea .tfedu-curves").first
    assert int(curves.get_attribute("data-points")) > 100
    assert curves.locator(".tfedu-curves-clear").count() == 0  # no kernel to ask
    monitor = _retracing(page, live=True)
    assert _f_box(page, monitor).locator(".tfedu-retracing-concrete").count() == 4
