"""Notebook progress widgets and the fit metric feed."""

import re
import sys
import types

import numpy as np
import pytest

import tfedu as tf
from tfedu.keras import callbacks as callbacks_mod
from tfedu.keras import notebook


class _Widget:
    def __init__(self, *children, **kw):
        self.children = children[0] if children else []
        self.__dict__.update(kw)
        self.history = []

    def __setattr__(self, k, v):
        object.__setattr__(self, k, v)
        if k == "value" and "history" in self.__dict__:
            self.history.append(v)


fake_widgets = types.SimpleNamespace(IntProgress=_Widget, HTML=_Widget, HBox=_Widget)


def _model():
    tf.keras.utils.set_random_seed(1)
    m = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    m.compile("sgd", "mse", metrics=["mae"])
    return m


def _data(n=40):
    rng = np.random.RandomState(0)
    return rng.rand(n, 3).astype(np.float32), rng.rand(n, 1).astype(np.float32)


class _Shell:
    config = {"IPKernelApp": {}}


class ZMQInteractiveShell:
    config = {}


class TerminalInteractiveShell:
    config = {}


@pytest.mark.parametrize("shell,expected", [
    (None, False), (_Shell(), True), (ZMQInteractiveShell(), True),
    (TerminalInteractiveShell(), False)])
def test_in_notebook_detects_ipython_kernel(monkeypatch, shell, expected):
    monkeypatch.delenv("TFEDU_PROGRESS", raising=False)
    fake = types.SimpleNamespace(get_ipython=lambda: shell)
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert notebook.in_notebook() is expected


def test_in_notebook_false_without_ipython_and_env_override(monkeypatch):
    monkeypatch.delenv("TFEDU_PROGRESS", raising=False)
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert notebook.in_notebook() is False
    monkeypatch.setenv("TFEDU_PROGRESS", "widget")
    assert notebook.in_notebook() is True
    monkeypatch.setenv("TFEDU_PROGRESS", "terminal")
    monkeypatch.setitem(sys.modules, "IPython",
                        types.SimpleNamespace(get_ipython=lambda: _Shell()))
    assert notebook.in_notebook() is False


def test_fit_callbacks_choose_the_display(monkeypatch):
    monkeypatch.setattr(notebook, "in_notebook", lambda: False)
    kinds = [type(c) for c in notebook.fit_callbacks(1)]
    assert kinds == [callbacks_mod.ProgbarLogger, notebook.FitPublisher]
    assert [type(c) for c in notebook.fit_callbacks(0)] == [notebook.FitPublisher]
    monkeypatch.setattr(notebook, "in_notebook", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", fake_widgets)
    monkeypatch.setitem(sys.modules, "IPython.display",
                        types.SimpleNamespace(display=lambda w: None))
    assert type(notebook.fit_callbacks(1)[0]) is notebook.NotebookProgress
    # verbose=2 prints one line per epoch, as in a terminal
    assert type(notebook.fit_callbacks(2)[0]) is callbacks_mod.ProgbarLogger
    monkeypatch.setitem(sys.modules, "ipywidgets", None)   # not installed -> terminal bar
    assert type(notebook.fit_callbacks(1)[0]) is callbacks_mod.ProgbarLogger


def test_widget_bar_in_fit(monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(notebook, "in_notebook", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", fake_widgets)
    monkeypatch.setitem(sys.modules, "IPython.display",
                        types.SimpleNamespace(display=lambda w, **kw: shown.append(w)))
    x, y = _data()
    h = _model().fit(x, y, epochs=2, batch_size=10, verbose=1)
    assert capsys.readouterr().out == ""           # no terminal bar
    assert len(shown) == 2                          # one bar per epoch
    bar, label = shown[1].children
    assert bar.description == "Epoch 2/2" and bar.max == 4 and bar.value == 4
    assert bar.bar_style == "success"
    text = re.sub(r"<[^>]+>", "", label.value)
    assert text.startswith("4/4 · ") and "/step" in text
    # It wraps between its parts only: each part is one unbreakable span.
    assert '<span style="white-space: nowrap">4/4</span> · ' in label.value
    assert f"loss: {h.history['loss'][-1]:.4f}" in text and "mae: " in text


def test_widget_updates_are_throttled():
    cb = notebook.NotebookProgress(widgets=fake_widgets, display=lambda w: None,
                                   min_interval=3600)
    cb.set_params({"epochs": 1, "steps": 100})
    cb.on_epoch_begin(0)
    for i in range(100):
        cb.on_train_batch_end(i, {"loss": 1.0 / (i + 1)})
    # the first batch draws, then only the last step (complete) draws
    assert cb.bar.history == [1, 100]
    assert "100/100" in cb.label.value and "loss: 0.0100" in cb.label.value
    cb.on_epoch_end(0, {"loss": 0.5})
    assert "loss: 0.5000" in cb.label.value


def test_widget_unknown_steps_and_eta():
    cb = notebook.NotebookProgress(widgets=fake_widgets, display=lambda w: None,
                                   min_interval=0)
    cb.set_params({"epochs": 3, "steps": None})
    cb.on_epoch_begin(0)
    cb.on_train_batch_end(4, {"loss": 2.0})
    assert cb.bar.max == 5 and cb.bar.value == 5
    assert re.sub(r"<[^>]+>", "", cb.label.value).startswith("5/Unknown · ETA ")
    cb2 = notebook.NotebookProgress(widgets=fake_widgets, display=lambda w: None,
                                    min_interval=0)
    cb2.set_params({"epochs": 1, "steps": 10})
    cb2.on_epoch_begin(0)
    cb2.on_train_batch_end(1, {"a<b": 1.0})
    assert "ETA " in cb2.label.value and "a&lt;b" in cb2.label.value


def test_fit_publishes_batch_and_epoch_events():
    events = []
    remove = notebook.add_fit_listener(events.append)
    try:
        x, y = _data()
        h = _model().fit(x, y, epochs=2, batch_size=20, verbose=0, validation_data=(x, y))
    finally:
        remove()
    kinds = [(e.kind, e.epoch, e.step) for e in events]
    assert kinds == [("train_begin", None, None), ("batch", 0, 0), ("batch", 0, 1),
                     ("epoch", 0, None), ("batch", 1, 0), ("batch", 1, 1),
                     ("epoch", 1, None), ("train_end", 1, None)]
    assert len({e.run_id for e in events}) == 1
    assert events[0].logs["epochs"] == 2 and events[0].logs["steps"] == 2
    epoch_logs = [e.logs for e in events if e.kind == "epoch"]
    assert [e["loss"] for e in epoch_logs] == pytest.approx(h.history["loss"])
    assert "val_loss" in epoch_logs[0]
    assert all(isinstance(v, float) for v in events[1].logs.values())
    assert list(notebook.EVENTS)[-len(events):] == events
    # a second fit gets a new run id; removed listeners hear nothing
    _model().fit(x, y, epochs=1, batch_size=40, verbose=0)
    assert len(events) == 8
    assert notebook.EVENTS[-1].run_id == events[0].run_id + 1


def test_broken_listener_is_removed_with_a_warning():
    def bad(event):
        raise RuntimeError("boom")

    notebook.add_fit_listener(bad)
    x, y = _data()
    with pytest.warns(RuntimeWarning, match="raised RuntimeError: boom; it was removed"):
        h = _model().fit(x, y, epochs=1, batch_size=20, verbose=0)
    assert len(h.history["loss"]) == 1
    assert bad not in notebook._LISTENERS


def test_terminal_bar_unchanged_outside_notebooks(monkeypatch, capsys):
    monkeypatch.setattr(notebook, "in_notebook", lambda: False)
    x, y = _data()
    _model().fit(x, y, epochs=1, batch_size=20, verbose=1)
    out = capsys.readouterr().out
    # Keras prints no "Epoch 1/1" header for a single epoch.
    assert not out.startswith("Epoch") and "\x1b[1m2/2\x1b[0m " in out and "loss: " in out
