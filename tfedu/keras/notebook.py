"""Training progress for notebooks, and a feed of `fit` metrics for live views.

Inside a Jupyter kernel `fit(verbose=1)` draws an ipywidgets progress bar (bar + step/steps,
ETA and metrics, redrawn at most ~10 times a second) instead of the terminal bar. Every `fit`
also publishes `FitEvent`s (run id, kind, epoch, step, logs) to listeners registered with
`add_fit_listener` and to the bounded `EVENTS` list, so a training-curves view can follow along:
in a notebook with ipywidgets every `fit` (even with verbose=0) shows live curves
(`tfedu.viz.TrainingCurves`) as soon as training starts; `tfedu.viz.disable_fit_curves()`
turns that off.
"""

from __future__ import annotations

import collections
import html
import itertools
import os
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from tfedu.keras import callbacks as callbacks_mod

MIN_INTERVAL = 0.1  # seconds between widget redraws


def in_notebook() -> bool:
    """True inside a Jupyter (IPython kernel) session; `TFEDU_PROGRESS=terminal|widget`
    forces a choice."""
    mode = os.environ.get("TFEDU_PROGRESS", "").strip().lower()
    if mode in ("terminal", "text"):
        return False
    if mode in ("widget", "notebook"):
        return True
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:
        return False
    if shell is None:
        return False
    return type(shell).__name__ == "ZMQInteractiveShell" or "IPKernelApp" in getattr(
        shell, "config", {})


# --- metric feed -------------------------------------------------------------------------------
@dataclass
class FitEvent:
    """One published moment of a `fit`: kind is 'train_begin', 'batch', 'epoch' or 'train_end'."""

    run_id: int
    kind: str
    epoch: int | None = None
    step: int | None = None
    logs: dict = field(default_factory=dict)
    time: float = 0.0
    model: str | None = None  # the model's name


EVENTS: collections.deque[FitEvent] = collections.deque(maxlen=20000)
_LISTENERS: list[Callable[[FitEvent], None]] = []
_RUN_IDS = itertools.count(1)


def add_fit_listener(fn: Callable[[FitEvent], None]) -> Callable[[], None]:
    """Calls `fn(event)` for every FitEvent of later `fit` runs; returns a function that
    removes the listener."""
    _LISTENERS.append(fn)
    return lambda: remove_fit_listener(fn)


def remove_fit_listener(fn: Callable[[FitEvent], None]) -> None:
    if fn in _LISTENERS:
        _LISTENERS.remove(fn)


def _publish(event: FitEvent) -> None:
    EVENTS.append(event)
    for fn in list(_LISTENERS):
        try:
            fn(event)
        except Exception as e:  # a broken view must not stop training
            remove_fit_listener(fn)
            warnings.warn(f"fit listener {fn!r} raised {type(e).__name__}: {e}; it was removed.",
                          RuntimeWarning, stacklevel=2)


def _plain(logs) -> dict:
    out = {}
    for k, v in (logs or {}).items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            out[k] = v
    return out


class FitPublisher(callbacks_mod.Callback):
    """Publishes per-batch and per-epoch logs of one `fit` run as FitEvents."""

    def __init__(self):
        super().__init__()
        self.run_id = next(_RUN_IDS)
        self._epoch = 0

    def on_train_begin(self, logs=None):
        _publish(FitEvent(self.run_id, "train_begin", logs=dict(self.params or {}),
                          time=time.time(), model=getattr(self.model, "name", None)))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        _publish(FitEvent(self.run_id, "batch", self._epoch, batch, _plain(logs), time.time()))

    def on_epoch_end(self, epoch, logs=None):
        _publish(FitEvent(self.run_id, "epoch", epoch, None, _plain(logs), time.time()))

    def on_train_end(self, logs=None):
        _publish(FitEvent(self.run_id, "train_end", self._epoch, None, _plain(logs),
                          time.time()))


# --- widget progress bar -----------------------------------------------------------------------
def _label_html(text: str) -> str:
    """The progress text as HTML that wraps only between its parts (`4/4`, `ETA 3s`,
    `loss: 0.1234`), never inside one: a narrow output breaks no word or number."""
    chunks = re.split(r"( · | - )", text)
    parts = [html.escape(c) if i % 2 else
             f'<span style="white-space: nowrap">{html.escape(c)}</span>'
             for i, c in enumerate(chunks)]
    return ('<code style="word-break: normal; overflow-wrap: normal; white-space: normal">'
            + "".join(parts) + "</code>")


class NotebookProgress(callbacks_mod.Callback):
    """An ipywidgets bar per epoch: `Epoch i/n [=====] step/steps · ETA · metrics`.

    When an epoch ends its bar is replaced by the same line as text, so that a saved
    notebook shows the finished training without a kernel.
    """

    def __init__(self, widgets=None, display: Callable | None = None,
                 min_interval: float = MIN_INTERVAL):
        super().__init__()
        if widgets is None:
            import ipywidgets as widgets
        if display is None:
            from IPython.display import display as show

            def display(obj):
                return show(obj, display_id=True)
        self._w = widgets
        self._display = display
        self.min_interval = min_interval
        self.epochs = 1
        self.steps = None
        self.box = None

    def set_params(self, params):
        super().set_params(params)
        self.epochs = params.get("epochs", 1)
        self.steps = params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._last = float("-inf")
        self._done = 0
        self.bar = self._w.IntProgress(value=0, min=0, max=max(self.steps or 1, 1),
                                       description=f"Epoch {epoch + 1}/{self.epochs}",
                                       style={"description_width": "initial"})
        self.label = self._w.HTML(value="")
        self.box = self._w.HBox([self.bar, self.label])
        self._handle = self._display(self.box)
        self._text = ""

    def on_train_batch_end(self, batch, logs=None):
        self._done = batch + 1
        now = time.perf_counter()
        if now - self._last >= self.min_interval or (self.steps and self._done >= self.steps):
            self._last = now
            self._draw(logs or {}, final=False)

    def _draw(self, logs, final):
        elapsed = time.perf_counter() - self._start
        per = elapsed / max(self._done, 1)
        total = self.steps
        if total is None:
            self.bar.max = max(self._done, 1)
        self.bar.value = self._done if total is None else min(self._done, total)
        if final or (total and self._done >= total):
            timing = f"{callbacks_mod._fmt_time(elapsed)} {callbacks_mod._fmt_time(per)}/step"
        else:
            eta = per * ((total or self._done) - self._done)
            timing = f"ETA {callbacks_mod._fmt_time(eta)} · {callbacks_mod._fmt_time(per)}/step"
        metrics = callbacks_mod._fmt_metrics(_plain(logs))
        text = f"{self._done}/{total if total else 'Unknown'} · {timing}"
        if metrics:
            text += f" · {metrics}"
        self.label.value = _label_html(text)
        self._text = text
        if final:
            self.bar.bar_style = "success"

    def on_epoch_end(self, epoch, logs=None):
        self._draw(logs or {}, final=True)
        if hasattr(self._handle, "update"):
            line = f"{self.bar.description} {'━' * 20} {self._text}"
            self._handle.update({"text/plain": line}, raw=True)
            for w in (self.bar, self.label, self.box):
                getattr(w, "close", lambda: None)()


def _widgets_available() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def fit_callbacks(verbose) -> list:
    """The callbacks `fit` adds: a progress display (widget bar in a notebook when verbose=1,
    else the terminal `ProgbarLogger`) and the metric publisher. In a notebook with ipywidgets
    it also starts the live training curves (unless they were disabled)."""
    out = []
    widgets = in_notebook() and _widgets_available()
    if widgets:
        from tfedu.viz._display import live_widgets
        from tfedu.viz.curves import auto_fit_curves

        if live_widgets():
            auto_fit_curves()
    if verbose:
        if verbose == 1 and widgets:
            out.append(NotebookProgress())
        else:
            out.append(callbacks_mod.ProgbarLogger())
    out.append(FitPublisher())
    return out
