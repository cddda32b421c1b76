"""Live views as ipywidgets: synced state, the static bundle saved with them, kernel requests."""

from __future__ import annotations

import base64

import numpy as np
import pytest

import tfedu as tf
from tfedu.keras import notebook
from tfedu.viz import (
    CURVES_MIME_TYPE,
    RETRACING_MIME_TYPE,
    RetracingMonitor,
    TrainingCurves,
    _display,
    curves,
)

pytest.importorskip("ipywidgets")

from tfedu.viz.widgets import LIVE_MIME_TYPE, TfeduWidget  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EVIL = "<img src=x onerror=alert(1)>"


class _Handle:
    def __init__(self, data):
        self.shown = data
        self.updates = []

    def update(self, data, raw=False):
        self.updates.append(data)


@pytest.fixture
def kernel(monkeypatch):
    """Pretend to run in a kernel with ipywidgets: displays are recorded, not printed."""
    handles: list[_Handle] = []

    def display(data, raw=False, display_id=None):
        handles.append(_Handle(data))
        return handles[-1]

    monkeypatch.setattr(_display, "live_widgets", lambda: True)
    monkeypatch.setattr("IPython.display.display", display)
    monkeypatch.setattr(notebook, "in_notebook", lambda: True)
    yield handles
    curves.disable_fit_curves()
    curves._auto = True


def _sent(widget: TfeduWidget, monkeypatch) -> list:
    out: list = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: out.append(content))
    return out


def test_widget_bundle_carries_live_mime_and_static_fallbacks(kernel):
    c = TrainingCurves(title="loop", interval=0.0)
    c.show()
    w = c.widget
    assert isinstance(w, TfeduWidget) and w.kind == "curves"
    assert w.payload["runs"] == []
    shown = kernel[0].shown
    assert shown[LIVE_MIME_TYPE] == {"model_id": w.model_id, "kind": "curves"}
    # No generic widget view: viewers without the extension fall back to the picture.
    assert WIDGET_VIEW not in shown
    assert shown[CURVES_MIME_TYPE]["kind"] == "curves" and "text/plain" in shown
    assert {"image/png", "image/svg+xml"} & set(shown)
    state = w.get_state()
    assert state["_model_module"] == state["_view_module"] == "tfedu-lab"
    assert (state["_model_name"], state["_view_name"]) == ("TfeduViewModel", "TfeduView")


def test_curves_widget_updates_payload_and_saves_the_final_picture(kernel):
    c = TrainingCurves(interval=0.0)
    c.show()
    for step in range(5):
        c.log(step=step, loss=1.0 / (step + 1))
    run = c.widget.payload["runs"][0]
    assert len(run["series"][0]["points"]) == 5
    handle = kernel[0]
    assert handle.updates == []  # live redraws go through the widget, not update_display
    c.log_epoch(1, step=4, loss=0.3, val_loss=0.4)
    c.save()  # the end of a cell or of a fit
    saved = handle.updates[-1]
    assert saved[LIVE_MIME_TYPE]["model_id"] == c.widget.model_id
    series = saved[CURVES_MIME_TYPE]["runs"][0]["series"]
    assert sum(len(s["points"]) for s in series) == 7
    png = base64.b64decode(saved["image/png"])
    assert png.startswith(b"\x89PNG") and len(png) > 2000
    c.save()
    assert len(handle.updates) == 1  # nothing new: nothing sent


def test_curves_keep_svg_without_matplotlib(monkeypatch):
    monkeypatch.setattr(curves, "curves_png", lambda payload: None)
    c = TrainingCurves(live=False)
    c.log(step=0, loss=1.0)
    bundle = c._repr_mimebundle_()
    assert "image/png" not in bundle and "<polyline" in bundle["image/svg+xml"]


def test_fit_in_a_notebook_shows_live_curves_by_itself(kernel):
    curves.disable_fit_curves()
    curves._auto = True
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x = np.random.RandomState(0).rand(40, 2).astype("float32")
    y = x.sum(1, keepdims=True)
    model.fit(x, y, batch_size=8, epochs=2, verbose=2, validation_split=0.2)
    fit = curves._fit_curves
    assert fit is not None
    w = fit.curves.widget
    runs = w.payload["runs"]
    assert [r["name"] for r in runs] == [f"{model.name} \u00b7 fit 1"]
    series = {(s["metric"], s["split"], s["level"]): s["points"] for s in runs[0]["series"]}
    assert len(series[("loss", "training", "batch")]) == 8
    assert [p[0] for p in series[("loss", "validation", "epoch")]] == [1.0, 2.0]
    assert ("mae", "training", "epoch") in series
    # The saved output got the final state at train end.
    saved = [h for h in kernel if LIVE_MIME_TYPE in h.shown][0].updates[-1]
    assert len(saved[CURVES_MIME_TYPE]["runs"][0]["series"]) == len(runs[0]["series"])
    # A second fit in the same cell is overlaid as a second run in the same view.
    model.fit(x, y, batch_size=8, epochs=1, verbose=2)
    assert fit.curves.widget is w and len(w.payload["runs"]) == 2
    # Turned off: later fits add nothing, and fit does not turn them back on.
    curves.disable_fit_curves()
    model.fit(x, y, batch_size=8, epochs=1, verbose=2)
    assert curves._fit_curves is None and len(w.payload["runs"]) == 2


def test_silent_fit_shows_curves_but_no_progress(kernel):
    curves.disable_fit_curves()
    curves._auto = True
    model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 1), "float32"), np.ones((8, 1), "float32"), verbose=0)
    assert [LIVE_MIME_TYPE in h.shown for h in kernel] == [True]  # the curves only
    assert curves._fit_curves.curves.runs[0]["name"] == f"{model.name} \u00b7 fit 1"


def test_monitor_widget_follows_calls_and_sends_graphs_on_request(kernel, monkeypatch):
    @tf.function
    def sq(x):
        return tf.square(x) + 1.0

    mon = RetracingMonitor(sq, interval=0.0)
    try:
        mon.show()
        w = mon.widget
        assert w.kind == "retracing" and w.payload["functions"][0]["calls"] == 0
        sq(tf.constant(1.0))
        sq(tf.constant([1.0, 2.0]))
        fn = w.payload["functions"][0]
        assert fn["calls"] == 2 and len(fn["concrete_functions"]) == 2
        # Graphs are not sent up front ...
        assert all(c["graph"] is None for c in fn["concrete_functions"])
        sent = _sent(w, monkeypatch)
        # ... the view asks for one when a concrete function is clicked.
        w._handle_custom_msg({"action": "graph", "function": fn["id"], "index": 1,
                              "request": 7}, [])
        reply = sent[-1]
        assert reply["request"] == 7 and reply["action"] == "graph" and "error" not in reply
        graph = reply["graph"]
        assert graph["kind"] == "graph" and graph["title"] == "sq #1"
        assert {"Square", "AddV2", "Identity"} <= {n["type"] for n in graph["nodes"]}
        # Bad requests get an error answer, not an exception in the kernel.
        w._handle_custom_msg({"action": "graph", "function": fn["id"], "index": 9,
                              "request": 8}, [])
        assert sent[-1]["request"] == 8 and "no concrete function #9" in sent[-1]["error"]
        w._handle_custom_msg({"action": "graph", "function": "0", "index": 0, "request": 9}, [])
        assert "no longer exists" in sent[-1]["error"]
        w._handle_custom_msg({"action": "explode", "request": 10}, [])
        assert sent[-1] == {"action": "explode", "request": 10, "error": "unknown action 'explode'"}
        # The saved output embeds the graphs (a reader without a kernel can open them).
        _display._flush_all()
        saved = kernel[0].updates[-1]
        concrete = saved[RETRACING_MIME_TYPE]["functions"][0]["concrete_functions"]
        assert [c["graph"]["title"] for c in concrete] == ["sq #0", "sq #1"]
        assert saved[LIVE_MIME_TYPE]["model_id"] == w.model_id
    finally:
        mon.close()


def test_monitor_shown_again_closes_the_old_widget(kernel):
    mon = RetracingMonitor(interval=0.0, graphs=False)
    try:
        mon.show()
        first = mon.widget
        mon.show()
        assert mon.widget is not first and first.comm is None
        assert len(kernel) == 2
    finally:
        mon.close()


def test_widget_payload_keeps_user_strings_verbatim_and_fallbacks_escaped(kernel):
    c = TrainingCurves(title=EVIL, interval=0.0)
    c.show()
    c.start_run(EVIL)
    c.log(step=0, **{EVIL: 1.0})
    c.log(step=1, **{EVIL: 0.5})
    p = c.widget.payload
    # Plain data: the front end writes it as text.
    assert p["title"] == EVIL and p["runs"][0]["name"] == EVIL
    assert p["runs"][0]["series"][0]["metric"] == EVIL
    svg = c._repr_mimebundle_(exclude={"image/png"})["image/svg+xml"]
    assert EVIL not in svg and "&lt;img" in svg
    assert "image/png" in c._repr_mimebundle_()  # matplotlib draws the name as plain text


def test_progress_bar_becomes_a_text_line_when_its_epoch_ends():
    import ipywidgets

    handles: list[_Handle] = []

    def display(obj):
        handles.append(_Handle(obj))
        return handles[-1]

    cb = notebook.NotebookProgress(widgets=ipywidgets, display=display, min_interval=0)
    cb.set_params({"epochs": 2, "steps": 3})
    cb.on_epoch_begin(0)
    for i in range(3):
        cb.on_train_batch_end(i, {"loss": 1.0 / (i + 1)})
    assert handles[0].updates == []  # a live bar while the epoch runs
    cb.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.7})
    line = handles[0].updates[-1]["text/plain"]
    assert line.startswith("Epoch 1/2 ━") and " 3/3 · " in line
    assert "loss: 0.5000" in line and "val_loss: 0.7000" in line
    assert cb.box.comm is None  # the widgets are closed: the saved notebook keeps the line


def test_a_fit_with_its_own_curves_callback_gets_no_second_view(kernel):
    curves.disable_fit_curves()
    curves._auto = True
    model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 1), "float32")
    mine = TrainingCurves("mine", interval=0.0)
    model.fit(x, x, epochs=1, verbose=0, callbacks=[mine])
    assert len(mine.runs) == 1 and curves._fit_curves.curves.runs == []
    assert [h.shown[CURVES_MIME_TYPE]["title"] for h in kernel] == ["mine"]
    model.fit(x, x, epochs=1, verbose=0)  # the next fit without it: automatic curves again
    assert len(curves._fit_curves.curves.runs) == 1 and len(mine.runs) == 1


def test_keep_last_run_request_clears_earlier_runs_and_saves(kernel, monkeypatch):
    c = TrainingCurves(interval=3600)
    c.show()
    for name in ("a", "b", "c"):
        c.start_run(name)
        c.log(step=0, loss=1.0)
    sent = _sent(c.widget, monkeypatch)
    c.widget._handle_custom_msg({"action": "clear", "request": 3}, [])
    assert sent == [{"action": "clear", "request": 3, "runs": 1}]
    # Drawn right away (not held back by the throttle) and written into the saved output.
    assert [r["name"] for r in c.widget.payload["runs"]] == ["c"]
    saved = kernel[0].updates[-1]
    assert [r["name"] for r in saved[CURVES_MIME_TYPE]["runs"]] == ["c"]
